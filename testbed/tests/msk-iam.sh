#!/usr/bin/env bash
# MSK IAM, the CRD's default auth, against the test bed broker's IAM
# listeners, where testbed/msk-iam-auth checks every token the way MSK does
# (SigV4 recomputed by the AWS SDK for Java):
#   - the handler's own unit tests (mvn test): accepted tokens, and the
#     refused ones (wrong secret, expired, another region, tampered, a JWT);
#   - hello-api and hello-consumer with --kafka-auth iam: events flow from
#     /current_time to the consumer's output, and the broker names the
#     principal of the test bed's key;
#   - token refresh under load, on the IAM_REAUTH listener (sessions cut to
#     15 s) with clients told their tokens live 10 s (test only): several
#     refreshes and re-authentications while requests run; no request
#     failed or held up, no event lost, no consumer rebalance;
#   - refused credentials: the API keeps answering; its metric and a
#     throttled log line name the mechanism and the broker's refusal;
#   - the IRSA chain: a ServiceAccount token from the test bed apiserver,
#     AssumeRoleWithWebIdentity at moto's STS, tokens signed with the
#     temporary credentials, accepted by the broker as the assumed role; a
#     temporary key STS never issued is refused.
# Run it through testbed/with-testbed.sh, as `make test-msk-iam` does.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$repo/testbed
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/tests/lib.sh"
load_testbed_env
# shellcheck source=SCRIPTDIR/../versions.env
. "$here/versions.env"

work=$(mktemp -d /tmp/hello-msk-iam-test.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
broker_log=$HELLO_TESTBED_DIR/logs/kafka.log

# The handler's unit tests, in a scratch copy (no target/ in the tree).
cp -r "$here/msk-iam-auth" "$work/handler"
mvn_tests() {
  mvn -B -q -f "$work/handler/pom.xml" -Dkafka.version="$KAFKA_VERSION" -Dawssdk.version="$AWS_SDK_JAVA_VERSION" test \
    >"$work/mvn.log" 2>&1 || { tail -40 "$work/mvn.log"; return 1; }
  # surefire's reports: "Tests run: N, Failures: 0, Errors: 0, Skipped: 0"
  cat "$work"/handler/target/surefire-reports/*.txt | awk '/Tests run:/ {
    gsub(",", ""); run += $3; bad += $5 + $7 + $9 } END { print run " tests, " bad " failed or skipped"; exit !(run > 0 && bad == 0) }'
}
check "the MSK IAM handler's unit tests pass ($(mvn_tests 2>/dev/null | tail -1))" mvn_tests

# What make test-rust built: nothing to compile after it.
"$here/cargo-test.sh" --workspace --locked --no-run -q || exit 1
bin=${CARGO_TARGET_DIR:-$repo/target}/debug
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# iam_env: what every IAM client here has: the mechanism, the region, the
# broker's CA, and no credential source but the ones a case adds (no IMDS,
# no config or credentials file).
iam_env() {
  echo AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    HELLO_KAFKA_AUTH=iam HELLO_KAFKA_REGION="$HELLO_KAFKA_IAM_REGION" HELLO_KAFKA_CA_FILE="$HELLO_KAFKA_IAM_CA_FILE"
}
# static_keys SECRET: the test bed's long-term key, with SECRET as its secret.
static_keys() { echo AWS_ACCESS_KEY_ID="$HELLO_TESTBED_IAM_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$1"; }

# start_api NAME BOOTSTRAP TOPIC ENV...: hello-api with IAM auth and the
# credentials in ENV (NAME=VALUE words), logging to $work/NAME.log; sets
# api_port and api_admin. No AWS_* key of this shell reaches it.
start_api() {
  local name=$1 bootstrap=$2 topic=$3
  shift 3
  api_port=$(free_port) api_admin=$(free_port)
  # shellcheck disable=SC2046 # iam_env's words are NAME=VALUE pairs
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN $(iam_env) "$@" \
    "$bin/hello-api" --listen "127.0.0.1:$api_port" --admin-listen "127.0.0.1:$api_admin" \
    --access-log=false --kafka-bootstrap-servers "$bootstrap" --kafka-topic "$topic" >"$work/$name.log" 2>&1 &
  pids+=($!)
}

# start_consumer NAME BOOTSTRAP TOPIC ENV...: hello-consumer with IAM auth
# and the credentials in ENV, its events in $work/NAME.out, its log in
# $work/NAME.log; sets consumer_admin.
start_consumer() {
  local name=$1 bootstrap=$2 topic=$3
  shift 3
  consumer_admin=$(free_port)
  # shellcheck disable=SC2046 # iam_env's words are NAME=VALUE pairs
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN $(iam_env) "$@" \
    "$bin/hello-consumer" --admin-listen "127.0.0.1:$consumer_admin" \
    --kafka-bootstrap-servers "$bootstrap" --kafka-topic "$topic" --group-id "$name-$RANDOM" \
    >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
}

# consumed FILE NAME...: the consumer's output holds an event of each name.
consumed() {
  local file=$1 n
  shift
  for n in "$@"; do grep -q "\"Hello, $n!\"" "$file" || { echo "no event for $n"; return 1; }; done
}
metric() { # ADMIN-PORT NAME: the sum of a metric's samples
  curl -fsS "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $2 } END { print s + 0 }'
}
accepted_since() { # LINE: broker log lines after LINE naming the test bed's principal
  tail -n +"$1" "$broker_log" | grep -c 'MSK IAM: accepted arn:aws:iam::123456789012:user/hello-testbed'
}

# events_flow NAME WHAT API-ENV CONSUMER-ENV PREFIX: hello-api (NAME) and
# hello-consumer (NAME-consumer) on the IAM listener, topic $topic, each with
# its credentials (NAME=VALUE words); 5 events PREFIX1..5 from the API reach
# the consumer. WHAT says how they authenticate. Sets url and api_admin.
events_flow() {
  local name=$1 what=$2 api_env=$3 consumer_env=$4 prefix=$5 n names=()
  # shellcheck disable=SC2086 # NAME=VALUE words
  start_api "$name" "$HELLO_KAFKA_IAM_BOOTSTRAP_SERVERS" "$topic" $api_env
  url=http://127.0.0.1:$api_port
  check "hello-api with $what answers" eventually 60 curl -fsS "$url/healthcheck"
  for n in 1 2 3 4 5; do names+=("$prefix$n"); done
  for n in "${names[@]}"; do curl -fsS -o /dev/null "$url/current_time?name=$n"; done
  # shellcheck disable=SC2086 # NAME=VALUE words
  start_consumer "$name-consumer" "$HELLO_KAFKA_IAM_BOOTSTRAP_SERVERS" "$topic" $consumer_env
  check "hello-consumer with $what prints each of the API's 5 events" \
    eventually 90 consumed "$work/$name-consumer.out" "${names[@]}"
}

# --- events through the IAM listener ---
topic=iam-$RANDOM
log_mark=$(($(wc -l <"$broker_log") + 1))
keys=$(static_keys "$HELLO_TESTBED_IAM_SECRET_ACCESS_KEY")
events_flow flow "--kafka-auth iam" "$keys" "$keys" Iam
check "the broker accepted both clients' tokens and names their principal, arn:aws:iam::123456789012:user/hello-testbed" \
  eventually 10 bash -c "[ \$(tail -n +$log_mark '$broker_log' | grep -c 'MSK IAM: accepted arn:aws:iam::123456789012:user/hello-testbed') -ge 2 ]"
check "the API counted every event as produced (5) and no auth failure" \
  eventually 20 bash -c "[ \"\$(curl -fsS http://127.0.0.1:$api_admin/metrics | grep -E '^hello_kafka_(events_produced_total|auth_failures_total)' | tr '\n' ' ')\" = 'hello_kafka_events_produced_total 5 ' ]"

# --- token refresh under load ---
topic=iam-refresh-$RANDOM
log_mark=$(($(wc -l <"$broker_log") + 1))
short=HELLO_KAFKA_IAM_TEST_TOKEN_LIFETIME_SECONDS=10
# shellcheck disable=SC2086 # NAME=VALUE words
start_api refresh "$HELLO_KAFKA_IAM_REAUTH_BOOTSTRAP_SERVERS" "$topic" $keys "$short"
# shellcheck disable=SC2086 # NAME=VALUE words
start_consumer refresh-consumer "$HELLO_KAFKA_IAM_REAUTH_BOOTSTRAP_SERVERS" "$topic" $keys "$short"
url=http://127.0.0.1:$api_port
check "hello-api on the 15 s-session listener answers" eventually 60 curl -fsS "$url/healthcheck"
# 60 s of requests, one after another: each name once.
python3 - "$url" 60 >"$work/load.txt" <<'PY'
import sys, time, urllib.request
url, seconds = sys.argv[1], float(sys.argv[2])
lat, failed, i, end = [], 0, 0, time.monotonic() + seconds
while time.monotonic() < end:
    i += 1
    t = time.monotonic()
    try:
        with urllib.request.urlopen(f"{url}/current_time?name=R{i}", timeout=5) as r:
            ok = r.status == 200 and b"Hello, R" in r.read()
    except Exception:
        ok = False
    lat.append(time.monotonic() - t)
    failed += not ok
    time.sleep(0.02)
lat.sort()
print(i, failed, f"{lat[len(lat) // 2] * 1000:.1f}", f"{lat[int(len(lat) * 0.99)] * 1000:.1f}", f"{lat[-1] * 1000:.1f}")
PY
read -r sent load_failed p50 p99 slowest <"$work/load.txt"
echo "# load: $sent requests in 60 s, $load_failed failed, p50 $p50 ms, p99 $p99 ms, slowest $slowest ms"
check "$sent requests while tokens were refreshed: none failed" [ "$load_failed" = 0 ]
check "  none was held up by a refresh (slowest $slowest ms, under 500)" \
  python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 500)" "$slowest"
refreshes() { grep -c 'generated an MSK IAM auth token' "$work/$1.log"; }
check "  the API refreshed its token several times ($(refreshes refresh) tokens in 60 s, at least 5)" \
  [ "$(refreshes refresh)" -ge 5 ]
check "  the consumer did too ($(refreshes refresh-consumer) tokens, at least 5)" \
  [ "$(refreshes refresh-consumer)" -ge 5 ]
check "  the broker accepted re-authentications with fresh tokens ($(accepted_since "$log_mark") accepted, at least 8)" \
  [ "$(accepted_since "$log_mark")" -ge 8 ]
all_names=()
for ((i = 1; i <= sent; i++)); do all_names+=("R$i"); done
check "  every one of the $sent events reached the consumer" eventually 60 consumed "$work/refresh-consumer.out" "${all_names[@]}"
check "  the consumer saw one assignment and no other rebalance" \
  bash -c "[ \"\$(curl -fsS http://127.0.0.1:$consumer_admin/metrics | grep '^hello_consumer_rebalances_total' | tr '\n' ' ')\" = 'hello_consumer_rebalances_total{kind=\"assign\"} 1 ' ]"
check "  and no auth failure on either side" \
  [ "$(metric "$api_admin" hello_kafka_auth_failures_total)/$(metric "$consumer_admin" hello_consumer_kafka_auth_failures_total)" = 0/0 ]

# --- refused credentials ---
topic=iam-refused-$RANDOM
# shellcheck disable=SC2046 # NAME=VALUE words
start_api refused "$HELLO_KAFKA_IAM_BOOTSTRAP_SERVERS" "$topic" $(static_keys not-the-secret)
url=http://127.0.0.1:$api_port
check "with a wrong secret, hello-api still answers" eventually 60 curl -fsS "$url/hello"
check "  and counts the brokers' refusals: hello_kafka_auth_failures_total{mechanism=\"iam\"} > 0" \
  eventually 60 bash -c "curl -fsS http://127.0.0.1:$api_admin/metrics | grep -qE '^hello_kafka_auth_failures_total\{mechanism=\"iam\"\} [1-9]'"
refusal_logged() {
  grep "refused this client's iam credentials" "$work/refused.log" | grep '"mechanism":"iam"' | grep -q 'invalid_token'
}
check "  logs the refusal naming the mechanism and the broker's reason (invalid_token)" refusal_logged
refusal_lines() { grep -c "refused this client's iam credentials" "$work/refused.log"; }
before=$(refusal_lines)
python3 - "$url" >"$work/refused-load.txt" <<'PY'
import sys, time, urllib.request
lat, failed = [], 0
for i in range(200):
    t = time.monotonic()
    try:
        with urllib.request.urlopen(f"{sys.argv[1]}/current_time?name=Refused{i}", timeout=5) as r:
            failed += r.status != 200
    except Exception:
        failed += 1
    lat.append(time.monotonic() - t)
    time.sleep(0.05)
lat.sort()
print(failed, f"{lat[-1] * 1000:.1f}")
PY
read -r refused_failed refused_slowest <"$work/refused-load.txt"
check "  200 /current_time requests over 10 s: none failed, slowest $refused_slowest ms (under 500)" \
  python3 -c "import sys; sys.exit(int(sys.argv[1]) != 0 or float(sys.argv[2]) >= 500)" "$refused_failed" "$refused_slowest"
check "  the refusal log is throttled: $(($(refusal_lines) - before)) lines in those 10 s (at most 2)" \
  [ $(($(refusal_lines) - before)) -le 2 ]
check "the broker logged why: 'token refused: the signature does not match'" \
  grep -q 'MSK IAM: token refused: the signature does not match' "$broker_log"

# --- the IRSA chain ---
# As the EKS pod identity webhook sets a pod up: AWS_ROLE_ARN from the
# ServiceAccount's eks.amazonaws.com/role-arn, a ServiceAccount token for
# audience sts.amazonaws.com in AWS_WEB_IDENTITY_TOKEN_FILE, the region, and
# no key. The SDK's default chain exchanges the token at STS (moto, via
# AWS_ENDPOINT_URL_STS) for temporary credentials, and signs with those; the
# broker knows what moto issued. The ServiceAccounts are named and annotated
# as the operator makes them for HelloApi `hello` (operator/src/build: its
# unit test pins that the pods carry the region and no key).
ns=irsa-$RANDOM
kubectl create namespace "$ns" >/dev/null
kubectl -n "$ns" create serviceaccount hello >/dev/null
kubectl -n "$ns" create serviceaccount hello-consumer >/dev/null
kubectl -n "$ns" annotate serviceaccount hello eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/hello-api >/dev/null
kubectl -n "$ns" annotate serviceaccount hello-consumer eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/hello-consumer >/dev/null
# irsa_env SERVICEACCOUNT: that environment, with a token the apiserver
# issued for SERVICEACCOUNT in $work/irsa-SERVICEACCOUNT.token.
irsa_env() {
  local sa=$1 role
  role=$(kubectl -n "$ns" get serviceaccount "$sa" -o jsonpath='{.metadata.annotations.eks\.amazonaws\.com/role-arn}')
  kubectl -n "$ns" create token "$sa" --audience sts.amazonaws.com --duration 1h >"$work/irsa-$sa.token"
  echo AWS_ROLE_ARN="$role" AWS_WEB_IDENTITY_TOKEN_FILE="$work/irsa-$sa.token" AWS_ENDPOINT_URL_STS="$HELLO_TESTBED_STS_ENDPOINT" \
    AWS_REGION="$HELLO_KAFKA_IAM_REGION" AWS_DEFAULT_REGION="$HELLO_KAFKA_IAM_REGION" AWS_STS_REGIONAL_ENDPOINTS=regional
}
token_claims() { # FILE: the JWT's audience and subject
  cut -d. -f2 "$1" | python3 -c 'import base64, json, sys
p = sys.stdin.read().strip(); c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print(",".join(c["aud"]), c["sub"])'
}
topic=iam-irsa-$RANDOM
log_mark=$(($(wc -l <"$broker_log") + 1))
api_irsa=$(irsa_env hello)
consumer_irsa=$(irsa_env hello-consumer)
check "the apiserver issued the API's token for audience sts.amazonaws.com, subject its ServiceAccount" \
  [ "$(token_claims "$work/irsa-hello.token")" = "sts.amazonaws.com system:serviceaccount:$ns:hello" ]
events_flow irsa "IRSA credentials (no key in its environment)" "$api_irsa" "$consumer_irsa" Irsa
assumed_role_accepted() { # ROLE: the broker accepted a token signed with ROLE's web-identity session
  tail -n +"$log_mark" "$broker_log" | grep -q "MSK IAM: accepted arn:aws:sts::123456789012:assumed-role/$1/web-identity-token-"
}
check "the broker accepted the API's token and names its assumed role, arn:aws:sts::123456789012:assumed-role/hello-api/web-identity-token-*" \
  eventually 10 assumed_role_accepted hello-api
check "  and the consumer's, assumed-role/hello-consumer" eventually 10 assumed_role_accepted hello-consumer
moto_issued() { # ROLE: moto's STS issued a temporary key (ASIA...) for ROLE
  curl -fsS "$HELLO_TESTBED_STS_ENDPOINT/moto-api/data.json" | python3 -c 'import json, sys
roles = json.load(sys.stdin)["sts"]["AssumedRole"]
sys.exit(not any(r["role_arn"] == sys.argv[1] and r["access_key_id"].startswith("ASIA") for r in roles))' "$1"
}
check "  with temporary credentials moto's STS issued for each role (ASIA keys)" \
  moto_issued arn:aws:iam::123456789012:role/hello-api
check "  (and for arn:aws:iam::123456789012:role/hello-consumer)" moto_issued arn:aws:iam::123456789012:role/hello-consumer
check "the API counted every event as produced (5) and no auth failure" \
  eventually 20 bash -c "[ \"\$(curl -fsS http://127.0.0.1:$api_admin/metrics | grep -E '^hello_kafka_(events_produced_total|auth_failures_total)' | tr '\n' ' ')\" = 'hello_kafka_events_produced_total 5 ' ]"
# A temporary key STS never issued: refused, however well it is signed.
# shellcheck disable=SC2086 # NAME=VALUE words
start_api irsa-forged "$HELLO_KAFKA_IAM_BOOTSTRAP_SERVERS" "$topic" AWS_ACCESS_KEY_ID=ASIAHELLONOTISSUED01 \
  AWS_SECRET_ACCESS_KEY=forged AWS_SESSION_TOKEN=forged
check "a temporary key moto never issued is refused: the API counts auth failures" \
  eventually 60 bash -c "curl -fsS http://127.0.0.1:$api_admin/metrics | grep -qE '^hello_kafka_auth_failures_total\{mechanism=\"iam\"\} [1-9]'"
check "  and the broker logged why: 'unknown access key ASIAHELLONOTISSUED01'" \
  grep -q 'MSK IAM: token refused: unknown access key ASIAHELLONOTISSUED01' "$broker_log"
kubectl delete namespace "$ns" --wait=false >/dev/null

[ "$failed" -eq 0 ] || { for f in "$work"/*.log; do echo "== $f"; tail -5 "$f"; done; }
summary
