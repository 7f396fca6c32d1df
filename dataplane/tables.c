/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fast-path tables (see tables.h for the concurrency rules): creation, and every update, which
 * only the service lcore makes. Keypairs leave in two steps: unpublished (slot cleared, hash
 * entry deleted) at once, zeroed and freed after an RCU grace period, when EV_KEYPAIR_FREED
 * tells the control process their index may be reused.
 */
#include "tables.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rib.h>
#include <rte_rib6.h>

#include "dataplane.h"
#include "messages.h"

struct ws_dp_tables ws_dp_tables;

bool ws_dp_kp_expired(const struct ws_dp_keypair *kp, uint64_t now)
{
	return now - kp->birth_ns >= (uint64_t)WS_REJECT_AFTER_TIME * WS_NSEC_PER_SEC ||
	       __atomic_load_n(&kp->send_counter, __ATOMIC_RELAXED) >= WS_REJECT_AFTER_MESSAGES;
}

/*
 * EAL memory of the allowed-ips tables, both copies. A RIB (rte_fib and rte_rib6 size their
 * node mempool at 2 x maxAllowedIps nodes; about 128 bytes a node with the mempool's header
 * and alignment) per copy and family, except with lpm6: one, the writer's view. DIR24_8 and
 * lpm6 add a 2^24-entry first level and tbl8 groups of 256 entries, 4-byte entries; lpm6
 * also a rule hash (about 64 bytes a rule; measured by ws-bench-tables).
 */
static uint32_t num_tbl8(const struct ws_dp_config *cfg)
{
	return RTE_MIN(cfg->tables.max_allowed_ips, 1u << 15);
}

/*
 * A /128 below /24 needs a tbl8 group per byte where it parts from every other prefix: one
 * prefix alone takes 13, but prefixes allocated from a common prefix share them (1M
 * sequential /128s of one /64 take about 4,100 groups, 1M /64s of one /44 about 4,000).
 * One group per 8 prefixes covers any such allocation with a wide margin and costs 128 bytes
 * a prefix; scattered /128s (say, random host parts) run out of groups before maxAllowedIps
 * and are refused (ENOSPC): tables.fib rib holds those.
 */
static uint32_t num_tbl8_6(const struct ws_dp_config *cfg)
{
	return RTE_MIN(cfg->tables.max_allowed_ips / 8 + 256, 1u << 21);
}

uint64_t ws_dp_allowedips_mem(const struct ws_dp_config *cfg, enum ws_dp_fib_kind kind)
{
	const uint64_t rib = 2ull * cfg->tables.max_allowed_ips * 128;
	uint64_t fib4, lpm6;

	if (kind != WS_DP_FIB_DIR24_8)
		return 2 /* copies */ * 2 /* families */ * rib;
	fib4 = rib + (4ull << 24) + (uint64_t)(num_tbl8(cfg) + 1) * 1024;
	/* tbl8 groups with their pool and header entries; the rule hash */
	lpm6 = (4ull << 24) + (uint64_t)num_tbl8_6(cfg) * (1024 + 12) +
	       64ull * cfg->tables.max_allowed_ips;
	return 2 /* copies */ * (fib4 + lpm6) + rib /* the one RIB beside the lpm6 copies */;
}

enum ws_dp_fib_kind ws_dp_tables_fib_kind(const struct ws_dp_config *cfg)
{
	const uint64_t mb = 1ull << 20;
	uint64_t need;

	if (cfg->tables.fib != WS_DP_FIB_AUTO)
		return cfg->tables.fib;
	/*
	 * dir24_8 when the EAL memory holds both copies of it, the mbufs (one pool; mbuf,
	 * headers and private area about mbufSize + 256) and 256 MB for the rest: the keypair
	 * hash, rings, the EAL's own. With the defaults that is about 670 MB.
	 */
	need = ws_dp_allowedips_mem(cfg, WS_DP_FIB_DIR24_8) +
	       (uint64_t)cfg->mempool.mbufs * (cfg->mempool.mbuf_size + 256) + 256 * mb;
	return (uint64_t)cfg->eal.memory_mb * mb >= need ? WS_DP_FIB_DIR24_8 : WS_DP_FIB_RIB;
}

int ws_dp_tables_create(const struct ws_dp_config *cfg, unsigned int time_scale, char *err,
			size_t errlen)
{
	struct ws_dp_tables *t = &ws_dp_tables;
	const int socket = (int)rte_socket_id();
	const bool fast = ws_dp_tables_fib_kind(cfg) == WS_DP_FIB_DIR24_8;
	uint32_t n_kp = RTE_MAX(1024u, 4 * cfg->tables.max_peers);
	struct rte_hash_parameters hp = {
		.name = "ws_keypairs",
		.entries = n_kp,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* lock-free readers; deleted slots are freed by us after the grace period */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_NO_FREE_ON_DEL,
	};
	struct rte_hash_parameters np = {
		.name = "ws_neigh",
		.entries = 4096,
		.key_len = sizeof(struct ws_dp_neigh_key),
		.hash_func = ws_dp_neigh_key_hash,
		.socket_id = socket,
	};
	struct rte_fib_conf f4 = {
		.type = fast ? RTE_FIB_DIR24_8 : RTE_FIB_DUMMY,
		.default_nh = WS_DP_NH_NONE,
		.max_routes = (int)cfg->tables.max_allowed_ips,
	};
	struct rte_fib6_conf f6 = {
		.type = RTE_FIB6_DUMMY,
		.default_nh = WS_DP_NH_NONE,
		.max_routes = (int)cfg->tables.max_allowed_ips,
	};
	struct rte_lpm6_config l6 = {
		.max_rules = cfg->tables.max_allowed_ips,
		.number_tbl8s = num_tbl8_6(cfg),
	};
	struct rte_rib6_conf r6 = {.max_nodes = (int)(2 * cfg->tables.max_allowed_ips)};
	size_t sz;

	memset(t, 0, sizeof(*t));
	t->max_peers = cfg->tables.max_peers;
	t->time_scale = time_scale ? time_scale : 1;
	t->tsc_hz = rte_get_tsc_hz();
	t->tsc0 = rte_get_tsc_cycles();
	t->ns_per_tsc = 1e9 / (double)t->tsc_hz * t->time_scale;
	if (fast) {
		/* the next hop must fit beside the table's "extended" bit: 4-byte entries */
		f4.default_nh = (1u << 31) - 1;
		f4.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
		f4.dir24_8.num_tbl8 = num_tbl8(cfg);
	}
	/* plain memory: the peer array is large and never shared with another process */
	sz = sizeof(struct ws_dp_peer) * t->max_peers;
	t->peers = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sz, RTE_CACHE_LINE_SIZE));
	if (!t->peers) {
		snprintf(err, errlen, "tables: no memory for %u peers", t->max_peers);
		return -1;
	}
	memset(t->peers, 0, sz);
	for (uint32_t i = 0; i < t->max_peers; i++) {
		rte_seqlock_init(&t->peers[i].ep_lock);
		rte_timer_init(&t->peers[i].timer);
	}
	sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	t->rcu = rte_zmalloc_socket("ws_rcu", sz, RTE_CACHE_LINE_SIZE, socket);
	if (!t->rcu || rte_rcu_qsbr_init(t->rcu, RTE_MAX_LCORE)) {
		snprintf(err, errlen, "tables: cannot create the RCU variable");
		return -1;
	}
	t->keypairs = rte_hash_create(&hp);
	t->neigh = rte_hash_create(&np);
	if (!t->keypairs || !t->neigh) {
		snprintf(err, errlen, "tables: cannot create the hash tables: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	for (unsigned int c = 0; c < 2; c++) {
		char n4[32], n6[32];

		snprintf(n4, sizeof(n4), "ws_aip4_%u", c);
		snprintf(n6, sizeof(n6), "ws_aip6_%u", c);
		t->fib4_copy[c] = rte_fib_create(n4, socket, &f4);
		t->lpm6_copy[c].default_nh = WS_DP_NH_NONE;
		if (fast)
			t->lpm6_copy[c].lpm = rte_lpm6_create(n6, socket, &l6);
		else
			t->fib6_copy[c] = rte_fib6_create(n6, socket, &f6);
		if (fast && c == 0)
			t->rib6 = rte_rib6_create("ws_aip6_rib", socket, &r6);
		if (!t->fib4_copy[c] ||
		    !(fast ? t->lpm6_copy[c].lpm && t->rib6 : !!t->fib6_copy[c])) {
			snprintf(err, errlen,
				 "tables: cannot create the allowed-ips tables (%s, %u prefixes, "
				 "two copies: about %" PRIu64 " MB): %s (dataplane.tables.fib: rib "
				 "needs about %" PRIu64 " MB; or raise dataplane.eal.memoryMB)",
				 fast ? "dir24_8" : "rib", cfg->tables.max_allowed_ips,
				 ws_dp_allowedips_mem(cfg, fast ? WS_DP_FIB_DIR24_8 : WS_DP_FIB_RIB) >> 20,
				 rte_strerror(rte_errno),
				 ws_dp_allowedips_mem(cfg, WS_DP_FIB_RIB) >> 20);
			return -1;
		}
	}
	RTE_LOG(INFO, USER1,
		"tables: %u peers, %u allowed-ips in %s (two copies, about %" PRIu64 " MB)\n",
		cfg->tables.max_peers, cfg->tables.max_allowed_ips,
		fast ? "DIR24_8 (IPv4) + lpm6 (IPv6)" : "RIB",
		ws_dp_allowedips_mem(cfg, fast ? WS_DP_FIB_DIR24_8 : WS_DP_FIB_RIB) >> 20);
	t->aip_pub = 0;
	t->fib4 = t->fib4_copy[0];
	t->fib6 = t->fib6_copy[0];
	t->lpm6 = fast ? &t->lpm6_copy[0] : NULL;
	return 0;
}

static void kp_free(struct ws_dp_keypair *kp)
{
	explicit_bzero(kp, sizeof(*kp));
	free(kp);
}

void ws_dp_tables_destroy(void)
{
	struct ws_dp_tables *t = &ws_dp_tables;

	if (t->peers) {
		for (uint32_t i = 0; i < t->max_peers; i++) {
			/* the tables go as a whole: no per-peer walk of every prefix (quadratic) */
			t->peers[i].n_allowedips = 0;
			if (t->peers[i].live)
				ws_dp_peer_remove(i);
		}
	}
	ws_dp_tables_reclaim(true);
	for (unsigned int c = 0; c < 2; c++) {
		rte_fib_free(t->fib4_copy[c]);
		rte_fib6_free(t->fib6_copy[c]);
		rte_lpm6_free(t->lpm6_copy[c].lpm);
	}
	rte_rib6_free(t->rib6);
	free(t->aip_log);
	rte_hash_free(t->keypairs);
	rte_hash_free(t->neigh);
	rte_free(t->rcu);
	free(t->peers);
	memset(t, 0, sizeof(*t));
}

void ws_dp_tables_reader_online(unsigned int lcore)
{
	rte_rcu_qsbr_thread_register(ws_dp_tables.rcu, lcore);
	rte_rcu_qsbr_thread_online(ws_dp_tables.rcu, lcore);
}

void ws_dp_tables_reader_offline(unsigned int lcore)
{
	rte_rcu_qsbr_thread_offline(ws_dp_tables.rcu, lcore);
	rte_rcu_qsbr_thread_unregister(ws_dp_tables.rcu, lcore);
}

static struct ws_dp_lcore_counters *svc_cnt(void)
{
	return &ws_dp_counters[rte_lcore_id() < RTE_MAX_LCORE ? rte_lcore_id() : 0];
}

/* ---- keypairs ---- */

static void kp_retire(struct ws_dp_keypair *kp)
{
	struct ws_dp_tables *t = &ws_dp_tables;
	int32_t pos = rte_hash_del_key(t->keypairs, &kp->local_index);

	kp->hash_pos = pos;
	kp->rcu_token = rte_rcu_qsbr_start(t->rcu);
	kp->retired_next = t->retired;
	t->retired = kp;
	t->n_keypairs--;
}

void ws_dp_keypair_drop(struct ws_dp_peer *p, unsigned int slot)
{
	struct ws_dp_keypair *kp = p->kp[slot];

	if (!kp)
		return;
	__atomic_store_n(&p->kp[slot], NULL, __ATOMIC_RELEASE);
	kp_retire(kp);
}

void ws_dp_tables_reclaim(bool wait)
{
	struct ws_dp_tables *t = &ws_dp_tables;
	struct ws_dp_keypair **pp = &t->retired, *kp;

	while ((kp = *pp) != NULL) {
		if (rte_rcu_qsbr_check(t->rcu, kp->rcu_token, wait) != 1) {
			pp = &kp->retired_next;
			continue;
		}
		*pp = kp->retired_next;
		if (kp->hash_pos >= 0)
			rte_hash_free_key_with_position(t->keypairs, kp->hash_pos);
		if (ws_dp.ctl.listen_fd >= 0 || ws_dp.ctl.fd >= 0) {
			struct ws_ipc_keypair_ref ev = {.peer_id = kp->peer_id,
							.local_index = kp->local_index};

			ws_dp_ctl_event(&ws_dp.ctl, WS_IPC_EV_KEYPAIR_FREED, &ev, sizeof(ev));
		}
		ws_dp_cnt_add(svc_cnt(), WS_DP_CNT_EV_KEYPAIR_FREED, 1);
		kp_free(kp);
	}
}

int ws_dp_keypair_add(const struct ws_ipc_keypair *m)
{
	struct ws_dp_tables *t = &ws_dp_tables;
	struct ws_dp_peer *p = ws_dp_peer_get(m->peer_id);
	struct ws_dp_keypair *kp;
	void *old;
	int rc;

	if (!p || !p->live || m->initiator > 1)
		return -EINVAL;
	if (rte_hash_lookup_data(t->keypairs, &m->local_index, &old) >= 0)
		return -EEXIST;
	kp = aligned_alloc(RTE_CACHE_LINE_SIZE,
			   RTE_ALIGN_CEIL(sizeof(*kp), RTE_CACHE_LINE_SIZE));
	if (!kp)
		return -ENOMEM;
	memset(kp, 0, sizeof(*kp));
	memcpy(kp->send_key, m->send_key, sizeof(kp->send_key));
	memcpy(kp->recv_key, m->recv_key, sizeof(kp->recv_key));
	kp->local_index = m->local_index;
	kp->remote_index = m->remote_index;
	kp->peer_id = m->peer_id;
	kp->initiator = m->initiator;
	kp->birth_ns = ws_dp_now();
	kp->hash_pos = -1;
	rte_spinlock_init(&kp->replay_lock);
	ws_replay_init(&kp->replay);
	rc = rte_hash_add_key_data(t->keypairs, &kp->local_index, kp);
	if (rc < 0) {
		kp_free(kp);
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	}
	t->n_keypairs++;
	/* the slots as the kernel's noise.c add_new_keypair() moves them */
	if (kp->initiator) {
		struct ws_dp_keypair *next = p->kp[WS_DP_KP_NEXT], *prev = p->kp[WS_DP_KP_PREVIOUS];
		struct ws_dp_keypair *cur = p->kp[WS_DP_KP_CURRENT];

		if (next) {
			__atomic_store_n(&p->kp[WS_DP_KP_NEXT], NULL, __ATOMIC_RELEASE);
			__atomic_store_n(&p->kp[WS_DP_KP_PREVIOUS], next, __ATOMIC_RELEASE);
			if (cur)
				kp_retire(cur);
		} else {
			__atomic_store_n(&p->kp[WS_DP_KP_PREVIOUS], cur, __ATOMIC_RELEASE);
		}
		if (prev)
			kp_retire(prev);
		__atomic_store_n(&p->kp[WS_DP_KP_CURRENT], kp, __ATOMIC_RELEASE);
	} else {
		ws_dp_keypair_drop(p, WS_DP_KP_NEXT);
		__atomic_store_n(&p->kp[WS_DP_KP_NEXT], kp, __ATOMIC_RELEASE);
		ws_dp_keypair_drop(p, WS_DP_KP_PREVIOUS);
	}
	return 0;
}

bool ws_dp_keypair_confirm(uint32_t peer, uint32_t local_index)
{
	struct ws_dp_peer *p = ws_dp_peer_get(peer);
	struct ws_dp_keypair *kp, *prev;

	if (!p || !p->live)
		return false;
	kp = p->kp[WS_DP_KP_NEXT];
	if (!kp || kp->local_index != local_index)
		return false;
	prev = p->kp[WS_DP_KP_PREVIOUS];
	__atomic_store_n(&p->kp[WS_DP_KP_NEXT], NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&p->kp[WS_DP_KP_PREVIOUS], p->kp[WS_DP_KP_CURRENT], __ATOMIC_RELEASE);
	__atomic_store_n(&p->kp[WS_DP_KP_CURRENT], kp, __ATOMIC_RELEASE);
	if (prev)
		kp_retire(prev);
	return true;
}

/* ---- peers ---- */

static bool addr_valid(const struct ws_ipc_addr *a)
{
	return a->family == 0 || a->family == AF_INET || a->family == AF_INET6;
}

void ws_dp_peer_set_endpoint(struct ws_dp_peer *p, const struct ws_ipc_addr *a)
{
	struct ws_dp_endpoint ep = {0};

	if (a->family) {
		ep.addr.family = a->family;
		ep.addr.port = a->port;
		memcpy(ep.addr.addr, a->addr, a->family == AF_INET ? 4 : 16);
		ep.have_mac = ws_dp_neigh_resolve(&ep.addr, &ep.mac) == 0;
		if (!ep.have_mac)
			ws_dp_neigh_solicit(&ep.addr);
	}
	rte_seqlock_write_lock(&p->ep_lock);
	p->ep = ep;
	rte_seqlock_write_unlock(&p->ep_lock);
	p->reported_ep = ep.addr; /* the control process set it: no event for it */
}

int ws_dp_peer_set(const struct ws_ipc_peer *m)
{
	struct ws_dp_peer *p = ws_dp_peer_get(m->peer_id);

	if (!p || (m->flags & ~WS_IPC_PEER_F_ENDPOINT) ||
	    ((m->flags & WS_IPC_PEER_F_ENDPOINT) && !addr_valid(&m->endpoint)))
		return -EINVAL;
	/* a peer id now naming another key is a new peer: nothing of the old one survives */
	if (p->live && memcmp(p->public_key, m->public_key, sizeof(p->public_key)))
		ws_dp_peer_remove(m->peer_id);
	if (!p->live) {
		uint64_t zero = 0;

		p->n_allowedips = 0;
		p->n_staged = 0;
		p->last_hs_needed_ns = p->last_rekey_ev_ns = p->last_keepalive_ns = 0;
		p->hs_wait_since_ns = 0;
		p->keepalive_pending = false;
		__atomic_store_n(&p->last_solicit_post_ns, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->rx_bytes, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->rx_packets, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->tx_bytes, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->tx_packets, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->last_rx_ns, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->last_rx_data_ns, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->last_tx_ns, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->last_tx_data_ns, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->last_roam_post_ns, zero, __ATOMIC_RELAXED);
		__atomic_store_n(&p->last_rekey_post_ns, zero, __ATOMIC_RELAXED);
		memcpy(p->public_key, m->public_key, sizeof(p->public_key));
		ws_dp_tables.n_live_peers++;
		__atomic_store_n(&p->live, true, __ATOMIC_RELEASE);
	}
	p->persistent_keepalive = m->persistent_keepalive;
	if (m->flags & WS_IPC_PEER_F_ENDPOINT)
		ws_dp_peer_set_endpoint(p, &m->endpoint);
	return 0;
}

int ws_dp_peer_remove(uint32_t id)
{
	struct ws_dp_peer *p = ws_dp_peer_get(id);
	static const struct ws_ipc_addr none;

	if (!p)
		return -EINVAL;
	if (!p->live)
		return -ENOENT;
	__atomic_store_n(&p->live, false, __ATOMIC_RELEASE);
	ws_dp_allowedips(id, WS_IPC_AIP_CLEAR, NULL, 0);
	for (unsigned int s = 0; s < WS_DP_KP_SLOTS; s++)
		ws_dp_keypair_drop(p, s);
	ws_dp_peer_set_endpoint(p, &none);
	if (p->n_staged) {
		ws_dp_cnt_add(svc_cnt(), WS_DP_CNT_DROP_STAGED_PEER_GONE, p->n_staged);
		rte_pktmbuf_free_bulk(p->staged, p->n_staged);
		p->n_staged = 0;
	}
	free(p->staged);
	p->staged = NULL;
	rte_timer_stop_sync(&p->timer);
	p->timer_armed = false;
	ws_dp_tables.n_live_peers--;
	return 0;
}

/* ---- allowed-ips ---- */

static bool prefix_valid(const struct ws_ipc_prefix *e)
{
	return (e->family == AF_INET && e->cidr <= 32) || (e->family == AF_INET6 && e->cidr <= 128);
}

/* The prefix with the host bits cleared, as the kernel stores it. */
static void prefix_mask(const struct ws_ipc_prefix *e, uint32_t *ip4, uint8_t ip6[16])
{
	if (e->family == AF_INET) {
		uint32_t a;

		memcpy(&a, e->addr, 4);
		a = rte_be_to_cpu_32(a);
		*ip4 = e->cidr ? a & (uint32_t)(~0ULL << (32 - e->cidr)) : 0;
		return;
	}
	for (unsigned int i = 0; i < 16; i++) {
		int bits = (int)e->cidr - (int)i * 8;

		ip6[i] = bits >= 8 ? e->addr[i] : bits <= 0 ? 0 : e->addr[i] & (0xff << (8 - bits));
	}
}

/*
 * Both copies. The writer's view is the unpublished copy (wr_*): it holds every change so far,
 * the published one lags by the changes of the open batch (logged in aip_log). Between batches
 * the two are equal.
 */
struct ws_dp_aip_op {
	uint8_t family;
	uint8_t depth;
	uint32_t ip4;
	uint8_t ip6[16];
	uint32_t old_nh; /* the owner before, for taking a failed message back */
	uint32_t nh;     /* WS_DP_NH_NONE: delete */
};

static struct rte_fib *wr_fib4(void)
{
	return ws_dp_tables.fib4_copy[ws_dp_tables.aip_pub ^ 1];
}

/* The IPv6 prefixes in the writer's view. */
static struct rte_rib6 *wr_rib6(void)
{
	struct ws_dp_tables *t = &ws_dp_tables;

	return t->rib6 ? t->rib6 : rte_fib6_get_rib(t->fib6_copy[t->aip_pub ^ 1]);
}

/* Applies o (next hop nh) to the lookup table(s) of copy c, which no worker reads. */
static int copy_set(unsigned int c, const struct ws_dp_aip_op *o, uint32_t nh)
{
	struct ws_dp_tables *t = &ws_dp_tables;

	if (o->family == AF_INET)
		return nh == WS_DP_NH_NONE ? rte_fib_delete(t->fib4_copy[c], o->ip4, o->depth)
					   : rte_fib_add(t->fib4_copy[c], o->ip4, o->depth, nh);
	if (t->lpm6) {
		struct ws_dp_lpm6 *l = &t->lpm6_copy[c];

		if (o->depth == 0) {
			l->default_nh = nh; /* no worker reads this copy */
			return 0;
		}
		return nh == WS_DP_NH_NONE ? rte_lpm6_delete(l->lpm, o->ip6, o->depth)
					   : rte_lpm6_add(l->lpm, o->ip6, o->depth, nh);
	}
	return nh == WS_DP_NH_NONE ? rte_fib6_delete(t->fib6_copy[c], o->ip6, o->depth)
				   : rte_fib6_add(t->fib6_copy[c], o->ip6, o->depth, nh);
}

/* With lpm6: the writer's view of o's prefix becomes nh. Fails only adding a prefix. */
static int rib6_set(const struct ws_dp_aip_op *o, uint32_t nh)
{
	struct rte_rib6 *rib = ws_dp_tables.rib6;
	struct rte_rib6_node *n;

	if (!rib || o->family != AF_INET6)
		return 0;
	if (nh == WS_DP_NH_NONE) {
		rte_rib6_remove(rib, o->ip6, o->depth);
		return 0;
	}
	n = rte_rib6_lookup_exact(rib, o->ip6, o->depth);
	if (!n)
		n = rte_rib6_insert(rib, o->ip6, o->depth);
	if (!n)
		return -ENOSPC;
	rte_rib6_set_nh(n, nh);
	return 0;
}

/*
 * The writer's view (the unpublished copy, and the RIB beside an lpm6) changes from o->old_nh
 * to nh, all or nothing: the RIB first, taken back if the table refuses.
 */
static int wr_set(const struct ws_dp_aip_op *o, uint32_t nh, uint32_t before)
{
	int rc = rib6_set(o, nh);

	if (rc)
		return rc;
	rc = copy_set(ws_dp_tables.aip_pub ^ 1, o, nh);
	if (rc)
		rib6_set(o, before); /* the node it had, or a remove: cannot fail */
	return rc;
}

/* Changes the unpublished copy and logs the change for the other one. */
static int aip_change(const struct ws_dp_aip_op *o)
{
	struct ws_dp_tables *t = &ws_dp_tables;
	int rc;

	if (t->aip_log_n == t->aip_log_cap) {
		uint32_t cap = t->aip_log_cap ? 2 * t->aip_log_cap : 64;
		struct ws_dp_aip_op *l = realloc(t->aip_log, sizeof(*l) * cap);

		if (!l)
			return -ENOMEM;
		t->aip_log = l;
		t->aip_log_cap = cap;
	}
	rc = wr_set(o, o->nh, o->old_nh);
	if (rc == 0)
		t->aip_log[t->aip_log_n++] = *o;
	return rc;
}

/* Takes the changes logged from index from on back, newest first. */
static void aip_undo(uint32_t from)
{
	struct ws_dp_tables *t = &ws_dp_tables;

	while (t->aip_log_n > from) {
		const struct ws_dp_aip_op *o = &t->aip_log[--t->aip_log_n];

		/* the state before o existed a moment ago: its resources are there again */
		if (wr_set(o, o->old_nh, o->nh))
			t->aip_replay_errors++;
		if (o->nh != WS_DP_NH_NONE)
			t->peers[o->nh].n_allowedips--;
		if (o->old_nh != WS_DP_NH_NONE)
			t->peers[o->old_nh].n_allowedips++;
	}
}

void ws_dp_allowedips_begin(void)
{
	ws_dp_tables.aip_depth++;
}

void ws_dp_allowedips_commit(void)
{
	struct ws_dp_tables *t = &ws_dp_tables;
	const unsigned int w = t->aip_pub ^ 1;
	uint64_t token;

	if (t->aip_depth == 0 || --t->aip_depth > 0 || t->aip_log_n == 0)
		return;
	__atomic_store_n(&t->fib4, t->fib4_copy[w], __ATOMIC_RELEASE);
	__atomic_store_n(&t->fib6, t->fib6_copy[w], __ATOMIC_RELEASE);
	if (t->lpm6)
		__atomic_store_n(&t->lpm6, &t->lpm6_copy[w], __ATOMIC_RELEASE);
	t->aip_pub = w;
	t->aip_swaps++;
	/*
	 * Every worker reports a quiescent state once per loop and holds no table pointer
	 * across one, so this is short. Yield meanwhile: in tests the workers may share our core.
	 */
	token = rte_rcu_qsbr_start(t->rcu);
	while (rte_rcu_qsbr_check(t->rcu, token, false) != 1)
		sched_yield();
	/*
	 * No one reads the old copy now: the same changes in the same order (the tables'
	 * resource use depends on their content only, so they fit as they did in the other).
	 */
	for (uint32_t i = 0; i < t->aip_log_n; i++)
		if (copy_set(w ^ 1, &t->aip_log[i], t->aip_log[i].nh))
			t->aip_replay_errors++;
	t->aip_log_n = 0;
	if (t->aip_log_cap > 4096) { /* a big batch's log does not stay */
		free(t->aip_log);
		t->aip_log = NULL;
		t->aip_log_cap = 0;
	}
	if (t->aip_replay_errors)
		RTE_LOG(ERR, USER1, "allowed-ips: %" PRIu64 " changes failed on the second copy\n",
			t->aip_replay_errors);
}

/* The owner of exactly this prefix (in the writer's view), or WS_DP_NH_NONE. */
static uint32_t prefix_owner(const struct ws_dp_aip_op *o)
{
	uint64_t nh = WS_DP_NH_NONE;

	if (o->family == AF_INET) {
		struct rte_rib_node *n = rte_rib_lookup_exact(rte_fib_get_rib(wr_fib4()), o->ip4,
							      o->depth);
		if (n)
			rte_rib_get_nh(n, &nh);
	} else {
		struct rte_rib6_node *n = rte_rib6_lookup_exact(wr_rib6(), o->ip6, o->depth);

		if (n)
			rte_rib6_get_nh(n, &nh);
	}
	return nh < ws_dp_tables.max_peers ? (uint32_t)nh : WS_DP_NH_NONE;
}

static int prefix_apply(uint32_t peer, uint8_t op, const struct ws_ipc_prefix *e)
{
	struct ws_dp_tables *t = &ws_dp_tables;
	struct ws_dp_aip_op o = {.family = e->family, .depth = e->cidr};
	int rc;

	prefix_mask(e, &o.ip4, o.ip6);
	o.old_nh = prefix_owner(&o);
	if (op == WS_IPC_AIP_ADD) {
		if (o.old_nh == peer)
			return 0;
		o.nh = peer;
		rc = aip_change(&o);
		if (rc)
			return rc == -ENOSPC ? -ENOSPC : -ENOMEM;
		if (o.old_nh != WS_DP_NH_NONE)
			t->peers[o.old_nh].n_allowedips--;
		t->peers[peer].n_allowedips++;
		return 0;
	}
	if (o.old_nh != peer)
		return 0;
	o.nh = WS_DP_NH_NONE;
	rc = aip_change(&o);
	if (rc == 0)
		t->peers[peer].n_allowedips--;
	return rc;
}

/* Calls fn for every prefix of peer (peer WS_DP_NH_NONE: every prefix); stops when fn != 0. */
static uint32_t prefix_walk(uint32_t peer, int (*fn)(const struct ws_ipc_prefix *, void *),
			    void *arg)
{
	struct rte_rib *rib = rte_fib_get_rib(wr_fib4());
	struct rte_rib6 *rib6 = wr_rib6();
	struct rte_rib_node *n = NULL;
	struct rte_rib6_node *n6 = NULL;
	static const uint8_t zero6[16];
	struct ws_ipc_prefix e;
	uint32_t count = 0;
	uint64_t nh;

	/* depth 0 with ALL also yields a default route (0.0.0.0/0) if there is one */
	while ((n = rte_rib_get_nxt(rib, 0, 0, n, RTE_RIB_GET_NXT_ALL)) != NULL) {
		uint32_t ip;

		rte_rib_get_nh(n, &nh);
		if (peer != WS_DP_NH_NONE && nh != peer)
			continue;
		memset(&e, 0, sizeof(e));
		e.family = AF_INET;
		rte_rib_get_ip(n, &ip);
		rte_rib_get_depth(n, &e.cidr);
		ip = rte_cpu_to_be_32(ip);
		memcpy(e.addr, &ip, 4);
		count++;
		if (fn && fn(&e, arg))
			return count;
	}
	n = rte_rib_lookup_exact(rib, 0, 0);
	if (n && rte_rib_get_nh(n, &nh) == 0 && (peer == WS_DP_NH_NONE || nh == peer)) {
		memset(&e, 0, sizeof(e));
		e.family = AF_INET;
		count++;
		if (fn && fn(&e, arg))
			return count;
	}
	while ((n6 = rte_rib6_get_nxt(rib6, zero6, 0, n6, RTE_RIB6_GET_NXT_ALL)) != NULL) {
		rte_rib6_get_nh(n6, &nh);
		if (peer != WS_DP_NH_NONE && nh != peer)
			continue;
		memset(&e, 0, sizeof(e));
		e.family = AF_INET6;
		rte_rib6_get_ip(n6, e.addr);
		rte_rib6_get_depth(n6, &e.cidr);
		count++;
		if (fn && fn(&e, arg))
			return count;
	}
	n6 = rte_rib6_lookup_exact(rib6, zero6, 0);
	if (n6 && rte_rib6_get_nh(n6, &nh) == 0 && (peer == WS_DP_NH_NONE || nh == peer)) {
		memset(&e, 0, sizeof(e));
		e.family = AF_INET6;
		count++;
		if (fn && fn(&e, arg))
			return count;
	}
	return count;
}

struct collect {
	struct ws_ipc_prefix *out;
	uint32_t n, max;
};

static int collect_one(const struct ws_ipc_prefix *e, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->max)
		return 1;
	c->out[c->n++] = *e;
	return 0;
}

uint32_t ws_dp_allowedips_list(uint32_t peer, struct ws_ipc_prefix *out, uint32_t max)
{
	struct collect c = {.out = out, .max = max};

	prefix_walk(peer, collect_one, &c);
	return c.n;
}

int ws_dp_allowedips(uint32_t peer, uint8_t op, const struct ws_ipc_prefix *e, uint32_t n)
{
	struct ws_dp_peer *p = ws_dp_peer_get(peer);
	const uint32_t mark = ws_dp_tables.aip_log_n;
	int rc = 0;

	if (!p)
		return -EINVAL;
	if (op == WS_IPC_AIP_CLEAR) {
		struct ws_ipc_prefix *all;
		uint32_t cnt;

		if (n)
			return -EINVAL;
		if (p->n_allowedips == 0)
			return 0;
		/* collect first: the walk must not see the tree change under it */
		all = malloc(sizeof(*all) * p->n_allowedips);
		if (!all)
			return -ENOMEM;
		cnt = ws_dp_allowedips_list(peer, all, p->n_allowedips);
		/* a delete takes no table resources: it cannot fail half-way */
		ws_dp_allowedips_begin();
		for (uint32_t i = 0; i < cnt; i++)
			prefix_apply(peer, WS_IPC_AIP_DEL, &all[i]);
		ws_dp_allowedips_commit();
		free(all);
		return 0;
	}
	if (op != WS_IPC_AIP_ADD && op != WS_IPC_AIP_DEL)
		return -EINVAL;
	if (op == WS_IPC_AIP_ADD && !p->live)
		return -ENOENT;
	for (uint32_t i = 0; i < n; i++)
		if (!prefix_valid(&e[i]))
			return -EINVAL;
	ws_dp_allowedips_begin();
	for (uint32_t i = 0; i < n && rc == 0; i++)
		rc = prefix_apply(peer, op, &e[i]);
	if (rc)
		aip_undo(mark);
	ws_dp_allowedips_commit();
	return rc;
}
