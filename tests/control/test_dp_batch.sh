#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Starts a dataplane (net_null WAN, --no-huge, in a namespace of its own: host mode makes a
# TAP) and runs test_dp_batch against its control socket. Needs root; skips (77) without.
# Then wirespeed-control with more peers than that dataplane takes: its batches are refused
# (-EINVAL naming the item), which it must log and survive.
# usage: test_dp_batch.sh DATAPLANE_BIN TEST_BIN CONTROL_BIN
set -u
dp_bin=$1 test_bin=$2 ctl_bin=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespace)"; exit 77; }
id=$$
ns=wsdpb$id
prefix=ws-dpb-$id
tmp=$(mktemp -d /tmp/ws-dpb.XXXXXX)
dp_pid= ctl_pid=
cleanup() {
	[ -n "$ctl_pid" ] && kill -KILL "$ctl_pid" 2>/dev/null && wait "$ctl_pid" 2>/dev/null
	if [ -n "$dp_pid" ]; then
		kill -TERM "$dp_pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$dp_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$dp_pid" 2>/dev/null
		wait "$dp_pid" 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null
	rm -rf "/var/run/dpdk/$prefix" "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$ns" || exit 1
cat >"$tmp/dp.yaml" <<YAML
interface: {name: wsdpb$id, listenPort: 51820}
dataplane:
  eal: {filePrefix: $prefix, memoryMB: 64, noHuge: true}
  mempool: {mbufs: 2047, cache: 32}
  ports:
    - {name: wan0, role: wan, device: "net_null0", address: "198.18.0.1/24", rxDesc: 256}
  lcores: {service: 0, workers: [1], mode: run-to-completion}
  tables: {maxPeers: 64, maxAllowedIps: 16, fib: rib}
  controlSocket: $tmp/ctl.sock
YAML
ip netns exec "$ns" "$dp_bin" --lcores "0@0,1@0" -- --config "$tmp/dp.yaml" >"$tmp/dp.log" 2>&1 &
dp_pid=$!
for _ in $(seq 300); do
	grep -q "running:" "$tmp/dp.log" && break
	kill -0 "$dp_pid" 2>/dev/null || break
	sleep 0.1
done
grep -q "running:" "$tmp/dp.log" || { echo "dataplane did not start:"; cat "$tmp/dp.log"; exit 1; }
"$test_bin" "$tmp/ctl.sock"
rc=$?

# 3000 peers (ids 0..2999) against maxPeers 64: the first PEER_SET batch is refused at item 64
python3 - "$tmp/ctl.yaml" "$tmp/ctl.sock" "$id" <<'PY'
import base64, os, sys
path, sock, ident = sys.argv[1:]
with open(path, "w") as f:
    f.write(f"interface: {{name: wsdpb{ident}, listenPort: 51820}}\npeers:\n")
    for i in range(3000):
        k = base64.b64encode(os.urandom(32)).decode()
        f.write(f"  - {{publicKey: \"{k}\", allowedIPs: [10.{i >> 8}.{i & 255}.1/32]}}\n")
    f.write(f"dataplane: {{controlSocket: {sock}}}\n")
PY
ip netns exec "$ns" "$ctl_bin" --config "$tmp/ctl.yaml" --no-uapi --rpc-socket "$tmp/rpc.sock" \
	>"$tmp/ctl.log" 2>&1 &
ctl_pid=$!
for _ in $(seq 200); do
	grep -q "dataplane synced" "$tmp/ctl.log" && break
	kill -0 "$ctl_pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "dataplane batch 12: item 64 of [0-9]*: Invalid argument (0 applied)" "$tmp/ctl.log"; then
	echo "FAIL: control did not report the refused batch"; cat "$tmp/ctl.log"; rc=1
elif ! grep -q "dataplane synced" "$tmp/ctl.log" || ! kill -0 "$ctl_pid" 2>/dev/null; then
	echo "FAIL: control did not survive refused batches"; cat "$tmp/ctl.log"; rc=1
else
	echo "ok   control logs a refused batch and carries on"
fi
kill -0 "$dp_pid" 2>/dev/null || { echo "FAIL: the dataplane died"; cat "$tmp/dp.log"; rc=1; }
exit $rc
