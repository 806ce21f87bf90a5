#!/usr/bin/env bash
# Every check of terraform-eks/ (what `make test-terraform` runs, inside
# testbed/with-testbed.sh):
#   1. the compute label in Terraform equals hello_crds::COMPUTE_LABEL
#   2. terraform fmt -check -recursive
#   3. terraform init -backend=false && terraform validate (the AWS provider,
#      built with only the module's services, from the filesystem mirror
#      that testbed/install.sh builds)
#   4. terraform test (mock_provider: no AWS account, no network)
#   5. tflint with the AWS ruleset
#   6. checkov, failing on any failed check without an inline skip
#   7. the tests of testbed/moto-ext (pytest, in moto's venv)
#   8. testbed/terraform-apply.sh: apply, outputs, second plan and destroy of
#      four cases against moto (with testbed/moto-ext) on loopback
# Tools come from testbed/install.sh (versioned cache, built once).
#
#   testbed/terraform-check.sh            all of the above
#   testbed/terraform-check.sh --static   steps 1-7 (no test bed needed)
set -euo pipefail

apply=1
case "${1:-}" in
  "") ;;
  --static) apply=0 ;;
  *) echo "usage: $0 [--static]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module=$root/terraform-eks
cd "$root"

script_name=terraform-check
# shellcheck source=lib.sh
. testbed/lib.sh
# The command's status is kept: callers use `timed CMD || fail ...`, where
# set -e does not stop at a failing CMD inside the function.
timed() { local t=$SECONDS rc=0; "$@" || rc=$?; printf '    (%s s)\n' "$((SECONDS - t))" >&2; return $rc; }

say "compute label matches hello_crds::COMPUTE_LABEL"
rust_label=$(sed -n 's/^pub const COMPUTE_LABEL: &str = "\(.*\)";$/\1/p' crds/src/compute.rs)
tf_label=$(sed -n 's/^  compute_label = "\(.*\)"$/\1/p' "$module/main.tf")
[ -n "$rust_label" ] || fail "compute label" "no COMPUTE_LABEL in crds/src/compute.rs"
[ "$rust_label" = "$tf_label" ] ||
  fail "compute label" "terraform-eks/main.tf local.compute_label is '$tf_label', crds/src/compute.rs COMPUTE_LABEL is '$rust_label'"
# No second copy of the key anywhere in the configuration (tests may name it).
if grep -n "$rust_label" "$module"/*.tf | grep -v '^[^:]*main.tf:[0-9]*:  compute_label = '; then
  fail "compute label" "the label key is spelled out above; use local.compute_label"
fi

say "tools"
timed testbed/install.sh terraform-tools
timed testbed/install.sh moto
# The CLI config and plugin dir live in the cache; set here only, so nothing
# outside this script (nor ~/.terraformrc) is used or changed.
while IFS= read -r line; do export "${line?}"; done < <(testbed/install.sh --print-terraform-env)
[ -f "$TF_CLI_CONFIG_FILE" ] || fail "tools" "no CLI config at $TF_CLI_CONFIG_FILE"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
terraform version

say "terraform fmt -check -recursive"
terraform -chdir="$module" fmt -check -recursive || fail "fmt" "run: terraform fmt -recursive terraform-eks"

# init writes .terraform/ and a lock file; do it in a scratch copy so the
# tree stays clean (the lock file of a self-built provider would not match
# the registry's checksums that users' init verifies).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$module" "$work/terraform-eks"
rm -rf "$work/terraform-eks/.terraform" "$work/terraform-eks/.terraform.lock.hcl"

say "terraform init -backend=false && terraform validate"
timed terraform -chdir="$work/terraform-eks" init -backend=false >"$work/init.log" 2>&1 ||
  { cat "$work/init.log" >&2; fail "init" "terraform init failed"; }
terraform -chdir="$work/terraform-eks" validate -no-color || fail "validate" "terraform validate failed"

say "terraform test"
timed terraform -chdir="$work/terraform-eks" test -no-color 2>&1 | tee "$work/test.log"
grep -q '^Success!' "$work/test.log" || fail "terraform test" "see the failures above"

say "tflint (AWS ruleset)"
(cd "$module" && tflint --format compact) || fail "tflint" "see the findings above"

say "checkov"
# --skip-download, BC_SKIP_MAPPING and no API key: embedded checks only,
# nothing fetched. tests/ holds test files, not infrastructure.
timed env BC_SKIP_MAPPING=TRUE checkov --directory "$module" --framework terraform --quiet --compact \
  --skip-download --download-external-modules false --skip-path tests ||
  fail "checkov" "a failed check above has no inline '#checkov:skip=ID:reason'"

say "testbed/moto-ext tests (pytest)"
moto_python=$(testbed/install.sh --print-path | grep '/moto-')/../venv/bin/python
if ! (cd testbed/moto-ext && timed env PYTHONPATH=. PYTHONDONTWRITEBYTECODE=1 "$moto_python" -m pytest -q -p no:cacheprovider tests) 2>&1 | tee "$work/pytest.log"; then
  fail "moto-ext tests" "see the failures above"
fi

tests=$(sed -n 's/^Success! \([0-9]*\) passed, 0 failed\.$/\1/p' "$work/test.log")
pytests=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' "$work/pytest.log")
if [ "$apply" = 1 ]; then
  say "apply and destroy against moto (testbed/terraform-apply.sh)"
  timed testbed/terraform-apply.sh || fail "apply" "see testbed/terraform-apply.sh's failure above"
  echo "terraform-check: all checks passed (terraform test: $tests runs; moto-ext: $pytests tests; apply/destroy: 4 cases)"
else
  echo "terraform-check: static checks passed (terraform test: $tests runs; moto-ext: $pytests tests); apply not run (--static)"
fi
