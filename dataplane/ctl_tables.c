/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control requests that read or change the fast-path tables (service lcore only). Every
 * message is checked against its type's exact size (allowed-ips: header plus count entries),
 * every peer id against the table, every family and prefix length; anything else is -EINVAL.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl.h"
#include "encap.h"
#include "messages.h"
#include "stages.h"
#include "tables.h"

static uint8_t out[WS_IPC_MAX_MSG - sizeof(struct ws_ipc_hdr)] __attribute__((aligned(8)));

static int handshake_send(const struct ws_ipc_handshake *m)
{
	struct ws_dp_lcore_counters *cnt = &ws_dp_counters[rte_lcore_id()];
	struct ws_dp_peer *p = NULL;
	struct ws_dp_endpoint ep;
	struct rte_mbuf *mb;
	uint8_t *dst;

	if (m->len < 4 || m->len > WS_IPC_HANDSHAKE_MAX)
		return -EINVAL;
	if (m->addr.family != 0 && m->addr.family != AF_INET && m->addr.family != AF_INET6)
		return -EINVAL;
	if (m->peer_id != WS_IPC_PEER_NONE) {
		p = ws_dp_peer_get(m->peer_id);
		if (!p)
			return -EINVAL;
		if (!p->live) {
			if (!m->addr.family)
				return -ENOENT;
			p = NULL; /* an explicit address needs no peer */
		}
	}
	if (m->addr.family == 0) {
		if (!p)
			return -EINVAL;
		ws_dp_peer_endpoint(p, &ep);
		if (!ep.addr.family)
			return -EHOSTUNREACH;
	} else {
		memset(&ep, 0, sizeof(ep));
		ep.addr = m->addr;
		ep.have_mac = ws_dp_neigh_resolve(&ep.addr, &ep.mac) == 0;
	}
	if (!ep.have_mac && ws_dp_neigh_resolve(&ep.addr, &ep.mac) == 0)
		ep.have_mac = true;
	if (!ep.have_mac) {
		ws_dp_neigh_solicit(&ep.addr);
		return -EHOSTUNREACH;
	}
	mb = rte_pktmbuf_alloc(ws_dp_mempool_for(&ws_dp, 0));
	if (!mb) {
		ws_dp_cnt_add(cnt, WS_DP_CNT_DROP_NO_MBUF, 1);
		return -ENOBUFS;
	}
	/* a complete frame: the private area keeps the last user's kind (a recycled PLAIN mbuf
	 * would be encrypted as data to that packet's peer) */
	ws_dp_priv(mb)->kind = WS_DP_MK_RAW;
	dst = (uint8_t *)rte_pktmbuf_append(mb, m->len);
	if (!dst) {
		rte_pktmbuf_free(mb);
		return -ENOBUFS;
	}
	memcpy(dst, m->packet, m->len);
	if (ws_dp_encap(mb, &ep)) {
		rte_pktmbuf_free(mb);
		return -EAFNOSUPPORT; /* no WAN address of that family */
	}
	if (ws_dp_service_send(mb))
		return -ENOBUFS;
	ws_dp_cnt_add(cnt, WS_DP_CNT_HANDSHAKE_SENT, 1);
	if (p)
		ws_dp_time_store(&p->last_tx_ns, ws_dp_now());
	return 0;
}

static void stats_reply(struct ws_dp_ctl *c, const struct ws_ipc_hdr *h, const struct ws_ipc_page *pg)
{
	struct ws_ipc_stats_reply *r = (void *)out;
	const uint32_t room = (sizeof(out) - sizeof(*r)) / sizeof(r->entries[0]);
	const uint32_t max = RTE_MIN(pg->max, room);
	const uint64_t now = ws_dp_now();
	uint32_t id;

	memset(r, 0, sizeof(*r));
	r->next = WS_IPC_PEER_NONE;
	for (id = pg->first; id < ws_dp_tables.max_peers; id++) {
		struct ws_dp_peer *p = &ws_dp_tables.peers[id];
		struct ws_ipc_peer_stats *e;
		uint64_t last;

		if (!p->live)
			continue;
		if (r->count == max) {
			r->next = id;
			break;
		}
		e = &r->entries[r->count++];
		memset(e, 0, sizeof(*e));
		e->peer_id = id;
		e->rx_bytes = __atomic_load_n(&p->rx_bytes, __ATOMIC_RELAXED);
		e->tx_bytes = __atomic_load_n(&p->tx_bytes, __ATOMIC_RELAXED);
		e->rx_packets = __atomic_load_n(&p->rx_packets, __ATOMIC_RELAXED);
		e->tx_packets = __atomic_load_n(&p->tx_packets, __ATOMIC_RELAXED);
		last = __atomic_load_n(&p->last_rx_ns, __ATOMIC_RELAXED);
		/* in real nanoseconds: the control process scales its own clock */
		e->last_rx_age_ns = last ? (now - RTE_MIN(last, now)) / ws_dp_tables.time_scale
					 : UINT64_MAX;
		{
			struct ws_dp_endpoint ep;

			ws_dp_peer_endpoint(p, &ep);
			e->endpoint = ep.addr;
		}
	}
	ws_dp_ctl_reply(c, h, 0, r, sizeof(*r) + r->count * sizeof(r->entries[0]));
}

static void dump_reply(struct ws_dp_ctl *c, const struct ws_ipc_hdr *h, const struct ws_ipc_page *pg)
{
	struct ws_ipc_dump_reply *r = (void *)out;
	const uint32_t room = (sizeof(out) - sizeof(*r)) / sizeof(r->entries[0]);
	const uint32_t max = RTE_MIN(pg->max, room);
	const uint64_t now = ws_dp_now();
	static const uint8_t slot_code[WS_DP_KP_SLOTS] = {0, 1, 2};

	memset(r, 0, sizeof(*r));
	r->next = WS_IPC_PEER_NONE;
	for (uint32_t id = pg->first; id < ws_dp_tables.max_peers; id++) {
		struct ws_dp_peer *p = &ws_dp_tables.peers[id];
		struct ws_ipc_dump_peer *e;

		if (!p->live)
			continue;
		if (r->count == max) {
			r->next = id;
			break;
		}
		e = &r->entries[r->count++];
		memset(e, 0, sizeof(*e));
		e->peer.peer_id = id;
		e->peer.persistent_keepalive = p->persistent_keepalive;
		e->peer.flags = WS_IPC_PEER_F_ENDPOINT;
		memcpy(e->peer.public_key, p->public_key, sizeof(p->public_key));
		{
			struct ws_dp_endpoint ep;

			ws_dp_peer_endpoint(p, &ep);
			e->peer.endpoint = ep.addr;
		}
		e->n_allowedips = p->n_allowedips;
		for (unsigned int s = 0; s < WS_DP_KP_SLOTS; s++) {
			const struct ws_dp_keypair *kp = p->kp[s];
			struct ws_ipc_dump_keypair *k;

			if (!kp)
				continue;
			k = &e->keypairs[e->n_keypairs++];
			k->local_index = kp->local_index;
			k->remote_index = kp->remote_index;
			k->age_ns = (now - kp->birth_ns) / ws_dp_tables.time_scale;
			k->initiator = kp->initiator;
			k->slot = slot_code[s];
		}
	}
	ws_dp_ctl_reply(c, h, 0, r, sizeof(*r) + r->count * sizeof(r->entries[0]));
}

static void aip_dump_reply(struct ws_dp_ctl *c, const struct ws_ipc_hdr *h,
			   const struct ws_ipc_page *pg)
{
	struct ws_ipc_allowedips *r = (void *)out;
	const uint32_t room = (sizeof(out) - sizeof(*r)) / sizeof(r->entries[0]);
	struct ws_dp_peer *p = ws_dp_peer_get(pg->first);

	if (!p) {
		ws_dp_ctl_reply(c, h, -EINVAL, NULL, 0);
		return;
	}
	if (!p->live) {
		ws_dp_ctl_reply(c, h, -ENOENT, NULL, 0);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->peer_id = pg->first;
	r->op = WS_IPC_AIP_ADD;
	r->count = ws_dp_allowedips_list(pg->first, r->entries, RTE_MIN(pg->max, room));
	ws_dp_ctl_reply(c, h, 0, r, sizeof(*r) + r->count * sizeof(r->entries[0]));
}

/*
 * Batches (ipc.h): the same checks the single requests make, all of them before anything is
 * applied, then the single requests' apply functions item by item.
 */
static int batch_count(const uint8_t *body, size_t len, size_t item_size, uint32_t *count)
{
	struct ws_ipc_batch b;

	if (len < sizeof(b))
		return -EINVAL;
	memcpy(&b, body, sizeof(b));
	if (b.count == 0 || b.count > WS_IPC_BATCH_MAX ||
	    len != sizeof(b) + (size_t)b.count * item_size)
		return -EINVAL;
	*count = b.count;
	return 0;
}

static void batch_reply(struct ws_dp_ctl *c, const struct ws_ipc_hdr *h, int rc, uint32_t done,
			uint32_t bad)
{
	struct ws_ipc_batch_reply r = {.done = done, .first_bad = rc ? bad : 0};

	ws_dp_ctl_reply(c, h, rc, &r, sizeof(r));
}

static int peer_check(const struct ws_ipc_peer *m)
{
	const uint8_t fam = m->endpoint.family;

	if (!ws_dp_peer_get(m->peer_id) || (m->flags & ~WS_IPC_PEER_F_ENDPOINT) ||
	    ((m->flags & WS_IPC_PEER_F_ENDPOINT) && fam != 0 && fam != AF_INET &&
	     fam != AF_INET6))
		return -EINVAL;
	return 0;
}

static void peer_set_batch(struct ws_dp_ctl *c, const struct ws_ipc_hdr *h, const uint8_t *body,
			   size_t len)
{
	const uint8_t *items = body + sizeof(struct ws_ipc_batch);
	struct ws_ipc_peer m;
	uint32_t n, i;
	int rc;

	if (batch_count(body, len, sizeof(m), &n)) {
		batch_reply(c, h, -EINVAL, 0, 0);
		return;
	}
	for (i = 0; i < n; i++) {
		memcpy(&m, items + (size_t)i * sizeof(m), sizeof(m));
		if ((rc = peer_check(&m)) != 0) {
			batch_reply(c, h, rc, 0, i);
			return;
		}
	}
	for (i = 0; i < n; i++) {
		memcpy(&m, items + (size_t)i * sizeof(m), sizeof(m));
		if ((rc = ws_dp_peer_set(&m)) != 0)
			break;
		if (m.persistent_keepalive)
			ws_dp_timers_arm(m.peer_id);
	}
	batch_reply(c, h, i < n ? rc : 0, i, i);
}

static int aip_check(const struct ws_ipc_aip_item *it)
{
	static const uint8_t zero[sizeof(it->prefix)];
	const struct ws_dp_peer *p = ws_dp_peer_get(it->peer_id);
	const struct ws_ipc_prefix *e = &it->prefix;

	if (!p)
		return -EINVAL;
	switch (it->op) {
	case WS_IPC_AIP_CLEAR:
		return memcmp(e, zero, sizeof(zero)) ? -EINVAL : 0;
	case WS_IPC_AIP_ADD:
	case WS_IPC_AIP_DEL:
		if (!((e->family == AF_INET && e->cidr <= 32) ||
		      (e->family == AF_INET6 && e->cidr <= 128)))
			return -EINVAL;
		return it->op == WS_IPC_AIP_ADD && !p->live ? -ENOENT : 0;
	default:
		return -EINVAL;
	}
}

static void aip_batch(struct ws_dp_ctl *c, const struct ws_ipc_hdr *h, const uint8_t *body,
		      size_t len)
{
	const uint8_t *items = body + sizeof(struct ws_ipc_batch);
	struct ws_ipc_aip_item it;
	uint32_t n, i;
	int rc = 0;

	if (batch_count(body, len, sizeof(it), &n)) {
		batch_reply(c, h, -EINVAL, 0, 0);
		return;
	}
	for (i = 0; i < n; i++) {
		memcpy(&it, items + (size_t)i * sizeof(it), sizeof(it));
		if ((rc = aip_check(&it)) != 0) {
			batch_reply(c, h, rc, 0, i);
			return;
		}
	}
	/* one publication and one grace period for the whole batch (tables.c) */
	ws_dp_allowedips_begin();
	for (i = 0; i < n; i++) {
		memcpy(&it, items + (size_t)i * sizeof(it), sizeof(it));
		if (it.op == WS_IPC_AIP_CLEAR)
			rc = ws_dp_allowedips(it.peer_id, it.op, NULL, 0);
		else
			rc = ws_dp_allowedips(it.peer_id, it.op, &it.prefix, 1);
		if (rc)
			break;
	}
	ws_dp_allowedips_commit();
	batch_reply(c, h, rc, i, i);
}

bool ws_dp_ctl_tables(struct ws_dp_ctl *c, const struct ws_ipc_hdr *h, uint8_t *body, size_t len)
{
	int rc = -EINVAL;

	switch (h->type) {
	case WS_IPC_PEER_SET: {
		struct ws_ipc_peer m;

		if (len == sizeof(m)) {
			memcpy(&m, body, sizeof(m));
			rc = ws_dp_peer_set(&m);
			if (rc == 0 && m.persistent_keepalive)
				ws_dp_timers_arm(m.peer_id);
		}
		break;
	}
	case WS_IPC_PEER_REMOVE: {
		struct ws_ipc_peer_ref m;

		if (len == sizeof(m)) {
			memcpy(&m, body, sizeof(m));
			rc = ws_dp_peer_remove(m.peer_id);
		}
		break;
	}
	case WS_IPC_ALLOWEDIPS: {
		struct ws_ipc_allowedips m;

		if (len < sizeof(m))
			break;
		memcpy(&m, body, sizeof(m));
		if (m.count > (len - sizeof(m)) / sizeof(struct ws_ipc_prefix) ||
		    len != sizeof(m) + (size_t)m.count * sizeof(struct ws_ipc_prefix))
			break;
		rc = ws_dp_allowedips(m.peer_id, m.op,
				      (const struct ws_ipc_prefix *)(body + sizeof(m)), m.count);
		break;
	}
	case WS_IPC_KEYPAIR_ADD: {
		struct ws_ipc_keypair m;

		if (len == sizeof(m)) {
			memcpy(&m, body, sizeof(m));
			rc = ws_dp_keypair_add(&m);
			if (rc == 0)
				ws_dp_service_keypair_added(m.peer_id);
			explicit_bzero(&m, sizeof(m));
		}
		explicit_bzero(body, len);
		break;
	}
	case WS_IPC_PEER_SET_BATCH:
		peer_set_batch(c, h, body, len);
		return true;
	case WS_IPC_ALLOWEDIPS_BATCH:
		aip_batch(c, h, body, len);
		return true;
	case WS_IPC_HANDSHAKE_SEND: {
		struct ws_ipc_handshake m;

		if (len == sizeof(m)) {
			memcpy(&m, body, sizeof(m));
			rc = handshake_send(&m);
		}
		break;
	}
	case WS_IPC_STATS:
	case WS_IPC_DUMP:
	case WS_IPC_ALLOWEDIPS_DUMP: {
		struct ws_ipc_page pg;

		if (len != sizeof(pg))
			break;
		memcpy(&pg, body, sizeof(pg));
		if (h->type == WS_IPC_STATS)
			stats_reply(c, h, &pg);
		else if (h->type == WS_IPC_DUMP)
			dump_reply(c, h, &pg);
		else
			aip_dump_reply(c, h, &pg);
		return true;
	}
	default:
		return false;
	}
	ws_dp_ctl_reply(c, h, rc, NULL, 0);
	return true;
}
