#!/usr/bin/env bash
# make bench: hello-api against nginx, side by side, on this machine.
# Everything listens on 127.0.0.1 only; every run is bounded by wrk's -d and
# every process this script starts is stopped by pid on exit.
#
#   api/bench.sh            (BENCH_SECONDS=10 BENCH_CONNECTIONS=32 BENCH_THREADS=1)
#   BENCH_API_BIN=PATH api/bench.sh    bench that binary instead of building
#                           one (the image's static musl build, another commit)
#
# Runs: nginx returning the /hello body (the practical limit), without and
# with an access log; hello-api /hello with and without its access log;
# /current_time with Kafka off, on (a dedicated local broker) and with that
# broker stopped. Every hello-api run but one logs each request, as in
# production. Prints req/s, p50, p99 and the API's peak RSS under load.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
seconds=${BENCH_SECONDS:-10}
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
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
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
pids+=($!)
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

cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

results=$work/results.tsv
: >"$results"
run() { # LABEL URL [PID-TO-WATCH]
  local label=$1 url=$2 pid=${3:-} out peak=0
  wrk -t "$threads" -c "$connections" -d 2s "$url" >/dev/null 2>&1 # warm up
  wrk -t "$threads" -c "$connections" -d "${seconds}s" --latency "$url" >"$work/wrk.out" 2>&1 &
  local wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    if [ -n "$pid" ]; then
      local now
      now=$(rss_kib "$pid")
      [ "$now" -gt "$peak" ] && peak=$now
    fi
    sleep 0.25
  done
  wait "$wrk_pid"
  out=$(cat "$work/wrk.out")
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rps" "$p50" "$p99" "$([ -n "$pid" ] && echo "$((peak / 1024)).$(((peak % 1024) * 10 / 1024))" || echo -)" "${errors:-}" >>"$results"
  echo "    $label: $rps req/s, p50 $p50, p99 $p99" >&2
}

echo "==> wrk -t$threads -c$connections -d${seconds}s, each run after a 2 s warm-up" >&2
run "nginx /hello" "http://127.0.0.1:$nginx_port/hello"
run "nginx /hello (access log on)" "http://127.0.0.1:$nginx_logged_port/hello"
run "hello-api /hello" "http://127.0.0.1:$off_port/hello" "$off_pid"
run "hello-api /hello (access log off)" "http://127.0.0.1:$quiet_port/hello" "$quiet_pid"
run "hello-api /current_time (Kafka off)" "http://127.0.0.1:$off_port/current_time?name=Paul" "$off_pid"
broker_cpu_before=$(cpu_seconds "$kafka_pid")
api_cpu_before=$(cpu_seconds "$on_pid")
run "hello-api /current_time (Kafka on)" "http://127.0.0.1:$on_port/current_time?name=Paul" "$on_pid"
broker_cpu=$(awk -v a="$(cpu_seconds "$kafka_pid")" -v b="$broker_cpu_before" 'BEGIN {printf "%.1f", a - b}')
api_cpu=$(awk -v a="$(cpu_seconds "$on_pid")" -v b="$api_cpu_before" 'BEGIN {printf "%.1f", a - b}')
produced=$(curl -fsS "http://127.0.0.1:$on_admin/metrics" | awk '/^hello_kafka_events_produced_total/ {print $2}')
dropped_on=$(curl -fsS "http://127.0.0.1:$on_admin/metrics" | awk '/^hello_kafka_events_dropped_total/ {s+=$2} END {print s+0}')
echo "==> stopping the broker" >&2
kill -TERM "$kafka_pid"; wait "$kafka_pid" 2>/dev/null || true
if (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null; then echo "bench: the broker still listens" >&2; exit 1; fi
run "hello-api /current_time (broker stopped)" "http://127.0.0.1:$on_port/current_time?name=Paul" "$on_pid"
dropped=$(curl -fsS "http://127.0.0.1:$on_admin/metrics" | awk '/^hello_kafka_events_dropped_total/ {s+=$2} END {print s+0}')
failed=$(curl -fsS "http://127.0.0.1:$on_admin/metrics" | awk '/^hello_kafka_events_failed_total/ {print $2}')
hwm_off=$(awk '/^VmHWM/ {print $2}' "/proc/$off_pid/status")
hwm_on=$(awk '/^VmHWM/ {print $2}' "/proc/$on_pid/status")

echo
echo "hello-api bench on $(nproc) cores, wrk -t$threads -c$connections -d${seconds}s, $(date -u +%Y-%m-%d)"
printf '%-42s %12s %9s %9s %14s %9s\n' run "req/s" p50 p99 "peak RSS MiB" "vs nginx"
nginx_rps=$(awk -F'\t' 'NR==1 {print $2}' "$results")
off_rps=$(awk -F'\t' 'NR==5 {print $2}' "$results")
while IFS=$'\t' read -r label rps p50 p99 rss errors; do
  ratio=$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN {printf "%.2fx", a/b}')
  printf '%-42s %12s %9s %9s %14s %9s %s\n' "$label" "$rps" "$p50" "$p99" "$rss" "$ratio" "$errors"
done <"$results"
on_rps=$(awk -F'\t' 'NR==6 {print $2}' "$results")
down_rps=$(awk -F'\t' 'NR==7 {print $2}' "$results")
awk -v on="$on_rps" -v off="$off_rps" -v down="$down_rps" 'BEGIN {
  printf "Kafka on vs off (/current_time): %+.1f%% req/s; broker stopped vs off: %+.1f%%\n", (on/off-1)*100, (down/off-1)*100 }'
echo "Kafka events acknowledged during the Kafka-on run: ${produced:-0}; dropped then: ${dropped_on}; after the broker stopped: dropped ${dropped} (queue full), failed ${failed:-0} (delivery errors)"
echo "CPU during the Kafka-on run (incl. warm-up): hello-api ${api_cpu} s, the local Kafka broker ${broker_cpu} s, of $(( $(nproc) * (seconds + 2) )) s available"
echo "peak RSS (VmHWM): Kafka off $((hwm_off / 1024)) MiB, Kafka on $((hwm_on / 1024)) MiB"
