# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Forwarding scenarios: tunnels between the appliance and wireguard-go peers. Sourced by run.sh
# (after scenarios-config.sh, whose e2e_appliance it uses).

# tunnel_up NS ADDR: waits (bounded) until one echo from NS to ADDR gets through the tunnel.
tunnel_up() {
	e2e_wait 25 "a ping from $1 to $2 through the tunnel" ping_once "$1" "$2"
}

# pings_both_ways i: IPv4 and IPv6 inside the tunnel, from peer i to the appliance and back.
pings_both_ways() {
	peer_vars "$1"
	check "ping $APP_TUN4 from peer $1" ping_ok "$P_NS" "$APP_TUN4" || return 1
	check "ping $APP_TUN6 from peer $1" ping_ok "$P_NS" "$APP_TUN6" || return 1
	check "ping $P_TUN4 from the appliance" ping_ok "$NS_APP" "$P_TUN4" || return 1
	check "ping $P_TUN6 from the appliance" ping_ok "$NS_APP" "$P_TUN6" || return 1
	note "peer $1: 4 x 3 echoes answered (IPv4, IPv6, each direction)"
}

# at_least N CMD...: CMD prints a number >= N.
at_least() {
	local want=$1 got
	shift
	got=$("$@") || return 1
	[ "${got:-0}" -ge "$want" ]
}

app_endpoint() { # i
	wg show "$APP_IF" endpoints | awk -v k="$(peer_pub "$1")" '$1 == k {print $2}'
}
endpoint_is() { [ "$(app_endpoint "$1")" = "$2" ]; }

tap_rx_packets() {
	ip -n "$NS_APP" -s -j link show "$APP_IF" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}

scn_handshake_responder() {
	step "appliance without the peer's endpoint; wireguard-go knows the appliance's" \
		e2e_keys 1 || return 1
	e2e_appliance 1 && e2e_peer_start 1 ep || return 1
	peer_vars 1
	step "wireguard-go initiates (first ping), the appliance responds" \
		tunnel_up "$P_NS" "$APP_TUN4" || return 1
	check "both sides report a handshake" handshaken 1 || return 1
	check "control answered: responses_sent >= 1" at_least 1 ctl_stat responses_sent || return 1
	check "a keypair was installed" at_least 1 ctl_stat keypairs_installed || return 1
	check "the appliance learned the peer's endpoint ($(app_endpoint 1))" \
		endpoint_is 1 "$P_WAN4:51820" || return 1
	step "ping IPv4 and IPv6 inside the tunnel, both directions" pings_both_ways 1 || return 1
}

scn_handshake_initiator() {
	step "appliance knows the peer's endpoint; wireguard-go does not know the appliance's" \
		e2e_keys 1 || return 1
	e2e_appliance 1:ep && e2e_peer_start 1 || return 1
	peer_vars 1
	step "the appliance initiates (first ping from its side)" \
		tunnel_up "$NS_APP" "$P_TUN4" || return 1
	check "control initiated: initiations_sent >= 1" at_least 1 ctl_stat initiations_sent || return 1
	check "control consumed the response: responses_received >= 1" \
		at_least 1 ctl_stat responses_received || return 1
	check "wireguard-go learned the appliance's endpoint" bash -c \
		"[ \"\$(ip netns exec '$P_NS' wg show '$P_IF' endpoints | awk '{print \$2}')\" = '$APP_WAN4:$APP_PORT' ]" ||
		return 1
	check "both sides report a handshake" handshaken 1 || return 1
	step "ping IPv4 and IPv6 inside the tunnel, both directions" pings_both_ways 1 || return 1
}

scn_handshake_psk() {
	step "peer 1: same PSK on both sides; peer 2: the appliance has a PSK, wireguard-go none" \
		e2e_keys 2 || return 1
	e2e_appliance 1:psk 2:psk && e2e_peer_start 1 ep psk && e2e_peer_start 2 ep || return 1
	peer_vars 1
	step "peer 1 handshakes with the PSK" tunnel_up "$P_NS" "$APP_TUN4" || return 1
	check "the appliance shows the PSK" bash -c \
		"wg show '$APP_IF' preshared-keys | grep -q '$(peer_psk 1)'" || return 1
	pings_both_ways 1 || return 1
	peer_vars 2
	step "peer 2 (PSK mismatch) gets no tunnel: 3 echoes, none answered" \
		bash -c "! ip netns exec '$P_NS' ping -c 3 -i 0.5 -W 1 -q '$APP_TUN4' >/dev/null" || return 1
	check "wireguard-go peer 2 saw no handshake complete" \
		[ "$(peer_hs_time 2)" = 0 ] || return 1
}

scn_iperf3() {
	local bps
	step "one peer, tunnel up" e2e_keys 1 || return 1
	e2e_appliance 1 && e2e_peer_start 1 ep || return 1
	peer_vars 1
	tunnel_up "$P_NS" "$APP_TUN4" || return 1
	step "TCP iperf3, 4 s, peer -> appliance (IPv4)" true
	bps=$(iperf3_run "$P_NS" "$NS_APP" "$APP_TUN4" 4) || return 1
	check "non-zero throughput" [ "$bps" -gt 0 ] || return 1
	note "peer -> appliance: $((bps / 1000000)) Mbit/s"
	step "TCP iperf3, 4 s, appliance -> peer (IPv4, -R)" true
	bps=$(iperf3_run "$P_NS" "$NS_APP" "$APP_TUN4" 4 -R) || return 1
	check "non-zero throughput" [ "$bps" -gt 0 ] || return 1
	note "appliance -> peer: $((bps / 1000000)) Mbit/s"
	step "TCP iperf3, 3 s, peer -> appliance (IPv6 inside the tunnel)" true
	bps=$(iperf3_run "$P_NS" "$NS_APP" "$APP_TUN6" 3) || return 1
	check "non-zero throughput" [ "$bps" -gt 0 ] || return 1
	note "peer -> appliance over IPv6: $((bps / 1000000)) Mbit/s"
}

scn_multi_peer() {
	local i
	step "three wireguard-go peers: one initiates, one is initiated, one with a PSK" \
		e2e_keys 3 || return 1
	e2e_appliance 1 2:ep 3:psk || return 1
	e2e_peer_start 1 ep && e2e_peer_start 2 && e2e_peer_start 3 ep psk || return 1
	ip netns exec "$NS_APP" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
		return 1
	step "all three tunnels up" true
	peer_vars 1; tunnel_up "$P_NS" "$APP_TUN4" || return 1
	peer_vars 2; tunnel_up "$NS_APP" "$P_TUN4" || return 1
	peer_vars 3; tunnel_up "$P_NS" "$APP_TUN4" || return 1
	step "pings to and from each peer at the same time" true
	local pids=()
	for i in 1 2 3; do
		peer_vars "$i"
		ip netns exec "$P_NS" ping -c 10 -i 0.1 -W 2 -q "$APP_TUN4" >"$E2E_TMP/ping$i.out" 2>&1 &
		pids+=($!)
		ip netns exec "$NS_APP" ping -c 10 -i 0.1 -W 2 -q "$P_TUN6" >"$E2E_TMP/ping6$i.out" 2>&1 &
		pids+=($!)
	done
	local rc=0
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	check "every concurrent ping answered" [ $rc -eq 0 ] || { cat "$E2E_TMP"/ping*.out >&2; return 1; }
	for i in 1 2 3; do
		check "the appliance counts bytes from peer $i" at_least 1 app_rx_bytes "$i" || return 1
	done
	step "peer 1 -> peer 3 through the appliance (allowed-ips pick the peer on the way out)" true
	peer_vars 1
	check "ping 10.77.0.4 from peer 1" ping_ok "$P_NS" 10.77.0.4 || return 1
	check "ping fd77::4 from peer 1" ping_ok "$P_NS" fd77::4 || return 1
	note "3 peers: $(wg show "$APP_IF" latest-handshakes | awk '$2 > 0' | wc -l) with a handshake"
}

# E2E_REKEY_SCALE: protocol timers this many times faster on both wirespeed processes (test
# only): REKEY_AFTER_TIME 120 s becomes 2 s.
E2E_REKEY_SCALE=${E2E_REKEY_SCALE:-60}

scn_rekey() {
	local k0 k1 bps h0 h1
	step "appliance (initiator) and control with --test-time-scale $E2E_REKEY_SCALE" \
		e2e_keys 1 || return 1
	# shellcheck disable=SC2034 # read by e2e_ctl_start / e2e_dp_start in lib.sh
	E2E_CTL_ARGS=(--test-time-scale "$E2E_REKEY_SCALE")
	if "$DP_BIN" --help 2>&1 | grep -q -- --test-time-scale; then
		# shellcheck disable=SC2034
		E2E_DP_APP_ARGS=(--test-time-scale "$E2E_REKEY_SCALE")
	fi
	e2e_appliance 1:ep && e2e_peer_start 1 || return 1
	peer_vars 1
	tunnel_up "$NS_APP" "$P_TUN4" || return 1
	k0=$(ctl_stat keypairs_installed) h0=$(peer_hs_time 1)
	step "iperf3 for 10 s while the appliance rekeys (every 120/$E2E_REKEY_SCALE s)" true
	bps=$(iperf3_run "$P_NS" "$NS_APP" "$APP_TUN4" 10) || return 1
	k1=$(ctl_stat keypairs_installed) h1=$(peer_hs_time 1)
	note "keypairs installed: $k0 before, $k1 after; iperf3 $((bps / 1000000)) Mbit/s"
	check "at least 2 new keypairs installed during the transfer" [ "$k1" -ge $((k0 + 2)) ] ||
		return 1
	check "the transfer went on: non-zero throughput" [ "$bps" -gt 0 ] || return 1
	check "wireguard-go saw the new handshakes (latest handshake $h0 -> $h1)" [ "$h1" -gt "$h0" ] ||
		return 1
	check "the tunnel still works" ping_ok "$P_NS" "$APP_TUN4" || return 1
}

scn_roaming() {
	step "one peer, tunnel up from 198.18.0.11" e2e_keys 1 || return 1
	e2e_appliance 1 && e2e_peer_start 1 ep || return 1
	peer_vars 1
	tunnel_up "$P_NS" "$APP_TUN4" || return 1
	check "endpoint $P_WAN4:51820" endpoint_is 1 "$P_WAN4:51820" || return 1
	# wireguard-go keeps sending from the address it last used (sticky source) until its
	# sockets are rebound: a new listen port rebinds them, as a NAT rebinding would.
	step "the peer moves to 198.18.0.21:51821 (old address removed, sockets rebound)" true
	ip -n "$P_NS" addr del "$P_WAN4/24" dev wan && ip -n "$P_NS" addr add 198.18.0.21/24 dev wan ||
		return 1
	ip netns exec "$P_NS" wg set "$P_IF" listen-port 51821 || return 1
	check "traffic from the new address gets through" tunnel_up "$P_NS" "$APP_TUN4" || return 1
	check "the appliance follows: endpoint 198.18.0.21:51821" \
		e2e_wait 5 "the new endpoint" endpoint_is 1 198.18.0.21:51821 || return 1
	check "the appliance reaches the peer at its new address" ping_ok "$NS_APP" "$P_TUN4" || return 1
	step "the peer moves to IPv6 (it now talks to [$APP_WAN6]:$APP_PORT)" true
	ip netns exec "$P_NS" wg set "$P_IF" peer "$APP_PUB" endpoint "[$APP_WAN6]:$APP_PORT" || return 1
	check "traffic over IPv6 gets through" tunnel_up "$P_NS" "$APP_TUN4" || return 1
	check "the appliance follows: endpoint [$P_WAN6]:51821" \
		e2e_wait 5 "the new endpoint" endpoint_is 1 "[$P_WAN6]:51821" || return 1
	check "the appliance reaches the peer over IPv6" ping_ok "$NS_APP" "$P_TUN6" || return 1
}

scn_peer_remove() {
	local rx0 rx1
	step "two peers, tunnels up" e2e_keys 2 || return 1
	e2e_appliance 1 2 && e2e_peer_start 1 ep && e2e_peer_start 2 ep || return 1
	peer_vars 1; tunnel_up "$P_NS" "$APP_TUN4" || return 1
	peer_vars 2; tunnel_up "$P_NS" "$APP_TUN4" || return 1
	step "wg set $APP_IF peer <peer 1> remove" wg set "$APP_IF" peer "$(peer_pub 1)" remove || return 1
	check "peer 1 gone from wg show" bash -c "! wg show '$APP_IF' peers | grep -qx '$(peer_pub 1)'" ||
		return 1
	rx0=$(tap_rx_packets)
	peer_vars 1
	step "peer 1 can no longer send: 3 echoes, none answered, nothing reaches the tunnel TAP" \
		bash -c "! ip netns exec '$P_NS' ping -c 3 -i 0.3 -W 1 -q '$APP_TUN4' >/dev/null" || return 1
	rx1=$(tap_rx_packets)
	check "tunnel TAP received nothing from peer 1 ($rx0 -> $rx1 packets)" [ "$rx1" = "$rx0" ] ||
		return 1
	check "the appliance cannot reach peer 1 either" \
		bash -c "! ip netns exec '$NS_APP' ping -c 2 -W 1 -q '$P_TUN4' >/dev/null" || return 1
	check "peer 2 is unaffected" pings_both_ways 2 || return 1
}

scn_keepalive() {
	local r0
	step "appliance -> peer 1 persistent keepalive 1 s; peer 2 -> appliance persistent keepalive 1 s" \
		e2e_keys 2 || return 1
	e2e_appliance 1:ep:ka=1 2 && e2e_peer_start 1 && e2e_peer_start 2 ep ka=1 || return 1
	step "with no traffic at all, both tunnels come up (a persistent keepalive needs a session)" true
	e2e_wait 20 "peer 1's handshake" handshaken 1 || return 1
	e2e_wait 20 "peer 2's handshake" handshaken 2 || return 1
	step "keepalives from the appliance: wireguard-go peer 1 receives 3 more x 32 bytes" true
	local k0
	r0=$(peer_rx_bytes 1) k0=$(dp_stat tx_keepalive)
	e2e_wait 15 "3 keepalives at peer 1" at_least $((r0 + 3 * 32)) peer_rx_bytes 1 || return 1
	# The per-peer byte counters and the per-lcore keepalive counters are separate stores read
	# at different moments: wait (bounded) for the counter rather than sample it once.
	e2e_wait 5 "the dataplane to count them as keepalives sent" \
		at_least $((k0 + 3)) dp_stat tx_keepalive || return 1
	note "peer 1 rx: $r0 -> $(peer_rx_bytes 1) bytes; dataplane tx_keepalive $k0 -> $(dp_stat tx_keepalive)"
	step "keepalives to the appliance: it receives 3 more x 32 bytes from peer 2" true
	r0=$(app_rx_bytes 2) k0=$(dp_stat rx_keepalive)
	e2e_wait 15 "3 keepalives from peer 2" at_least $((r0 + 3 * 32)) app_rx_bytes 2 || return 1
	e2e_wait 5 "the dataplane to count them as keepalives received" \
		at_least $((k0 + 3)) dp_stat rx_keepalive || return 1
	note "appliance rx from peer 2: $r0 -> $(app_rx_bytes 2) bytes; dataplane rx_keepalive $k0 -> $(dp_stat rx_keepalive)"
}

scn_control_kill() {
	local ipid bps dp_pid rx hs phs
	step "one peer, tunnel up, iperf3 for 8 s" e2e_keys 1 || return 1
	e2e_appliance 1 && e2e_peer_start 1 ep || return 1
	peer_vars 1
	tunnel_up "$P_NS" "$APP_TUN4" || return 1
	dp_pid=$E2E_DP_PID
	( iperf3_run "$P_NS" "$NS_APP" "$APP_TUN4" 8 >"$E2E_TMP/bps" ) &
	ipid=$!
	E2E_EXTRA_PIDS+=("$ipid")
	e2e_wait 10 "iperf3 traffic" at_least 1000000 app_rx_bytes 1 || return 1
	step "SIGKILL the control process mid-transfer" kill -KILL "$E2E_CTL_PID" || return 1
	wait "$E2E_CTL_PID" 2>/dev/null
	E2E_CTL_PID=
	rm -f "$UAPI_SOCK" "$RPC_SOCK"
	step "the transfer carries on to the end" wait "$ipid" || return 1
	bps=$(cat "$E2E_TMP/bps")
	check "non-zero throughput ($bps bit/s)" [ "${bps:-0}" -gt 0 ] || return 1
	note "iperf3 with the control process killed: $((bps / 1000000)) Mbit/s"
	check "the dataplane kept running" kill -0 "$dp_pid" || return 1
	step "restart the control process: it reconnects and resynchronises" \
		e2e_ctl_start "$E2E_TMP/app.yaml" || return 1
	rx=$(app_rx_bytes 1)
	check "counters read back from the dataplane ($rx bytes received)" [ "${rx:-0}" -gt 1000000 ] ||
		return 1
	# The restarted control process adopts the dataplane's peer: the keypairs keep running
	# and `wg show` knows when they were made, before any new handshake.
	hs=$(app_hs_time 1)
	check "latest handshake read back from the dataplane ($hs)" [ "${hs:-0}" -gt 0 ] || return 1
	check "the control process adopted the peer and its keypair" \
		grep -q "adopted 1 with [1-3] keypairs" "$E2E_TMP/ctl.log" || return 1
	phs=$(peer_hs_time 1)
	check "the old tunnel still works" ping_ok "$P_NS" "$APP_TUN4" || return 1
	check "ping the other way too" ping_ok "$NS_APP" "$P_TUN4" || return 1
	check "... on the old keypair: no initiation received since the restart" \
		[ "$(ctl_stat initiations_received)" = 0 ] || return 1
	check "... none sent" [ "$(ctl_stat initiations_sent)" = 0 ] || return 1
	check "... and wireguard-go's latest handshake unchanged" [ "$(peer_hs_time 1)" = "$phs" ] ||
		return 1
	note "after the restart: latest handshake $hs (adopted), traffic on the old keypair"
	step "a fresh handshake with the restarted control process" true
	ip netns exec "$P_NS" wg set "$P_IF" peer "$APP_PUB" remove || return 1
	ip netns exec "$P_NS" wg set "$P_IF" peer "$APP_PUB" endpoint "$APP_WAN4:$APP_PORT" \
		allowed-ips 10.77.0.0/24,fd77::/64 || return 1
	tunnel_up "$P_NS" "$APP_TUN4" || return 1
	check "the new control process answered it (responses_sent >= 1)" \
		at_least 1 ctl_stat responses_sent || return 1
	pings_both_ways 1 || return 1
}

scn_configured_by_tools() {
	step "appliance with neither key nor peers" e2e_keys 2 || return 1
	E2E_NO_KEY=1 e2e_appliance || return 1
	cat >"$E2E_TMP/wg.conf" <<EOF
[Interface]
PrivateKey = $(cat "$E2E_TMP/app.key")
ListenPort = $APP_PORT

[Peer]
PublicKey = $(peer_pub 1)
PresharedKey = $(peer_psk 1)
AllowedIPs = 10.77.0.2/32, fd77::2/128
EOF
	step "wg setconf: key and peer 1" wg setconf "$APP_IF" "$E2E_TMP/wg.conf" || return 1
	e2e_peer_start 1 ep psk || return 1
	peer_vars 1
	step "peer 1's tunnel comes up" tunnel_up "$P_NS" "$APP_TUN4" || return 1
	pings_both_ways 1 || return 1
	step "JSON-RPC peer_add: peer 2 (the appliance knows its endpoint)" true
	rpc peer_add "{\"public_key\":\"$(peer_pub 2)\",\"allowed_ips\":[\"10.77.0.3/32\",\"fd77::3/128\"],
		\"endpoint\":\"198.18.0.12:51820\"}" >/dev/null || return 1
	e2e_peer_start 2 || return 1
	peer_vars 2
	step "the appliance initiates to peer 2" tunnel_up "$NS_APP" "$P_TUN4" || return 1
	pings_both_ways 2 || return 1
}

scn_pipeline() {
	local bps
	step "appliance in pipeline mode (io lcore steering to a crypto lcore, 2 af_packet queues)" \
		e2e_keys 2 || return 1
	E2E_DP_MODE=pipeline e2e_appliance 1 2:ep || return 1
	e2e_peer_start 1 ep && e2e_peer_start 2 || return 1
	peer_vars 1
	step "peer 1 initiates, the appliance initiates to peer 2" tunnel_up "$P_NS" "$APP_TUN4" ||
		return 1
	peer_vars 2
	tunnel_up "$NS_APP" "$P_TUN4" || return 1
	pings_both_ways 1 && pings_both_ways 2 || return 1
	peer_vars 1
	step "TCP iperf3, 3 s each way" true
	bps=$(iperf3_run "$P_NS" "$NS_APP" "$APP_TUN4" 3) || return 1
	check "non-zero throughput" [ "$bps" -gt 0 ] || return 1
	note "peer -> appliance: $((bps / 1000000)) Mbit/s"
	bps=$(iperf3_run "$P_NS" "$NS_APP" "$APP_TUN4" 3 -R) || return 1
	check "non-zero throughput" [ "$bps" -gt 0 ] || return 1
	note "appliance -> peer: $((bps / 1000000)) Mbit/s"
	check "data went through the crypto lcore's ring" at_least 1 dp_stat ring_steered || return 1
}

scn_dataplane_restart() {
	step "two peers, tunnels up" e2e_keys 2 || return 1
	e2e_appliance 1 2 && e2e_peer_start 1 ep && e2e_peer_start 2 ep || return 1
	peer_vars 1; tunnel_up "$P_NS" "$APP_TUN4" || return 1
	peer_vars 2; tunnel_up "$P_NS" "$APP_TUN4" || return 1
	step "restart the dataplane (SIGTERM, start again): every key it held is gone" true
	e2e_dp_stop || { echo "dataplane exit status $?" >&2; return 1; }
	e2e_dp_start "$E2E_TMP/app.yaml" || return 1
	check "the control process reconnects to the new instance and pushes everything" \
		e2e_wait 10 "the reconnect" bash -c \
		"[ \$(grep -c 'new instance: pushing everything' '$E2E_TMP/ctl.log') -ge 2 ]" || return 1
	e2e_wait 10 "the control process to reconnect" e2e_ctl_connected || return 1
	check "both peers pushed again" bash -c "[ \$(wg show '$APP_IF' peers | wc -l) = 2 ]" || return 1
	step "the appliance's traffic re-handshakes (it still knows the learned endpoints)" true
	peer_vars 1; tunnel_up "$NS_APP" "$P_TUN4" || return 1
	peer_vars 2; tunnel_up "$NS_APP" "$P_TUN6" || return 1
	pings_both_ways 1 && pings_both_ways 2 || return 1
}
