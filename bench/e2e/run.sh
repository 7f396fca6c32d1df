#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end on this machine, side by side with wireguard-go: iperf3 through a tunnel between a
# wireguard-go peer and (a) the wirespeed appliance (dataplane on net_af_packet + control),
# (b) a wireguard-go "appliance" (the reference), in the same namespaces and veths (the e2e
# topology of tests/e2e/lib.sh: appliance ns -- hub bridge -- peer ns). For every run: the
# throughput, the packets through the appliance's tunnel interface, and the CPU time the
# appliance side spent per tunnelled packet:
#   wireguard-go: utime + stime of its process (/proc/PID/stat)
#   wirespeed:    busy TSC cycles of the polling lcore(s) (its own busy/idle accounting,
#                 telemetry /wirespeed/lcores) / TSC Hz, plus the control process's and the
#                 dataplane's non-polling threads' /proc CPU. Idle polling is not charged.
# and the ratio wirespeed / wireguard-go. A benchmark, not a test: nothing depends on a timing.
#
#   bench/e2e/run.sh [--smoke] [--json FILE] [--seconds N] [BUILD_DIR]
#
# --smoke: one short run of each kind (TCP, UDP large, UDP small). Needs root, /dev/net/tun,
# wireguard-go, wg and iperf3; otherwise says why and exits 0 (skipped).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$here/../../build
json=
smoke=0
secs=8
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=1; shift ;;
	--json) json="$2"; shift 2 ;;
	--seconds) secs="$2"; shift 2 ;;
	-h | --help) sed -n '2,19p' "$0"; exit 0 ;;
	-*) echo "usage: bench/e2e/run.sh [--smoke] [--json FILE] [--seconds N] [BUILD_DIR]" >&2; exit 2 ;;
	*) build="$1"; shift ;;
	esac
done
[ "$smoke" = 1 ] && secs=1

# UDP offered rates: fixed, the same for both implementations, and low enough that both carry
# them on 2 shared vCPUs (so the per-packet figures compare the same work).
UDP_LARGE_LEN=1372 # 1400-byte inner IP packets
UDP_LARGE_RATE=${BENCH_E2E_UDP_LARGE_RATE:-200M}
UDP_SMALL_LEN=36 # 64-byte inner IP packets
UDP_SMALL_RATE=${BENCH_E2E_UDP_SMALL_RATE:-8M}
# test name, iperf3 arguments (the peer is the client, the appliance the server; -R: the
# appliance sends, i.e. encrypts), UDP payload length (empty for TCP)
TESTS=(
	"tcp-peer-to-app||"
	"tcp-app-to-peer|-R|"
	"udp1400-peer-to-app|-u -b $UDP_LARGE_RATE -l $UDP_LARGE_LEN|$UDP_LARGE_LEN"
	"udp1400-app-to-peer|-R -u -b $UDP_LARGE_RATE -l $UDP_LARGE_LEN|$UDP_LARGE_LEN"
	"udp64-peer-to-app|-u -b $UDP_SMALL_RATE -l $UDP_SMALL_LEN|$UDP_SMALL_LEN"
	"udp64-app-to-peer|-R -u -b $UDP_SMALL_RATE -l $UDP_SMALL_LEN|$UDP_SMALL_LEN"
)
[ "$smoke" = 1 ] && TESTS=("${TESTS[0]}" "${TESTS[2]}" "${TESTS[4]}")
if [ -n "${BENCH_E2E_ONLY:-}" ]; then # a regular expression over the test names
	only=()
	for t in "${TESTS[@]}"; do [[ ${t%%|*} =~ $BENCH_E2E_ONLY ]] && only+=("$t"); done
	TESTS=("${only[@]}")
fi

NOTES=(
	"both sides and the traffic generator (iperf3 client and server) share this machine's $(nproc) vCPUs (shared, noisy): absolute throughput and packet rates are low and move between runs; the per-packet CPU ratio wirespeed/wireguard-go is the figure to read"
	"wirespeed's polling lcore busy-polls a whole vCPU even when idle (not charged above, see busy%), which also leaves the generator and the peer less CPU: its throughput here is not comparable with wireguard-go's"
	"TSC cycles are wall-clock time: a busy iteration preempted by the scheduler is charged in full, so with the CPUs oversubscribed us/pkt overstates wirespeed; 'alt' charges the polling thread's real CPU time x its busy fraction instead"
	"UDP runs at a fixed offered rate (1400-byte packets at $UDP_LARGE_RATE, 64-byte at ${UDP_SMALL_RATE}bit/s); Mbit/s is the goodput that arrived; the wirespeed dataplane reads its WAN through net_af_packet (a syscall per burst), not a real NIC"
	"peers are wireguard-go in both setups, so the peer's cost is the same; only the appliance side is measured; kernel softirq work on received frames (veth, bridge, and for wireguard-go the IP/UDP stack) is charged to whichever process happens to run, to neither appliance in particular (the JSON's thread_cpu_s shows it landing on the dataplane's mostly sleeping threads too)"
)

# shellcheck source-path=SCRIPTDIR source=../../tests/e2e/lib.sh
. "$here/../../tests/e2e/lib.sh"

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

skip() { bench_skip "bench e2e" "$@"; }
if ! reason=$(wsns_preflight); then skip "$reason"; fi
for cmd in iperf3 ss python3; do
	command -v "$cmd" >/dev/null || skip "missing command: $cmd"
done

bench_results e2e

# The wireguard-go appliance: the same topology (e2e_topology), with the kernel answering on
# the WAN veth (the wirespeed dataplane keeps it quiet there), wireguard-go on the tunnel.
wggo_appliance() {
	e2e_topology || return 1
	ip netns exec "$NS_APP" sysctl -qw net.ipv4.conf.wan0v.arp_ignore=0 \
		net.ipv6.conf.wan0v.disable_ipv6=0 >/dev/null || return 1
	wsns_addr "$NS_APP" wan0v "$APP_WAN4/24" || return 1
	wsns_wg_start "$NS_APP" "$APP_IF" "$E2E_TMP/app-wireguard-go.log" || return 1
	APP_WG_PID=$WSNS_WG_PID
	ip netns exec "$NS_APP" wg set "$APP_IF" private-key "$E2E_TMP/app.key" \
		listen-port "$APP_PORT" peer "$(peer_pub 1)" allowed-ips "$P_TUN4/32" || return 1
	wsns_addr "$NS_APP" "$APP_IF" "$APP_TUN4/24" || return 1
	ip -n "$NS_APP" link set "$APP_IF" up
}

# one_run IMPL TEST IPERF_ARGS UDP_LEN: appends one result line.
one_run() {
	local impl=$1 test=$2 iargs=$3 len=$4 port=$((5201 + RANDOM % 1000)) spid before after
	local pids prefix=
	if [ "$impl" = wirespeed ]; then
		pids="$E2E_DP_PID,$E2E_CTL_PID"
		prefix=$APP_PREFIX
	else
		pids=$APP_WG_PID
	fi
	ip netns exec "$NS_APP" iperf3 -s -1 -B "$APP_TUN4" -p "$port" \
		>"$E2E_TMP/iperf3-server.log" 2>&1 &
	spid=$!
	E2E_EXTRA_PIDS+=("$spid")
	e2e_wait 10 "the iperf3 server" iperf3_listening "$NS_APP" "$port" || return 1
	before=$(python3 "$here/sample.py" snap "$NS_APP" "$APP_IF" "$impl" "$pids" ${prefix:+"$prefix"}) ||
		return 1
	# shellcheck disable=SC2086 # iargs is a word list
	ip netns exec "$P_NS" timeout $((secs + 30)) iperf3 -c "$APP_TUN4" -p "$port" -t "$secs" \
		--connect-timeout 5000 $iargs -J >"$E2E_TMP/iperf3.json" 2>"$E2E_TMP/iperf3.err"
	after=$(python3 "$here/sample.py" snap "$NS_APP" "$APP_IF" "$impl" "$pids" ${prefix:+"$prefix"}) ||
		return 1
	wsns_stop "$spid"
	python3 "$here/sample.py" result "$impl" "$test" "$before" "$after" "$E2E_TMP/iperf3.json" \
		"$secs" ${len:+"$len"} >>"$RESULTS" || return 1
	python3 - "$RESULTS" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(f"  {r['impl']:<12} {r['test']:<20} {r['mbps']:8.1f} Mbit/s {r['tunnel_packets']:8d} pkts "
      f"{r['us_per_packet'] or 0:7.2f} us/pkt" + (f"  ERROR: {r['error']}" if "error" in r else ""))
PY
}

# bench_impl IMPL: one topology, every test; runs in a subshell (own names, own cleanup).
bench_impl() {
	local impl=$1 t name args len
	# shellcheck disable=SC2034 # read by lib.sh
	E2E_TAG=bench
	e2e_init "$build" || return 1
	e2e_keys 1 || return 1
	peer_vars 1
	if [ "$impl" = wirespeed ]; then
		e2e_topology && e2e_config "$E2E_TMP/app.yaml" 1 &&
			e2e_dp_start "$E2E_TMP/app.yaml" && e2e_ctl_start "$E2E_TMP/app.yaml" || return 1
	else
		wggo_appliance || return 1
	fi
	e2e_peer_start 1 ep || return 1
	e2e_wait 25 "a ping through the $impl tunnel" ping_once "$P_NS" "$APP_TUN4" || return 1
	for t in "${TESTS[@]}"; do
		IFS='|' read -r name args len <<<"$t"
		one_run "$impl" "$name" "$args" "$len" || { e2e_dump_logs >&2; return 1; }
	done
	[ "$impl" = wirespeed ] && bench_wirespeed_stop
	return 0
}

echo "bench e2e: ${#TESTS[@]} runs of ${secs}s for each of wireguard-go and wirespeed (build $build)"
status=0
bench_impls "bench e2e" || status=1
python3 "$here/sample.py" report "$RESULTS" "$json" "${NOTES[@]}" || status=1
exit $status
