#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Tunnel traffic through the real wirespeed-dataplane binary (host mode, net_af_packet over a
# veth pair, two data lcores that may share one CPU): traffic.py installs peers, allowed-ips and
# keypairs over the control socket and plays the remote WireGuard peers with kernel UDP
# sockets in the peer namespace, encrypting and decrypting transport data itself. The kernel
# behind the tunnel TAP answers its pings, so every echo exercises decrypt and encrypt.
# Finally SIGTERM: clean exit and every mempool full again.
#
#   traffic.sh BINARY [rtc|pipeline] [rib|dir24_8]
# The last argument picks the allowed-ips tables (rib: rte_fib RIB both families; dir24_8:
# rte_fib DIR24_8 for IPv4 and rte_lpm6 for IPv6, which need more EAL memory).
# Needs root, veth, network namespaces and python3-cryptography; exits 77 (skipped) without.
set -u
# shellcheck source=tests/dataplane/dp-lib.sh
. "$(dirname "$0")/dp-lib.sh"

BIN=${1:?usage: traffic.sh BINARY [rtc|pipeline]}
MODE=${2:-rtc}
FIB=${3:-rib}
case $FIB in
rib) MEM=192 ;;
dir24_8) MEM=800 ;;
*) echo "usage: traffic.sh BINARY [rtc|pipeline] [rib|dir24_8]"; exit 2 ;;
esac
ID="$$$RANDOM"
ID=${ID:0:8}
NS_DP="wsdp-$ID"
NS_PEER="wspeer-$ID"
VETH_DP="wsd$ID"
VETH_PEER="wsp$ID"
PREFIX="wstr-$ID"
TMP=$(mktemp -d /tmp/wstr.XXXXXX)
DP_PID=
FAILED=0
HERE=$(cd "$(dirname "$0")" && pwd)


cleanup() {
	dp_cleanup "$NS_DP" "$NS_PEER"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ip >/dev/null && command -v python3 >/dev/null || skip "needs ip and python3"
python3 -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null ||
	skip "needs python3-cryptography"
[ -x "$BIN" ] || { echo "no binary $BIN"; exit 1; }

dp_veth_topology

DEVICE="net_af_packet0,iface=$VETH_DP,qpairs=2"
CPU2=$(( $(nproc) > 1 ? 1 : 0 ))
if [ "$MODE" = pipeline ]; then
	LCORES="{service: 0, mode: pipeline, pipeline: {io: [1], crypto: [2]}}"
else
	LCORES="{service: 0, workers: [1, 2], mode: run-to-completion}"
fi
cat > "$TMP/dp.yaml" <<EOF
interface: {name: wst$ID, listenPort: 51820}
dataplane:
  mode: host
  eal: {filePrefix: $PREFIX, memoryMB: $MEM, noHuge: true}
  ports:
    - {name: wsw$ID, role: wan, device: "$DEVICE", address: ["198.18.0.1/24", "2001:db8:18::1/64"], rxQueues: 2, txQueues: 2, rxDesc: 256}
  lcores: $LCORES
  mempool: {mbufs: 4095, cache: 32, mbufSize: 2176}
  tables: {maxPeers: 1024, maxAllowedIps: 4096, fib: $FIB}
  burst: 32
  underLoadQueue: 0
  controlSocket: $TMP/ctl.sock
EOF

log "starting dataplane ($MODE)"
ip netns exec "$NS_DP" timeout -s KILL 300 "$BIN" --lcores "0@0,(1,2)@$CPU2" -- \
	--config "$TMP/dp.yaml" --stats-on-exit "$TMP/stats.json" --test-time-scale 10 \
	>"$TMP/dp.log" 2>&1 &
DP_PID=$!
for _ in $(seq 100); do
	grep -q "running:" "$TMP/dp.log" && break
	kill -0 "$DP_PID" 2>/dev/null || break
	sleep 0.2
done
grep -q "running:" "$TMP/dp.log" || { fail "dataplane did not start"; exit 1; }
want_tables="in RIB"
[ "$FIB" = dir24_8 ] && want_tables="in DIR24_8 (IPv4) + lpm6 (IPv6)"
grep -qF "$want_tables" "$TMP/dp.log" || fail "the dataplane did not say it uses $want_tables"
for _ in $(seq 50); do
	ip -n "$NS_DP" link show "wst$ID" >/dev/null 2>&1 && break
	sleep 0.1
done
ip -n "$NS_DP" address add 10.99.0.1/24 dev "wst$ID" || fail "tunnel address"
ip -n "$NS_DP" address add fd00:99::1/64 dev "wst$ID" nodad || fail "tunnel address 6"
ip -n "$NS_DP" link set "wst$ID" up

log "traffic"
ip netns exec "$NS_PEER" timeout -s KILL 180 python3 "$HERE/traffic.py" "$TMP/ctl.sock" \
	"$NS_DP" "$MODE" || fail "traffic.py"

log "SIGTERM"
dp_stop TERM || { fail "no exit within 10 s of SIGTERM"; exit 1; }
[ "$RC" = 0 ] || fail "exit status $RC"
python3 - "$TMP/stats.json" <<'EOF' || fail "stats dump"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["counters"]
assert d["mempools_full"], d["mempools"]
assert c["rx_decrypted"] > 0 and c["tx_encrypted"] > 0, c
print("exit counters:", {k: v for k, v in sorted(c.items()) if v})
EOF
[ "$FAILED" = 0 ] && log "PASS ($MODE)"
exit "$FAILED"
