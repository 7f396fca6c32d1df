/* SPDX-License-Identifier: BSD-3-Clause */
/* Device model -> dataplane, and counters back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sync.h"

static void s_iface(void *ctx, const struct ws_device *dev)
{
	struct ws_sync *sync = ctx;
	struct ws_ipc_iface m = { .listen_port = dev->listen_port };

	m.has_identity = dev->local.has_identity;
	if (dev->local.has_identity)
		memcpy(m.public_key, dev->local.public_key, WS_KEY_LEN);
	ws_dpconn_request(sync->dp, WS_IPC_IFACE_SET, &m, sizeof(m), NULL, 0, NULL);
}

static void s_peer_set(void *ctx, const struct ws_peer *peer)
{
	struct ws_sync *sync = ctx;
	/*
	 * Only an endpoint we know is pushed: "none" would wipe the one the dataplane learned from
	 * the peer's packets, e.g. when a restarted control process pushes its config again, and
	 * replies would be dropped until the peer sends again. (UAPI cannot clear an endpoint.)
	 */
	struct ws_ipc_peer m = {
		.peer_id = peer->id,
		.persistent_keepalive = peer->persistent_keepalive,
		.flags = peer->endpoint.ss.ss_family ? WS_IPC_PEER_F_ENDPOINT : 0,
	};

	memcpy(m.public_key, peer->public_key, WS_KEY_LEN);
	ws_endpoint_to_ipc(&m.endpoint, &peer->endpoint);
	ws_dpconn_request(sync->dp, WS_IPC_PEER_SET, &m, sizeof(m), NULL, 0, NULL);
}

static void s_peer_remove(void *ctx, const struct ws_peer *peer)
{
	struct ws_sync *sync = ctx;
	struct ws_ipc_peer_ref m = { .peer_id = peer->id };

	ws_hs_peer_removed(sync->hs, (struct ws_peer *)peer);
	ws_dpconn_request(sync->dp, WS_IPC_PEER_REMOVE, &m, sizeof(m), NULL, 0, NULL);
}

enum { AIP_CHUNK = (WS_IPC_MAX_MSG - 256) / sizeof(struct ws_ipc_prefix) };

static void s_peer_aips(void *ctx, const struct ws_peer *peer)
{
	struct ws_sync *sync = ctx;
	static union {
		struct ws_ipc_allowedips m;
		uint8_t raw[WS_IPC_MAX_MSG - sizeof(struct ws_ipc_hdr)];
	} u;

	memset(&u.m, 0, sizeof(u.m));
	u.m.peer_id = peer->id;
	u.m.op = WS_IPC_AIP_CLEAR;
	if (ws_dpconn_request(sync->dp, WS_IPC_ALLOWEDIPS, &u.m, sizeof(u.m), NULL, 0, NULL) != 0)
		return;
	for (size_t done = 0; done < peer->n_aips;) {
		size_t n = peer->n_aips - done < AIP_CHUNK ? peer->n_aips - done : AIP_CHUNK;
		u.m.op = WS_IPC_AIP_ADD;
		u.m.count = (uint32_t)n;
		for (size_t i = 0; i < n; i++)
			ws_prefix_to_ipc(&u.m.entries[i], &peer->aips[done + i]);
		if (ws_dpconn_request(sync->dp, WS_IPC_ALLOWEDIPS, &u.m,
				  sizeof(u.m) + n * sizeof(u.m.entries[0]), NULL, 0, NULL) != 0)
			return;
		done += n;
	}
}

void ws_sync_init(struct ws_sync *sync, struct ws_device *dev, struct ws_dpconn *dp,
		  struct ws_hs_engine *hs)
{
	sync->dev = dev;
	sync->dp = dp;
	sync->hs = hs;
	dev->sink = (struct ws_device_sink){
		.ctx = sync,
		.iface = s_iface,
		.peer_set = s_peer_set,
		.peer_remove = s_peer_remove,
		.peer_aips = s_peer_aips,
	};
}

/*
 * After a reconnect to the same dataplane instance the tables there are still right unless we
 * changed something while disconnected; pushing everything again is idempotent, so both cases
 * are handled alike. A new instance also means every keypair index it held is gone.
 */
void ws_sync_full(struct ws_sync *sync, bool fresh)
{
	if (fresh)
		ws_hs_dataplane_reset(sync->hs);
	ws_device_push_all(sync->dev);
}

int ws_sync_stats(struct ws_sync *sync)
{
	static union {
		struct ws_ipc_stats_reply r;
		uint8_t raw[WS_IPC_MAX_MSG];
	} u;
	struct ws_ipc_page page = { .first = 0 };
	size_t len;
	int ret;

	page.max = (uint32_t)((sizeof(u) - sizeof(u.r) - 64) / sizeof(u.r.entries[0]));
	for (;;) {
		ret = ws_dpconn_request(sync->dp, WS_IPC_STATS, &page, sizeof(page), &u, sizeof(u),
				    &len);
		if (ret)
			return ret;
		if (len < sizeof(u.r) || u.r.count > (len - sizeof(u.r)) / sizeof(u.r.entries[0]))
			return -EPROTO;
		for (uint32_t i = 0; i < u.r.count; i++) {
			const struct ws_ipc_peer_stats *st = &u.r.entries[i];
			struct ws_peer *p = ws_device_peer_by_id(sync->dev, st->peer_id);
			if (!p)
				continue;
			p->rx_bytes = st->rx_bytes;
			p->tx_bytes = st->tx_bytes;
			if (st->endpoint.family)
				ws_endpoint_from_ipc(&p->endpoint, &st->endpoint);
		}
		if (u.r.next == WS_IPC_PEER_NONE || u.r.next <= page.first)
			return 0;
		page.first = u.r.next;
	}
}
