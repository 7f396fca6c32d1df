#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live test of ws-gen: the generator on net_af_packet over a veth in one network namespace,
# wireguard-go (configured with the stock `wg`, peers from ws-gen's --print-peer-config) in
# another. ws-gen handshakes every peer (with a PSK), sends transport data for a couple of seconds
# and counts what comes back (wireguard-go's kernel answers the inner UDP with ICMP port
# unreachable, through the tunnel). Asserts that every handshake completed, that wireguard-go
# counted received bytes for every peer and no more than ws-gen sent it, and that ws-gen's own
# counters agree with each other and with the port's. No timing thresholds.
#
# usage: run.sh PATH/TO/ws-gen     (exits 77, meson's skip, when it cannot run here)
# environment: WS_GEN_PEERS (default 4), WS_GEN_RATE (default 20000 pps; 0 = line rate),
# WS_GEN_DURATION (default 2 s), WS_GEN_SIZE (default 256 B), WS_GEN_TX_LCORES (default 1: a
# tx lcore beside the main one; 0: the main lcore sends too).
set -euo pipefail
export LC_ALL=C

gen=${1:?usage: run.sh PATH/TO/ws-gen}
gen=$(realpath -e -- "$gen" 2>/dev/null) || {
	echo "ws-gen not found at $1"
	exit 1
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../scripts/netns-lib.sh
. "$here/../../scripts/netns-lib.sh"

if ! reason=$(wsns_preflight); then
	echo "SKIP: $reason"
	exit 77
fi
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }

peers=${WS_GEN_PEERS:-4}
rate=${WS_GEN_RATE:-20000}
duration=${WS_GEN_DURATION:-2}
size=${WS_GEN_SIZE:-256}
tx_lcores=${WS_GEN_TX_LCORES:-1}

id=$$
ns_g="ws-gen-$id-g"   # ws-gen's namespace
ns_w="ws-gen-$id-w"   # wireguard-go's namespace
veth_g="wgv${id}g"    # <= 15 characters
veth_w="wgv${id}w"
wg_if="wgg$id"
prefix="ws-gen-$id"   # DPDK --file-prefix: concurrent runs must not share runtime files
tmp=$(mktemp -d /tmp/ws-gen-test.XXXXXX)
gen_pid=

cleanup() {
	local rc=${1:-$?}
	set +e
	trap '' INT TERM
	trap - EXIT
	[ -n "$gen_pid" ] && wsns_stop "$gen_pid"
	wsns_cleanup
	rm -rf "/var/run/dpdk/$prefix"
	# WS_GEN_KEEP=1 keeps the logs and results (never the keys) for debugging.
	if [ -n "${WS_GEN_KEEP:-}" ]; then
		rm -f "$tmp/keys" "$tmp/server.key" "$tmp/psk"
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap 'cleanup' EXIT
trap 'cleanup 130' INT
trap 'cleanup 143' TERM

umask 077
fail() {
	echo "FAIL: $*"
	if [ -f "$tmp/gen.log" ]; then
		echo "---- ws-gen output"
		cat "$tmp/gen.log"
	fi
	if [ -f "$tmp/wireguard-go.log" ]; then
		echo "---- wireguard-go log"
		tail -n 20 "$tmp/wireguard-go.log"
	fi
	exit 1
}

# --- topology: ws-gen's veth end has no address: ws-gen itself answers ARP for its peers'
# addresses (198.18.0.16/28, inside wireguard-go's /24 so its kernel ARPs for them directly).
wsns_ns_create "$ns_g" || fail "namespace"
wsns_ns_create "$ns_w" || fail "namespace"
ip link add "$veth_g" netns "$ns_g" type veth peer name "$veth_w" netns "$ns_w" || fail "veth"
ip netns exec "$ns_g" sysctl -qw "net.ipv6.conf.$veth_g.disable_ipv6=1" || fail "sysctl"
ip netns exec "$ns_w" sysctl -qw "net.ipv6.conf.$veth_w.disable_ipv6=1" || fail "sysctl"
ip -n "$ns_g" link set "$veth_g" up
wsns_addr "$ns_w" "$veth_w" 198.18.0.1/24
ip -n "$ns_w" link set "$veth_w" up

# --- wireguard-go, configured with `wg`
wg genkey >"$tmp/server.key"
server_pub=$(wg pubkey <"$tmp/server.key")
wg genpsk >"$tmp/psk"
wsns_wg_start "$ns_w" "$wg_if" "$tmp/wireguard-go.log" || fail "wireguard-go did not start"
ip netns exec "$ns_w" wg set "$wg_if" private-key "$tmp/server.key" listen-port 51820 ||
	fail "wg set"
wsns_addr "$ns_w" "$wg_if" 10.201.0.1/16
ip -n "$ns_w" link set "$wg_if" mtu 1420 up

common=(--peers "$peers" --server-key "$server_pub" --psk "$tmp/psk"
	--src-net 198.18.0.16/28 --inner-src-net 10.201.0.2/16 --inner-dst 10.201.0.1)

# --- the peers: keys and config written first, wireguard-go given them with `wg set` lines
"$gen" "${common[@]}" --config-only --write-keys "$tmp/keys" \
	--print-peer-config "$tmp/peers.yaml" >"$tmp/gen.log" 2>&1 || fail "ws-gen --config-only"
[ "$(grep -c '^  - publicKey: ' "$tmp/peers.yaml")" -eq "$peers" ] ||
	fail "peers.yaml does not list $peers peers"
[ "$(stat -c %a "$tmp/keys")" = 600 ] || fail "the key file is not mode 0600"
WG_IF=$wg_if ip netns exec "$ns_w" sh "$tmp/peers.yaml.wg" || fail "wg set lines"
[ "$(ip netns exec "$ns_w" wg show "$wg_if" peers | wc -l)" -eq "$peers" ] ||
	fail "wireguard-go does not have $peers peers"

# --- the run: bounded by timeout whatever happens
echo "ws-gen: $peers peers, $size B, rate $rate pps, $duration s, $tx_lcores tx lcore(s)"
# One queue pair per lcore. The main lcore on CPU 0, the tx lcores share the next CPU.
cpu=$(( $(nproc) > 1 ? 1 : 0 ))
case "$tx_lcores" in
0) lcores="0@0" ;;
1) lcores="0@0,1@$cpu" ;;
*) lcores="0@0,(1-$tx_lcores)@$cpu" ;;
esac
rc=0
timeout --kill-after=5 60 ip netns exec "$ns_g" "$gen" --lcores "$lcores" --no-huge -m 256 \
	--no-pci --file-prefix "$prefix" --no-telemetry \
	--vdev "net_af_packet0,iface=$veth_g,qpairs=$((tx_lcores + 1))" \
	-- "${common[@]}" --keys "$tmp/keys" --server 198.18.0.1:51820 --size "$size" \
	--rate "$rate" --duration "$duration" --handshake-timeout 15 --retransmit-ms 1000 \
	--json "$tmp/gen.json" >"$tmp/gen.log" 2>&1 || rc=$?
cat "$tmp/gen.log"
[ "$rc" -eq 0 ] || fail "ws-gen exited with status $rc"
[ -s "$tmp/gen.json" ] || fail "no JSON results"
j() { jq -r "$1" "$tmp/gen.json"; }

# --- ws-gen's own view
[ "$(j .handshakes.completed)" -eq "$peers" ] || fail "handshakes: $(j .handshakes.completed)/$peers"
tx=$(j .tx.packets)
ka=$(j .tx.keepalives)
[ "$tx" -gt 0 ] || fail "ws-gen sent no transport data"
[ "$(j '[.per_peer[].tx_packets] | add')" -eq $((tx + ka)) ] ||
	fail "per-peer tx packets do not add up to the total"
[ "$(j '[.per_peer[] | select(.tx_packets > 1)] | length')" -eq "$peers" ] ||
	fail "some peer sent no data"
# The port also carried the initiations and ARP replies: at least what ws-gen counted.
[ "$(j .port.opackets)" -ge $((tx + ka + $(j .handshakes.initiations))) ] ||
	fail "port opackets $(j .port.opackets) < packets ws-gen counted as sent"
[ "$(j .rx.decrypt_failures)" -eq 0 ] || fail "$(j .rx.decrypt_failures) decrypt failures"
[ "$(j .rx.data)" -gt 0 ] || fail "nothing came back through the tunnel"

# --- wireguard-go's view, per peer: a handshake, received bytes, never more than ws-gen sent.
# (`wg show dump` also holds keys: parsed, never printed.)
ip netns exec "$ns_w" wg show "$wg_if" dump | tail -n +2 | awk '{ print $1, $5, $6 }' |
	sort >"$tmp/wg"
j '.per_peer[] | "\(.public_key) \(.tx_bytes) \(.index) \(.inner)"' | sort >"$tmp/gen"
join "$tmp/wg" "$tmp/gen" >"$tmp/both"
checked=0
while read -r _pub hs rx sent index inner; do
	[ "$hs" -gt 0 ] || fail "wireguard-go recorded no handshake for peer $index"
	[ "$rx" -gt 0 ] || fail "wireguard-go received nothing from peer $index"
	[ "$rx" -le "$sent" ] || fail "wireguard-go counted $rx bytes from peer $index, ws-gen sent $sent"
	[ "$peers" -gt 16 ] ||
		echo "peer $index $inner: ws-gen sent $sent B, wireguard-go received $rx B"
	checked=$((checked + 1))
done <"$tmp/both"
[ "$checked" -eq "$peers" ] || fail "checked $checked peers, expected $peers"
echo "PASS: $peers handshakes, $tx packets sent, $(j .rx.data) received back, wireguard-go counted every peer"
