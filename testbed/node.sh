# shellcheck shell=bash
# shellcheck disable=SC2154 # work, here, pki, logs: set by cluster.sh
# The test bed's node, sourced by cluster.sh (it uses testbed/lib.sh and its
# start, listen, alive, wait_until, stop_one, owned and the port variables): containerd
# (Debian's 1.6, cgroupfs, its own root, state and socket under
# $work/node/), runc, the CNI bridge, host-local, portmap and loopback
# plugins, kubelet and kube-proxy built with the control plane, kube-router's
# network policy controller enforcing NetworkPolicy (iptables and ipset), and
# CoreDNS as a Deployment behind the kube-dns Service.
#
# The pod network is one bridge on this machine, and kube-proxy's rules are
# the machine's, so there is one node per machine: the first test bed that
# starts one owns it ($node_owner); another `up --node` fails naming it.

NODE_NAME=${HELLO_TESTBED_NODE_NAME:-hello-node}
POD_CIDR=10.244.0.0/24
NODE_GATEWAY=10.244.0.1
# shellcheck disable=SC2034 # read by cluster.sh (the apiserver)
SERVICE_CIDR=10.96.0.0/16
DNS_SERVICE_IP=10.96.0.10
# shellcheck disable=SC2034 # the templates read it (render)
CLUSTER_DOMAIN=cluster.local
# hello.dev/compute=nodes: what the operator's `compute: nodes` pods select
# (the Bottlerocket node group's label on EKS); a zone for the spread.
NODE_LABELS=hello.dev/compute=nodes,topology.kubernetes.io/zone=local
NODE_BRIDGE=hellocni0
CNI_NETWORK=hello-testbed
# shellcheck disable=SC2034 # the templates read it (render)
CNI_BIN_DIR=/usr/lib/cni
# Every pod cgroup lives below this one, in every hierarchy: `down` kills
# what is left in it and removes it.
NODE_CGROUP=hello-testbed-node
node_dir=$work/node
# The node's configuration files, rendered (render, testbed/lib.sh) with
# the variables above and the ports cluster.sh picked.
templates=$here/templates
node_owner=/run/hello-testbed-node.owner

ctr_() { ctr --address "$node_dir/containerd/containerd.sock" --namespace k8s.io "$@"; }
kubectl_() { "$kbin/kubectl" --kubeconfig "$work/kubeconfig" "$@"; }

# The test bed's OCI registry (Debian's docker-registry, distribution 2.8)
# on loopback with TLS from the test bed CA. Its storage is in the tool
# cache, so images pushed by one test bed are there for the next one
# (testbed/product-images.sh pushes only what is missing).
registry_config() { render "$templates/registry.yml"; }

node_env() {
  eval "$("$here/install.sh" --print-images)" # PAUSE_IMAGE, PROBE_IMAGE
  render "$templates/node.env"
}

cgroup_hierarchies() { # the v1 hierarchies (or the v2 root) kubelet's cgroupfs driver uses
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    echo /sys/fs/cgroup
  else
    local d
    for d in /sys/fs/cgroup/*/; do
      d=${d%/}
      # v1 hierarchies, and the hybrid "unified" v2 mount runc also uses.
      case $(stat -f -c %T "$d") in cgroupfs | cgroup2fs) echo "$d" ;; esac
    done
  fi
}

# Everything the node needs from the kernel and this machine, checked before
# anything starts, each failure naming the feature.
node_preflight() {
  [ "$(id -u)" = 0 ] || fail "node preflight" "the node needs root (kubelet, containerd, iptables, mounts)"
  if [ -f "$node_owner" ]; then
    local other
    other=$(cat "$node_owner")
    local opid
    opid=$(cat "$other/pids/kubelet.pid" 2>/dev/null || true)
    # Only a live kubelet of that test bed counts; a crashed one's leftovers
    # (bridge, rules) are taken over.
    if [ "$other" != "$work" ] && [ -n "$opid" ] && command_line_has "$opid" "$other"; then
      fail "node preflight" "another test bed runs this machine's node: $other (stop it: HELLO_TESTBED_DIR=$other testbed/cluster.sh down)"
    fi
  fi
  mkdir -p "$node_dir"
  echo "$work" >"$node_owner"
  local f
  for f in ip iptables mount umount; do
    command -v "$f" >/dev/null || fail "node preflight" "'$f' is not installed"
  done
  # br_netfilter: traffic between pods on the bridge must pass iptables, or
  # a pod cannot reach a Service whose endpoint is on the same bridge.
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || modprobe br_netfilter 2>/dev/null || true
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] ||
    fail "kernel feature br_netfilter" "/proc/sys/net/bridge/bridge-nf-call-iptables is missing and 'modprobe br_netfilter' failed"
  set_sysctl net/bridge/bridge-nf-call-iptables 1
  set_sysctl net/ipv4/ip_forward 1
  iptables -t nat -S >/dev/null 2>&1 ||
    fail "kernel feature iptables" "'iptables -t nat -S' fails: no nat table (nf_tables or ip_tables modules)"
  # kube-router (NetworkPolicy) keeps the policies' pods in ipsets and
  # matches them with iptables' set and physdev matches.
  command -v ipset >/dev/null || fail "node preflight" "'ipset' is not installed (testbed/install.sh node-packages)"
  ipset list -n >/dev/null 2>&1 ||
    fail "kernel feature ip_set" "'ipset list -n' fails: no ip_set module (CONFIG_IP_SET, CONFIG_NETFILTER_XT_SET)"
  # overlayfs for containerd's snapshotter, tried for real in $node_dir; if
  # it cannot mount here (an overlay root, say), the native snapshotter.
  # HELLO_TESTBED_SNAPSHOTTER=native skips the try.
  NODE_SNAPSHOTTER=native
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
  local t=$node_dir/overlay-check
  mkdir -p "$t/lower" "$t/upper" "$t/work" "$t/merged"
  if [ "${HELLO_TESTBED_SNAPSHOTTER:-}" = native ]; then
    say "containerd uses the native snapshotter (HELLO_TESTBED_SNAPSHOTTER)"
  elif mount -t overlay overlay -o "lowerdir=$t/lower,upperdir=$t/upper,workdir=$t/work" "$t/merged" 2>/dev/null; then
    umount "$t/merged"
    NODE_SNAPSHOTTER=overlayfs
  else
    say "overlayfs does not mount under $node_dir; containerd uses the native snapshotter (slower, more disk)"
  fi
  rm -rf "$t"
  echo "$NODE_SNAPSHOTTER" >"$node_dir/snapshotter"
  [ -n "$(cgroup_hierarchies)" ] || fail "kernel feature cgroups" "no cgroup hierarchy under /sys/fs/cgroup"
}

set_sysctl() { # KEY VALUE: records the old value for `down` to restore
  local key=$1 value=$2 old
  old=$(cat "/proc/sys/$key")
  [ "$old" = "$value" ] && return 0
  echo "$key $old" >>"$node_dir/sysctl.restore"
  echo "$value" >"/proc/sys/$key" 2>/dev/null ||
    fail "kernel feature $key" "cannot set /proc/sys/$key to $value"
}

node_network() {
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge || fail "node network" "cannot create the bridge $NODE_BRIDGE"
  fi
  if ! { ip addr replace "$NODE_GATEWAY/${POD_CIDR#*/}" dev "$NODE_BRIDGE" && ip link set "$NODE_BRIDGE" up; }; then
    fail "node network" "cannot set up the bridge $NODE_BRIDGE with $NODE_GATEWAY"
  fi
}

write_node_config() {
  local kbin=$1 snap
  snap=$(cat "$node_dir/snapshotter")
  mkdir -p "$node_dir/containerd" "$node_dir/cni/net.d" "$node_dir/cni/ipam" "$node_dir/kubelet" "$node_dir/pod-logs"
  eval "$("$here/install.sh" --print-images)"
  render "$templates/containerd.toml" >"$node_dir/containerd/config.toml"
  # The test bed's registry: containerd pulls from it over TLS, trusting the
  # test bed CA, as a node pulls from ECR.
  mkdir -p "$node_dir/containerd/certs.d/127.0.0.1:$REGISTRY_PORT"
  render "$templates/containerd-hosts.toml" >"$node_dir/containerd/certs.d/127.0.0.1:$REGISTRY_PORT/hosts.toml"
  registry_config >"$node_dir/registry.yml"
  render "$templates/cni.conflist" >"$node_dir/cni/net.d/10-hello-testbed.conflist"
  local kc
  for kc in node kube-proxy kube-router; do
    write_kubeconfig "$node_dir/$kc.kubeconfig" "$kc"
  done
  render "$templates/kubelet.yaml" >"$node_dir/kubelet/config.yaml"
  render "$templates/kube-proxy.yaml" >"$node_dir/kube-proxy.yaml"
}

coredns_manifest() {
  local coredns_forward="forward . /etc/resolv.conf"
  # Without a usable upstream, only cluster names resolve.
  # shellcheck disable=SC2034 # the template reads it (render)
  grep -qE '^nameserver' /etc/resolv.conf || coredns_forward=""
  render "$templates/coredns.yaml"
}

# kube-router's network policy controller reads these (its informers list
# and watch all of them; it gets its own Node for the node's addresses).
kube_router_rbac() { render "$templates/kube-router-rbac.yaml"; }

# Its first full sync is done: the rule that accepts what the policies
# allowed ends each of its top-level chains.
kube_router_ready() {
  iptables -S KUBE-ROUTER-FORWARD 2>/dev/null | grep 'rule to explicitly ACCEPT traffic that comply to network policies' >/dev/null &&
    iptables -S FORWARD | grep -- '-j KUBE-ROUTER-FORWARD' >/dev/null
}

node_ready() {
  [ "$(kubectl_ get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

# (grep without -q: under pipefail, an early exit would fail ctr with SIGPIPE)
containerd_ready() { ctr_ version && ctr_ plugins ls | grep 'io.containerd.grpc.v1.*cri.*ok' >/dev/null; }

# node_import ARCHIVE...: docker-archive tarballs (they keep the full name) into the
# node's containerd, namespace k8s.io, unpacked for its snapshotter; pods use
# them with imagePullPolicy Never or IfNotPresent, no registry involved. Only
# the test bed's own images (pause, probe, CoreDNS) come this way: the
# sandbox image must be there before any pod, the registry included, and
# the product's images go through the registry (product-images.sh push).
node_import() {
  alive containerd || fail "import images" "the node's containerd is not running (testbed/cluster.sh up --node)"
  local a snap
  snap=$(cat "$node_dir/snapshotter")
  for a in "$@"; do
    [ -f "$a" ] || fail "import images" "no such archive: $a"
    ctr_ images import --snapshotter "$snap" --all-platforms "$a" >>"$logs/images.log" 2>&1 ||
      fail "import images" "ctr images import $a failed; see $logs/images.log" "$logs/images.log"
  done
}

node_up() {
  local kbin=$1
  write_node_config "$kbin"

  # A cgroup of our own in every hierarchy, below which kubelet puts every pod.
  local h
  for h in $(cgroup_hierarchies); do
    mkdir -p "$h/$NODE_CGROUP" || fail "node cgroups" "cannot create $h/$NODE_CGROUP"
    if [ -f "$h/cpuset.cpus" ]; then
      [ -s "$h/$NODE_CGROUP/cpuset.cpus" ] || cat "$h/cpuset.cpus" >"$h/$NODE_CGROUP/cpuset.cpus"
      [ -s "$h/$NODE_CGROUP/cpuset.mems" ] || cat "$h/cpuset.mems" >"$h/$NODE_CGROUP/cpuset.mems"
    fi
  done

  say "registry $(docker-registry --version | awk '{print $3}') on https://127.0.0.1:$REGISTRY_PORT, storage $cache/registry"
  listen registry "$REGISTRY_PORT"
  mkdir -p "$cache/registry"
  start registry docker-registry serve "$node_dir/registry.yml"
  wait_until registry 30 curl -fsS --max-time 2 --cacert "$pki/ca.crt" "https://127.0.0.1:$REGISTRY_PORT/v2/"

  say "containerd $(containerd --version | awk '{print $3}') (snapshotter $(cat "$node_dir/snapshotter")), socket $node_dir/containerd/containerd.sock"
  start containerd containerd --config "$node_dir/containerd/config.toml" --log-level info
  wait_until containerd 30 containerd_ready
  eval "$("$here/install.sh" --print-images)"
  say "importing images from $IMAGES_DIR"
  node_import "$IMAGES_DIR/pause.tar" "$IMAGES_DIR/probe.tar" "$IMAGES_DIR/coredns.tar"
  ctr_ images ls -q | grep -xF "$PAUSE_IMAGE" >/dev/null ||
    fail "import images" "the sandbox image $PAUSE_IMAGE is not in containerd after the import; see $logs/images.log" "$logs/images.log"

  say "kubelet $KUBERNETES_VERSION, node $NODE_NAME at $NODE_GATEWAY:$KUBELET_PORT"
  listen kubelet "$KUBELET_PORT" "$NODE_GATEWAY"
  listen kubelet "$KUBELET_HEALTHZ_PORT"
  start kubelet "$kbin/kubelet" --config "$node_dir/kubelet/config.yaml" \
    --kubeconfig "$node_dir/node.kubeconfig" --hostname-override "$NODE_NAME" --node-ip "$NODE_GATEWAY" \
    --root-dir "$node_dir/kubelet/root" --cert-dir "$node_dir/kubelet/pki" --v 2 \
    --node-labels "$NODE_LABELS"

  say "kube-proxy (iptables), cluster CIDR $POD_CIDR"
  listen kube-proxy "$PROXY_HEALTHZ_PORT"
  start kube-proxy "$kbin/kube-proxy" --config "$node_dir/kube-proxy.yaml" --v 1

  wait_until kubelet 60 healthy_http "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz"
  wait_until kubelet 90 node_ready
  wait_until kube-proxy 60 curl -fsS --max-time 2 "http://127.0.0.1:$PROXY_HEALTHZ_PORT/healthz"

  # NetworkPolicy: kube-router's network policy controller alone (iptables
  # chains and ipsets in the filter table); kube-proxy keeps the Services
  # and the CNI bridge the routes. No port: health, metrics and pprof off.
  # It reads its Node, so it starts once kubelet has registered it.
  say "kube-router $KUBE_ROUTER_VERSION: NetworkPolicy only (iptables, ipset)"
  kubectl_ apply -f - >"$logs/kube-router-rbac.log" 2>&1 < <(kube_router_rbac) ||
    fail "start kube-router" "kubectl apply of its ClusterRole failed" "$logs/kube-router-rbac.log"
  start kube-router "$("$here/install.sh" --print-kube-router)" \
    --kubeconfig "$node_dir/kube-router.kubeconfig" --hostname-override "$NODE_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false --run-loadbalancer=false \
    --enable-cni=false --enable-ipv6=false --health-port=0 --metrics-port=0 --enable-pprof=false \
    --service-cluster-ip-range "$SERVICE_CIDR" --v 1
  wait_until kube-router 60 kube_router_ready

  say "CoreDNS $COREDNS_VERSION at $DNS_SERVICE_IP"
  coredns_manifest >"$node_dir/coredns.yaml"
  kubectl_ apply -f "$node_dir/coredns.yaml" >"$logs/coredns-apply.log" 2>&1 ||
    fail "start coredns" "kubectl apply failed" "$logs/coredns-apply.log"
  if ! kubectl_ -n kube-system rollout status deployment/coredns --timeout=120s >>"$logs/coredns-apply.log" 2>&1; then
    kubectl_ -n kube-system logs deployment/coredns --tail=40 >"$logs/coredns.log" 2>&1 || true
    kubectl_ -n kube-system describe pods -l k8s-app=kube-dns >>"$logs/coredns.log" 2>&1 || true
    fail "start coredns" "the coredns Deployment is not available after 120 s; see $logs/coredns.log and $logs/kubelet.log" "$logs/coredns.log"
  fi
}

# Everything `up --node` created goes: pods (deleted through the API, so
# kubelet runs CNI DEL and unmounts their volumes), the node's processes,
# whatever is left in its cgroups, every mount under $work and the pods'
# network namespaces, the bridge, the iptables rules, the sysctls it changed.
node_down() {
  [ -d "$node_dir" ] || return 0
  local kbin
  kbin=$("$here/install.sh" --print-path | sed -n 1p)
  load_ports || true
  if alive kubelet && alive kube-apiserver && apiserver_ready 2>/dev/null; then
    # No controller may recreate a pod while they go.
    stop_one kube-controller-manager
    stop_one kube-scheduler
    say "deleting the node's pods"
    timeout 90 "$kbin/kubectl" --kubeconfig "$work/kubeconfig" delete pods --all --all-namespaces \
      --grace-period=2 --timeout=80s >>"$logs/node-down.log" 2>&1 || say "some pods did not go in time; killing them"
  fi
  stop_one kube-router
  stop_one kube-proxy
  stop_one kubelet
  # The pods' network namespaces, as containerd and the CNI cache recorded
  # them, for the case they were not torn down above (the cache still names
  # them when containerd died first, as when a run is killed).
  local netns=() id
  mapfile -t netns < <(cni_cached_netns)
  if alive containerd; then
    for id in $(ctr_ containers ls -q 2>/dev/null); do
      mapfile -t -O "${#netns[@]}" netns < <(ctr_ containers info "$id" 2>/dev/null | sed -n 's|.*"path": "\(/var/run/netns/[^"]*\)".*|\1|p; s|.*"path": "\(/run/netns/[^"]*\)".*|\1|p')
      ctr_ tasks kill --signal SIGKILL "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_one containerd
  stop_one registry
  # Container processes (and shims) left in the node's cgroups.
  local h pid
  for _ in 1 2 3; do
    for h in $(cgroup_hierarchies); do
      [ -d "$h/$NODE_CGROUP" ] || continue
      while read -r pid; do
        kill -KILL "$pid" 2>/dev/null || true
      done < <(find "$h/$NODE_CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null)
    done
    sleep 0.2
  done
  # Shims still naming our containerd's socket.
  for pid in $(processes_naming "$work"); do
    command_line_has "$pid" containerd-shim || continue
    say "killing leftover shim $pid"
    kill -KILL "$pid" 2>/dev/null || true
  done
  sleep 0.3
  # Mounts: deepest first.
  local m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "cannot unmount $m"
  done < <(awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-)
  for m in "${netns[@]}"; do
    umount "$m" 2>/dev/null || true
    rm -f "$m"
  done
  cni_cache_down
  # containerd made the directory; gone when nothing else uses it.
  rmdir /var/run/netns 2>/dev/null || true
  for h in $(cgroup_hierarchies); do
    [ -d "$h/$NODE_CGROUP" ] && find "$h/$NODE_CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null
    [ -d "$h/$NODE_CGROUP" ] && say "cannot remove the cgroup $h/$NODE_CGROUP"
  done
  # Network: the bridge, kube-proxy's rules, the CNI rules of our network.
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  if [ -x "$kbin/kube-proxy" ]; then timeout 60 "$kbin/kube-proxy" --cleanup >>"$logs/node-down.log" 2>&1 || true; fi
  cni_rules_down
  kubelet_rules_down
  kube_router_rules_down
  if [ -f "$node_dir/sysctl.restore" ]; then
    local key old
    while read -r key old; do echo "$old" >"/proc/sys/$key" 2>/dev/null || true; done <"$node_dir/sysctl.restore"
  fi
  [ "$(cat "$node_owner" 2>/dev/null)" = "$work" ] && rm -f "$node_owner"
  if [ -n "$(awk -v w="$work/" 'index($5, w) == 1' /proc/self/mountinfo)" ]; then
    say "mounts remain under $work; $node_dir is kept"
  else
    rm -rf "$node_dir"
  fi
  rm -f "$work/node.on"
}

# libcni's cache of what ADD returned, one file per pod and network: ours
# are the files of the sandboxes whose bridge network used our IPAM
# directory (the loopback file shares the sandbox's id).
CNI_CACHE_DIR=/var/lib/cni/results
cni_cached_sandboxes() {
  local f config
  for f in "$CNI_CACHE_DIR/$CNI_NETWORK"-*; do
    [ -f "$f" ] || continue
    config=$(sed -n 's/.*"config":"\([^"]*\)".*/\1/p' "$f" | base64 -d 2>/dev/null) || continue
    grep -qF "\"$node_dir/cni/ipam\"" <<<"$config" &&
      sed -n 's/.*"containerId":"\([0-9a-f]*\)".*/\1/p' "$f"
  done
}
cni_cached_netns() {
  local id
  for id in $(cni_cached_sandboxes); do
    cat "$CNI_CACHE_DIR"/*-"$id"-* 2>/dev/null | grep -o '"sandbox":"/[^"]*"' | cut -d'"' -f4
  done | sort -u
}
cni_cache_down() {
  local id
  for id in $(cni_cached_sandboxes); do rm -f "$CNI_CACHE_DIR"/*-"$id"-*; done
}

# The bridge plugin's masquerade chains (one per pod, commented with our
# network's name) and portmap's per-pod chains; kubelet's KUBE-* chains went
# with kube-proxy --cleanup or are kubelet's own (KUBE-FIREWALL, harmless).
cni_rules_down() {
  local table rule chain
  for table in nat filter; do
    iptables -t "$table" -S 2>/dev/null | { grep -F "name: \\\"$CNI_NETWORK\\\"" || true; } | while read -r rule; do
      # shellcheck disable=SC2086
      eval "iptables -t $table ${rule/-A /-D }" 2>/dev/null || true
      chain=$(sed -n 's/.* -j \(CNI-[^ ]*\).*/\1/p' <<<"$rule")
      if [ -n "$chain" ]; then
        iptables -t "$table" -F "$chain" 2>/dev/null || true
        iptables -t "$table" -X "$chain" 2>/dev/null || true
      fi
    done
  done
}

# kubelet's own chains (KUBE-FIREWALL drops non-loopback packets to
# 127.0.0.0/8; KUBE-KUBELET-CANARY), in every table it made them in. There is
# one node per machine, so they are ours.
kubelet_rules_down() {
  local cmd table chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        "$cmd" -t "$table" -S 2>/dev/null | { grep -E -- "^-A [A-Z-]+ .*-j $chain( |\$)" || true; } | while read -r rule; do
          # shellcheck disable=SC2086
          "$cmd" -t "$table" ${rule/-A /-D } 2>/dev/null || true
        done
        "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
        "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# kube-router's chains in the filter table (the jumps from INPUT, FORWARD and
# OUTPUT, its KUBE-ROUTER-*, per-pod KUBE-POD-FW-* and per-policy KUBE-NWPLCY-*
# chains), then its ipsets (KUBE-SRC-*, KUBE-DST-*, and the TMP-<hash> sets
# of its atomic swaps), which the chains referenced. Its own --cleanup-config
# would also flush IPVS and routes it never made here. One node per machine,
# so they are ours.
KUBE_ROUTER_CHAINS='^(KUBE-ROUTER-(INPUT|FORWARD|OUTPUT)|KUBE-POD-FW-[A-Z0-9]+|KUBE-NWPLCY-[A-Z0-9]+)$'
kube_router_rules_down() {
  local rule chain set
  iptables -t filter -S 2>/dev/null | { grep -E -- '^-A (INPUT|FORWARD|OUTPUT) .*-j KUBE-ROUTER-(INPUT|FORWARD|OUTPUT)( |$)' || true; } |
    while read -r rule; do
      # shellcheck disable=SC2086
      eval "iptables -t filter ${rule/-A /-D }" 2>/dev/null || true
    done
  local chains
  chains=$(iptables -t filter -S 2>/dev/null | sed -n 's/^-N //p' | { grep -E "$KUBE_ROUTER_CHAINS" || true; })
  for chain in $chains; do iptables -t filter -F "$chain" 2>/dev/null || true; done
  for chain in $chains; do iptables -t filter -X "$chain" 2>/dev/null || true; done
  command -v ipset >/dev/null || return 0
  for set in $(ipset list -n 2>/dev/null | { grep -E '^(inet6:)?(KUBE-(SRC|DST)-[A-Z0-9]+|TMP-[A-Z2-7]{16})$' || true; }); do
    ipset destroy "$set" 2>/dev/null || true
  done
}
