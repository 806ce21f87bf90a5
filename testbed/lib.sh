# Shared by the test bed's scripts and the product's shell tools: one way to
# say what a script is doing, to fail naming the step (and the log that shows
# why), and to find the processes a test bed started. The shell test tiers
# get it through testbed/tests/lib.sh.
#
# Source it after setting `script_name`, the name a user sees in front of
# each line ("testbed", "make up", "product images", ...):
#   ==> testbed: starting etcd
#   testbed FAILED at step "start etcd": the process exited; its log is ...
# It defines functions only. `render` needs envsubst (gettext-base).
# shellcheck shell=bash

say() { printf '==> %s: %s\n' "${script_name:?script_name must be set before sourcing testbed/lib.sh}" "$*" >&2; }

# fail STEP MESSAGE [LOG]: the step, what went wrong and, when LOG is a file,
# its last lines; exits 1.
fail() {
  printf '\n%s FAILED at step "%s": %s\n' "${script_name:?}" "$1" "$2" >&2
  if [ -n "${3:-}" ] && [ -f "$3" ]; then
    printf -- '--- last lines of %s ---\n' "$3" >&2
    tail -n 30 "$3" >&2
  fi
  exit 1
}

# load_testbed_env: sources the env file of the running test bed
# (testbed/cluster.sh writes it: KUBECONFIG, the broker, the registry, ...),
# or fails naming the command that starts one around this script.
load_testbed_env() {
  local env_file
  env_file=${HELLO_TESTBED_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.testbed}/env
  [ -f "$env_file" ] || fail "test bed" "no test bed env at $env_file: run testbed/with-testbed.sh $0"
  # shellcheck source=/dev/null # written by testbed/cluster.sh
  . "$env_file"
}

# terminate PID...: SIGTERM to each, then waits for each to end (they are
# this shell's children: the processes a script started in the background).
terminate() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# command_line_has PID TEXT: PID's command line contains TEXT. How the test
# bed knows its own processes: each has its work or cache directory on its
# command line, so a recycled pid is never mistaken for one of them.
command_line_has() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "$2"; }

# processes_naming TEXT: the pids, other than this shell and its subshell,
# whose command line contains TEXT.
processes_naming() {
  local pid
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
    command_line_has "$pid" "$1" && echo "$pid"
  done
  return 0
}

# render TEMPLATE: TEMPLATE with each ${name} in it replaced by the value of
# the shell variable of that name (locals of the caller included); fails
# naming a variable that is not set. Nothing else in the file is expanded,
# so a template holds configuration as it will be read, `$` included.
# shellcheck disable=SC2016 # the ${name} patterns are envsubst's, not ours
render() {
  local name names=() values=()
  mapfile -t names < <(grep -o '\${[A-Za-z_][A-Za-z0-9_]*}' "$1" | tr -d '${}' | sort -u)
  for name in "${names[@]}"; do
    [ -n "${!name+set}" ] || fail "render $(basename "$1")" "\${$name} is not set"
    values+=("$name=${!name}")
  done
  env "${values[@]}" envsubst "$(printf '${%s} ' "${names[@]}")" <"$1"
}
