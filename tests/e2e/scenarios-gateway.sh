# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Gateway mode: the appliance routes between a LAN host and a wireguard-go peer. Sourced by
# run.sh (after scenarios-tunnel.sh, whose helpers it uses). Topology on top of lib.sh's:
#
#   LAN host ns                      appliance ns
#   lanh 10.1.0.2 (later .3) ----- lan0v  <- wirespeed-dataplane LAN port (net_af_packet)
#        fd01::2 (later ::3)                 LAN exception TAP lan0: 10.1.0.1/24, fd01::1/64
#   default routes via 10.1.0.1 / fd01::1
#
# Peer 1 routes 10.1.0.0/24 and fd01::/64 into its tunnel; the appliance's WAN MTU is the veth's
# 1500, so the tunnel MTU is 1420.

GW_LAN4=10.1.0.1
GW_LAN6=fd01::1
GW_TUN_MTU=1420

# gw_config FILE PEERS...: lib.sh's appliance config turned into gateway mode with a LAN port.
gw_config() {
	local file=$1
	shift
	e2e_config "$file.host" "$@" || return 1
	python3 - "$file.host" "$file" "${E2E_DP_MODE:-rtc}" <<'EOF' || return 1
import sys
src, dst, pipeline = sys.argv[1], sys.argv[2], sys.argv[3] == "pipeline"
out, done = [], False
for line in open(src):
    if line.strip() == "mode: host":
        line = line.replace("mode: host", "mode: gateway")
    out.append(line)
    if not done and "rxDesc: 512}" in line:
        if pipeline:  # a tx queue for the io and the crypto lcore, as the WAN port has
            out.append('    - {name: lan0, role: lan, device: "net_af_packet1,iface=lan0v,qpairs=2",\n'
                       '       address: ["10.1.0.1/24", "fd01::1/64"], rxQueues: 2, txQueues: 2,\n'
                       '       rxDesc: 512}\n')
        else:
            out.append('    - {name: lan0, role: lan, device: "net_af_packet1,iface=lan0v",\n'
                       '       address: ["10.1.0.1/24", "fd01::1/64"], rxDesc: 512}\n')
        done = True
if not done:
    sys.exit("no WAN port line found")
open(dst, "w").writelines(out)
EOF
}

# gw_lan_topology: the LAN host's namespace and the appliance's LAN veth.
gw_lan_topology() {
	LAN_NS="ws-$E2E_TAG-$E2E_ID-lan"
	wsns_ns_create "$LAN_NS" || return 1
	ip link add lan0v netns "$NS_APP" type veth peer name lanh netns "$LAN_NS" || return 1
	# as for the WAN veth: the appliance's kernel stays quiet on what af_packet reads
	ip netns exec "$NS_APP" sysctl -qw "net.ipv4.conf.lan0v.arp_ignore=8" \
		"net.ipv4.conf.lan0v.rp_filter=1" "net.ipv6.conf.lan0v.disable_ipv6=1" >/dev/null ||
		return 1
	ip -n "$NS_APP" link set lan0v up || return 1
	local a
	for a in 10.1.0.2/24 fd01::2/64; do
		wsns_addr "$LAN_NS" lanh "$a" || return 1
	done
	# a veth leaves TCP/UDP checksums to "the NIC" (CHECKSUM_PARTIAL), and the dataplane
	# reads the frame before anyone fills them in; a real LAN host's NIC sends them complete
	gw_tx_csum_off "$LAN_NS" lanh || return 1
	ip -n "$LAN_NS" link set lanh up || return 1
	ip -n "$LAN_NS" route add default via "$GW_LAN4" || return 1
	ip -n "$LAN_NS" -6 route add default via "$GW_LAN6"
}

# gw_tx_csum_off NS IF: the kernel computes IF's transmit checksums itself (ethtool -K IF tx
# off, through the SIOCETHTOOL ioctl: ethtool may not be installed).
gw_tx_csum_off() {
	ip netns exec "$1" python3 - "$2" <<'EOF'
import array, fcntl, socket, struct, sys
ETHTOOL_STXCSUM, SIOCETHTOOL = 0x17, 0x8946
val = array.array("I", [ETHTOOL_STXCSUM, 0])
ifr = struct.pack("16sP", sys.argv[1].encode(), val.buffer_info()[0])
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s, SIOCETHTOOL, ifr)
EOF
}

# gw_dp_start CONFIG: the dataplane, up when it says so and its LAN TAP exists.
gw_dp_start() {
	local cfg=$1 cpu=$(($(nproc) > 1 ? 1 : 0)) lcores
	lcores="0@0,1@$cpu"
	[ "${E2E_DP_MODE:-rtc}" = pipeline ] && lcores="0@0,(1,2)@$cpu"
	: >"$E2E_TMP/dp.log"
	ip netns exec "$NS_APP" "$DP_BIN" --lcores "$lcores" -- --config "$cfg" \
		--stats-on-exit "$E2E_TMP/dp-stats.json" >>"$E2E_TMP/dp.log" 2>&1 &
	E2E_DP_PID=$!
	if ! e2e_wait_alive "$E2E_DP_PID" 30 "the dataplane to run" \
		grep -q "running: gateway mode" "$E2E_TMP/dp.log"; then
		tail -n 30 "$E2E_TMP/dp.log" >&2
		return 1
	fi
	e2e_wait 10 "the LAN exception TAP lan0" ip -n "$NS_APP" link show lan0 >/dev/null 2>&1
}

# gw_peer_routes i: peer i sends the LAN's prefixes into its tunnel (and accepts them from it).
gw_peer_routes() {
	peer_vars "$1"
	ip netns exec "$P_NS" wg set "$P_IF" peer "$APP_PUB" \
		allowed-ips 10.77.0.0/24,fd77::/64,10.1.0.0/24,fd01::/64 || return 1
	ip -n "$P_NS" route add 10.1.0.0/24 dev "$P_IF" &&
		ip -n "$P_NS" -6 route add fd01::/64 dev "$P_IF"
}

# lan_neigh_mac ADDR: the MAC the LAN host's neighbour table has for ADDR.
lan_neigh_mac() {
	ip -n "$LAN_NS" neigh show "$1" dev lanh |
		awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'
}
neigh_is() { [ "$(lan_neigh_mac "$1")" = "$2" ]; }
# gw_ping NS ADDR [PING OPTIONS]: three echo replies within 10 s (-w: ping waits for all
# three, also when the machine is busy and one answer is slow, where -W gives up two round
# trips after the last).
gw_ping() {
	local ns=$1 addr=$2 got
	shift 2
	ip netns exec "$ns" ping -c 3 -i 0.3 -w 10 "$@" "$addr" >"$E2E_TMP/ping.out" 2>&1
	# at least three answers (late ones can arrive together, after more echoes went out)
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$E2E_TMP/ping.out")
	[ "${got:-0}" -ge 3 ] && return 0
	cat "$E2E_TMP/ping.out" >&2
	return 1
}
gw_not() { ! "$@"; }
# gw_iperf ARGS...: iperf3_run ARGS, its bits per second in GW_BPS.
gw_iperf() {
	GW_BPS=$(iperf3_run "$@")
}
# dp_at_least N NAME: the dataplane counter NAME reaches N (bounded wait).
dp_at_least() {
	e2e_wait 10 "dataplane counter $2 >= $1" at_least "$1" dp_stat "$2"
}
# dp_zero NAME: a dataplane counter is 0.
dp_zero() { [ "$(dp_stat "$1")" = 0 ]; }

# too_big_seen FAMILY ADDR SIZE PATTERN: a DF ping of SIZE bytes of payload from the LAN host
# is answered by the gateway's "too big" (ping prints PATTERN), and the host's route to ADDR
# then carries the tunnel MTU (learned from that ICMP).
too_big_seen() {
	local fam=$1 addr=$2 size=$3 pattern=$4
	ip netns exec "$LAN_NS" ping "$fam" -M "do" -s "$size" -c 2 -i 0.3 -W 3 "$addr" \
		>"$E2E_TMP/ping-big.out" 2>&1
	grep -q -- "$pattern" "$E2E_TMP/ping-big.out" || {
		echo "ping output:" >&2
		cat "$E2E_TMP/ping-big.out" >&2
		return 1
	}
	ip -n "$LAN_NS" "$fam" route get "$addr" | grep -q "mtu $GW_TUN_MTU" || {
		echo "route to $addr:" >&2
		ip -n "$LAN_NS" "$fam" route get "$addr" >&2
		return 1
	}
}

# ttl_expired_seen FAMILY ADDR PATTERN: a ping with TTL / hop limit 1 from the LAN host is
# answered by the gateway's "time exceeded" (ping prints PATTERN).
ttl_expired_seen() {
	local fam=$1 addr=$2 pattern=$3
	ip netns exec "$LAN_NS" ping "$fam" -t 1 -c 2 -i 0.3 -W 3 "$addr" \
		>"$E2E_TMP/ping-ttl.out" 2>&1
	grep -q -- "$pattern" "$E2E_TMP/ping-ttl.out" || {
		echo "ping output:" >&2
		cat "$E2E_TMP/ping-ttl.out" >&2
		return 1
	}
}

scn_gateway() {
	step "gateway appliance (LAN port 10.1.0.1/24, fd01::1/64) and a wireguard-go peer" \
		e2e_keys 1 || return 1
	e2e_topology && gw_lan_topology || return 1
	gw_config "$E2E_TMP/app.yaml" 1:ep || return 1
	gw_dp_start "$E2E_TMP/app.yaml" && e2e_ctl_start "$E2E_TMP/app.yaml" || return 1
	e2e_peer_start 1 ep && gw_peer_routes 1 || return 1
	peer_vars 1
	local mac
	mac=$(ip netns exec "$NS_APP" cat /sys/class/net/lan0v/address) || return 1

	step "the LAN host pings the gateway's LAN address (kernel through the LAN TAP)" \
		gw_ping "$LAN_NS" "$GW_LAN4" || return 1
	check "ping $GW_LAN6 from the LAN host" gw_ping "$LAN_NS" "$GW_LAN6" || return 1
	check "the LAN host resolved $GW_LAN4 to the LAN port's MAC $mac" neigh_is "$GW_LAN4" "$mac" ||
		return 1
	check "the LAN host resolved $GW_LAN6 to the LAN port's MAC $mac" neigh_is "$GW_LAN6" "$mac" ||
		return 1

	step "the LAN host reaches the peer's tunnel address through the gateway" \
		e2e_wait 25 "a ping from the LAN host to $P_TUN4" ping_once "$LAN_NS" "$P_TUN4" ||
		return 1
	check "ping $P_TUN4 from the LAN host" gw_ping "$LAN_NS" "$P_TUN4" || return 1
	check "ping $P_TUN6 from the LAN host" gw_ping "$LAN_NS" "$P_TUN6" || return 1
	check "decrypted packets left the LAN port to a resolved neighbour" \
		dp_at_least 6 lan_tx_decrypted || return 1
	note "IPv4 and IPv6 echoes LAN host -> peer -> LAN host answered"

	# new addresses of the LAN host, which it has not used towards the gateway yet
	wsns_addr "$LAN_NS" lanh 10.1.0.3/24 && wsns_addr "$LAN_NS" lanh fd01::3/64 || return 1
	step "the peer pings LAN addresses the gateway has not seen (held, then resolved)" \
		gw_ping "$P_NS" 10.1.0.3 || return 1
	check "ping fd01::3 from the peer" gw_ping "$P_NS" fd01::3 || return 1
	check "packets were held while resolving" dp_at_least 2 lan_held || return 1
	check "held packets were sent after the answer" dp_at_least 2 lan_held_sent || return 1
	check "the gateway asked (ARP request / neighbour solicitation)" \
		dp_at_least 2 lan_neigh_solicit || return 1
	check "nothing held was given up" dp_zero drop_lan_neigh_unresolved ||
		return 1
	local asked
	asked=$(dp_stat lan_neigh_solicit) || return 1
	step "the peer pings a LAN address nobody has: three requests, then the gateway gives up" \
		gw_not ping_once "$P_NS" 10.1.0.77 || return 1
	check "three more requests" dp_at_least $((asked + 3)) lan_neigh_solicit || return 1
	check "the held packet was dropped" dp_at_least 1 drop_lan_neigh_unresolved || return 1

	# before the DF tests: once the host learned the tunnel MTU it fragments itself
	step "IPv4 without DF, too big for the tunnel: the gateway fragments it" \
		gw_ping "$LAN_NS" "$P_TUN4" -4 -M dont -s 1450 || return 1
	check "lan_fragmented >= 3" dp_at_least 3 lan_fragmented || return 1
	check "lan_fragments >= 6" dp_at_least 6 lan_fragments || return 1
	check "no fragmentation failure" dp_zero drop_frag_failed || return 1

	step "IPv4 DF packet too big for the tunnel: ICMP fragmentation needed, mtu $GW_TUN_MTU" \
		too_big_seen -4 "$P_TUN4" 1472 "mtu = $GW_TUN_MTU" || return 1
	check "the dataplane counted it" dp_at_least 1 lan_icmp_too_big || return 1
	step "IPv6 packet too big for the tunnel: ICMPv6 packet too big, mtu $GW_TUN_MTU" \
		too_big_seen -6 "$P_TUN6" 1452 "mtu=$GW_TUN_MTU" || return 1
	check "the dataplane counted it" dp_at_least 1 lan_icmp6_too_big || return 1
	check "drop_too_big counts both" dp_at_least 2 drop_too_big || return 1
	check "a DF ping that fits the tunnel MTU gets through" \
		bash -c "ip netns exec '$LAN_NS' ping -4 -M do -s $((GW_TUN_MTU - 28)) -c 1 -w 10 -q '$P_TUN4' >/dev/null" ||
		return 1

	# the gateway is one router hop each way
	step "IPv4 TTL 1 from the LAN host: ICMP time exceeded from $GW_LAN4" \
		ttl_expired_seen -4 "$P_TUN4" "From $GW_LAN4 .*Time to live exceeded" || return 1
	check "the dataplane counted it" dp_at_least 1 lan_icmp_time_exceeded || return 1
	step "IPv6 hop limit 1 from the LAN host: ICMPv6 time exceeded from $GW_LAN6" \
		ttl_expired_seen -6 "$P_TUN6" "From $GW_LAN6 .*Time exceeded" || return 1
	check "the dataplane counted it" dp_at_least 1 lan_icmp6_time_exceeded || return 1
	check "TTL 2 from the LAN host reaches the peer" \
		bash -c "ip netns exec '$LAN_NS' ping -4 -t 2 -c 1 -w 10 -q '$P_TUN4' >/dev/null" ||
		return 1
	local ttl_drops
	ttl_drops=$(dp_stat drop_ttl_expired)
	check "TTL 1 from the peer to the LAN host is not forwarded" \
		gw_not bash -c "ip netns exec '$P_NS' ping -4 -t 1 -c 2 -i 0.3 -W 2 -q 10.1.0.2 >/dev/null" ||
		return 1
	check "drop_ttl_expired counted it" dp_at_least $((ttl_drops + 2)) drop_ttl_expired ||
		return 1
	check "TTL 2 from the peer reaches the LAN host" \
		bash -c "ip netns exec '$P_NS' ping -4 -t 2 -c 1 -w 10 -q 10.1.0.2 >/dev/null" ||
		return 1

	check "the gateway learned LAN neighbours" dp_at_least 2 lan_neigh_learned || return 1

	step "TCP iperf3 through the gateway, 3 s each way" \
		gw_iperf "$LAN_NS" "$P_NS" "$P_TUN4" 3 || return 1
	note "LAN host -> peer: $((GW_BPS / 1000000)) Mbit/s"
	gw_iperf "$LAN_NS" "$P_NS" "$P_TUN4" 3 -R || return 1
	note "peer -> LAN host: $((GW_BPS / 1000000)) Mbit/s"

	local learned newmac=02:00:5e:10:00:42
	learned=$(dp_stat lan_neigh_learned) || return 1
	step "the LAN host changes its MAC: the gateway re-learns it from the host's next ARP" \
		ip -n "$LAN_NS" link set lanh address "$newmac" || return 1
	ip -n "$LAN_NS" neigh flush dev lanh || return 1
	check "ping $GW_LAN4 from the LAN host (new MAC)" gw_ping "$LAN_NS" "$GW_LAN4" || return 1
	check "the neighbour entry changed" dp_at_least $((learned + 1)) lan_neigh_learned ||
		return 1
	check "ping $P_TUN4 from the LAN host: replies reach the new MAC" \
		gw_ping "$LAN_NS" "$P_TUN4" || return 1
}

scn_gateway_pipeline() {
	E2E_DP_MODE=pipeline scn_gateway
}
