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
	/* ws_sync_defer(): peer ids with changes to push at ws_sync_flush() */
	unsigned int deferring;
	uint32_t *dirty;
	size_t n_dirty, cap_dirty;
};

/* Installs the sink on dev. */
void ws_sync_init(struct ws_sync *sync, struct ws_device *dev, struct ws_dpconn *dp,
		  struct ws_hs_engine *hs);
/*
 * After (re)connecting: fresh = a dataplane instance this process has not spoken to. If its
 * hello reports peers (this process restarted and the dataplane did not, or a reconnect), they
 * are read from its dump first and those matching ours (same id and key) are adopted with
 * their endpoints, keypair indices and handshake times, their allowed IPs re-added without a
 * CLEAR; the rest are removed. Then everything is pushed in batches (one request per item on
 * a dataplane without batch support).
 */
void ws_sync_full(struct ws_sync *sync, bool fresh, const struct ws_ipc_hello_reply *hello);
/*
 * Between ws_sync_defer() and ws_sync_flush() peer and allowed-ips changes are only noted and
 * then pushed together in batches (one JSON-RPC batch or `wg setconf` of many peers costs a few
 * requests instead of three per peer). Removals still go at once: a removed peer's id may be
 * reused by a later change, which the flush pushes as it is then. Nests.
 */
void ws_sync_defer(struct ws_sync *sync);
void ws_sync_flush(struct ws_sync *sync);
void ws_sync_destroy(struct ws_sync *sync);
/* Reads per-peer counters and endpoints from the dataplane into the device; 0 or -errno. */
int ws_sync_stats(struct ws_sync *sync);

#endif
