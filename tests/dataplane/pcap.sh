#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The real wirespeed-dataplane in gateway mode with both wire ports on DPDK's net_pcap: the
# test peer (ws-testpeer, static keys) writes the peers' encrypted WAN frames and the LAN's
# plaintext frames as pcap files, its control client installs the same peers, allowed-ips and
# keypairs over the control socket, and its checker reads the pcap files the dataplane wrote:
# every authentic inner packet on the LAN byte for byte, every LAN packet on the WAN
# decryptable by its peer with the right index, counter and padding, and the exact per-reason
# counters of --stats-on-exit (replays, wrong inner source, unknown index, bad tag, truncated
# and malformed frames), with every mempool full again at exit. One peer gets its keypair only
# after the LAN sent it packets: they are staged, then flushed when the keypair lands. Another
# roams to a new source port: what the LAN sends it must go there.
#
# Gateway mode is a router: decrypted packets leave the LAN port to their next hop's MAC. The
# scenario's LAN host and LAN router are static neighbours of the LAN port (the config below,
# as tests/peer/scenario.h lays them out), so nothing waits for ARP/ND; the checker asserts
# each decrypted packet's MACs and accounts the kernel's own frames (LAN exception TAP). The
# LAN frames go to the LAN port's MAC, known only once the dataplane runs (its LAN TAP
# carries it): they are written then.
#
# net_pcap reads its rx_pcap when the port is probed and then at every rx burst, so the rx
# files are FIFOs: the pcap file header goes in before the dataplane starts (the probe reads
# it), the WAN frames only after the keys are installed, the LAN frames only after the
# dataplane consumed the WAN ones (so the peers' MACs are learnt). A poller blocks in its rx
# burst on an empty FIFO; that is why each phase is at most one burst (burst: 256) and is
# closed (EOF) before the next one is fed.
#
# With WAN=ring the WAN port is net_ring0 instead, which loops every frame it sends back to its
# own receive queue: net_ring's rings live inside the dataplane's process, so no outside peer
# can reach them. The scenario is then the test peer's loop variant: two dataplane peers whose
# endpoint is the dataplane's own WAN address, with crossed keypairs, so each LAN packet is
# encrypted for one, comes back in on the ring, is decrypted as the other's and must reach the
# LAN byte for byte (the ARP for our own address loops too, and resolves the next hop).
#
#   pcap.sh DATAPLANE TESTPEER [rtc|pipeline] [pcap|ring]
# Needs root (the WAN's exception TAP, in a network namespace of its own); exits 77 without.
set -u
# shellcheck source=tests/dataplane/dp-lib.sh
. "$(dirname "$0")/dp-lib.sh"

BIN=${1:?usage: pcap.sh DATAPLANE TESTPEER [rtc|pipeline] [pcap|ring]}
PEER=${2:?usage: pcap.sh DATAPLANE TESTPEER [rtc|pipeline] [pcap|ring]}
MODE=${3:-rtc}
WAN=${4:-pcap}
ID="$$$RANDOM"
ID=${ID:0:8}
NS="wspc-$ID"
PREFIX="wspc-$ID"
SEED=$(( ($$ << 16) + RANDOM ))
PEERS=4
TMP=$(mktemp -d /tmp/wspc.XXXXXX)
DP_PID=
FAILED=0


cleanup() {
	# EOF on the rx FIFOs first: a poller blocked reading one returns
	exec 3>&- 4>&-
	dp_cleanup "$NS"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" = 0 ] || skip "needs root (net_tap exception port)"
command -v ip >/dev/null || skip "needs ip"
case "$MODE/$WAN" in
rtc/pcap | rtc/ring | pipeline/pcap | pipeline/ring) ;;
*) echo "usage: pcap.sh DATAPLANE TESTPEER [rtc|pipeline] [pcap|ring]"; exit 2 ;;
esac
[ -x "$BIN" ] || { echo "no binary $BIN"; exit 1; }
[ -x "$PEER" ] || { echo "no binary $PEER"; exit 1; }
ip netns add "$NS" || skip "cannot create network namespaces"
# the kernel behind the exception TAP: no router solicitations or DAD probes at random times
ip netns exec "$NS" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
	net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.dad_transmits=0 || exit 1

CPU2=$(( $(nproc) > 1 ? 1 : 0 ))
# A poller blocks while its FIFO is empty, and the service lcore's frames (ARP, keepalives)
# leave through any poller: the ring variant needs a second one that never reads a FIFO.
if [ "$MODE" = pipeline ] && [ "$WAN" = ring ]; then
	LCORES="{service: 0, mode: pipeline, pipeline: {io: [1, 2], crypto: [3]}}"
	EAL_LCORES="0@0,(1-3)@$CPU2"
	NTX=3 # io + crypto lcores transmit, each on its own queue
elif [ "$MODE" = pipeline ]; then
	LCORES="{service: 0, mode: pipeline, pipeline: {io: [1], crypto: [2, 3]}}"
	EAL_LCORES="0@0,(1-3)@$CPU2"
	NTX=3
else
	LCORES="{service: 0, workers: [1, 2], mode: run-to-completion}"
	EAL_LCORES="0@0,(1,2)@$CPU2"
	NTX=2
fi
# one tx_pcap per tx queue (net_pcap makes a queue of each)
wan_dev="net_pcap0,rx_pcap=$TMP/wan.in"
lan_dev="net_pcap1,rx_pcap=$TMP/lan.in"
WAN_OUT=() LAN_OUT=()
for q in $(seq 0 $((NTX - 1))); do
	wan_dev+=",tx_pcap=$TMP/wan$q.out"
	lan_dev+=",tx_pcap=$TMP/lan$q.out"
	WAN_OUT+=(--wan-out "$TMP/wan$q.out")
	LAN_OUT+=(--lan-out "$TMP/lan$q.out")
done
WAN_RXQ=1
SCN=(--seed "$SEED" --peers "$PEERS")
WAN_ADDR='["198.18.0.1/24", "2001:db8:18::1/64"]'
if [ "$WAN" = ring ]; then
	# tx queue q of net_ring loops to rx queue q: every one must be polled
	wan_dev="net_ring0"
	# The loop's endpoint is IPv4. With no IPv6 address on the WAN TAP (no link-local one
	# either: addr_gen_mode 1) the kernel sends nothing of its own there (no MLD, RS or ND at
	# random times), so every frame the WAN sends comes back before the dataplane stops
	# (wan_rx == wan_tx). The LAN TAP keeps its configured IPv6 address; its frames go to
	# the LAN pcap and are accounted there.
	WAN_ADDR='["198.18.0.1/24"]'
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 || exit 1
	WAN_RXQ=$NTX
	WAN_OUT=(--loop)
	SCN=(--seed "$SEED" --loop)
fi

cat > "$TMP/dp.yaml" <<EOF
interface: {name: wsp$ID, listenPort: 51820}
dataplane:
  mode: gateway
  eal: {filePrefix: $PREFIX, memoryMB: 192, noHuge: true}
  ports:
    - {name: wsw$ID, role: wan, device: "$wan_dev", address: $WAN_ADDR, rxQueues: $WAN_RXQ, rxDesc: 256, txDesc: 256}
    - name: wsl$ID
      role: lan
      device: "$lan_dev"
      address: ["10.1.0.1/24", "fd00:1::1/64"]
      gateway: [10.1.0.254, "fd00:1::fe"]
      neighbours:
        - {address: 10.1.0.50, mac: "02:00:00:00:02:50"}
        - {address: "fd00:1::50", mac: "02:00:00:00:02:50"}
        - {address: 10.1.0.254, mac: "02:00:00:00:02:fe"}
        - {address: "fd00:1::fe", mac: "02:00:00:00:02:fe"}
      rxDesc: 256
      txDesc: 256
  lcores: $LCORES
  mempool: {mbufs: 8191, cache: 32, mbufSize: 2176}
  tables: {maxPeers: 64, maxAllowedIps: 256, fib: rib}
  burst: 256
  controlSocket: $TMP/ctl.sock
EOF

if [ "$WAN" = ring ]; then
	"$PEER" pcap-write "${SCN[@]}" --lan "$TMP/lan.pcap" || { fail "pcap-write"; exit 1; }
	: > "$TMP/wan.pcap" # nothing comes from outside
else
	"$PEER" pcap-write "${SCN[@]}" --wan "$TMP/wan.pcap" --lan "$TMP/lan.pcap" ||
		{ fail "pcap-write"; exit 1; }
fi
mkfifo "$TMP/wan.in" "$TMP/lan.in" || exit 1
# read-write opens do not block; only this shell holds the write side (children close it)
exec 3<>"$TMP/wan.in" 4<>"$TMP/lan.in"
head -c 24 "$TMP/wan.pcap" >&3
head -c 24 "$TMP/lan.pcap" >&4

log "starting dataplane ($MODE, WAN on net_$WAN, seed $SEED)"
ip netns exec "$NS" timeout -s KILL 240 "$BIN" --lcores "$EAL_LCORES" -- \
	--config "$TMP/dp.yaml" --stats-on-exit "$TMP/stats.json" \
	>"$TMP/dp.log" 2>&1 3>&- 4>&- &
DP_PID=$!
for _ in $(seq 150); do
	grep -q "running:" "$TMP/dp.log" && break
	kill -0 "$DP_PID" 2>/dev/null || break
	sleep 0.2
done
grep -q "running:" "$TMP/dp.log" || { fail "dataplane did not start"; exit 1; }
# the LAN port's MAC, which its exception TAP carries
LAN_MAC=$(ip netns exec "$NS" cat "/sys/class/net/wsl$ID/address") ||
	{ fail "no LAN TAP wsl$ID"; exit 1; }
log "LAN port MAC $LAN_MAC"
"$PEER" pcap-write "${SCN[@]}" --lan-mac "$LAN_MAC" --lan "$TMP/lan.pcap" \
	$([ "$WAN" = ring ] || echo --wan "$TMP/wan2.pcap") >/dev/null 3>&- 4>&- ||
	{ fail "pcap-write (LAN frames)"; exit 1; }

ctl() { "$PEER" ctl --socket "$TMP/ctl.sock" "${SCN[@]}" "$@" 3>&- 4>&-; }

log "keys over the control socket"
ctl --install || { fail "install"; exit 1; }

if [ "$WAN" = ring ]; then
	log "a keepalive around the loop (it resolves the next hop, ourselves, and confirms a keypair)"
	exec 3>&-
	ctl --wait keepalives --timeout 60 || fail "keepalives did not loop"
else
	log "WAN phase: the peers' frames"
	tail -c +25 "$TMP/wan.pcap" >&3
	exec 3>&-
	ctl --wait wan --timeout 60 || fail "WAN frames not consumed"
fi

log "LAN phase: plaintext for the peers"
tail -c +25 "$TMP/lan.pcap" >&4
exec 4>&-
ctl --wait lan --timeout 60 || fail "LAN frames not consumed"
if [ "$WAN" = pcap ]; then
	log "the late peer's keypair: its staged packets leave"
	ctl --install-late || fail "install-late"
	ctl --wait flushed --timeout 60 || fail "staged packets not flushed"
fi

if [ "$WAN" = ring ]; then
	ctl --wait quiet --timeout 60 || fail "frames still looping"
fi

log "SIGTERM"
dp_stop TERM || { fail "no exit within 10 s of SIGTERM"; exit 1; }
[ "$RC" = 0 ] || fail "exit status $RC"

log "checking what the dataplane wrote"
"$PEER" pcap-check "${SCN[@]}" "${WAN_OUT[@]}" "${LAN_OUT[@]}" \
	--stats "$TMP/stats.json" --lan-mac "$LAN_MAC" || fail "pcap-check"
[ "$FAILED" = 0 ] && log "PASS ($MODE, net_$WAN)"
exit "$FAILED"
