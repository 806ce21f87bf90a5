#!/usr/bin/env bash
# Builds what goes into the images, into OUT, for this machine's architecture:
#   OUT/bin/<package>            static (musl) release binaries
#   OUT/etc/passwd, OUT/etc/group   the nonroot user and group, 65532
#   OUT/etc/ssl/certs/ca-certificates.crt   CA bundle (AWS APIs, MSK TLS)
# The Dockerfile's build stage runs it, and so does the Docker-less path on a
# host (buildah, issue #7), so both put the same files in the same images.
#   images/build.sh OUT [PACKAGE...]    default: hello-operator hello-api hello-consumer
# Needs: rustup's <arch>-unknown-linux-musl target and musl-gcc (Debian:
# musl-tools). HELLO_IMAGE_TARGET overrides the Rust target.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: images/build.sh OUT [PACKAGE...]}
shift
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(hello-operator hello-api hello-consumer)
target=${HELLO_IMAGE_TARGET:-$(uname -m)-unknown-linux-musl}
target_env=${target//-/_}
# musl-gcc for the C parts (aws-lc, OpenSSL, librdkafka), unless set already.
cc_var=CC_$target_env
export "$cc_var=${!cc_var:-musl-gcc}"
args=()
for p in "${packages[@]}"; do args+=(-p "$p"); done
(cd "$repo" && cargo build --release --locked --target "$target" "${args[@]}")

mkdir -p "$out/bin" "$out/etc/ssl/certs"
for p in "${packages[@]}"; do
  bin=${CARGO_TARGET_DIR:-$repo/target}/$target/release/$p
  # A dynamic binary would not start on scratch: refuse it here.
  if readelf -d "$bin" 2>/dev/null | grep -q NEEDED; then
    echo "images/build.sh: $p is dynamically linked:" >&2
    readelf -d "$bin" | grep NEEDED >&2
    exit 1
  fi
  install -m 0755 "$bin" "$out/bin/$p"
done
printf 'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n' >"$out/etc/passwd"
printf 'nonroot:x:65532:\n' >"$out/etc/group"
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/ca-certificates.crt"
ls -l "$out/bin"
