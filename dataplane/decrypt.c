/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decrypt stage (receive path), a burst at a time: receiver index -> keypair (one bulk hash
 * lookup), one batch decrypt for the burst, then per packet the replay window (only after the
 * tag verified), keepalives consumed, the inner IPv4/IPv6 header checked and its source looked
 * up in allowed-ips (one bulk lookup per family): it must belong to the keypair's peer. What
 * passes goes up the tunnel TAP (host mode) or out the LAN port to its next hop (gateway
 * mode, lan.c) with a fresh Ethernet header. Side effects for the service lcore: roaming,
 * responder-keypair confirmation and rekey requests, posted as events.
 */
#include <string.h>
#include <sys/socket.h>

#include <rte_hash.h>
#include <rte_ip.h>

#include "cryptobatch.h"
#include "lan.h"
#include "messages.h"
#include "stages.h"
#include "tables.h"

enum { CHUNK = RTE_HASH_LOOKUP_BULK_MAX };

#define SEC(x) ((uint64_t)(x) * WS_NSEC_PER_SEC)

/* Returns true (once per interval) if the caller won the right to post for *stamp. */
static inline bool rate_ok(uint64_t *stamp, uint64_t now, uint64_t interval)
{
	uint64_t old = __atomic_load_n(stamp, __ATOMIC_RELAXED);

	if (old && now - old < interval)
		return false;
	return __atomic_compare_exchange_n(stamp, &old, now, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

/* The outer source of m as an ipc address. */
static inline void outer_source(const struct rte_mbuf *m, struct ws_ipc_addr *a)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len);
	const struct rte_udp_hdr *udp = (const void *)(l3 + m->l3_len);

	memset(a, 0, sizeof(*a));
	if (RTE_ETH_IS_IPV4_HDR(m->packet_type)) {
		a->family = AF_INET;
		memcpy(a->addr, l3 + 12, 4);
	} else {
		a->family = AF_INET6;
		memcpy(a->addr, l3 + 8, 16);
	}
	a->port = udp->src_port;
}

/* Whether two classified frames come from the same outer address and port. */
static inline bool same_source(const struct rte_mbuf *a, const struct rte_mbuf *b)
{
	const uint8_t *la = rte_pktmbuf_mtod_offset(a, const uint8_t *, a->l2_len);
	const uint8_t *lb = rte_pktmbuf_mtod_offset(b, const uint8_t *, b->l2_len);

	if (a->packet_type != b->packet_type || a->l3_len != b->l3_len)
		return false;
	if (RTE_ETH_IS_IPV4_HDR(a->packet_type)) {
		if (memcmp(la + 12, lb + 12, 4))
			return false;
	} else if (memcmp(la + 8, lb + 8, 16)) {
		return false;
	}
	return !memcmp(la + a->l3_len, lb + b->l3_len, 2); /* UDP source port */
}

static void roam_check(struct ws_dp_lcore *lc, struct ws_dp_peer *p, const struct rte_mbuf *m,
		       uint32_t peer_id, uint64_t now)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct ws_dp_endpoint ep;
	struct ws_ipc_addr src;
	struct ws_dp_wevent ev;

	outer_source(m, &src);
	ws_dp_peer_endpoint(p, &ep);
	if (likely(!memcmp(&src, &ep.addr, sizeof(src)) && ep.have_mac)) {
		if (likely(!__atomic_load_n(&p->roam_unreported, __ATOMIC_RELAXED)))
			return;
		goto report; /* moved here earlier, but that event was held back or lost */
	}
	/*
	 * Roaming takes effect before this packet is delivered, as in the kernel, so that the
	 * answer to it already goes to the new address (the service lcore would apply it a
	 * moment too late). The frame's source MAC is the next hop back. Writers (workers here,
	 * the service lcore for PEER_SET) are serialised by the seqlock's own lock.
	 */
	rte_seqlock_write_lock(&p->ep_lock);
	p->ep.addr = src;
	p->ep.mac = eth->src_addr;
	p->ep.have_mac = true;
	rte_seqlock_write_unlock(&p->ep_lock);
	__atomic_store_n(&p->roam_unreported, 1, __ATOMIC_RELAXED);
report:
	/* tell the control process (at most ten events a second per peer) */
	if (!rate_ok(&p->last_roam_post_ns, now, WS_NSEC_PER_SEC / 10))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = WS_DP_WEV_ROAM;
	ev.family = src.family;
	ev.port = src.port;
	ev.peer_id = peer_id;
	memcpy(ev.addr, src.addr, sizeof(ev.addr));
	memcpy(ev.mac, eth->src_addr.addr_bytes, 6);
	if (ws_dp_post_event(lc, &ev))
		__atomic_store_n(&p->roam_unreported, 0, __ATOMIC_RELAXED);
}

/* Once per run of one keypair's authenticated packets: confirmation and keep_key_fresh. */
static inline void keypair_events(struct ws_dp_lcore *lc, struct ws_dp_peer *p,
				  struct ws_dp_keypair *kp, uint64_t now)
{
	if (unlikely(!kp->initiator)) {
		/* the responder's keypair is confirmed by its first authenticated packet */
		if (ws_dp_peer_kp(p, WS_DP_KP_NEXT) == kp &&
		    !__atomic_exchange_n(&kp->confirm_posted, 1, __ATOMIC_RELAXED)) {
			struct ws_dp_wevent ev = {.type = WS_DP_WEV_CONFIRM,
						  .peer_id = kp->peer_id,
						  .local_index = kp->local_index};

			ws_dp_post_event(lc, &ev);
		}
		return;
	}
	/* keep_key_fresh on receive: the initiator's keypair nears its end */
	if (ws_dp_peer_kp(p, WS_DP_KP_CURRENT) == kp &&
	    now - kp->birth_ns >=
		    SEC(WS_REJECT_AFTER_TIME - WS_KEEPALIVE_TIMEOUT - WS_REKEY_TIMEOUT) &&
	    rate_ok(&p->last_rekey_post_ns, now, WS_NSEC_PER_SEC)) {
		struct ws_dp_wevent ev = {.type = WS_DP_WEV_REKEY, .peer_id = kp->peer_id};

		ws_dp_post_event(lc, &ev);
	}
}

/* The inner packet's length and source; 0 if it is not a plausible IPv4/IPv6 packet. */
static inline uint16_t inner_parse(const uint8_t *pl, uint32_t len, uint8_t *version)
{
	if (len >= 20 && (pl[0] >> 4) == 4) {
		uint16_t tot = (uint16_t)(pl[2] << 8 | pl[3]);

		*version = 4;
		if ((pl[0] & 0xf) < 5 || tot < (pl[0] & 0xf) * 4u || tot > len)
			return 0;
		return tot;
	}
	if (len >= 40 && (pl[0] >> 4) == 6) {
		uint32_t tot = 40u + (uint16_t)(pl[4] << 8 | pl[5]);

		*version = 6;
		return tot <= len ? (uint16_t)tot : 0;
	}
	return 0;
}

/*
 * The Ethernet header of a frame up the tunnel TAP, built once per chunk: 2 bytes of padding
 * in front so that it goes in as one 16-byte store ending right at the inner packet (the 2
 * bytes before the new header are the old outer headers, free to overwrite).
 */
struct eth_tmpl {
	uint8_t b[2][16]; /* [0] IPv4, [1] IPv6 */
};

static void eth_tmpl_init(struct eth_tmpl *t)
{
	for (int v = 0; v < 2; v++) {
		struct rte_ether_hdr eth = {
			.dst_addr = ws_dp.ports[ws_dp.tun].mac,
			.src_addr = ws_dp.ports[ws_dp.wan].mac,
			.ether_type = rte_cpu_to_be_16(v ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4),
		};

		memset(t->b[v], 0, 2);
		memcpy(t->b[v] + 2, &eth, sizeof(eth));
	}
}

static inline void deliver(struct ws_dp_lcore *lc, struct rte_mbuf *m, uint32_t off,
			   uint16_t inner, uint8_t version, const struct eth_tmpl *t)
{
	uint8_t *eth;

	/*
	 * Keep the inner packet, put an Ethernet header right in front of it. The frame is one
	 * segment (classify) and [off, off + inner) lies inside it (inner_parse), so the data
	 * window moves directly, without rte_pktmbuf_adj/trim's checks.
	 */
	m->data_off = (uint16_t)(m->data_off + off - RTE_ETHER_HDR_LEN);
	m->data_len = (uint16_t)(RTE_ETHER_HDR_LEN + inner);
	m->pkt_len = m->data_len;
	eth = rte_pktmbuf_mtod(m, uint8_t *);
	if (m->ol_flags)
		m->ol_flags = 0;
	m->packet_type = 0;
	if (ws_dp.tun < 0) { /* gateway mode: to the next hop on the LAN (lan.c) */
		uint16_t type = rte_cpu_to_be_16(version == 4 ? RTE_ETHER_TYPE_IPV4
							      : RTE_ETHER_TYPE_IPV6);

		memcpy(eth + 12, &type, 2);
		ws_dp_lan_output(lc, m);
		return;
	}
	memcpy(eth - 2, t->b[version != 4], 16);
	ws_dp_tx(lc, ws_dp.tun, m);
}

static void decrypt_chunk(struct ws_dp_lcore *lc, struct ws_cb_engine *e, struct rte_mbuf **pkts,
			  uint16_t n, uint64_t now)
{
	uint32_t idx[CHUNK], off[CHUNK], mlen[CHUNK];
	const void *ukeys[CHUNK];
	void *udata[CHUNK];
	uint64_t uhits = 0;
	uint8_t run_of[CHUNK];
	unsigned int nu = 0;
	struct ws_cb_op ops[CHUNK];
	struct ws_dp_keypair *kps[CHUNK];
	struct rte_mbuf *live[CHUNK], *drop[CHUNK];
	uint16_t nl = 0, nd = 0, na4 = 0, na6 = 0;
	/* allowed-ips checks, batched */
	uint32_t src4[CHUNK];
	uint8_t src6[CHUNK][16];
	uint64_t nh4[CHUNK], nh6[CHUNK];
	uint16_t at4[CHUNK], at6[CHUNK], inner_len[CHUNK];
	uint8_t ver[CHUNK];

	WS_DP_PROF(WS_DP_PROF_KEYPAIR);
	/*
	 * One lookup per run of equal receiver indices (a burst is mostly one flow): the unique
	 * keys go to the bulk lookup, then the answers are spread back over their runs.
	 */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len);
		const struct rte_udp_hdr *udp = (const void *)(l3 + m->l3_len);
		const uint8_t *msg = (const uint8_t *)(udp + 1);

		off[i] = m->l2_len + m->l3_len + (uint32_t)sizeof(*udp);
		mlen[i] = rte_be_to_cpu_16(udp->dgram_len) - (uint32_t)sizeof(*udp);
		memcpy(&idx[i], msg + 4, 4);
		if (i == 0 || idx[i] != idx[i - 1])
			ukeys[nu++] = &idx[i];
		run_of[i] = (uint8_t)(nu - 1);
	}
	/* the table holds host-order indices: convert the unique keys only */
	for (unsigned int u = 0; u < nu; u++) {
		uint32_t *key = (uint32_t *)(uintptr_t)ukeys[u];

		*key = ws_le32(*key);
	}
	rte_hash_lookup_bulk_data(ws_dp_tables.keypairs, ukeys, nu, &uhits, udata);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct ws_dp_keypair *kp = udata[run_of[i]];
		uint8_t *msg = rte_pktmbuf_mtod_offset(m, uint8_t *, off[i]);
		uint64_t counter;

		if (unlikely(!(uhits & (1ULL << run_of[i])))) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_UNKNOWN_INDEX, 1);
			drop[nd++] = m;
			continue;
		}
		if (unlikely(now - kp->birth_ns >= SEC(WS_REJECT_AFTER_TIME))) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_KEYPAIR_EXPIRED, 1);
			drop[nd++] = m;
			continue;
		}
		memcpy(&counter, msg + 8, 8);
		counter = ws_le64(counter);
		ops[nl] = (struct ws_cb_op){
			.key = kp->recv_key,
			.counter = counter,
			.src = msg + WS_DATA_HEADER_LEN,
			.dst = msg + WS_DATA_HEADER_LEN,
			.len = mlen[i] - WS_DATA_OVERHEAD,
			.tag = msg + mlen[i] - WS_AEAD_TAG_LEN,
		};
		kps[nl] = kp;
		off[nl] = off[i];
		mlen[nl] = mlen[i];
		live[nl++] = m;
	}
	WS_DP_PROF(WS_DP_PROF_CRYPTO);
	if (nl)
		ws_cb_process(e, WS_CB_DECRYPT, ops, nl);
	WS_DP_PROF(WS_DP_PROF_REPLAY);

	/* authenticated, fresh, from whom: keep what passes in live[0..k) */
	uint16_t k = 0;
	/* per-peer statistics are summed over runs of one peer: one atomic add per run */
	struct ws_dp_peer *run = NULL;
	uint64_t run_bytes = 0, run_pkts = 0;
	const struct rte_mbuf *run_src = NULL;

	/*
	 * The replay windows, after authentication only. A keypair's lock is held over a run of
	 * its packets (a burst is mostly one flow): one lock round trip per run, not per packet.
	 */
	bool fresh[CHUNK];
	struct ws_dp_keypair *locked = NULL, *run_kp = NULL;
	struct ws_dp_peer *p = NULL;
	bool p_live = false;

	for (uint16_t i = 0; i < nl; i++) {
		if (unlikely(ops[i].status != 0)) {
			fresh[i] = false;
			continue;
		}
		if (kps[i] != locked) {
			if (locked)
				rte_spinlock_unlock(&locked->replay_lock);
			locked = kps[i];
			rte_spinlock_lock(&locked->replay_lock);
		}
		fresh[i] = ws_replay_check(&locked->replay, ops[i].counter);
	}
	if (locked)
		rte_spinlock_unlock(&locked->replay_lock);

	WS_DP_PROF(WS_DP_PROF_PEER);
	for (uint16_t i = 0; i < nl; i++) {
		struct rte_mbuf *m = live[i];
		struct ws_dp_keypair *kp = kps[i];
		bool new_kp;

		if (unlikely(ops[i].status != 0)) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_DECRYPT_AUTH, 1);
			drop[nd++] = m;
			continue;
		}
		if (unlikely(!fresh[i])) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_REPLAY, 1);
			drop[nd++] = m;
			continue;
		}
		/* what depends on the keypair only is looked at once per run of its packets */
		new_kp = kp != run_kp;
		if (new_kp) {
			run_kp = kp;
			p = &ws_dp_tables.peers[kp->peer_id];
			p_live = __atomic_load_n(&p->live, __ATOMIC_ACQUIRE);
		}
		if (unlikely(!p_live)) {
			/* removed while the keypair waits for its grace period */
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_UNKNOWN_INDEX, 1);
			drop[nd++] = m;
			continue;
		}
		if (p != run) {
			if (run) {
				ws_dp_stat_add(&run->rx_bytes, run_bytes);
				ws_dp_stat_add(&run->rx_packets, run_pkts);
			}
			run = p;
			run_bytes = run_pkts = 0;
			run_src = NULL;
			ws_dp_time_store(&p->last_rx_ns, now);
		}
		run_bytes += mlen[i];
		run_pkts++;
		/* the source is checked once per run of packets from one address */
		if (!run_src || !same_source(run_src, m)) {
			roam_check(lc, p, m, kp->peer_id, now);
			run_src = m;
		}
		if (new_kp)
			keypair_events(lc, p, kp, now);
		if (ops[i].len == 0) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_RX_KEEPALIVE, 1);
			drop[nd++] = m; /* consumed */
			continue;
		}
		inner_len[k] = inner_parse(ops[i].dst, ops[i].len, &ver[k]);
		if (unlikely(inner_len[k] == 0)) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_INNER_MALFORMED, 1);
			drop[nd++] = m;
			continue;
		}
		if (ver[k] == 4) {
			uint32_t s;

			memcpy(&s, ops[i].dst + 12, 4);
			src4[na4] = rte_be_to_cpu_32(s);
			at4[na4++] = k;
		} else {
			memcpy(src6[na6], ops[i].dst + 8, 16);
			at6[na6++] = k;
		}
		if (k == 0 || kps[k - 1] != kp)
			ws_dp_time_store(&p->last_rx_data_ns, now);
		kps[k] = kp;
		off[k] = off[i] + WS_DATA_HEADER_LEN;
		live[k++] = m;
	}
	if (run) {
		ws_dp_stat_add(&run->rx_bytes, run_bytes);
		ws_dp_stat_add(&run->rx_packets, run_pkts);
	}
	WS_DP_PROF(WS_DP_PROF_AIP);
	if (na4) /* one lookup per run of equal addresses */
		ws_dp_fib4_lookup_runs(src4, nh4, na4);
	if (na6)
		ws_dp_fib6_lookup(src6, nh6, na6);
	/* map the verdicts back: nhv[k] = the owner of packet k's source */
	uint64_t nhv[CHUNK];

	for (uint16_t j = 0; j < na4; j++)
		nhv[at4[j]] = nh4[j];
	for (uint16_t j = 0; j < na6; j++)
		nhv[at6[j]] = nh6[j];
	WS_DP_PROF(WS_DP_PROF_ENCAP);
	struct eth_tmpl tmpl;
	uint16_t n_bad_src = 0;

	if (k && ws_dp.tun >= 0)
		eth_tmpl_init(&tmpl);
	for (uint16_t j = 0; j < k; j++) {
		if (unlikely(nhv[j] != kps[j]->peer_id)) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_INNER_SOURCE, 1);
			n_bad_src++;
			drop[nd++] = live[j];
			continue;
		}
		deliver(lc, live[j], off[j], inner_len[j], ver[j], &tmpl);
	}
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_RX_DECRYPTED, k - n_bad_src);
	WS_DP_PROF(WS_DP_PROF_TX);
	if (nd)
		rte_pktmbuf_free_bulk(drop, nd);
}

void ws_dp_stage_decrypt(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct ws_cb_engine *e = ws_dp.engines[rte_lcore_id()];
	const uint64_t now = ws_dp_now();

	if (unlikely(!e)) {
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_NO_ENGINE, n);
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	for (uint16_t i = 0; i < n; i += CHUNK)
		decrypt_chunk(lc, e, pkts + i, (uint16_t)RTE_MIN(CHUNK, n - i), now);
}
