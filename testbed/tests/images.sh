#!/usr/bin/env bash
# The images tier (make test-images): the product's images for linux/amd64
# and linux/arm64, as testbed/product-images.sh builds them (the arm64
# binaries cross-compiled), and the arm64 binaries run under qemu-user
# (Debian's qemu-user-static, invoked directly: no binfmt registration, so
# nothing on the machine changes), against the test bed (with-testbed.sh:
# Kafka on loopback).
#   - each image is an OCI image for its platform, with the OCI labels
#   - the arm64 binaries are AArch64 ELF files that load only the C runtime
#     of their image
#   - arm64 and amd64 report the same --version; the arm64 `hello-operator
#     crd` prints the amd64 one's CRD byte for byte
#   - the arm64 hello-api serves /hello and /current_time?name=X, refuses
#     name=X%0A, and writes its events to the broker; the arm64
#     hello-consumer reads them and prints their lines
#   - each image's SBOM (CycloneDX) lists every crate its binary links, with
#     version and licence, and the C libraries they vendor; every licence is
#     one deny.toml allows (and a GPL component is refused, naming it);
#     `cargo deny check licenses bans` passes, offline
#   - each image's compressed size, per platform (printed); hello-api within
#     its budget (HELLO_API_IMAGE_BUDGET_BYTES, README: Images)
# Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh
. "$here/tests/lib.sh"

# hello-api's compressed image, per platform: the measurement (README) plus
# about a tenth (13,431,056 bytes on amd64, 12,748,872 on arm64, 2026-12-07).
budget=${HELLO_API_IMAGE_BUDGET_BYTES:-14800000}
load_testbed_env

export HELLO_IMAGE_PLATFORMS=linux/amd64,linux/arm64
"$here/product-images.sh" build || exit 1
eval "$("$here/product-images.sh" --print)"
"$here/install.sh" qemu || exit 1
amd64=$HELLO_IMAGES_DIR/linux_amd64
arm64=$HELLO_IMAGES_DIR/linux_arm64
work=$(mktemp -d /tmp/hello-images.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# on_arm64 BINARY ARGS...: an arm64 binary of the image under qemu, its loader
# and libraries from the image's own files (-L).
on_arm64() { qemu-aarch64-static -L "$arm64/rootfs/libs" "$arm64/rootfs/bin/$1" "${@:2}"; }

# ---------------------------------------------------------------- the images
# image_config ARCHIVE: the image's config JSON, from the OCI archive.
image_config() {
  python3 - "$1" <<'PY'
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
blob = lambda d: t.extractfile("blobs/" + d.replace(":", "/")).read()
index = json.loads(t.extractfile("index.json").read())
manifest = json.loads(blob(index["manifests"][0]["digest"]))
config = json.loads(blob(manifest["config"]["digest"]))
config["compressed_bytes"] = sum(l["size"] for l in manifest["layers"])
print(json.dumps(config))
PY
}
declare -A size
for platform in amd64 arm64; do
  for p in hello-operator hello-api hello-consumer; do
    config=$(image_config "$HELLO_IMAGES_DIR/linux_$platform/$p.tar")
    size[$p/$platform]=$(jq -r .compressed_bytes <<<"$config")
    check "$p ($platform): an OCI image for linux/$platform" \
      [ "$(jq -r '.os + "/" + .architecture' <<<"$config")" = "linux/$platform" ]
    check "  with the OCI labels source, revision, version, licenses" \
      jq -e '.config.Labels | ."org.opencontainers.image.source" == "https://github.com/hello-dev/hello-operator"
        and (."org.opencontainers.image.revision" | test("^[0-9a-f]{40}"))
        and ."org.opencontainers.image.version" == "0.1.0" and ."org.opencontainers.image.licenses" == "Apache-2.0"' <<<"$config"
  done
done

# ---------------------------------------------------------------- the arm64 binaries
for p in hello-operator hello-api hello-consumer; do
  check "$p (arm64) is an AArch64 executable" bash -c "readelf -h '$arm64/rootfs/bin/$p' | grep -q 'Machine: *AArch64'"
  check "  its loader and libraries are the arm64 C runtime in its image" \
    bash -c "[ -f '$arm64/rootfs/libs/lib/ld-linux-aarch64.so.1' ] && ls '$arm64/rootfs/libs/lib/aarch64-linux-gnu' | sort | tr '\n' ' ' | grep -qx 'libc.so.6 libgcc_s.so.1 libm.so.6 '"
  check "  under qemu it reports the version the amd64 one does ($("$amd64/rootfs/bin/$p" --version))" \
    [ "$(on_arm64 "$p" --version)" = "$("$amd64/rootfs/bin/$p" --version)" ]
done
on_arm64 hello-operator crd >"$work/crd-arm64.yaml" 2>"$work/crd-arm64.err"
"$amd64/rootfs/bin/hello-operator" crd >"$work/crd-amd64.yaml"
check "hello-operator crd (arm64, qemu) prints the amd64 CRD byte for byte ($(wc -c <"$work/crd-amd64.yaml") bytes)" \
  cmp "$work/crd-amd64.yaml" "$work/crd-arm64.yaml"

# ---------------------------------------------------------------- hello-api and hello-consumer on arm64
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
public=$(port)
admin=$(port)
topic=images-$RANDOM$RANDOM
HELLO_KAFKA_TOPIC=$topic on_arm64 hello-api --listen "127.0.0.1:$public" --admin-listen "127.0.0.1:$admin" \
  >"$work/api.log" 2>&1 </dev/null &
pids+=($!)
check "hello-api (arm64, qemu) becomes ready" eventually 60 curl -fsS --max-time 2 "http://127.0.0.1:$admin/readyz"
check "  GET /hello answers Hello, World!" \
  bash -c "[ \"\$(curl -fsS --max-time 5 http://127.0.0.1:$public/hello)\" = '{\"message\":\"Hello, World!\"}' ]"
names=(Arm64a Arm64b Arm64c)
for who in "${names[@]}"; do
  check "  GET /current_time?name=$who answers Hello, $who!" \
    bash -c "curl -fsS --max-time 5 'http://127.0.0.1:$public/current_time?name=$who' | grep -q '\"message\":\"Hello, $who!\"'"
done
check "  GET /current_time?name=X%0A is refused with 400" \
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$public/current_time?name=X%0A")" = 400 ]
# The events it wrote, read back by the arm64 consumer, from the start of
# the topic until its end.
delivered() { curl -fsS --max-time 2 "http://127.0.0.1:$admin/metrics" | grep -E '^hello_kafka_events_produced_total(\{[^}]*\})? 3$'; }
check "  and its 3 events are delivered to the broker" eventually 60 delivered
HELLO_KAFKA_TOPIC=$topic HELLO_GROUP_ID=images-$RANDOM timeout 120 \
  qemu-aarch64-static -L "$arm64/rootfs/libs" "$arm64/rootfs/bin/hello-consumer" \
  --admin-listen "127.0.0.1:$(port)" --exit-at-end >"$work/consumer.out" 2>"$work/consumer.log"
rc=$?
check "hello-consumer (arm64, qemu) reads the topic to its end and exits 0 (exit $rc)" [ "$rc" = 0 ]
for who in "${names[@]}"; do
  check "  it prints the event for $who" \
    bash -c "jq -r '.event.message' '$work/consumer.out' | grep -qx 'Hello, $who!'"
done

# ---------------------------------------------------------------- SBOMs and the licence policy
repo=$(cd "$here/.." && pwd)
for platform in amd64 arm64; do
  target=$( [ $platform = amd64 ] && echo x86_64-unknown-linux-gnu || echo aarch64-unknown-linux-gnu)
  for p in hello-operator hello-api hello-consumer; do
    sbom=$HELLO_IMAGES_DIR/linux_$platform/$p.cdx.json
    check "$p ($platform): its SBOM is CycloneDX 1.5 JSON" jq -e '.bomFormat == "CycloneDX" and .specVersion == "1.5"' "$sbom"
    # What the binary links: its normal dependencies for the target.
    (cd "$repo" && cargo tree --offline --locked -p "$p" --target "$target" -e normal --prefix none --format '{p}') |
      sed 's/ (.*//; s/ v/ /' | sort -u >"$work/tree-$p-$platform"
    jq -r '.components[] | select(.purl // "" | startswith("pkg:cargo/")) | .name + " " + .version' "$sbom" | sort -u >"$work/sbom-$p-$platform"
    check "  it lists every crate the binary links ($(wc -l <"$work/tree-$p-$platform")), with its version" \
      bash -c "comm -23 '$work/tree-$p-$platform' '$work/sbom-$p-$platform' | grep -v '^$p ' | { ! grep .; }"
    check "  each with a licence" jq -e '[.components[] | select((.licenses // []) | length == 0)] | length == 0' "$sbom"
    vendored=$(jq -r '[.components[] | select(.["bom-ref"] | startswith("vendored:")) | .name + " " + .version + " " + .licenses[0].expression] | sort | join("; ")' "$sbom")
    case $p in
      hello-operator) want='^aws-lc [0-9.]+ [^;]+$' ;;
      *) want='^aws-lc [0-9.]+ [^;]+; librdkafka 2\.[0-9.]+ BSD-2-Clause; openssl 3\.[0-9.]+ Apache-2\.0; zlib 1\.[0-9.]+ Zlib$' ;;
    esac
    check "  and the C libraries it vendors: $vendored" grep -Eq "$want" <<<"$vendored"
  done
done
sboms=("$HELLO_IMAGES_DIR"/linux_*/*.cdx.json)
check "every component of the ${#sboms[@]} SBOMs is under a licence deny.toml allows" \
  python3 "$repo/images/sbom.py" check "${sboms[@]}" "$repo/deny.toml"
jq '.components += [{"type": "library", "name": "copyleft-lib", "version": "1.0.0", "licenses": [{"expression": "GPL-3.0-only"}]}]' \
  "$HELLO_IMAGES_DIR/linux_arm64/hello-api.cdx.json" >"$work/gpl.cdx.json"
out=$(python3 "$repo/images/sbom.py" check "$work/gpl.cdx.json" "$repo/deny.toml" 2>&1)
rc=$?
check "an SBOM with a GPL-3.0-only component is refused, naming it (exit $rc)" \
  bash -c "[ $rc -ne 0 ] && grep -q 'copyleft-lib 1.0.0: licence GPL-3.0-only is not allowed' <<<'$out'"
"$here/install.sh" licence-tools || exit 1
check "cargo deny check licenses bans (offline, deny.toml) passes" \
  bash -c "cd '$repo' && '$("$here/install.sh" --print-licence-tools)/cargo-deny' --offline --locked check licenses bans"

# ---------------------------------------------------------------- sizes
printf '\n%-16s %14s %14s   (compressed, bytes)\n' image linux/amd64 linux/arm64
for p in hello-operator hello-api hello-consumer; do
  printf '%-16s %14s %14s\n' "$p" "${size[$p/amd64]}" "${size[$p/arm64]}"
done
echo
for platform in amd64 arm64; do
  check "hello-api ($platform) is within its budget: ${size[hello-api/$platform]} <= $budget bytes" \
    [ "${size[hello-api/$platform]}" -le "$budget" ]
done

summary
