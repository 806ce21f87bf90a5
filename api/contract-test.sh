#!/usr/bin/env bash
# Keeps api/openapi.yaml honest: runs schemathesis (pinned, installed into a
# venv in the test bed cache on first use) with every check against the real
# hello-api binary on loopback. Any failure fails the run.
#   api/contract-test.sh [path/to/hello-api]   (default: builds the debug binary)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
SCHEMATHESIS_VERSION=4.32.5
cache=${HELLO_TESTBED_CACHE:-$HOME/.cache/hello-testbed}
venv=$cache/schemathesis-$SCHEMATHESIS_VERSION

if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "==> installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
  rm -rf "$venv.partial"
  python3 -m venv "$venv.partial"
  "$venv.partial/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  mv "$venv.partial" "$venv"
  # A venv records its own path; rebuild the entry points for the final one.
  "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "schemathesis==$SCHEMATHESIS_VERSION"
fi

binary=${1:-}
if [ -z "$binary" ]; then
  # What make test-rust built: nothing to compile after it.
  "$repo/testbed/cargo-test.sh" --workspace --locked --no-run -q
  binary=${CARGO_TARGET_DIR:-$repo/target}/debug/hello-api
fi

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
public=$(port)
admin=$(port)
work=$(mktemp -d)
"$binary" --listen "127.0.0.1:$public" --admin-listen "127.0.0.1:$admin" --access-log=false \
  >"$work/hello-api.log" 2>&1 </dev/null &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$admin/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/hello-api.log" >&2; exit 1; }
  sleep 0.1
done

echo "==> schemathesis $SCHEMATHESIS_VERSION against hello-api on 127.0.0.1:$public" >&2
cd "$work"
"$venv/bin/schemathesis" run "$here/openapi.yaml" \
  --url "http://127.0.0.1:$public" \
  --checks all \
  --phases examples,coverage,fuzzing \
  --max-examples 300 \
  --seed 4 \
  --workers 2 \
  --request-timeout 5 \
  --generation-database none \
  --no-color
