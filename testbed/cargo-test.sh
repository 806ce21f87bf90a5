#!/usr/bin/env bash
# cargo test, with clippy-driver as the compiler of the workspace's own
# crates: one compile both lints them (every target, -D warnings, as
# `cargo clippy --workspace --all-targets -- -D warnings` would) and builds
# them, so make test compiles the dependencies once, not once for clippy's
# check build and again for the tests. Dependencies get plain rustc.
#   testbed/cargo-test.sh [CARGO-TEST-ARGS...]
# The tiers that need a debug binary (hello-api for the contract test,
# hello-operator for the chart and terraform tiers) ask for it with
#   testbed/cargo-test.sh --workspace --locked --no-run
# which, after `make test-rust`, compiles nothing: the same packages,
# features and compiler, so the same fingerprints (`cargo build -p X` would
# resolve other features and recompile much of the tree).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver) ||
  { echo "testbed/cargo-test.sh: clippy-driver not found (rustup component add clippy)" >&2; exit 1; }
# How cargo-clippy passes lint flags to clippy-driver.
export RUSTC_WORKSPACE_WRAPPER=$driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
exec "${CARGO:-cargo}" test "$@"
