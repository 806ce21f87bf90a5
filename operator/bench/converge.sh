#!/usr/bin/env bash
# Operator benchmark against the local test bed, for each count of HelloApis in
# HELLO_BENCH_COUNTS (default "1000 5000"; HELLO_BENCH_COUNT=N runs one count),
# one after the other in one test bed:
#   1. raw: the HelloApis are created with no operator running, then their
#      children, built by the operator's own build functions
#      (operator/examples/raw_children.rs), are created by as many requests in
#      flight as the operator's concurrency: the limit of this apiserver.
#      Then the same again with a forced server-side apply of each child, the
#      operator's write method: that method's limit.
#   2. operator: after that namespace is gone, the same HelloApis in a fresh
#      namespace, again with no operator running; then the operator starts and
#      is timed until every HelloApi has a status for its generation.
#   The two phases run in HELLO_BENCH_ROUNDS paired rounds (default 3 up to
#   1000 HelloApis, 1 above), in alternating order, and the ratio judged is
#   the median of the rounds' ratios; the last round's operator phase also
#   settles and restarts for the idle resync.
#   Then the ratio operator / raw (target <= 1.5), the operator's peak RSS
#   while converging and after a restart (target < 150 MiB), and the writes
#   of an idle resync (restart once nothing changes; target 0), and the API
#   requests per HelloApi by verb of each phase, from the apiserver's
#   apiserver_request_total.
# HELLO_MAX_CONCURRENT_RECONCILES sets both sides' concurrency (default: the
# operator's). HELLO_BENCH_KEEP=1 keeps the work directory (logs, scrapes).
# HELLO_BENCH_IDLE=0 skips the settle and the idle resync (a sweep of
# concurrencies needs only the convergence; the settle is most of a run).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
counts=${HELLO_BENCH_COUNT:-${HELLO_BENCH_COUNTS:-1000 5000}}
script_name=bench
# shellcheck source=../../testbed/lib.sh
. "$repo/testbed/lib.sh"
# shellcheck source=../../testbed/tests/lib.sh
. "$repo/testbed/tests/lib.sh"
"$repo/testbed/cluster.sh" up >/dev/null
load_testbed_env
cargo build --release -q -p hello-operator --bin hello-operator --example raw_children --manifest-path "$repo/Cargo.toml"
target=${CARGO_TARGET_DIR:-$repo/target}
bin=$target/release/hello-operator
raw_bin=$target/release/examples/raw_children
concurrency_args=()
if [ -n "${HELLO_MAX_CONCURRENT_RECONCILES:-}" ]; then
  concurrency_args=(--concurrency "$HELLO_MAX_CONCURRENT_RECONCILES")
fi
work=$(mktemp -d)
pid=
wpid=
namespaces=()
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  if [ -n "$wpid" ]; then kill "$wpid" 2>/dev/null || true; fi
  for ns in "${namespaces[@]}"; do kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; done
  if [ -n "${HELLO_BENCH_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
over() { awk -v e="$(elapsed "$1")" -v l="$2" 'BEGIN {exit !(e > l)}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$pid/status"; }
# Where the two cores go: CPU seconds of the test bed's control plane and of
# the client (raw_children or the operator) in each timed phase.
tick=$(getconf CLK_TCK)
control_plane=(kube-apiserver "bin/etcd " kube-controller-manager)
cpu_ticks() { # PID...: user + system clock ticks so far
  local p t=0
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}
plane_ticks() { # one line: the ticks of each control-plane process
  local name
  for name in "${control_plane[@]}"; do
    # shellcheck disable=SC2046 # one pid per word
    printf '%s ' "$(cpu_ticks $(processes_naming "$name"))"
  done
  echo
}
# cpu_line BEFORE AFTER CLIENT_TICKS: "client 3.1 s, kube-apiserver 20.4 s, ..."
cpu_line() {
  awk -v t="$tick" -v c="$3" -v b="$1" -v a="$2" 'BEGIN {
    split(b, x, " "); split(a, y, " "); n = split("kube-apiserver etcd kube-controller-manager", name, " ")
    s = sprintf("client %.1f s", c / t)
    for (i = 1; i <= n; i++) s = s sprintf(", %s %.1f s", name[i], (y[i] - x[i]) / t)
    print s
  }'
}

# The resources a HelloApi's reconcile can touch (and the controller-manager's
# leases). apiserver_request_total has no client label: its verb, resource and
# subresource say what, not who, so the controller-manager's work on these
# (Deployment status, the ReplicaSets' pods and Events, its leases) is counted
# in both phases alike.
resources='^(helloapis|configmaps|deployments|services|ingresses|serviceaccounts|roles|rolebindings|poddisruptionbudgets|networkpolicies|events|pods|leases)$'
# scrape FILE: "VERB RESOURCE[/SUBRESOURCE] COUNT" lines, summed over the other
# labels (code, scope, group, version, component, dry_run). A WATCH is counted
# when it ends, so watches still open at the end of a window are not in it.
scrape() {
  kubectl get --raw /metrics | awk -v want="$resources" '
    function label(name) {
      if (!match($0, "[{,]" name "=\"[^\"]*\"")) return ""
      return substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
    }
    /^apiserver_request_total\{/ {
      r = label("resource"); if (r !~ want) next
      s = label("subresource"); if (s != "") r = r "/" s
      n[label("verb") " " r] += $NF
    }
    END { for (k in n) print k, n[k] }' | sort >"$1"
}
# increase BEFORE AFTER: "VERB RESOURCE COUNT" of what was added in between.
increase() {
  awk 'NR == FNR {a[$1 " " $2] = $3; next} {d = $3 - a[$1 " " $2]; if (d > 0) print $1, $2, d}' "$1" "$2"
}
# per_verb COUNT [LISTS]: the increase on stdin summed by verb and divided by
# COUNT ("APPLY 6.0, GET 6.0, ..."); LISTS of the bench's own are taken off LIST.
per_verb() {
  awk -v n="$1" -v own="${2:-0}" '{v[$1] += $3} END {
    v["LIST"] -= own; if (v["LIST"] <= 0) delete v["LIST"]
    k = 0; for (x in v) keys[++k] = x
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (keys[j] < keys[i]) {t = keys[i]; keys[i] = keys[j]; keys[j] = t}
    s = ""; for (i = 1; i <= k; i++) s = s (i > 1 ? ", " : "") sprintf("%s %.2f", keys[i], v[keys[i]] / n)
    print (s == "" ? "none" : s)
  }'
}
# per_resource COUNT: the same by verb and resource, one per line, for the log.
per_resource() { awk -v n="$1" '{printf "    %-7s %-28s %8.3f\n", $1, $2, $3 / n}' | sort -k2,2 -k1,1; }

# NAMESPACE COUNT: create them (no operator is running). The longest
# progress deadline: with no node the pods stay Pending, and the default
# 300 s passed during a 1000-HelloApi run, so its idle resync rightly wrote
# ProgressDeadlineExceeded into 41 statuses.
helloapis() {
  local i
  for i in $(seq 1 "$2"); do
    printf -- '---\napiVersion: hello.dev/v1alpha1\nkind: HelloApi\nmetadata: {name: h%s}\nspec: {replicas: 1, progressDeadlineSeconds: 3600}\n' "$i"
  done >"$work/helloapis.yaml"
  kubectl create namespace "$1" >/dev/null
  namespaces+=("$1")
  kubectl create -n "$1" -f "$work/helloapis.yaml" >/dev/null
}
gone() { # NAMESPACE COUNT: delete it and wait until it is gone
  local t
  t=$(date +%s.%N)
  kubectl delete namespace "$1" --wait=false >/dev/null
  kubectl wait --for=delete "namespace/$1" --timeout="$((300 + $2 / 5))s" >/dev/null ||
    fail "cleanup" "namespace $1 not gone after $(elapsed "$t") s"
  say "namespace $1 deleted in $(elapsed "$t") s"
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_operator() { # NAMESPACE
  "$bin" run --namespace "$1" --metrics-addr "127.0.0.1:$port" --log-format text >>"$work/operator.log" 2>&1 &
  pid=$!
}
stop_operator() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
reconciled() { # successful reconciles since the operator started
  curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null | awk '/^hello_operator_reconciles_total\{result="ok"[,}]/ {print $2; f=1} END {if (!f) print 0}'
}
converged() { # NAMESPACE
  kubectl get helloapis -n "$1" -o jsonpath='{range .items[*]}{.metadata.generation}={.status.observedGeneration}{"\n"}{end}' |
    awk -F= '$1 == $2 && $2 != "" {n++} END {print n+0}'
}
# What the operator wrote: the time of its field manager's last change on each
# child (a no-op server-side apply leaves it alone), and each HelloApi's
# resourceVersion (only the operator writes their status). The
# controller-manager's own status writes do not count.
versions() { # NAMESPACE
  kubectl get configmaps,deployments,services,ingresses,serviceaccounts,roles,rolebindings,poddisruptionbudgets,networkpolicies \
    -n "$1" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.managedFields[?(@.manager=="hello-operator")].time}{"\n"}{end}'
  kubectl get helloapis -n "$1" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}'
}

kubectl apply --server-side -f "$repo/crds/helloapi.yaml" >/dev/null
crd_established helloapis.hello.dev >/dev/null
# raw_phase COUNT METHOD: times the raw writes (create, or apply: a forced
# server-side apply, the operator's method) of COUNT HelloApis' children into
# raw_s, with their CPU (raw_cpu) and requests ($work/raw-METHOD-COUNT), then
# deletes the namespace.
raw_phase() {
  local count=$1 method=$2 ns out
  ns=bench-raw-$count-$(date +%s)
  say "$count HelloApis: raw $method of their children in $ns"
  helloapis "$ns" "$count"
  scrape "$work/m0"
  local plane0 plane1
  plane0=$(plane_ticks)
  TIMEFORMAT='%U %S'
  local method_args=()
  [ "$method" = apply ] && method_args=(--apply)
  { time "$raw_bin" --namespace "$ns" "${method_args[@]}" "${concurrency_args[@]}" >"$work/raw.out" 2>"$work/raw.err"; } 2>"$work/raw.cpu" ||
    fail "raw $method" "raw_children failed: $(cat "$work/raw.err")"
  plane1=$(plane_ticks)
  out=$(cat "$work/raw.out")
  raw_cpu=$(cpu_line "$plane0" "$plane1" "$(awk -v t="$tick" '{printf "%d", ($1 + $2) * t}' "$work/raw.cpu")")
  scrape "$work/m1"
  echo "$out" >&2
  raw_s=$(echo "$out" | sed -n 's/.* seconds=\([0-9.]*\).*/\1/p')
  objects=$(echo "$out" | sed -n 's/.* objects=\([0-9]*\).*/\1/p')
  [ -n "$raw_s" ] || fail "raw $method" "raw_children printed no time"
  increase "$work/m0" "$work/m1" >"$work/raw-$method-$count"
  gone "$ns" "$count"
}

# op_phase COUNT LAST: times the operator's convergence on COUNT HelloApis
# from its start into op_s, with its CPU, requests and RSS; with LAST=1 also
# the settle, the idle resync after a restart and its writes. Then deletes
# the namespace, so the next phase starts on an idle apiserver.
op_phase() {
  local count=$1 last=$2 ns
  ns=bench-op-$count-$(date +%s)
  say "$count HelloApis: operator convergence in $ns"
  helloapis "$ns" "$count"
  scrape "$work/m2"
  # One watch of the HelloApis (a LIST, then a WATCH) tells when each has a
  # status for its generation, without polling the apiserver.
  local watch=$work/watch-$count plane2 t0
  : >"$watch"
  kubectl get helloapis -n "$ns" -w -o jsonpath='{.metadata.name}={.metadata.generation}={.status.observedGeneration}{"\n"}' >>"$watch" &
  wpid=$!
  start_operator "$ns"
  plane2=$(plane_ticks)
  t0=$(date +%s.%N)
  while ! awk -F= -v n="$count" '$1 != "" {s[$1] = ($3 != "" && $2 == $3)} END {for (k in s) c += s[k]; exit !(c >= n)}' "$watch"; do
    over "$t0" "$limit" && fail "convergence" "only $(converged "$ns") of $count HelloApis converged in $limit s"
    kill -0 "$wpid" 2>/dev/null || fail "convergence" "the watch of the HelloApis ended"
    sleep 0.5
  done
  op_s=$(elapsed "$t0")
  op_cpu=$(cpu_line "$plane2" "$(plane_ticks)" "$(cpu_ticks "$pid")")
  reconciles=$(reconciled)
  scrape "$work/m3"
  kill "$wpid"; wait "$wpid" 2>/dev/null || true
  wpid=
  rss=$(peak_rss_kib)
  say "converged in $op_s s, $reconciles reconciles"
  increase "$work/m2" "$work/m3" >"$work/op-$count"
  if [ "$last" = 1 ]; then idle_resync "$count" "$ns"; else stop_operator; fi
  gone "$ns" "$count"
}

# idle_resync COUNT NAMESPACE: once nothing changes, restarts the operator
# and counts what its full resync writes (writes, objects_total, settle,
# resync, restart_rss).
idle_resync() {
  local count=$1 ns=$2 before now after quiet t1 t2
  # Converged means every HelloApi has a status for its generation, but the
  # controller-manager is still creating ReplicaSets and pods, and the operator
  # follows their counts into the status. Take the baseline once nothing has
  # changed for 10 s, so the restart below is measured against a settled state.
  before=$(versions "$ns" | sort)
  quiet=0
  t1=$(date +%s.%N)
  while [ "$quiet" -lt 5 ]; do
    sleep 2
    now=$(versions "$ns" | sort)
    if [ "$now" = "$before" ]; then quiet=$((quiet + 1)); else quiet=0; before=$now; fi
    over "$t1" "$limit" && fail "idle resync" "objects still changing $limit s after convergence"
  done
  settle=$(elapsed "$t1")
  kubectl get helloapis -n "$ns" -o yaml >"$work/helloapis-before-resync.yaml"
  stop_operator
  sleep 1 # the old operator's watches end, and are counted, before the scrape
  scrape "$work/m4"
  start_operator "$ns"
  # The restarted operator lists and reconciles every HelloApi once: an idle resync.
  t2=$(date +%s.%N)
  while [ "$(reconciled)" -lt "$count" ]; do
    over "$t2" "$limit" && fail "restart" "the restarted operator did not reconcile all $count"
    sleep 0.5
  done
  resync=$(elapsed "$t2")
  say "settled after $settle s; idle resync after a restart in $resync s"
  sleep 3
  scrape "$work/m5"
  increase "$work/m4" "$work/m5" >"$work/resync-$count"
  after=$(versions "$ns" | sort)
  restart_rss=$(peak_rss_kib)
  stop_operator
  writes=$(diff <(echo "$before") <(echo "$after") | grep -c '^>' || true)
  if [ "$writes" -gt 0 ]; then
    # (diff exits 1 on a difference; awk, not head, whose early exit would
    # fail the pipeline under pipefail and so the bench)
    echo "objects written in the idle resync (first 10):" >&2
    { diff <(echo "$before") <(echo "$after") || true; } | awk '/^>/ && n++ < 10' >&2
    echo "what changed in the HelloApis (first 40 lines of the diff):" >&2
    { diff "$work/helloapis-before-resync.yaml" <(kubectl get helloapis -n "$ns" -o yaml) || true; } | awk 'n++ < 40' >&2
  fi
  objects_total=$(echo "$before" | wc -l)
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

kubectl apply --server-side -f "$repo/crds/helloapi.yaml" >/dev/null
crd_established helloapis.hello.dev >/dev/null
rows=()
request_rows=()
details=()
for count in $counts; do
  limit=$((120 + count / 2)) # seconds a phase may take before the bench fails
  # Paired rounds: each a raw phase and an operator phase, in alternating
  # order, so that the machine's drift (tens of percent within minutes on
  # these 2 cores) hits both sides alike; judged on the median of the
  # rounds' ratios. The last round's operator phase also settles and
  # restarts for the idle resync.
  rounds=${HELLO_BENCH_ROUNDS:-$([ "$count" -le 1000 ] && echo 3 || echo 1)}
  ratios=() raws=() ops=() apply_ratios=() applies=()
  settle=skipped resync=skipped restart_rss=0 writes=0 objects_total=0
  for round in $(seq 1 "$rounds"); do
    last=$([ "$round" = "$rounds" ] && [ "${HELLO_BENCH_IDLE:-1}" != 0 ] && echo 1 || echo 0)
    if [ $((round % 2)) = 1 ]; then
      raw_phase "$count" create
      raw_create_s=$raw_s raw_create_cpu=$raw_cpu
      raw_phase "$count" apply
      raw_apply_s=$raw_s raw_apply_cpu=$raw_cpu
      op_phase "$count" "$last"
    else
      op_phase "$count" "$last"
      raw_phase "$count" apply
      raw_apply_s=$raw_s raw_apply_cpu=$raw_cpu
      raw_phase "$count" create
      raw_create_s=$raw_s raw_create_cpu=$raw_cpu
    fi
    raws+=("$raw_create_s") applies+=("$raw_apply_s") ops+=("$op_s")
    ratios+=("$(awk -v o="$op_s" -v r="$raw_create_s" 'BEGIN {printf "%.2f", o / r}')")
    apply_ratios+=("$(awk -v o="$op_s" -v r="$raw_apply_s" 'BEGIN {printf "%.2f", o / r}')")
    say "round $round of $rounds: raw create $raw_create_s s, raw apply $raw_apply_s s, operator $op_s s, ratios ${ratios[-1]} and ${apply_ratios[-1]}"
  done
  ratio=$(median "${ratios[@]}")
  apply_ratio=$(median "${apply_ratios[@]}")
  verdict=$(awk -v x="$ratio" 'BEGIN {print (x <= 1.5 ? "met" : "NOT met")}')
  rss_verdict=$(awk -v a="$rss" -v b="$restart_rss" 'BEGIN {print (a < 150 * 1024 && b < 150 * 1024 ? "met" : "NOT met")}')
  writes_verdict=$([ "$writes" = 0 ] && echo met || echo "NOT met")
  if [ "$settle" = skipped ]; then
    rss_verdict="not judged: no restart (HELLO_BENCH_IDLE=0)" writes_verdict="not judged: no idle resync"
  fi
  lists=1 # the watch's LIST, taken off LIST helloapis
  op_verbs=$(per_verb "$count" "$lists" <"$work/op-$count")
  printf 'operator bench: %d HelloApis (%s objects), concurrency %s, %d paired rounds\n' "$count" "$objects" "${HELLO_MAX_CONCURRENT_RECONCILES:-default}" "$rounds"
  printf '  raw creation of the children:  %s s\n' "${raws[*]}"
  printf '  raw server-side apply of them: %s s\n' "${applies[*]}"
  printf '  operator convergence:          %s s\n' "${ops[*]}"
  printf '  ratio operator / raw creation: %s (median %s; within 1.5x: %s)\n' "${ratios[*]}" "$ratio" "$verdict"
  printf '  ratio operator / raw apply:    %s (median %s)\n' "${apply_ratios[*]}" "$apply_ratio"
  printf '  reconciles until converged:    %s per HelloApi (last round)\n' "$(awk -v r="$reconciles" -v n="$count" 'BEGIN {printf "%.2f", r / n}')"
  printf '  CPU, raw creation:             %s (last round)\n' "$raw_create_cpu"
  printf '  CPU, raw apply:                %s (last round)\n' "$raw_apply_cpu"
  printf '  CPU, operator convergence:     %s (last round)\n' "$op_cpu"
  printf '  peak RSS while converging:     %s MiB\n' "$(mib "$rss")"
  printf '  settled (no object changing for 10 s) after: %s s\n' "$settle"
  printf '  full resync after restart:     %s s, peak RSS %s MiB (both under 150 MiB: %s)\n' "$resync" "$(mib "$restart_rss")" "$rss_verdict"
  printf '  writes in an idle resync:      %d objects of %d (target 0: %s)\n' "$writes" "$objects_total" "$writes_verdict"
  for phase in raw-create raw-apply op resync; do
    [ -f "$work/$phase-$count" ] || continue # no idle resync with HELLO_BENCH_IDLE=0
    case $phase in
      raw-create) name="raw creation" own=1 ;; # raw_children lists the HelloApis once
      raw-apply) name="raw apply" own=1 ;;
      op) name="operator convergence" own=$lists ;;
      resync) name="idle resync" own=0 ;;
    esac
    printf '  requests per HelloApi, %s: %s\n' "$name" "$(per_verb "$count" "$own" <"$work/$phase-$count")"
    request_rows+=("| $count | $name | $(per_verb "$count" "$own" <"$work/$phase-$count") |")
    details+=("$count HelloApis, $name (per HelloApi; the bench's own $own LIST of helloapis included):" "$(per_resource "$count" <"$work/$phase-$count")")
  done
  rows+=("| $count | ${raws[*]} | ${applies[*]} | ${ops[*]} | $ratio | $verdict | $apply_ratio | $(mib "$rss") MiB | $(mib "$restart_rss") MiB | $rss_verdict | $writes of $objects_total | $writes_verdict | $op_verbs |")
done

echo
echo "| HelloApis | raw create s (rounds) | raw apply s | operator s | median ratio to create | within 1.5x | median ratio to apply | peak RSS | restart RSS | under 150 MiB | idle writes | none | requests per HelloApi by verb (operator, last round) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| HelloApis | phase | requests per HelloApi by verb |"
echo "|---|---|---|"
printf '%s\n' "${request_rows[@]}"
echo
echo "By verb and resource:"
printf '%s\n' "${details[@]}"
