/* SPDX-License-Identifier: BSD-3-Clause */
/* Device model -> dataplane, and counters back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
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

enum { DIRTY_SET = 1, DIRTY_AIPS = 2 };

/* true: noted for ws_sync_flush() (or, out of memory for the list, pushed at once) */
static bool defer(struct ws_sync *sync, const struct ws_peer *peer, uint8_t what)
{
	struct ws_peer *p = (struct ws_peer *)peer;

	if (!sync->deferring)
		return false;
	if (!p->dp_dirty) {
		if (sync->n_dirty == sync->cap_dirty) {
			size_t ncap = sync->cap_dirty ? sync->cap_dirty * 2 : 256;
			uint32_t *d = realloc(sync->dirty, ncap * sizeof(*d));
			if (!d)
				return false;
			sync->dirty = d;
			sync->cap_dirty = ncap;
		}
		sync->dirty[sync->n_dirty++] = p->id;
	}
	p->dp_dirty |= what;
	return true;
}

static void s_peer_set(void *ctx, const struct ws_peer *peer)
{
	struct ws_sync *sync = ctx;

	if (defer(sync, peer, DIRTY_SET))
		return;
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

	((struct ws_peer *)peer)->dp_dirty = 0; /* nothing of it to push any more */
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

	if (defer(sync, peer, DIRTY_AIPS))
		return;
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
	sync->adopted = sync->adopted_keypairs = sync->retired = 0;
	sync->deferring = 0;
	sync->dirty = NULL;
	sync->n_dirty = sync->cap_dirty = 0;
	dev->sink = (struct ws_device_sink){
		.ctx = sync,
		.iface = s_iface,
		.peer_set = s_peer_set,
		.peer_remove = s_peer_remove,
		.peer_aips = s_peer_aips,
	};
}

/* ---- full push, batched ---- */

enum {
	BODY_MAX = WS_IPC_MAX_MSG - sizeof(struct ws_ipc_hdr) - sizeof(struct ws_ipc_batch),
	PEER_BATCH = BODY_MAX / sizeof(struct ws_ipc_peer) < WS_IPC_BATCH_MAX
			     ? BODY_MAX / sizeof(struct ws_ipc_peer)
			     : WS_IPC_BATCH_MAX,
	AIP_BATCH = BODY_MAX / sizeof(struct ws_ipc_aip_item) < WS_IPC_BATCH_MAX
			    ? BODY_MAX / sizeof(struct ws_ipc_aip_item)
			    : WS_IPC_BATCH_MAX,
};

/* What the dataplane holds for a peer at the start of ws_sync_full() (ws_peer.dp_state). */
enum {
	DP_UNKNOWN = 0, /* maybe an older version of it: clear its allowed IPs first */
	DP_ABSENT = 1,  /* nothing: add */
	DP_ADOPTED = 2, /* this very peer (same id and key), read from the dump */
};

struct batcher {
	struct ws_dpconn *dp;
	uint8_t type;
	size_t item_size, max, n;
	int err;
	union {
		struct ws_ipc_batch b;
		uint8_t raw[WS_IPC_MAX_MSG - sizeof(struct ws_ipc_hdr)];
	} u;
};

static struct batcher batcher; /* 64 KiB: not on the stack */

static void batch_begin(struct batcher *b, struct ws_dpconn *dp, uint8_t type, size_t item_size,
			size_t max)
{
	b->dp = dp;
	b->type = type;
	b->item_size = item_size;
	b->max = max;
	b->n = 0;
	b->err = 0;
}

/* Without batch support (an older dataplane): the same items one request at a time. */
static int flush_single(struct batcher *b)
{
	const uint8_t *items = b->u.raw + sizeof(b->u.b);
	static union {
		struct ws_ipc_allowedips m;
		uint8_t raw[WS_IPC_MAX_MSG - sizeof(struct ws_ipc_hdr)];
	} a;
	enum { AIP_ROOM = (sizeof(a) - sizeof(a.m)) / sizeof(struct ws_ipc_prefix) };
	int rc;

	if (b->type == WS_IPC_PEER_SET_BATCH) {
		for (size_t i = 0; i < b->n; i++)
			if ((rc = ws_dpconn_request(b->dp, WS_IPC_PEER_SET,
						    items + i * b->item_size, b->item_size, NULL, 0,
						    NULL)) != 0)
				return rc;
		return 0;
	}
	/* consecutive items of one peer and op go together, as ALLOWEDIPS requests do */
	for (size_t i = 0; i < b->n;) {
		struct ws_ipc_aip_item it;
		size_t len;

		memcpy(&it, items + i * b->item_size, sizeof(it));
		memset(&a.m, 0, sizeof(a.m));
		a.m.peer_id = it.peer_id;
		a.m.op = it.op;
		i++;
		if (it.op != WS_IPC_AIP_CLEAR) {
			a.m.entries[a.m.count++] = it.prefix;
			while (i < b->n && a.m.count < AIP_ROOM) {
				struct ws_ipc_aip_item nx;

				memcpy(&nx, items + i * b->item_size, sizeof(nx));
				if (nx.peer_id != it.peer_id || nx.op != it.op)
					break;
				a.m.entries[a.m.count++] = nx.prefix;
				i++;
			}
		}
		len = sizeof(a.m) + a.m.count * sizeof(a.m.entries[0]);
		rc = ws_dpconn_request(b->dp, WS_IPC_ALLOWEDIPS, &a.m, len, NULL, 0, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static int batch_flush(struct batcher *b)
{
	struct ws_ipc_batch_reply r = { 0 };
	size_t rlen = 0;
	int rc;

	/* after a failure the rest is dropped (the failure is logged; a lost connection makes
	 * the next connect push everything again) */
	if (!b->n || b->err) {
		b->n = 0;
		return b->err;
	}
	if (b->dp->minor >= 1) {
		unsigned int timeout = b->dp->timeout_ms;

		b->u.b.count = (uint32_t)b->n;
		b->u.b.reserved = 0;
		/* thousands of table changes take the service lcore longer than one does */
		b->dp->timeout_ms = timeout + (unsigned int)b->n;
		rc = ws_dpconn_request(b->dp, b->type, &b->u, sizeof(b->u.b) + b->n * b->item_size,
				       &r, sizeof(r), &rlen);
		b->dp->timeout_ms = timeout;
		if (rc && rlen == sizeof(r))
			fprintf(stderr,
				"wirespeed-control: dataplane batch %u: item %u of %zu: %s "
				"(%u applied)\n",
				b->type, r.first_bad, b->n, strerror(-rc), r.done);
		else if (rc)
			fprintf(stderr, "wirespeed-control: dataplane batch %u of %zu items: %s\n",
				b->type, b->n, strerror(-rc));
	} else {
		rc = flush_single(b);
	}
	b->n = 0;
	b->err = rc;
	return rc;
}

static void *batch_slot(struct batcher *b)
{
	if (b->n == b->max)
		batch_flush(b);
	return b->u.raw + sizeof(b->u.b) + b->n++ * b->item_size;
}

static void peer_msg(struct ws_ipc_peer *m, const struct ws_peer *peer)
{
	memset(m, 0, sizeof(*m));
	m->peer_id = peer->id;
	m->persistent_keepalive = peer->persistent_keepalive;
	/* only an endpoint we know (see s_peer_set) */
	m->flags = peer->endpoint.ss.ss_family ? WS_IPC_PEER_F_ENDPOINT : 0;
	memcpy(m->public_key, peer->public_key, WS_KEY_LEN);
	ws_endpoint_to_ipc(&m->endpoint, &peer->endpoint);
}

static void aip_item(struct batcher *b, uint32_t peer_id, uint8_t op, const struct ws_prefix *pf)
{
	struct ws_ipc_aip_item it = { .peer_id = peer_id, .op = op };

	if (pf)
		ws_prefix_to_ipc(&it.prefix, pf);
	memcpy(batch_slot(b), &it, sizeof(it));
}

static void aips_full(struct batcher *b, const struct ws_peer *p, bool clear)
{
	if (clear)
		aip_item(b, p->id, WS_IPC_AIP_CLEAR, NULL);
	for (size_t i = 0; i < p->n_aips; i++)
		aip_item(b, p->id, WS_IPC_AIP_ADD, &p->aips[i]);
}

/*
 * Calls fn for every peer in the dataplane's dump, a page at a time. 0 or -errno.
 */
static int dump_walk(struct ws_sync *sync,
		     void (*fn)(struct ws_sync *, const struct ws_ipc_dump_peer *))
{
	static union {
		struct ws_ipc_dump_reply r;
		uint8_t raw[WS_IPC_MAX_MSG];
	} u;
	struct ws_ipc_page page = { .first = 0 };
	size_t len;
	int ret;

	page.max = (uint32_t)((sizeof(u) - sizeof(u.r) - 64) / sizeof(u.r.entries[0]));
	for (;;) {
		ret = ws_dpconn_request(sync->dp, WS_IPC_DUMP, &page, sizeof(page), &u, sizeof(u),
					&len);
		if (ret)
			return ret;
		if (len < sizeof(u.r) || u.r.count > (len - sizeof(u.r)) / sizeof(u.r.entries[0]))
			return -EPROTO;
		for (uint32_t i = 0; i < u.r.count; i++) {
			struct ws_ipc_dump_peer e;

			memcpy(&e, &u.r.entries[i], sizeof(e));
			fn(sync, &e);
		}
		if (u.r.next == WS_IPC_PEER_NONE || u.r.next <= page.first)
			return 0;
		page.first = u.r.next;
	}
}

static struct ws_peer *same_peer(struct ws_sync *sync, const struct ws_ipc_dump_peer *e)
{
	struct ws_peer *p = ws_device_peer_by_id(sync->dev, e->peer.peer_id);

	return p && !memcmp(p->public_key, e->peer.public_key, WS_KEY_LEN) ? p : NULL;
}

/*
 * A peer the dataplane already has under the same id and key keeps running as it is: its
 * endpoint (learned from the peer's packets, newer than any config), its counters (read back
 * by ws_sync_stats) and its keypairs. We cannot have their keys, but the dataplane can go on
 * using them until they expire, and asks for a rekey (WS_IPC_EV_REKEY_NEEDED) in time as it
 * does for any keypair; we only learn their indices (so no new handshake reuses one) and their
 * age, which gives `wg show` its latest handshake. Anything else there is not ours any more.
 */
static void adopt_one(struct ws_sync *sync, const struct ws_ipc_dump_peer *e)
{
	struct ws_peer *p = same_peer(sync, e);
	uint64_t youngest = UINT64_MAX;

	if (!p) {
		struct ws_ipc_peer_ref m = { .peer_id = e->peer.peer_id };

		/* a different key under an id of ours is replaced by our PEER_SET anyway */
		if (!ws_device_peer_by_id(sync->dev, e->peer.peer_id)) {
			ws_dpconn_request(sync->dp, WS_IPC_PEER_REMOVE, &m, sizeof(m), NULL, 0,
					  NULL);
			sync->retired++;
		}
		return;
	}
	p->dp_state = DP_ADOPTED;
	sync->adopted++;
	if (e->peer.endpoint.family)
		ws_endpoint_from_ipc(&p->endpoint, &e->peer.endpoint);
	for (uint32_t k = 0; k < e->n_keypairs && k < 3; k++) {
		const struct ws_ipc_dump_keypair *kp = &e->keypairs[k];

		ws_hs_adopt_keypair(sync->hs, p, kp->local_index);
		/* "next" is a responder keypair the peer has not used yet: no handshake done */
		if (kp->slot != 2 && kp->age_ns < youngest)
			youngest = kp->age_ns;
	}
	if (youngest != UINT64_MAX) {
		uint64_t wall = sync->hs->clock.wall_ns(sync->hs->clock.ctx);

		p->last_handshake_wall_ns = wall > youngest ? wall - youngest : 0;
		sync->adopted_keypairs += e->n_keypairs < 3 ? e->n_keypairs : 3;
	}
}

/* After our ADDs, an adopted peer holding more prefixes than ours had extra ones: redo it. */
static void verify_one(struct ws_sync *sync, const struct ws_ipc_dump_peer *e)
{
	struct ws_peer *p = same_peer(sync, e);

	if (p && p->dp_state == DP_ADOPTED && e->n_allowedips != p->n_aips)
		aips_full(&batcher, p, true);
}

void ws_sync_full(struct ws_sync *sync, bool fresh, const struct ws_ipc_hello_reply *hello)
{
	struct ws_device *dev = sync->dev;
	uint8_t state = DP_UNKNOWN;

	sync->adopted = sync->retired = sync->adopted_keypairs = 0;
	if (fresh)
		ws_hs_dataplane_reset(sync->hs);
	/* what the dump does not list, the dataplane does not have */
	if (fresh || hello)
		state = DP_ABSENT;
	for (uint32_t i = 0; i < dev->n_ids; i++)
		if (dev->peers[i])
			dev->peers[i]->dp_state = state;
	/*
	 * A dataplane that has peers: read what it has instead of assuming it is empty (this
	 * process restarted and the dataplane did not) or clearing every peer's allowed IPs
	 * (a reconnect: a CLEAR costs the dataplane a walk of its whole table).
	 */
	if (hello && hello->n_peers && dump_walk(sync, adopt_one) != 0)
		for (uint32_t i = 0; i < dev->n_ids; i++) /* unknown after all */
			if (dev->peers[i])
				dev->peers[i]->dp_state = DP_UNKNOWN;
	if (dev->sink.iface)
		dev->sink.iface(dev->sink.ctx, dev);

	batch_begin(&batcher, sync->dp, WS_IPC_PEER_SET_BATCH, sizeof(struct ws_ipc_peer),
		    PEER_BATCH);
	for (uint32_t i = 0; i < dev->n_ids; i++)
		if (dev->peers[i])
			peer_msg(batch_slot(&batcher), dev->peers[i]);
	batch_flush(&batcher);

	/*
	 * An adopted peer gets its prefixes added over the ones it has, never cleared first:
	 * ADD moves a prefix in one step, so its traffic never sees a gap.
	 */
	batch_begin(&batcher, sync->dp, WS_IPC_ALLOWEDIPS_BATCH, sizeof(struct ws_ipc_aip_item),
		    AIP_BATCH);
	for (uint32_t i = 0; i < dev->n_ids; i++)
		if (dev->peers[i])
			aips_full(&batcher, dev->peers[i], dev->peers[i]->dp_state == DP_UNKNOWN);
	batch_flush(&batcher);
	if (sync->adopted && !batcher.err) {
		dump_walk(sync, verify_one);
		batch_flush(&batcher);
	}
	ws_memzero(&batcher.u, sizeof(batcher.u));
}

void ws_sync_defer(struct ws_sync *sync)
{
	sync->deferring++;
}

void ws_sync_flush(struct ws_sync *sync)
{
	struct ws_device *dev = sync->dev;

	if (!sync->deferring || --sync->deferring)
		return;
	batch_begin(&batcher, sync->dp, WS_IPC_PEER_SET_BATCH, sizeof(struct ws_ipc_peer),
		    PEER_BATCH);
	for (size_t i = 0; i < sync->n_dirty; i++) {
		struct ws_peer *p = ws_device_peer_by_id(dev, sync->dirty[i]);
		if (p && (p->dp_dirty & DIRTY_SET))
			peer_msg(batch_slot(&batcher), p);
	}
	batch_flush(&batcher);
	batch_begin(&batcher, sync->dp, WS_IPC_ALLOWEDIPS_BATCH, sizeof(struct ws_ipc_aip_item),
		    AIP_BATCH);
	for (size_t i = 0; i < sync->n_dirty; i++) {
		struct ws_peer *p = ws_device_peer_by_id(dev, sync->dirty[i]);
		if (p && (p->dp_dirty & DIRTY_AIPS))
			aips_full(&batcher, p, true);
		if (p)
			p->dp_dirty = 0;
	}
	batch_flush(&batcher);
	sync->n_dirty = 0;
}

void ws_sync_destroy(struct ws_sync *sync)
{
	free(sync->dirty);
	sync->dirty = NULL;
	sync->n_dirty = sync->cap_dirty = 0;
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
