# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Shared by the dataplane test scripts, which start wirespeed-dataplane in the background
# (usually under timeout(1)) with its pid in DP_PID.

# dp_stop SIGNAL: signals the dataplane and waits up to 10 s for it to exit. Returns 0 with
# its exit status in RC and DP_PID cleared; 1 if it is still running (DP_PID kept, so that
# dp_kill in the script's cleanup ends it).
dp_stop() {
	local sig=$1
	RC=
	kill "-$sig" "$DP_PID" 2>/dev/null
	for _ in $(seq 100); do
		if ! kill -0 "$DP_PID" 2>/dev/null; then
			wait "$DP_PID"
			# shellcheck disable=SC2034 # read by the caller
			RC=$?
			DP_PID=
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# dp_kill: for cleanup traps; kills the dataplane if it still runs. Under timeout(1) DP_PID is
# timeout's: its child first, or the dataplane outlives the test.
dp_kill() {
	if [ -n "${DP_PID:-}" ] && kill -0 "$DP_PID" 2>/dev/null; then
		pkill -KILL -P "$DP_PID" 2>/dev/null
		kill -KILL "$DP_PID" 2>/dev/null
		wait "$DP_PID" 2>/dev/null
	fi
	DP_PID=
}

log() { echo "[$(date +%T)] $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }
skip() { echo "SKIP: $*"; exit 77; }

# dp_cleanup NAMESPACE...: the usual end of a run (EXIT trap): the dataplane killed if still
# there, the namespaces and its DPDK runtime directory ($PREFIX) removed, the tail of its log
# ($TMP/dp.log) shown when the test failed, $TMP removed.
dp_cleanup() {
	local ns
	dp_kill
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "/var/run/dpdk/$PREFIX"
	if [ "$FAILED" != 0 ] && [ -f "$TMP/dp.log" ]; then
		echo "---- dataplane log"
		tail -n 40 "$TMP/dp.log"
	fi
	rm -rf "$TMP"
}

# dp_veth_topology: namespaces $NS_DP and $NS_PEER joined by the veth pair $VETH_DP /
# $VETH_PEER; the peer end gets 198.18.0.2/24 and 2001:db8:18::2/64. Skips (77) where namespaces
# or veths cannot be made. The dataplane reads its end with af_packet, and the kernel sees the
# same frames: its stack is kept out of the way there (no ARP answers, no IPv6), so every
# answer has to come through the dataplane's exception TAP.
dp_veth_topology() {
	ip netns add "$NS_DP" || skip "cannot create network namespaces"
	ip netns add "$NS_PEER" || exit 1
	ip link add "$VETH_DP" type veth peer name "$VETH_PEER" || skip "cannot create veth"
	ip link set "$VETH_DP" netns "$NS_DP"
	ip link set "$VETH_PEER" netns "$NS_PEER"
	ip -n "$NS_DP" link set lo up
	ip -n "$NS_DP" link set "$VETH_DP" up
	ip -n "$NS_PEER" link set lo up
	ip -n "$NS_PEER" link set "$VETH_PEER" up
	ip -n "$NS_PEER" address add 198.18.0.2/24 dev "$VETH_PEER"
	ip -n "$NS_PEER" address add 2001:db8:18::2/64 dev "$VETH_PEER" nodad
	ip netns exec "$NS_DP" sysctl -qw "net.ipv4.conf.$VETH_DP.arp_ignore=8" \
		"net.ipv4.conf.$VETH_DP.rp_filter=1" net.ipv4.conf.all.rp_filter=1 \
		"net.ipv6.conf.$VETH_DP.disable_ipv6=1" net.ipv6.conf.default.accept_dad=0 ||
		exit 1
}
