#!/usr/bin/env bash
# Checks of the hello-operator chart, against the running test bed (run it
# through testbed/with-testbed.sh, as `make test-helm` does):
#   static     the chart's CRD is crds/helloapi.yaml byte for byte; helm lint
#              --strict; values.schema.json refuses unknown keys and wrong
#              types naming the key; every value in values.yaml has a comment;
#              rendered flags, images and security context
#   dry run    `helm template`, defaults and every optional feature on, accepted
#              by the apiserver (kubectl apply --dry-run=server); the
#              ServiceMonitor CRD is the real one, from the prometheus-operator
#              Go module at the version pinned in testbed/versions.env
#   release    helm install (cluster-wide and watchNamespace), upgrade, uninstall
#   RBAC       what the operator's ServiceAccount may and may not do, and the
#              operator binary itself, run as that ServiceAccount, reconciling
#              the samples (children, status, events, prune, Lease)
#   samples    each samples/*.yaml accepted by the CRD's validation and applied;
#              testbed/samples/all-options.yaml (make test-scan's) accepted
# The operator running in a pod from the chart's image is the end-to-end
# tier's (testbed/tests/e2e.sh), which has the node.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart=$repo/helm/hello-operator
here=$repo/helm/tests
. "$repo/testbed/versions.env"
# shellcheck source=../../testbed/tests/lib.sh
. "$repo/testbed/tests/lib.sh"
load_testbed_env
refused() { # DESCRIPTION PATTERN CMD...: CMD fails and its output matches PATTERN
  local what=$1 pattern=$2 out
  shift 2
  if out=$("$@" 2>&1); then
    bad "$what (accepted)"
  elif grep -qE -- "$pattern" <<<"$out"; then
    ok "$what"
  else
    bad "$what (message: $(head -c 300 <<<"$out"))"
  fi
}

ops=helm-chart-ops           # release namespace, cluster-wide
ops2=helm-chart-ops2         # release namespace, watchNamespace
watched=helm-chart-watched   # the namespace the second release watches
samples_ns=helm-chart-samples
release=hello-operator
sa=system:serviceaccount:$ops:$release
work=$(mktemp -d /tmp/hello-chart-test.XXXXXX)
operator_pid=

cleanup() {
  [ -n "$operator_pid" ] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null
  helm uninstall "$release" -n "$ops" --wait >/dev/null 2>&1
  helm uninstall "$release-watched" -n "$ops2" --wait >/dev/null 2>&1
  kubectl delete namespace "$ops" "$ops2" "$watched" "$samples_ns" --ignore-not-found --wait=false >/dev/null 2>&1
  kubectl delete priorityclass hello-chart-test --ignore-not-found >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
start=$SECONDS

# ---------------------------------------------------------------- static
# A copy, not a symlink: `helm package` and a chart fetched alone keep it.
check "the chart's crds/helloapi.yaml is crds/helloapi.yaml byte for byte (else: cp crds/helloapi.yaml helm/hello-operator/crds/)" \
  cmp "$repo/crds/helloapi.yaml" "$chart/crds/helloapi.yaml"
check "helm lint --strict, defaults" helm lint --strict "$chart"
check "helm lint --strict, every optional feature on" helm lint --strict "$chart" -f "$here/values-all-features.yaml"
refused "the schema refuses an unknown top-level key, naming it" "additional properties 'replicas' not allowed" \
  helm lint --strict "$chart" --set replicas=3
refused "the schema refuses an unknown nested key, naming it" "/images/api.*additional properties 'tga' not allowed" \
  helm template t "$chart" --set images.api.tga=1
refused "the schema refuses a wrong type, naming the key" "/replicaCount.*got string, want integer" \
  helm template t "$chart" --set replicaCount=two
refused "the schema refuses a boolean given as a string, naming the key" "/metrics/serviceMonitor/enabled.*got string, want boolean" \
  helm template t "$chart" --set-string metrics.serviceMonitor.enabled=yes
refused "the schema refuses an unknown log format" "/logFormat.*must be one of" \
  helm template t "$chart" --set logFormat=xml
refused "the ServiceMonitor needs the metrics Service" "needs metrics.service.enabled" \
  helm template t "$chart" --set metrics.serviceMonitor.enabled=true --set metrics.service.enabled=false

# Every value has a comment: each key line follows a comment line, except a
# mapping that only groups keys, and the keys inside a documented free-form
# value (resources).
uncommented=$(python3 - "$chart/values.yaml" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
stack, prev, missing = [], "", []
for n, line in enumerate(lines, 1):
    m = re.match(r"^( *)([A-Za-z][\w.-]*):( *)(.*)$", line)
    if not m:
        if line.strip():
            prev = line
        continue
    indent, key, value = len(m.group(1)), m.group(2), m.group(4)
    while stack and stack[-1][0] >= indent:
        stack.pop()
    free = any(k == "resources" for _, k in stack)
    opener = value == ""
    if not free and not opener and not prev.strip().startswith("#"):
        missing.append(f"{n}:{key}")
    stack.append((indent, key))
    prev = line
print(" ".join(missing))
EOF
)
check "every value in values.yaml has a comment${uncommented:+ (missing: $uncommented)}" [ -z "$uncommented" ]

# What the templates render (as JSON, through kubectl's client-side parse).
render() { # OUT [helm template args...]
  local out=$1
  shift
  helm template "$release" "$chart" -n "$ops" "$@" >"$out.yaml" &&
    python3 -c 'import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
json.dump({"kind": "List", "items": docs}, open(sys.argv[2], "w"))' "$out.yaml" "$out.json"
}
q() { # FILE PYTHON-EXPR over `items` (the rendered objects): prints the result
  python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
items = doc["items"] if doc.get("kind") == "List" else [doc]
def kind(k, name=None):
    return [i for i in items if i["kind"] == k and (name is None or i["metadata"]["name"] == name)]
def dep():
    return kind("Deployment")[0]
def ctr():
    return dep()["spec"]["template"]["spec"]["containers"][0]
print(eval(sys.argv[2]))' "$@"
}
if render "$work/default"; then ok "helm template, defaults"; else bad "helm template, defaults"; fi
if render "$work/all" -f "$here/values-all-features.yaml"; then ok "helm template, every optional feature on"; else bad "helm template, every optional feature on"; fi
check "defaults: the operator runs with --leader-elect and the admin port 9090" \
  [ "$(q "$work/default.json" '" ".join(ctr()["args"])')" = "run --leader-elect --metrics-addr=0.0.0.0:9090 --log-format=json --api-image=hello-api:0.1.0 --consumer-image=hello-consumer:0.1.0" ]
check "defaults: a ClusterRole, and no Role but the Lease one" \
  [ "$(q "$work/default.json" '[i["kind"] + "/" + i["metadata"]["name"] for i in items if "Role" in i["kind"]]')" = "['ClusterRole/hello-operator', 'ClusterRoleBinding/hello-operator', 'Role/hello-operator-leader-election', 'RoleBinding/hello-operator-leader-election']" ]
check "defaults: no ServiceMonitor, no PodDisruptionBudget" \
  [ "$(q "$work/default.json" 'len(kind("ServiceMonitor")) + len(kind("PodDisruptionBudget"))')" = 0 ]
check "defaults: rolling updates surge one pod and never drop a ready one" \
  [ "$(q "$work/default.json" 'dep()["spec"]["strategy"]["rollingUpdate"]')" = "{'maxSurge': 1, 'maxUnavailable': 0}" ]
check "defaults: probes on the admin port (/healthz, /readyz)" \
  [ "$(q "$work/default.json" '(ctr()["livenessProbe"]["httpGet"], ctr()["readinessProbe"]["httpGet"], ctr()["ports"])')" = "({'path': '/healthz', 'port': 'metrics'}, {'path': '/readyz', 'port': 'metrics'}, [{'name': 'metrics', 'containerPort': 9090, 'protocol': 'TCP'}])" ]
check "defaults: uid 65532, read-only root, no capabilities, RuntimeDefault seccomp, no escalation" \
  [ "$(q "$work/default.json" '(lambda s: (s["runAsUser"], s["runAsNonRoot"], s["readOnlyRootFilesystem"], s["capabilities"], s["seccompProfile"], s["allowPrivilegeEscalation"]))(ctr()["securityContext"])')" = "(65532, True, True, {'drop': ['ALL']}, {'type': 'RuntimeDefault'}, False)" ]
check "defaults: requests and limits are set" \
  [ "$(q "$work/default.json" 'sorted(ctr()["resources"])')" = "['limits', 'requests']" ]
check "defaults: POD_NAMESPACE and POD_NAME come from the downward API; HELLO_LOG=info" \
  [ "$(q "$work/default.json" '[(e["name"], e.get("value") or e["valueFrom"]["fieldRef"]["fieldPath"]) for e in ctr()["env"]]')" = "[('HELLO_LOG', 'info'), ('POD_NAMESPACE', 'metadata.namespace'), ('POD_NAME', 'metadata.name')]" ]
check "all features: registry, digest and per-image tags reach the images and the flags" \
  [ "$(q "$work/all.json" '(ctr()["image"], [a for a in ctr()["args"] if "image" in a])')" = "('123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-operator@sha256:0000000000000000000000000000000000000000000000000000000000000000', ['--api-image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-api:0.2.0', '--consumer-image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-consumer:0.2.1'])" ]
check "all features: watch namespace, EKS cluster, region, cache and log format flags" \
  [ "$(q "$work/all.json" '[a for a in ctr()["args"] if a.split("=")[0] in ("--namespace", "--eks-cluster-name", "--aws-region", "--fargate-cache-seconds", "--log-format")]')" = "['--log-format=text', '--namespace=helm-chart-watched', '--eks-cluster-name=hello', '--fargate-cache-seconds=120', '--aws-region=eu-west-1']" ]
check "all features: a Role in the watched namespace instead of a ClusterRole" \
  [ "$(q "$work/all.json" '[(i["kind"], i["metadata"].get("namespace")) for i in items if i["kind"] in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")]')" = "[('Role', 'helm-chart-watched'), ('Role', 'helm-chart-ops'), ('RoleBinding', 'helm-chart-watched'), ('RoleBinding', 'helm-chart-ops')]" ]
check "all features: IRSA annotation on the ServiceAccount" \
  [ "$(q "$work/all.json" 'kind("ServiceAccount")[0]["metadata"]["annotations"]')" = "{'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/hello-operator'}" ]
check "defaults: no NetworkPolicy (networkPolicy.enabled is off by default)" \
  [ "$(q "$work/default.json" 'len(kind("NetworkPolicy"))')" = 0 ]
# A policy's rules as (sorted ports, peers: a CIDR or "selector"); no peer: any.
np_rules='[(sorted((p["port"], p["protocol"]) for p in r["ports"]), [p["ipBlock"]["cidr"] if "ipBlock" in p else "selector" for p in r.get(key, [])]) for r in kind("NetworkPolicy")[0]["spec"][rules]]'
check "all features: the NetworkPolicy admits the metrics port from metricsFrom only, both policy types" \
  [ "$(q "$work/all.json" "(kind('NetworkPolicy')[0]['spec']['policyTypes'], (lambda rules, key: $np_rules)('ingress', 'from'))")" = "(['Ingress', 'Egress'], [([(9191, 'TCP')], ['selector'])])" ]
check "all features: it lets out the apiserver, DNS, the AWS APIs and the Pod Identity agent only" \
  [ "$(q "$work/all.json" "(lambda rules, key: $np_rules)('egress', 'to')")" = "[([(443, 'TCP')], ['10.0.0.0/16']), ([(53, 'TCP'), (53, 'UDP')], ['selector']), ([(443, 'TCP')], ['10.0.64.0/24']), ([(80, 'TCP')], ['169.254.170.23/32', 'fd00:ec2::23/128'])]" ]
if render "$work/netpol" --set networkPolicy.enabled=true; then ok "helm template, networkPolicy.enabled"; else bad "helm template, networkPolicy.enabled"; fi
check "networkPolicy.enabled alone: no ingress; apiserver (443, 6443) and DNS out, no AWS rule without eks.clusterName" \
  [ "$(q "$work/netpol.json" "(kind('NetworkPolicy')[0]['spec']['ingress'], (lambda rules, key: $np_rules)('egress', 'to'))")" = "([], [([(443, 'TCP'), (6443, 'TCP')], ['0.0.0.0/0']), ([(53, 'TCP'), (53, 'UDP')], ['selector'])])" ]
rules='"*" in json.dumps([i.get("rules", []) for i in items])'
check "no rule of any Role or ClusterRole holds a wildcard" \
  [ "$(q "$work/default.json" "$rules") $(q "$work/all.json" "$rules")" = "False False" ]

# ---------------------------------------------------------------- dry run
# The ServiceMonitor CRD, from the prometheus-operator Go module.
smon_crd=$(timeout 300 go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin).get("Dir", ""))')/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml
if [ -f "$smon_crd" ] && kubectl apply --server-side -f "$smon_crd" >/dev/null &&
  crd_established servicemonitors.monitoring.coreos.com >/dev/null; then
  ok "the ServiceMonitor CRD ($PROMETHEUS_OPERATOR_VERSION) is installed"
else
  bad "the ServiceMonitor CRD ($PROMETHEUS_OPERATOR_VERSION) is installed"
fi
for ns in "$ops" "$ops2" "$watched" "$samples_ns"; do
  kubectl create namespace "$ns" >/dev/null 2>&1
done
kubectl create priorityclass hello-chart-test --value=1000 >/dev/null 2>&1
dry_run() { # FILE NAMESPACE
  local out
  # Every rendered object names its namespace.
  if out=$(kubectl apply --dry-run=server -f "$1" 2>&1); then
    ok "$3 ($(grep -c 'server dry run' <<<"$out") objects)"
  else
    bad "$3: $out"
  fi
}
# The release namespaces enforce Pod Security `restricted`: the apiserver
# warns about a Deployment whose pods would violate it.
kubectl label namespace "$ops" "$ops2" pod-security.kubernetes.io/enforce=restricted --overwrite >/dev/null
dry_run "$work/default.yaml" "$ops" "the apiserver accepts the default rendering (server-side dry run)"
check "the operator's pods meet Pod Security restricted (no warning)" bash -c "! grep -i 'violate PodSecurity' <<<\"\$0\"" "$(kubectl apply --dry-run=server -f "$work/default.yaml" 2>&1)"
render "$work/all-ops2" -f "$here/values-all-features.yaml" -n "$ops2"
dry_run "$work/all-ops2.yaml" "$ops2" "the apiserver accepts the rendering with every optional feature on (server-side dry run)"

# ---------------------------------------------------------------- release
if out=$(helm install "$release" "$chart" -n "$ops" 2>&1); then ok "helm install, defaults"; else bad "helm install, defaults: $out"; fi
check "helm install printed the NOTES" grep -q "It watches HelloApis in every namespace" <<<"$out"
check "the CRD is established after helm install" \
  crd_established helloapis.hello.dev
check "the release's Deployment, ServiceAccount, metrics Service and ClusterRole exist" \
  kubectl get -n "$ops" deployment/$release serviceaccount/$release service/$release-metrics clusterrole/$release clusterrolebinding/$release role/$release-leader-election rolebinding/$release-leader-election
if out=$(helm install "$release-watched" "$chart" -n "$ops2" --set watchNamespace="$watched" 2>&1); then
  ok "helm install with watchNamespace"
else
  bad "helm install with watchNamespace: $out"
fi
check "with watchNamespace: a Role and RoleBinding in the watched namespace, no ClusterRole" \
  bash -c "kubectl get -n $watched role/$release-watched rolebinding/$release-watched >/dev/null && ! kubectl get clusterrole/$release-watched >/dev/null 2>&1"

# ---------------------------------------------------------------- RBAC
can() { kubectl auth can-i "$@" >/dev/null 2>&1; }
may() { # VERB RESOURCE NAMESPACE [SUBRESOURCE] [AS]
  can "$1" "$2" -n "$3" ${4:+--subresource=$4} --as="${5:-$sa}"
}
missing=
for r in configmaps serviceaccounts services roles.rbac.authorization.k8s.io rolebindings.rbac.authorization.k8s.io \
  deployments.apps ingresses.networking.k8s.io networkpolicies.networking.k8s.io poddisruptionbudgets.policy; do
  for v in get list watch create patch delete; do may $v $r $samples_ns || missing+=" $v/$r"; done
done
for v in list watch; do may $v helloapis.hello.dev $samples_ns || missing+=" $v/helloapis"; done
may patch helloapis.hello.dev $samples_ns status || missing+=" patch/helloapis/status"
may update helloapis.hello.dev $samples_ns finalizers || missing+=" update/helloapis/finalizers"
for v in create patch; do may $v events.events.k8s.io $samples_ns || missing+=" $v/events"; done
for v in list watch; do may $v pods $samples_ns || missing+=" $v/pods"; done
may list replicasets.apps $samples_ns || missing+=" list/replicasets"
may create leases.coordination.k8s.io $ops || missing+=" create/leases"
for v in get update; do may $v leases.coordination.k8s.io/hello-operator $ops || missing+=" $v/lease"; done
check "the operator's ServiceAccount may do all the operator does${missing:+ (missing:$missing)}" [ -z "$missing" ]
extra=
for vr in "update deployments.apps" "update configmaps" "escalate roles.rbac.authorization.k8s.io" \
  "bind roles.rbac.authorization.k8s.io" "get secrets" "list secrets" "get pods" "delete pods" "watch replicasets.apps" "get helloapis.hello.dev" \
  "update helloapis.hello.dev" "delete helloapis.hello.dev" "patch helloapis.hello.dev" "create events" "list nodes"; do
  # shellcheck disable=SC2086 # VERB RESOURCE, two words
  may $vr $samples_ns && extra+=" ${vr// //}"
done
may get leases.coordination.k8s.io/other $ops && extra+=" get/lease/other"
may create leases.coordination.k8s.io $samples_ns && extra+=" create/leases/elsewhere"
can list customresourcedefinitions.apiextensions.k8s.io --as="$sa" && extra+=" list/crds"
check "the operator's ServiceAccount may do nothing more${extra:+ (also:$extra)}" [ -z "$extra" ]
sa2=system:serviceaccount:$ops2:$release-watched
check "with watchNamespace: the ServiceAccount may patch Deployments in the watched namespace" may patch deployments.apps $watched "" "$sa2"
check "with watchNamespace: and list HelloApis there" may list helloapis.hello.dev $watched "" "$sa2"
check "with watchNamespace: but not in another namespace" bash -c "! kubectl auth can-i list helloapis.hello.dev -n $samples_ns --as=$sa2 >/dev/null 2>&1"

# ---------------------------------------------------------------- samples
for f in "$repo"/samples/*.yaml; do
  name=$(basename "$f")
  check "samples/$name passes the CRD's validation (server-side dry run)" \
    bash -c "kubectl apply --dry-run=server -n $samples_ns -f '$f' >/dev/null"
done
# make test-scan's HelloApi (namespace shop there): each of its options is one
# the CRD knows (strict field validation), or the scan would miss it.
check "testbed/samples/all-options.yaml passes the CRD's validation (server-side dry run)" \
  bash -c "sed '/^  namespace: /d' '$repo/testbed/samples/all-options.yaml' | kubectl apply --dry-run=server --validate=strict -n $samples_ns -f - >/dev/null"
check "every sample applies" kubectl apply -n $samples_ns -f "$repo/samples/" -o name
check "kubectl get hapi lists the five samples" \
  [ "$(kubectl get hapi -n $samples_ns -o name | sort | tr '\n' ' ')" = "helloapi.hello.dev/demo helloapi.hello.dev/events-demo helloapi.hello.dev/nodes-demo helloapi.hello.dev/secure-demo helloapi.hello.dev/welcome " ]
check "the custom-responses sample keeps the seed's / and /api messages" \
  [ "$(kubectl get hapi welcome -n $samples_ns -o jsonpath='{.spec.responses./.message}|{.spec.responses./api.message}')" = "Welcome to ReaQta|Welcome to ReaQta API" ]

# ------------------------------------------ the operator as the chart's account
# The operator binary runs here, not in a pod, authenticated with a token of
# the chart's ServiceAccount: every call it makes goes through the chart's
# RBAC. It is the debug binary `make test-rust` builds (before this in `make
# test`), built here only when absent or older than the operator's sources;
# HELLO_OPERATOR_BIN names another.
bin=${HELLO_OPERATOR_BIN:-$repo/target/debug/hello-operator}
if [ -z "${HELLO_OPERATOR_BIN:-}" ] &&
  { [ ! -x "$bin" ] || [ -n "$(cd "$repo" && find operator crds Cargo.lock -type f -newer "$bin" | head -1)" ]; }; then
  timeout 1800 "$repo/testbed/cargo-test.sh" --workspace --locked --no-run -q || bad "testbed/cargo-test.sh --no-run (the operator's debug binary)"
fi
kc=$work/operator.kubeconfig
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')
token=$(kubectl create token "$release" -n "$ops" --duration=1h)
kubectl config --kubeconfig="$kc" set-cluster tb --server="$server" --certificate-authority="$ca" >/dev/null
kubectl config --kubeconfig="$kc" set-credentials sa --token="$token" >/dev/null
kubectl config --kubeconfig="$kc" set-context tb --cluster=tb --user=sa >/dev/null
kubectl config --kubeconfig="$kc" use-context tb >/dev/null
admin_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
KUBECONFIG=$kc POD_NAMESPACE=$ops POD_NAME=chart-rbac-test HELLO_LOG=info \
  "$bin" run --leader-elect --metrics-addr "127.0.0.1:$admin_port" --log-format text \
  --api-image hello-api:0.1.0 --consumer-image hello-consumer:0.1.0 >"$work/operator.log" 2>&1 &
operator_pid=$!
until_true() { # SECONDS CMD...: retries CMD every half second
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.5
  done
}
observed() { # NAME: the status is for the current generation
  [ "$(kubectl get hapi "$1" -n $samples_ns -o jsonpath='{.status.observedGeneration}')" = "$(kubectl get hapi "$1" -n $samples_ns -o jsonpath='{.metadata.generation}')" ]
}
check "as the chart's account, the operator takes the Lease" \
  until_true 60 bash -c "[ \"\$(kubectl get lease hello-operator -n $ops -o jsonpath='{.spec.holderIdentity}')\" = chart-rbac-test ]"
all_observed() { for n in demo events-demo nodes-demo secure-demo welcome; do observed $n || return 1; done; }
check "as the chart's account, it writes the status of all five samples" until_true 90 all_observed
check "it creates the children (ServiceAccount, Role, RoleBinding, ConfigMap, Deployment, Service, Ingress, PDB, consumer and its ServiceAccount)" \
  kubectl get -n $samples_ns serviceaccount/welcome role/welcome rolebinding/welcome configmap/welcome-responses \
  deployment/welcome service/welcome ingress/welcome poddisruptionbudget/welcome deployment/events-demo-consumer \
  serviceaccount/events-demo-consumer
check "it records Created events (events.k8s.io)" \
  bash -c "kubectl get events.events.k8s.io -n $samples_ns -o jsonpath='{.items[*].reason}' | grep -qw Created"
check "the API pods get the image from --api-image" \
  [ "$(kubectl get deployment demo -n $samples_ns -o jsonpath='{.spec.template.spec.containers[0].image}')" = hello-api:0.1.0 ]
kubectl patch hapi welcome -n $samples_ns --type merge -p '{"spec":{"replicas":1,"ingress":{"enabled":false},"responses":{"/":{"message":"Hi"}}}}' >/dev/null
kubectl patch hapi events-demo -n $samples_ns --type json -p '[{"op":"remove","path":"/spec/kafka"}]' >/dev/null
check "it prunes (deletes) the PDB, Ingress, consumer and consumer ServiceAccount the specs no longer ask for" \
  until_true 60 bash -c "! kubectl get -n $samples_ns poddisruptionbudget/welcome ingress/welcome deployment/events-demo-consumer serviceaccount/events-demo-consumer 2>/dev/null | grep -q ."
check "a responses edit reaches the ConfigMap" \
  until_true 30 bash -c "kubectl get configmap welcome-responses -n $samples_ns -o jsonpath='{.data.config\.yaml}' | grep -q 'message: Hi'"
check "the operator hit no RBAC refusal (no 'forbidden' in its log)" bash -c "! grep -i -m5 forbidden '$work/operator.log'"
kill "$operator_pid" 2>/dev/null
wait "$operator_pid" 2>/dev/null
operator_pid=
check "on SIGTERM it releases the Lease" \
  [ -z "$(kubectl get lease hello-operator -n $ops -o jsonpath='{.spec.holderIdentity}')" ]

# ---------------------------------------------------------------- upgrade, uninstall
if out=$(helm upgrade "$release" "$chart" -n "$ops" --reuse-values --set images.tag=0.2.0 --set logLevel=debug 2>&1); then
  ok "helm upgrade (images.tag=0.2.0)"
else
  bad "helm upgrade: $out"
fi
check "the upgrade rolls the operator to 0.2.0 and its default API image to hello-api:0.2.0" \
  [ "$(kubectl get deployment $release -n $ops -o jsonpath='{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].args[4]}')" = "hello-operator:0.2.0 --api-image=hello-api:0.2.0" ]
check "helm history shows revision 2 deployed" \
  bash -c "helm history $release -n $ops -o json | python3 -c 'import json,sys; h=json.load(sys.stdin); sys.exit(not (h[-1][\"revision\"] == 2 and h[-1][\"status\"] == \"deployed\"))'"
check "helm uninstall" helm uninstall "$release" -n "$ops" --wait
check "helm uninstall (watchNamespace release)" helm uninstall "$release-watched" -n "$ops2" --wait
check "uninstall removes the cluster-scoped RBAC" \
  bash -c "! kubectl get clusterrole/$release clusterrolebinding/$release 2>/dev/null | grep -q ."
check "uninstall removes the namespaced objects" \
  bash -c "[ -z \"\$(kubectl get deployment,serviceaccount,service,role,rolebinding -n $ops -l app.kubernetes.io/instance=$release -o name)\" ]"
check "uninstall keeps the CRD and so the HelloApis (Helm never deletes crds/)" \
  kubectl get crd/helloapis.hello.dev hapi/demo -n $samples_ns

echo "chart tests took $((SECONDS - start)) s"
summary
