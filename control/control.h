/* SPDX-License-Identifier: BSD-3-Clause */
/* The control process's state, shared by its main loop, servers and RPC methods. */
#ifndef WS_CONTROL_CONTROL_H
#define WS_CONTROL_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "dp.h"
#include "handshake.h"
#include "jsonrpc.h"
#include "sync.h"

struct ws_control {
	struct ws_device dev;
	struct ws_dpconn dp;
	struct ws_hs_engine hs;
	struct ws_sync sync;
	double time_scale; /* test-only: >1 makes protocol timers run that much faster */
	uint64_t mono_origin_ns;
	char config_path[4096];
	/* interface.addresses for the tunnel TAP (host mode): wanted, and what is on it now */
	struct ws_prefix *addrs, *addrs_applied;
	size_t n_addrs, n_addrs_applied;
	bool addrs_pending; /* to apply once the TAP is there */
	unsigned int addrs_tries;
};

/* Monotonic and wall clocks as the protocol sees them (time scale applied to mono only). */
uint64_t ws_control_mono_ns(void *ctx);
uint64_t ws_control_wall_ns(void *ctx);

/* Applies a change and reports errors; refreshes nothing. */
int ws_control_apply(struct ws_control *c, const struct ws_change *chg, char *err, size_t len);

extern const struct ws_rpc_method ws_control_rpc_methods[];
extern const size_t ws_control_rpc_n_methods;

#endif
