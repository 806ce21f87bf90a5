#!/usr/bin/env bash
# Builds every tool of the local test bed into a versioned cache and reuses it.
#
#   testbed/install.sh [kubernetes|etcd|helm|kafka|moto|all]   (default: all)
#   testbed/install.sh [terraform|terraform-provider-aws|tflint|checkov|terraform-tools]
#   testbed/install.sh --print-path                          PATH entries, one per line
#   testbed/install.sh --print-terraform-env                 TF_CLI_CONFIG_FILE, TFLINT_PLUGIN_DIR, PATH
#
# Each tool lives in $HELLO_TESTBED_CACHE/<tool>-<version>/ and is only built when
# that directory lacks its `.complete` stamp, so a warm run does nothing. All
# versions come from testbed/versions.env.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

cache=${HELLO_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hello-testbed}
kube_dir=$cache/kubernetes-$KUBERNETES_VERSION
etcd_dir=$cache/etcd-$ETCD_VERSION
helm_dir=$cache/helm-$HELM_VERSION
kafka_dir=$cache/kafka-$KAFKA_VERSION
moto_dir=$cache/moto-$MOTO_VERSION
terraform_dir=$cache/terraform-$TERRAFORM_VERSION
tf_aws_dir=$cache/terraform-provider-aws-$TF_AWS_PROVIDER_VERSION
tflint_dir=$cache/tflint-$TFLINT_VERSION-aws-$TFLINT_RULESET_AWS_VERSION
checkov_dir=$cache/checkov-$CHECKOV_VERSION

step() { printf '==> testbed install: %s\n' "$*" >&2; }
fail() { printf 'testbed install FAILED at step "%s": %s\n' "$1" "$2" >&2; exit 1; }

# run_step NAME LOG CMD...: runs CMD with output in LOG; on failure names the
# step and shows the tail of the log, so a broken build is never silent.
run_step() {
  local name=$1 log=$2
  shift 2
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "$name" "see $log"
  fi
}

# Builds into a scratch directory and renames it into place, so an interrupted
# build never leaves a directory that looks complete.
begin() { rm -rf "$1.partial" && mkdir -p "$1.partial"; }
finish() { touch "$1.partial/.complete" && rm -rf "$1" && mv "$1.partial" "$1"; }

need() { command -v "$1" >/dev/null || fail "$2" "'$1' is not installed"; }

install_kubernetes() {
  [ -f "$kube_dir/.complete" ] && return 0
  need go "kubernetes"
  step "kubernetes $KUBERNETES_VERSION (control plane, kubelet, kube-proxy, kubectl)"
  begin "$kube_dir"
  local src=$kube_dir.partial/src minor=${KUBERNETES_VERSION#v1.}
  minor=${minor%%.*}
  mkdir -p "$src" "$kube_dir.partial/bin"
  # k8s.io/kubernetes replaces its staging modules with ./staging paths, which
  # a dependent module cannot see; pin each one to its published v0.Y.Z.
  local kmod
  kmod=$(cd "$src" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$kmod" ] || fail "kubernetes: download go.mod" "no go.mod for k8s.io/kubernetes@$KUBERNETES_VERSION"
  {
    echo "module hello.dev/testbed/kubernetes"
    echo
    echo "go 1.25"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    awk -v v="v0.${KUBERNETES_VERSION#v1.}" '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { printf "replace %s => %s %s\n", $1, $1, v }' "$kmod"
  } >"$src/go.mod"
  local cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl) pkgs=() c
  for c in "${cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  run_step "kubernetes: resolve modules" "$kube_dir.partial/resolve.log" \
    bash -c "cd '$src' && go get ${pkgs[*]/%/@$KUBERNETES_VERSION}"
  local v=k8s.io/component-base/version
  local ldflags="-s -w -X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
  run_step "kubernetes: go build" "$kube_dir.partial/build.log" \
    bash -c "cd '$src' && CGO_ENABLED=0 go build -trimpath -ldflags '$ldflags' -o '$kube_dir.partial/bin/' ${pkgs[*]}"
  "$kube_dir.partial/bin/kube-apiserver" --version | grep -q "$KUBERNETES_VERSION" ||
    fail "kubernetes: version check" "kube-apiserver --version does not print $KUBERNETES_VERSION"
  finish "$kube_dir"
}

install_etcd() {
  [ -f "$etcd_dir/.complete" ] && return 0
  need go "etcd"
  step "etcd $ETCD_VERSION"
  begin "$etcd_dir"
  local src=$etcd_dir.partial/src
  mkdir -p "$src" "$etcd_dir.partial/bin"
  # `go install` of etcd fails on its replace directives; a dependent module's
  # main ignores them.
  cat >"$src/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  printf 'module hello.dev/testbed/etcd\n\ngo 1.25\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$src/go.mod"
  run_step "etcd: resolve modules" "$etcd_dir.partial/resolve.log" \
    bash -c "cd '$src' && go get go.etcd.io/etcd/server/v3@$ETCD_VERSION && go mod tidy"
  run_step "etcd: go build" "$etcd_dir.partial/build.log" \
    bash -c "cd '$src' && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o '$etcd_dir.partial/bin/etcd' ."
  finish "$etcd_dir"
}

install_helm() {
  [ -f "$helm_dir/.complete" ] && return 0
  need go "helm"
  step "helm $HELM_VERSION"
  begin "$helm_dir"
  run_step "helm: go install" "$helm_dir.partial/build.log" \
    env GOBIN="$helm_dir.partial/bin" CGO_ENABLED=0 go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  finish "$helm_dir"
}

install_kafka() {
  [ -f "$kafka_dir/.complete" ] && return 0
  need mvn "kafka"
  need java "kafka"
  step "kafka $KAFKA_VERSION (Maven Central)"
  begin "$kafka_dir"
  # Kafka 4.x logs through slf4j 1.7 and its pom brings no binding, so the
  # log4j2 binding for slf4j 1.x is added explicitly.
  cat >"$kafka_dir.partial/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.hello.testbed</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$KAFKA_SCALA_VERSION</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- the CLI tools (TopicCommand, console producer...) for checks and tests -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J2_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J2_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
  run_step "kafka: mvn dependency:copy-dependencies" "$kafka_dir.partial/mvn.log" \
    mvn -B -q -f "$kafka_dir.partial/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$kafka_dir.partial/libs"
  ls "$kafka_dir.partial/libs/kafka_$KAFKA_SCALA_VERSION-$KAFKA_VERSION.jar" >/dev/null ||
    fail "kafka: resolve" "kafka_$KAFKA_SCALA_VERSION-$KAFKA_VERSION.jar missing from libs/"
  finish "$kafka_dir"
}

install_moto() {
  [ -f "$moto_dir/.complete" ] && return 0
  need python3 "moto"
  step "moto $MOTO_VERSION (PyPI)"
  # A venv cannot be moved, so it is built in place; the .complete stamp,
  # written last, is what marks it usable.
  rm -rf "$moto_dir" && mkdir -p "$moto_dir/bin"
  run_step "moto: create venv" "$moto_dir/venv.log" python3 -m venv "$moto_dir/venv"
  run_step "moto: pip install" "$moto_dir/pip.log" \
    "$moto_dir/venv/bin/pip" install --quiet "moto[server]==$MOTO_VERSION"
  ln -s ../venv/bin/moto_server "$moto_dir/bin/moto_server"
  touch "$moto_dir/.complete"
}

install_terraform() {
  [ -f "$terraform_dir/.complete" ] && return 0
  need go "terraform"
  step "terraform $TERRAFORM_VERSION"
  begin "$terraform_dir"
  run_step "terraform: go install" "$terraform_dir.partial/build.log" \
    env GOBIN="$terraform_dir.partial/bin" CGO_ENABLED=0 go install -trimpath \
    -ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" \
    "github.com/hashicorp/terraform@$TERRAFORM_VERSION"
  # (dev=no: a release build, without the -dev suffix)
  "$terraform_dir.partial/bin/terraform" version | grep -qx "Terraform ${TERRAFORM_VERSION}" ||
    fail "terraform: version check" "terraform version does not print $TERRAFORM_VERSION"
  finish "$terraform_dir"
}

# The AWS provider as a filesystem mirror (unpacked layout), plus a CLI
# config that installs hashicorp/* from it and never asks the registry.
# The heaviest build here: see README (terraform-eks, checks) for its cost.
install_terraform_provider_aws() {
  [ -f "$tf_aws_dir/.complete" ] && return 0
  need go "terraform-provider-aws"
  step "terraform-provider-aws $TF_AWS_PROVIDER_VERSION ($TF_AWS_PROVIDER_MODULE_VERSION; a long build)"
  begin "$tf_aws_dir"
  local goos goarch target
  goos=$(go env GOOS) goarch=$(go env GOARCH)
  target=$tf_aws_dir.partial/mirror/registry.terraform.io/hashicorp/aws/$TF_AWS_PROVIDER_VERSION/${goos}_$goarch
  mkdir -p "$target"
  run_step "terraform-provider-aws: go install" "$tf_aws_dir.partial/build.log" \
    env GOBIN="$tf_aws_dir.partial/bin" CGO_ENABLED=0 go install -trimpath \
    -ldflags "-s -w -X github.com/hashicorp/terraform-provider-aws/version.ProviderVersion=$TF_AWS_PROVIDER_VERSION" \
    "github.com/hashicorp/terraform-provider-aws@$TF_AWS_PROVIDER_MODULE_VERSION"
  mv "$tf_aws_dir.partial/bin/terraform-provider-aws" "$target/terraform-provider-aws_v${TF_AWS_PROVIDER_VERSION}_x5"
  rmdir "$tf_aws_dir.partial/bin"
  # The final path, since the config is read after the rename below.
  cat >"$tf_aws_dir.partial/terraformrc" <<CONF
provider_installation {
  filesystem_mirror {
    path    = "$tf_aws_dir/mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
}
CONF
  finish "$tf_aws_dir"
}

install_tflint() {
  [ -f "$tflint_dir/.complete" ] && return 0
  need go "tflint"
  step "tflint $TFLINT_VERSION, tflint-ruleset-aws $TFLINT_RULESET_AWS_VERSION"
  begin "$tflint_dir"
  run_step "tflint: go install" "$tflint_dir.partial/build.log" \
    env GOBIN="$tflint_dir.partial/bin" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
    "github.com/terraform-linters/tflint@$TFLINT_VERSION"
  # tflint finds the ruleset by name in TFLINT_PLUGIN_DIR. `go install
  # ...@version` also asks the proxy for the module's version list (for
  # deprecation notices), which the proxy here refuses for this module, so
  # the ruleset is built from a wrapper module that requires it.
  local src=$tflint_dir.partial/ruleset-src
  mkdir -p "$src" "$tflint_dir.partial/plugins"
  printf 'module hello.dev/testbed/tflint-ruleset-aws\n\ngo 1.25\n\nrequire github.com/terraform-linters/tflint-ruleset-aws %s\n' \
    "$TFLINT_RULESET_AWS_VERSION" >"$src/go.mod"
  run_step "tflint-ruleset-aws: go build" "$tflint_dir.partial/ruleset.log" \
    bash -c "cd '$src' && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags '-s -w' -o '$tflint_dir.partial/plugins/tflint-ruleset-aws' github.com/terraform-linters/tflint-ruleset-aws"
  finish "$tflint_dir"
}

install_checkov() {
  [ -f "$checkov_dir/.complete" ] && return 0
  need python3 "checkov"
  step "checkov $CHECKOV_VERSION (PyPI)"
  # A venv cannot be moved, so it is built in place, stamped last.
  rm -rf "$checkov_dir" && mkdir -p "$checkov_dir/bin"
  run_step "checkov: create venv" "$checkov_dir/venv.log" python3 -m venv "$checkov_dir/venv"
  run_step "checkov: pip install" "$checkov_dir/pip.log" \
    "$checkov_dir/venv/bin/pip" install --quiet "checkov==$CHECKOV_VERSION"
  ln -s ../venv/bin/checkov "$checkov_dir/bin/checkov"
  touch "$checkov_dir/.complete"
}

case "${1:-all}" in
  --print-path) printf '%s\n' "$kube_dir/bin" "$etcd_dir/bin" "$helm_dir/bin" "$moto_dir/bin" ;;
  --print-kafka-dir) printf '%s\n' "$kafka_dir" ;;
  kubernetes) install_kubernetes ;;
  etcd) install_etcd ;;
  helm) install_helm ;;
  kafka) install_kafka ;;
  moto) install_moto ;;
  terraform) install_terraform ;;
  terraform-provider-aws) install_terraform_provider_aws ;;
  tflint) install_tflint ;;
  checkov) install_checkov ;;
  terraform-tools)
    install_terraform
    install_tflint
    install_checkov
    install_terraform_provider_aws
    ;;
  --print-terraform-env)
    printf 'TF_CLI_CONFIG_FILE=%s\n' "$tf_aws_dir/terraformrc"
    printf 'TFLINT_PLUGIN_DIR=%s\n' "$tflint_dir/plugins"
    printf 'PATH=%s\n' "$terraform_dir/bin:$tflint_dir/bin:$checkov_dir/bin:$PATH"
    ;;
  all)
    install_kafka
    install_moto
    install_helm
    install_etcd
    install_kubernetes
    ;;
  *) fail "arguments" "unknown tool '$1' (kubernetes|etcd|helm|kafka|moto|all|terraform|terraform-provider-aws|tflint|checkov|terraform-tools)" ;;
esac
