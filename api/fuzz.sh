#!/usr/bin/env bash
# make fuzz-api: runs each cargo-fuzz target of api/fuzz for FUZZ_SECONDS
# (default 60) on the nightly toolchain. Installs cargo-fuzz when missing.
# Not part of `make test` (nightly, and a sanitizer build of the whole
# dependency tree); tests/properties.rs runs the same parsers on stable.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
seconds=${FUZZ_SECONDS:-60}
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: the nightly toolchain is not installed (rustup toolchain install nightly)" >&2
  exit 2
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
cd "$here"
for target in query config; do
  echo "==> fuzzing $target for ${seconds}s" >&2
  cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -max_len=4096
done
