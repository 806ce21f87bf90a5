# Sourced by the bench scripts (api/bench.sh, consumer/bench.sh): starts a
# dedicated single-node KRaft broker on 127.0.0.1, never the shared test
# bed's, from the test bed's cached Kafka install.
#   start_bench_broker WORKDIR REPO   sets kafka_port and kafka_pid
# The caller adds $kafka_pid to its cleanup.
# shellcheck shell=bash

script_name=${script_name:-bench}
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_bench_broker() {
  local work=$1 repo=$2 kafka_home controller_port
  kafka_home=$("$repo/testbed/install.sh" --print-kafka-dir)
  kafka_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # shellcheck disable=SC2034 # the template's (render)
  controller_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/kafka"
  # shellcheck disable=SC2034 # the template's (render), with controller_port
  local listeners=PLAINTEXT://127.0.0.1:$kafka_port protocol_map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT \
    data_dir=$work/kafka/data offsets_partitions=1
  render "$repo/testbed/templates/kafka-server.properties" >"$work/kafka/server.properties"
  printf 'status = warn\nappender.out.type = Console\nappender.out.name = OUT\nappender.out.layout.type = PatternLayout\nappender.out.layout.pattern = %%m%%n\nrootLogger.level = WARN\nrootLogger.appenderRef.out.ref = OUT\n' >"$work/kafka/log4j2.properties"
  echo "==> starting a dedicated Kafka broker on 127.0.0.1:$kafka_port" >&2
  local kjava=(java -Xmx256m -Dlog4j2.configurationFile="$work/kafka/log4j2.properties" -cp "$kafka_home/libs/*")
  "${kjava[@]}" kafka.tools.StorageTool format -t "$("${kjava[@]}" kafka.tools.StorageTool random-uuid)" -c "$work/kafka/server.properties" >/dev/null
  # Started directly so that $! is the JVM itself.
  java -Xmx384m -Dlog4j2.configurationFile="$work/kafka/log4j2.properties" -cp "$kafka_home/libs/*" \
    kafka.Kafka "$work/kafka/server.properties" >"$work/kafka/kafka.log" 2>&1 &
  # shellcheck disable=SC2034 # for the bench scripts that source this
  kafka_pid=$!
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null && return 0; sleep 0.2; done
  echo "bench: the broker did not start; see $work/kafka/kafka.log" >&2
  return 1
}
