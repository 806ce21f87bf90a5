#!/usr/bin/env bash
# make test: the tiers one after the other, each timed, and the tools and
# images the later tiers need built early, in the background, at the lowest
# CPU priority.
#
#   testbed/ci-tiers.sh TIER...      make TIER for each, in order; stops at the
#                                    first that fails; prints wall and CPU
#                                    seconds per tier at the end
#
# Why the early builds: most tiers spend much of their time waiting (on the
# apiserver, Kafka, pods, the AWS provider's waiters against moto), and on a
# 2-core machine the builds they need later (the Go tools, the AWS
# provider, the images' release build) can use that idle CPU. At nice 19 they
# take almost nothing from a busy tier; a tier that needs a tool still being
# built waits on that tool's lock (install.sh, product-images.sh), and the
# build then has the machine to itself, so no tier waits longer than it would
# building the tool itself. HELLO_CI_EARLY_BUILDS=0 turns them off.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${HELLO_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hello-testbed}
mkdir -p "$cache"
early_log=$cache/early-builds.log
early_pid=

# The builds, in three lanes that run side by side: the terraform tools (the
# AWS provider's Go build, most of it; checkov too) for the terraform tier,
# then cargo-deny for the images tier; kube-score (~40 s, for test-scan,
# right after test-rust), the node's tools and qemu; and the product
# images' release builds, the host's platform and then both, for the node,
# end-to-end and images tiers. With the images behind the node's tools in
# one lane, they started at +37 min of a cold run and were the end of its
# critical path; in a warm run the tools are cached and the images start at
# +0 anyway. `install.sh all` is not here: test-rust builds it in the
# foreground beside its compile.
# children_seconds FILE: the user+sys seconds on the second line of `times`
# output in FILE (the children's: "0m1.50s 0m0.20s").
children_seconds() {
  sed -n 2p "$1" | awk '{
    t = 0
    for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
    printf "%d", t
  }'
}
early_lane() { # BUILD...: one after the other
  local start=$SECONDS what cpu
  cpu=$(mktemp)
  for what in "$@"; do
    printf '==> early build: %s (+%d s)\n' "$what" "$((SECONDS - start))"
    # A failure is logged and the next build goes on: the tier that needs
    # the tool builds it again and fails naming the step. Each build's CPU
    # seconds (its processes' user+sys) say what a cold run spends where.
    # shellcheck disable=SC2086 # the script and its argument
    # (`times` in the subshell: the second line is its children's.)
    if ("$here"/$what && times >"$cpu"); then
      printf '==> early build done: %s (+%d s, CPU %s s)\n' "$what" "$((SECONDS - start))" "$(children_seconds "$cpu")"
    else
      printf '==> early build FAILED: %s (+%d s)\n' "$what" "$((SECONDS - start))"
    fi
  done
  rm -f "$cpu"
}
early_builds() {
  early_lane "install.sh terraform-tools" "install.sh licence-tools" &
  early_lane "install.sh lua" "install.sh kube-score" "install.sh node" "install.sh qemu" &
  # The host's images first, for test-node and test-e2e's make up, then the
  # other platform's (the same target directory: the host-side build
  # scripts and proc macros are not compiled again), for the end of
  # test-e2e (make images) and test-images, the last tiers. The image tools
  # and the SBOM tools are built inside product-images.sh, the SBOM tools
  # beside the first release build, whose fat-LTO links leave a core idle.
  HELLO_IMAGE_PLATFORMS=linux/amd64,linux/arm64 \
    early_lane "product-images.sh build $(source "$here/../images/platforms.sh" && host_platform)" \
    "product-images.sh build linux/amd64,linux/arm64" &
  wait
}
on_exit() {
  [ -n "$early_pid" ] && kill -0 "$early_pid" 2>/dev/null && kill -- "-$early_pid" 2>/dev/null
  rm -f "$times_file" "$times_file.before" "$times_file.after"
  return 0
}

# The children's user+sys seconds so far, from bash's `times`, which must
# run in this shell (in a $(...) subshell it would count that one's), so it
# writes to a file.
times_file=$(mktemp)
children_cpu() {
  times >"$times_file"
  children_seconds "$times_file"
}

rows=()
report() {
  printf '\n%-20s %8s %8s\n' "tier" "wall s" "CPU s"
  printf '%s\n' "${rows[@]}"
  if [ -n "$early_pid" ]; then
    printf 'early builds (background, nice 19), %s:\n' "$early_log"
    grep -E '^==> early build (done|FAILED)' "$early_log" | sed 's/^/  /'
  fi
}

if [ "${HELLO_CI_EARLY_BUILDS:-1}" != 0 ]; then
  # Its own session, so that stopping it stops its builds too. A new
  # session is also a new scheduler autogroup (sched_autogroup_enabled=1 on
  # these machines), and autogroups share the CPU equally whatever their
  # processes' nice values: the group itself gets nice 19, or the "nice 19"
  # builds would take half the machine from the tiers.
  setsid nice -n 19 bash -c '{ echo 19 >/proc/self/autogroup; } 2>/dev/null; '"$(declare -f children_seconds early_lane early_builds); here='$here'; early_builds" >"$early_log" 2>&1 &
  early_pid=$!
fi
trap on_exit EXIT

total=$SECONDS
for tier in "$@"; do
  start=$SECONDS
  children_cpu >"$times_file.before"
  make --no-print-directory -C "$repo" "$tier"
  rc=$?
  children_cpu >"$times_file.after"
  rows+=("$(printf '%-20s %8d %8d' "$tier" "$((SECONDS - start))" "$(($(cat "$times_file.after") - $(cat "$times_file.before")))")")
  if [ "$rc" -ne 0 ]; then
    report
    echo "ci tiers: $tier FAILED (exit $rc) after $((SECONDS - total)) s"
    exit "$rc"
  fi
done
[ -n "$early_pid" ] && wait "$early_pid"
report
echo "ci tiers: all $# passed in $((SECONDS - total)) s"
