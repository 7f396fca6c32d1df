# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Reusable helpers for tests that run real binaries in network namespaces: preflight checks,
# bounded waits, namespace and veth creation, starting and stopping wireguard-go. Source it from
# bash; every resource it creates is registered and removed by wsns_cleanup (call it from the
# caller's EXIT/INT/TERM traps), so a failing step never leaks namespaces or daemons.

WSNS_NAMESPACES=()
WSNS_PIDS=()
WSNS_SOCKETS=()
WSNS_RUNDIR=/var/run/wireguard

# Prints why these tests cannot run here and returns 1, or returns 0. Callers exit 77 (skip).
wsns_preflight() {
	local cmd
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root (network namespaces, TUN devices)"
		return 1
	fi
	if [ ! -c /dev/net/tun ]; then
		echo "no /dev/net/tun"
		return 1
	fi
	for cmd in ip wg wireguard-go ping timeout; do
		if ! command -v "$cmd" >/dev/null 2>&1; then
			echo "missing command: $cmd"
			return 1
		fi
	done
	return 0
}

# wsns_wait SECONDS DESCRIPTION CMD...: runs CMD every 50 ms until it succeeds, at most SECONDS.
wsns_wait() {
	local secs=$1 desc=$2 i max
	shift 2
	max=$((secs * 20))
	for ((i = 0; i < max; i++)); do
		if "$@"; then
			return 0
		fi
		sleep 0.05
	done
	echo "timed out after ${secs}s waiting for $desc" >&2
	return 1
}

# wsns_ns_create NAME: a new namespace with loopback up.
wsns_ns_create() {
	ip netns add "$1" || return 1
	WSNS_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

# wsns_veth NS_A IF_A ADDR_A/PLEN NS_B IF_B ADDR_B/PLEN: joins two namespaces with a veth pair.
# IPv6 addresses are added with nodad so they are usable at once.
wsns_veth() {
	local ns_a=$1 if_a=$2 addr_a=$3 ns_b=$4 if_b=$5 addr_b=$6
	ip link add "$if_a" netns "$ns_a" type veth peer name "$if_b" netns "$ns_b" || return 1
	wsns_addr "$ns_a" "$if_a" "$addr_a" || return 1
	wsns_addr "$ns_b" "$if_b" "$addr_b" || return 1
	ip -n "$ns_a" link set "$if_a" up && ip -n "$ns_b" link set "$if_b" up
}

# wsns_addr NS IF ADDR/PLEN: adds an IPv4 or IPv6 address (IPv6 without DAD).
wsns_addr() {
	case "$3" in
	*:*) ip -n "$1" -6 addr add "$3" dev "$2" nodad ;;
	*) ip -n "$1" addr add "$3" dev "$2" ;;
	esac
}

# wsns_wg_start NS IFNAME LOGFILE: starts wireguard-go in NS in the foreground of a background
# job and waits for its UAPI socket. Sets WSNS_WG_PID. The socket path is global to the host,
# so IFNAME must be unique across concurrent runs. WSNS_WG_LOG_LEVEL=verbose for debugging.
wsns_wg_start() {
	local ns=$1 ifname=$2 log=$3 sock="$WSNS_RUNDIR/$2.sock"
	if [ ${#ifname} -gt 15 ]; then
		echo "interface name too long: $ifname" >&2
		return 1
	fi
	if [ -e "$sock" ]; then
		echo "UAPI socket $sock already exists: another run uses $ifname" >&2
		return 1
	fi
	# ip netns exec execs wireguard-go after setns, so $! is wireguard-go itself.
	LOG_LEVEL=${WSNS_WG_LOG_LEVEL:-error} WG_PROCESS_FOREGROUND=1 ip netns exec "$ns" wireguard-go -f "$ifname" >"$log" 2>&1 &
	WSNS_WG_PID=$!
	WSNS_PIDS+=("$WSNS_WG_PID")
	WSNS_SOCKETS+=("$sock")
	if ! wsns_wait 10 "wireguard-go UAPI socket $sock" test -S "$sock"; then
		cat "$log" >&2
		return 1
	fi
	if ! kill -0 "$WSNS_WG_PID" 2>/dev/null; then
		echo "wireguard-go exited early:" >&2
		cat "$log" >&2
		return 1
	fi
}

# wsns_stop PID: SIGTERM, a bounded wait, then SIGKILL; reaps it if it is our child.
wsns_stop() {
	local pid=$1
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		if ! wsns_wait 5 "process $pid to exit" wsns_gone "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

wsns_gone() {
	! kill -0 "$1" 2>/dev/null
}

# Stops every registered process, removes every registered namespace and UAPI socket.
# Idempotent; never fails.
wsns_cleanup() {
	local pid ns sock
	for pid in "${WSNS_PIDS[@]}"; do
		wsns_stop "$pid"
	done
	for ns in "${WSNS_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	for sock in "${WSNS_SOCKETS[@]}"; do
		rm -f "$sock"
	done
	WSNS_PIDS=()
	WSNS_NAMESPACES=()
	WSNS_SOCKETS=()
}

# wsns_register_pid PID: lets wsns_cleanup stop a background process the caller started.
wsns_register_pid() {
	WSNS_PIDS+=("$1")
}
