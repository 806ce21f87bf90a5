#!/usr/bin/env bash
# make test-scan: checkov and kube-score on what the product puts into a
# cluster, from files (no test bed, no cluster). Three renders:
#   children            the children of testbed/samples/all-options.yaml
#                       (every option set, images pinned by digest), built
#                       by the operator's own build functions
#                       (operator/examples/render_children.rs)
#   chart-defaults      helm template of helm/hello-operator, its defaults
#   chart-all-features  the same with helm/tests/values-all-features.yaml
# Every finding (scanner, check, render, object) must be in
# testbed/scan-skips.txt with its reason: a new finding fails the tier, and
# so does a line there that no longer matches a finding. Skips live there
# only: kube-score ignores its per-object annotations here, and a checkov
# annotation skip fails.
#
#   testbed/tests/scan.sh
# Tools: testbed/install.sh scanners (checkov and kube-score, versions in
# testbed/versions.env) and helm, built into the test bed cache once.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$repo/testbed/tests/lib.sh"
skips=$repo/testbed/scan-skips.txt
work=$(mktemp -d /tmp/hello-scan.XXXXXX)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
stage() { printf '==> scan: %s (+%d s)\n' "$*" "$((SECONDS - start))"; }

stage "tools"
"$repo/testbed/install.sh" scanners || exit 1
"$repo/testbed/install.sh" helm || exit 1
PATH=$("$repo/testbed/install.sh" --print-scanners | paste -sd:):$("$repo/testbed/install.sh" --print-path | paste -sd:):$PATH
export PATH
# The same compile as make test-rust's, so after it this compiles nothing.
"$repo/testbed/cargo-test.sh" --workspace --locked --no-run -q || exit 1
render_children=${CARGO_TARGET_DIR:-$repo/target}/debug/examples/render_children

stage "render"
mkdir "$work/in"
objects() { grep -c '^kind: ' "$1"; }
rendered() { # RENDER CMD...: CMD's stdout into $work/in/RENDER.yaml
  local name=$1 out=$work/in/$1.yaml
  shift
  if "$@" >"$out" 2>"$work/$name.err" && [ "$(objects "$out")" -gt 0 ]; then
    ok "$name: $(objects "$out") objects"
  else
    bad "$name: $* ($(head -c 300 "$work/$name.err"))"
  fi
}
rendered children "$render_children" "$repo/testbed/samples/all-options.yaml"
rendered chart-defaults helm template hello-operator "$repo/helm/hello-operator" -n hello-system
rendered chart-all-features helm template hello-operator "$repo/helm/hello-operator" -n hello-system \
  -f "$repo/helm/tests/values-all-features.yaml"

stage "checkov $(checkov --version)"
# Embedded checks only, nothing fetched (as testbed/terraform-check.sh).
# --soft-fail: its exit says nothing; scan_findings.py reads the report.
if ! BC_SKIP_MAPPING=TRUE checkov --directory "$work/in" --framework kubernetes --compact \
  --skip-download --soft-fail -o json >"$work/checkov.json" 2>"$work/checkov.err" ||
  ! python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/checkov.json" 2>/dev/null; then
  bad "checkov printed no report: $(tail -c 500 "$work/checkov.err")"
  echo '{}' >"$work/checkov.json"
fi

stage "$(kube-score version | cut -d, -f1)"
kube_score=()
for f in "$work"/in/*.yaml; do
  name=$(basename "$f" .yaml)
  # It exits 1 on any critical finding, so only its report says it ran.
  # The optional checks our pods pass are on too; the others want requests
  # equal to limits (Guaranteed QoS), which these pods do not aim for.
  kube-score score --kubernetes-version v1.35 --disable-ignore-checks-annotations \
    --enable-optional-test container-seccomp-profile --enable-optional-test container-ports-check \
    -o json "$f" >"$work/kube-score-$name.json" 2>"$work/kube-score-$name.err"
  if python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/kube-score-$name.json" 2>/dev/null; then
    kube_score+=("$name=$work/kube-score-$name.json")
  else
    bad "kube-score on $name printed no report: $(tail -c 500 "$work/kube-score-$name.err")"
  fi
done

stage "findings against testbed/scan-skips.txt"
python3 "$repo/testbed/tests/scan_findings.py" "$skips" "$work/checkov.json" "${kube_score[@]}" >"$work/findings.txt" ||
  bad "testbed/tests/scan_findings.py failed (above)"
while IFS= read -r line; do
  case $line in
    "ok   - "*) ok "${line#ok   - }" ;;
    "FAIL - "*) bad "${line#FAIL - }" ;;
    *) echo "$line" ;;
  esac
done <"$work/findings.txt"

echo "scan: $((SECONDS - start)) s"
summary
