#!/usr/bin/env bash
# The end-to-end tier (make test-e2e): the product on the test bed's node, as
# `make up` builds it, in its own test bed directory (HELLO_TESTBED_DIR, a
# temporary one; the machine's node must be free, one per machine; root).
#   - testbed/up.sh (make up): node, Kafka, images, helm install of the chart,
#     the sample HelloApi Ready, HELLO_URL in the env file; a second run is
#     quick and changes nothing
#   - the operator runs in pods of the chart, from the image built here
#   - curl /hello through the HelloApi's Service
#   - /current_time?name=X, and `Hello, X!` in kubectl logs of the consumer
#   - kubectl patch of the responses while a client loop runs: the new answer
#     is served within 2 s of the patch, and no request fails
#   - kubectl exec and kubectl port-forward (Service and admin port)
#   - deleting the HelloApi deletes everything it created
#   - cluster.sh down leaves no process or mount behind
# Prints "N passed, N failed". HELLO_E2E_KEEP=1 keeps the test bed running.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

. "$here/tests/lib.sh"

dir=$(mktemp -d /tmp/hello-e2e.XXXXXX)
export HELLO_TESTBED_DIR=$dir
ns=hello
name=hello
cleanup() {
  [ -n "${pf:-}" ] && kill "$pf" 2>/dev/null
  [ "${HELLO_E2E_KEEP:-0}" = 1 ] && { echo "test bed kept: . $dir/env; HELLO_TESTBED_DIR=$dir testbed/cluster.sh down"; return; }
  "$here/cluster.sh" down >"$dir/down-cleanup.log" 2>&1
  # Kept when a check failed, for its logs.
  if [ "$failed" -eq 0 ]; then rm -rf "$dir"; else echo "logs kept in $dir/logs"; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- make up
start=$SECONDS
if timeout 3600 "$here/up.sh" >"$dir/up.log" 2>&1; then
  ok "make up (testbed/up.sh) succeeds ($((SECONDS - start)) s)"
else
  bad "make up (testbed/up.sh) succeeds"
  tail -40 "$dir/up.log" | sed 's/^/     /'
  summary
  exit 1
fi
check "make up prints the URL to curl" grep -q '^curl http://10\.96\.[0-9.]*/hello$' "$dir/up.log"
. "$dir/env"
check "the env file exports HELLO_URL ($HELLO_URL)" grep -q '^export HELLO_URL=http://10\.96\.' "$dir/env"
eval "$("$here/product-images.sh" --print)"
check "the node's containerd holds the three images tagged $HELLO_IMAGE_TAG" \
  bash -c "ctr images ls -q | grep -xF -e '$OPERATOR_IMAGE' -e '$API_IMAGE' -e '$CONSUMER_IMAGE' | wc -l | grep -qx 3"

check "helm shows the release deployed" bash -c "helm status hello-operator -n hello-system | grep -q 'STATUS: deployed'"
check "the operator runs in the chart's pods from $OPERATOR_IMAGE" \
  bash -c "[ \"\$(kubectl get pods -n hello-system -l app.kubernetes.io/name=hello-operator --field-selector=status.phase=Running -o jsonpath='{.items[*].spec.containers[0].image}')\" = '$OPERATOR_IMAGE $OPERATOR_IMAGE' ]"
check "the HelloApi is Ready" \
  bash -c "[ \"\$(kubectl get hapi $name -n $ns -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
check "its API pods run $API_IMAGE and its consumer $CONSUMER_IMAGE" \
  bash -c "[ \"\$(kubectl get deployment $name $name-consumer -n $ns -o jsonpath='{.items[*].spec.template.spec.containers[0].image}')\" = '$API_IMAGE $CONSUMER_IMAGE' ]"

# ---------------------------------------------------------------- failures name the component
# (the images are built now) Importing them with no node fails naming the step and what to run.
out=$(HELLO_TESTBED_DIR=$dir/no-such-testbed "$here/product-images.sh" import 2>&1)
check "importing images without a node fails naming the step and the test bed" \
  grep -q 'product images FAILED at step "import images": .*testbed/cluster.sh up --node' <<<"$out"
rm -rf "$dir/no-such-testbed"

# ---------------------------------------------------------------- a second make up
pods_before=$(kubectl get pods -A -o jsonpath='{.items[*].metadata.uid}')
start=$SECONDS
timeout 600 "$here/up.sh" >"$dir/up2.log" 2>&1
rc=$?
took=$((SECONDS - start))
check "a second make up succeeds in seconds ($took s, at most 60)" [ $rc -eq 0 -a $took -le 60 ]
check "  builds and imports nothing" bash -c "grep -q 'images .* are built' '$dir/up2.log' && grep -q 'containerd has the images' '$dir/up2.log'"
check "  and restarts no pod" [ "$pods_before" = "$(kubectl get pods -A -o jsonpath='{.items[*].metadata.uid}')" ]
. "$dir/env"

# ---------------------------------------------------------------- the API through its Service
check "curl \$HELLO_URL/hello through the Service answers Hello, World!" \
  bash -c "[ \"\$(curl -fsS --max-time 5 $HELLO_URL/hello)\" = '{\"message\":\"Hello, World!\"}' ]"

# ---------------------------------------------------------------- events reach the consumer
who=E2e$RANDOM
check "/current_time?name=$who answers Hello, $who!" \
  bash -c "curl -fsS --max-time 5 '$HELLO_URL/current_time?name=$who' | grep -q '\"message\":\"Hello, $who!\"'"
check "kubectl logs of the consumer shows Hello, $who!" \
  eventually 90 bash -c "kubectl logs -n $ns deployment/$name-consumer | grep -F 'Hello, $who!'"

# ---------------------------------------------------------------- a patch under load
# A client loop (a new connection per request, so kube-proxy spreads them over
# both pods) records each answer with its time; the patch is timed too.
cat >"$dir/client.py" <<'PY'
import http.client, sys, threading, time, urllib.parse
url, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
u = urllib.parse.urlparse(url)
lock = threading.Lock()
f = open(out, "w")
def loop():
    import os
    while not os.path.exists(stop):
        t = time.time()
        try:
            c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=5)
            c.request("GET", "/hello")
            r = c.getresponse()
            body = r.read().decode()
            c.close()
            line = f"{t:.3f} {r.status} {body}"
        except Exception as e:
            line = f"{t:.3f} ERR {e!r}"
        with lock:
            f.write(line + "\n")
        time.sleep(0.02)
threads = [threading.Thread(target=loop) for _ in range(2)]
for th in threads: th.start()
for th in threads: th.join()
f.close()
PY
msg="Patched by e2e $RANDOM"
rm -f "$dir/client.stop"
python3 "$dir/client.py" "$HELLO_URL" "$dir/client.log" "$dir/client.stop" &
client=$!
# The patch goes in only once the loop is answering (python starts slowly on
# a loaded machine): at least 50 answers logged, within 30 s.
for _ in $(seq 1 150); do
  [ "$(wc -l 2>/dev/null <"$dir/client.log" || echo 0)" -ge 50 ] && break
  sleep 0.2
done
t_patch=$(date +%s.%N)
kubectl patch hapi "$name" -n "$ns" --type merge -p "{\"spec\":{\"responses\":{\"/hello\":{\"message\":\"$msg\"}}}}" >/dev/null
# Observation window after the patch: three times the 2 s the checks allow,
# so a late old answer or a slow new one is seen, not cut off.
sleep 6
touch "$dir/client.stop"
wait "$client"
verdict=$(python3 - "$dir/client.log" "$t_patch" "$msg" <<'PY'
import json, sys
log, t_patch, msg = sys.argv[1], float(sys.argv[2]), sys.argv[3]
total = failed = 0
last_old = None
first_new = None
for line in open(log):
    t, status, body = line.rstrip("\n").split(" ", 2)
    t = float(t); total += 1
    if status != "200":
        failed += 1; continue
    m = json.loads(body)["message"]
    if m == msg:
        first_new = t if first_new is None else min(first_new, t)
    elif t > t_patch:
        last_old = t if last_old is None else max(last_old, t)
settled = (last_old - t_patch) if last_old else 0.0
print(f"{total} {failed} {settled:.2f} {'-' if first_new is None else f'{first_new - t_patch:.2f}'}")
PY
)
read -r total fails settled first <<<"$verdict"
echo "    client loop: $total requests, $fails failed; first new answer ${first}s after the patch, last old one ${settled}s after"
check "the client loop ran ($total requests)" [ "${total:-0}" -gt 50 ]
check "no request failed during the patch ($fails of $total)" [ "${fails:-1}" = 0 ]
check "the new message is served within 2 s of the patch (first after ${first}s)" \
  python3 -c "import sys; sys.exit(not ('$first' != '-' and float('$first') <= 2.0))"
check "  and the old one is gone from every pod within 2 s (last after ${settled}s)" \
  python3 -c "import sys; sys.exit(not (float('$settled') <= 2.0))"

# ---------------------------------------------------------------- exec, port-forward
check "kubectl exec runs hello-api --version in an API pod" \
  bash -c "kubectl exec -n $ns deployment/$name -- /usr/local/bin/hello-api --version | grep -q '^hello-api '"
forward() { # TARGET PORT PATH EXPECTED
  local log=$dir/port-forward-$RANDOM.log port=
  kubectl port-forward -n "$ns" "$1" ":$2" >"$log" 2>&1 &
  pf=$!
  for _ in $(seq 1 50); do
    port=$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\) .*/\1/p' "$log")
    [ -n "$port" ] && break
    sleep 0.2
  done
  local rc=1
  [ -n "$port" ] && curl -fsS --max-time 5 "http://127.0.0.1:$port$3" | grep -qF -- "$4" && rc=0
  kill "$pf" 2>/dev/null
  wait "$pf" 2>/dev/null
  pf=
  return $rc
}
check "kubectl port-forward svc/$name serves /hello on 127.0.0.1" forward "svc/$name" 80 /hello "$msg"
check "kubectl port-forward to the admin port serves /metrics" forward "deployment/$name" 9090 /metrics "# TYPE"

# ---------------------------------------------------------------- delete
children="deployment/$name deployment/$name-consumer service/$name configmap/$name-responses serviceaccount/$name serviceaccount/$name-consumer role/$name rolebinding/$name poddisruptionbudget/$name"
check "the HelloApi's children exist before the delete" kubectl get -n "$ns" $children
check "kubectl delete helloapi $name" kubectl delete hapi "$name" -n "$ns" --wait --timeout=60s
gone() {
  local left
  left=$(kubectl get -n "$ns" $children --ignore-not-found -o name)
  left+=$(kubectl get pods -n "$ns" -o name)
  [ -z "$left" ] || { echo "still there: $left"; return 1; }
}
check "everything it created goes away (children and pods)" eventually 90 gone
check "  and its Service stops answering" bash -c "! curl -fsS --max-time 3 $HELLO_URL/hello"

# ---------------------------------------------------------------- down
if [ "${HELLO_E2E_KEEP:-0}" = 1 ]; then
  summary
  exit
fi
start=$SECONDS
timeout 300 "$here/cluster.sh" down >"$dir/down.log" 2>&1
check "make down succeeds ($((SECONDS - start)) s)" [ $? -eq 0 ]
our_processes() { processes_naming "$dir"; }
check "make down leaves no process naming the test bed" [ -z "$(our_processes)" ]
check "make down leaves no mount under the test bed" bash -c "! awk '{print \$5}' /proc/self/mountinfo | grep -qF '$dir/'"
check "make down removes the bridge and the env file" bash -c "! ip link show hellocni0 >/dev/null 2>&1 && [ ! -e '$dir/env' ]"

summary
