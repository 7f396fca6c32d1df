# SPDX-License-Identifier: BSD-3-Clause
# Control-process scenarios (sourced by run.sh): what wirespeed-control does to the host.

# tap_addrs: the tunnel TAP's global addresses, one "addr/cidr" a line, sorted.
tap_addrs() {
	ip -n "$NS_APP" -o addr show dev "$APP_IF" scope global |
		awk '{print $4}' | sort
}

# tap_has ADDR/CIDR: exactly one such address on the TAP.
tap_has() {
	[ "$(tap_addrs | grep -cxF "$1")" = 1 ]
}

tap_lacks() {
	! tap_addrs | grep -qxF "$1"
}

# ctl_reload: SIGHUP and a bounded wait for the n-th "reloaded" line of the log.
ctl_reload() {
	local n
	n=$(grep -c "reloaded" "$E2E_TMP/ctl.log")
	kill -HUP "$E2E_CTL_PID" || return 1
	e2e_wait 10 "the reload" at_least_lines $((n + 1)) "reloaded" "$E2E_TMP/ctl.log"
}

tap_up() {
	ip -n "$NS_APP" -o link show "$APP_IF" up | grep -q .
}

no_addr_errors() {
	! grep -q "$APP_IF: \(adding\|removing\|setting it up\|no such\)" "$E2E_TMP/ctl.log"
}

at_least_lines() { # N PATTERN FILE
	[ "$(grep -c "$2" "$3")" -ge "$1" ]
}

scn_tap_addresses() {
	local extra="10.78.0.1/24"
	step "appliance whose test harness puts no address on the TAP" e2e_keys 1 || return 1
	E2E_CTL_ADDRS=1 e2e_appliance 1 || return 1
	e2e_peer_start 1 ep || return 1
	peer_vars 1
	step "the control process applied interface.addresses (ip addr in the app namespace)" \
		e2e_wait 10 "the TAP's addresses" tap_has "$APP_TUN4/24" || return 1
	check "$APP_TUN6/64 too" tap_has "$APP_TUN6/64" || return 1
	check "the TAP is up" tap_up || return 1
	note "on $APP_IF: $(tap_addrs | tr '\n' ' ')"
	step "a ping through the tunnel to the configured address" tunnel_up "$P_NS" "$APP_TUN4" ||
		return 1
	pings_both_ways 1 || return 1
	step "SIGHUP with the same config: nothing doubles or errs" ctl_reload || return 1
	check "each address once" tap_has "$APP_TUN4/24" && check "(IPv6)" tap_has "$APP_TUN6/64" ||
		return 1
	check "no address error in the log" no_addr_errors || return 1
	step "an address added to the file appears on SIGHUP" \
		sed -i "s|addresses: \[|addresses: [\"$extra\", |" "$E2E_TMP/app.yaml" || return 1
	ctl_reload || return 1
	e2e_wait 10 "$extra on the TAP" tap_has "$extra" || return 1
	step "... and goes when it leaves the file" \
		sed -i "s|\"$extra\", ||" "$E2E_TMP/app.yaml" || return 1
	ctl_reload || return 1
	e2e_wait 10 "$extra gone from the TAP" tap_lacks "$extra" || return 1
	check "the others stay" tap_has "$APP_TUN4/24" || return 1
	step "after a dataplane restart (a new TAP) the addresses come back" e2e_dp_stop || return 1
	E2E_CTL_ADDRS=1 e2e_dp_start "$E2E_TMP/app.yaml" || return 1
	e2e_wait 15 "the addresses on the new TAP" tap_has "$APP_TUN4/24" || return 1
	check "(IPv6)" tap_has "$APP_TUN6/64" || return 1
	step "the tunnel works again (the appliance handshakes anew)" \
		tunnel_up "$NS_APP" "$P_TUN4" || return 1
	pings_both_ways 1 || return 1
}
