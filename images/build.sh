#!/usr/bin/env bash
# Builds what goes into the images, for each platform asked for, into
# OUT/<os>_<arch>/ (OUT/linux_amd64, OUT/linux_arm64):
#   bin/<package>            release binaries (glibc, dynamically linked)
#   libs/...                 exactly the shared libraries they load (libc,
#                            libm, libgcc_s, the dynamic loader), at the
#                            paths the loader looks in
#   etc/passwd, etc/group    the nonroot user and group, 65532
#   etc/ssl/certs/ca-certificates.crt   CA bundle (AWS APIs, MSK TLS)
# The Dockerfile's build stage runs it, and so does the Docker-less path on a
# host (buildah, testbed/product-images.sh), so both put the same files in
# the same images.
#   images/build.sh OUT [PACKAGE...]    default: hello-operator hello-api hello-consumer
#   HELLO_IMAGE_PLATFORMS=linux/amd64,linux/arm64   default: this machine's
# A platform other than the host's is cross-compiled with Debian's cross
# toolchain (gcc-aarch64-linux-gnu and friends, testbed/install.sh
# image-tools), the C parts (aws-lc, OpenSSL, librdkafka) included, and never
# emulated. All platforms build in one cargo invocation, so the build
# scripts and proc macros, which run on the host, are compiled once.
# Why glibc and not a static musl build: with Kafka on, hello-api allocates
# in the request threads and frees in librdkafka's threads, and musl's
# allocator serialises that (about a fifth fewer requests/s; see the README).
# The images carry the C runtime of the build (the host's glibc, or the cross
# sysroot's, the same Debian release), so the node's does not matter.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:?usage: images/build.sh OUT [PACKAGE...]}
shift
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(hello-operator hello-api hello-consumer)
# shellcheck source=images/platforms.sh
. "$here/platforms.sh"
IFS=, read -r -a platforms <<<"${HELLO_IMAGE_PLATFORMS:-$(host_platform)}"

args=() cargo_targets=()
for p in "${packages[@]}"; do args+=(-p "$p"); done
for platform in "${platforms[@]}"; do
  target=$(rust_target "$platform")
  cargo_targets+=(--target "$target")
  [ "$target" = "$(rust_target "$(host_platform)")" ] && continue
  # Cross: rustc links with the cross gcc, cc-rs finds <triple>-gcc by
  # itself (aws-lc, OpenSSL, zlib), and librdkafka's configure, which runs
  # plain gcc, g++ and ar, finds them in images/target-tools, whose wrappers
  # pick the cross tool from cargo's $TARGET.
  triple=$(gnu_triple "$platform")
  var=${target//-/_}
  export "CARGO_TARGET_${var^^}_LINKER=$triple-gcc"
  export "CC_$var=$triple-gcc" "CXX_$var=$triple-g++" "AR_$var=$triple-ar"
  export PATH="$here/target-tools:$PATH"
done
# The target directory may be shared by clones (the test bed's image-target
# cache). Cargo's fingerprint of a workspace crate does not include the
# clone's path, so another clone's build of different sources would look
# fresh: the workspace's own crates are always compiled from this clone.
(cd "$repo" && cargo clean --release "${cargo_targets[@]}" -p hello-crds -p hello-kafka -p hello-process "${args[@]}")
(cd "$repo" && cargo build --release --locked "${cargo_targets[@]}" "${args[@]}")

# The only libraries an image may hold: the C runtime. Anything else a
# binary needs (a system OpenSSL, say) is a build mistake, refused here.
allowed='^(libc|libm|libgcc_s|ld-linux-[a-z0-9_-]+)\.so\.[0-9]+$'
for platform in "${platforms[@]}"; do
  target=$(rust_target "$platform")
  dest=$out/${platform//\//_}
  sysroot=$(sysroot_libs "$platform")
  multiarch=$(gnu_triple "$platform")
  mkdir -p "$dest/bin" "$dest/libs" "$dest/etc/ssl/certs"
  for p in "${packages[@]}"; do
    bin=${CARGO_TARGET_DIR:-$repo/target}/$target/release/$p
    install -m 0755 "$bin" "$dest/bin/$p"
    # The loader at the path the binary names, the libraries (and theirs)
    # in the multiarch directory that Debian's loader searches.
    interp=$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
    [ -n "$interp" ] || continue
    mkdir -p "$dest/libs$(dirname "$interp")" "$dest/libs/lib/$multiarch"
    cp -L "$sysroot/$(basename "$interp")" "$dest/libs$interp"
    pending=("$bin")
    while [ ${#pending[@]} -gt 0 ]; do
      file=${pending[0]}
      pending=("${pending[@]:1}")
      while read -r name; do
        if ! [[ $name =~ $allowed ]]; then
          echo "images/build.sh: $p ($platform) needs $name; only the C runtime may be in an image" >&2
          exit 1
        fi
        [ "$name" != "$(basename "$interp")" ] || continue
        [ -f "$dest/libs/lib/$multiarch/$name" ] && continue
        cp -L "$sysroot/$name" "$dest/libs/lib/$multiarch/$name"
        pending+=("$sysroot/$name")
      done < <(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
    done
  done
  printf 'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n' >"$dest/etc/passwd"
  printf 'nonroot:x:65532:\n' >"$dest/etc/group"
  install -m 0644 /etc/ssl/certs/ca-certificates.crt "$dest/etc/ssl/certs/ca-certificates.crt"
  ls -l "$dest/bin"
done
