#!/usr/bin/env bash
# The product's images, hello-operator, hello-api and hello-consumer, built
# on this machine without a registry and imported into the test bed's node.
#
#   testbed/product-images.sh build    release binaries (images/build.sh),
#                                      then `buildah bud` of each target of
#                                      images/Dockerfile (ROOTFS=prebuilt), saved
#                                      as docker-archive tarballs
#   testbed/product-images.sh import   those archives into the node's containerd
#                                      (cluster.sh import), unless already there
#   testbed/product-images.sh --print  shell lines: HELLO_IMAGE_TAG, the names
#
# The tag is a hash of everything that goes into the binaries (the workspace's
# sources, Cargo.lock, images/, rustc's version): unchanged sources mean the
# same tag, an archive already in the cache and an image already in
# containerd, so a second `make up` builds and imports nothing. The archives
# live in $HELLO_TESTBED_CACHE/product-images-<tag>/ (only the newest is kept);
# cargo builds them in $HELLO_TESTBED_CACHE/image-target (HELLO_IMAGES_TARGET_DIR
# overrides it), shared by every clone on the machine, the way a CI cache
# would be: only the first build compiles aws-lc, librdkafka and the other
# dependencies (~23 min); a later one with changed sources recompiles only
# the workspace's crates.
# HELLO_IMAGES_ROOTFS=DIR takes images/build.sh's output from DIR instead of
# building it (a build of the same sources made elsewhere; not checked).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${HELLO_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hello-testbed}
prefix=localhost/hello
packages=(hello-operator hello-api hello-consumer)

step() { printf '==> product images: %s\n' "$*" >&2; }
fail() {
  printf '\nproduct images FAILED at step "%s": %s\n' "$1" "$2" >&2
  [ -n "${3:-}" ] && [ -f "$3" ] && { printf -- '--- last lines of %s ---\n' "$3" >&2; tail -n 30 "$3" >&2; }
  exit 1
}

# Every file cargo and the Dockerfile read for the three binaries, tracked or
# new (not ignored), by content; plus the compiler.
source_key() {
  (
    cd "$repo"
    git ls-files -z --cached --others --exclude-standard -- \
      Cargo.toml Cargo.lock .cargo rust-toolchain rust-toolchain.toml crds operator api kafka-client process consumer images |
      sort -z | xargs -0 -r sha256sum
    rustc -V
  ) | sha256sum | cut -c1-12
}

key=${HELLO_IMAGE_TAG:-$(source_key)}
target_dir=${HELLO_IMAGES_TARGET_DIR:-$cache/image-target}
dir=$cache/product-images-$key

print() {
  echo "HELLO_IMAGE_TAG=$key"
  echo "HELLO_IMAGES_DIR=$dir"
  local p
  for p in "${packages[@]}"; do
    printf '%s_IMAGE=%s/%s:%s\n' "$(tr a-z- A-Z_ <<<"${p#hello-}")" "$prefix" "$p" "$key"
  done
}

buildah_() { buildah --storage-driver vfs --root "$dir.partial/buildah/root" --runroot "$dir.partial/buildah/runroot" "$@"; }

build() {
  # One build at a time on the machine (each removes the older sets): a
  # second waits, then finds the set built (make test starts one early,
  # testbed/ci-tiers.sh).
  mkdir -p "$cache"
  exec {lock}>"$cache/product-images.lock"
  flock "$lock"
  if [ -f "$dir/.complete" ]; then
    step "images $key are built ($dir)"
    return 0
  fi
  "$here/install.sh" image-tools || fail "image tools" "testbed/install.sh image-tools failed"
  rm -rf "$dir.partial" && mkdir -p "$dir.partial"
  local log=$dir.partial/build.log start=$SECONDS
  if [ -n "${HELLO_IMAGES_ROOTFS:-}" ]; then
    step "binaries from HELLO_IMAGES_ROOTFS=$HELLO_IMAGES_ROOTFS"
    cp -a "$HELLO_IMAGES_ROOTFS" "$dir.partial/rootfs"
  else
    step "release binaries: images/build.sh (cargo build --release in $target_dir; the first build takes 20-40 min, log $log)"
    (cd "$repo" && CARGO_TARGET_DIR=$target_dir images/build.sh "$dir.partial/rootfs") >"$log" 2>&1 ||
      fail "build binaries (images/build.sh)" "the release build failed; its log is $log" "$log"
    step "binaries built in $((SECONDS - start)) s"
  fi
  local p
  for p in "${packages[@]}"; do
    step "buildah bud --target $p -> $prefix/$p:$key"
    {
      buildah_ bud --isolation chroot -f "$repo/images/Dockerfile" --build-arg ROOTFS=prebuilt --target "$p" \
        --layers=false -t "$prefix/$p:$key" "$dir.partial/rootfs" &&
        buildah_ push "$prefix/$p:$key" "docker-archive:$dir.partial/$p.tar:$prefix/$p:$key"
    } >"$dir.partial/$p-image.log" 2>&1 ||
      fail "build image $p (buildah)" "buildah bud or push failed; its log is $dir.partial/$p-image.log" "$dir.partial/$p-image.log"
  done
  # The vfs store and the rootfs copy are not needed once the archives exist.
  buildah_ rm --all >/dev/null 2>&1 || true
  rm -rf "$dir.partial/buildah" "$dir.partial/rootfs"
  touch "$dir.partial/.complete"
  # Only the newest set is kept: each is ~60 MB.
  local old
  for old in "$cache"/product-images-*; do
    [ "$old" = "$dir.partial" ] || [ "$old" = "$dir" ] || rm -rf "$old"
  done
  rm -rf "$dir" && mv "$dir.partial" "$dir"
  step "images $key built in $((SECONDS - start)) s ($dir)"
}

import() {
  [ -f "$dir/.complete" ] || fail "import images" "the images $key are not built: testbed/product-images.sh build"
  local work=${HELLO_TESTBED_DIR:-$repo/.testbed} p have missing=()
  [ -f "$work/env" ] || fail "import images" "no test bed at $work (testbed/cluster.sh up --node)"
  have=$(
    # shellcheck source=/dev/null # written at run time
    . "$work/env"
    [ -n "${CONTAINERD_ADDRESS:-}" ] || exit 3
    ctr images ls -q 2>/dev/null
  ) || fail "import images" "the test bed at $work has no node (testbed/cluster.sh up --node)"
  for p in "${packages[@]}"; do
    grep -xF "$prefix/$p:$key" >/dev/null <<<"$have" || missing+=("$dir/$p.tar")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    step "containerd has the images $key"
    return 0
  fi
  step "importing ${#missing[@]} image(s) into the node's containerd"
  "$here/cluster.sh" import "${missing[@]}" ||
    fail "import images" "cluster.sh import failed; see $work/logs/images.log and $work/logs/containerd.log" "$work/logs/images.log"
}

case "${1:-}" in
  build) build ;;
  import) import ;;
  --print) print ;;
  *)
    echo "usage: $0 build|import|--print" >&2
    exit 2
    ;;
esac
