# Shared by the shell test tiers (testbed/tests/*.sh, helm/tests/chart.sh):
# "ok"/"FAIL"/"skip" lines and their counts, checks, retries. Source it after
# `set -uo pipefail`; it defines functions and the counters, nothing else.
# The test bed's own (say, fail, processes_naming) come from testbed/lib.sh.
# shellcheck shell=bash
script_name=${script_name:-$(basename "$0")}
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

passed=0
failed=0
skipped=0
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL - $*"; }
skip() { skipped=$((skipped + 1)); echo "skip - $*"; }

# check DESCRIPTION CMD...: one ok or FAIL line; CMD's output is shown only
# when it fails. CMD runs in this shell, so what it sets (eventually's $out)
# stays set for the next check.
check() {
  local what=$1 log
  shift
  log=$(mktemp)
  if "$@" >"$log" 2>&1; then
    ok "$what"
  else
    bad "$what"
    [ -s "$log" ] && head -20 "$log" | sed 's/^/     /'
  fi
  rm -f "$log"
  return 0
}

# eventually SECONDS CMD...: retries CMD every second until it passes; its
# last output is kept in $out (and shown when time runs out).
eventually() {
  local deadline=$((SECONDS + $1))
  shift
  while :; do
    out=$("$@" 2>&1) && return 0
    [ $SECONDS -lt $deadline ] || { echo "last output: $out" | head -5; return 1; }
    sleep 1
  done
}

# crd_established NAME: within 60 s, the CRD's Established condition is True.
# Not `kubectl wait --for=condition=Established`: just after the apply, while
# the CRD's status has no conditions list yet, that fails at once ("accessor
# error: <nil> is of the type <nil>") instead of waiting.
established() { [ "$(kubectl get "crd/$1" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" = True ]; }
crd_established() { eventually 60 established "$1"; }

# own_testbed PREFIX: this test's own test bed, in a new /tmp/PREFIX.XXXXXX
# ($dir, exported as HELLO_TESTBED_DIR), so it runs beside any other one and
# our_processes can tell its processes apart.
own_testbed() {
  dir=$(mktemp -d "/tmp/$1.XXXXXX")
  export HELLO_TESTBED_DIR=$dir
}
our_processes() { processes_naming "$dir/"; }

# check_down NAME: `cluster.sh down` of the own test bed, checked as NAME,
# and what it must leave behind: no process naming it, no mount under it.
check_down() {
  local start=$SECONDS
  timeout 300 "$(dirname "${BASH_SOURCE[0]}")/../cluster.sh" down >"$dir/down.log" 2>&1
  check "$1 succeeds ($((SECONDS - start)) s)" [ $? -eq 0 ]
  check "$1 leaves no process naming the test bed (containerd, shims, kubelet, ...)" [ -z "$(our_processes)" ]
  check "$1 leaves no mount under the test bed" bash -c "! awk '{print \$5}' /proc/self/mountinfo | grep -qF '$dir/'"
}

# probe_pod NAME [LABELS] [--ready]: the manifest of a Pod running the test
# bed's probe image (testbed/images/probe) serving HTTP on :8080, under the
# restricted Pod Security profile. LABELS is a flow map's body ("app: web");
# --ready adds the port and a readiness probe on it.
probe_pod() {
  local name=$1 labels=${2:-} ready=
  [ -n "$labels" ] && labels=", labels: {$labels}"
  [ "${3:-}" = --ready ] && ready='
    ports: [{containerPort: 8080}]
    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}'
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $name$labels}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: probe
    image: $HELLO_TESTBED_PROBE_IMAGE
    imagePullPolicy: Never
    args: [serve, ":8080"]$ready
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
YAML
}

# summary: the counts line; fails when a check failed.
summary() {
  if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  [ "$failed" -eq 0 ]
}
