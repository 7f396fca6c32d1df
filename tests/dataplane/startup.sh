#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Startup and shutdown behaviour of the real wirespeed-dataplane binary: every refusal exits
# non-zero with one message naming the cause (bad config, missing network interface, missing
# DPDK port, too few hugepages, mempool too small, control socket in use), --check prints the
# derived EAL arguments (raw ones override), and SIGINT stops a running instance cleanly with
# every mbuf back.
#
#   startup.sh BINARY
# Needs root (EAL, TAP, namespaces); exits 77 (skipped) without it.
set -u
# shellcheck source=tests/dataplane/dp-lib.sh
. "$(dirname "$0")/dp-lib.sh"

BIN=${1:?usage: startup.sh BINARY}
ID="$$$RANDOM"
ID=${ID:0:8}
TMP=$(mktemp -d /tmp/wsst.XXXXXX)
NS="wsst-$ID"
PREFIXES=()
DP_PID=
FAILED=0

cleanup() {
	dp_kill
	ip netns del "$NS" 2>/dev/null
	for p in "${PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }


# config NAME PREFIX PORTS_YAML [EXTRA_DATAPLANE_YAML] -> $TMP/NAME.yaml
config() {
	PREFIXES+=("$2")
	cat > "$TMP/$1.yaml" <<EOF
interface: {name: wss$ID, listenPort: 51820}
dataplane:
  eal: {filePrefix: $2, memoryMB: 64, noHuge: true}
  mempool: {mbufs: 2047, cache: 32}
  ports:
$3
${4:-}
  tables: {maxPeers: 256, maxAllowedIps: 1024}
EOF
}

# expect NAME STATUS TEXT [app args...]: runs with a 30 s bound
expect() {
	local name=$1 status=$2 text=$3 out rc bad=0
	shift 3
	out=$(timeout -s KILL 30 "$BIN" -- --config "$TMP/$name.yaml" "$@" 2>&1)
	rc=$?
	[ "$rc" = "$status" ] || { bad=1; fail "$name: exit status $rc, expected $status"; }
	echo "$out" | grep -qF -- "$text" || { bad=1; fail "$name: no '$text'"; }
	if [ "$bad" = 0 ]; then echo "ok   $name"; else echo "$out" | tail -3; fi
}

NULLPORT='    - {name: w'$ID', role: wan, device: "net_null0", address: "198.18.0.1/24", rxDesc: 256}'

config badrole "wsst-a-$ID" '    - {name: w0, role: foo, device: net_null0}'
expect badrole 1 "$TMP/badrole.yaml:6: dataplane.ports[0].role: expected wan|lan, got 'foo'"

echo "dataplane: [" > "$TMP/syntax.yaml"
expect syntax 1 "$TMP/syntax.yaml:2: YAML syntax error"

expect nonexistent 1 "$TMP/nonexistent.yaml: cannot open: No such file or directory"

config noiface "wsst-b-$ID" '    - {name: w0, role: wan, device: "net_af_packet0,iface=nx'$ID'", address: "198.18.0.1/24"}'
expect noiface 2 "port w0: network interface 'nx$ID' (of net_af_packet0,iface=nx$ID) does not exist"

config huge "wsst-c-$ID" "$NULLPORT"
sed -i 's/memoryMB: 64, noHuge: true/memoryMB: 1048576, noHuge: false/' "$TMP/huge.yaml"
expect huge 2 "too few hugepages: the EAL needs 1048576 MB"

config check "wsst-d-$ID" "$NULLPORT"
expect check 0 "EAL: -l 0,1 --main-lcore 0 --file-prefix wsst-d-$ID --no-huge -m 64 --vdev net_null0 --no-pci" --check
out=$("$BIN" -l 0 --main-lcore 0 -- --config "$TMP/check.yaml" --check 2>&1)
echo "$out" | grep -qF "EAL: --file-prefix wsst-d-$ID --no-huge -m 64 --vdev net_null0 --no-pci -l 0 --main-lcore 0" \
	&& echo "ok   check-raw-override" || fail "raw EAL override: $out"

config smallpool "wsst-e-$ID" "${NULLPORT/rxDesc: 256/rxDesc: 2048}"
expect smallpool 2 "dataplane.mempool.mbufs: 2047 is too few: the rx rings alone hold 2560"

# a PCI device that exists but is not bound to a DPDK driver: EAL creates no port for it
PCI=
for d in /sys/bus/pci/devices/*; do
	drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
	case "$drv" in vfio-pci|uio_pci_generic|igb_uio) continue ;; esac
	PCI=$(basename "$d")
	break
done
if [ -n "$PCI" ]; then
	config nopci "wsst-f-$ID" '    - {name: w0, role: wan, device: "'$PCI'", address: "198.18.0.1/24", rxDesc: 256}'
	expect nopci 2 "port w0: no DPDK port for device '$PCI'"
else
	echo "skip nopci (no PCI device)"
fi

# SIGINT: a running instance (net_ring loops its own tx to rx) stops with exit 0, pools full
ip netns add "$NS" || { echo "SKIP: no network namespaces"; exit 77; }
# a control socket another process listens on is not taken over
config ctlbusy "wsst-h-$ID" '    - {name: w'$ID', role: wan, device: "net_ring0", address: "198.18.0.1/24", rxDesc: 256}' \
	"  controlSocket: $TMP/busy.ctl"
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind(sys.argv[1]); s.listen(1)
time.sleep(30)' "$TMP/busy.ctl" &
BUSY_PID=$!
for _ in $(seq 50); do [ -S "$TMP/busy.ctl" ] && break; sleep 0.1; done
out=$(ip netns exec "$NS" timeout -s KILL 30 "$BIN" -- --config "$TMP/ctlbusy.yaml" 2>&1)
rc=$?
kill "$BUSY_PID" 2>/dev/null
wait "$BUSY_PID" 2>/dev/null
if [ "$rc" = 2 ] && echo "$out" | grep -qF "control socket $TMP/busy.ctl: another process is listening on it"; then
	echo "ok   ctlbusy"
else
	fail "ctlbusy: exit $rc: $(echo "$out" | tail -2)"
fi

config sigint "wsst-g-$ID" '    - {name: w'$ID', role: wan, device: "net_ring0", address: "198.18.0.1/24", rxDesc: 256}'
: > "$TMP/sigint.log"
ip netns exec "$NS" timeout -s KILL 60 "$BIN" -- --config "$TMP/sigint.yaml" \
	--stats-on-exit "$TMP/sigint.json" >"$TMP/sigint.log" 2>&1 &
DP_PID=$!
for _ in $(seq 100); do
	grep -q "running:" "$TMP/sigint.log" && break
	kill -0 "$DP_PID" 2>/dev/null || break
	sleep 0.2
done
grep -q "running:" "$TMP/sigint.log" || fail "sigint: did not start: $(tail -3 "$TMP/sigint.log")"
sleep 1
dp_stop INT
if [ "$RC" = 0 ] && grep -q '"mempools_full": true' "$TMP/sigint.json"; then
	echo "ok   sigint"
else
	fail "sigint: exit '$RC', dump: $(cat "$TMP/sigint.json" 2>/dev/null | tail -5)"
fi

exit "$FAILED"
