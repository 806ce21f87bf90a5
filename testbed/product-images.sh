#!/usr/bin/env bash
# The product's images, hello-operator, hello-api and hello-consumer, built
# on this machine for one or more platforms and pushed to the test bed's
# registry as OCI image indexes, the way a release pushes them to ECR.
#
#   testbed/product-images.sh build [PLATFORMS]
#                                      release binaries (images/build.sh, one
#                                      cargo invocation for every platform),
#                                      then `buildah bud` of each target of
#                                      images/Dockerfile (ROOTFS=prebuilt) per
#                                      platform, saved as OCI archives
#   testbed/product-images.sh push     to the test bed's registry
#                                      ($HELLO_TESTBED_REGISTRY, TLS, its CA):
#                                      per image an index of the platforms
#                                      built, and each platform's SBOM as an
#                                      artifact referring to its image (oras);
#                                      nothing that the registry holds already
#   testbed/product-images.sh --print  shell lines: HELLO_IMAGE_TAG, the
#                                      names and, once pushed, the digests
#
# HELLO_IMAGE_PLATFORMS (default: this machine's, e.g. linux/amd64) lists the
# platforms; `make images` asks for linux/amd64,linux/arm64. A platform other
# than the host's is cross-compiled (images/build.sh), never emulated.
#
# The tag is a hash of everything that goes into the binaries (the workspace's
# sources, Cargo.lock, images/, rustc's version): unchanged sources mean the
# same tag, images already in the cache and indexes already in the registry,
# so a second `make up` builds, pushes and pulls nothing. The images live in
# $HELLO_TESTBED_CACHE/product-images-<tag>/<os>_<arch>/ (only the newest
# tag is kept), with the binaries they hold (rootfs/, for the arm64 checks
# under qemu, testbed/tests/images.sh). Cargo builds in
# $HELLO_TESTBED_CACHE/image-target (HELLO_IMAGES_TARGET_DIR overrides it),
# shared by every clone on the machine, the way a CI cache would be: only the
# first build compiles aws-lc, librdkafka and the other dependencies; a later
# one with changed sources recompiles only the workspace's crates.
# Each image's SBOM (CycloneDX JSON: cargo-cyclonedx's list of the crates in
# its binary, plus the C libraries they vendor, images/sbom.py) is written
# beside it as <package>.cdx.json.
# HELLO_IMAGES_ROOTFS=DIR takes images/build.sh's output from DIR instead of
# building it (a build of the same sources made elsewhere; not checked).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${HELLO_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hello-testbed}
packages=(hello-operator hello-api hello-consumer)
# shellcheck source=images/platforms.sh
. "$repo/images/platforms.sh"
IFS=, read -r -a platforms <<<"${HELLO_IMAGE_PLATFORMS:-$(host_platform)}"

script_name="product images"
# shellcheck source=lib.sh
. "$here/lib.sh"

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
registry=${HELLO_TESTBED_REGISTRY:-}
prefix=${registry:-localhost}/hello

platform_dir() { echo "$dir/${1//\//_}"; }

# The OCI labels of every image (version and licence from Cargo.toml).
labels() {
  local version source revision
  version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml")
  source=$(sed -n '/^\[workspace.package\]/,/^\[/s/^repository = "\(.*\)"/\1/p' "$repo/Cargo.toml")
  revision=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
  [ -z "$(git -C "$repo" status --porcelain 2>/dev/null)" ] || revision=$revision-dirty
  printf '%s\n' --label "org.opencontainers.image.source=$source" --label "org.opencontainers.image.revision=$revision" \
    --label "org.opencontainers.image.version=$version" \
    --label "org.opencontainers.image.licenses=$(sed -n '/^\[workspace.package\]/,/^\[/s/^license = "\(.*\)"/\1/p' "$repo/Cargo.toml")"
}

print() {
  echo "HELLO_IMAGE_TAG=$key"
  echo "HELLO_IMAGES_DIR=$dir"
  local p var digest
  for p in "${packages[@]}"; do
    var=$(tr a-z- A-Z_ <<<"${p#hello-}")
    printf '%s_IMAGE=%s/%s:%s\n' "$var" "$prefix" "$p" "$key"
    if [ -n "$registry" ] && digest=$(index_digest "$p" 2>/dev/null); then
      printf '%s_DIGEST=%s\n' "$var" "$digest"
    fi
  done
}

# missing_platforms: those of $platforms whose images are not built yet.
missing_platforms() {
  local platform
  for platform in "${platforms[@]}"; do
    [ -f "$(platform_dir "$platform")/.complete" ] || echo "$platform"
  done
}

build() {
  # Built already: no lock, so a build of other platforms running meanwhile
  # (make test's early arm64 build) does not hold up a make up that needs
  # only the host's images. A platform's directory is complete once its
  # stamp is there, and never written again under that key.
  local missing=()
  mapfile -t missing < <(missing_platforms)
  if [ ${#missing[@]} -eq 0 ]; then
    say "images $key (${platforms[*]}) are built ($dir)"
    return 0
  fi
  # One build at a time on the machine (each removes the older sets): a
  # second waits, then finds what it needs built (make test starts them
  # early, testbed/ci-tiers.sh).
  mkdir -p "$cache"
  exec {lock}>"$cache/product-images.lock"
  flock "$lock"
  mapfile -t missing < <(missing_platforms)
  if [ ${#missing[@]} -eq 0 ]; then
    say "images $key (${platforms[*]}) are built ($dir)"
    return 0
  fi
  local wanted
  wanted=$(IFS=,; echo "${missing[*]}")
  HELLO_IMAGE_PLATFORMS=$wanted "$here/install.sh" cross-tools || fail "cross tools" "testbed/install.sh cross-tools failed"
  # What packs the images (Debian's buildah and skopeo) and the SBOM tools
  # install beside the release build, which needs neither: on a new machine
  # that build is make up's longest step, and its fat LTO links leave a core
  # idle for minutes.
  "$here/install.sh" image-tools >"$cache/product-images-image-tools.log" 2>&1 &
  local image_tools_pid=$!
  "$here/install.sh" sbom-tools >"$cache/product-images-sbom-tools.log" 2>&1 &
  local sbom_tools_pid=$!
  # Older sets go first: each is ~100 MB per platform.
  local old
  for old in "$cache"/product-images-*; do
    [ "$old" = "$dir" ] || rm -rf "$old"
  done
  local work=$dir/build.partial start=$SECONDS
  rm -rf "$work" && mkdir -p "$work"
  local log=$work/build.log
  if [ -n "${HELLO_IMAGES_ROOTFS:-}" ]; then
    say "binaries from HELLO_IMAGES_ROOTFS=$HELLO_IMAGES_ROOTFS"
    cp -a "$HELLO_IMAGES_ROOTFS/." "$work/rootfs"
  else
    say "release binaries for $wanted: images/build.sh (cargo build --release in $target_dir; the first build takes 20-40 min, log $log)"
    (cd "$repo" && CARGO_TARGET_DIR=$target_dir HELLO_IMAGE_PLATFORMS=$wanted images/build.sh "$work/rootfs") >"$log" 2>&1 ||
      fail "build binaries (images/build.sh)" "the release build failed; its log is $log" "$log"
    say "binaries built in $((SECONDS - start)) s"
    # An edit during the build went into some crates and not others: these
    # binaries match neither key, so they must not be kept under either.
    if [ -z "${HELLO_IMAGE_TAG:-}" ] && [ "$(source_key)" != "$key" ]; then
      rm -rf "$work"
      fail "build binaries (images/build.sh)" "the sources changed during the release build (key $key at its start, $(source_key) now); nothing was kept: run it again"
    fi
  fi
  wait "$image_tools_pid" ||
    fail "image tools" "testbed/install.sh image-tools failed; its output is $cache/product-images-image-tools.log" "$cache/product-images-image-tools.log"
  wait "$sbom_tools_pid" ||
    fail "SBOM tools" "testbed/install.sh sbom-tools failed; its output is $cache/product-images-sbom-tools.log" "$cache/product-images-sbom-tools.log"
  local -a label_args
  mapfile -t label_args < <(labels)
  local p pdir rootfs platform
  for platform in "${missing[@]}"; do
    pdir=$(platform_dir "$platform")
    rootfs=$work/rootfs/${platform//\//_}
    rm -rf "$pdir.partial" && mkdir -p "$pdir.partial"
    for p in "${packages[@]}"; do
      say "buildah bud --platform $platform --target $p"
      {
        # --timestamp 0: the same binaries give the same image digest.
        buildah_ bud --isolation chroot --platform "$platform" --format oci --timestamp 0 \
          -f "$repo/images/Dockerfile" --build-arg ROOTFS=prebuilt --target "$p" --layers=false \
          "${label_args[@]}" -t "localhost/hello/$p:$key" "$rootfs" &&
          buildah_ push "localhost/hello/$p:$key" "oci-archive:$pdir.partial/$p.tar"
      } >"$pdir.partial/$p-image.log" 2>&1 ||
        fail "build image $p for $platform (buildah)" "buildah bud or push failed; its log is $pdir.partial/$p-image.log" "$pdir.partial/$p-image.log"
      buildah_ rmi --all >/dev/null 2>&1 || true
    done
    mv "$rootfs" "$pdir.partial/rootfs"
    sboms "$platform" "$pdir.partial" || fail "SBOMs for $platform" "cargo cyclonedx or images/sbom.py failed; its log is $pdir.partial/sbom.log" "$pdir.partial/sbom.log"
    touch "$pdir.partial/.complete"
    rm -rf "$pdir" && mv "$pdir.partial" "$pdir"
  done
  rm -rf "$work" "$dir/buildah"
  say "images $key ($wanted) built in $((SECONDS - start)) s ($dir)"
}

sbom_tools=$("$here/install.sh" --print-sbom-tools)

# sboms PLATFORM DIR: DIR/<package>.cdx.json for each binary, for PLATFORM's
# Rust target (dependencies can differ by target), without build-time
# dependencies (they are not in the binary; images/sbom.py adds the C code
# that build scripts compile in).
sboms() {
  local platform=$1 out=$2 p
  {
    # cargo-cyclonedx writes <package>/<binary>_bin.cdx.json for every
    # binary of the workspace (ignored by git, moved out at once).
    (cd "$repo" && cargo metadata --format-version 1 --locked >"$out/metadata.json") &&
      (cd "$repo" && PATH=$sbom_tools:$PATH cargo cyclonedx --format json --spec-version 1.5 \
        --describe binaries --no-build-deps --target "$(rust_target "$platform")") || return 1
    for p in "${packages[@]}"; do
      mv "$repo/${p#hello-}/${p}_bin.cdx.json" "$out/$p.cdx.json" &&
        python3 "$repo/images/sbom.py" vendored "$out/$p.cdx.json" "$out/metadata.json" || return 1
    done
    rm -f "$out/metadata.json"
  } >"$out/sbom.log" 2>&1
}

# attach_sboms PACKAGE: each platform's SBOM, as an OCI artifact whose
# subject is that platform's image manifest (oras attach; the registry has
# no referrers API, so oras keeps the referrers index under the tag
# sha256-<digest>, the OCI 1.1 fallback), unless one is there already.
sbom_type=application/vnd.cyclonedx+json
attach_sboms() {
  local p=$1 certs raw platform digest ref
  certs=$(cert_dir)
  raw=$(skopeo inspect --raw --cert-dir "$certs" "docker://$prefix/$p:$key") || return 1
  while read -r platform digest; do
    [ -f "$(platform_dir "$platform")/$p.cdx.json" ] || continue
    ref=$prefix/$p@$digest
    if "$sbom_tools/oras" discover --ca-file "$certs/ca.crt" --distribution-spec v1.1-referrers-tag \
      --artifact-type "$sbom_type" --format json "$ref" | jq -e '(.manifests // .referrers // []) | length > 0' >/dev/null; then
      continue
    fi
    say "attaching the SBOM of $p ($platform) to $ref"
    (cd "$(platform_dir "$platform")" && "$sbom_tools/oras" attach --ca-file "$certs/ca.crt" \
      --distribution-spec v1.1-referrers-tag --artifact-type "$sbom_type" "$ref" "$p.cdx.json:$sbom_type") || return 1
  done < <(jq -r '.manifests[] | .platform.os + "/" + .platform.architecture + " " + .digest' <<<"$raw")
}

buildah_() { buildah --storage-driver vfs --root "$dir/buildah/root" --runroot "$dir/buildah/runroot" "$@"; }

# skopeo and buildah read the registry's CA from a directory of *.crt files.
cert_dir() {
  [ -n "$registry" ] || fail "registry" "HELLO_TESTBED_REGISTRY is not set: start the test bed with its node (testbed/cluster.sh up --node) and source its env"
  mkdir -p "$dir/certs"
  cp "${HELLO_TESTBED_REGISTRY_CA:?HELLO_TESTBED_REGISTRY_CA is not set}" "$dir/certs/ca.crt"
  echo "$dir/certs"
}

# The digest of an image's index in the registry (sha256 of its bytes).
index_digest() {
  local raw
  raw=$(skopeo inspect --raw --cert-dir "$(cert_dir)" "docker://$prefix/$1:$key") || return 1
  echo "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)"
}

# The platforms an image's index in the registry holds, one per line.
# None when the registry does not hold it.
index_platforms() {
  local raw
  raw=$(skopeo inspect --raw --cert-dir "$(cert_dir)" "docker://$prefix/$1:$key" 2>/dev/null) || return 0
  printf '%s' "$raw" | python3 -c 'import json, sys
m = json.load(sys.stdin)
for d in m.get("manifests", []):
    print(d["platform"]["os"] + "/" + d["platform"]["architecture"])'
}

push() {
  local certs platform p have
  certs=$(cert_dir)
  # Its own lock: one push at a time, but not behind a build of other
  # platforms (the images it pushes are complete, see build).
  exec {lock}>"$cache/product-images-push.lock"
  flock "$lock"
  for platform in "${platforms[@]}"; do
    [ -f "$(platform_dir "$platform")/.complete" ] ||
      fail "push images" "the images $key for $platform are not built: HELLO_IMAGE_PLATFORMS=$platform testbed/product-images.sh build"
  done
  curl -fsS --max-time 5 --cacert "$certs/ca.crt" "https://$registry/v2/" >/dev/null ||
    fail "push images" "the registry https://$registry does not answer (testbed/cluster.sh up --node starts it; its log is \$HELLO_TESTBED_DIR/logs/registry.log)"
  for p in "${packages[@]}"; do
    have=$(index_platforms "$p" || true)
    local absent=0
    for platform in "${platforms[@]}"; do
      grep -qxF "$platform" <<<"$have" || absent=1
    done
    if [ "$absent" = 0 ]; then
      say "$prefix/$p:$key holds ${platforms[*]} already"
      continue
    fi
    # An index of every platform built (and asked for), the host's first.
    say "pushing $prefix/$p:$key (${platforms[*]})"
    local log=$dir/push-$p.log
    {
      buildah_ manifest rm "localhost/hello/$p-index:$key" 2>/dev/null || true
      buildah_ manifest create "localhost/hello/$p-index:$key" &&
        for platform in "${platforms[@]}"; do
          buildah_ manifest add "localhost/hello/$p-index:$key" "oci-archive:$(platform_dir "$platform")/$p.tar" || exit 1
        done &&
        buildah_ manifest push --all --format oci --cert-dir "$certs" "localhost/hello/$p-index:$key" "docker://$prefix/$p:$key" &&
        buildah_ manifest rm "localhost/hello/$p-index:$key"
    } >"$log" 2>&1 || fail "push image $p" "buildah manifest push to $registry failed; its log is $log" "$log"
  done
  for p in "${packages[@]}"; do
    attach_sboms "$p" >>"$dir/push-sbom.log" 2>&1 || fail "attach SBOM of $p" "oras attach failed; its log is $dir/push-sbom.log" "$dir/push-sbom.log"
  done
  rm -rf "$dir/buildah"
}

case "${1:-}" in
  build)
    # PLATFORMS as an argument: for callers that cannot set the
    # environment (testbed/ci-tiers.sh's early builds).
    [ -z "${2:-}" ] || IFS=, read -r -a platforms <<<"$2"
    build
    ;;
  push) push ;;
  --print) print ;;
  *)
    echo "usage: $0 build [PLATFORMS]|push|--print" >&2
    exit 2
    ;;
esac
