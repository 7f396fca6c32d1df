/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The WireGuard cross-platform userspace API (the text protocol `wg` speaks over
 * /var/run/wireguard/<iface>.sock): parsing a set request into a ws_change, formatting the
 * device for a get request. The socket handling lives in the control server.
 */
#ifndef WS_UAPI_H
#define WS_UAPI_H

#include <stddef.h>

#include "device.h"

/*
 * Parses the lines after "set=1" up to (not including) the empty line. Returns 0 or a negative
 * errno (-EINVAL for a bad key or value, -EPROTO for a line without '='), with err naming the
 * line. The change is only filled on success.
 */
int ws_uapi_parse_set(const char *text, size_t len, struct ws_change *chg, char *err,
		      size_t errlen);

/*
 * Formats the reply to "get=1": device keys, peers, and the final "errno=0\n\n".
 * Returns a malloc'd string (length in *len) or NULL when out of memory. It holds the private
 * key: zero it (ws_memzero) before freeing.
 */
char *ws_uapi_format_get(const struct ws_device *dev, size_t *len);

#endif
