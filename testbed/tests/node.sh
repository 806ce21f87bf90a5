#!/usr/bin/env bash
# The test bed's node, as a workload meets it: `up --node` reports ready only
# with the node Ready on containerd and CoreDNS serving; a pod runs from an
# image built with buildah and imported without a registry; a Service
# ClusterIP reaches it from another pod (kube-proxy); DNS resolves Service
# names (CoreDNS); an in-cluster client reaches the apiserver through
# 10.96.0.1; pods reach Kafka; NetworkPolicy is enforced (kube-router): a
# default-deny policy cuts a pod off and deleting it lets it through again;
# kubectl exec, logs and port-forward work; a second up is a no-op; and
# `down` leaves no process, mount, cgroup, bridge, rule or ipset behind. It runs its own test bed in a temporary directory; the
# machine's node must be free (one per machine). Needs root.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../versions.env
. "$here/versions.env"

# shellcheck source=lib.sh
. "$here/tests/lib.sh"

own_testbed hello-node-test
cleanup() {
  "$here/cluster.sh" down >"$dir/down-cleanup.log" 2>&1
  # Kept when the test failed, for its logs.
  [ "$failed" -eq 0 ] && rm -rf "$dir"
}
trap cleanup EXIT

# 1. A port clash on the node fails naming kubelet and its log, and leaves
#    nothing behind (the control plane was already up when it failed).
clash_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$clash_port)); s.listen(); time.sleep(900)" &
holder=$!
# (python starts slowly on a loaded machine: wait until it listens)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$clash_port") 2>/dev/null && break; sleep 0.2; done
HELLO_TESTBED_KUBELET_HEALTHZ_PORT=$clash_port timeout 900 "$here/cluster.sh" up --node >"$dir/clash.log" 2>&1
rc=$?
out=$(cat "$dir/clash.log")
kill "$holder"
check "up --node fails when kubelet's port is taken" [ $rc -ne 0 ]
check "the failure names the step and the port" grep -q "FAILED at step \"start kubelet\": port $clash_port is already in use" <<<"$out" ||
  grep FAILED -A3 <<<"$out"
nothing_left() {
  [ -z "$(our_processes)" ] && ! grep -qF "$dir/" /proc/self/mountinfo &&
    ! ip link show hellocni0 >/dev/null 2>&1 && [ ! -e "$dir/env" ]
}
check "a failed up --node leaves no process, mount, bridge or env file" nothing_left

# 2. A clean start.
start=$SECONDS
if timeout 900 "$here/cluster.sh" up --node >"$dir/up.log" 2>&1; then
  ok "up --node succeeds ($((SECONDS - start)) s)"
else
  bad "up --node succeeds"
  tail -30 "$dir/up.log"
  summary
  exit 1
fi
# shellcheck source=/dev/null # written at run time
. "$dir/env"
ns=node-test

wide=$(kubectl get node "$HELLO_TESTBED_NODE_NAME" -o wide --no-headers)
echo "    $wide"
check "the node is Ready" grep -qw Ready <<<"$wide"
check "kubectl get node -o wide shows containerd as the runtime" grep -q 'containerd://1\.' <<<"$wide"
check "the node runs kubelet $KUBERNETES_VERSION" grep -qw "$KUBERNETES_VERSION" <<<"$wide"
check "the node carries hello.dev/compute=nodes (what compute: nodes pods select)" \
  [ "$(kubectl get node "$HELLO_TESTBED_NODE_NAME" -o jsonpath='{.metadata.labels.hello\.dev/compute}')" = nodes ]
check "containerd holds the pause image built with buildah" bash -c "ctr images ls -q | grep -qxF '$HELLO_TESTBED_PAUSE_IMAGE'"

kubectl create namespace "$ns" >/dev/null
{
  probe_pod web "app: web" --ready
  echo ---
  probe_pod client
  cat <<EOF
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
EOF
} | kubectl apply -n "$ns" -f - >/dev/null
check "pods from the buildah-built probe image become Ready" \
  kubectl wait -n "$ns" --for=condition=Ready pod/web pod/client --timeout=120s
web_ip=$(kubectl get svc -n "$ns" web -o jsonpath='{.spec.clusterIP}')
x() { kubectl exec -n "$ns" client -- /probe "$@"; }

check "kubectl exec runs a command in a pod" eventually 10 x lookup localhost
check "another pod reaches the Service ClusterIP $web_ip (kube-proxy)" eventually 30 x get "http://$web_ip/"
check "  and gets the web pod's answer" grep -qx "probe web" <<<"$out"
check "DNS resolves kubernetes.default.svc.cluster.local to 10.96.0.1" eventually 30 x lookup kubernetes.default.svc.cluster.local
check "  (got $out)" [ "$out" = 10.96.0.1 ]
check "DNS resolves the short Service name web to its ClusterIP" eventually 30 x lookup web
check "  (got $out)" [ "$out" = "$web_ip" ]
check "DNS resolves web.$ns.svc.cluster.local" eventually 10 x lookup "web.$ns.svc.cluster.local"
check "a pod reaches http://web/ by name" eventually 10 x get http://web/
check "an in-cluster client reaches the apiserver through the kubernetes Service" eventually 30 x apiserver
check "  which reports $KUBERNETES_VERSION (got $out)" [ "$out" = "$KUBERNETES_VERSION" ]
check "  and through 10.96.0.1 directly" eventually 10 x apiserver 10.96.0.1
check "a pod reaches Kafka at HELLO_KAFKA_POD_BOOTSTRAP_SERVERS ($HELLO_KAFKA_POD_BOOTSTRAP_SERVERS)" \
  eventually 10 x tcp "$HELLO_KAFKA_POD_BOOTSTRAP_SERVERS"
check "a Kafka client lists topics through the pods' listener (it advertises itself)" \
  timeout 60 java -Xmx256m -cp "$("$here/install.sh" --print-kafka-dir)/libs/*" -Dlog4j2.configurationFile="$dir/kafka/log4j2.properties" \
  org.apache.kafka.tools.TopicCommand --bootstrap-server "$HELLO_KAFKA_POD_BOOTSTRAP_SERVERS" --list
check "the host reaches the Service ClusterIP too" eventually 10 curl -fsS --max-time 3 "http://$web_ip/"

# NetworkPolicy, enforced by kube-router. A default-deny (ingress) policy in
# the namespace: the client no longer reaches the web pod, by its address or
# through the Service, while the kubelet's probes (from the node) keep it
# Ready; deleted, the client gets through again; a policy whose rule admits
# the client lets it through (and is still there for `down` to clean up).
web_pod_ip=$(kubectl get pod -n "$ns" web -o jsonpath='{.status.podIP}')
unreachable() { ! x get "http://$1/"; }
check "kube-router runs (NetworkPolicy)" bash -c "iptables -S FORWARD | grep -q -- '-j KUBE-ROUTER-FORWARD'"
check "without a policy, the client reaches the web pod at $web_pod_ip:8080" eventually 10 x get "http://$web_pod_ip:8080/"
kubectl apply -n "$ns" -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec:
  podSelector: {}
  policyTypes: [Ingress]
EOF
t_policy=$SECONDS
check "a default-deny policy cuts the client off the web pod" eventually 30 unreachable "$web_pod_ip:8080"
echo "    enforced $((SECONDS - t_policy)) s after the apply"
check "  and off its Service" unreachable "$web_ip"
check "  while the kubelet's probes keep it Ready (they come from the node)" \
  bash -c "sleep 3; [ \"\$(kubectl get pod -n $ns web -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
check "kube-router holds the policy's pods in an ipset" bash -c "ipset list -n | grep -qE '^KUBE-(SRC|DST)-'"
kubectl delete networkpolicy -n "$ns" default-deny >/dev/null
check "deleting the policy lets the client through again" eventually 30 x get "http://$web_pod_ip:8080/"
check "  and through the Service" eventually 10 x get "http://$web_ip/"
kubectl apply -n "$ns" -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-namespace}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {}}]
    ports: [{port: 8080, protocol: TCP}]
EOF
check "kube-router turns its rule into iptables rules naming it" \
  eventually 30 bash -c "iptables -S | grep -q 'selected by policy name web-from-namespace'"
check "  which let the client through" eventually 10 x get "http://$web_pod_ip:8080/"

check "kubectl logs reads a pod's log (CoreDNS)" \
  bash -c "kubectl logs -n kube-system deployment/coredns | grep -q 'CoreDNS-${COREDNS_VERSION#v}'"

# port-forward to a random local port
kubectl port-forward -n "$ns" pod/web :8080 >"$dir/port-forward.log" 2>&1 &
pf=$!
port=
for _ in $(seq 1 50); do
  port=$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\) .*/\1/p' "$dir/port-forward.log")
  [ -n "$port" ] && break
  sleep 0.2
done
check "kubectl port-forward serves the pod on 127.0.0.1:${port:-?}" \
  bash -c "[ -n '$port' ] && [ \"\$(curl -fsS --max-time 5 http://127.0.0.1:$port/)\" = 'probe web' ]"
kill "$pf" 2>/dev/null
wait "$pf" 2>/dev/null

# A second up is a no-op.
pids_before=$(cat "$dir"/pids/*.pid | sort | tr '\n' ' ')
start=$SECONDS
timeout 120 "$here/cluster.sh" up --node >/dev/null 2>&1
check "a second up --node succeeds within 10 s ($((SECONDS - start)) s)" [ $((SECONDS - start)) -le 10 ]
check "a second up keeps the same processes" [ "$pids_before" = "$(cat "$dir"/pids/*.pid | sort | tr '\n' ' ')" ]

# down removes everything. The pods' network namespaces, as the CNI cache
# names them (another test bed's stay out of the count).
our_cni_cache_files() {
  local f
  for f in /var/lib/cni/results/*; do
    [ -f "$f" ] || continue
    sed -n 's/.*"config":"\([^"]*\)".*/\1/p' "$f" | base64 -d 2>/dev/null | grep -qF "\"$dir/node/cni/ipam\"" && echo "$f"
  done
}
pod_netns=$(our_cni_cache_files | xargs -r grep -ho '"sandbox":"/[^"]*"' | cut -d'"' -f4 | sort -u | tr '\n' ' ')
check "the CNI cache names the pods' network namespaces ($(wc -w <<<"$pod_netns"))" [ -n "$pod_netns" ]
check_down "down"
check "down leaves no pod cgroup" bash -c "! ls -d /sys/fs/cgroup/*/hello-testbed-node /sys/fs/cgroup/hello-testbed-node 2>/dev/null | grep -q ."
check "down removes the bridge" bash -c "! ip link show hellocni0 >/dev/null 2>&1"
check "down removes kube-proxy's rules" bash -c "! iptables -t nat -S | grep -q KUBE-SERVICES"
check "down removes the CNI rules of the pod network" bash -c "! iptables -t nat -S | grep -q 'hello-testbed'"
check "down removes kube-router's chains" bash -c "! iptables -t filter -S | grep -qE 'KUBE-(ROUTER|POD-FW|NWPLCY)-'"
check "down removes kube-router's ipsets" bash -c "! ipset list -n | grep -qE '^(KUBE-(SRC|DST)-|TMP-)'"
gone() { local f; for f in "$@"; do [ ! -e "$f" ] || return 1; done; }
# shellcheck disable=SC2086 # one path per word
check "down leaves none of those network namespaces" gone $pod_netns
check "down leaves no CNI cache file of ours" [ -z "$(our_cni_cache_files)" ]
check "down removes the env file" [ ! -e "$dir/env" ]

summary
