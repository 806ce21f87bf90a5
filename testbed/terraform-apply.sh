#!/usr/bin/env bash
# terraform-eks applied and destroyed by the real AWS provider against moto
# (testbed/moto-ext: moto's server with the EKS and MSK calls it lacks) on
# loopback. Called by testbed/terraform-check.sh (make test-terraform), with
# the test bed running (with-testbed.sh) for the server-side dry run.
#
#   testbed/terraform-apply.sh [CASE...]    default: all four cases
#
# Cases: defaults (Kafka off, NAT egress); serverless (enable_kafka, MSK
# Serverless); endpoints (egress_mode = "endpoints"); provisioned (MSK
# provisioned, Spot x86_64 nodes). Each case, in a scratch copy of the
# module with only a provider override file added:
#   1. terraform apply
#   2. the outputs: helm_values passes the chart's values.schema.json (helm
#      template), helloapi_yaml passes the CRD's validation (kubectl apply
#      --dry-run=server on the test bed), update_kubeconfig_command names the
#      cluster, the Kafka brokers reach the HelloApi
#   3. the operator's Fargate profile check against the cluster in moto:
#      FargateProfileMatched=True for the printed HelloApi, False for one in
#      another namespace (defaults case only; needs the hello-operator binary)
#   4. terraform plan -detailed-exitcode: no change, or only the emulator
#      gaps listed in testbed/terraform-emulator-gaps.txt (see README)
#   5. terraform destroy, then moto holds nothing the apply made: moto's
#      inventory (hello_moto.inventory, read from moto) equals the one taken
#      before the apply.
set -euo pipefail
export LC_ALL=C # comm(1) and the inventory sort the same way

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module=$root/terraform-eks
cd "$root"

# shellcheck source=lib.sh
. testbed/lib.sh
# The case in every line: `terraform-apply [serverless] FAILED at step ...`.
in_case() { case=$1 script_name="terraform-apply [$1]"; }
in_case setup

all_cases=(defaults serverless endpoints provisioned)
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=("${all_cases[@]}")
for c in "${cases[@]}"; do
  case " ${all_cases[*]} " in *" $c "*) ;; *) echo "usage: $0 [${all_cases[*]}]" >&2; exit 2 ;; esac
done

case_vars() {
  case $1 in
    defaults) ;;
    serverless) echo "-var=enable_kafka=true -var=kafka_mode=serverless" ;;
    endpoints) echo "-var=egress_mode=endpoints" ;;
    provisioned) echo "-var=enable_kafka=true -var=kafka_mode=provisioned -var=node_architecture=x86_64 -var=node_capacity_type=SPOT" ;;
  esac
}

testbed/install.sh terraform
testbed/install.sh terraform-provider-aws
testbed/install.sh moto
testbed/install.sh helm
while IFS= read -r line; do export "${line?}"; done < <(testbed/install.sh --print-terraform-env)
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
moto_bin=$(testbed/install.sh --print-path | grep '/moto-')
python=$moto_bin/../venv/bin/python
helm_bin=$(testbed/install.sh --print-path | grep '/helm-')

load_testbed_env
# shellcheck source=tests/lib.sh
. testbed/tests/lib.sh

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
region=eu-west-1

kubectl apply --server-side -f crds/helloapi.yaml >/dev/null || fail "CRD" "kubectl apply crds/helloapi.yaml"
crd_established helloapis.hello.dev || fail "CRD" "helloapis.hello.dev is not Established after 60 s"

# The operator binary for the Fargate check (built already by `make test`'s
# cargo test; a no-op then).
say "the operator's debug binary (testbed/cargo-test.sh --no-run)"
"$root/testbed/cargo-test.sh" --workspace --locked --no-run -q || fail "operator" "testbed/cargo-test.sh --no-run failed"
operator_bin=${CARGO_TARGET_DIR:-$root/target}/debug/hello-operator

# run_case CASE: one case against a moto of its own, in a scratch copy of its
# own, so the four run at once (most of an apply or destroy is the
# provider's waiters polling) and moto's inventory sees only this case.
run_case() {
  in_case "$1"
  # Not local: the EXIT trap below runs after the function has returned
  # (each case runs in its own subshell).
  dir=$work/$case moto_pid='' name=tf-$1 ns=tfapply-$1-$$
  mkdir -p "$dir"
  trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; [ -z "$moto_pid" ] || kill "$moto_pid" 2>/dev/null || true' EXIT

  # ---------------------------------------------------------------- moto
  local port endpoint
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  endpoint=http://127.0.0.1:$port
  say "moto with testbed/moto-ext on $endpoint"
  # AWS-managed IAM policies (AmazonEKSClusterPolicy, ...) exist only with this.
  PYTHONPATH=$root/testbed/moto-ext MOTO_IAM_LOAD_MANAGED_POLICIES=true \
    "$python" -m hello_moto -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
  moto_pid=$!
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$endpoint/moto-api/" 2>/dev/null && break
    kill -0 "$moto_pid" 2>/dev/null || { tail -20 "$dir/moto.log" >&2; fail "moto" "python -m hello_moto exited"; }
    sleep 0.1
  done
  curl -fsS -o /dev/null "$endpoint/moto-api/" || fail "moto" "not answering on $endpoint"
  inventory() { PYTHONPATH=$root/testbed/moto-ext "$python" -m hello_moto.inventory "$endpoint" "$region"; }

  # ---------------------------------------------------------------- module copy
  # The module as users run it, plus one file: moto's endpoints and test
  # credentials. Written into the scratch copy only, never into terraform-eks/.
  cp -r "$module" "$dir/terraform-eks"
  tf_dir=$dir/terraform-eks
  rm -rf "$tf_dir/.terraform" "$tf_dir/.terraform.lock.hcl" "$tf_dir"/terraform.tfstate*
  {
    echo '# Written by testbed/terraform-apply.sh into a scratch copy: moto on loopback.'
    echo 'provider "aws" {'
    echo '  access_key                  = "testing"'
    echo '  secret_key                  = "testing"'
    echo '  skip_credentials_validation = true'
    echo '  skip_metadata_api_check     = true'
    echo '  skip_region_validation      = true'
    echo '  endpoints {'
    for svc in ec2 ecr eks iam kafka kms logs sts; do printf '    %-5s = "%s"\n' "$svc" "$endpoint"; done
    echo '  }'
    echo '}'
  } >"$tf_dir/moto_override.tf"
  tf() { terraform -chdir="$tf_dir" "$@"; }
  tf init -no-color >"$dir/init.log" 2>&1 || { cat "$dir/init.log" >&2; fail "init" "terraform init failed"; }
  work=$dir # the per-case logs below

  t0=$SECONDS
  # shellcheck disable=SC2207 # the case's -var flags, no spaces inside
  vars=($(case_vars "$case") "-var=name=$name" "-var=region=$region" "-var=hello_namespace=$ns")
  baseline=$(inventory)

  say "terraform apply ${vars[*]}"
  timeout 900 terraform -chdir="$tf_dir" apply -auto-approve -no-color "${vars[@]}" >"$work/$case-apply.log" 2>&1 ||
    { tail -60 "$work/$case-apply.log" >&2; fail "apply" "terraform apply failed (log above)"; }
  grep -E '^Apply complete!' "$work/$case-apply.log" >&2

  made=$(comm -13 <(echo "$baseline") <(inventory))
  printf '    moto now holds %s more resources (eks:cluster %s)\n' "$(grep -c . <<<"$made")" \
    "$(grep -c '^eks:cluster ' <<<"$made" || true)" >&2
  grep -qx "eks:cluster $name" <<<"$made" || fail "inventory" "moto holds no EKS cluster $name after apply"

  say "outputs"
  out() { tf output -raw "$1"; }
  [ "$(out update_kubeconfig_command)" = "aws eks update-kubeconfig --region $region --name $name" ] ||
    fail "outputs" "update_kubeconfig_command is '$(out update_kubeconfig_command)'"
  [ "$(out cluster_name)" = "$name" ] || fail "outputs" "cluster_name is '$(out cluster_name)'"
  grep -qx "ec2:vpc $(out vpc_id)" <<<"$made" || fail "outputs" "vpc_id $(out vpc_id) is not a VPC moto holds"
  out helm_values >"$work/$case-values.yaml"
  "$helm_bin/helm" template hello-operator helm/hello-operator -f "$work/$case-values.yaml" >/dev/null 2>"$work/$case-helm.log" ||
    { cat "$work/$case-helm.log" >&2; fail "outputs" "helm_values does not pass the chart's values.schema.json"; }
  out helloapi_yaml >"$work/$case-helloapi.yaml"
  kubectl create namespace "$ns" >/dev/null
  kubectl apply --dry-run=server -f "$work/$case-helloapi.yaml" >"$work/$case-dryrun.log" 2>&1 ||
    { cat "$work/$case-dryrun.log" >&2; fail "outputs" "helloapi_yaml is refused by the test bed apiserver (server-side dry run)"; }
  # A null output is left out of the state, so read them all.
  brokers=$(tf output -json | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin).get("kafka_bootstrap_brokers_iam", {}).get("value")))')
  if grep -q enable_kafka=true <<<"${vars[*]}"; then
    [[ $brokers == *":9098"* ]] || fail "outputs" "kafka_bootstrap_brokers_iam is $brokers"
    servers=$("$python" -c 'import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "HelloApi"]
print(docs[0]["spec"]["kafka"]["bootstrapServers"])' "$work/$case-helloapi.yaml")
    [ "\"$servers\"" = "$brokers" ] || fail "outputs" "helloapi_yaml's kafka.bootstrapServers is $servers, not the MSK brokers $brokers"
  else
    [ "$brokers" = null ] || fail "outputs" "kafka_bootstrap_brokers_iam is $brokers without Kafka"
  fi
  echo "    update_kubeconfig_command, cluster_name, vpc_id, helm_values (values.schema.json), helloapi_yaml (server-side dry run)$([ "$brokers" = null ] || echo ", Kafka brokers $brokers"): ok" >&2

  if [ "$case" = defaults ]; then
    say "the operator's Fargate profile check against the cluster in moto"
    testbed/terraform-fargate-check.sh "$operator_bin" "$endpoint" "$region" "$name" "$work/$case-helloapi.yaml" "$ns" ||
      fail "fargate" "the operator's FargateProfileMatched conditions are wrong (above)"
  fi

  say "terraform plan -detailed-exitcode (a second apply)"
  rc=0
  timeout 600 terraform -chdir="$tf_dir" plan -detailed-exitcode -no-color -out="$work/$case.plan" "${vars[@]}" >"$work/$case-plan.log" 2>&1 || rc=$?
  case $rc in
    0) echo "    no changes" >&2 ;;
    2)
      tf show -json "$work/$case.plan" | python3 testbed/terraform-plan-changes.py testbed/terraform-emulator-gaps.txt >&2 ||
        fail "second plan" "a change above is neither fixed nor listed in testbed/terraform-emulator-gaps.txt"
      ;;
    *) tail -40 "$work/$case-plan.log" >&2; fail "second plan" "terraform plan failed" ;;
  esac

  say "terraform destroy"
  timeout 900 terraform -chdir="$tf_dir" destroy -auto-approve -no-color "${vars[@]}" >"$work/$case-destroy.log" 2>&1 ||
    { tail -60 "$work/$case-destroy.log" >&2; fail "destroy" "terraform destroy failed (log above)"; }
  grep -E '^Destroy complete!' "$work/$case-destroy.log" >&2
  left=$(comm -13 <(echo "$baseline") <(inventory))
  [ -z "$left" ] || { printf '    %s\n' "$left" >&2; fail "destroy" "moto still holds the resources above after destroy"; }
  echo "    moto holds none of the module's resources ($(grep -c . <<<"$made") made, 0 left)" >&2
  echo "terraform-apply: $case: apply, outputs, second plan, destroy ok ($((SECONDS - t0)) s)"
}

# ---------------------------------------------------------------- the cases
for c in "${cases[@]}"; do
  (run_case "$c") >"$work/$c.out" 2>&1 &
  pids+=($!)
done
failed=()
for i in "${!cases[@]}"; do
  rc=0
  wait "${pids[$i]}" || rc=$?
  cat "$work/${cases[$i]}.out"
  [ $rc = 0 ] || failed+=("${cases[$i]}")
done
pids=()
in_case all
[ ${#failed[@]} = 0 ] || fail "cases" "failed: ${failed[*]} (their output above)"
echo "terraform-apply: all ${#cases[@]} cases passed"
