#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live test of ws-gen against the wirespeed appliance itself (dataplane on net_af_packet + control
# process, host mode, started with tests/e2e/lib.sh), the gateway ws-gen is meant to benchmark.
# The appliance's peers are ws-gen's --print-peer-config YAML list, pasted into its config as is,
# so this also checks that wirespeed-control accepts that output. ws-gen handshakes every peer,
# sends for a couple of seconds, and decrypts what comes back (the appliance kernel's ICMP port
# unreachable for the inner UDP, encrypted by the dataplane). Asserts: every handshake completed,
# the dataplane decrypted data for every peer (`wg show` through the control process's UAPI) and
# never counted more than ws-gen sent, replies came back, no decrypt failure on either side. No
# timing thresholds.
#
# usage: wirespeed.sh BUILD_DIR PATH/TO/ws-gen   (exits 77 when it cannot run here)
# environment: WS_GEN_PEERS (default 4), WS_GEN_RATE (default 20000; 0 = line rate),
# WS_GEN_DURATION (default 2), WS_GEN_SIZE (default 256), E2E_KEEP=1 keeps the logs.
set -uo pipefail
export LC_ALL=C

build=${1:?usage: wirespeed.sh BUILD_DIR PATH/TO/ws-gen}
gen=$(realpath -e -- "${2:?usage: wirespeed.sh BUILD_DIR PATH/TO/ws-gen}" 2>/dev/null) || {
	echo "ws-gen not found at $2"
	exit 1
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$here/../e2e/lib.sh"

if ! reason=$(wsns_preflight); then
	echo "SKIP: $reason"
	exit 77
fi
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }

peers=${WS_GEN_PEERS:-4}
rate=${WS_GEN_RATE:-20000}
duration=${WS_GEN_DURATION:-2}
size=${WS_GEN_SIZE:-256}

E2E_TAG=gen
e2e_init "$build" || exit 1
NS_GEN="ws-gen-$E2E_ID-g"
GEN_PREFIX="wsgen-$E2E_ID" # not APP_PREFIX (ws-gen-<id> with this tag)

cleanup() {
	local rc=${1:-$?}
	set +e
	trap '' INT TERM
	trap - EXIT
	[ "$rc" -ne 0 ] && e2e_dump_logs
	e2e_cleanup
	rm -rf "/var/run/dpdk/$GEN_PREFIX"
	exit "$rc"
}
trap 'cleanup' EXIT
trap 'cleanup 130' INT
trap 'cleanup 143' TERM

fail() {
	echo "FAIL: $*"
	[ -f "$E2E_TMP/gen.log" ] && { echo "---- ws-gen output"; cat "$E2E_TMP/gen.log"; }
	exit 1
}

# --- the appliance's namespace and hub, and ws-gen's namespace on the same hub bridge
e2e_topology || fail "topology"
wsns_ns_create "$NS_GEN" || fail "namespace"
ip link add gen0 netns "$NS_GEN" type veth peer name hg netns "$NS_HUB" || fail "veth"
ip -n "$NS_HUB" link set hg master br0 up
ip netns exec "$NS_GEN" sysctl -qw net.ipv6.conf.gen0.disable_ipv6=1 || fail "sysctl"
ip -n "$NS_GEN" link set gen0 up

# --- keys, peers, config: ws-gen's YAML peers list pasted in as it is
wg genkey >"$E2E_TMP/app.key"
APP_PUB=$(wg pubkey <"$E2E_TMP/app.key")
wg genpsk >"$E2E_TMP/psk"
common=(--peers "$peers" --server-key "$APP_PUB" --psk "$E2E_TMP/psk"
	--src-net 198.18.0.32/28 --inner-src-net 10.77.0.2/24 --inner-dst "$APP_TUN4")
"$gen" "${common[@]}" --config-only --write-keys "$E2E_TMP/gen.keys" \
	--print-peer-config "$E2E_TMP/peers.yaml" >"$E2E_TMP/gen.log" 2>&1 ||
	fail "ws-gen --config-only"
e2e_gen_config "$E2E_TMP/app.yaml" "$E2E_TMP/peers.yaml"
e2e_dp_start "$E2E_TMP/app.yaml" || fail "the dataplane did not start"
e2e_ctl_start "$E2E_TMP/app.yaml" || fail "the control process did not start"
[ "$(wg show "$APP_IF" peers | wc -l)" -eq "$peers" ] ||
	fail "the appliance does not have $peers peers"

# --- the run
echo "ws-gen vs wirespeed: $peers peers, $size B, rate $rate pps, $duration s"
# One ws-gen lcore (it sends too): the dataplane already busy-polls two, on as many CPUs.
rc=0
timeout --kill-after=5 60 ip netns exec "$NS_GEN" "$gen" --lcores "0@$(( $(nproc) > 1 ? 1 : 0 ))" \
	--no-huge -m 256 --no-pci --file-prefix "$GEN_PREFIX" --no-telemetry \
	--vdev "net_af_packet0,iface=gen0" \
	-- "${common[@]}" --keys "$E2E_TMP/gen.keys" --server "$APP_WAN4:$APP_PORT" \
	--size "$size" --rate "$rate" --duration "$duration" --handshake-timeout 15 \
	--retransmit-ms 1000 --json "$E2E_TMP/gen.json" >"$E2E_TMP/gen.log" 2>&1 || rc=$?
cat "$E2E_TMP/gen.log"
[ "$rc" -eq 0 ] || fail "ws-gen exited with status $rc"
j() { jq -r "$1" "$E2E_TMP/gen.json"; }

[ "$(j .handshakes.completed)" -eq "$peers" ] || fail "handshakes: $(j .handshakes.completed)/$peers"
tx=$(j .tx.packets)
[ "$tx" -gt 0 ] || fail "ws-gen sent no transport data"
[ "$(j .rx.decrypt_failures)" -eq 0 ] || fail "ws-gen: $(j .rx.decrypt_failures) decrypt failures"
[ "$(j .rx.data)" -gt 0 ] || fail "nothing came back through the tunnel"

# --- the appliance's view
decrypted=$(dp_stat rx_decrypted)
auth=$(dp_stat drop_decrypt_auth)
replay=$(dp_stat drop_replay)
source=$(dp_stat drop_inner_source)
echo "dataplane: rx_decrypted $decrypted, drop_decrypt_auth $auth, drop_replay $replay," \
	"drop_inner_source $source, tx_encrypted $(dp_stat tx_encrypted)"
[ "$decrypted" -gt 0 ] || fail "the dataplane decrypted nothing"
[ "$decrypted" -le "$tx" ] || fail "the dataplane decrypted $decrypted packets, ws-gen sent $tx"
[ "$auth" -eq 0 ] && [ "$replay" -eq 0 ] && [ "$source" -eq 0 ] ||
	fail "the dataplane dropped authenticated traffic or failed to authenticate it"
wg show "$APP_IF" dump | tail -n +2 | awk '{ print $1, $5, $6 }' | sort >"$E2E_TMP/app"
j '.per_peer[] | "\(.public_key) \(.tx_bytes) \(.index)"' | sort >"$E2E_TMP/gen"
join "$E2E_TMP/app" "$E2E_TMP/gen" >"$E2E_TMP/both"
checked=0
while read -r _pub hs rx sent index; do
	[ "$hs" -gt 0 ] || fail "the appliance recorded no handshake for peer $index"
	[ "$rx" -gt 0 ] || fail "the appliance received nothing from peer $index"
	[ "$rx" -le "$sent" ] || fail "the appliance counted $rx bytes from peer $index, ws-gen sent $sent"
	[ "$peers" -gt 16 ] || echo "peer $index: ws-gen sent $sent B, wirespeed received $rx B"
	checked=$((checked + 1))
done <"$E2E_TMP/both"
[ "$checked" -eq "$peers" ] || fail "checked $checked peers, expected $peers"
echo "PASS: ws-gen vs wirespeed: $peers handshakes, $tx packets sent, $decrypted decrypted by the dataplane, $(j .rx.data) replies back"
