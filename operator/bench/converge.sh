#!/usr/bin/env bash
# Operator benchmark: create N HelloApis (default 1000) against the local test
# bed and print the time until every one has a status for its generation,
# the operator's peak RSS, and the writes one idle resync makes (measured by
# restarting the operator, which reconciles every resource once, and counting
# objects whose resourceVersion changed). Targets: < 120 s, < 100 MiB, 0 writes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
count=${HELLO_BENCH_COUNT:-1000}
"$repo/testbed/cluster.sh" up >/dev/null
# shellcheck source=/dev/null # written by cluster.sh
. "${HELLO_TESTBED_DIR:-$repo/.testbed}/env"
# shellcheck source=../../testbed/tests/lib.sh
. "$repo/testbed/tests/lib.sh"
cargo build --release -q -p hello-operator --manifest-path "$repo/Cargo.toml"
bin=$repo/target/release/hello-operator
ns=bench-$(date +%s)
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  if [ -n "${HELLO_BENCH_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

kubectl apply --server-side -f "$repo/crds/helloapi.yaml" >/dev/null
crd_established helloapis.hello.dev >/dev/null
kubectl create namespace "$ns" >/dev/null
for i in $(seq 1 "$count"); do
  printf -- '---\napiVersion: hello.dev/v1alpha1\nkind: HelloApi\nmetadata: {name: h%s}\nspec: {replicas: 1}\n' "$i"
done >"$work/helloapis.yaml"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_operator() {
  "$bin" run --namespace "$ns" --metrics-addr "127.0.0.1:$port" --log-format text >>"$work/operator.log" 2>&1 &
  pid=$!
}
reconciled() { # successful reconciles since the operator started
  curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null | awk '/^hello_operator_reconciles_total\{result="ok"[,}]/ {print $2; f=1} END {if (!f) print 0}'
}
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$pid/status"; }
converged() {
  kubectl get helloapis -n "$ns" -o jsonpath='{range .items[*]}{.metadata.generation}={.status.observedGeneration}{"\n"}{end}' |
    awk -F= '$1 == $2 && $2 != "" {n++} END {print n+0}'
}
# What the operator wrote: the time of its field manager's last change on each
# child (a no-op server-side apply leaves it alone), and each HelloApi's
# resourceVersion (only the operator writes their status). The
# controller-manager's own status writes do not count.
versions() {
  kubectl get configmaps,deployments,services,ingresses,serviceaccounts,roles,rolebindings,poddisruptionbudgets \
    -n "$ns" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.managedFields[?(@.manager=="hello-operator")].time}{"\n"}{end}'
  kubectl get helloapis -n "$ns" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}'
}

start_operator
t0=$(date +%s.%N)
kubectl apply -n "$ns" -f "$work/helloapis.yaml" >/dev/null
while [ "$(converged)" -lt "$count" ]; do
  if awk -v e="$(elapsed "$t0")" 'BEGIN {exit !(e > 600)}'; then
    echo "bench FAILED: only $(converged) of $count HelloApis converged in 600 s" >&2
    exit 1
  fi
  sleep 1
done
took=$(elapsed "$t0")
rss=$(peak_rss_kib)

# Converged means every HelloApi has a status for its generation, but the
# controller-manager is still creating ReplicaSets and pods, and the operator
# follows their counts into the status. Take the baseline once nothing has
# changed for 10 s, so the restart below is measured against a settled state.
before=$(versions | sort)
quiet=0
t1=$(date +%s.%N)
while [ "$quiet" -lt 5 ]; do
  sleep 2
  now=$(versions | sort)
  if [ "$now" = "$before" ]; then quiet=$((quiet + 1)); else quiet=0; before=$now; fi
  awk -v e="$(elapsed "$t1")" 'BEGIN {exit !(e > 300)}' && { echo "bench FAILED: objects still changing 300 s after convergence" >&2; exit 1; }
done
settle=$(elapsed "$t1")
kill "$pid"; wait "$pid" 2>/dev/null || true
start_operator
# The restarted operator lists and reconciles every HelloApi once: an idle resync.
t2=$(date +%s.%N)
while [ "$(reconciled)" -lt "$count" ]; do
  awk -v e="$(elapsed "$t2")" 'BEGIN {exit !(e > 300)}' && { echo "bench FAILED: the restarted operator did not reconcile all $count" >&2; exit 1; }
  sleep 1
done
resync=$(elapsed "$t2")
sleep 3
after=$(versions | sort)
writes=$(diff <(echo "$before") <(echo "$after") | grep -c '^>' || true)
if [ "$writes" -gt 0 ]; then
  echo "objects written in the idle resync (first 10):" >&2
  diff <(echo "$before") <(echo "$after") | grep '^>' | head -10 >&2
fi
restart_rss=$(peak_rss_kib)

printf 'operator bench: %d HelloApis\n' "$count"
printf '  time to converge:          %s s   (target < 120 s)\n' "$took"
printf '  peak RSS while converging: %s MiB (target < 100 MiB)\n' "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')"
printf '  settled (no object changing for 10 s) after: %s s\n' "$settle"
printf '  full resync after restart: %s s, peak RSS %s MiB\n' "$resync" "$(awk -v k="$restart_rss" 'BEGIN {printf "%.1f", k / 1024}')"
printf '  writes in an idle resync:  %d objects of %d (target 0)\n' "$writes" "$(echo "$before" | wc -l)"
