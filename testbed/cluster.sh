#!/usr/bin/env bash
# The local test bed: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, moto (STS, for the IRSA chain) and a single-node KRaft
# Kafka, all on loopback.
#
#   testbed/cluster.sh up       start (idempotent) and write $HELLO_TESTBED_DIR/env
#   testbed/cluster.sh up --node  the same plus a real node: containerd, kubelet,
#                               kube-proxy, kube-router (NetworkPolicy) and CoreDNS
#                               (also HELLO_TESTBED_NODE=1; root only, one per
#                               machine; see node.sh)
#   testbed/cluster.sh down     stop every process it started, by pid (and the
#                               node's containers, mounts, bridge and rules)
#   testbed/cluster.sh status   show each component
#   testbed/cluster.sh import ARCHIVE...  import image archives into the node's
#                               containerd (namespace k8s.io)
#   testbed/cluster.sh env      rewrite $HELLO_TESTBED_DIR/env of a running test
#                               bed, with the lines of env.d/*.env (HELLO_URL)
#
# HELLO_TESTBED_DIR (default <repo>/.testbed) holds state, logs and pids. Ports
# are picked free at start, so two clones can each run one at the same time;
# HELLO_TESTBED_API_PORT, HELLO_TESTBED_KAFKA_PORT (etc., see pick_ports) pin one.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
script_name=testbed
# shellcheck source=lib.sh
. "$here/lib.sh"

work=${HELLO_TESTBED_DIR:-$repo/.testbed}
mkdir -p "$work"
work=$(cd "$work" && pwd)
pki=$work/pki
logs=$work/logs
pids=$work/pids
# The tool cache (install.sh); the registry keeps its storage there.
cache=${HELLO_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hello-testbed}
# Start order; `down` stops in reverse.
components=(etcd kube-apiserver kube-controller-manager kube-scheduler moto kafka)
# The node's components, started after those when $work/node.on exists.
node_components=(registry containerd kubelet kube-proxy kube-router)
node_on() { [ -f "$work/node.on" ]; }
# The node's functions and settings (node_up, node_down, ...).
# shellcheck source=node.sh
. "$here/node.sh"


pid_of() { cat "$pids/$1.pid" 2>/dev/null; }

# A pid counts as ours only while its command line names this work directory,
# so a recycled pid is never mistaken for (or killed as) a test bed process.
owned() { command_line_has "$1" "$work"; }

alive() {
  local pid
  pid=$(pid_of "$1") || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && owned "$pid"
}

start() {
  local name=$1
  shift
  # 9>&-: the daemon must not inherit the lock that `up` holds.
  setsid "$@" >"$logs/$name.log" 2>&1 </dev/null 9>&- &
  local pid=$!
  echo "$pid" >"$pids/$name.pid"
  # Until it has exec'd, the child's command line is this script's, which
  # `owned` does not recognise: on a loaded machine `alive` would report a
  # starting daemon as exited. Wait for the exec (or the exit).
  for _ in $(seq 1 100); do
    owned "$pid" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
}

# wait_until NAME SECONDS CHECK...: polls CHECK; names the component and its log
# if the process dies or the check never passes.
wait_until() {
  local name=$1 timeout=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || fail "start $name" "the process exited; its log is $logs/$name.log" "$logs/$name.log"
    [ $SECONDS -lt $deadline ] || fail "start $name" "not ready after ${timeout}s; its log is $logs/$name.log" "$logs/$name.log"
    sleep 0.3
  done
}

# shellcheck source=/dev/null # written by pick_ports
load_ports() { [ -f "$work/ports.env" ] && . "$work/ports.env"; }

# Free ports below the kernel's ephemeral range, so outgoing connections do
# not grab them between the pick and the bind.
pick_ports() {
  python3 - "$@" <<'PY' >"$work/ports.env"
import os, random, socket, sys
names, held = sys.argv[1:], []
for port in random.sample(range(20000, 32000), 400):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    held.append(s)
    if len(held) == len(names):
        break
for name, s in zip(names, held):
    # HELLO_TESTBED_<NAME> pins a port (to reproduce a clash, or for firewalls).
    port = os.environ.get(f"HELLO_TESTBED_{name}") or s.getsockname()[1]
    print(f"{name}={port}")
PY
  # shellcheck source=/dev/null # written just above
  . "$work/ports.env"
}

port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[2], int(sys.argv[1])))' "$1" "${2:-127.0.0.1}" 2>/dev/null; }

# Bump when the set of certificates changes, so an old $pki is regenerated.
pki_version="6 $NODE_NAME"

gen_pki() {
  [ "$(cat "$pki/.complete" 2>/dev/null)" = "$pki_version" ] && return 0
  say "generating certificates in $pki"
  rm -rf "$pki" && mkdir -p "$pki"
  (
    cd "$pki"
    set -e
    ec() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"; }
    sign() {
      printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' "$2" "${3:-}" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out "$1.crt" -extfile "$1.ext"
    }
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -keyout ca.key -out ca.crt -subj "/CN=hello-testbed-ca"
    ec apiserver "/CN=kube-apiserver"
    sign apiserver serverAuth \
      "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,IP:$NODE_GATEWAY,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    ec admin "/O=system:masters/CN=hello-testbed-admin"
    sign admin clientAuth
    ec controller-manager "/CN=system:kube-controller-manager"
    sign controller-manager clientAuth
    ec scheduler "/CN=system:kube-scheduler"
    sign scheduler clientAuth
    ec apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
    sign apiserver-kubelet-client clientAuth
    # The node: kubelet's client identity (the Node authorizer's
    # system:node:<name> in system:nodes), its serving certificate, kube-proxy.
    ec node "/O=system:nodes/CN=system:node:$NODE_NAME"
    sign node clientAuth
    ec kubelet "/CN=$NODE_NAME"
    sign kubelet serverAuth "subjectAltName=IP:$NODE_GATEWAY,IP:127.0.0.1,DNS:$NODE_NAME,DNS:localhost"
    ec kube-proxy "/CN=system:kube-proxy"
    sign kube-proxy clientAuth
    # kube-router's network policy controller (a ClusterRole, node.sh).
    ec kube-router "/CN=system:kube-router"
    sign kube-router clientAuth
    # The broker's TLS listener (MSK IAM), for host clients and pods; Kafka
    # reads its key from a PKCS#12 keystore.
    ec kafka "/CN=kafka"
    sign kafka serverAuth "subjectAltName=IP:127.0.0.1,IP:$NODE_GATEWAY,DNS:localhost"
    openssl pkcs12 -export -in kafka.crt -inkey kafka.key -name kafka -out kafka.p12 -passout pass:hello-testbed
    # The registry (node.sh), for skopeo, buildah and containerd on the host.
    ec registry "/CN=hello-testbed-registry"
    sign registry serverAuth "subjectAltName=IP:127.0.0.1,DNS:localhost"
    # Service-account tokens are signed with this key pair.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key
    openssl pkey -in sa.key -pubout -out sa.pub
    rm -f ./*.csr ./*.ext
  ) >"$logs/pki.log" 2>&1 || fail "generate certificates" "openssl failed" "$logs/pki.log"
  echo "$pki_version" >"$pki/.complete"
}

write_kubeconfig() { # FILE CLIENT-CERT-NAME
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: hello-testbed
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $pki/$2.crt
    client-key: $pki/$2.key
contexts:
- name: hello-testbed
  context: {cluster: hello-testbed, user: $2}
current-context: hello-testbed
EOF
}

kafka_dir() { "$here/install.sh" --print-kafka-dir; }

kafka_java() { # CLASS ARGS...: runs a Kafka main class from the cached jars
  local class=$1
  shift
  java -Xmx256m -cp "$(kafka_dir)/libs/*" -Dlog4j2.configurationFile="$work/kafka/log4j2.properties" "$class" "$@"
}

write_kafka_config() {
  mkdir -p "$work/kafka"
  # With the node, a second listener on the pod network's gateway, advertised
  # as such, so pods reach the broker (and the metadata it returns); host
  # clients keep 127.0.0.1.
  # IAM (and IAM_PODS with the node): SASL_SSL with OAUTHBEARER, MSK's IAM
  # port, where testbed/msk-iam-auth checks each token as MSK does.
  # IAM_REAUTH: the same, but sessions end after 15 s (test only), so clients
  # re-authenticate, with refreshed tokens, while the refresh tests run.
  local listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT,IAM://127.0.0.1:$KAFKA_IAM_PORT"
  listeners+=",IAM_REAUTH://127.0.0.1:$KAFKA_IAM_REAUTH_PORT"
  local protocol_map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,IAM:SASL_SSL,IAM_REAUTH:SASL_SSL
  local iam_listeners=(iam "iam_reauth 15")
  if node_on; then
    listeners+=",PODS://$NODE_GATEWAY:$KAFKA_POD_PORT,IAM_PODS://$NODE_GATEWAY:$KAFKA_IAM_POD_PORT"
    protocol_map+=",PODS:PLAINTEXT,IAM_PODS:SASL_SSL"
    iam_listeners+=(iam_pods)
  fi
  write_kafka_iam_credentials
  # shellcheck disable=SC2034 # the template's (render), with listeners and protocol_map
  local controller_port=$KAFKA_CONTROLLER_PORT data_dir=$work/kafka/data offsets_partitions=3
  render "$here/templates/kafka-server.properties" >"$work/kafka/server.properties"
  local l
  for l in "${iam_listeners[@]}"; do
    # shellcheck disable=SC2086 # the listener and its session cap
    kafka_iam_listener_config $l >>"$work/kafka/server.properties"
  done
  cat >"$work/kafka/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.quiet.name = org.apache.kafka.clients
logger.quiet.level = WARN
EOF
}

# The test bed's IAM identity: a long-term key pair the broker knows. Its
# region and keys go into the env, for clients on this machine.
KAFKA_IAM_REGION=eu-west-1
write_kafka_iam_credentials() {
  if [ ! -s "$work/kafka-iam.env" ]; then
    printf 'HELLO_TESTBED_IAM_ACCESS_KEY_ID=AKIAHELLOTESTBED0001\nHELLO_TESTBED_IAM_SECRET_ACCESS_KEY=%s\n' \
      "$(openssl rand -hex 20)" >"$work/kafka-iam.env"
  fi
  # shellcheck source=/dev/null # written just above
  . "$work/kafka-iam.env"
  printf '# ACCESS_KEY_ID SECRET_ACCESS_KEY PRINCIPAL (testbed/msk-iam-auth)\n%s %s %s\n' \
    "$HELLO_TESTBED_IAM_ACCESS_KEY_ID" "$HELLO_TESTBED_IAM_SECRET_ACCESS_KEY" \
    "arn:aws:iam::123456789012:user/hello-testbed" >"$work/kafka/iam-credentials"
}

# kafka_iam_listener_config LISTENER [MAX_SESSION_SECONDS]: the broker
# settings of one MSK IAM listener. Sessions end with their token
# (connections.max.reauth.ms on, as on MSK), so clients re-authenticate with
# fresh tokens; MAX_SESSION_SECONDS (test only) ends them sooner.
kafka_iam_listener_config() {
  local l=$1 max_session=
  [ -n "${2:-}" ] && max_session=" maxSessionSeconds=\"$2\""
  cat <<EOF
listener.name.$l.sasl.enabled.mechanisms=OAUTHBEARER
listener.name.$l.oauthbearer.sasl.server.callback.handler.class=dev.hello.testbed.mskiam.MskIamValidatorCallbackHandler
listener.name.$l.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker" region="$KAFKA_IAM_REGION" credentialsFile="$work/kafka/iam-credentials" motoEndpoint="http://127.0.0.1:$MOTO_PORT"$max_session;
listener.name.$l.oauthbearer.connections.max.reauth.ms=900000
listener.name.$l.ssl.keystore.type=PKCS12
listener.name.$l.ssl.keystore.location=$pki/kafka.p12
listener.name.$l.ssl.keystore.password=hello-testbed
listener.name.$l.ssl.key.password=hello-testbed
EOF
}

healthy_http() { # URL [curl args]: true when the body is exactly "ok"
  local url=$1
  shift
  [ "$(curl -fsS --max-time 3 "$@" "$url")" = ok ]
}

apiserver_ready() {
  healthy_http "https://127.0.0.1:$API_PORT/readyz" --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key"
}

kafka_ready() {
  # A Metadata request through the admin client; a listening socket alone is
  # not a working broker.
  timeout 30 java -Xmx256m -cp "$(kafka_dir)/libs/*" -Dlog4j2.configurationFile="$work/kafka/log4j2.properties" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --list
}

kafka_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null; }

all_up() {
  load_ports || return 1
  local c
  for c in "${components[@]}"; do alive "$c" || return 1; done
  if node_on; then
    for c in "${node_components[@]}"; do alive "$c" || return 1; done
  fi
  apiserver_ready && kafka_port_open
}

write_env() {
  local path_entries
  path_entries=$("$here/install.sh" --print-path | paste -sd: -)
  cat >"$work/env.partial" <<EOF
# Written by testbed/cluster.sh; source it: . $work/env
export HELLO_TESTBED_DIR=$work
export KUBECONFIG=$work/kubeconfig
export HELLO_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
# The MSK IAM listener (SASL_SSL, OAUTHBEARER) and what a client needs for it.
export HELLO_KAFKA_IAM_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_IAM_PORT
# The same with sessions cut to 15 s (test only: token refresh checks).
export HELLO_KAFKA_IAM_REAUTH_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_IAM_REAUTH_PORT
export HELLO_KAFKA_IAM_REGION=$KAFKA_IAM_REGION
export HELLO_KAFKA_IAM_CA_FILE=$pki/ca.crt
# moto's STS, for the IRSA chain (AWS_ENDPOINT_URL_STS); the broker trusts
# the temporary credentials it issues.
export HELLO_TESTBED_STS_ENDPOINT=http://127.0.0.1:$MOTO_PORT
export PATH=$path_entries:\$PATH
EOF
  # The test bed's IAM key (HELLO_TESTBED_IAM_ACCESS_KEY_ID, ..._SECRET_ACCESS_KEY).
  sed 's/^/export /' "$work/kafka-iam.env" >>"$work/env.partial"
  node_on && node_env >>"$work/env.partial"
  # Lines other scripts add (testbed/up.sh: HELLO_URL) survive a rewrite;
  # they go with the test bed (stop_all).
  local extra
  for extra in "$work"/env.d/*.env; do
    if [ -f "$extra" ]; then cat "$extra" >>"$work/env.partial"; fi
  done
  mv "$work/env.partial" "$work/env"
}

stop_one() { # COMPONENT: SIGTERM, then SIGKILL after 10 s
  local c=$1 pid
  pid=$(pid_of "$c") || return 0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && owned "$pid"; then
    say "stopping $c (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { say "$c ignored SIGTERM; killing"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$pids/$c.pid"
}

stop_all() {
  local i c pid
  rm -f "$work/env"
  rm -rf "$work/env.d"
  # The node first, while the apiserver still answers: its pods are deleted
  # through the API so kubelet tears their sandboxes down (CNI DEL, unmounts).
  node_down
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do
    stop_one "${components[i]}"
  done
  # Anything else still naming this work directory (a child that outlived
  # its parent) goes too: `down` leaves no process behind.
  for pid in $(processes_naming "$work"); do
    command_line_has "$pid" cluster.sh && continue
    say "killing leftover pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
  done
  return 0
}

# The control plane, one function per component, in start order. Each says
# what it starts, fails naming itself when its port is taken, and starts it;
# `up` waits for them.

# listen NAME PORT [BIND]: fails naming NAME when PORT is taken.
listen() { port_free "$2" "${3:-127.0.0.1}" || fail "start $1" "port $2 is already in use"; }

start_etcd() { # ETCD-BIN-DIR
  say "etcd $ETCD_VERSION on 127.0.0.1:$ETCD_PORT"
  rm -rf "$work/etcd"
  listen etcd "$ETCD_PORT"
  start etcd "$1/etcd" --name testbed --data-dir "$work/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "testbed=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
}

start_apiserver() { # KUBERNETES-BIN-DIR
  # With the node, pods reach the apiserver through the `kubernetes` Service
  # (10.96.0.1:443 -> the gateway address): it listens on every address and
  # advertises the gateway; its clients still authenticate by certificate or
  # token, anonymous requests get only the health endpoints.
  local bind=127.0.0.1 advertise=()
  # (kubelet is reached by its InternalIP: the node's name is in no DNS.)
  # shellcheck disable=SC2054 # InternalIP,Hostname is one flag value
  node_on && { bind=0.0.0.0; advertise=(--advertise-address "$NODE_GATEWAY" --kubelet-preferred-address-types InternalIP,Hostname); }
  say "kube-apiserver $KUBERNETES_VERSION on https://$bind:$API_PORT"
  listen kube-apiserver "$API_PORT" "$bind"
  start kube-apiserver "$1/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$bind" --secure-port "$API_PORT" "${advertise[@]}" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --authorization-mode Node,RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --allow-privileged=true --profiling=false --cert-dir "$pki/apiserver-generated"
}

start_controller_manager() { # KUBERNETES-BIN-DIR
  local cfg=$work/controller-manager.kubeconfig
  say "kube-controller-manager on 127.0.0.1:$KCM_PORT"
  listen kube-controller-manager "$KCM_PORT"
  start kube-controller-manager "$1/kube-controller-manager" \
    --kubeconfig "$cfg" --authentication-kubeconfig "$cfg" --authorization-kubeconfig "$cfg" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --cert-dir "$work/controller-manager-certs" \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --use-service-account-credentials \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --leader-elect=false --profiling=false
}

start_scheduler() { # KUBERNETES-BIN-DIR
  local cfg=$work/scheduler.kubeconfig
  say "kube-scheduler on 127.0.0.1:$SCHEDULER_PORT"
  listen kube-scheduler "$SCHEDULER_PORT"
  start kube-scheduler "$1/kube-scheduler" \
    --kubeconfig "$cfg" --authentication-kubeconfig "$cfg" --authorization-kubeconfig "$cfg" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --cert-dir "$work/scheduler-certs" \
    --leader-elect=false --profiling=false
}

# moto's STS serves AssumeRoleWithWebIdentity, the IRSA chain's exchange of
# a ServiceAccount token for temporary credentials; the broker reads what
# it issued (motoEndpoint). Started through a link in $work, so its
# command line names the work directory (`owned`).
start_moto() {
  say "moto $MOTO_VERSION (STS) on 127.0.0.1:$MOTO_PORT"
  listen moto "$MOTO_PORT"
  mkdir -p "$work/bin"
  ln -sfn "$("$here/install.sh" --print-path | grep '/moto-')/moto_server" "$work/bin/moto_server"
  start moto "$work/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT"
}

start_kafka() {
  say "kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT"
  listen kafka "$KAFKA_PORT"
  rm -rf "$work/kafka"
  write_kafka_config
  local cluster_id
  cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>"$logs/kafka-format.log") ||
    fail "format kafka storage" "StorageTool random-uuid failed" "$logs/kafka-format.log"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$work/kafka/server.properties" >>"$logs/kafka-format.log" 2>&1 ||
    fail "format kafka storage" "StorageTool format failed" "$logs/kafka-format.log"
  start kafka java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$work/kafka/log4j2.properties" \
    -cp "$(kafka_dir)/libs/*:$("$here/install.sh" --print-msk-iam-libs)/*" kafka.Kafka "$work/kafka/server.properties"
}

# The certificates, ports and kubeconfigs every component reads.
prepare() {
  gen_pki
  # With the node, the apiserver listens on 6443, as on kubeadm clusters:
  # pods reach it through the kubernetes Service, and NetworkPolicies (the
  # operator's allow 443 and 6443) match the endpoint's port, after DNAT.
  # There is one node per machine, so the port is free for it.
  if node_on && [ -z "${HELLO_TESTBED_API_PORT:-}" ]; then export HELLO_TESTBED_API_PORT=6443; fi
  # The registry's port is part of every image name pushed to it (a chart's
  # images.registry): fixed, so the names stay the same from one test bed
  # to the next.
  if node_on && [ -z "${HELLO_TESTBED_REGISTRY_PORT:-}" ]; then export HELLO_TESTBED_REGISTRY_PORT=5443; fi
  pick_ports ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT SCHEDULER_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT \
    KAFKA_POD_PORT KAFKA_IAM_PORT KAFKA_IAM_REAUTH_PORT KAFKA_IAM_POD_PORT MOTO_PORT KUBELET_PORT KUBELET_HEALTHZ_PORT PROXY_HEALTHZ_PORT PROXY_METRICS_PORT REGISTRY_PORT
  # The pod network's bridge carries the gateway address the apiserver and
  # Kafka listen on for pods, so it exists before they start.
  node_on && node_network
  write_kubeconfig "$work/kubeconfig" admin
  write_kubeconfig "$work/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$work/scheduler.kubeconfig" scheduler
}

up() {
  local want_node=${HELLO_TESTBED_NODE:-0}
  [ "${1:-}" = --node ] && want_node=1
  exec 9>"$work/.lock"
  flock --timeout 600 9 || fail "lock" "another cluster.sh holds $work/.lock"
  # A running test bed without the node is restarted when the node is asked
  # for (the apiserver and Kafka listen differently); one with the node
  # serves a plain `up` as is.
  if all_up && { [ "$want_node" != 1 ] || node_on; }; then
    write_env
    say "already running; . $work/env"
    return 0
  fi
  stop_all
  mkdir -p "$logs" "$pids"
  rm -f "$work/node.on"
  "$here/install.sh" all || fail "install tools" "testbed/install.sh failed"
  if [ "$want_node" = 1 ]; then
    "$here/install.sh" node || fail "install node tools" "testbed/install.sh node failed"
    node_preflight
    touch "$work/node.on"
  fi
  local kbin ebin
  kbin=$("$here/install.sh" --print-path | sed -n 1p)
  ebin=$("$here/install.sh" --print-path | sed -n 2p)

  # From here on, a failure tears down what did start: a half-started test
  # bed is never left looking ready.
  trap 'rc=$?; [ $rc -ne 0 ] && stop_all; exit $rc' EXIT

  prepare
  start_etcd "$ebin"
  wait_until etcd 30 bash -c "curl -fsS --max-time 2 http://127.0.0.1:$ETCD_PORT/health | grep -q '\"health\":\"true\"'"
  start_apiserver "$kbin"
  wait_until kube-apiserver 90 apiserver_ready
  # The rest start side by side, then are waited for.
  start_controller_manager "$kbin"
  start_scheduler "$kbin"
  start_moto
  start_kafka
  wait_until kube-controller-manager 60 healthy_http "https://127.0.0.1:$KCM_PORT/healthz" -k
  wait_until kube-scheduler 60 healthy_http "https://127.0.0.1:$SCHEDULER_PORT/healthz" -k
  wait_until moto 60 curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/"
  wait_until kafka 90 kafka_port_open
  wait_until kafka 90 kafka_ready

  node_on && node_up "$kbin"

  trap - EXIT
  write_env
  say "ready: . $work/env   (logs in $logs)"
}

status() {
  load_ports || { echo "no test bed in $work"; return 1; }
  local c rc=0
  local all=("${components[@]}")
  node_on && all+=("${node_components[@]}")
  for c in "${all[@]}"; do
    if alive "$c"; then printf '%-24s running  pid %s\n' "$c" "$(pid_of "$c")"; else printf '%-24s stopped\n' "$c"; rc=1; fi
  done
  printf 'apiserver https://127.0.0.1:%s  kafka 127.0.0.1:%s  logs %s\n' "$API_PORT" "$KAFKA_PORT" "$logs"
  node_on && printf 'node %s  pods %s  kafka for pods %s:%s  containerd %s\n' \
    "$NODE_NAME" "$POD_CIDR" "$NODE_GATEWAY" "$KAFKA_POD_PORT" "$node_dir/containerd/containerd.sock"
  return $rc
}

case "${1:-}" in
  up) up "${2:-}" ;;
  import)
    shift
    node_import "$@"
    ;;
  down)
    exec 9>"$work/.lock"
    flock --timeout 600 9 || fail "lock" "another cluster.sh holds $work/.lock"
    stop_all
    say "stopped"
    ;;
  status) status ;;
  env)
    load_ports || fail "env" "no test bed in $work"
    write_env
    ;;
  *)
    echo "usage: $0 up [--node]|down|status|import ARCHIVE...|env" >&2
    exit 2
    ;;
esac
