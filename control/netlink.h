/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tunnel TAP's addresses (interface.addresses, host mode), set over a plain rtnetlink
 * socket as `ip address replace` would: adding an address that is there already changes
 * nothing, so applying the same list again is harmless.
 */
#ifndef WS_CONTROL_NETLINK_H
#define WS_CONTROL_NETLINK_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/*
 * Puts every address on the interface and brings it up; removes those of old (the previous
 * list) that are no longer listed. IPv6 addresses skip duplicate address detection (a point
 * to point tunnel has no one to collide with; DAD would hold them tentative for a second).
 * Returns 0, -ENODEV if the interface does not exist (yet), or another -errno with err
 * naming the address.
 */
int ws_nl_apply_addresses(const char *ifname, const struct ws_prefix *addrs, size_t n,
			  const struct ws_prefix *old, size_t n_old, char *err, size_t errlen);

#endif
