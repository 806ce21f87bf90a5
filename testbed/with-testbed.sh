#!/usr/bin/env bash
# Runs a command against the local test bed: attaches to the running one, or
# starts one and stops it afterwards, whatever the command's outcome.
#   testbed/with-testbed.sh CMD [ARGS...]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
started=0
if ! "$here/cluster.sh" status >/dev/null 2>&1; then
  started=1
fi
"$here/cluster.sh" up || exit 1
"$@"
rc=$?
[ $started = 1 ] && "$here/cluster.sh" down
exit $rc
