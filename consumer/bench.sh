#!/usr/bin/env bash
# make bench-consumer: hello-consumer against kcat, side by side, on this
# machine. A dedicated local broker (127.0.0.1 only) gets BENCH_RECORDS
# JSON records like /current_time bodies on a fresh 3-partition topic; then
# each consumer reads all of them from the beginning with stdout to a file,
# alternately, BENCH_ROUNDS times after one warm-up round each. Prints
# records/s (wall clock, start-up included) and CPU seconds of each, and the
# ratio of the best runs.
#
#   consumer/bench.sh        (BENCH_RECORDS=500000 BENCH_ROUNDS=3)
#
# hello-consumer runs with a consumer group (join, stored offsets, commits)
# and --exit-at-end; kcat runs `-C -o beginning -e` without a group. Every
# process this script starts is stopped by pid on exit.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script_name=bench-consumer
# shellcheck source=../testbed/lib.sh
. "$repo/testbed/lib.sh"
if ! command -v kcat >/dev/null 2>&1; then
  echo "consumer/bench.sh needs kcat: install it with 'apt-get install -y kcat' (Debian)" >&2
  exit 1
fi

records=${BENCH_RECORDS:-500000}
rounds=${BENCH_ROUNDS:-3}
target_dir=${CARGO_TARGET_DIR:-$repo/target}

echo "==> building hello-consumer (release)" >&2
(cd "$repo" && cargo build --release --locked -p hello-consumer)
consumer_bin=$target_dir/release/hello-consumer

work=$(mktemp -d /tmp/hello-consumer-bench.XXXXXX)
pids=()
cleanup() {
  terminate "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=../testbed/bench-broker.sh
. "$repo/testbed/bench-broker.sh"
start_bench_broker "$work" "$repo"
pids+=("$kafka_pid")
bootstrap=127.0.0.1:$kafka_port
kafka_home=$("$repo/testbed/install.sh" --print-kafka-dir)
topic=bench-events

echo "==> topic $topic (3 partitions), $records records" >&2
java -Xmx256m -Dlog4j2.configurationFile="$work/kafka/log4j2.properties" -cp "$kafka_home/libs/*" \
  org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --create --topic "$topic" \
  --partitions 3 --replication-factor 1 >/dev/null
awk -v n="$records" 'BEGIN { for (i = 0; i < n; i++) printf "{\"timestamp\":%d,\"message\":\"Hello, Name%d!\"}\n", 1763776000 + i, i }' >"$work/records.jsonl"
kcat -P -b "$bootstrap" -t "$topic" -X linger.ms=20 -l "$work/records.jsonl"
rm -f "$work/records.jsonl"

# Wall and CPU seconds of one command, stdout to a file: "real user+sys".
timed() { # OUT ERR CMD...
  local out=$1 err=$2
  shift 2
  local TIMEFORMAT='%R %U %S'
  { time "$@" >"$out" 2>"$err"; } 2>&1 | awk '{printf "%s %.2f\n", $1, $2 + $3}'
}

# A warm-up round of each, not counted: the first group on a fresh broker
# waits for __consumer_offsets to be created, and the page cache fills.
kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q >/dev/null
"$consumer_bin" --kafka-bootstrap-servers "$bootstrap" --kafka-topic "$topic" --group-id "bench-warm-$$" \
  --admin-listen 127.0.0.1:0 --log-format text --exit-at-end >/dev/null 2>"$work/consumer.err"

results=$work/results.tsv
: >"$results"
for round in $(seq 1 "$rounds"); do
  read -r real cpu < <(timed "$work/kcat.out" "$work/kcat.err" \
    kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q)
  lines=$(wc -l <"$work/kcat.out")
  [ "$lines" = "$records" ] || { echo "bench: kcat read $lines of $records records" >&2; cat "$work/kcat.err" >&2; exit 1; }
  printf 'kcat\t%s\t%s\n' "$real" "$cpu" >>"$results"

  read -r real cpu < <(timed "$work/consumer.out" "$work/consumer.err" \
    "$consumer_bin" --kafka-bootstrap-servers "$bootstrap" --kafka-topic "$topic" \
    --group-id "bench-$round-$$" --admin-listen 127.0.0.1:0 --log-format text --exit-at-end)
  lines=$(wc -l <"$work/consumer.out")
  [ "$lines" = "$records" ] || { echo "bench: hello-consumer wrote $lines of $records lines" >&2; cat "$work/consumer.err" >&2; exit 1; }
  printf 'hello-consumer\t%s\t%s\n' "$real" "$cpu" >>"$results"
  echo "==> round $round done" >&2
done
kcat_bytes=$(wc -c <"$work/kcat.out")
consumer_bytes=$(wc -c <"$work/consumer.out")

echo
echo "$records records, 3 partitions, stdout to a file; best of $rounds alternating rounds"
awk -F'\t' -v n="$records" -v kb="$kcat_bytes" -v cb="$consumer_bytes" '
  { if (!($1 in best) || $2 < best[$1]) { best[$1] = $2; cpu[$1] = $3 }; all[$1] = all[$1] sprintf(" %.0f", n / $2) }
  END {
    printf "%-15s %12s %10s %12s %12s   %s\n", "consumer", "records/s", "wall s", "CPU s", "out MiB", "records/s of each round"
    printf "%-15s %12.0f %10.2f %12.2f %12.1f  %s\n", "kcat", n / best["kcat"], best["kcat"], cpu["kcat"], kb / 1048576, all["kcat"]
    printf "%-15s %12.0f %10.2f %12.2f %12.1f  %s\n", "hello-consumer", n / best["hello-consumer"], best["hello-consumer"], cpu["hello-consumer"], cb / 1048576, all["hello-consumer"]
    printf "ratio hello-consumer / kcat: %.2fx (target >= 0.5x)\n", best["kcat"] / best["hello-consumer"]
  }' "$results"
