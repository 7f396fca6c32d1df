#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# On-machine benchmark driven by ws-gen (bench/gen), side by side with wireguard-go. Two
# namespaces joined by one veth, nothing else on the path:
#
#   generator ns (CPU 0)                          appliance ns
#   ws-gen  net_af_packet on gen0 ---- veth ---- wan0v  wirespeed-dataplane (worker on CPU 1)
#     N peers 198.18.0.64/26                       198.18.0.1:51820  + wirespeed-control
#                                                  or wireguard-go (pinned to CPU 1, stock wg)
#   ws-blast (plaintext, CPU 0) in the appliance ns -> tunnel TAP/TUN 10.77.0.1/24
#
# For each implementation the same ws-gen handshakes the same N peers (the appliance's peer list
# is ws-gen's --print-peer-config output: YAML for wirespeed-control, `wg set` lines for
# wireguard-go), then, for each inner size (64, 512, 1420 B):
#   decrypt: ws-gen sends transport data for S seconds (--rate, default 50 kpps; 0: as fast as it
#     can); the appliance decrypts and writes the inner packets to its tunnel TAP/TUN.
#   encrypt: ws-gen stays connected (a trickle of data keeps the keypairs confirmed) while
#     ws-blast sends UDP to the peers' inner addresses into the tunnel at a fixed rate; the
#     appliance encrypts towards ws-gen, which decrypts and authenticates every packet.
# Reported per run: packets offered, arrived, received, decrypted/encrypted, delivered/verified,
# Mpps, and the appliance's cycles per packet: wirespeed's busy TSC cycles of its polling lcore
# (its busy/idle accounting, telemetry /wirespeed/lcores), wireguard-go's utime+stime (/proc) x
# TSC Hz, and their ratio. A benchmark, not a test: nothing depends on a timing.
#
#   bench/e2e/gen.sh [--smoke] [--json FILE] [--seconds S] [--peers N] [--rate PPS]
#                    [--encrypt-rate PPS] [BUILD_DIR]
#
# --smoke: 4 peers, 1 s runs, decrypt at 64 and 1420 B, encrypt at 64 B (CI). Needs root,
# /dev/net/tun, wireguard-go, wg; otherwise says why and exits 0 (skipped).
set -uo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$here/../../build
json=
smoke=0
secs=10
peers=32
dec_rate=50000
enc_rate=50000
usage() {
	echo "usage: bench/e2e/gen.sh [--smoke] [--json FILE] [--seconds S] [--peers N] [--rate PPS]" \
		"[--encrypt-rate PPS] [BUILD_DIR]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=1; shift ;;
	--json) json="$2"; shift 2 ;;
	--seconds) secs="$2"; shift 2 ;;
	--peers) peers="$2"; shift 2 ;;
	--rate) dec_rate="$2"; shift 2 ;;
	--encrypt-rate) enc_rate="$2"; shift 2 ;;
	-h | --help) sed -n '2,30p' "$0"; exit 0 ;;
	-*) usage ;;
	*) build="$1"; shift ;;
	esac
done
[[ $secs =~ ^[0-9]+$ && $peers =~ ^[0-9]+$ && $dec_rate =~ ^[0-9]+$ && $enc_rate =~ ^[0-9]+$ ]] ||
	usage
((peers >= 1 && peers <= 60 && secs >= 1 && secs <= 60)) || {
	echo "bench/e2e/gen.sh: --peers 1..60 (one /26 of outer addresses), --seconds 1..60 (ws-gen does not rekey: its runs stay under 120 s)" >&2
	exit 2
}
RUNS=("decrypt 64" "decrypt 512" "decrypt 1420" "encrypt 64" "encrypt 512" "encrypt 1420")
if [ "$smoke" = 1 ]; then
	secs=1
	peers=4
	RUNS=("decrypt 64" "decrypt 1420" "encrypt 64")
fi
if [ -n "${BENCH_GEN_ONLY:-}" ]; then # a regular expression over "direction size"
	only=()
	for r in "${RUNS[@]}"; do [[ $r =~ $BENCH_GEN_ONLY ]] && only+=("$r"); done
	RUNS=("${only[@]}")
fi

# BENCH_GEN_APP_CPU=0 swaps the CPUs (the appliance on CPU 0, the generator on CPU 1): e.g. when
# other jobs' DPDK workers busy-poll CPU 1, where tests/e2e/lib.sh puts them
CPU_APP=${BENCH_GEN_APP_CPU:-$(($(nproc) > 1 ? 1 : 0))}
CPU_GEN=$(($(nproc) > 1 && CPU_APP == 0 ? 1 : 0))

NOTES=(
	"ws-gen (and ws-blast) run on CPU $CPU_GEN, the appliance on CPU $CPU_APP (wirespeed's polling worker lcore; wireguard-go pinned with taskset, all threads); both on this machine's $(nproc) shared vCPUs, so absolute rates are low and move between runs: the cycles-per-packet ratio is the figure to read"
	"the WAN is a veth read through the kernel by both: wirespeed's dataplane with net_af_packet (mmap ring, a sendto per tx burst), wireguard-go with its UDP socket. The kernel's receive work (veth, af_packet copy or IP/UDP stack) runs in the sender's softirq, i.e. on the generator's CPU in the decrypt direction and on the appliance's in the encrypt direction (its frames to ws-gen); the af_packet rx ring copy and tx syscalls that a real NIC would not need count against the dataplane"
	"the tunnel side is a TAP (wirespeed, net_tap: a readv/writev syscall per packet) or TUN (wireguard-go: a read/write per packet); the kernel's processing of the delivered inner packets (forwarded to a blackhole route: one route lookup, then dropped) runs in the writer's context and counts for both"
	"decrypt: ws-gen offers --rate ${dec_rate} pps (0: as fast as it can on one lcore, then the offered load differs between the two, see kpps) for ${secs} s; encrypt: ws-blast offers ${enc_rate} pps for ${secs} s while ws-gen, after a keepalive per peer to confirm its keypair, sends 1 pps. Counters are sampled around each run, so the handshakes (${peers} per run) are included in the appliance's CPU"
	"in the encrypt direction net_tap signals the dataplane process (SIGIO) as packets reach the TAP; the handler runs on whichever of its non-polling threads the kernel picks (main, rte_mp_handle, telemetry-v2, eal-intr-thread, all on the generator's CPU): their /proc CPU in those runs (JSON thread_cpu_s) is in 'all' and 'alt', not in cyc/pkt"
	"wirespeed's cyc/pkt counts TSC cycles of busy poll iterations: wall-clock time, so a busy iteration preempted by the scheduler is charged in full; idle polling is not charged (busy% shows how loaded the lcore was). 'all' adds the control process's and the dataplane's non-polling threads' CPU (/proc), which is what compares with wireguard-go's whole-process CPU; 'alt' uses the polling thread's scheduled CPU time x busy% instead of busy TSC cycles, the figure to read on a loaded machine"
)

# shellcheck source-path=SCRIPTDIR source=../../tests/e2e/lib.sh
. "$here/../../tests/e2e/lib.sh"

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

skip() { bench_skip "bench gen" "$@"; }
if ! reason=$(wsns_preflight); then skip "$reason"; fi
for cmd in python3 taskset; do
	command -v "$cmd" >/dev/null || skip "missing command: $cmd"
done
if ! GEN=$(realpath -e -- "$build/bench/gen/ws-gen" 2>/dev/null) ||
	! BLAST=$(realpath -e -- "$build/bench/gen/ws-blast" 2>/dev/null); then
	echo "bench gen: ws-gen or ws-blast not built in $build" >&2
	exit 1
fi

bench_results gen

# gen_topology: the appliance and generator namespaces, one veth between them.
gen_topology() {
	wsns_ns_create "$NS_APP" && wsns_ns_create "$NS_GEN" || return 1
	ip link add wan0v netns "$NS_APP" type veth peer name gen0 netns "$NS_GEN" || return 1
	ip netns exec "$NS_GEN" sysctl -qw net.ipv6.conf.gen0.disable_ipv6=1 || return 1
	ip -n "$NS_GEN" link set gen0 up && ip -n "$NS_APP" link set wan0v up || return 1
	# The decrypted packets' sink: ws-gen sends to 10.78.0.1, which the appliance's kernel
	# forwards into a blackhole route, dropped after one route lookup. (To a local closed port
	# the kernel would try an ICMP answer for every packet, route lookups included, before its
	# rate limit: most of the appliance's time per packet in a profile, the same for both.)
	ip netns exec "$NS_APP" sysctl -qw net.ipv4.ip_forward=1 >/dev/null &&
		ip -n "$NS_APP" route add blackhole 10.78.0.0/24
}

# The peers: ws-gen writes their keys and the appliance's view of them (YAML and `wg set`).
gen_peers() {
	wg genkey >"$E2E_TMP/app.key" || return 1
	APP_PUB=$(wg pubkey <"$E2E_TMP/app.key") || return 1
	wg genpsk >"$E2E_TMP/psk" || return 1
	COMMON=(--peers "$peers" --server-key "$APP_PUB" --psk "$E2E_TMP/psk"
		--src-net 198.18.0.64/26 --inner-src-net "10.77.0.2/24" --inner-dst 10.78.0.1)
	"$GEN" "${COMMON[@]}" --config-only --write-keys "$E2E_TMP/gen.keys" \
		--print-peer-config "$E2E_TMP/peers.yaml" >"$E2E_TMP/gen-config.log" 2>&1 || {
		cat "$E2E_TMP/gen-config.log" >&2
		return 1
	}
}

wirespeed_start() {
	# as tests/gen/wirespeed.sh: ws-gen's peer list pasted into the appliance's config as is
	e2e_gen_config "$E2E_TMP/app.yaml" "$E2E_TMP/peers.yaml"
	# the same sysctls as tests/e2e/lib.sh's topology: the kernel stays quiet on the veth the
	# dataplane reads
	ip netns exec "$NS_APP" sysctl -qw net.ipv4.conf.wan0v.arp_ignore=8 \
		net.ipv4.conf.wan0v.rp_filter=1 net.ipv4.conf.all.rp_filter=1 \
		net.ipv6.conf.wan0v.disable_ipv6=1 >/dev/null || return 1
	e2e_dp_start "$E2E_TMP/app.yaml" && e2e_ctl_start "$E2E_TMP/app.yaml" || return 1
	if [ "$CPU_APP" != 1 ]; then # e2e_dp_start pins the worker lcore to CPU 1: move it
		local t
		for t in "/proc/$E2E_DP_PID/task/"*; do
			grep -q '^rte-worker' "$t/comm" 2>/dev/null &&
				{ taskset -p -c "$CPU_APP" "${t##*/}" >/dev/null || return 1; }
		done
	fi
	[ "$(wg show "$APP_IF" peers | wc -l)" -eq "$peers" ] || {
		echo "the appliance does not have $peers peers" >&2
		return 1
	}
	APP_PIDS="$E2E_DP_PID,$E2E_CTL_PID"
	APP_TELEMETRY=$APP_PREFIX
}

wggo_start() {
	ip netns exec "$NS_APP" sysctl -qw net.ipv6.conf.wan0v.disable_ipv6=1 >/dev/null || return 1
	wsns_addr "$NS_APP" wan0v "$APP_WAN4/24" || return 1
	wsns_wg_start "$NS_APP" "$APP_IF" "$E2E_TMP/wireguard-go.log" || return 1
	ip netns exec "$NS_APP" wg set "$APP_IF" private-key "$E2E_TMP/app.key" \
		listen-port "$APP_PORT" || return 1
	WG_IF=$APP_IF ip netns exec "$NS_APP" sh "$E2E_TMP/peers.yaml.wg" || return 1
	[ "$(ip netns exec "$NS_APP" wg show "$APP_IF" peers | wc -l)" -eq "$peers" ] || {
		echo "wireguard-go does not have $peers peers" >&2
		return 1
	}
	wsns_addr "$NS_APP" "$APP_IF" "$APP_TUN4/24" || return 1
	ip -n "$NS_APP" link set "$APP_IF" mtu 1420 up || return 1
	# one CPU, like the dataplane's worker lcore: every thread, and threads started later
	taskset -a -p -c "$CPU_APP" "$WSNS_WG_PID" >/dev/null || return 1
	APP_PIDS=$WSNS_WG_PID
	APP_TELEMETRY=
}

# GEN_CMD: ws-gen in its namespace on CPU 0, bounded by timeout; the run's options follow.
gen_cmd() {
	GEN_CMD=(timeout --kill-after=5 $((secs + 60)) ip netns exec "$NS_GEN" "$GEN"
		--lcores "0@$CPU_GEN" --no-huge -m 256 --no-pci --file-prefix "$GEN_PREFIX"
		--no-telemetry --vdev "net_af_packet0,iface=gen0" -- "${COMMON[@]}"
		--keys "$E2E_TMP/gen.keys" --server "$APP_WAN4:$APP_PORT" --handshake-timeout 15
		--retransmit-ms 1000 --quiet --json "$E2E_TMP/gen.json")
	rm -f "$E2E_TMP/gen.json"
}

snap() {
	python3 "$here/gen_sample.py" snap "$IMPL" "$NS_APP" "$APP_IF" wan0v "$APP_PIDS" \
		${APP_TELEMETRY:+"$APP_TELEMETRY"}
}

# Every peer has sent the appliance something since this ws-gen started, i.e. on its new
# keypair (so the appliance, the responder, may use it): `wg show transfer` counts received
# bytes, keepalives included, per peer and across keypairs, hence the comparison with before.
# shellcheck disable=SC2317 # this and the next three: called through e2e_wait
rx_bytes() { ip netns exec "$NS_APP" wg show "$APP_IF" transfer | awk '{ print $1, $2 }' | sort; }
# shellcheck disable=SC2317
all_confirmed() {
	local n
	n=$(rx_bytes | join "$E2E_TMP/rx.before" - | awk '$3 > $2' | wc -l) || return 1
	[ "$n" -eq "$peers" ]
}
# shellcheck disable=SC2317
wan_tx() { ip -n "$NS_APP" -s -j link show wan0v | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])'; }
# the appliance stopped sending (what it encrypted has left): two reads 200 ms apart agree
# shellcheck disable=SC2317
wan_quiet() {
	local a b
	a=$(wan_tx) && sleep 0.2 && b=$(wan_tx) && [ "$a" = "$b" ]
}

# check_gen JSON: every handshake completed. Packets ws-gen could not decrypt are reported
# (gen_decrypt_failures), not fatal: a previous run's packets still queued in the appliance when
# a fresh ws-gen (new keypairs) starts fail honestly.
check_gen() {
	python3 - "$1" "$peers" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
hs = g["handshakes"]["completed"]
if hs != int(sys.argv[2]):
    sys.exit(f"ws-gen: {hs}/{sys.argv[2]} handshakes")
PY
}

print_last() {
	python3 - "$RESULTS" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(f"  {r['impl']:<12} {r['direction']:<7} {r['size']:>4} B: offered {r['offered']} "
      f"({r['offered_pps'] / 1e3:.1f} kpps), done {r['done']} ({r['mpps']:.4f} Mpps), "
      f"{r['cycles_per_packet'] or 0:.0f} cycles/pkt"
      + (f", ws-gen decrypt failures {r['gen_decrypt_failures']}" if r["gen_decrypt_failures"] else ""))
PY
}

decrypt_run() { # SIZE
	local size=$1 before after rc=0
	gen_cmd
	before=$(snap) || return 1
	"${GEN_CMD[@]}" --size "$size" --rate "$dec_rate" --duration "$secs" \
		>"$E2E_TMP/gen.log" 2>&1 || rc=$?
	after=$(snap) || return 1
	if [ "$rc" -ne 0 ] || ! check_gen "$E2E_TMP/gen.json"; then
		echo "ws-gen failed (status $rc):" >&2
		cat "$E2E_TMP/gen.log" >&2
		return 1
	fi
	python3 "$here/gen_sample.py" result "$IMPL" decrypt "$size" "$before" "$after" \
		"$E2E_TMP/gen.json" >>"$RESULTS" || return 1
	print_last
}

encrypt_run() { # SIZE
	local size=$1 before after gpid rc=0
	# ws-gen stays up for the whole run (stopped below); 1 pps of data: every peer confirms
	# its keypair with a keepalive first, and the appliance never waits long for an answer
	rx_bytes >"$E2E_TMP/rx.before" || return 1
	gen_cmd
	"${GEN_CMD[@]}" --size 64 --rate 1 --duration $((secs + 30)) >"$E2E_TMP/gen.log" 2>&1 &
	gpid=$!
	E2E_EXTRA_PIDS+=("$gpid")
	e2e_wait_alive "$gpid" 20 "every peer's keypair confirmed" all_confirmed || {
		cat "$E2E_TMP/gen.log" >&2
		return 1
	}
	before=$(snap) || return 1
	ip netns exec "$NS_APP" taskset -c "$CPU_GEN" "$BLAST" --dst 10.77.0.2 --count "$peers" \
		--size "$size" --rate "$enc_rate" --duration "$secs" >"$E2E_TMP/blast.json" || return 1
	e2e_wait 2 "the appliance's WAN to go quiet" wan_quiet 2>/dev/null
	after=$(snap) || return 1
	# SIGTERM (timeout passes it on) stops ws-gen's run early: it still writes its JSON
	kill -TERM "$gpid" 2>/dev/null
	wait "$gpid" || rc=$?
	if [ ! -s "$E2E_TMP/gen.json" ] || ! check_gen "$E2E_TMP/gen.json"; then
		echo "ws-gen failed (status $rc):" >&2
		cat "$E2E_TMP/gen.log" >&2
		return 1
	fi
	python3 "$here/gen_sample.py" result "$IMPL" encrypt "$size" "$before" "$after" \
		"$E2E_TMP/gen.json" "$E2E_TMP/blast.json" >>"$RESULTS" || return 1
	print_last
}

# bench_impl IMPL: one topology, every run; in a subshell (own names, own cleanup).
bench_impl() {
	local r dir size
	IMPL=$1
	# shellcheck disable=SC2034 # read by lib.sh
	E2E_TAG=bgen
	e2e_init "$build" || return 1
	NS_GEN="ws-$E2E_TAG-$E2E_ID-g"
	GEN_PREFIX="wsgen-$E2E_ID" # not APP_PREFIX
	gen_topology && gen_peers || return 1
	if [ "$IMPL" = wirespeed ]; then
		wirespeed_start || return 1
	else
		wggo_start || return 1
	fi
	for r in "${RUNS[@]}"; do
		read -r dir size <<<"$r"
		case "$dir" in
		decrypt) decrypt_run "$size" ;;
		*) encrypt_run "$size" ;;
		esac || { e2e_dump_logs >&2; return 1; }
	done
	[ "$IMPL" = wirespeed ] && bench_wirespeed_stop
	return 0
}

echo "bench gen: ${#RUNS[@]} runs of ${secs}s, $peers peers, for each of wireguard-go and wirespeed (build $build)"
# ws-gen's DPDK runtime directory (its own file prefix, unknown to e2e_cleanup)
# shellcheck disable=SC2317 # called by bench_impls' trap
bench_impl_cleanup() { [ -n "${GEN_PREFIX:-}" ] && rm -rf "/var/run/dpdk/$GEN_PREFIX"; }
status=0
bench_impls "bench gen" || status=1
python3 "$here/gen_sample.py" report "$RESULTS" "$json" "${NOTES[@]}" || status=1
exit $status
