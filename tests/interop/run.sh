#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live interop test: ws-testpeer (our protocol library) against wireguard-go configured with the
# stock `wg` tool, each in its own network namespace joined by a veth pair. Every scenario gets
# fresh keys, namespaces and a fresh wireguard-go, prints PASS/FAIL, and the script exits non-zero
# if any failed (77, meson's skip, when it cannot run here: not root, no /dev/net/tun).
#
# usage: run.sh PATH/TO/ws-testpeer
# environment: WS_INTEROP_ONLY=GLOB runs only matching scenarios; WSNS_WG_LOG_LEVEL=verbose
# makes wireguard-go's log (shown on failure) verbose.
set -euo pipefail

testpeer=${1:?usage: run.sh PATH/TO/ws-testpeer}
# meson passes a path relative to the build directory; make it independent of the cwd.
testpeer=$(realpath -e -- "$testpeer" 2>/dev/null) || {
	echo "ws-testpeer not found at $1"
	exit 1
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../scripts/netns-lib.sh
. "$here/../../scripts/netns-lib.sh"

if ! reason=$(wsns_preflight); then
	echo "SKIP: $reason"
	exit 77
fi
if [ ! -x "$testpeer" ]; then
	echo "ws-testpeer at $testpeer is not executable"
	exit 1
fi

tmp=$(mktemp -d /tmp/ws-interop.XXXXXX)
cleanup() {
	local rc=${1:-$?}
	# Finish the cleanup whatever happens: no errexit, and a second signal must not cut it short.
	set +e
	trap '' INT TERM
	trap - EXIT
	wsns_cleanup
	rm -rf "$tmp"
	exit "$rc"
}
trap 'cleanup' EXIT
trap 'cleanup 130' INT
trap 'cleanup 143' TERM

umask 077
id=$$
wg_port=51820
tp_port=51821
tp_timeout=20      # ws-testpeer's own bound on a successful scenario
tp_neg_timeout=5   # and on one that must fail
results=()
failed=0

log() { printf '[%s] %s\n' "$case_name" "$*"; }
fail() { log "error: $*" >&2; return 1; }

# case_vars N [inet|inet6]: per-case names and addresses, derived from the case number N (1..9)
# so they are unique per run and case; the outer (veth) family is IPv4 unless inet6 is given.
# Interface names stay within 15 characters: "wsv" + pid (<= 7 digits) + N + side.
case_vars() {
	local n=$1 family=${2:-inet}
	ns_g="ws-interop-$id-$n-g"  # wireguard-go's namespace
	ns_p="ws-interop-$id-$n-p"  # ws-testpeer's namespace
	if_g="wsg$id$n"
	veth_g="wsv$id${n}g"
	veth_p="wsv$id${n}p"
	if [ "$family" = inet6 ]; then
		outer_g="fd00:198:$n::1/64"
		outer_p="fd00:198:$n::2/64"
		ep_g="[fd00:198:$n::1]:$wg_port"
		ep_p="[fd00:198:$n::2]:$tp_port"
	else
		outer_g="198.18.$n.1/24"
		outer_p="198.18.$n.2/24"
		ep_g="198.18.$n.1:$wg_port"
		ep_p="198.18.$n.2:$tp_port"
	fi
	inner_g="10.201.$n.1"
	inner_p="10.201.$n.2"
	inner6_g="fd00:201:$n::1"
	inner6_p="fd00:201:$n::2"
	dir="$tmp/case$n"
	mkdir -p "$dir"
}

# setup_case PSK_MODE WG_OPTS...: after case_vars, namespaces, keys, wireguard-go configured by
# `wg`, tunnel addresses. PSK_MODE: none, same, or wrong (the two sides get different PSKs).
setup_case() {
	local psk_mode=$1
	shift
	wsns_ns_create "$ns_g" || return 1
	wsns_ns_create "$ns_p" || return 1
	wsns_veth "$ns_g" "$veth_g" "$outer_g" "$ns_p" "$veth_p" "$outer_p" || return 1

	wg genkey >"$dir/g.key" && wg genkey >"$dir/p.key" || return 1
	pub_g=$(wg pubkey <"$dir/g.key") && pub_p=$(wg pubkey <"$dir/p.key") || return 1
	psk_args=()
	tp_psk=()
	case "$psk_mode" in
	none) ;;
	same)
		wg genpsk >"$dir/psk" || return 1
		psk_args=(preshared-key "$dir/psk")
		tp_psk=(--psk-file "$dir/psk")
		;;
	wrong)
		wg genpsk >"$dir/psk" && wg genpsk >"$dir/psk-other" || return 1
		psk_args=(preshared-key "$dir/psk")
		tp_psk=(--psk-file "$dir/psk-other")
		;;
	esac

	wsns_wg_start "$ns_g" "$if_g" "$dir/wireguard-go.log" || return 1
	ip netns exec "$ns_g" wg set "$if_g" private-key "$dir/g.key" listen-port "$wg_port" \
		peer "$pub_p" allowed-ips "$inner_p/32,$inner6_p/128" "${psk_args[@]}" "$@" ||
		fail "wg set failed" || return 1
	wsns_addr "$ns_g" "$if_g" "$inner_g/24" || return 1
	wsns_addr "$ns_g" "$if_g" "$inner6_g/64" || return 1
	ip -n "$ns_g" link set "$if_g" mtu 1420 up || return 1
	tp_common=(--private-key-file "$dir/p.key" --peer-public "$pub_g" "${tp_psk[@]}"
		--listen "$ep_p" --inner "$inner_p" --inner "$inner6_p")
}

teardown_case() {
	wsns_cleanup
}

# The peer line of `wg show IF dump` (fields: public-key preshared-key endpoint allowed-ips
# latest-handshake transfer-rx transfer-tx persistent-keepalive). The dump also carries the
# private key and PSK, so it is parsed here and never printed.
wg_peer_stats() {
	ip netns exec "$ns_g" wg show "$if_g" dump | awk -v pub="$pub_p" '$1 == pub { print $5, $6, $7 }'
}

# Asserts wireguard-go recorded a handshake and traffic both ways, then shows the interface.
check_wg_stats() {
	local stats hs rx tx
	stats=$(wg_peer_stats) || fail "wg show dump failed" || return 1
	read -r hs rx tx <<<"$stats"
	log "wireguard-go peer stats: latest-handshake=${hs:-?} rx=${rx:-?} tx=${tx:-?}"
	ip netns exec "$ns_g" wg show "$if_g" | sed "s/^/[$case_name]   /"
	[ "${hs:-0}" -gt 0 ] || fail "wireguard-go saw no completed handshake" || return 1
	[ "${rx:-0}" -gt 0 ] && [ "${tx:-0}" -gt 0 ] || fail "no traffic counted both ways" || return 1
}

check_no_handshake() {
	local stats hs rx tx
	stats=$(wg_peer_stats) || fail "wg show dump failed" || return 1
	read -r hs rx tx <<<"$stats"
	log "wireguard-go peer stats: latest-handshake=${hs:-?} rx=${rx:-?} tx=${tx:-?}"
	[ "${hs:-1}" -eq 0 ] || fail "wireguard-go completed a handshake despite the wrong PSK" ||
		return 1
}

# run_testpeer SECS ARGS...: ws-testpeer in its namespace, output shown and kept in
# $dir/testpeer.log for assertions.
run_testpeer() {
	local secs=$1 rc=0
	shift
	timeout --kill-after=2 "$((secs + 10))" ip netns exec "$ns_p" "$testpeer" "$@" \
		--timeout "$secs" >"$dir/testpeer.log" 2>&1 || rc=$?
	sed "s/^/[$case_name]   /" "$dir/testpeer.log"
	return "$rc"
}

# expect_log REGEX WHAT: the ws-testpeer output must show WHAT happened.
expect_log() {
	grep -Eq "$1" "$dir/testpeer.log" || fail "ws-testpeer output lacks: $2"
}

# a, b: ws-testpeer initiates; pings over IPv4 and IPv6 inside the tunnel, answered by
# wireguard-go's kernel stack; then a persistent keepalive from wireguard-go. wireguard-go has no
# endpoint for us: it learns it from our initiation, so it cannot initiate first and race us.
# The outer family is IPv4, or IPv6 with a third argument inet6.
case_initiator() {
	local n=$1 psk_mode=$2 family=${3:-inet} psk_word=psk
	[ "$psk_mode" = none ] && psk_word="no psk"
	case_vars "$n" "$family"
	setup_case "$psk_mode" persistent-keepalive 1 || return 1
	run_testpeer "$tp_timeout" --initiate "${tp_common[@]}" --endpoint "$ep_g" \
		--target "$inner_g" --target "$inner6_g" --ping 3 --expect-keepalive ||
		fail "ws-testpeer failed" || return 1
	expect_log "^handshake complete \\(initiator, $psk_word\\)" "initiator handshake" ||
		return 1
	check_wg_stats
}

# Starts ws-testpeer as responder in the background, logging to $dir/testpeer.log; waits until
# it listens. Sets tp_pid.
start_responder() {
	local secs=$1
	shift
	timeout --kill-after=2 "$((secs + 10))" ip netns exec "$ns_p" "$testpeer" --respond \
		"${tp_common[@]}" --timeout "$secs" "$@" >"$dir/testpeer.log" 2>&1 &
	tp_pid=$!
	wsns_register_pid "$tp_pid"
	wsns_wait 5 "ws-testpeer to listen" grep -q '^listening on' "$dir/testpeer.log" || {
		cat "$dir/testpeer.log"
		return 1
	}
}

# Waits for the background ws-testpeer, shows its output, returns its exit status.
finish_responder() {
	local rc=0
	wait "$tp_pid" || rc=$?
	sed "s/^/[$case_name]   /" "$dir/testpeer.log"
	return "$rc"
}

# ping -c COUNT from wireguard-go's namespace; true only if every echo got its reply.
ping_from_wg() {
	local count=$1 target=$2 out
	out=$(timeout 20 ip netns exec "$ns_g" ping -n -c "$count" -W 2 "$target" 2>&1) || {
		printf '%s\n' "$out" | sed "s/^/[$case_name]   /"
		return 1
	}
	printf '%s\n' "$out" | tail -n 2 | sed "s/^/[$case_name]   /"
	printf '%s\n' "$out" | grep -q "$count packets transmitted, $count received"
}

# c: wireguard-go initiates, triggered by pings from its namespace; ws-testpeer responds, answers
# them (IPv4 then IPv6), then pings wireguard-go's tunnel addresses itself.
case_responder() {
	local n=$1 psk_mode=$2 ok=0 psk_word=psk
	[ "$psk_mode" = none ] && psk_word="no psk"
	case_vars "$n"
	setup_case "$psk_mode" endpoint "$ep_p" || return 1
	start_responder "$tp_timeout" --answer-pings 6 --target "$inner_g" --target "$inner6_g" \
		--ping 3 || return 1
	ping_from_wg 3 "$inner_p" || { fail "ping $inner_p from wireguard-go failed"; ok=1; }
	ping_from_wg 3 "$inner6_p" || { fail "ping $inner6_p from wireguard-go failed"; ok=1; }
	finish_responder || { fail "ws-testpeer failed"; ok=1; }
	[ "$ok" -eq 0 ] || return 1
	expect_log "^handshake complete \\(responder, $psk_word\\)" "responder handshake" ||
		return 1
	check_wg_stats
}

# d1: wrong PSK, ws-testpeer initiates: it must give up within its timeout, exit non-zero, and
# wireguard-go must not record a handshake.
case_wrong_psk_initiator() {
	local n=$1 rc=0
	case_vars "$n"
	setup_case wrong || return 1
	run_testpeer "$tp_neg_timeout" --initiate "${tp_common[@]}" \
		--endpoint "$ep_g" --target "$inner_g" --ping 1 || rc=$?
	log "ws-testpeer exit status $rc (expected 1: handshake must not complete)"
	[ "$rc" -eq 1 ] || fail "ws-testpeer did not fail as it should" || return 1
	# It must fail for the right reason: wireguard-go answered, the response did not verify.
	expect_log "^handshake message from .* rejected" "a rejected response" || return 1
	check_no_handshake
}

# d2: wrong PSK, wireguard-go initiates: its pings must go unanswered and ws-testpeer must fail.
case_wrong_psk_responder() {
	local n=$1 rc=0
	case_vars "$n"
	setup_case wrong endpoint "$ep_p" || return 1
	start_responder "$tp_neg_timeout" --answer-pings 1 || return 1
	if timeout 10 ip netns exec "$ns_g" ping -n -c 2 -W 1 "$inner_p" >/dev/null 2>&1; then
		fail "ping through the tunnel succeeded despite the wrong PSK" || return 1
	fi
	log "ping from wireguard-go failed, as it must"
	finish_responder || rc=$?
	log "ws-testpeer exit status $rc (expected 1: handshake must not complete)"
	[ "$rc" -eq 1 ] || fail "ws-testpeer did not fail as it should" || return 1
	# It must fail for the right reason: the initiation reached us and we answered it.
	expect_log "^initiation from .* accepted, response sent" "an answered initiation" ||
		return 1
	check_no_handshake
}

# f: ws-testpeer first floods wireguard-go with initiations that pass mac1 but fail in Noise, so
# wireguard-go goes "under load" and answers the real initiation with a cookie reply; the
# handshake must then complete with mac2 (the cookie path: XChaCha20-Poly1305 reply, mac2).
case_cookie() {
	local n=$1
	case_vars "$n"
	setup_case same || return 1
	run_testpeer "$tp_timeout" --initiate "${tp_common[@]}" --endpoint "$ep_g" \
		--flood "${WS_INTEROP_FLOOD:-600}" --expect-cookie --target "$inner_g" --ping 3 ||
		fail "ws-testpeer failed" || return 1
	check_wg_stats
}

run_case() {
	local func=$1
	case_name=$2
	shift 2
	# WS_INTEROP_ONLY=GLOB runs only the matching scenarios (debugging).
	# shellcheck disable=SC2053
	[[ $case_name == ${WS_INTEROP_ONLY:-*} ]] || return 0
	# Nothing from the previous case may leak into this one.
	unset ns_g ns_p if_g veth_g veth_p outer_g outer_p ep_g ep_p inner_g inner_p inner6_g \
		inner6_p dir pub_g pub_p tp_common tp_pid
	echo "=== $case_name"
	if "$func" "$@"; then
		results+=("PASS $case_name")
		echo "PASS $case_name"
	else
		results+=("FAIL $case_name")
		echo "FAIL $case_name"
		if [ -f "${dir:-}/wireguard-go.log" ]; then
			sed "s/^/[$case_name] wireguard-go: /" "$dir/wireguard-go.log" | tail -n 20
		fi
		failed=$((failed + 1))
	fi
	teardown_case
}

echo "interop: $(wireguard-go --version | head -n 1) vs $testpeer"
run_case case_initiator "a-testpeer-initiates-no-psk" 1 none
run_case case_initiator "b-testpeer-initiates-psk" 2 same
run_case case_responder "c1-wireguard-go-initiates-no-psk" 3 none
run_case case_responder "c2-wireguard-go-initiates-psk" 4 same
run_case case_wrong_psk_initiator "d1-wrong-psk-testpeer-initiates" 5
run_case case_wrong_psk_responder "d2-wrong-psk-wireguard-go-initiates" 6
run_case case_initiator "e-ipv6-outer-testpeer-initiates-psk" 7 same inet6
run_case case_cookie "f-cookie-reply-under-load" 8

echo "=== summary"
printf '%s\n' "${results[@]}"
if [ "$failed" -ne 0 ]; then
	echo "interop: $failed scenario(s) FAILED"
	exit 1
fi
echo "interop: all ${#results[@]} scenarios PASS"
