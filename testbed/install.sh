#!/usr/bin/env bash
# Builds every tool of the local test bed into a versioned cache and reuses it.
#
#   testbed/install.sh [kubernetes|etcd|helm|kstatus|kafka|moto|all]   (default: all)
#   testbed/install.sh node          what the node needs (cluster.sh up --node):
#                                    node-packages, coredns, kube-router, images
#   testbed/install.sh node-packages Debian's containerd, runc, CNI plugins, buildah,
#                                    iptables, ipset
#   testbed/install.sh coredns       CoreDNS from the Go module proxy
#   testbed/install.sh kube-router   kube-router (the node's NetworkPolicy
#                                    enforcer) from the Go module proxy
#   testbed/install.sh images        the pause, probe and coredns OCI images
#   testbed/install.sh image-tools   what packs the product's images (make up):
#                                    buildah, skopeo
#   testbed/install.sh cross-tools   what their release build needs: binutils
#                                    (readelf), and per HELLO_IMAGE_PLATFORMS
#                                    rustup's targets and Debian's cross
#                                    toolchains
#   testbed/install.sh qemu          qemu-user-static and jq (make test-images)
#   testbed/install.sh sbom-tools     cargo-cyclonedx and oras (the images' SBOMs)
#   testbed/install.sh licence-tools  cargo-deny (the licence policy, make test-images)
#   testbed/install.sh --print-sbom-tools, --print-licence-tools   their PATH entries
#   testbed/install.sh lint-tools    shellcheck (Debian), for make lint
#   testbed/install.sh scanners      checkov and kube-score, for make test-scan
#   testbed/install.sh kube-score    kube-score from the Go module proxy
#   testbed/install.sh --print-scanners                      PATH entries of checkov and kube-score
#   testbed/install.sh --print-path                          PATH entries, one per line
#   testbed/install.sh --print-images                        image names and archives (shell lines)
#   testbed/install.sh [terraform|terraform-provider-aws|tflint|checkov|terraform-tools]
#   testbed/install.sh --print-terraform-env                 TF_CLI_CONFIG_FILE, TFLINT_PLUGIN_DIR, PATH
#   testbed/install.sh kstatus       testbed/kstatus/ (cli-utils' kstatus on a HelloApi); part of all
#   testbed/install.sh --print-kstatus                       the path of that binary
#   testbed/install.sh lua           Debian's lua5.1, for the Argo CD health check's tests
#   testbed/install.sh msk-iam-auth  testbed/msk-iam-auth/ (the broker's MSK IAM check); part of all
#   testbed/install.sh --print-msk-iam-libs                  its jars, for the broker's classpath
#
# Each tool lives in $HELLO_TESTBED_CACHE/<tool>-<version>/ and is only built when
# that directory lacks its `.complete` stamp, so a warm run does nothing. All
# versions come from testbed/versions.env.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
script_name="testbed install"
# shellcheck source=lib.sh
. "$here/lib.sh"

# Go's compiler and linker spend about a sixth of their CPU collecting
# garbage at the default GOGC=100, and the Go builds are half of a cold
# `make up`. Here the collector waits until a process's heap reaches 1 GiB:
# the kubernetes build took 520 CPU-s (268 s) instead of 616 (319 s), its
# largest process 2.1 GB instead of 1.9. A caller's own settings win.
export GOGC=${GOGC:-off} GOMEMLIMIT=${GOMEMLIMIT:-1GiB}

cache=${HELLO_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hello-testbed}
kube_dir=$cache/kubernetes-$KUBERNETES_VERSION
etcd_dir=$cache/etcd-$ETCD_VERSION
helm_dir=$cache/helm-$HELM_VERSION
kafka_dir=$cache/kafka-$KAFKA_VERSION
moto_dir=$cache/moto-$MOTO_VERSION-pytest-$PYTEST_VERSION
coredns_dir=$cache/coredns-$COREDNS_VERSION
kube_router_dir=$cache/kube-router-$KUBE_ROUTER_VERSION
# The images are named after a hash of what goes into them (the sources under
# testbed/images/ and the CoreDNS version), so an edit rebuilds them.
images_key=$(cat "$here/images/pause/pause.c" "$here/images/probe/main.go" <(echo "$COREDNS_VERSION") | sha256sum | cut -c1-12)
images_dir=$cache/node-images-$images_key
image_prefix=localhost/hello-testbed
terraform_dir=$cache/terraform-$TERRAFORM_VERSION
# The trimmed provider is named after its service lists too, so editing one
# rebuilds it (and never reuses the directory of a full build).
tf_aws_key=$(printf '%s\n' "$TF_AWS_PROVIDER_MODULE_VERSION" "$TF_AWS_PROVIDER_SERVICES" "$TF_AWS_PROVIDER_CLIENT_SERVICES" | sha256sum | cut -c1-12)
tf_aws_dir=$cache/terraform-provider-aws-$TF_AWS_PROVIDER_VERSION-trimmed-$tf_aws_key
tflint_dir=$cache/tflint-$TFLINT_VERSION-aws-$TFLINT_RULESET_AWS_VERSION
checkov_dir=$cache/checkov-$CHECKOV_VERSION
kube_score_dir=$cache/kube-score-$KUBE_SCORE_VERSION
sbom_dir=$cache/sbom-tools-cyclonedx-$CARGO_CYCLONEDX_VERSION-oras-$ORAS_VERSION
licence_dir=$cache/cargo-deny-$CARGO_DENY_VERSION
# kstatus is built from the sources in testbed/kstatus/, so its directory is
# named after a hash of them as well as the cli-utils version: an edit rebuilds.
kstatus_key=$(cat "$here"/kstatus/*.go "$here/kstatus/go.mod" "$here/kstatus/go.sum" | sha256sum | cut -c1-12)
kstatus_dir=$cache/kstatus-$CLI_UTILS_VERSION-$kstatus_key
# The broker's MSK IAM handler, built from testbed/msk-iam-auth/: named after
# a hash of its sources and the versions it is built against.
msk_iam_key=$({
  cat "$here/msk-iam-auth/pom.xml"
  find "$here/msk-iam-auth/src/main" -type f -print0 | LC_ALL=C sort -z | xargs -0 cat
  echo "$KAFKA_VERSION $AWS_SDK_JAVA_VERSION"
} | sha256sum | cut -c1-12)
msk_iam_dir=$cache/msk-iam-auth-$msk_iam_key

# run_step NAME LOG CMD...: runs CMD with output in LOG; on failure names the
# step and shows the tail of the log, so a broken build is never silent.
run_step() {
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 || fail "$name" "see $log" "$log"
}

# Builds into a scratch directory and renames it into place, so an interrupted
# build never leaves a directory that looks complete. DIR.lock is held from
# begin to finish: a second install of the same tool at the same time (make
# test's early builds, testbed/ci-tiers.sh) waits for the first, then finds
# the tool built and returns 1, hence `begin DIR || return 0`.
begin() {
  mkdir -p "$(dirname "$1")"
  exec {build_lock}>"$1.lock"
  flock "$build_lock"
  if [ -f "$1/.complete" ]; then
    exec {build_lock}>&-
    return 1
  fi
  rm -rf "$1.partial" && mkdir -p "$1.partial"
}
finish() { touch "$1.partial/.complete" && rm -rf "$1" && mv "$1.partial" "$1" && exec {build_lock}>&-; }

# start_build DIR WHAT MESSAGE TOOL...: returns 1 when DIR is built already
# (before or, see begin, by a concurrent install), so `start_build ... ||
# return 0`; else checks for the TOOLs the build needs, says MESSAGE and
# begins DIR. The stamp is looked at first: a built tool needs no TOOLs.
start_build() {
  local dir=$1 what=$2 message=$3 tool
  shift 3
  [ -f "$dir/.complete" ] && return 1
  for tool in "$@"; do need "$tool" "$what"; done
  say "$message"
  begin "$dir"
}

# go_install WHAT DIR LDFLAGS PACKAGE@VERSION: a static `go install` into
# DIR.partial/bin, its output in DIR.partial/build.log.
go_install() {
  run_step "$1: go install" "$2.partial/build.log" \
    env GOBIN="$2.partial/bin" CGO_ENABLED=0 go install -trimpath -ldflags "$3" "$4"
}

# prints PATTERN CMD...: CMD's output (and errors) hold a line matching the
# grep pattern. Captured first: `CMD | grep -q` under pipefail fails when
# grep stops reading early and CMD dies of SIGPIPE, a race seen at nice 19.
prints() {
  local pattern=$1 out
  shift
  out=$("$@" 2>&1) || true
  grep -q -- "$pattern" <<<"$out"
}

need() { command -v "$1" >/dev/null || fail "$2" "'$1' is not installed"; }

# install_debian_packages WHAT PACKAGE...: apt-get install of those not
# installed yet (an update first only if the install fails), its output in
# $cache/apt.log, failures named WHAT. Installed already: a dpkg-query each.
install_debian_packages() {
  local what=$1 p missing=()
  shift
  for p in "$@"; do
    [ "$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  set -- "${missing[@]}"
  need apt-get "$what"
  mkdir -p "$cache"
  # apt-get fails, rather than waits, while another holds dpkg's lock.
  local apt_lock
  exec {apt_lock}>"$cache/apt.lock"
  flock "$apt_lock"
  say "Debian packages: $*"
  local log=$cache/apt.log
  if ! DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends "$@" >"$log" 2>&1; then
    run_step "$what: apt-get update" "$log" timeout 300 apt-get update
    run_step "$what: apt-get install $*" "$log" \
      env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends "$@"
  fi
  exec {apt_lock}>&-
}

# The product's images (testbed/product-images.sh): release binaries and
# their C runtime (images/build.sh reads them with readelf) put FROM scratch
# by buildah, for each platform of HELLO_IMAGE_PLATFORMS (default: the
# host's): rustup's target, and for a platform other than the host's
# Debian's cross toolchain (images/platforms.sh). Checks first, so a second
# run costs a dpkg-query and a rustup call.
install_image_tools() {
  install_debian_packages "image tools" buildah skopeo
  local p
  for p in buildah skopeo; do need "$p" "image tools"; done
}

# What the release build needs for HELLO_IMAGE_PLATFORMS: readelf (it
# collects each binary's C runtime), and a cross toolchain and the Rust
# target for each platform other than the host's.
install_cross_tools() {
  # shellcheck source=images/platforms.sh
  . "$here/../images/platforms.sh"
  local platform platforms packages=(binutils)
  IFS=, read -r -a platforms <<<"${HELLO_IMAGE_PLATFORMS:-$(host_platform)}"
  for platform in "${platforms[@]}"; do
    # shellcheck disable=SC2207 # package names, no spaces
    packages+=($(cross_packages "$platform")) || fail "cross tools" "unsupported platform $platform"
  done
  install_debian_packages "cross tools" "${packages[@]}"
  need readelf "cross tools"
  need cargo "cross tools"
  local target
  for platform in "${platforms[@]}"; do
    target=$(rust_target "$platform")
    if ! rustup target list --installed 2>/dev/null | grep -x "$target" >/dev/null; then
      need rustup "cross tools"
      say "rustup target add $target"
      run_step "cross tools: rustup target add $target" "$cache/rustup-target.log" rustup target add "$target"
    fi
  done
}

# Running the arm64 binaries on this machine (testbed/tests/images.sh):
# qemu-user, invoked directly (no binfmt registration), and jq for the image
# configs.
install_qemu() {
  install_debian_packages "qemu" qemu-user-static jq
  need qemu-aarch64-static "qemu"
  need jq "qemu"
}

install_kubernetes() {
  start_build "$kube_dir" "kubernetes" "kubernetes $KUBERNETES_VERSION (control plane, kubelet, kube-proxy, kubectl)" go || return 0
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
  prints "$KUBERNETES_VERSION" "$kube_dir.partial/bin/kube-apiserver" --version ||
    fail "kubernetes: version check" "kube-apiserver --version does not print $KUBERNETES_VERSION"
  finish "$kube_dir"
}

install_etcd() {
  start_build "$etcd_dir" "etcd" "etcd $ETCD_VERSION" go || return 0
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
  start_build "$helm_dir" "helm" "helm $HELM_VERSION" go || return 0
  go_install helm "$helm_dir" "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  finish "$helm_dir"
}

# testbed/kstatus/: its go.mod and go.sum are in the repository, so the build
# resolves exactly those modules and writes nothing into the source tree.
install_kstatus() {
  # Before the stamp: harmless, since kstatus_key hashes go.mod.
  grep -qE "^[[:space:]]*sigs\.k8s\.io/cli-utils $CLI_UTILS_VERSION\$" "$here/kstatus/go.mod" ||
    fail "kstatus: go.mod" "testbed/kstatus/go.mod does not require sigs.k8s.io/cli-utils $CLI_UTILS_VERSION (versions.env)"
  start_build "$kstatus_dir" "kstatus" "kstatus $kstatus_key (sigs.k8s.io/cli-utils $CLI_UTILS_VERSION)" go || return 0
  mkdir -p "$kstatus_dir.partial/bin"
  run_step "kstatus: go build" "$kstatus_dir.partial/build.log" \
    bash -c "cd '$here/kstatus' && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags '-s -w' -o '$kstatus_dir.partial/bin/kstatus' ."
  finish "$kstatus_dir"
}

# Lua 5.1, the language of Argo CD's health checks (gopher-lua), for
# argocd/test.sh.
install_lua() {
  install_debian_packages "lua" lua5.1
  need lua5.1 "lua"
}

install_kafka() {
  start_build "$kafka_dir" "kafka" "kafka $KAFKA_VERSION (Maven Central)" mvn java || return 0
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

# The Kafka server callback handler that checks MSK IAM tokens (the broker's
# IAM listener, cluster.sh): its jar and the AWS SDK jars it needs, without
# what the broker already has (Kafka, slf4j, Jackson). Its tests run in make
# test (make test-msk-iam-auth), not here.
install_msk_iam_auth() {
  start_build "$msk_iam_dir" "msk-iam-auth" \
    "msk-iam-auth $msk_iam_key (AWS SDK for Java $AWS_SDK_JAVA_VERSION, Maven Central)" mvn java || return 0
  cp -r "$here/msk-iam-auth/pom.xml" "$here/msk-iam-auth/src" "$msk_iam_dir.partial/"
  run_step "msk-iam-auth: mvn package" "$msk_iam_dir.partial/mvn.log" \
    mvn -B -q -f "$msk_iam_dir.partial/pom.xml" -Dkafka.version="$KAFKA_VERSION" -Dawssdk.version="$AWS_SDK_JAVA_VERSION" \
    -Dmaven.test.skip=true package dependency:copy-dependencies \
    -DincludeScope=runtime -DexcludeGroupIds=org.slf4j -DoutputDirectory="$msk_iam_dir.partial/libs"
  cp "$msk_iam_dir.partial/target/msk-iam-auth-1.jar" "$msk_iam_dir.partial/libs/"
  rm -rf "$msk_iam_dir.partial/target" "$msk_iam_dir.partial/src"
  finish "$msk_iam_dir"
}

# install_pip_tool DIR NAME PIP-REQUIREMENTS ENTRYPOINT: a PyPI tool in its own
# venv (PIP-REQUIREMENTS: one or more, space-separated), with ENTRYPOINT
# linked into DIR/bin. A venv cannot be moved, so it is
# built in place; the .complete stamp, written last, marks it usable.
install_pip_tool() {
  local dir=$1 name=$2 requirement=$3 entrypoint=$4 requirements
  [ -f "$dir/.complete" ] && return 0
  read -ra requirements <<<"$requirement"
  need python3 "$name"
  say "$requirement (PyPI)"
  exec {build_lock}>"$dir.lock"
  flock "$build_lock"
  [ -f "$dir/.complete" ] && { exec {build_lock}>&-; return 0; }
  rm -rf "$dir" && mkdir -p "$dir/bin"
  run_step "$name: create venv" "$dir/venv.log" python3 -m venv "$dir/venv"
  run_step "$name: pip install" "$dir/pip.log" "$dir/venv/bin/pip" install --quiet "${requirements[@]}"
  ln -s "../venv/bin/$entrypoint" "$dir/bin/$entrypoint"
  touch "$dir/.complete"
  exec {build_lock}>&-
}

# pytest runs the tests of the moto extension (testbed/moto-ext) in moto's venv.
install_moto() { install_pip_tool "$moto_dir" moto "moto[server]==$MOTO_VERSION pytest==$PYTEST_VERSION" moto_server; }

# Debian packages for the node. `dpkg -s` first, so a second run costs
# nothing; apt-get only for what is missing. The installed versions are
# recorded in $cache/debian-packages.txt.
install_node_packages() {
  # shellcheck disable=SC2086 # a list of package names
  install_debian_packages "node packages" $NODE_DEBIAN_PACKAGES
  mkdir -p "$cache"
  local p rec
  rec=$(for p in $NODE_DEBIAN_PACKAGES; do printf '%s %s\n' "$p" "$(dpkg-query -W -f '${Version}' "$p")"; done)
  [ "$rec" = "$(cat "$cache/debian-packages.txt" 2>/dev/null)" ] || printf '%s\n' "$rec" >"$cache/debian-packages.txt"
  for p in containerd containerd-shim-runc-v2 runc ctr buildah iptables ipset; do need "$p" "node packages"; done
  for p in bridge host-local loopback portmap; do
    [ -x "/usr/lib/cni/$p" ] ||
      fail "node packages" "the CNI plugins bridge, host-local, loopback, portmap are not in /usr/lib/cni"
  done
}

install_coredns() {
  start_build "$coredns_dir" "coredns" "coredns $COREDNS_VERSION (cluster DNS plugins only)" go || return 0
  local src=$coredns_dir.partial/src
  mkdir -p "$src" "$coredns_dir.partial/bin"
  # A wrapper main with the plugins a cluster DNS needs: the stock build
  # links every cloud SDK (route53, azure, clouddns), several minutes of
  # compiling on these machines for nothing the test bed uses. CoreDNS's
  # go.mod has no replace directives; its directive order lives in
  # core/dnsserver, so any subset of plugins works.
  cat >"$src/main.go" <<'GO'
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/rewrite"
)

func main() { coremain.Run() }
GO
  printf 'module hello.dev/testbed/coredns\n\ngo 1.26\n\nrequire github.com/coredns/coredns %s\n' "$COREDNS_VERSION" >"$src/go.mod"
  # No `go mod tidy`: it would fetch the test dependencies of every package
  # (gigabytes); -mod=mod downloads only the modules the build imports.
  run_step "coredns: resolve modules" "$coredns_dir.partial/resolve.log" \
    bash -c "cd '$src' && go get github.com/coredns/coredns@$COREDNS_VERSION"
  run_step "coredns: go build" "$coredns_dir.partial/build.log" \
    bash -c "cd '$src' && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags '-s -w' -o '$coredns_dir.partial/bin/coredns' ."
  prints "${COREDNS_VERSION#v}" "$coredns_dir.partial/bin/coredns" -version ||
    fail "coredns: version check" "coredns -version does not print ${COREDNS_VERSION#v}"
  finish "$coredns_dir"
}

# kube-router, of which the node runs only the network policy controller
# (node.sh: --run-firewall; no router, no service proxy). Its go.mod has no
# replace directives, so `go install` builds the release's own module graph.
install_kube_router() {
  start_build "$kube_router_dir" "kube-router" "kube-router $KUBE_ROUTER_VERSION (network policy controller)" go || return 0
  local v=github.com/cloudnativelabs/kube-router/v2/pkg/version
  go_install kube-router "$kube_router_dir" "-s -w -X $v.Version=$KUBE_ROUTER_VERSION -X $v.BuildDate=1970-01-01T00:00:00Z" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"
  prints "version $KUBE_ROUTER_VERSION" "$kube_router_dir.partial/bin/kube-router" --version ||
    fail "kube-router: version check" "kube-router --version does not print $KUBE_ROUTER_VERSION"
  finish "$kube_router_dir"
}

# buildah on a private vfs store under DIR: no daemon, no registry, nothing
# left in /var/lib/containers.
buildah_in() {
  local dir=$1
  shift
  buildah --storage-driver vfs --root "$dir/root" --runroot "$dir/runroot" "$@"
}

# build_image STORE NAME ARCHIVE USER ENTRYPOINT-JSON FILE...: a FROM-scratch
# image holding FILE(s) in /, saved as a docker-archive tarball that `ctr
# images import` reads with its full name.
build_image() {
  local store=$1 name=$2 archive=$3 user=$4 entrypoint=$5 c f
  shift 5
  c=$(buildah_in "$store" from scratch)
  for f in "$@"; do buildah_in "$store" copy --chown 0:0 "$c" "$f" "/$(basename "$f")"; done
  buildah_in "$store" config --entrypoint "$entrypoint" --cmd '' --user "$user" \
    --os linux --arch amd64 --label org.opencontainers.image.source=hello-testbed "$c"
  buildah_in "$store" commit --format oci "$c" "$name"
  buildah_in "$store" push "$name" "docker-archive:$archive:$name"
  buildah_in "$store" rm "$c"
}

install_images() {
  [ -f "$images_dir/.complete" ] && return 0
  install_node_packages
  install_coredns
  start_build "$images_dir" "images" \
    "images $images_key: pause (gcc -static), probe (Go, CGO_ENABLED=0), coredns $COREDNS_VERSION" gcc go || return 0
  local d=$images_dir.partial
  mkdir -p "$d/bin" "$d/probe-src"
  run_step "images: gcc -static pause.c" "$d/pause-build.log" \
    gcc -static -Os -s -o "$d/bin/pause" "$here/images/pause/pause.c"
  cp "$here/images/probe/main.go" "$d/probe-src/"
  printf 'module hello.dev/testbed/probe\n\ngo 1.22\n' >"$d/probe-src/go.mod"
  run_step "images: go build probe" "$d/probe-build.log" \
    bash -c "cd '$d/probe-src' && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o '$d/bin/probe' ."
  cp "$coredns_dir/bin/coredns" "$d/bin/coredns"
  local f
  for f in pause probe coredns; do
    prints 'statically linked' file "$d/bin/$f" ||
      prints 'not a dynamic executable' ldd "$d/bin/$f" ||
      fail "images: $f" "$d/bin/$f is not a static binary"
  done
  local store=$d/buildah
  run_step "images: buildah pause" "$d/pause-image.log" \
    build_image "$store" "$image_prefix/pause:$images_key" "$d/pause.tar" 65535:65535 '["/pause"]' "$d/bin/pause"
  run_step "images: buildah probe" "$d/probe-image.log" \
    build_image "$store" "$image_prefix/probe:$images_key" "$d/probe.tar" 65532:65532 '["/probe"]' "$d/bin/probe"
  run_step "images: buildah coredns" "$d/coredns-image.log" \
    build_image "$store" "$image_prefix/coredns:$images_key" "$d/coredns.tar" 65532:65532 '["/coredns"]' "$d/bin/coredns"
  rm -rf "$store"
  finish "$images_dir"
}

print_images() {
  cat <<EOF
IMAGES_DIR=$images_dir
PAUSE_IMAGE=$image_prefix/pause:$images_key
PROBE_IMAGE=$image_prefix/probe:$images_key
COREDNS_IMAGE=$image_prefix/coredns:$images_key
EOF
}

install_terraform() {
  start_build "$terraform_dir" "terraform" "terraform $TERRAFORM_VERSION" go || return 0
  go_install terraform "$terraform_dir" "-s -w -X github.com/hashicorp/terraform/version.dev=no" \
    "github.com/hashicorp/terraform@$TERRAFORM_VERSION"
  # (dev=no: a release build, without the -dev suffix)
  # No checkpoint call (offline).
  CHECKPOINT_DISABLE=1 prints "^Terraform ${TERRAFORM_VERSION}\$" "$terraform_dir.partial/bin/terraform" version ||
    fail "terraform: version check" "terraform version does not print $TERRAFORM_VERSION"
  finish "$terraform_dir"
}

# The AWS provider as a filesystem mirror (unpacked layout), plus a CLI
# config that installs hashicorp/* from it and never asks the registry.
# Built from the module's real source with only the services in
# TF_AWS_PROVIDER_SERVICES (versions.env), the way the provider's own
# generators allow: every other service is marked `exclude = true` in
# names/data/names_data.hcl (the awsclient and namesconsts generators skip
# it), its internal/service/<name>/ is removed (the servicepackages
# generator lists the directories that exist), then `go generate` re-runs
# those three generators and `go build` builds what is left. See README
# (terraform-eks, checks) for its cost.
install_terraform_provider_aws() {
  start_build "$tf_aws_dir" "terraform-provider-aws" \
    "terraform-provider-aws $TF_AWS_PROVIDER_VERSION ($TF_AWS_PROVIDER_MODULE_VERSION), services: $TF_AWS_PROVIDER_SERVICES" go || return 0
  local partial=$tf_aws_dir.partial module_dir src goos goarch target keep
  run_step "terraform-provider-aws: go mod download" "$partial/download.log" \
    go mod download -json "github.com/hashicorp/terraform-provider-aws@$TF_AWS_PROVIDER_MODULE_VERSION"
  module_dir=$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' "$partial/download.log")
  [ -d "$module_dir/names/data" ] || fail "terraform-provider-aws: go mod download" "no module directory in $partial/download.log"
  src=$partial/src
  cp -r "$module_dir" "$src" && chmod -R u+w "$src"
  rm -rf "$src/website" "$src/docs" "$src/examples" "$src/infrastructure"
  # 1. names_data.hcl: `exclude = true` in each top-level service block
  #    that is in neither list (blocks that have it already keep theirs).
  keep=" $TF_AWS_PROVIDER_SERVICES $TF_AWS_PROVIDER_CLIENT_SERVICES "
  awk -v keep="$keep" '
    /^service "[^"]*" \{$/ { name = $2; gsub(/"/, "", name); inblock = 1; n = 0; has = 0 }
    inblock {
      buf[n++] = $0
      if ($0 ~ /^  exclude +=/) has = 1
      if ($0 == "}") {
        inblock = 0
        for (i = 0; i < n; i++) {
          print buf[i]
          if (i == 0 && !has && index(keep, " " name " ") == 0) print "  exclude = true"
        }
      }
      next
    }
    { print }' "$src/names/data/names_data.hcl" >"$partial/names_data.hcl"
  mv "$partial/names_data.hcl" "$src/names/data/names_data.hcl"
  local svc
  for svc in $TF_AWS_PROVIDER_SERVICES $TF_AWS_PROVIDER_CLIENT_SERVICES; do
    grep -q "^service \"$svc\" {" "$src/names/data/names_data.hcl" ||
      fail "terraform-provider-aws: services" "'$svc' (versions.env) is not a service in names/data/names_data.hcl"
  done
  # 2. Only the registered services keep their package. internal/embed.go
  #    embeds service/*/smarterr.hcl (error-message config, no code), so
  #    those files stay.
  local d
  for d in "$src"/internal/service/*/; do
    case " $TF_AWS_PROVIDER_SERVICES " in
      *" $(basename "$d") "*) ;;
      *) find "$d" -type f ! -name smarterr.hcl -delete && find "$d" -type d -empty -delete ;;
    esac
  done
  # 3. The generators, with the goimports they run (the x/tools version the
  #    provider's go.mod requires).
  local tools_version
  tools_version=$(sed -n 's/^\tgolang.org\/x\/tools \(v[^ ]*\).*/\1/p' "$src/go.mod")
  run_step "terraform-provider-aws: goimports" "$partial/goimports.log" \
    env GOBIN="$partial/tools" CGO_ENABLED=0 go install "golang.org/x/tools/cmd/goimports@$tools_version"
  run_step "terraform-provider-aws: go generate" "$partial/generate.log" \
    env PATH="$partial/tools:$PATH" bash -c "cd '$src' && go generate -run '/generate/' ./names ./internal/conns ./internal/provider/sdkv2"
  # 4. Build; its CPU time, wall time and peak RSS go to build-time.txt.
  goos=$(go env GOOS) goarch=$(go env GOARCH)
  target=$partial/mirror/registry.terraform.io/hashicorp/aws/$TF_AWS_PROVIDER_VERSION/${goos}_$goarch
  mkdir -p "$target"
  local timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -v -o "$partial/build-time.txt")
  # The default collector here: this build's largest processes pass 1 GiB
  # (3.5 GB peak), where the limit set above would collect without pause.
  run_step "terraform-provider-aws: go build" "$partial/build.log" \
    "${timer[@]}" env CGO_ENABLED=0 GOGC=100 GOMEMLIMIT=off bash -c "cd '$src' && go build -trimpath \
      -ldflags '-s -w -X github.com/hashicorp/terraform-provider-aws/version.ProviderVersion=$TF_AWS_PROVIDER_VERSION' \
      -o '$target/terraform-provider-aws_v${TF_AWS_PROVIDER_VERSION}_x5' ."
  # What was built from, for reading later; the 300 MB source goes.
  cp "$src/names/data/names_data.hcl" "$src/internal/provider/sdkv2/service_packages_gen.go" "$partial/"
  rm -rf "$src" "$partial/tools"
  # The final path, since the config is read after the rename below.
  cat >"$partial/terraformrc" <<CONF
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
  start_build "$tflint_dir" "tflint" "tflint $TFLINT_VERSION, tflint-ruleset-aws $TFLINT_RULESET_AWS_VERSION" go || return 0
  go_install tflint "$tflint_dir" "-s -w" "github.com/terraform-linters/tflint@$TFLINT_VERSION"
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

install_checkov() { install_pip_tool "$checkov_dir" checkov "checkov==$CHECKOV_VERSION" checkov; }

# kube-score (github.com/zegl/kube-score), for testbed/tests/scan.sh. The
# version is stamped as goreleaser does, so `kube-score version` names it.
install_kube_score() {
  start_build "$kube_score_dir" "kube-score" "kube-score $KUBE_SCORE_VERSION" go || return 0
  go_install kube-score "$kube_score_dir" "-s -w -X main.version=$KUBE_SCORE_VERSION" \
    "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"
  prints "^kube-score version: $KUBE_SCORE_VERSION," "$kube_score_dir.partial/bin/kube-score" version ||
    fail "kube-score: version check" "kube-score version does not print $KUBE_SCORE_VERSION"
  finish "$kube_score_dir"
}

# The images' SBOM tools (make up): cargo-cyclonedx (crates.io, its own
# Cargo.lock) writes them, oras (Go module proxy) attaches them.
install_sbom_tools() {
  start_build "$sbom_dir" "sbom tools" "cargo-cyclonedx $CARGO_CYCLONEDX_VERSION, oras $ORAS_VERSION" cargo go || return 0
  run_step "sbom tools: go install oras" "$sbom_dir.partial/oras.log" \
    env GOBIN="$sbom_dir.partial/bin" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
    "oras.land/oras/cmd/oras@$ORAS_VERSION"
  cargo_install "sbom tools" "$sbom_dir.partial" cargo-cyclonedx "$CARGO_CYCLONEDX_VERSION"
  prints "$CARGO_CYCLONEDX_VERSION" "$sbom_dir.partial/bin/cargo-cyclonedx" cyclonedx --version ||
    fail "sbom tools: version check" "cargo-cyclonedx does not print $CARGO_CYCLONEDX_VERSION"
  prints "${ORAS_VERSION#v}" "$sbom_dir.partial/bin/oras" version ||
    fail "sbom tools: version check" "oras version does not print $ORAS_VERSION"
  finish "$sbom_dir"
}

# The licence policy's checker (make test-images): cargo-deny, offline.
install_licence_tools() {
  start_build "$licence_dir" "licence tools" "cargo-deny $CARGO_DENY_VERSION" cargo || return 0
  cargo_install "licence tools" "$licence_dir.partial" cargo-deny "$CARGO_DENY_VERSION"
  prints "$CARGO_DENY_VERSION" "$licence_dir.partial/bin/cargo-deny" --version ||
    fail "licence tools: version check" "cargo-deny --version does not print $CARGO_DENY_VERSION"
  finish "$licence_dir"
}

# Without the crates' own release profile (cargo-deny's is fat LTO in one
# codegen unit): these tools run for seconds on small inputs, and the
# profile made cargo-deny alone 5.5 CPU-minutes of a cold make test.
# Profile settings from the environment override the manifest's.
cargo_install() { # WHAT ROOT CRATE VERSION: with the crate's own Cargo.lock
  run_step "$1: cargo install $3 $4" "$2/$3.log" \
    env CARGO_TARGET_DIR="$2/target" CARGO_PROFILE_RELEASE_LTO=off \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install --locked --quiet --root "$2" "$3@$4"
  rm -rf "$2/target"
}

case "${1:-all}" in
  --print-path) printf '%s\n' "$kube_dir/bin" "$etcd_dir/bin" "$helm_dir/bin" "$moto_dir/bin" "$kstatus_dir/bin" ;;
  --print-kstatus) printf '%s\n' "$kstatus_dir/bin/kstatus" ;;
  --print-kafka-dir) printf '%s\n' "$kafka_dir" ;;
  --print-msk-iam-libs) printf '%s\n' "$msk_iam_dir/libs" ;;
  --print-images) print_images ;;
  --print-coredns-dir) printf '%s\n' "$coredns_dir" ;;
  --print-kube-router) printf '%s\n' "$kube_router_dir/bin/kube-router" ;;
  --print-sbom-tools) printf '%s\n' "$sbom_dir/bin" ;;
  --print-licence-tools) printf '%s\n' "$licence_dir/bin" ;;
  sbom-tools) install_sbom_tools ;;
  licence-tools) install_licence_tools ;;
  node-packages) install_node_packages ;;
  image-tools) install_image_tools ;;
  cross-tools) install_cross_tools ;;
  qemu) install_qemu ;;
  lint-tools) install_debian_packages "lint tools" shellcheck; need shellcheck "lint tools" ;;
  coredns) install_coredns ;;
  kube-router) install_kube_router ;;
  images) install_images ;;
  node)
    install_node_packages
    install_coredns
    install_kube_router
    install_images
    ;;
  kubernetes) install_kubernetes ;;
  etcd) install_etcd ;;
  helm) install_helm ;;
  kstatus) install_kstatus ;;
  lua) install_lua ;;
  kafka) install_kafka ;;
  msk-iam-auth) install_msk_iam_auth ;;
  moto) install_moto ;;
  terraform) install_terraform ;;
  terraform-provider-aws) install_terraform_provider_aws ;;
  tflint) install_tflint ;;
  checkov) install_checkov ;;
  kube-score) install_kube_score ;;
  scanners)
    install_checkov
    install_kube_score
    ;;
  --print-scanners) printf '%s\n' "$checkov_dir/bin" "$kube_score_dir/bin" ;;
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
    install_msk_iam_auth
    install_moto
    install_helm
    install_kstatus
    install_etcd
    install_kubernetes
    ;;
  *) fail "arguments" "unknown tool '$1' (kubernetes|etcd|helm|kstatus|lua|kafka|msk-iam-auth|moto|all|node|node-packages|coredns|kube-router|images|terraform|terraform-provider-aws|tflint|checkov|kube-score|scanners|terraform-tools|image-tools|cross-tools|qemu|sbom-tools|licence-tools|lint-tools)" ;;
esac
