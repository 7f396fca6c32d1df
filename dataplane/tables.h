/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast-path tables: peers by id (a flat array), keypairs by receiver index (rte_hash,
 * lock-free reads), allowed-ips (rte_fib + rte_lpm6 or rte_fib6, next hop = peer id; the same
 * tables answer
 * "which peer for this destination" on send and "may this peer use this source" on receive),
 * and the neighbours (IP -> MAC) the WAN next hops resolve to.
 *
 * Concurrency: workers only read, lock-free. Only the service lcore writes: it publishes with
 * release stores, and anything a worker may still hold (a keypair) is freed only after a QSBR
 * RCU grace period (ws_dp_tables.rcu; every worker reports a quiescent state once per loop).
 * The exceptions, each documented at its field: per-peer statistics and activity times
 * (relaxed atomic adds/stores by workers), a keypair's send counter (atomic fetch-add, several
 * lcores may encrypt for one peer) and its replay window (a per-keypair spinlock).
 */
#ifndef WS_DP_TABLES_H
#define WS_DP_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_hash.h>
#include <rte_lpm6.h>
#include <rte_rcu_qsbr.h>
#include <rte_seqlock.h>
#include <rte_spinlock.h>
#include <rte_timer.h>

#include "config.h"
#include "ipc.h"
#include "replay.h"

enum ws_dp_kp_slot {
	WS_DP_KP_CURRENT = 0,
	WS_DP_KP_PREVIOUS = 1,
	WS_DP_KP_NEXT = 2,
	WS_DP_KP_SLOTS = 3,
};

struct ws_dp_keypair {
	/* Written by the service lcore before publication, read-only afterwards (workers). */
	uint8_t send_key[32]; /* secret: zeroed before free */
	uint8_t recv_key[32]; /* secret */
	uint32_t local_index;
	uint32_t remote_index;
	uint32_t peer_id;
	bool initiator;
	uint64_t birth_ns; /* protocol clock (ws_dp_now) */
	/*
	 * Next sending counter. Any lcore encrypting for the peer takes one with an atomic
	 * fetch-add: the flow of one peer may arrive on several TAP/LAN queues.
	 */
	uint64_t send_counter __rte_cache_aligned;
	/*
	 * RFC 6479 window: one writer at a time. The lcore that decrypts a peer's packets is
	 * chosen by the flow hash of the outer addresses, so a roaming peer (new source address
	 * or port) can move to another lcore while packets of the old flow are still being
	 * decrypted: the lock (uncontended in the steady state) keeps the window single-writer.
	 */
	rte_spinlock_t replay_lock __rte_cache_aligned;
	struct ws_replay replay;
	/* Set once (atomic exchange) by the worker that first authenticates a packet on this
	 * keypair while it is the peer's "next": only that worker posts the confirmation. */
	uint8_t confirm_posted;
	/* Service lcore only: the hash slot and the RCU token while retired. */
	int32_t hash_pos;
	uint64_t rcu_token;
	struct ws_dp_keypair *retired_next;
};

/* Where a peer's packets go on the wire. */
struct ws_dp_endpoint {
	struct ws_ipc_addr addr;       /* family 0: none */
	struct rte_ether_addr mac;     /* next hop's MAC */
	bool have_mac;
};

struct ws_dp_peer {
	/* Written by the service lcore (release store), read by workers (acquire load). */
	bool live;
	struct ws_dp_keypair *kp[WS_DP_KP_SLOTS];
	/*
	 * Written under the seqlock by the service lcore (PEER_SET, neighbours) and by workers
	 * (roaming, decrypt.c); the seqlock's writer lock serialises them. Read by workers
	 * (encrypt) with ws_dp_peer_endpoint(), and by the service lcore the same way.
	 */
	rte_seqlock_t ep_lock;
	struct ws_dp_endpoint ep;
	/* Set (relaxed) by the worker that moved ep on roaming, cleared by the one whose endpoint
	 * event got out: a rate-limited or lost event is posted by a later packet. */
	uint8_t roam_unreported;
	/*
	 * Statistics and activity: workers add/store with relaxed atomics (a peer may be served
	 * by several lcores); the service lcore reads them (STATS, timers). Times are protocol
	 * nanoseconds, 0 = never.
	 */
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
	uint64_t last_rx_ns;      /* any authenticated packet, keepalives included */
	uint64_t last_rx_data_ns; /* authenticated packet with a payload */
	uint64_t last_tx_ns;      /* any packet sent, keepalives included */
	uint64_t last_tx_data_ns; /* data packet sent */
	uint64_t last_roam_post_ns; /* worker-side rate limit of endpoint events (CAS) */
	uint64_t last_rekey_post_ns; /* worker-side rate limit of rekey requests (CAS) */
	uint64_t last_solicit_post_ns; /* worker-side rate limit of neighbour requests (CAS) */
	/* Service lcore only. */
	uint8_t public_key[32];
	uint16_t persistent_keepalive; /* seconds, 0 = off */
	uint32_t n_allowedips;
	struct ws_ipc_addr reported_ep; /* the endpoint the control process last heard of */
	uint64_t last_hs_needed_ns;  /* EV_HANDSHAKE_NEEDED rate limit */
	uint64_t last_rekey_ev_ns;   /* EV_REKEY_NEEDED rate limit */
	uint64_t last_keepalive_ns;  /* keepalives the timers sent */
	uint64_t hs_wait_since_ns;   /* new-handshake timer: data sent, nothing back since */
	struct rte_mbuf **staged;    /* WS_MAX_STAGED_PACKETS slots, allocated on first use */
	uint16_t n_staged;
	bool timer_armed;
	bool keepalive_pending;      /* a keepalive waits for the next hop's MAC */
	struct rte_timer timer;
} __rte_cache_aligned;

struct ws_dp_aip_op;

/* An IPv6 allowed-ips copy with tables.fib dir24_8. rte_lpm6 has no /0: its owner is kept here. */
struct ws_dp_lpm6 {
	struct rte_lpm6 *lpm;
	uint32_t default_nh; /* ::/0's peer, or WS_DP_NH_NONE */
};

struct ws_dp_tables {
	/* Created by main before the lcores start; the pointers never change afterwards. */
	struct ws_dp_peer *peers;
	uint32_t max_peers;
	struct rte_hash *keypairs;     /* local index -> struct ws_dp_keypair * */
	/*
	 * Allowed-ips, next hop: peer id, default WS_DP_NH_NONE. These pointers are the
	 * published copies the workers look up (use ws_dp_fib4_lookup_runs / ws_dp_fib6_lookup:
	 * one acquire load, a plain mov on x86/arm64). IPv6 is an rte_lpm6 with tables.fib
	 * dir24_8 (lpm6 NULL otherwise: fib6, an rte_fib6 RIB). DPDK 22.11's rte_fib and rte_lpm6
	 * have no RCU hook: a DIR24_8/lpm6 lookup racing a delete can read a tbl8 group already
	 * reused for another prefix, and a RIB (DUMMY) lookup walks nodes a delete returns to a
	 * mempool. So every table exists twice (twice the memory: see config/dataplane.md) and a
	 * lookup only ever
	 * reads a copy no one writes: the service lcore changes the unpublished copy, publishes it
	 * (release store), waits for a QSBR grace period (after which no worker holds the old
	 * pointer), then replays the same changes on the old copy. See ws_dp_allowedips_begin().
	 */
	struct rte_fib *fib4;
	struct rte_fib6 *fib6;
	struct ws_dp_lpm6 *lpm6;
	struct rte_hash *neigh;        /* struct ws_dp_neigh_key -> MAC packed in the data word */
	struct rte_rcu_qsbr *rcu;      /* workers are its readers */
	/* Service lcore only. */
	struct rte_fib *fib4_copy[2];  /* fib4 is fib4_copy[aip_pub] (fib6 the same) */
	struct rte_fib6 *fib6_copy[2];
	struct ws_dp_lpm6 lpm6_copy[2]; /* lpm6 is &lpm6_copy[aip_pub] */
	/* With lpm6 (it cannot list its prefixes): the IPv6 prefixes in the writer's view. */
	struct rte_rib6 *rib6;
	unsigned int aip_pub;
	unsigned int aip_depth;        /* ws_dp_allowedips_begin() nesting */
	struct ws_dp_aip_op *aip_log;  /* changes in the unpublished copy only */
	uint32_t aip_log_n, aip_log_cap;
	uint64_t aip_swaps;            /* publications (one grace period each) */
	uint64_t aip_replay_errors;    /* replays the other copy refused: never expected */
	struct ws_dp_keypair *retired; /* waiting for their grace period */
	uint32_t n_keypairs;
	uint32_t n_live_peers;
	uint64_t tsc_hz;
	double ns_per_tsc;             /* times the test time scale */
	uint64_t tsc0;
	unsigned int time_scale;
};

/* The allowed-ips next hop for "no peer". */
#define WS_DP_NH_NONE UINT32_MAX

struct ws_dp_neigh_key {
	uint8_t family;
	uint8_t reserved[3];
	uint8_t addr[16];
};
uint32_t ws_dp_neigh_key_hash(const void *key, uint32_t len, uint32_t init);

extern struct ws_dp_tables ws_dp_tables;

/*
 * The protocol clock in nanoseconds since start: the TSC, sped up by --test-time-scale. Read
 * by every lcore (once per burst on the fast path).
 */
static inline uint64_t ws_dp_now(void)
{
	return (uint64_t)((double)(rte_get_tsc_cycles() - ws_dp_tables.tsc0) *
			  ws_dp_tables.ns_per_tsc) + 1;
}

static inline struct ws_dp_peer *ws_dp_peer_get(uint32_t id)
{
	if (unlikely(id >= ws_dp_tables.max_peers))
		return NULL;
	return &ws_dp_tables.peers[id];
}

static inline struct ws_dp_keypair *ws_dp_peer_kp(const struct ws_dp_peer *p, unsigned int slot)
{
	return __atomic_load_n(&p->kp[slot], __ATOMIC_ACQUIRE);
}

/* A consistent copy of the peer's endpoint (workers). */
static inline void ws_dp_peer_endpoint(struct ws_dp_peer *p, struct ws_dp_endpoint *out)
{
	uint32_t sn;

	do {
		sn = rte_seqlock_read_begin(&p->ep_lock);
		*out = p->ep;
	} while (rte_seqlock_read_retry(&p->ep_lock, sn));
}

static inline void ws_dp_stat_add(uint64_t *v, uint64_t n)
{
	__atomic_fetch_add(v, n, __ATOMIC_RELAXED);
}

static inline void ws_dp_time_store(uint64_t *v, uint64_t now)
{
	/* only ever moves forward; a plain store is enough for a coarse timestamp */
	if (__atomic_load_n(v, __ATOMIC_RELAXED) < now)
		__atomic_store_n(v, now, __ATOMIC_RELAXED);
}

/* A keypair's sending/receiving life (REJECT_AFTER_TIME) at protocol time now. */
bool ws_dp_kp_expired(const struct ws_dp_keypair *kp, uint64_t now);

/* --- setup (main lcore, before launch) and teardown (after the lcores stopped) --- */
int ws_dp_tables_create(const struct ws_dp_config *cfg, unsigned int time_scale, char *err,
			size_t errlen);
void ws_dp_tables_destroy(void);
/* Workers: register as RCU readers (on their own lcore), and leave again. */
void ws_dp_tables_reader_online(unsigned int lcore);
void ws_dp_tables_reader_offline(unsigned int lcore);
/*
 * IPv4 allowed-ips lookup for n addresses (host order, n <= WS_DP_LOOKUP_MAX) into nh. Bursts come
 * in runs of one flow, so each run of equal addresses is looked up once. Workers only.
 */
enum { WS_DP_LOOKUP_MAX = 256 }; /* >= WS_DP_BURST_MAX (asserted in encrypt.c) */

static inline void ws_dp_fib4_lookup_runs(const uint32_t *addr, uint64_t *nh, uint16_t n)
{
	uint32_t u4[WS_DP_LOOKUP_MAX];
	uint64_t unh[WS_DP_LOOKUP_MAX];
	uint16_t run_of[WS_DP_LOOKUP_MAX];
	unsigned int nu = 0;

	for (uint16_t j = 0; j < n; j++) {
		if (j == 0 || addr[j] != addr[j - 1])
			u4[nu++] = addr[j];
		run_of[j] = (uint16_t)(nu - 1);
	}
	rte_fib_lookup_bulk(__atomic_load_n(&ws_dp_tables.fib4, __ATOMIC_ACQUIRE), u4, unh, nu);
	for (uint16_t j = 0; j < n; j++)
		nh[j] = unh[run_of[j]];
}

/* IPv6 allowed-ips lookup for n addresses into nh. Workers only. */
static inline void ws_dp_fib6_lookup(uint8_t (*addr)[16], uint64_t *nh, unsigned int n)
{
	/* set once before the lcores start: the branch always goes the same way */
	const struct ws_dp_lpm6 *l = __atomic_load_n(&ws_dp_tables.lpm6, __ATOMIC_ACQUIRE);
	int32_t r[WS_DP_LOOKUP_MAX];

	if (!l) {
		rte_fib6_lookup_bulk(__atomic_load_n(&ws_dp_tables.fib6, __ATOMIC_ACQUIRE), addr,
				     nh, n);
		return;
	}
	for (unsigned int off = 0; off < n; off += WS_DP_LOOKUP_MAX) {
		unsigned int k = RTE_MIN(n - off, (unsigned int)WS_DP_LOOKUP_MAX);

		/* lpm6 answers -1 for no route, else the (21-bit) next hop */
		rte_lpm6_lookup_bulk_func(l->lpm, addr + off, r, k);
		for (unsigned int i = 0; i < k; i++)
			nh[off + i] = r[i] < 0 ? l->default_nh : (uint64_t)r[i];
	}
}

static inline void ws_dp_tables_quiescent(unsigned int lcore)
{
	rte_rcu_qsbr_quiescent(ws_dp_tables.rcu, lcore);
}

/* Around a call that may block (holding no table pointer): grace periods do not wait for it. */
static inline void ws_dp_tables_offline(unsigned int lcore)
{
	rte_rcu_qsbr_thread_offline(ws_dp_tables.rcu, lcore);
}

static inline void ws_dp_tables_online(unsigned int lcore)
{
	rte_rcu_qsbr_thread_online(ws_dp_tables.rcu, lcore);
}

/* --- updates: service lcore only. 0 or -errno. --- */
int ws_dp_peer_set(const struct ws_ipc_peer *m);
int ws_dp_peer_remove(uint32_t id);
/*
 * Allowed-ips changes. Each call is all or nothing (on an error its earlier prefixes are taken
 * back) and, outside a batch, published at once: one copy swap and one grace period (a few
 * microseconds with busy-polling workers). Callers applying many messages' worth of changes
 * (a batched peer push, peer removal) put them between begin and commit: one swap and one
 * grace period for the whole batch; lookups see the batch's changes only after commit.
 * Nestable; the outermost commit publishes.
 */
int ws_dp_allowedips(uint32_t peer, uint8_t op, const struct ws_ipc_prefix *e, uint32_t n);
void ws_dp_allowedips_begin(void);
void ws_dp_allowedips_commit(void);
/* Bytes of EAL memory the allowed-ips tables of kind take (both copies, estimated). */
uint64_t ws_dp_allowedips_mem(const struct ws_dp_config *cfg, enum ws_dp_fib_kind kind);
/* The kind dataplane.tables.fib resolves to (auto: dir24_8 if the EAL memory has room). */
enum ws_dp_fib_kind ws_dp_tables_fib_kind(const struct ws_dp_config *cfg);
/* Copies up to max prefixes of peer into out; returns how many. */
uint32_t ws_dp_allowedips_list(uint32_t peer, struct ws_ipc_prefix *out, uint32_t max);
int ws_dp_keypair_add(const struct ws_ipc_keypair *m);
/* Drops the keypair in slot (RCU-deferred free). */
void ws_dp_keypair_drop(struct ws_dp_peer *p, unsigned int slot);
/* Promotes next -> current if kp is still the peer's next; true if it did. */
bool ws_dp_keypair_confirm(uint32_t peer, uint32_t local_index);
/* Sets the endpoint (roaming); resolves its next-hop MAC from the neighbour table. */
void ws_dp_peer_set_endpoint(struct ws_dp_peer *p, const struct ws_ipc_addr *a);
/* Frees retired keypairs whose grace period is over (emits EV_KEYPAIR_FREED). */
void ws_dp_tables_reclaim(bool wait);

/* Neighbours (neigh.c). */
void ws_dp_neigh_learn(uint8_t family, const uint8_t *addr, const struct rte_ether_addr *mac);
/* The next hop's MAC for sending to a (on-link, or the WAN gateway). */
int ws_dp_neigh_resolve(const struct ws_ipc_addr *a, struct rte_ether_addr *mac);
/* The next-hop IP for destination a (a itself on-link, else the configured gateway). */
int ws_dp_neigh_nexthop(const struct ws_ipc_addr *a, struct ws_dp_neigh_key *nh);
/* Sends an ARP request / neighbour solicitation for the next hop of a. */
void ws_dp_neigh_solicit(const struct ws_ipc_addr *a);

#endif
