#!/usr/bin/env bash
# kstatus (testbed/kstatus/: cli-utils' status.Compute, what Flux and kpt
# read) on HelloApis whose statuses this script writes by hand through the
# status subresource, against the test bed's apiserver; no node, no operator.
# Run it through testbed/with-testbed.sh, as `make test-kstatus` does.
#   one-shot   ready, rolling out, stuck before the deadline (Degraded),
#              failed after it (Stalled), invalid spec, not observed yet, no
#              status at all, Ready=False alone, and deleting (a finalizer
#              holds it: Terminating, then NotFound)
#   --watch    each distinct line once, with its seconds since start; exit 0
#              at --until, 1 at --timeout; usage errors exit 2
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$repo/testbed/tests/lib.sh"
load_testbed_env

"$repo/testbed/install.sh" kstatus || exit 1
ks=$("$repo/testbed/install.sh" --print-kstatus)
ns=kstatus-test
work=$(mktemp -d /tmp/hello-kstatus-test.XXXXXX)
watch_pid=

cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
  # Nothing may hold the namespace's deletion: drop the test's finalizers.
  local h
  for h in $(kubectl get helloapis -n "$ns" -o name 2>/dev/null); do
    kubectl patch "$h" -n "$ns" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
  done
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
start=$SECONDS

check "the HelloApi CRD applies (crds/helloapi.yaml)" \
  kubectl apply --server-side --force-conflicts -f "$repo/crds/helloapi.yaml"
check "the CRD is established" crd_established helloapis.hello.dev
kubectl delete namespace "$ns" --ignore-not-found --wait=true --timeout=120s >/dev/null 2>&1
check "namespace $ns" kubectl create namespace "$ns"

create() { # NAME: a HelloApi with the defaults (generation 1, no status)
  kubectl apply -n "$ns" -f - <<EOF
apiVersion: hello.dev/v1alpha1
kind: HelloApi
metadata: {name: $1}
spec: {}
EOF
}

# cond TYPE STATUS REASON MESSAGE: one condition of generation $gen, as JSON.
gen=1
cond() {
  printf '{"type":"%s","status":"%s","reason":"%s","message":"%s","observedGeneration":%s,"lastTransitionTime":"2026-11-30T10:00:00Z"}' \
    "$1" "$2" "$3" "$4" "$gen"
}

# set_status NAME CONDITION...: status.observedGeneration $gen, replicas and
# these conditions, written through the status subresource (a merge patch
# replaces the whole list). No status.selector: kstatus does not read it, and
# crds/helloapi.yaml may not have it yet.
set_status() {
  local name=$1 IFS=,
  shift
  kubectl patch helloapi "$name" -n "$ns" --subresource=status --type=merge \
    -p "{\"status\":{\"observedGeneration\":$gen,\"replicas\":2,\"readyReplicas\":2,\"conditions\":[$*]}}"
}

ready_conds() {
  cond Ready True PodsReady "2/2 API pods run generation $gen and are ready"
  echo
  cond Progressing False Complete "Generation $gen is rolled out"
  echo
  cond Degraded False AsExpected ""
  echo
  cond Reconciling False Reconciled ""
  echo
  cond Stalled False AsExpected ""
}

# create_ready NAME: a HelloApi whose status says generation $gen is Ready.
create_ready() {
  local c
  create "$1" >/dev/null
  mapfile -t c < <(ready_conds)
  set_status "$1" "${c[@]}" >/dev/null
}

# rolling_out NAME RUNNING DOING DEGRADED_STATUS DEGRADED_REASON DEGRADED_MESSAGE:
# generation $gen rolls out with RUNNING of 2 API pods on it; the rollout
# message ends in DOING.
rolling_out() {
  local progress="Rolling out generation $gen: $3"
  set_status "$1" \
    "$(cond Ready False RollingOut "$2/2 API pods run generation $gen")" \
    "$(cond Progressing True RollingOut "$progress")" \
    "$(cond Degraded "$4" "$5" "$6")" \
    "$(cond Reconciling True RollingOut "$progress")" \
    "$(cond Stalled False AsExpected "")"
}

# kstatus_says NAME LINE: kstatus prints exactly LINE for NAME (and exits 0).
kstatus_says() {
  local got
  got=$("$ks" --kubeconfig "$KUBECONFIG" -n "$ns" "$1") || { echo "kstatus exited $?: $got"; return 1; }
  [ "$got" = "$2" ] || { echo "expected: $2"; echo "got:      $got"; return 1; }
}

# ---------------------------------------------------------------- one-shot
pull="pod ready-5f6d7c9b8-q7w2z, container hello-api: image hello-api:typo cannot be pulled (ImagePullBackOff); the pods of generation 0 keep serving"

create_ready ready
check "ready (Ready=True, Reconciling=False, Stalled=False): Current, and not Ready's own message" \
  kstatus_says ready "Current: Resource is Ready"

create rolling >/dev/null
rolling_out rolling 1 "1/2 API pods updated" False AsExpected "" >/dev/null
check "rolling out (Reconciling=True): InProgress with Reconciling's message" \
  kstatus_says rolling "InProgress: Rolling out generation 1: 1/2 API pods updated"

create stuck >/dev/null
rolling_out stuck 0 "0/2 API pods ready" True ImagePullBackOff "$pull" >/dev/null
check "stuck before the deadline (Degraded=True ImagePullBackOff, Reconciling=True): InProgress; Degraded is not read" \
  kstatus_says stuck "InProgress: Rolling out generation 1: 0/2 API pods ready"

create failed >/dev/null
set_status failed \
  "$(cond Ready False RolloutFailed "Generation 1 did not roll out")" \
  "$(cond Progressing False ProgressDeadlineExceeded "Generation 1 made no progress for 600s")" \
  "$(cond Degraded True ProgressDeadlineExceeded "$pull")" \
  "$(cond Reconciling False Reconciled "")" \
  "$(cond Stalled True ProgressDeadlineExceeded "Generation 1 made no progress for 600s: $pull")" >/dev/null
check "failed after the deadline (Stalled=True ProgressDeadlineExceeded): Failed with Stalled's message" \
  kstatus_says failed "Failed: Generation 1 made no progress for 600s: $pull"

create invalid >/dev/null
set_status invalid \
  "$(cond Ready False InvalidSpec "spec.replicas: must not be negative")" \
  "$(cond Degraded True InvalidSpec "spec.replicas: must not be negative")" \
  "$(cond Reconciling False Reconciled "")" \
  "$(cond Stalled True InvalidSpec "spec.replicas: must not be negative")" >/dev/null
check "invalid spec (Stalled=True InvalidSpec): Failed with Stalled's message" \
  kstatus_says invalid "Failed: spec.replicas: must not be negative"

create_ready unobserved
kubectl patch helloapi unobserved -n "$ns" --type=merge -p '{"spec":{"replicas":3}}' >/dev/null
check "the spec edit made generation 2" [ "$(kubectl get helloapi unobserved -n "$ns" -o jsonpath='{.metadata.generation}')" = 2 ]
check "not observed (observedGeneration 1 < generation 2, Ready=True of generation 1): InProgress" \
  kstatus_says unobserved "InProgress: HelloApi generation is 2, but latest observed generation is 1"

create fresh >/dev/null
check "no status at all (just created): Current; kstatus checks the generation only when observedGeneration exists" \
  kstatus_says fresh "Current: Resource is current"

create notready >/dev/null
set_status notready \
  "$(cond Ready False PodsNotReady "1/2 API pods are ready")" \
  "$(cond Reconciling False Reconciled "")" \
  "$(cond Stalled False AsExpected "")" >/dev/null
check "Ready=False with Reconciling=False, Stalled=False: InProgress with Ready's message" \
  kstatus_says notready "InProgress: 1/2 API pods are ready"

create both >/dev/null
set_status both \
  "$(cond Stalled True InvalidSpec "listed first")" \
  "$(cond Reconciling True ApplyFailed "listed second")" >/dev/null
check "Stalled=True and Reconciling=True: the first in the list decides (Stalled first: Failed)" \
  kstatus_says both "Failed: listed first"

create_ready deleting
kubectl patch helloapi deleting -n "$ns" --type=merge -p '{"metadata":{"finalizers":["test/hold"]}}' >/dev/null
check "delete (held by the finalizer test/hold)" kubectl delete helloapi deleting -n "$ns" --wait=false
check "deleting (deletionTimestamp set, status still Ready): Terminating" \
  kstatus_says deleting "Terminating: Resource scheduled for deletion"
kubectl patch helloapi deleting -n "$ns" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null
check "gone once the finalizer is removed: NotFound (exit 0)" \
  eventually 30 kstatus_says deleting "NotFound: helloapis $ns/deleting not found"

# ------------------------------------------------------------------ --watch
create watched >/dev/null
set_status watched \
  "$(cond Ready False RollingOut "1/2 API pods run generation 1")" \
  "$(cond Reconciling True RollingOut "Rolling out generation 1")" >/dev/null
# Flags after NAME too, and KUBECONFIG from the environment.
"$ks" -n "$ns" watched --watch --until Current --timeout 60s >"$work/watch.out" 2>&1 &
watch_pid=$!
# The status changes only once the watcher has printed the first one.
for _ in $(seq 1 150); do grep -q "InProgress" "$work/watch.out" 2>/dev/null && break; sleep 0.2; done
mapfile -t c < <(ready_conds)
set_status watched "${c[@]}" >/dev/null
wait "$watch_pid"
rc=$?
watch_pid=
check "--watch --until Current exits 0 once the status is Current" [ $rc = 0 ]
check "--watch printed each distinct line once, InProgress then Current, each after its seconds since start" \
  python3 - "$work/watch.out" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
want = ["InProgress: Rolling out generation 1", "Current: Resource is Ready"]
got = [re.sub(r"^ *[0-9]+\.[0-9]s ", "", l) for l in lines]
ok = got == want and all(re.match(r"^ *[0-9]+\.[0-9]s ", l) for l in lines)
ok = ok and float(lines[0].split()[0][:-1]) < float(lines[1].split()[0][:-1])
if not ok:
    sys.exit("\n".join(lines))
EOF

t0=$SECONDS
"$ks" -n "$ns" ready --watch --until Failed --timeout 3s >"$work/timeout.out" 2>&1
rc=$?
check "--watch --until Failed on a Current HelloApi: exit 1 after --timeout 3s ($((SECONDS - t0)) s)" \
  test $rc = 1 -a $((SECONDS - t0)) -le 8
check "... having printed its one line" grep -qx " *0\.[0-9]s Current: Resource is Ready" "$work/timeout.out"
check "... and said what it waited for" grep -q "^kstatus: no Failed after 3s (last: .*Current: Resource is Ready)" "$work/timeout.out"

"$ks" -n "$ns" >/dev/null 2>&1
check "no NAME: usage, exit 2" [ $? = 2 ]
"$ks" -n "$ns" ready --watch --until Done >/dev/null 2>&1
check "--until outside Current, InProgress, Failed, Terminating, NotFound: exit 2" [ $? = 2 ]

echo "kstatus tests: $((SECONDS - start)) s"
summary
