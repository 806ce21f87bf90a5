#!/usr/bin/env bash
# `make up`: the whole product on this machine.
#   1. the test bed's tools (install.sh all, node) and, side by side, the
#      images of hello-operator, hello-api and hello-consumer, built from
#      release binaries with buildah for this machine's platform
#      (product-images.sh build; tagged by a hash of the sources;
#      HELLO_IMAGE_PLATFORMS=linux/amd64,linux/arm64 builds both)
#   2. the test bed with its node and Kafka (cluster.sh up --node)
#   3. the images pushed to the test bed's registry; the chart names them by
#      digest, and the node pulls them
#   4. the operator, with its Helm chart (helm upgrade --install)
#   5. the HelloApi testbed/samples/local.yaml, its Kafka pointing at the
#      test bed's broker as pods reach it
#   6. waits until that HelloApi is Ready and answers, then writes HELLO_URL
#      (its Service's ClusterIP, which the host reaches through kube-proxy)
#      into $HELLO_TESTBED_DIR/env and prints the curl to run.
# Idempotent: a second run with unchanged sources builds, pushes and pulls nothing
# and takes seconds. `make down` (cluster.sh down) removes everything.
# HELLO_UP_NAMESPACE (hello) and HELLO_UP_NAME (hello) place the HelloApi.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
work=${HELLO_TESTBED_DIR:-$repo/.testbed}
mkdir -p "$work"
work=$(cd "$work" && pwd)
export HELLO_TESTBED_DIR=$work
ns=${HELLO_UP_NAMESPACE:-hello}
name=${HELLO_UP_NAME:-hello}
release=hello-operator
ops=hello-system
logs=$work/logs

# Its steps are the components: `fail COMPONENT MESSAGE [LOG]`.
script_name="make up"
# shellcheck source=lib.sh
. "$here/lib.sh"

start=$SECONDS
# The images' release build beside the test bed tools' build, before the
# test bed starts: on a new machine the two fill each other's serial steps
# (links, downloads), and a running test bed would only idle, using CPU,
# until the images are there.
"$here/product-images.sh" build &
images=$!
"$here/install.sh" all || fail "install tools" "testbed/install.sh all failed"
"$here/install.sh" node || fail "install node tools" "testbed/install.sh node failed"
wait "$images" || exit 1
"$here/cluster.sh" up --node ||
  fail "test bed" "testbed/cluster.sh up --node failed (the message above names the component); logs in $logs/"
# shellcheck disable=SC1091
. "$work/env"
mkdir -p "$logs"

"$here/product-images.sh" push || exit 1
eval "$("$here/product-images.sh" --print)"

# Diagnostics of a failed step: the pods, kubectl describe, and the logs
# last (the tail that is printed).
diagnose_operator() { # FILE
  {
    echo "### kubectl get pods -A -o wide"
    kubectl get pods -A -o wide
    echo "### kubectl describe deployment,pods -n $ops"
    kubectl describe deployment,pods -n "$ops"
    echo "### kubectl get events -n $ops"
    kubectl get events -n "$ops" --sort-by=.lastTimestamp | tail -n 15
    echo "### kubectl logs -n $ops deployment/$release (and --previous)"
    kubectl logs -n "$ops" "deployment/$release" --tail=30 --previous
    kubectl logs -n "$ops" "deployment/$release" --tail=30
  } >"$1" 2>&1 || true
}
diagnose_helloapi() { # FILE
  {
    echo "### kubectl get pods -A -o wide"
    kubectl get pods -A -o wide
    echo "### kubectl describe helloapi,deployment,pods -n $ns"
    kubectl describe "helloapi/$name" -n "$ns"
    kubectl describe deployment,pods -n "$ns"
    echo "### kubectl logs -n $ops deployment/$release"
    kubectl logs -n "$ops" "deployment/$release" --tail=30
    echo "### kubectl get events -n $ns"
    kubectl get events -n "$ns" --sort-by=.lastTimestamp | tail -n 15
    echo "### kubectl logs -n $ns deployment/$name-consumer, deployment/$name"
    kubectl logs -n "$ns" "deployment/$name-consumer" --tail=15
    kubectl logs -n "$ns" "deployment/$name" --tail=15
  } >"$1" 2>&1 || true
}

say "helm upgrade --install $release (images $HELLO_IMAGE_TAG, by digest from $HELLO_TESTBED_REGISTRY) in $ops"
if ! helm upgrade --install "$release" "$repo/helm/hello-operator" -n "$ops" --create-namespace \
  --set "images.registry=$HELLO_TESTBED_REGISTRY/hello" --set "images.tag=$HELLO_IMAGE_TAG" --set images.pullPolicy=IfNotPresent \
  --set "images.operator.digest=$OPERATOR_DIGEST" --set "images.api.digest=$API_DIGEST" --set "images.consumer.digest=$CONSUMER_DIGEST" \
  --wait --timeout 180s >"$logs/up-helm.log" 2>&1; then
  diagnose_operator "$logs/up-operator-diagnostics.log"
  fail "hello-operator (helm chart)" "the release is not ready after 180 s; helm's output is $logs/up-helm.log, pods and the operator's log are in $logs/up-operator-diagnostics.log, kubelet's in $logs/kubelet.log" \
    "$logs/up-operator-diagnostics.log"
fi

say "HelloApi $ns/$name (Kafka $HELLO_KAFKA_POD_BOOTSTRAP_SERVERS, plaintext)"
{
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -
  sed "s|BOOTSTRAP_SERVERS|$HELLO_KAFKA_POD_BOOTSTRAP_SERVERS|; s|^  name: hello$|  name: $name|" "$here/samples/local.yaml" |
    kubectl apply -n "$ns" -f -
} >"$logs/up-apply.log" 2>&1 || fail "HelloApi (kubectl apply)" "applying testbed/samples/local.yaml failed; see $logs/up-apply.log" "$logs/up-apply.log"

observed() {
  [ "$(kubectl get hapi "$name" -n "$ns" -o jsonpath='{.status.observedGeneration}/{.metadata.generation}')" = \
    "$(kubectl get hapi "$name" -n "$ns" -o jsonpath='{.metadata.generation}/{.metadata.generation}')" ] &&
    [ "$(kubectl get hapi "$name" -n "$ns" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
say "waiting for HelloApi $ns/$name to be Ready"
deadline=$((SECONDS + 300))
until observed 2>/dev/null; do
  if [ $SECONDS -ge $deadline ]; then
    diagnose_helloapi "$logs/up-helloapi-diagnostics.log"
    fail "HelloApi $ns/$name" "not Ready after 300 s ($(kubectl get hapi "$name" -n "$ns" -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}' 2>/dev/null)); its pods and the operator's and consumer's logs are in $logs/up-helloapi-diagnostics.log, kubelet's in $logs/kubelet.log" \
      "$logs/up-helloapi-diagnostics.log"
  fi
  sleep 1
done

ip=$(kubectl get service "$name" -n "$ns" -o jsonpath='{.spec.clusterIP}')
url=http://$ip
deadline=$((SECONDS + 60))
until body=$(curl -fsS --max-time 3 "$url/hello" 2>&1); do
  [ $SECONDS -lt $deadline ] ||
    fail "Service $ns/$name" "$url/hello does not answer from this host ($body); kube-proxy's log is $logs/kube-proxy.log" "$logs/kube-proxy.log"
  sleep 1
done

mkdir -p "$work/env.d"
printf '# testbed/up.sh: the sample HelloApi %s/%s\nexport HELLO_URL=%s\n' "$ns" "$name" "$url" >"$work/env.d/hello-url.env"
"$here/cluster.sh" env

say "ready in $((SECONDS - start)) s: HelloApi $ns/$name answers $body"
cat <<EOF

HELLO_URL=$url (exported by $work/env)

  . $work/env
  curl \$HELLO_URL/hello
  curl "\$HELLO_URL/current_time?name=Paul"
  kubectl logs -n $ns deployment/$name-consumer

or directly:

curl $url/hello
EOF
