#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# wirespeedctl's key tools against the stock `wg`: both derive the same public keys from each
# other's private keys, and malformed keys are refused.
set -euo pipefail
ctl="$1"
fail=0
check() { # description, command...
	local what="$1"; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
command -v wg >/dev/null || { echo "wg (wireguard-tools) is not installed"; exit 1; }

for _ in 1 2 3 4 5; do
	k=$(wg genkey)
	check "pubkey of a wg genkey key matches wg pubkey" \
		test "$(echo "$k" | "$ctl" pubkey)" = "$(echo "$k" | wg pubkey)"
	k=$("$ctl" genkey)
	check "wg pubkey accepts our genkey" \
		test "$(echo "$k" | wg pubkey)" = "$(echo "$k" | "$ctl" pubkey)"
done
p1=$("$ctl" genpsk); p2=$("$ctl" genpsk)
check "genpsk is 44 base64 characters" test "${#p1}" -eq 44
check "genpsk differs between calls" test "$p1" != "$p2"
check "wg accepts our psk as a key" sh -c "echo '$p1' | wg pubkey >/dev/null"
check "short key refused" sh -c "! echo 'abc=' | '$ctl' pubkey 2>/dev/null"
check "key with garbage after it refused" \
	sh -c "! printf '%s x\n' '$p1' | '$ctl' pubkey 2>/dev/null"
check "non-base64 key refused" \
	sh -c "! echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=' | '$ctl' pubkey 2>/dev/null"
check "unknown subcommand fails" sh -c "! '$ctl' frobnicate 2>/dev/null"
exit $fail
