#!/usr/bin/env bash
# The end-to-end tier (make test-e2e): the product on the test bed's node, as
# `make up` builds it, in its own test bed directory (HELLO_TESTBED_DIR, a
# temporary one; the machine's node must be free, one per machine; root).
#   - testbed/up.sh (make up): node, Kafka, images, helm install of the chart,
#     the sample HelloApi Ready, HELLO_URL in the env file; a second run is
#     quick and changes nothing
#   - the operator runs in pods of the chart, from the image built here,
#     pushed to the test bed's registry and pulled by the node by digest
#   - make images: both platforms' indexes in the registry; the arm64
#     hello-api taken out of it and run under qemu-user serves /hello
#   - curl /hello through the HelloApi's Service
#   - /current_time?name=X, and `Hello, X!` in kubectl logs of the consumer
#   - kubectl patch of the responses while a client loop runs: the new answer
#     is served within 2 s of the patch, and no request fails
#   - NetworkPolicy, enforced by the node's kube-router, from pods on the
#     node: /hello answers through the Service; the admin port answers a pod
#     of the monitoring namespace (spec.networkPolicy.adminFrom) and no
#     other; the consumer pod reaches DNS and the broker but neither the
#     apiserver nor the API; events still flow from API to broker to consumer
#   - kubectl exec and kubectl port-forward (Service and admin port)
#   - deleting the HelloApi deletes everything it created
#   - cluster.sh down leaves no process or mount behind
# Prints "N passed, N failed". HELLO_E2E_KEEP=1 keeps the test bed running.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo=$(cd "$here/.." && pwd)

# shellcheck source=lib.sh
. "$here/tests/lib.sh"

own_testbed hello-e2e
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
# shellcheck source=/dev/null # written at run time
. "$dir/env"
check "the env file exports HELLO_URL ($HELLO_URL)" grep -q '^export HELLO_URL=http://10\.96\.' "$dir/env"
eval "$("$here/product-images.sh" --print)"
check "the registry holds the three images tagged $HELLO_IMAGE_TAG, with digests" \
  [ -n "${OPERATOR_DIGEST:-}" -a -n "${API_DIGEST:-}" -a -n "${CONSUMER_DIGEST:-}" ]
OPERATOR_IMAGE=${OPERATOR_IMAGE%:*}@$OPERATOR_DIGEST API_IMAGE_TAG=$API_IMAGE API_IMAGE=${API_IMAGE%:*}@$API_DIGEST
CONSUMER_IMAGE=${CONSUMER_IMAGE%:*}@$CONSUMER_DIGEST
# What users check: the digest each pod runs is the one skopeo reads from
# the registry.
pulled_digests() {
  local want
  want=$(for i in "$@"; do skopeo inspect --raw --cert-dir "$dir/certs" "docker://${i%@*}:$HELLO_IMAGE_TAG" | sha256sum | sed 's/ .*//'; done | sort -u)
  [ -n "$want" ] && [ "$(kubectl get pods -A -o jsonpath='{..imageID}' | tr ' ' '\n' | grep "$HELLO_TESTBED_REGISTRY/hello/" | sed 's/.*@sha256://' | sort -u)" = "$want" ]
}
mkdir -p "$dir/certs" && cp "$HELLO_TESTBED_REGISTRY_CA" "$dir/certs/ca.crt"

check "helm shows the release deployed" bash -c "helm status hello-operator -n hello-system | grep -q 'STATUS: deployed'"
check "the operator runs in the chart's pods from $OPERATOR_IMAGE" \
  bash -c "[ \"\$(kubectl get pods -n hello-system -l app.kubernetes.io/name=hello-operator --field-selector=status.phase=Running -o jsonpath='{.items[*].spec.containers[0].image}')\" = '$OPERATOR_IMAGE $OPERATOR_IMAGE' ]"
check "the HelloApi is Ready" \
  bash -c "[ \"\$(kubectl get hapi $name -n $ns -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
check "its API pods run $API_IMAGE and its consumer $CONSUMER_IMAGE" \
  bash -c "[ \"\$(kubectl get deployment $name $name-consumer -n $ns -o jsonpath='{.items[*].spec.template.spec.containers[0].image}')\" = '$API_IMAGE $CONSUMER_IMAGE' ]"
check "the pods' imageIDs are the digests skopeo reads from the registry" \
  pulled_digests "$OPERATOR_IMAGE" "$API_IMAGE" "$CONSUMER_IMAGE"

# ---------------------------------------------------------------- failures name the component
# (the images are built now) Pushing them with no registry fails naming the step and what to run.
out=$(env -u HELLO_TESTBED_REGISTRY "$here/product-images.sh" push 2>&1)
check "pushing images without a registry fails naming the step and the test bed" \
  grep -q 'product images FAILED at step "registry": .*testbed/cluster.sh up --node' <<<"$out"

# ---------------------------------------------------------------- a second make up
pods_before=$(kubectl get pods -A -o jsonpath='{.items[*].metadata.uid}')
pull_events() { kubectl get events -A --field-selector reason=Pulling -o jsonpath='{range .items[*]}{.metadata.uid} {.count}{"\n"}{end}'; }
pulls_before=$(pull_events)
start=$SECONDS
timeout 600 "$here/up.sh" >"$dir/up2.log" 2>&1
rc=$?
took=$((SECONDS - start))
check "a second make up succeeds in seconds ($took s, at most 60)" [ $rc -eq 0 -a $took -le 60 ]
check "  builds and pushes nothing" bash -c "grep -q 'images .* are built' '$dir/up2.log' && [ \$(grep -c 'holds .* already' '$dir/up2.log') = 3 ] && ! grep -q 'pushing ' '$dir/up2.log'"
check "  and pulls nothing (no Pulling event since the first)" [ "$pulls_before" = "$(pull_events)" ]
check "  and restarts no pod" [ "$pods_before" = "$(kubectl get pods -A -o jsonpath='{.items[*].metadata.uid}')" ]
# shellcheck source=/dev/null # written at run time
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
# The client loop (testbed/tests/load_client.py: a new connection per
# request, so kube-proxy spreads them over both pods) records each answer
# with its time; the patch is timed too.
client_loop() { # LOG STOP [THREADS] [PATH]: in the background; $client is its pid
  rm -f "$2"
  python3 "$here/tests/load_client.py" run "$HELLO_URL" "$1" "$2" "${3:-4}" "${4:-/hello}" &
  client=$!
  # Go on only once the loop answers (python starts slowly on a loaded
  # machine): at least 50 answers logged, within 30 s.
  for _ in $(seq 1 150); do
    [ "$(wc -l 2>/dev/null <"$1" || echo 0)" -ge 50 ] && break
    sleep 0.2
  done
}
msg="Patched by e2e $RANDOM"
client_loop "$dir/client.log" "$dir/client.stop" 2
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
    t, _, status, body = line.rstrip("\n").split(" ", 3)
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

# ---------------------------------------------------------------- rollouts under load
# Each rollout runs to completion under the client loop (4 threads): the
# pods drain before they stop (readiness off, then the drain delay, then a
# graceful stop), so no request may fail. Printed: requests, failures, the
# longest request, and how long the rollout took.
api_pods="app.kubernetes.io/instance=$name,app.kubernetes.io/name=api"
pod_names() { # SELECTOR [NAMESPACE]
  kubectl get pods -n "${2:-$ns}" -l "$1" -o jsonpath='{.items[*].metadata.name}'
}
serving() { # the HelloApi's current generation serves
  [ "$(kubectl get hapi "$name" -n "$ns" -o jsonpath='{.status.observedGeneration} {.status.conditions[?(@.type=="Ready")].status}')" = \
    "$(kubectl get hapi "$name" -n "$ns" -o jsonpath='{.metadata.generation}') True" ]
}
replaced() { # SELECTOR OLD_PODS [NAMESPACE]: none of OLD_PODS is left (terminating ones included), and the HelloApi serves
  local now p
  now=" $(pod_names "$1" "${3:-$ns}") "
  for p in $2; do [[ $now == *" $p "* ]] && { echo "still there: $p"; return 1; }; done
  serving
}
rollouts=
under_load() { # WHAT NAMESPACE SELECTOR CMD...: CMD starts a rollout of the pods SELECTOR selects there
  local what=$1 pods_ns=$2 selector=$3 log=$dir/load-$((++load_runs)).log before start took total fails longest
  shift 3
  before=$(pod_names "$selector" "$pods_ns")
  client_loop "$log" "$log.stop" 4
  start=$SECONDS
  "$@" >"$log.cmd" 2>&1 || { bad "$what: $* failed"; sed 's/^/     /' "$log.cmd" | head -5; }
  eventually 300 replaced "$selector" "$before" "$pods_ns" || echo "    $what: not finished after 300 s: $out"
  took=$((SECONDS - start))
  touch "$log.stop"
  wait "$client"
  read -r total fails longest < <(python3 "$here/tests/load_client.py" summary "$log")
  rollouts+=$(printf '\n    | %s | %s | %s | %s ms | %s s |' "$what" "$total" "$fails" "$longest" "$took")
  check "$what: 0 of $total requests failed (longest $longest ms, rollout $took s)" \
    bash -c "[ '$fails' = 0 ] && [ '$total' -gt 100 ]"
  [ "$fails" = 0 ] || python3 "$here/tests/load_client.py" summary "$log" | tail -n +2 | sed 's/^/     /'
}
load_runs=0
generation() { kubectl get hapi "$name" -n "$ns" -o jsonpath='{.metadata.generation}'; }

under_load "kubectl rollout restart deployment/$name" "$ns" "$api_pods" \
  kubectl rollout restart "deployment/$name" -n "$ns"

under_load "a change of spec.resources" "$ns" "$api_pods" \
  kubectl patch hapi "$name" -n "$ns" --type merge \
  -p '{"spec":{"resources":{"requests":{"cpu":"60m","memory":"40Mi"},"limits":{"cpu":"500m","memory":"128Mi"}}}}'
check "  the API pods run with the new requests" \
  bash -c "[ \"\$(kubectl get deployment $name -n $ns -o jsonpath='{.spec.template.spec.containers[0].resources.requests.cpu}')\" = 60m ]"

# A second tag of the same image in the registry, as a release would push.
second_api_image=${API_IMAGE_TAG%:*}:e2e-second
skopeo copy --all --src-cert-dir "$dir/certs" --dest-cert-dir "$dir/certs" \
  "docker://$API_IMAGE_TAG" "docker://$second_api_image" >"$dir/second-tag.log" 2>&1
helm_upgrade() { # helm upgrade of the operator, keeping up.sh's values
  helm upgrade hello-operator "$repo/helm/hello-operator" -n hello-system --reuse-values --wait --timeout 180s "$@"
}
operator_pods="app.kubernetes.io/name=hello-operator"
under_load "helm upgrade to a new default API image (the operator rolls every HelloApi without spec.image)" "$ns" "$api_pods" \
  helm_upgrade --set "images.api.tag=e2e-second" --set images.api.digest=
check "  the API pods run the operator's new default image $second_api_image" \
  bash -c "[ \"\$(kubectl get deployment $name -n $ns -o jsonpath='{.spec.template.spec.containers[0].image}')\" = '$second_api_image' ]"
check "  status.versions names it, with the digest the kubelet reports" \
  bash -c "kubectl get hapi $name -n $ns -o jsonpath='{.status.versions.api[0].image} {.status.versions.api[0].imageID} {.status.versions.api[0].readyReplicas}' | grep -E '^$second_api_image [^ ]*sha256:[0-9a-f]{64} 2$'"

under_load "a change of spec.image to another image reference (the first, by digest)" "$ns" "$api_pods" \
  kubectl patch hapi "$name" -n "$ns" --type merge -p "{\"spec\":{\"image\":\"$API_IMAGE\"}}"
check "  the API pods run $API_IMAGE" \
  bash -c "[ \"\$(kubectl get deployment $name -n $ns -o jsonpath='{.spec.template.spec.containers[0].image}')\" = '$API_IMAGE' ]"

# The operator itself rolls while the HelloApi is edited, once a second: the
# Lease passes to a new pod, the last edit is what the ConfigMap holds, and
# there is one of each child.
holder() { kubectl get lease hello-operator -n hello-system -o jsonpath='{.spec.holderIdentity}'; }
holder_before=$(holder)
edit_loop() { # edits /edited until $dir/edits.stop exists; the last value is in $dir/edits.last
  local i=0
  until [ -e "$dir/edits.stop" ]; do
    i=$((i + 1))
    kubectl patch hapi "$name" -n "$ns" --type merge -p "{\"spec\":{\"responses\":{\"/edited\":{\"message\":\"edit $i\"}}}}" >/dev/null &&
      echo "edit $i" >"$dir/edits.last"
    sleep 1
  done
}
rm -f "$dir/edits.stop"
edit_loop &
editor=$!
before_ops=$(pod_names "$operator_pods" hello-system)
under_load "helm upgrade that rolls the operator, with an edit a second" hello-system "$operator_pods" \
  helm_upgrade --set "podAnnotations.e2e-roll=r$RANDOM"
touch "$dir/edits.stop"
wait "$editor"
last_edit=$(cat "$dir/edits.last")
holder_after=$(holder)
check "  the Lease passed from $holder_before to a new pod ($holder_after)" \
  bash -c "[ -n '$holder_after' ] && [ '$holder_after' != '$holder_before' ] && ! [[ ' $before_ops ' == *' $holder_after '* ]]"
check "  no edit is lost: the API answers the last one ($last_edit)" \
  eventually 30 bash -c "curl -fsS --max-time 3 $HELLO_URL/edited | grep -qF '\"$last_edit\"'"
check "  one of each child, no duplicate" \
  bash -c "[ \"\$(kubectl get deployments,services,configmaps,serviceaccounts,roles,rolebindings,poddisruptionbudgets -n $ns -l app.kubernetes.io/instance=$name -o name | sort | tr '\n' ' ')\" = 'configmap/$name-responses deployment.apps/$name deployment.apps/$name-consumer poddisruptionbudget.policy/$name role.rbac.authorization.k8s.io/$name rolebinding.rbac.authorization.k8s.io/$name service/$name serviceaccount/$name serviceaccount/$name-consumer ' ]"

# The consumer rolls while /current_time events flow: every event the API
# accepted shows in the log of the old or of the new consumer pod.
consumer_pods="app.kubernetes.io/instance=$name,app.kubernetes.io/name=consumer"
old_consumers=$(pod_names "$consumer_pods")
for p in $old_consumers; do kubectl logs -f -n "$ns" "$p" >"$dir/consumer-$p.log" 2>&1 & done
client_loop "$dir/events.log" "$dir/events.stop" 2 "/current_time?name=Roll{n}"
start=$SECONDS
kubectl rollout restart "deployment/$name-consumer" -n "$ns" >/dev/null
check "the consumer rolls while events flow" eventually 180 replaced "$consumer_pods" "$old_consumers"
took=$((SECONDS - start))
# Events keep flowing a little after the new pod took over.
sleep_until_lines() { # LOG: until 100 more lines, at most 30 s
  local n i
  n=$(wc -l <"$1")
  for i in $(seq 1 150); do [ "$(wc -l <"$1")" -ge $((n + 100)) ] && return; sleep 0.2; done
}
sleep_until_lines "$dir/events.log"
touch "$dir/events.stop"
wait "$client"
all_events_logged() {
  python3 - "$dir/events.log" "$dir"/consumer-*.log <(kubectl logs -n "$ns" -l "$consumer_pods" --tail=-1 --prefix=false) <<'PY'
import json, re, sys
sent = set()
for line in open(sys.argv[1]):
    _, _, status, body = line.rstrip("\n").split(" ", 3)
    if status == "200":
        sent.add(json.loads(body)["message"])
logged = set()
for path in sys.argv[2:]:
    logged.update(re.findall(r"Hello, Roll[0-9]+!", open(path).read()))
missing = sorted(sent - logged)
print(f"{len(sent)} events accepted, {len(missing)} not in the consumers' logs {missing[:5]}")
sys.exit(1 if missing or not sent else 0)
PY
}
check "  every accepted event is in the old or the new consumer's log (at least once; rollout $took s)" eventually 60 all_events_logged
echo "    $out"
wait 2>/dev/null

echo "    rollouts under load (4 threads, a new connection per request):"
echo "    | rollout | requests | failed | longest request | took |"
echo "    |---|---|---|---|---|$rollouts"

# ---------------------------------------------------------------- kubectl scale
check "kubectl scale hapi $name --replicas=3" kubectl scale hapi "$name" -n "$ns" --replicas=3
check "  the operator scales its Deployment to 3, and the HelloApi serves 3" \
  eventually 90 bash -c "[ \"\$(kubectl get deployment $name -n $ns -o jsonpath='{.spec.replicas}')\" = 3 ] && [ \"\$(kubectl get hapi $name -n $ns -o jsonpath='{.status.replicas} {.status.conditions[?(@.type==\"Ready\")].status}')\" = '3 True' ]"
check "  kubectl get --subresource=scale shows 3 and the pods' selector" \
  bash -c "kubectl get hapi $name -n $ns --subresource=scale -o jsonpath='{.spec.replicas} {.status.replicas} {.status.selector}' | grep -qx '3 3 app.kubernetes.io/instance=$name,app.kubernetes.io/name=api'"
kubectl apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: $name}
spec:
  scaleTargetRef: {apiVersion: hello.dev/v1alpha1, kind: HelloApi, name: $name}
  minReplicas: 2
  maxReplicas: 4
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
YAML
check "  a HorizontalPodAutoscaler can target the HelloApi (AbleToScale)" \
  eventually 60 bash -c "kubectl get hpa $name -n $ns -o jsonpath='{.status.conditions[?(@.type==\"AbleToScale\")].status}' | grep -qx True"
kubectl delete hpa "$name" -n "$ns" >/dev/null 2>&1
kubectl scale hapi "$name" -n "$ns" --replicas=2 >/dev/null
check "  scaled back to 2, the HelloApi serves 2" \
  eventually 90 bash -c "[ \"\$(kubectl get hapi $name -n $ns -o jsonpath='{.status.replicas} {.status.observedGeneration} {.status.conditions[?(@.type==\"Ready\")].status}')\" = \"2 \$(kubectl get hapi $name -n $ns -o jsonpath='{.metadata.generation}') True\" ]"

# ---------------------------------------------------------------- status that GitOps tools read
# kstatus (sigs.k8s.io/cli-utils, what Flux uses; testbed/kstatus/) on the
# operator's real statuses: the ready HelloApi is Current; a rollout to an
# image that does not pull is InProgress, then Failed past its progress
# deadline, never Current, while the old pod keeps serving.
check "kstatus reads the ready HelloApi Current" bash -c "kstatus -n $ns $name | grep -q '^Current:'"
stuck=stuck
# The nodes are cordoned while the new HelloApi starts, so its pod cannot be
# ready before the watch below has seen it InProgress (a warm node started it
# before the watch in one CI run, and kstatus saw only Current).
nodes=$(kubectl get nodes -o jsonpath='{.items[*].metadata.name}')
# shellcheck disable=SC2086 # one word per node
kubectl cordon $nodes >/dev/null
kubectl apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: hello.dev/v1alpha1
kind: HelloApi
metadata: {name: $stuck}
spec:
  replicas: 1
  compute: nodes
  progressDeadlineSeconds: 30
  ingress: {enabled: false}
  responses: {/hello: {message: still serving}}
YAML
# kstatus calls an object with no status at all Current (README, kstatus):
# the watch starts once the operator has written the first one.
has_status() { [ -n "$(kubectl get hapi "$stuck" -n "$ns" -o jsonpath='{.status.observedGeneration}')" ]; }
eventually 30 has_status
kstatus -n "$ns" "$stuck" --watch --until Current --timeout 120s >"$dir/kstatus-new.log" 2>&1 &
watcher=$!
check "kstatus reads a new HelloApi InProgress while its pod cannot be scheduled" \
  eventually 30 grep -q 'InProgress' "$dir/kstatus-new.log"
# shellcheck disable=SC2086 # one word per node
kubectl uncordon $nodes >/dev/null
wait "$watcher"
rc=$?
check "  then Current once it serves" \
  bash -c "[ $rc = 0 ] && tail -1 '$dir/kstatus-new.log' | grep -q 'Current'"
sed 's/^/     /' "$dir/kstatus-new.log" | head -5
bad_image=$HELLO_TESTBED_REGISTRY/hello/hello-api:does-not-exist
kubectl patch hapi "$stuck" -n "$ns" --type merge -p "{\"spec\":{\"image\":\"$bad_image\"}}" >/dev/null
t_bad=$SECONDS
kstatus -n "$ns" "$stuck" --watch --until Failed --timeout 180s >"$dir/kstatus-stuck.log" 2>&1 &
watcher=$!
degraded_pull() { degraded | grep "^True ImagePullBackOff .*image $bad_image cannot be pulled"; }
degraded() { kubectl get hapi "$stuck" -n "$ns" -o jsonpath='{.status.conditions[?(@.type=="Degraded")].status} {.status.conditions[?(@.type=="Degraded")].reason} {.status.conditions[?(@.type=="Degraded")].message}'; }
check "an image that does not pull: Degraded=True ImagePullBackOff naming the image, within 60 s" \
  eventually 60 degraded_pull
echo "    Degraded after $((SECONDS - t_bad)) s: $(degraded)"
stuck_ip=$(kubectl get service "$stuck" -n "$ns" -o jsonpath='{.spec.clusterIP}')
check "  the old pod keeps serving, and the status says so" \
  bash -c "curl -fsS --max-time 3 http://$stuck_ip/hello | grep -q 'still serving' && kubectl get hapi $stuck -n $ns -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].message}' | grep -q 'of the previous spec keep serving'"
wait "$watcher"
rc=$?
check "kstatus reads it InProgress, then Failed past the 30 s deadline, never Current (after $((SECONDS - t_bad)) s)" \
  bash -c "[ $rc = 0 ] && grep -q 'InProgress' '$dir/kstatus-stuck.log' && grep -q 'Failed' '$dir/kstatus-stuck.log' && ! grep -q 'Current' '$dir/kstatus-stuck.log'"
sed 's/^/     /' "$dir/kstatus-stuck.log" | head -6
check "  and the HelloApi says Stalled=True ProgressDeadlineExceeded" \
  bash -c "kubectl get hapi $stuck -n $ns -o jsonpath='{.status.conditions[?(@.type==\"Stalled\")].status} {.status.conditions[?(@.type==\"Stalled\")].reason}' | grep -qx 'True ProgressDeadlineExceeded'"
check "  the Argo CD health check reads the live object Degraded" \
  bash -c "kubectl get hapi $stuck -n $ns -o yaml > '$dir/stuck.yaml' && python3 '$repo/argocd/lua_health.py' eval '$repo/argocd/hello.dev/HelloApi' '$dir/stuck.yaml' | grep -q '^Degraded'"
kubectl delete hapi "$stuck" -n "$ns" --wait=false >/dev/null

# ---------------------------------------------------------------- NetworkPolicy, enforced
# The operator's NetworkPolicies <name> and <name>-consumer, as the node's
# kube-router enforces them, seen from pods on the node: a probe pod in the
# monitoring namespace (the sample's adminFrom), one in another namespace,
# and ephemeral containers (testbed/images/probe) in a consumer pod and an API
# pod, which share those pods' network namespaces and so their policies.
netpol_probe() { # NAMESPACE
  kubectl create namespace "$1" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  probe_pod probe "app: probe" | kubectl apply -n "$1" -f - >/dev/null
}
# debug_container POD: an ephemeral container "netcheck" running the probe in
# POD (namespace $ns), waited for until it runs.
debug_container() {
  kubectl debug -n "$ns" "pod/$1" -c netcheck --image="$HELLO_TESTBED_PROBE_IMAGE" --image-pull-policy=Never \
    --profile=restricted -- /probe serve 127.0.0.1:18080 >/dev/null &&
    eventually 60 bash -c "kubectl get pod -n $ns $1 -o jsonpath='{.status.ephemeralContainerStatuses[?(@.name==\"netcheck\")].state.running.startedAt}' | grep -q ."
}
from_ns() { local pns=$1; shift; kubectl exec -n "$pns" probe -- /probe "$@"; }
in_pod() { local pod=$1; shift; kubectl exec -n "$ns" "$pod" -c netcheck -- /probe "$@"; }
refused() { ! "$@"; }
netpol_probe monitoring
netpol_probe e2e-elsewhere
check "NetworkPolicies $name and $name-consumer exist" kubectl get networkpolicy -n "$ns" "$name" "$name-consumer"
check "probe pods in the monitoring and e2e-elsewhere namespaces are Ready" \
  bash -c "kubectl wait -n monitoring --for=condition=Ready pod/probe --timeout=120s && kubectl wait -n e2e-elsewhere --for=condition=Ready pod/probe --timeout=120s"
api_pod=$(kubectl get pods -n "$ns" -l "$api_pods" --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')
api_pod_ip=$(kubectl get pod -n "$ns" "$api_pod" -o jsonpath='{.status.podIP}')
elsewhere_ip=$(kubectl get pod -n e2e-elsewhere probe -o jsonpath='{.status.podIP}')
check "a pod in another namespace gets /hello through the Service ($HELLO_URL)" \
  eventually 30 from_ns e2e-elsewhere get "$HELLO_URL/hello"
check "  and through its DNS name" from_ns e2e-elsewhere get "http://$name.$ns.svc.cluster.local/hello"
check "  but no answer from the API's admin port ($api_pod_ip:9090)" \
  eventually 30 refused from_ns e2e-elsewhere get "http://$api_pod_ip:9090/metrics"
check "a pod in the monitoring namespace (adminFrom) gets the admin port's /metrics" \
  eventually 30 from_ns monitoring get "http://$api_pod_ip:9090/metrics"
consumer_pod=$(kubectl get pods -n "$ns" -l "$consumer_pods" --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')
if debug_out=$(debug_container "$consumer_pod" 2>&1); then
  ok "an ephemeral container runs in the consumer pod $consumer_pod"
  check "  the consumer pod resolves names (DNS: CoreDNS on port 53)" \
    eventually 10 in_pod "$consumer_pod" lookup "kubernetes.default.svc.cluster.local"
  check "  and reaches the broker ($HELLO_KAFKA_POD_BOOTSTRAP_SERVERS)" \
    in_pod "$consumer_pod" tcp "$HELLO_KAFKA_POD_BOOTSTRAP_SERVERS"
  check "  but not the apiserver (10.96.0.1:443, the kubernetes Service)" refused in_pod "$consumer_pod" tcp 10.96.0.1:443
  check "  nor the API, through its Service ($HELLO_URL)" refused in_pod "$consumer_pod" get "$HELLO_URL/hello"
  check "  nor at an API pod ($api_pod_ip:8080)" refused in_pod "$consumer_pod" tcp "$api_pod_ip:8080"
else
  bad "an ephemeral container runs in the consumer pod $consumer_pod"
  echo "$debug_out" | head -5 | sed 's/^/     /'
fi
if debug_out=$(debug_container "$api_pod" 2>&1); then
  ok "an ephemeral container runs in the API pod $api_pod"
  check "  the API pod reaches the apiserver (10.96.0.1:443; its rule: 6443 after DNAT)" \
    in_pod "$api_pod" tcp 10.96.0.1:443
  check "  but not a pod of another namespace ($elsewhere_ip:8080)" refused in_pod "$api_pod" tcp "$elsewhere_ip:8080"
else
  bad "an ephemeral container runs in the API pod $api_pod"
  echo "$debug_out" | head -5 | sed 's/^/     /'
fi
who=Netpol$RANDOM
check "events still flow: /current_time?name=$who answers" \
  bash -c "curl -fsS --max-time 5 '$HELLO_URL/current_time?name=$who' | grep -q '\"message\":\"Hello, $who!\"'"
check "  and the consumer logs Hello, $who! (API -> broker -> consumer)" \
  eventually 90 bash -c "kubectl logs -n $ns deployment/$name-consumer -c consumer | grep -F 'Hello, $who!'"
kubectl delete namespace monitoring e2e-elsewhere --wait=false >/dev/null 2>&1

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
  # grep reads the whole body: `grep -q` would stop at the first match and
  # fail curl's write (exit 23), which pipefail reports.
  [ -n "$port" ] && curl -fsS --max-time 5 "http://127.0.0.1:$port$3" | grep -F -- "$4" >/dev/null && rc=0
  kill "$pf" 2>/dev/null
  wait "$pf" 2>/dev/null
  pf=
  return $rc
}
check "kubectl port-forward svc/$name serves /hello on 127.0.0.1" forward "svc/$name" 80 /hello "$msg"
check "kubectl port-forward to the admin port serves /metrics" forward "deployment/$name" 9090 /metrics "# TYPE"

# ---------------------------------------------------------------- make images: both platforms (last: in make test the arm64 build may still be running)
both=linux/amd64,linux/arm64
if (cd "$repo" && HELLO_IMAGE_PLATFORMS=$both make --no-print-directory images) >"$dir/images.log" 2>&1; then
  ok "make images builds and pushes $both"
else
  bad "make images builds and pushes $both"
  tail -20 "$dir/images.log" | sed 's/^/     /'
fi
for p in hello-operator hello-api hello-consumer; do
  check "  the registry's $p:$HELLO_IMAGE_TAG is an OCI index of linux/amd64 and linux/arm64" \
    bash -c "skopeo inspect --raw --cert-dir '$dir/certs' 'docker://$HELLO_TESTBED_REGISTRY/hello/$p:$HELLO_IMAGE_TAG' |
      jq -e '.mediaType == \"application/vnd.oci.image.index.v1+json\" and ([.manifests[].platform | .os + \"/\" + .architecture] | sort) == [\"linux/amd64\", \"linux/arm64\"]'"
done
# The arm64 hello-api as a node would get it: out of the registry by the
# index's tag, its layers unpacked, run under qemu-user.
arm64_api=$dir/arm64-api
mkdir -p "$arm64_api"
skopeo copy --override-arch arm64 --src-cert-dir "$dir/certs" \
  "docker://$HELLO_TESTBED_REGISTRY/hello/hello-api:$HELLO_IMAGE_TAG" "dir:$arm64_api/image" >"$dir/arm64-copy.log" 2>&1
python3 - "$arm64_api" <<'PY' >>"$dir/arm64-copy.log" 2>&1
import json, os, sys, tarfile
d = sys.argv[1]
manifest = json.load(open(f"{d}/image/manifest.json"))
for layer in manifest["layers"]:
    tarfile.open(f"{d}/image/" + layer["digest"].split(":")[1]).extractall(f"{d}/rootfs")
PY
arm64_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
qemu-aarch64-static -L "$arm64_api/rootfs" "$arm64_api/rootfs/usr/local/bin/hello-api" \
  --listen "127.0.0.1:$arm64_port" --admin-listen 127.0.0.1:0 >"$dir/arm64-api.log" 2>&1 </dev/null &
arm64_pid=$!
check "  the arm64 hello-api from the registry, under qemu-user, serves /hello" \
  eventually 60 bash -c "[ \"\$(curl -fsS --max-time 2 http://127.0.0.1:$arm64_port/hello)\" = '{\"message\":\"Hello, World!\"}' ]"
kill "$arm64_pid" 2>/dev/null
wait "$arm64_pid" 2>/dev/null
# Its SBOM, read back from the registry: the artifact that refers to the
# arm64 image's manifest (oras discover), pulled, is the SBOM built with it.
oras=$("$here/install.sh" --print-sbom-tools)/oras
arm64_digest=$(skopeo inspect --raw --cert-dir "$dir/certs" "docker://$HELLO_TESTBED_REGISTRY/hello/hello-api:$HELLO_IMAGE_TAG" |
  jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest')
sbom_ref=$("$oras" discover --ca-file "$dir/certs/ca.crt" --distribution-spec v1.1-referrers-tag \
  --artifact-type application/vnd.cyclonedx+json --format json "$HELLO_TESTBED_REGISTRY/hello/hello-api@$arm64_digest" 2>"$dir/sbom-discover.log" |
  jq -r '(.manifests // .referrers // [])[].digest')
check "  the arm64 hello-api's SBOM refers to its manifest in the registry (oras discover: $sbom_ref)" \
  [ "$(wc -w <<<"$sbom_ref")" = 1 ]
"$oras" pull --ca-file "$dir/certs/ca.crt" -o "$dir/sbom" "$HELLO_TESTBED_REGISTRY/hello/hello-api@$sbom_ref" >"$dir/sbom-pull.log" 2>&1
check "  pulled back, it is the CycloneDX SBOM built with the image, listing librdkafka" \
  bash -c "cmp '$dir/sbom/hello-api.cdx.json' '$HELLO_IMAGES_DIR/linux_arm64/hello-api.cdx.json' && jq -e '[.components[].name] | index(\"librdkafka\")' '$dir/sbom/hello-api.cdx.json'"

# ---------------------------------------------------------------- delete
children="deployment/$name deployment/$name-consumer service/$name configmap/$name-responses serviceaccount/$name serviceaccount/$name-consumer role/$name rolebinding/$name poddisruptionbudget/$name networkpolicy/$name networkpolicy/$name-consumer"
# shellcheck disable=SC2086 # one word per child
check "the HelloApi's children exist before the delete" kubectl get -n "$ns" $children
check "kubectl delete helloapi $name" kubectl delete hapi "$name" -n "$ns" --wait --timeout=60s
gone() {
  local left
  # shellcheck disable=SC2086 # one word per child
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
check_down "make down"
check "make down removes the bridge and the env file" bash -c "! ip link show hellocni0 >/dev/null 2>&1 && [ ! -e '$dir/env' ]"

summary
