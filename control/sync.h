/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keeps the dataplane in step with the device model: the device's sink turns every change into
 * control-socket requests, ws_sync_full() pushes everything after the dataplane (re)connects, and
 * ws_sync_stats() reads the transfer counters and endpoints back for `wg show` and JSON-RPC.
 */
#ifndef WS_CONTROL_SYNC_H
#define WS_CONTROL_SYNC_H

#include "device.h"
#include "dp.h"
#include "handshake.h"

struct ws_sync {
	struct ws_device *dev;
	struct ws_dpconn *dp;
	struct ws_hs_engine *hs;
};

/* Installs the sink on dev. */
void ws_sync_init(struct ws_sync *sync, struct ws_device *dev, struct ws_dpconn *dp,
		  struct ws_hs_engine *hs);
/* After (re)connecting: fresh = the dataplane is a new instance (all its state is gone). */
void ws_sync_full(struct ws_sync *sync, bool fresh);
/* Reads per-peer counters and endpoints from the dataplane into the device; 0 or -errno. */
int ws_sync_stats(struct ws_sync *sync);

#endif
