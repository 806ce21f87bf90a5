#!/usr/bin/env bash
# The operator's Fargate profile check against the EKS cluster that
# `terraform apply` made in moto (called by testbed/terraform-apply.sh):
# hello-operator runs with --eks-cluster-name and AWS_ENDPOINT_URL_EKS on
# moto, the printed HelloApi (helloapi_yaml) is applied for real in its
# namespace, and a copy of it in another namespace; the first must get
# FargateProfileMatched=True naming the Terraform profile, the second False.
#
#   testbed/terraform-fargate-check.sh OPERATOR-BIN ENDPOINT REGION CLUSTER HELLOAPI-YAML NAMESPACE
#
# Needs the test bed (KUBECONFIG) and the CRD installed.
set -euo pipefail

operator_bin=$1 endpoint=$2 region=$3 cluster=$4 manifest=$5 ns=$6
other=$ns-elsewhere

script_name="fargate check"
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x "$operator_bin" ] || fail "hello-operator" "no binary at $operator_bin (cargo build -p hello-operator)"

work=$(mktemp -d)
pid=
cleanup() {
  [ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  kubectl delete namespace "$other" --wait=false >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_ENDPOINT_URL_EKS=$endpoint \
  AWS_EC2_METADATA_DISABLED=true HELLO_LOG_FORMAT=text \
  "$operator_bin" run --eks-cluster-name "$cluster" --aws-region "$region" \
  --metrics-addr "127.0.0.1:$port" --fargate-cache-seconds 0 >"$work/operator.log" 2>&1 &
pid=$!

kubectl apply --server-side -f "$manifest" >/dev/null || fail "apply" "kubectl apply of helloapi_yaml"
name=$(kubectl get hapi -n "$ns" -o jsonpath='{.items[0].metadata.name}')
kubectl create namespace "$other" >/dev/null
# The same HelloApi (compute: fargate) in a namespace no profile selects.
kubectl get hapi -n "$ns" "$name" -o json |
  python3 -c 'import json,sys; o=json.load(sys.stdin); m=o["metadata"]; o["metadata"]={"name": m["name"], "namespace": sys.argv[1]}; o.pop("status", None); print(json.dumps(o))' "$other" |
  kubectl apply -f - >/dev/null || fail "apply" "kubectl apply of the HelloApi in $other"

condition() { # NAMESPACE -> "Status|Message" of FargateProfileMatched
  kubectl get hapi -n "$1" "$name" -o jsonpath='{range .status.conditions[?(@.type=="FargateProfileMatched")]}{.status}|{.message}{end}'
}
wait_condition() {
  local got deadline=$((SECONDS + 60))
  while :; do
    got=$(condition "$1")
    [ -n "$got" ] && { echo "$got"; return 0; }
    kill -0 "$pid" 2>/dev/null || fail "hello-operator" "it exited; its log:" "$work/operator.log"
    [ $SECONDS -lt $deadline ] || fail "FargateProfileMatched" "no condition on $1/$name in 60 s; the operator's log:" "$work/operator.log"
    sleep 0.5
  done
}
matched=$(wait_condition "$ns")
unmatched=$(wait_condition "$other")
printf '    %s/%s: FargateProfileMatched=%s\n' "$ns" "$name" "$matched" "$other" "$name" "$unmatched" >&2
[[ $matched == "True|"*"$cluster-hello"* ]] || fail "FargateProfileMatched" "$ns/$name: want True naming the profile $cluster-hello, got $matched"
[[ $unmatched == "False|"*"$other"* ]] || fail "FargateProfileMatched" "$other/$name: want False naming the namespace, got $unmatched"
kubectl delete -f "$manifest" --ignore-not-found --wait=false >/dev/null 2>&1 || true
