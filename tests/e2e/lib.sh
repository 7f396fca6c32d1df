# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# End-to-end helpers: the wirespeed appliance (dataplane on net_af_packet + control process) and
# wireguard-go peers configured with the stock `wg`, each in its own network namespace, joined
# by a bridge in a "hub" namespace (the Internet between them):
#
#   appliance ns                      hub ns             peer ns i (i = 1..9)
#   wirespeed-dataplane  wan0v ------ br0 ------ wan  wireguard-go wsg<ID><i>
#     exception TAP wan0 198.18.0.1     |             198.18.0.<10+i>, fd18::<10+i>
#     tunnel TAP   wsa<ID> 10.77.0.1    |             tunnel 10.77.0.<1+i>, fd77::<1+i>
#   wirespeed-control (UAPI /var/run/wireguard/wsa<ID>.sock, JSON-RPC /run/wirespeed/wsa<ID>.rpc)
#
# Sourced by the e2e scripts and scripts/demo.sh. Everything created is registered and removed
# by e2e_cleanup (called from the caller's traps), so a failing step leaks nothing. Names that
# are global to the host (UAPI/RPC sockets, DPDK file prefix) carry a per-run id.

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../scripts/netns-lib.sh
. "$E2E_LIB_DIR/../../scripts/netns-lib.sh"

E2E_DP_PID=
E2E_CTL_PID=
E2E_EXTRA_PIDS=()

# e2e_init BUILD_DIR: binaries, per-run names, temporary directory.
e2e_init() {
	local build
	build=$(realpath -e -- "$1") || { echo "build directory $1 not found" >&2; return 1; }
	DP_BIN=$build/dataplane/wirespeed-dataplane
	CTL_BIN=$build/control/wirespeed-control
	WSCTL=$build/control/wirespeedctl
	local b
	for b in "$DP_BIN" "$CTL_BIN" "$WSCTL"; do
		[ -x "$b" ] || { echo "missing binary $b (build first)" >&2; return 1; }
	done
	E2E_ID=$((BASHPID % 10000000)) # this (sub)shell: every scenario of a run has its own
	E2E_TAG=${E2E_TAG:-e2e} # names: ws-<tag>-<id>-...; the demo uses its own tag
	NS_HUB="ws-$E2E_TAG-$E2E_ID-hub"
	NS_APP="ws-$E2E_TAG-$E2E_ID-app"
	APP_IF="wsa$E2E_ID"          # tunnel TAP name = UAPI socket name (global)
	APP_PREFIX="ws-$E2E_TAG-$E2E_ID"  # DPDK --file-prefix (global)
	APP_WAN4=198.18.0.1
	APP_WAN6=fd18::1
	APP_TUN4=10.77.0.1
	APP_TUN6=fd77::1
	APP_PORT=51820
	UAPI_SOCK=/var/run/wireguard/$APP_IF.sock
	RPC_SOCK=/run/wirespeed/$APP_IF.rpc
	E2E_TMP=$(mktemp -d "/tmp/ws-$E2E_TAG.XXXXXX")
	WSNS_SOCKETS+=("$UAPI_SOCK" "$RPC_SOCK")
	umask 077
}

# Peer i's names and addresses.
peer_vars() {
	local i=$1
	P_NS="ws-$E2E_TAG-$E2E_ID-p$i"
	P_IF="wsg$E2E_ID$i"
	P_WAN4=198.18.0.$((10 + i))
	P_WAN6=fd18::$((10 + i))
	P_TUN4=10.77.0.$((1 + i))
	P_TUN6=fd77::$((1 + i))
	P_DIR=$E2E_TMP/peer$i
}

# e2e_keys N: fresh keys for the appliance and peers 1..N (and a PSK per peer).
e2e_keys() {
	local n=$1 i
	wg genkey >"$E2E_TMP/app.key" || return 1
	APP_PUB=$(wg pubkey <"$E2E_TMP/app.key") || return 1
	for ((i = 1; i <= n; i++)); do
		peer_vars "$i"
		mkdir -p "$P_DIR"
		wg genkey >"$P_DIR/key" && wg genpsk >"$P_DIR/psk" || return 1
		wg pubkey <"$P_DIR/key" >"$P_DIR/pub" || return 1
	done
}

peer_pub() { cat "$E2E_TMP/peer$1/pub"; }
peer_psk() { cat "$E2E_TMP/peer$1/psk"; }

# e2e_topology: hub and appliance namespaces, the bridge and the appliance's WAN veth.
e2e_topology() {
	wsns_ns_create "$NS_HUB" || return 1
	wsns_ns_create "$NS_APP" || return 1
	ip -n "$NS_HUB" link add br0 type bridge mcast_snooping 0 stp_state 0 || return 1
	ip -n "$NS_HUB" link set br0 up || return 1
	ip link add wan0v netns "$NS_APP" type veth peer name h0 netns "$NS_HUB" || return 1
	ip -n "$NS_HUB" link set h0 master br0 up || return 1
	ip -n "$NS_APP" link set wan0v up || return 1
	# The kernel also sees what arrives on the veth the dataplane reads with af_packet: keep its
	# stack quiet there so every answer comes through the dataplane's exception TAP, once.
	ip netns exec "$NS_APP" sysctl -qw "net.ipv4.conf.wan0v.arp_ignore=8" \
		"net.ipv4.conf.wan0v.rp_filter=1" net.ipv4.conf.all.rp_filter=1 \
		"net.ipv6.conf.wan0v.disable_ipv6=1" net.ipv6.conf.default.accept_dad=0 >/dev/null ||
		return 1
}

# e2e_config FILE PEERS...: the appliance's YAML. Each PEERS word is "i[:psk][:ep][:ka=N]":
# peer i with its PSK, with its endpoint known (so the appliance can initiate), with a
# persistent keepalive of N seconds.
e2e_config() {
	local file=$1 spec i opts
	shift
	{
		cat <<EOF
# wirespeed appliance for ws-$E2E_TAG-$E2E_ID (generated with fresh keys; schema: config/)
interface:
  name: $APP_IF
EOF
		[ -z "${E2E_NO_KEY:-}" ] && echo "  privateKeyFile: $E2E_TMP/app.key"
		cat <<EOF
  listenPort: $APP_PORT
  addresses: ["$APP_TUN4/24", "$APP_TUN6/64"]
peers:
EOF
		[ $# -eq 0 ] && echo "  []"
		for spec in "$@"; do
			i=${spec%%:*}
			opts=":${spec#*:}:"
			[ "$spec" = "$i" ] && opts="::"
			peer_vars "$i"
			echo "  - name: peer$i"
			echo "    publicKey: $(peer_pub "$i")"
			echo "    allowedIPs: [$P_TUN4/32, \"$P_TUN6/128\"]"
			case "$opts" in *:psk:*) echo "    presharedKey: $(peer_psk "$i")" ;; esac
			case "$opts" in *:ep:*) echo "    endpoint: \"$P_WAN4:51820\"" ;; esac
			case "$opts" in
			*:ka=*) local ka=${opts#*:ka=}; echo "    persistentKeepalive: ${ka%%:*}" ;;
			esac
		done
		cat <<EOF
dataplane:
  mode: host
  eal: {filePrefix: $APP_PREFIX, memoryMB: 256, noHuge: true}
  ports:
EOF
		if [ "${E2E_DP_MODE:-rtc}" = pipeline ]; then
			# io and crypto lcores both transmit: a tx queue each; af_packet queues come
			# in pairs, and every rx queue gets its share of the traffic
			cat <<EOF
    - {name: wan0, role: wan, device: "net_af_packet0,iface=wan0v,qpairs=2",
       address: ["$APP_WAN4/24", "$APP_WAN6/64"], rxQueues: 2, txQueues: 2, rxDesc: 512}
  lcores: {service: 0, mode: pipeline, pipeline: {io: [1], crypto: [2]}}
EOF
		else
			cat <<EOF
    - {name: wan0, role: wan, device: "net_af_packet0,iface=wan0v",
       address: ["$APP_WAN4/24", "$APP_WAN6/64"], rxDesc: 512}
  lcores: {service: 0, workers: [1], mode: run-to-completion}
EOF
		fi
		cat <<EOF
  mempool: {mbufs: 4095, cache: 64, mbufSize: 2176}
  burst: 32
  controlSocket: $E2E_TMP/ctl.sock
EOF
	} >"$file"
}

# e2e_gen_config FILE PEERS_YAML: the appliance's YAML (IPv4 only) with the peers list ws-gen's
# --print-peer-config wrote, pasted in as it is (tests/gen/wirespeed.sh, bench/e2e/gen.sh).
e2e_gen_config() {
	{
		cat <<EOF
interface:
  name: $APP_IF
  privateKeyFile: $E2E_TMP/app.key
  listenPort: $APP_PORT
  addresses: ["$APP_TUN4/24"]
EOF
		cat "$2"
		cat <<EOF
dataplane:
  mode: host
  eal: {filePrefix: $APP_PREFIX, memoryMB: 256, noHuge: true}
  ports:
    - {name: wan0, role: wan, device: "net_af_packet0,iface=wan0v",
       address: ["$APP_WAN4/24"], rxDesc: 512}
  lcores: {service: 0, workers: [1], mode: run-to-completion}
  mempool: {mbufs: 4095, cache: 64, mbufSize: 2176}
  burst: 32
  controlSocket: $E2E_TMP/ctl.sock
EOF
	} >"$1"
}

# Extra dataplane arguments after "--" (e.g. a test time scale, when the dataplane has one).
E2E_DP_APP_ARGS=()
E2E_CTL_ARGS=()

# e2e_dp_start CONFIG: starts the dataplane in the appliance namespace, waits until it runs and
# its tunnel TAP exists, then puts the tunnel addresses on the TAP (as wg-quick would).
e2e_dp_start() {
	local cfg=$1 lcores cpu=$(($(nproc) > 1 ? 1 : 0))
	# the lcores on however many CPUs there are (pipeline: io and crypto share one)
	lcores="0@0,1@$cpu"
	[ "${E2E_DP_MODE:-rtc}" = pipeline ] && lcores="0@0,(1,2)@$cpu"
	# a restarted dataplane: keep the previous instance's log
	[ -s "$E2E_TMP/dp.log" ] && cat "$E2E_TMP/dp.log" >>"$E2E_TMP/dp.log.prev"
	: >"$E2E_TMP/dp.log"
	ip netns exec "$NS_APP" "$DP_BIN" --lcores "$lcores" -- --config "$cfg" \
		--stats-on-exit "$E2E_TMP/dp-stats.json" "${E2E_DP_APP_ARGS[@]}" \
		>>"$E2E_TMP/dp.log" 2>&1 &
	E2E_DP_PID=$!
	if ! e2e_wait_alive "$E2E_DP_PID" 30 "the dataplane to run" \
		grep -q "running:" "$E2E_TMP/dp.log"; then
		tail -n 30 "$E2E_TMP/dp.log" >&2
		return 1
	fi
	e2e_wait 10 "tunnel TAP $APP_IF" ip -n "$NS_APP" link show "$APP_IF" >/dev/null 2>&1 ||
		return 1
	# E2E_CTL_ADDRS=1: leave the TAP alone; the control process applies interface.addresses
	[ -n "${E2E_CTL_ADDRS:-}" ] && return 0
	ip -n "$NS_APP" link set "$APP_IF" up || return 1
	ip -n "$NS_APP" addr add "$APP_TUN4/24" dev "$APP_IF" 2>/dev/null
	ip -n "$NS_APP" -6 addr add "$APP_TUN6/64" dev "$APP_IF" nodad 2>/dev/null
	return 0
}

# e2e_wait SECONDS DESCRIPTION CMD...: runs CMD until it succeeds, every 50 ms, for at most
# SECONDS of wall-clock time (also when CMD itself takes a while, as a ping does).
e2e_wait() {
	local secs=$1 desc=$2 deadline
	shift 2
	deadline=$(($(date +%s%N) / 1000000 + secs * 1000))
	while :; do
		"$@" && return 0
		[ $(($(date +%s%N) / 1000000)) -lt "$deadline" ] || break
		sleep 0.05
	done
	echo "timed out after ${secs}s waiting for $desc" >&2
	return 1
}

# e2e_wait_alive PID SECONDS DESCRIPTION CMD...: like wsns_wait, but gives up at once when
# process PID is gone (a daemon that died will not come up).
e2e_wait_alive() {
	local pid=$1 secs=$2 desc=$3 deadline
	shift 3
	deadline=$(($(date +%s%N) / 1000000 + secs * 1000))
	while [ $(($(date +%s%N) / 1000000)) -lt "$deadline" ]; do
		"$@" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "process $pid exited while waiting for $desc" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "timed out after ${secs}s waiting for $desc" >&2
	return 1
}

# e2e_dp_alive: the dataplane still runs; otherwise says how it ended.
e2e_dp_alive() {
	local rc
	[ -n "$E2E_DP_PID" ] || return 1
	kill -0 "$E2E_DP_PID" 2>/dev/null && return 0
	wait "$E2E_DP_PID" 2>/dev/null
	rc=$?
	echo "the dataplane (pid $E2E_DP_PID) is gone: exit status $rc$( ((rc > 128)) &&
		echo " (signal $(kill -l $((rc - 128)) 2>/dev/null))")" >&2
	E2E_DP_PID=
	return 1
}

# e2e_dp_stop: SIGTERM and a bounded wait; returns the exit status (0 = clean).
e2e_dp_stop() {
	local pid=$E2E_DP_PID rc=0
	[ -n "$pid" ] || return 0
	E2E_DP_PID=
	kill -TERM "$pid" 2>/dev/null
	if ! e2e_wait 15 "the dataplane to exit" wsns_gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		rc=124
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}

# e2e_ctl_start CONFIG: starts the control process in the appliance namespace and waits for
# its UAPI socket and (when a dataplane runs) for its connection to the dataplane.
e2e_ctl_start() {
	local cfg=$1
	echo "---- control start $(date +%T)" >>"$E2E_TMP/ctl.log"
	ip netns exec "$NS_APP" "$CTL_BIN" --config "$cfg" "${E2E_CTL_ARGS[@]}" \
		>>"$E2E_TMP/ctl.log" 2>&1 &
	E2E_CTL_PID=$!
	if ! e2e_wait_alive "$E2E_CTL_PID" 10 "the control process's UAPI socket" e2e_uapi_up; then
		tail -n 20 "$E2E_TMP/ctl.log" >&2
		return 1
	fi
	if [ -n "$E2E_DP_PID" ]; then
		if ! e2e_wait_alive "$E2E_DP_PID" 10 "the control process to connect to the dataplane" \
			e2e_ctl_connected; then
			e2e_dp_alive || return 1
			return 1
		fi
	fi
	return 0
}

e2e_uapi_up() {
	kill -0 "$E2E_CTL_PID" 2>/dev/null || return 1
	[ -S "$UAPI_SOCK" ] && wg show "$APP_IF" >/dev/null 2>&1
}

e2e_ctl_connected() {
	rpc interface_get 2>/dev/null | grep -q '"dataplane_connected": true'
}

e2e_ctl_stop() {
	local pid=$E2E_CTL_PID
	[ -n "$pid" ] || return 0
	E2E_CTL_PID=
	wsns_stop "$pid"
}

# rpc METHOD [PARAMS_JSON]: one JSON-RPC call through wirespeedctl; prints the result.
rpc() {
	timeout 15 "$WSCTL" call "$APP_IF" "$@"
}

# The stock wg, bounded: a wedged UAPI server must fail the step, not hang the run.
wg() {
	timeout 15 wg "$@"
}

# ctl_stat NAME: a control counter from stats_get (0 when absent).
ctl_stat() {
	rpc stats_get | python3 -c 'import json,sys; print(json.load(sys.stdin)["control"].get(sys.argv[1], 0))' "$1"
}

# dp_stat NAME: a dataplane counter from stats_get (0 when absent).
dp_stat() {
	rpc stats_get | python3 -c 'import json,sys; print(json.load(sys.stdin)["dataplane"].get(sys.argv[1], 0))' "$1"
}

# e2e_peer_start i [psk] [ep] [ka=N]: peer i's namespace on the hub, wireguard-go configured
# with `wg` (the appliance as its peer, allowed 10.77.0.0/24 and fd77::/64), tunnel addresses.
# "ep": give it the appliance's endpoint (so it can initiate); "psk": use its PSK.
e2e_peer_start() {
	local i=$1 opt args=()
	shift
	peer_vars "$i"
	wsns_ns_create "$P_NS" || return 1
	ip link add wan netns "$P_NS" type veth peer name "h$i" netns "$NS_HUB" || return 1
	ip -n "$NS_HUB" link set "h$i" master br0 up || return 1
	wsns_addr "$P_NS" wan "$P_WAN4/24" && wsns_addr "$P_NS" wan "$P_WAN6/64" || return 1
	ip -n "$P_NS" link set wan up || return 1
	for opt in "$@"; do
		case "$opt" in
		psk) args+=(preshared-key "$P_DIR/psk") ;;
		ep) args+=(endpoint "$APP_WAN4:$APP_PORT") ;;
		ka=*) args+=(persistent-keepalive "${opt#ka=}") ;;
		*) echo "e2e_peer_start: unknown option $opt" >&2; return 1 ;;
		esac
	done
	wsns_wg_start "$P_NS" "$P_IF" "$P_DIR/wireguard-go.log" || return 1
	ip netns exec "$P_NS" wg set "$P_IF" private-key "$P_DIR/key" listen-port 51820 \
		peer "$APP_PUB" allowed-ips 10.77.0.0/24,fd77::/64 "${args[@]}" || return 1
	wsns_addr "$P_NS" "$P_IF" "$P_TUN4/24" && wsns_addr "$P_NS" "$P_IF" "$P_TUN6/64" || return 1
	ip -n "$P_NS" link set "$P_IF" up
}

# Latest handshake (Unix seconds, 0 = never) as each side sees it.
peer_hs_time() { # i
	peer_vars "$1"
	ip netns exec "$P_NS" wg show "$P_IF" latest-handshakes | awk '{print $2}'
}
app_hs_time() { # i
	wg show "$APP_IF" latest-handshakes | awk -v k="$(peer_pub "$1")" '$1 == k {print $2}'
}
handshaken() { # i: both sides report a handshake
	local p a
	p=$(peer_hs_time "$1") && a=$(app_hs_time "$1") || return 1
	[ "${p:-0}" -gt 0 ] && [ "${a:-0}" -gt 0 ]
}

# peer_rx_bytes i: bytes wireguard-go received from the appliance; app_rx_bytes i: bytes the
# appliance received from peer i (both from `wg show transfer`).
peer_rx_bytes() {
	peer_vars "$1"
	ip netns exec "$P_NS" wg show "$P_IF" transfer | awk '{print $2}'
}
app_rx_bytes() {
	wg show "$APP_IF" transfer | awk -v k="$(peer_pub "$1")" '$1 == k {print $2}'
}

# ping_ok NS ADDR [COUNT]: COUNT (default 3) echo replies within 15 s (ping keeps sending until
# COUNT are answered, so one echo lost on a loaded machine does not fail the check).
ping_ok() {
	local ns=$1 addr=$2 count=${3:-3}
	ip netns exec "$ns" ping -c "$count" -i 0.2 -w 15 -q "$addr" >"$E2E_TMP/ping.out" 2>&1 &&
		grep -q " $count received" "$E2E_TMP/ping.out"
}
# ping_once NS ADDR: one echo, 1 s; for polling until a tunnel comes up.
ping_once() {
	ip netns exec "$1" ping -c 1 -W 1 -q "$2" >/dev/null 2>&1
}

# iperf3_run CLIENT_NS SERVER_NS SERVER_ADDR SECONDS [-R]: a TCP iperf3 run; prints the
# receiver's bits per second (integer) and fails when the run fails.
iperf3_run() {
	local cns=$1 sns=$2 addr=$3 secs=$4 rev=${5:-} spid rc port=$((5201 + RANDOM % 1000))
	ip netns exec "$sns" iperf3 -s -1 -B "$addr" -p "$port" >"$E2E_TMP/iperf3-server.log" 2>&1 &
	spid=$!
	E2E_EXTRA_PIDS+=("$spid")
	e2e_wait 10 "the iperf3 server" iperf3_listening "$sns" "$port" || return 1
	ip netns exec "$cns" timeout $((secs + 30)) iperf3 -c "$addr" -p "$port" -t "$secs" \
		--connect-timeout 5000 $rev -J >"$E2E_TMP/iperf3.json" 2>"$E2E_TMP/iperf3.err"
	rc=$?
	wsns_stop "$spid"
	if [ $rc -ne 0 ]; then
		python3 -c 'import json,sys; print("iperf3:", json.load(open(sys.argv[1])).get("error"))' \
			"$E2E_TMP/iperf3.json" >&2 2>/dev/null || cat "$E2E_TMP/iperf3.err" >&2
		return 1
	fi
	python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' \
		"$E2E_TMP/iperf3.json"
}
iperf3_listening() {
	ip netns exec "$1" ss -Htln "sport = :$2" | grep -q LISTEN
}

# e2e_cleanup: stops everything this run started and removes its namespaces and files.
e2e_cleanup() {
	local pid
	for pid in "${E2E_EXTRA_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && wsns_stop "$pid"
	done
	E2E_EXTRA_PIDS=()
	e2e_ctl_stop
	e2e_dp_stop >/dev/null 2>&1
	# whatever else this run started inside its namespaces (iperf3, ping) goes too
	local ns
	for pid in "${WSNS_PIDS[@]}"; do
		wsns_stop "$pid"
	done
	for ns in "${WSNS_NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	wsns_cleanup
	[ -n "${APP_PREFIX:-}" ] && rm -rf "/var/run/dpdk/$APP_PREFIX"
	[ -n "${E2E_TMP:-}" ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$E2E_TMP"
	return 0
}

# e2e_dump_logs: the state of both sides and the tail of every log, for a failure.
e2e_dump_logs() {
	local f i
	if [ -n "$E2E_CTL_PID" ] && kill -0 "$E2E_CTL_PID" 2>/dev/null; then
		echo "---- appliance: wg show $APP_IF"
		wg show "$APP_IF" 2>&1
		echo "---- appliance: non-zero counters (stats_get)"
		rpc stats_get 2>&1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
for part in ("control", "dataplane"):
    print(part + ":", " ".join(f"{k}={v}" for k, v in d.get(part, {}).items() if v))' 2>&1
	fi
	for ((i = 1; i <= 9; i++)); do
		peer_vars "$i"
		[ -S "$WSNS_RUNDIR/$P_IF.sock" ] || continue
		echo "---- peer $i: wg show $P_IF; its WAN link and UDP counters"
		ip netns exec "$P_NS" wg show "$P_IF" 2>&1
		ip -n "$P_NS" -s -br link show wan 2>&1
		ip netns exec "$P_NS" awk '/^Udp:/' /proc/net/snmp 2>&1
	done
	for f in "$E2E_TMP"/dp.log "$E2E_TMP"/ctl.log "$E2E_TMP"/peer*/wireguard-go.log; do
		[ -s "$f" ] || continue
		echo "---- ${f#"$E2E_TMP"/} (last 25 lines; DPDK start-up chatter left out)"
		grep -Ev '^(EAL|TELEMETRY): |qdisc|tap_nl_dump|eth_dev_tap_create' "$f" | tail -n 25
	done
}
