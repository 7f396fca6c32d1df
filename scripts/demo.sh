#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The wirespeed demo, one command on a fresh Debian 12 machine (as root):
#
#   bash scripts/demo.sh
#
# installs the packages, builds into build/, then in network namespaces of its own:
#   - the appliance: wirespeed-dataplane (DPDK, net_af_packet on a veth as its WAN, the tunnel
#     TAP as its wg0-like interface) and wirespeed-control (handshakes, the stock `wg` through
#     its UAPI socket, JSON-RPC) with a built-in config and fresh keys,
#   - a road-warrior peer: wireguard-go configured with the stock `wg`,
# shows a handshake, ping over IPv4 and IPv6 inside the tunnel, an iperf3 run each way and
# `wg show` on both sides, then tears everything down (also on Ctrl-C or failure).
# Exit status 0 when every step passed. Options: --no-install (skip apt), --no-build,
# --keep-logs (keep the temporary directory with configs and logs). WS_BUILD_DIR=DIR builds
# and runs from DIR instead of build/.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$(pwd)
bdir=${WS_BUILD_DIR:-build}
install=1 build=1
for a in "$@"; do
	case "$a" in
	--no-install) install=0 ;;
	--no-build) build=0 ;;
	--keep-logs) export E2E_KEEP=1 ;;
	-h | --help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done

if [ -t 1 ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'
else
	B='' G='' R='' D='' N=''
fi
n_step=0
section() { n_step=$((n_step + 1)); printf '\n%s== %d. %s%s\n' "$B" "$n_step" "$*" "$N"; }
ok() { printf '   %s✓%s %s\n' "$G" "$N" "$*"; }
info() { printf '   %s%s%s\n' "$D" "$*" "$N"; }
indent() { sed 's/^/     /'; }
die() {
	printf '   %s✗ %s%s\n' "$R" "$*" "$N" >&2
	demo_failed=1
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (it installs packages and creates network namespaces)" >&2
	exit 1
fi

demo_failed=0
started=$SECONDS
section "Packages and build"
if [ "$install" = 1 ]; then
	bash scripts/install-deps.sh || die "installing packages failed"
	ok "Debian packages present (DPDK, intel-ipsec-mb, libyaml, jansson, libsodium, wireguard-go, wireguard-tools, iperf3)"
else
	info "package installation skipped (--no-install)"
fi
if [ "$build" = 1 ]; then
	if [ ! -f "$bdir/build.ninja" ]; then
		meson setup "$bdir" >"/tmp/ws-demo-meson.$$.log" 2>&1 ||
			{ cat "/tmp/ws-demo-meson.$$.log"; rm -f "/tmp/ws-demo-meson.$$.log"; die "meson setup failed"; }
		rm -f "/tmp/ws-demo-meson.$$.log"
	fi
	ninja -C "$bdir" >"/tmp/ws-demo-ninja.$$.log" 2>&1 ||
		{ tail -n 40 "/tmp/ws-demo-ninja.$$.log"; rm -f "/tmp/ws-demo-ninja.$$.log"; die "build failed"; }
	rm -f "/tmp/ws-demo-ninja.$$.log"
	ok "built $bdir/dataplane/wirespeed-dataplane, $bdir/control/wirespeed-control, $bdir/control/wirespeedctl"
else
	info "build skipped (--no-build): using $bdir"
fi

export E2E_TAG=demo
# shellcheck source=../tests/e2e/lib.sh
. "$root/tests/e2e/lib.sh"
for cmd in ip wg wireguard-go iperf3 ping ss python3; do
	command -v "$cmd" >/dev/null || die "missing command $cmd (run without --no-install)"
done
[ -c /dev/net/tun ] || die "no /dev/net/tun: wireguard-go and the TAP devices need it"

on_exit() {
	local rc=$?
	trap '' INT TERM
	trap - EXIT
	if [ "$demo_failed" != 0 ] || [ $rc -ne 0 ]; then
		[ -n "${E2E_TMP:-}" ] && [ $rc -ne 130 ] && e2e_dump_logs >&2
		[ $rc -eq 0 ] && rc=1
	fi
	if [ -n "${E2E_TMP:-}" ]; then
		printf '\n%s== Teardown%s\n' "$B" "$N"
		[ -n "${E2E_KEEP:-}" ] && info "configs and logs kept in $E2E_TMP"
		e2e_cleanup
		ok "processes stopped, namespaces, sockets and DPDK runtime files removed"
	fi
	if [ $rc -eq 0 ]; then
		printf '\n%sDemo passed%s in %d s.\n' "$G$B" "$N" $((SECONDS - started))
	else
		printf '\n%sDemo FAILED%s (exit %d).\n' "$R$B" "$N" "$rc" >&2
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'echo; echo "interrupted"; demo_failed=1; exit 130' INT
trap 'demo_failed=1; exit 143' TERM

e2e_init "$bdir" || die "binaries missing"
peer_vars 1

section "Network namespaces"
e2e_keys 1 || die "key generation failed"
e2e_topology || die "could not create the namespaces"
cat <<EOF
     $NS_APP                        $NS_HUB              $P_NS
     wirespeed-dataplane  wan0v ── br0 ── wan   wireguard-go $P_IF
       WAN (exception TAP wan0) $APP_WAN4, $APP_WAN6      $P_WAN4, $P_WAN6
       tunnel TAP $APP_IF $APP_TUN4/24, $APP_TUN6/64     tunnel $P_TUN4/24, $P_TUN6/64
     wirespeed-control: \`wg\` on $UAPI_SOCK, JSON-RPC on $RPC_SOCK
EOF
ok "namespaces, bridge and veths up"

section "Appliance config (built in, fresh keys)"
e2e_config "$E2E_TMP/app.yaml" 1 || die "could not write the config"
indent <"$E2E_TMP/app.yaml"
info "(the private key is in $E2E_TMP/app.key, mode 0600; interface.addresses go on the TAP)"

section "Start the dataplane (DPDK, --no-huge, net_af_packet WAN)"
e2e_dp_start "$E2E_TMP/app.yaml" || die "the dataplane did not start"
grep -E "USER1: (port|running)" "$E2E_TMP/dp.log" | sed 's/^USER1: //' | indent
ip -n "$NS_APP" -br addr show "$APP_IF" | indent
ok "dataplane running (pid $E2E_DP_PID)"

section "Start the control process"
e2e_ctl_start "$E2E_TMP/app.yaml" || die "the control process did not come up"
sed -n 's/^wirespeed-control: //p' "$E2E_TMP/ctl.log" | indent
ok "control process connected to the dataplane (pid $E2E_CTL_PID)"

section "Start the wireguard-go peer, configured with the stock wg"
e2e_peer_start 1 ep || die "wireguard-go did not start"
info "wg set $P_IF private-key ... listen-port 51820 peer $APP_PUB \\"
info "    endpoint $APP_WAN4:$APP_PORT allowed-ips 10.77.0.0/24,fd77::/64"
ok "wireguard-go $P_IF up in $P_NS"

section "Handshake"
info "the peer's first packet triggers a Noise IKpsk2 handshake with the appliance"
e2e_wait 25 "the tunnel to come up" ping_once "$P_NS" "$APP_TUN4" || die "no handshake"
handshaken 1 || die "a side reports no handshake"
ok "handshake complete: wireguard-go latest handshake $(date -d "@$(peer_hs_time 1)" +%T), appliance $(date -d "@$(app_hs_time 1)" +%T)"
rpc stats_get | python3 -c '
import json, sys
c = json.load(sys.stdin)["control"]
print("control: initiations received %d, responses sent %d, keypairs installed %d" %
      (c["initiations_received"], c["responses_sent"], c["keypairs_installed"]))' | indent

section "Ping inside the tunnel"
for t in "$P_NS $APP_TUN4 peer→appliance IPv4" "$P_NS $APP_TUN6 peer→appliance IPv6" \
	"$NS_APP $P_TUN4 appliance→peer IPv4" "$NS_APP $P_TUN6 appliance→peer IPv6"; do
	read -r ns addr what <<<"$t"
	ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 "$addr" >"$E2E_TMP/ping.out" 2>&1 ||
		{ cat "$E2E_TMP/ping.out"; die "ping $what failed"; }
	ok "$what: $(grep -o '[0-9]* received' "$E2E_TMP/ping.out")/3, $(sed -n 's/^rtt.* = \([^ ]*\) ms/rtt min\/avg\/max\/mdev \1 ms/p' "$E2E_TMP/ping.out")"
done

section "iperf3 through the tunnel (TCP, 5 s each way)"
bps=$(iperf3_run "$P_NS" "$NS_APP" "$APP_TUN4" 5) || die "iperf3 peer→appliance failed"
[ "$bps" -gt 0 ] || die "iperf3 peer→appliance: no throughput"
ok "peer → appliance: $(awk -v b="$bps" 'BEGIN {printf "%.1f", b / 1e6}') Mbit/s"
bps=$(iperf3_run "$P_NS" "$NS_APP" "$APP_TUN4" 5 -R) || die "iperf3 appliance→peer failed"
[ "$bps" -gt 0 ] || die "iperf3 appliance→peer: no throughput"
ok "appliance → peer: $(awk -v b="$bps" 'BEGIN {printf "%.1f", b / 1e6}') Mbit/s"
info "(a veth, af_packet and 2 CPUs shared by everything: a functional run, not a benchmark)"

section "wg show on the appliance (stock wg against wirespeed-control's UAPI socket)"
info "# wg show $APP_IF"
wg show "$APP_IF" | indent || die "wg show on the appliance failed"
section "wg show on the peer (wireguard-go)"
info "# ip netns exec $P_NS wg show $P_IF"
ip netns exec "$P_NS" wg show "$P_IF" | indent || die "wg show on the peer failed"
section "The same through JSON-RPC"
info "# wirespeedctl show $APP_IF"
"$WSCTL" show "$APP_IF" | indent || die "wirespeedctl show failed"
exit 0
