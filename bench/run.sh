#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The benchmark suite: runs every benchmark of bench/ in one go, prints their tables and writes
# one JSON file per benchmark plus a combined report into the output directory. Each benchmark
# measures against its own reference in the same run (raw crypto, X25519, OpenSSL, ...), so
# the ratios hold on a noisy shared machine even when absolute figures move.
#
#   bench/run.sh [--smoke] [--build DIR] [--out DIR]
#
# --smoke runs every benchmark at tiny sizes (what CI does, so they never rot).
# The e2e benchmark (bench/e2e/run.sh: iperf3 through the appliance and through wireguard-go,
# CPU per tunnelled packet) needs root, wireguard-go and iperf3; without them it says
# "skipped" and counts as run. So does the gen benchmark (bench/e2e/gen.sh: ws-gen handshakes
# N peers with the appliance and with wireguard-go and sends transport data at 64/512/1420 B;
# ws-blast feeds the tunnel for the encrypt direction; cycles per packet of each).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
out=bench-results
smoke=()
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=(--smoke); shift ;;
	--build) build="$2"; shift 2 ;;
	--out) out="$2"; shift 2 ;;
	*) echo "usage: bench/run.sh [--smoke] [--build DIR] [--out DIR]" >&2; exit 2 ;;
	esac
done

if [ ! -f "$build/build.ninja" ]; then
	bash scripts/install-deps.sh
	meson setup "$build" >/dev/null
fi
ninja -C "$build" >/dev/null
mkdir -p "$out"

{
	echo "machine: $(uname -srm); $(nproc) cpus; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} | tee "$out/machine.txt"

status=0
run() { # name, binary, args...
	local name="$1" bin="$2"; shift 2
	if [ ! -x "$bin" ]; then
		echo "== $name: not built ($bin)"
		status=1
		return
	fi
	echo
	echo "== $name: $bin ${smoke[*]} $*"
	if ! "$bin" "${smoke[@]}" --json "$out/$name.json" "$@" | tee "$out/$name.txt"; then
		echo "== $name failed"
		status=1
	fi
}

run crypto "$build/bench/crypto/ws-bench-crypto"
run handshake "$build/bench/handshake/ws-bench-handshake"
run peers "$build/bench/peers/ws-bench-peers"
run tables "$build/bench/tables/ws-bench-tables"
# peers into a running dataplane: YAML batched / one request per item, restart, JSON-RPC socket
run peers-push bench/peers/push.py --build "$build"
if [ -x "$build/bench/dataplane/ws-bench-dataplane" ]; then
	run dataplane "$build/bench/dataplane/ws-bench-dataplane"
	# the same with per-stage cycle marks: where the cycles go (its totals carry the marks'
	# own cost, so the ratios above come from the unmarked build)
	run dataplane-profile "$build/bench/dataplane/ws-bench-dataplane-profile"
fi
run e2e bench/e2e/run.sh "$build"
run gen bench/e2e/gen.sh "$build"

python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
report = {"machine": open(os.path.join(out, "machine.txt")).read()}
for name in ("crypto", "handshake", "peers", "tables", "peers-push", "dataplane",
             "dataplane-profile", "e2e", "gen"):
    p = os.path.join(out, name + ".json")
    if os.path.exists(p):
        with open(p) as f:
            report[name] = json.load(f)
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump(report, f, indent=1)
print(f"\nreport: {os.path.join(out, 'report.json')}")
PY
exit $status
