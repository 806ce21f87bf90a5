#!/usr/bin/env bash
# make bench: hello-api against nginx, side by side, on this machine.
# Everything listens on 127.0.0.1 only; every run is bounded by wrk's -d and
# every process this script starts is stopped by pid on exit.
#
#   api/bench.sh            (BENCH_ROUNDS=9 BENCH_SECONDS=3 BENCH_CONNECTIONS=32
#                            BENCH_THREADS=1 BENCH_KAFKA_WARMUP_SECONDS=15
#                            BENCH_LATENCY_CONNECTIONS=4)
#   BENCH_API_BIN=PATH api/bench.sh    bench that binary instead of building
#                           one (the image's static musl build, another commit)
#
# Runs: nginx returning the /hello body (the practical limit), without and
# with an access log; hello-api /hello with and without its access log;
# /current_time with Kafka off, on (a dedicated local broker) and with that
# broker stopped. Every hello-api run but one logs each request, as in
# production. The runs are short and interleaved, round after round, in
# alternating order, so that the machine's drift hits them alike; prints the
# median req/s (and the range), p50, p99, the server's CPU time per request
# and the API's peak RSS, and judges each target on the median of its
# per-round ratios (a run against its neighbour in the same round): on this
# shared 2-core VM the machine's speed itself varies by tens of percent from
# one minute to the next, so unpaired medians can disagree between runs.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script_name=bench-api
# shellcheck source=../testbed/lib.sh
. "$repo/testbed/lib.sh"
seconds=${BENCH_SECONDS:-3}
rounds=${BENCH_ROUNDS:-9}
kafka_warmup=${BENCH_KAFKA_WARMUP_SECONDS:-15}
latency_connections=${BENCH_LATENCY_CONNECTIONS:-4}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-1}
target_dir=${CARGO_TARGET_DIR:-$repo/target}

need() { # COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "==> installing $2 (apt)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; else sudo apt-get install -y -qq "$2" >/dev/null; fi
}
need wrk wrk
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need nginx nginx-light
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

if [ -n "${BENCH_API_BIN:-}" ]; then
  api_bin=$BENCH_API_BIN
  [ -x "$api_bin" ] || { echo "bench: BENCH_API_BIN=$api_bin is not an executable" >&2; exit 2; }
else
  echo "==> building hello-api (release)" >&2
  (cd "$repo" && cargo build --release --locked -p hello-api)
  api_bin=$target_dir/release/hello-api
fi
echo "==> hello-api binary: $api_bin ($("$api_bin" --version))" >&2

work=$(mktemp -d /tmp/hello-bench.XXXXXX)
pids=()
cleanup() {
  terminate "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: $1 never answered" >&2; return 1
}

# --- nginx: the same body for /hello, the practical limit ------------------
nginx_port=$(port)
nginx_logged_port=$(port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_requests 1000000;
  log_format json escape=json '{"time":"\$time_iso8601","request_id":"\$request_id","method":"\$request_method","path":"\$uri","query":"\$args","status":\$status,"duration":\$request_time}';
  server {
    listen 127.0.0.1:$nginx_port;
    location = /hello { default_type application/json; return 200 '{"message":"Hello, World!"}'; }
  }
  server {
    listen 127.0.0.1:$nginx_logged_port;
    access_log $work/nginx/access.log json buffer=64k flush=100ms;
    location = /hello { default_type application/json; return 200 '{"message":"Hello, World!"}'; }
  }
}
NGINX
"$nginx_bin" -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
pids+=("$nginx_pid")
wait_http "http://127.0.0.1:$nginx_port/hello"

# --- a dedicated Kafka broker (never the shared test bed's) ----------------
# shellcheck source=../testbed/bench-broker.sh
. "$repo/testbed/bench-broker.sh"
start_bench_broker "$work" "$repo"
pids+=("$kafka_pid")

# --- hello-api processes --------------------------------------------------
start_api() { # NAME [ARGS...]: sets api_port, api_admin, api_pid (no subshell: pids must reach cleanup)
  local name=$1
  shift
  api_port=$(port)
  api_admin=$(port)
  "$api_bin" --listen "127.0.0.1:$api_port" --admin-listen "127.0.0.1:$api_admin" "$@" >"$work/$name.log" 2>&1 </dev/null &
  api_pid=$!
  pids+=("$api_pid")
  wait_http "http://127.0.0.1:$api_admin/readyz"
}
start_api kafka-off
off_port=$api_port off_pid=$api_pid
start_api no-access-log --access-log=false
quiet_port=$api_port quiet_pid=$api_pid
# BENCH_KAFKA_ARGS: extra flags for the Kafka-on API (e.g. --kafka-linger-ms 50).
# shellcheck disable=SC2086
start_api kafka-on --kafka-bootstrap-servers "127.0.0.1:$kafka_port" --kafka-topic bench-events --kafka-partitions 1 ${BENCH_KAFKA_ARGS:-}
on_port=$api_port on_admin=$api_admin on_pid=$api_pid
# Wait until the broker has the topic and took a first event.
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$on_port/current_time?name=Warm"
  curl -fsS "http://127.0.0.1:$on_admin/metrics" | grep -Eq '^hello_kafka_events_produced_total [1-9]' && break
  sleep 0.2
done

cpu_seconds() { # PID...: user+system CPU seconds of these processes
  local pid total=0
  for pid in "$@"; do
    total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{printf "%.2f", t + ($14 + $15) / hz}' "/proc/$pid/stat" 2>/dev/null || echo "$total")
  done
  echo "$total"
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
metric() { # ADMIN-PORT NAME: the sum of a counter's series
  curl -fsS "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $2} END {print s + 0}'
}

# The broker is a fresh JVM: its first seconds of produce requests pay for
# JIT compilation, which a production broker has long done. Warm it with
# the Kafka-on API before anything is measured.
echo "==> warming the broker up: ${kafka_warmup}s of /current_time with Kafka on" >&2
wrk -t "$threads" -c "$connections" -d "${kafka_warmup}s" "http://127.0.0.1:$on_port/current_time?name=Warm" >/dev/null 2>&1

results=$work/results.tsv
: >"$results"
run() { # KEY LABEL URL [PID...]: one measured run; PIDs are the server's processes
  local key=$1 label=$2 url=$3 out peak=0 cpu_before cpu_after c=${RUN_CONNECTIONS:-$connections}
  shift 3
  wrk -t "$threads" -c "$c" -d 1s "$url" >/dev/null 2>&1 # warm up
  cpu_before=$(cpu_seconds "$@")
  wrk -t "$threads" -c "$c" -d "${seconds}s" --latency "$url" >"$work/wrk.out" 2>&1 &
  local wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    local now
    now=$(rss_kib "$1")
    [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.25
  done
  wait "$wrk_pid"
  cpu_after=$(cpu_seconds "$@")
  out=$(cat "$work/wrk.out")
  local rps requests p50 p99 errors cpu_us
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  cpu_us=$(awk -v a="$cpu_after" -v b="$cpu_before" -v n="$requests" 'BEGIN {printf "%.2f", (a - b) * 1e6 / n}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$label" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" "$cpu_us" "$peak" "${errors:-}" "$round" >>"$results"
  echo "    $label: $rps req/s, p50 $p50, p99 $p99, $cpu_us µs CPU/request" >&2
}
to_ms() { # wrk's latency (850.00us, 1.20ms, 1.01s) in ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /s$/ && v !~ /ms$/) n *= 1000; printf "%.3f", n }'
}

nginx_workers=$(pgrep -P "$nginx_pid" | tr '\n' ' ')
# The cases of one round: KEY|LABEL|URL|CONNECTIONS|SERVER PIDS.
# Latency: with -c32 on two cores wrk's thread and the server's queue up
# behind each other, and the p99 is the kernel's time slice (~3 ms, nginx
# alike). The same rate with few connections shows the server's own tail.
lc=$latency_connections
cases=(
  "nginx|nginx /hello|http://127.0.0.1:$nginx_port/hello|$connections|$nginx_workers"
  "hello|hello-api /hello|http://127.0.0.1:$off_port/hello|$connections|$off_pid"
  "hello-quiet|hello-api /hello (access log off)|http://127.0.0.1:$quiet_port/hello|$connections|$quiet_pid"
  "nginx-log|nginx /hello (access log on)|http://127.0.0.1:$nginx_logged_port/hello|$connections|$nginx_workers"
  "off|hello-api /current_time (Kafka off)|http://127.0.0.1:$off_port/current_time?name=Paul|$connections|$off_pid"
  "on|hello-api /current_time (Kafka on)|http://127.0.0.1:$on_port/current_time?name=Paul|$connections|$on_pid"
  "lat-nginx|nginx /hello, -c$lc|http://127.0.0.1:$nginx_port/hello|$lc|$nginx_workers"
  "lat-hello|hello-api /hello, -c$lc|http://127.0.0.1:$off_port/hello|$lc|$off_pid"
  "lat-off|hello-api /current_time (Kafka off), -c$lc|http://127.0.0.1:$off_port/current_time?name=Paul|$lc|$off_pid"
  "lat-on|hello-api /current_time (Kafka on), -c$lc|http://127.0.0.1:$on_port/current_time?name=Paul|$lc|$on_pid"
)
run_round() { # CASE...: one run of each, in this order
  local spec key label url c server
  for spec in "$@"; do
    IFS='|' read -r key label url c server <<<"$spec"
    # shellcheck disable=SC2086
    RUN_CONNECTIONS=$c run "$key" "$label" "$url" $server
  done
}
reversed() { local i; for ((i = $# ; i > 0; i--)); do printf '%s\n' "${!i}"; done; }
echo "==> $rounds rounds of wrk -t$threads -c$connections (and -c$lc) -d${seconds}s, the runs interleaved, each after a 1 s warm-up" >&2
produced_before=$(metric "$on_admin" hello_kafka_events_produced_total)
dropped_before=$(metric "$on_admin" hello_kafka_events_dropped_total)
broker_cpu_before=$(cpu_seconds "$kafka_pid")
for round in $(seq 1 "$rounds"); do
  echo "  round $round" >&2
  # Odd rounds forward, even rounds backward: a drift within a round
  # favours neither side of a pair.
  if ((round % 2)); then run_round "${cases[@]}"; else mapfile -t back < <(reversed "${cases[@]}"); run_round "${back[@]}"; fi
done
broker_cpu=$(awk -v a="$(cpu_seconds "$kafka_pid")" -v b="$broker_cpu_before" 'BEGIN {printf "%.1f", a - b}')
produced=$(($(metric "$on_admin" hello_kafka_events_produced_total) - produced_before))
dropped_on=$(($(metric "$on_admin" hello_kafka_events_dropped_total) - dropped_before))
on_requests=$(awk -F'\t' -v s="$seconds" '$1 == "on" || $1 == "lat-on" {n += $3 * s} END {printf "%d", n}' "$results")
echo "==> stopping the broker" >&2
kill -TERM "$kafka_pid"; wait "$kafka_pid" 2>/dev/null || true
if (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null; then echo "bench: the broker still listens" >&2; exit 1; fi
stopped_cases=(
  "off-2|hello-api /current_time (Kafka off, again)|http://127.0.0.1:$off_port/current_time?name=Paul|$connections|$off_pid"
  "down|hello-api /current_time (broker stopped)|http://127.0.0.1:$on_port/current_time?name=Paul|$connections|$on_pid"
)
for round in $(seq 1 "$rounds"); do
  echo "  round $round, broker stopped" >&2
  if ((round % 2)); then run_round "${stopped_cases[@]}"; else run_round "${stopped_cases[1]}" "${stopped_cases[0]}"; fi
done
dropped=$(metric "$on_admin" hello_kafka_events_dropped_total)
failed=$(metric "$on_admin" hello_kafka_events_failed_total)
hwm_off=$(awk '/^VmHWM/ {print $2}' "/proc/$off_pid/status")
hwm_on=$(awk '/^VmHWM/ {print $2}' "/proc/$on_pid/status")

median() { # KEY COLUMN: the median of a column over the key's rounds
  awk -F'\t' -v k="$1" -v c="$2" '$1 == k {print $c}' "$results" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
range() { # KEY COLUMN: min-max over the key's rounds
  awk -F'\t' -v k="$1" -v c="$2" '$1 == k {print $c}' "$results" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0fk-%.0fk", lo / 1000, hi / 1000}'
}
peak_mib() { # KEY: the highest RSS sampled over the key's rounds
  awk -F'\t' -v k="$1" '$1 == k && $7 > p {p = $7} END {printf "%.1f", p / 1024}' "$results"
}

paired() { # KEY BASE COLUMN: "median min max" of KEY/BASE over the rounds (each round's runs paired)
  awk -F'\t' -v k="$1" -v b="$2" -v c="$3" '$1 == k {x[$9] = $c} $1 == b {y[$9] = $c}
    END {for (r in x) if (r in y && y[r] > 0) print x[r] / y[r]}' "$results" | sort -g |
    awk '{v[NR] = $1} END {printf "%.3f %.3f %.3f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR]}'
}
echo
echo "hello-api bench on $(nproc) cores, $rounds rounds of wrk -t$threads -c$connections -d${seconds}s, medians, $(date -u +%Y-%m-%d)"
printf '%-44s %10s %12s %8s %8s %10s %10s %8s\n' run "req/s" "range" "p50 ms" "p99 ms" "CPU µs/req" "peak RSS" "vs nginx"
# "vs nginx" is the median of the per-round ratios, not a ratio of medians.
for key in nginx nginx-log hello hello-quiet off on off-2 down lat-nginx lat-hello lat-off lat-on; do
  case $key in lat-*) base=lat-nginx ;; *) base=nginx ;; esac
  [ "$key" = lat-nginx ] && echo "-- the same at -c$latency_connections (latency at about the same rate):"
  label=$(awk -F'\t' -v k="$key" '$1 == k {print $2; exit}' "$results")
  rps=$(median "$key" 3)
  rss=-
  case $key in *nginx*) ;; *) rss="$(peak_mib "$key") MiB" ;; esac
  errors=$(awk -F'\t' -v k="$key" '$1 == k && $8 != "" {print $8}' "$results" | head -1)
  printf '%-44s %10.0f %12s %8s %8s %10s %10s %7.2fx %s\n' "$label" "$rps" "$(range "$key" 3)" "$(median "$key" 4)" "$(median "$key" 5)" "$(median "$key" 6)" "$rss" \
    "$(paired "$key" "$base" 3 | cut -d' ' -f1)" "$errors"
done
target() { # TEXT KEY BASE COLUMN GOAL-EXPRESSION-ON-r: one line of the targets block
  local text=$1 median lo hi verdict
  read -r median lo hi < <(paired "$2" "$3" "$4")
  verdict=$(awk -v r="$median" "BEGIN {print ($5) ? \"met\" : \"NOT met\"}")
  printf '  %-58s median %6s  (rounds %s-%s)  %s\n' "$text" "$(fmt_ratio "$4" "$median")" "$(fmt_ratio "$4" "$lo")" "$(fmt_ratio "$4" "$hi")" "$verdict"
}
fmt_ratio() { # COLUMN RATIO: req/s ratios as 0.86x, others as +12.3%
  awk -v c="$1" -v r="$2" 'BEGIN {if (c == 3 && r > 0.5) printf "%.2fx", r; else printf "%+.1f%%", (r - 1) * 100}'
}
echo
echo "Targets, each judged on the median of its per-round ratios ($rounds rounds):"
target "/hello >= 0.8x nginx (req/s, -c$connections)" hello nginx 3 'r >= 0.8'
target "/current_time >= 0.7x nginx /hello (req/s, -c$connections)" off nginx 3 'r >= 0.7'
target "/current_time Kafka on within 10% of off (req/s, -c$connections)" on off 3 'r >= 0.9'
target "/current_time Kafka on within 10% of off (req/s, -c$lc)" lat-on lat-off 3 'r >= 0.9'
target "broker stopped within 10% of Kafka off (req/s, -c$connections)" down off-2 3 'r >= 0.9'
awk -v p="$(median lat-on 5)" -v q="$(median lat-off 5)" -v n="$(median lat-nginx 5)" -v lc="$lc" 'BEGIN {
  printf "  %-58s median %.2f ms (Kafka off %.2f, nginx %.2f)  %s\n", "p99 < 2 ms, Kafka on, -c" lc, p, q, n, (p < 2) ? "met" : "NOT met" }'
awk -v p="$(peak_mib on)" -v q="$(peak_mib down)" 'BEGIN {
  printf "  %-58s %.1f MiB (broker stopped, full queue: %.1f MiB)  %s\n", "RSS < 20 MiB under load, Kafka on", p, q, (p < 20) ? "met" : "NOT met" }'
echo "API CPU per request, Kafka on vs off (paired): $(fmt_ratio 6 "$(paired on off 6 | cut -d' ' -f1)") at -c$connections, $(fmt_ratio 6 "$(paired lat-on lat-off 6 | cut -d' ' -f1)") at -c$lc"
echo "Kafka-on rounds: ${on_requests} requests, ${produced} events acknowledged (warm-ups included), ${dropped_on} dropped; the broker used ${broker_cpu} CPU s over all rounds"
echo "after the broker stopped: ${dropped} events dropped (queue full), ${failed} failed (delivery errors)"
echo "peak RSS (VmHWM, whole run): Kafka off $((hwm_off / 1024)).$(((hwm_off % 1024) * 10 / 1024)) MiB, Kafka on $((hwm_on / 1024)).$(((hwm_on % 1024) * 10 / 1024)) MiB"
