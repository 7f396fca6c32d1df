#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end tests: the real wirespeed appliance (wirespeed-dataplane on net_af_packet over a
# veth + wirespeed-control) against wireguard-go peers configured with the stock `wg`, in
# network namespaces (topology in lib.sh). Each scenario gets fresh keys, namespaces and
# processes, and tears them down on success, failure or signal.
#
#   run.sh BUILD_DIR SCENARIO...      run the named scenarios (in order), PASS/FAIL each
#   run.sh BUILD_DIR --list           list the scenarios
#
# Exit status: 0 all passed, 1 a scenario failed, 77 (skip) not root / no TUN / no wg tools.
# Environment: E2E_KEEP=1 keeps the temporary directory (logs, configs) of each scenario;
# WSNS_WG_LOG_LEVEL=verbose makes wireguard-go log more (shown on failure).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: run.sh BUILD_DIR SCENARIO... | --list}
shift
# shellcheck source=lib.sh
. "$here/lib.sh"
for f in "$here"/scenarios-*.sh "$here"/pending/scenarios-*.sh; do
	[ -f "$f" ] || continue
	# shellcheck disable=SC1090
	. "$f"
done

if [ "${1:-}" = --list ]; then
	declare -F | awk '$3 ~ /^scn_/ {sub(/^scn_/, "", $3); gsub(/_/, "-", $3); print $3}'
	exit 0
fi
[ $# -gt 0 ] || { echo "usage: run.sh BUILD_DIR SCENARIO... | --list" >&2; exit 2; }
if ! reason=$(wsns_preflight); then
	echo "SKIP: $reason"
	exit 77
fi
for cmd in iperf3 ss python3; do
	command -v "$cmd" >/dev/null || { echo "SKIP: missing command: $cmd"; exit 77; }
done

# step DESCRIPTION CMD...: runs one checked step of a scenario; a failure ends the scenario.
step() {
	local desc=$1
	shift
	printf '[%s] %s\n' "$scenario" "$desc" >&3
	if ! "$@"; then
		printf '[%s] FAILED: %s\n' "$scenario" "$desc" >&2
		return 1
	fi
}
# check DESCRIPTION CMD...: like step, quiet on success.
check() {
	local desc=$1
	shift
	if ! "$@"; then
		printf '[%s] FAILED: %s\n' "$scenario" "$desc" >&2
		return 1
	fi
}
note() { printf '[%s]   %s\n' "$scenario" "$*" >&3; }

run_one() {
	scenario=$1
	local fn="scn_${1//-/_}"
	if ! declare -F "$fn" >/dev/null; then
		echo "unknown scenario: $1 (see --list)" >&2
		return 1
	fi
	(
		trap 'e2e_cleanup' EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		e2e_init "$build" || exit 1
		if "$fn"; then
			# the dataplane must have survived the scenario and stop cleanly: exit status
			# 0, every mbuf back in its pool (status 3 otherwise)
			[ -z "$E2E_DP_PID" ] && exit 0
			if e2e_dp_alive; then
				e2e_ctl_stop
				e2e_dp_stop
				rc=$?
				[ $rc -eq 0 ] && exit 0
				echo "[$scenario] FAILED: the dataplane's shutdown: exit status $rc" >&2
			fi
		fi
		[ -n "$E2E_DP_PID" ] && e2e_dp_alive
		e2e_dump_logs >&2
		exit 1
	)
}

# fd 3: the scenario's progress lines, whatever a step's own output is redirected to
exec 3>&1
failed=()
for s in "$@"; do
	start=$SECONDS
	if run_one "$s"; then
		echo "PASS: $s ($((SECONDS - start)) s)"
	else
		echo "FAIL: $s ($((SECONDS - start)) s)"
		failed+=("$s")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
	exit 1
fi
exit 0
