# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The frame shared by bench/e2e/run.sh and bench/e2e/gen.sh, sourced after tests/e2e/lib.sh:
# skipping (exit 0 with the reason, in the JSON file too), the results file, and one subshell
# per implementation with its own namespaces and cleanup. The caller sets json (the --json
# file, may be empty) and defines bench_impl IMPL; it may redefine bench_impl_cleanup (run in
# each implementation's subshell on exit, after e2e_cleanup).

# bench_skip LABEL REASON...: a benchmark that cannot run here counts as run, not failed.
bench_skip() {
	local label=$1
	shift
	echo "$label: skipped: $*"
	[ -n "$json" ] && python3 -c 'import json,sys; json.dump({"skipped": sys.argv[2]}, open(sys.argv[1], "w"))' \
		"$json" "$*"
	exit 0
}

# bench_results NAME: OUT_TMP (removed on exit) and RESULTS, the empty results file in it.
bench_results() {
	OUT_TMP=$(mktemp -d "/tmp/ws-bench-$1.XXXXXX")
	RESULTS=$OUT_TMP/results.jsonl
	: >"$RESULTS"
	SUB=
	trap bench_on_signal INT TERM
	trap 'rm -rf "$OUT_TMP"' EXIT
}

# shellcheck disable=SC2317 # reached through the trap
bench_on_signal() {
	[ -n "$SUB" ] && kill -TERM "$SUB" 2>/dev/null && wait "$SUB" 2>/dev/null
	rm -rf "$OUT_TMP"
	exit 130
}

# shellcheck disable=SC2317 # reached through the trap; redefined by the caller if needed
bench_impl_cleanup() { :; }

# bench_impls LABEL: bench_impl for wireguard-go, then wirespeed, each in a subshell; fails if
# either failed (after running both).
bench_impls() {
	local label=$1 impl status=0
	for impl in wireguard-go wirespeed; do
		(
			trap 'e2e_cleanup; bench_impl_cleanup' EXIT
			trap 'exit 130' INT
			trap 'exit 143' TERM
			bench_impl "$impl"
		) &
		SUB=$!
		wait "$SUB" || { echo "$label: the $impl runs failed" >&2; status=1; }
		SUB=
	done
	echo
	return $status
}

# bench_wirespeed_stop: the end of a wirespeed bench_impl.
bench_wirespeed_stop() {
	e2e_ctl_stop
	e2e_dp_stop || echo "  (the dataplane did not stop cleanly: status $?)" >&2
}
