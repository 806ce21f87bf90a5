#!/usr/bin/env bash
# Builds what goes into the images, into OUT, for this machine's architecture:
#   OUT/bin/<package>            release binaries (glibc, dynamically linked)
#   OUT/libs/...                 exactly the shared libraries they load (libc,
#                                libm, libgcc_s, the dynamic loader), at the
#                                paths the loader looks in
#   OUT/etc/passwd, OUT/etc/group   the nonroot user and group, 65532
#   OUT/etc/ssl/certs/ca-certificates.crt   CA bundle (AWS APIs, MSK TLS)
# The Dockerfile's build stage runs it, and so does the Docker-less path on a
# host (buildah, issue #7), so both put the same files in the same images.
#   images/build.sh OUT [PACKAGE...]    default: hello-operator hello-api hello-consumer
# Why glibc and not a static musl build: with Kafka on, hello-api allocates
# in the request threads and frees in librdkafka's threads, and musl's
# allocator serialises that (about a fifth fewer requests/s; see the README).
# The images carry the build host's glibc, so the node's does not matter.
# HELLO_IMAGE_TARGET overrides the Rust target (a *-musl target gives static
# binaries and no OUT/libs).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: images/build.sh OUT [PACKAGE...]}
shift
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(hello-operator hello-api hello-consumer)
target=${HELLO_IMAGE_TARGET:-$(uname -m)-unknown-linux-gnu}
if [[ $target == *-musl ]]; then
  # musl-gcc for the C parts (aws-lc, OpenSSL, librdkafka), unless set already.
  cc_var=CC_${target//-/_}
  export "$cc_var=${!cc_var:-musl-gcc}"
fi
args=()
for p in "${packages[@]}"; do args+=(-p "$p"); done
# The target directory may be shared by clones (the test bed's image-target
# cache). Cargo's fingerprint of a workspace crate does not include the
# clone's path, so another clone's build of different sources would look
# fresh: the workspace's own crates are always compiled from this clone.
(cd "$repo" && cargo clean --release --target "$target" -p hello-crds -p hello-kafka -p hello-process "${args[@]}")
(cd "$repo" && cargo build --release --locked --target "$target" "${args[@]}")

# The only libraries an image may hold: the C runtime. Anything else a
# binary needs (a system OpenSSL, say) is a build mistake, refused here.
allowed='^(libc|libm|libgcc_s|ld-linux-[a-z0-9_-]+)\.so\.[0-9]+$'
mkdir -p "$out/bin" "$out/etc/ssl/certs"
for p in "${packages[@]}"; do
  bin=${CARGO_TARGET_DIR:-$repo/target}/$target/release/$p
  install -m 0755 "$bin" "$out/bin/$p"
  readelf -d "$bin" | grep -q NEEDED || continue
  # ldd prints "name => /path (addr)" and the loader as "/path (addr)".
  while read -r lib; do
    name=$(basename "$lib")
    if ! [[ $name =~ $allowed ]]; then
      echo "images/build.sh: $p needs $lib; only the C runtime may be in an image" >&2
      exit 1
    fi
    mkdir -p "$out/libs$(dirname "$lib")"
    cp -L "$lib" "$out/libs$lib"
  done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}')
done
[ -d "$out/libs" ] || mkdir -p "$out/libs"
printf 'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n' >"$out/etc/passwd"
printf 'nonroot:x:65532:\n' >"$out/etc/group"
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/ca-certificates.crt"
ls -l "$out/bin"
