#!/usr/bin/env bash
# The test bed's own lifecycle, as a user meets it: `up` reports ready only
# when it is, a second `up` is a quick no-op, a port clash fails naming the
# step, and `down` leaves no process behind. It runs a second test bed in a
# temporary directory, beside any other one, which also shows that two test
# beds do not collide.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../versions.env
. "$here/versions.env"

# shellcheck source=lib.sh
. "$here/tests/lib.sh"

own_testbed hello-testbed-lifecycle
cleanup() { "$here/cluster.sh" down >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT

# 1. A port clash fails loudly, names the step, and leaves nothing running.
clash_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$clash_port)); s.listen(); time.sleep(600)" &
holder=$!
sleep 0.5
out=$(HELLO_TESTBED_API_PORT=$clash_port timeout 300 "$here/cluster.sh" up 2>&1)
rc=$?
kill "$holder"
check "up fails when the apiserver port is taken" [ $rc -ne 0 ]
check "the failure names the step and the port" grep -q "FAILED at step \"start kube-apiserver\": port $clash_port is already in use" <<<"$out"
check "a failed up writes no env file" [ ! -e "$dir/env" ]
check "a failed up leaves no process behind" [ -z "$(our_processes)" ]

# 2. A clean start, beside whatever other test bed runs.
start=$SECONDS
if timeout 300 "$here/cluster.sh" up >"$dir/up.log" 2>&1; then ok "up succeeds ($((SECONDS - start)) s)"; else bad "up succeeds"; tail -20 "$dir/up.log"; exit 1; fi
(
  # shellcheck source=/dev/null # written at run time
  . "$dir/env"
  check "kubectl get --raw /readyz prints ok" [ "$(kubectl get --raw /readyz)" = ok ]
  resources=$(kubectl api-resources -o name)
  for r in deployments.apps jobs.batch roles.rbac.authorization.k8s.io leases.coordination.k8s.io \
    customresourcedefinitions.apiextensions.k8s.io ingresses.networking.k8s.io poddisruptionbudgets.policy; do
    check "api-resources lists $r" grep -qx "$r" <<<"$resources"
  done
  server=$(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')
  check "the apiserver reports the pinned $KUBERNETES_VERSION (got $server)" [ "$server" = "$KUBERNETES_VERSION" ]
  check "kubectl on the test bed PATH is the pinned build" [ "$(command -v kubectl)" = "$("$here/install.sh" --print-path | head -1)/kubectl" ]
  check "helm on the test bed PATH runs" helm version --short
  check "HELLO_KAFKA_BOOTSTRAP_SERVERS is set" [ -n "$HELLO_KAFKA_BOOTSTRAP_SERVERS" ]
) | tee "$dir/checks.log"
passed=$((passed + $(grep -c '^ok' "$dir/checks.log")))
failed=$((failed + $(grep -c '^FAIL' "$dir/checks.log")))

# 3. A second up is a no-op that keeps the same processes.
pids_before=$(cat "$dir"/pids/*.pid | sort | tr '\n' ' ')
start=$SECONDS
timeout 60 "$here/cluster.sh" up >/dev/null 2>&1
check "a second up succeeds within 10 s ($((SECONDS - start)) s)" [ $((SECONDS - start)) -le 10 ]
check "a second up keeps the same processes" [ "$pids_before" = "$(cat "$dir"/pids/*.pid | sort | tr '\n' ' ')" ]

# 4. down stops everything it started.
timeout 120 "$here/cluster.sh" down >/dev/null 2>&1
check "down leaves no etcd, apiserver, controller-manager, scheduler or java process" [ -z "$(our_processes)" ]
check "down removes the env file" [ ! -e "$dir/env" ]

summary
