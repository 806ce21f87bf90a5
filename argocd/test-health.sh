#!/usr/bin/env bash
# The Argo CD health checks in argocd/<group>/<Kind>/health.lua against their
# health_test.yaml, laid out as in Argo CD's resource_customizations/: each
# test names a fixture (inputPath, a whole object) and the healthStatus
# (status and message) the script must return for it. Runs every case under a
# real Lua 5.1 (Debian's lua5.1; Argo CD embeds gopher-lua, a Lua 5.1), with
# the libraries Argo CD withholds from argocd-cm scripts removed; the YAML to
# Lua conversion is argocd/lua_health.py's (PyYAML). `make test-argocd`.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=SCRIPTDIR/../testbed/tests/lib.sh
. "$repo/testbed/tests/lib.sh"

"$repo/testbed/install.sh" lua || exit 1
python3 -c 'import yaml' 2>/dev/null || { echo "argocd/test-health.sh: python3 lacks PyYAML (import yaml)" >&2; exit 1; }
runner=$here/lua_health.py
start=$SECONDS

scripts=$(find "$here" -name health.lua | sort)
[ -n "$scripts" ] || bad "a health.lua under $here"
for lua in $scripts; do
  dir=$(dirname "$lua")
  if [ ! -f "$dir/health_test.yaml" ]; then
    bad "${dir#"$here"/}: a health_test.yaml next to health.lua"
    continue
  fi
  # One python3 for all of a directory's tests (its start-up is the slow part).
  while IFS= read -r line; do
    case $line in
      ok$'\t'*) ok "${line#ok$'\t'}" ;;
      FAIL$'\t'*) bad "${line#FAIL$'\t'}" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < <(python3 "$runner" check "$dir" 2>&1 || echo "FAIL"$'\t'"${dir#"$here"/}: argocd/lua_health.py check exited with $?")
done

echo "argocd health checks: $((SECONDS - start)) s"
summary
