#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every wirespeed test on a fresh Debian 12 machine: installs the packages, builds a normal
# and a sanitizer (ASan + UBSan) tree, runs all suites in the first and the unit, crypto and
# dataplane suites in the second, smoke-runs the benchmarks, and ends with one
# "N passed, N failed" line. Network tests build their own namespaces and need root.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${WS_BUILD_DIR:-build}
sanbuild=${WS_SAN_BUILD_DIR:-build-san}

bash scripts/install-deps.sh

setup() { # dir, meson options...
	local dir="$1"; shift
	local log
	log=$(mktemp)
	if [ -f "$dir/build.ninja" ]; then
		set -- --reconfigure "$dir" "$@"
	else
		set -- "$dir" "$@"
	fi
	if ! meson setup "$@" >"$log" 2>&1; then
		cat "$log"
		rm -f "$log"
		echo "meson setup $* failed"
		exit 1
	fi
	rm -f "$log"
	ninja -C "$dir"
}

setup "$build"
setup "$sanbuild" -Db_sanitize=address,undefined -Db_lundef=false

status=0
meson test -C "$build" --print-errorlogs --num-processes 1 || status=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C "$sanbuild" --suite unit --suite crypto --suite dataplane --print-errorlogs --num-processes 1 \
	|| status=1

# Benchmarks are not tests, but a tiny run of each keeps them from rotting.
bench_status=0
if ! bash bench/run.sh --smoke --build "$build" --out "$build/bench-smoke" >"$build/bench-smoke.log" 2>&1; then
	cat "$build/bench-smoke.log"
	echo "benchmark smoke run failed"
	bench_status=1
else
	echo "benchmark smoke runs: ok ($build/bench-smoke.log)"
fi

python3 - "$build" "$sanbuild" "$bench_status" <<'PY'
import json, sys
passed = failed = skipped = 0
for d in sys.argv[1:3]:
    try:
        with open(f"{d}/meson-logs/testlog.json") as f:
            for line in f:
                r = json.loads(line).get("result")
                if r in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif r == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    except FileNotFoundError:
        failed += 1
failed += int(sys.argv[3])
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
[ "$bench_status" -eq 0 ] || status=1
exit $status
