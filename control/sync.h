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
	/* the last ws_sync_full(): peers taken over from the dataplane's dump, keypairs of
	 * theirs kept, dataplane peers removed as no longer ours */
	uint32_t adopted, adopted_keypairs, retired;
};

/* Installs the sink on dev. */
void ws_sync_init(struct ws_sync *sync, struct ws_device *dev, struct ws_dpconn *dp,
		  struct ws_hs_engine *hs);
/*
 * After (re)connecting: fresh = a dataplane instance this process has not spoken to. If its
 * hello reports peers (this process restarted, the dataplane did not), they are read from its
 * dump first and those matching ours (same id and key) are adopted with their endpoints,
 * keypair indices and handshake times; the rest are removed. Then everything is pushed in
 * batches (one request per item on a dataplane without batch support).
 */
void ws_sync_full(struct ws_sync *sync, bool fresh, const struct ws_ipc_hello_reply *hello);
/* Reads per-peer counters and endpoints from the dataplane into the device; 0 or -errno. */
int ws_sync_stats(struct ws_sync *sync);

#endif
