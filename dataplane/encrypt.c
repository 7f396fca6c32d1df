/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encrypt stage (send path), a burst at a time: inner destination -> allowed-ips (one bulk
 * lookup per family) -> peer -> its current keypair. Without a usable keypair the packet is
 * staged with the service lcore (which asks for a handshake); otherwise it takes a counter
 * (atomic: several lcores may send for one peer), is zero-padded as the kernel pads, encrypted
 * in one batch with the rest of the burst, and leaves the WAN in UDP from our listen port to
 * the peer's endpoint. The service lcore's frames (handshakes, ARP/ND, keepalives, flushed
 * staged packets) come in through ws_dp_stage_service_tx().
 */
#include <string.h>
#include <sys/socket.h>

#include <rte_ip.h>

#include "cryptobatch.h"
#include "encap.h"
#include "messages.h"
#include "stages.h"
#include "tables.h"
#include "transport.h"

enum { CHUNK = 64 };

#define SEC(x) ((uint64_t)(x) * WS_NSEC_PER_SEC)

_Static_assert(WS_PADDING_MULTIPLE <= WS_AEAD_TAG_LEN, "one clear covers padding and tag");

/* ws_transport_padded_len() for len <= mtu (checked before), inlined for the hot loop */
static inline uint32_t padded_len(uint32_t len, uint32_t mtu)
{
	uint32_t padded = (len + WS_PADDING_MULTIPLE - 1) & ~(uint32_t)(WS_PADDING_MULTIPLE - 1);

	return padded > mtu ? mtu : padded;
}

static inline void stage(struct ws_dp_lcore *lc, struct rte_mbuf *m, uint32_t peer)
{
	ws_dp_priv(m)->peer = peer;
	ws_dp_priv(m)->kind = WS_DP_MK_PLAIN;
	if (unlikely(rte_ring_mp_enqueue(ws_dp.stage_ring, m) != 0)) {
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_STAGE_RING_FULL, 1);
		rte_pktmbuf_free(m);
	}
}

/* Encrypts inner packets (at each mbuf's data start; length 0 = keepalive) for peers[i]. */
static void encrypt_chunk(struct ws_dp_lcore *lc, struct ws_cb_engine *e, struct rte_mbuf **pkts,
			  const uint32_t *peers, uint16_t n, uint64_t now)
{
	struct ws_cb_op ops[CHUNK];
	struct ws_dp_endpoint eps[CHUNK]; /* one consistent read per run of one peer */
	const struct ws_dp_endpoint *ep[CHUNK];
	struct ws_dp_peer *pp[CHUNK];
	struct rte_mbuf *live[CHUNK], *drop[CHUNK];
	uint16_t nl = 0, nd = 0, ne = 0;
	const uint32_t mtu = ws_dp.tun_mtu;
	struct ws_dp_peer *ep_of = NULL; /* eps[ne - 1] was read for this peer */
	/* counters are taken a run at a time: one atomic add per run of one peer's packets
	 * (a counter left unused by a later drop is a harmless gap for the receiver's window) */
	struct ws_dp_keypair *ctr_kp = NULL;
	uint64_t ctr_next = 0, ctr_end = 0;

	WS_DP_PROF(WS_DP_PROF_KEYPAIR);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct ws_dp_peer *p = ws_dp_peer_get(peers[i]);
		struct ws_dp_keypair *kp;
		uint32_t len = rte_pktmbuf_data_len(m), padded;
		uint64_t counter;
		uint8_t *hdr, *tail;

		if (unlikely(!p || !__atomic_load_n(&p->live, __ATOMIC_ACQUIRE))) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_NO_PEER, 1);
			drop[nd++] = m;
			continue;
		}
		kp = ws_dp_peer_kp(p, WS_DP_KP_CURRENT);
		if (unlikely(!kp || now - kp->birth_ns >= SEC(WS_REJECT_AFTER_TIME))) {
			stage(lc, m, peers[i]);
			continue;
		}
		if (unlikely(len > mtu)) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_TOO_BIG, 1);
			drop[nd++] = m;
			continue;
		}
		if (ep_of != p) {
			ws_dp_peer_endpoint(p, &eps[ne++]);
			ep_of = p;
		}
		ep[nl] = &eps[ne - 1];
		if (unlikely(!ep[nl]->addr.family)) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_NO_ENDPOINT, 1);
			drop[nd++] = m;
			continue;
		}
		if (unlikely(!ep[nl]->have_mac)) {
			uint64_t old = __atomic_load_n(&p->last_solicit_post_ns, __ATOMIC_RELAXED);

			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_NO_NEIGH, 1);
			drop[nd++] = m;
			/* ask the service lcore to resolve it, at most once a second per peer */
			if ((!old || now - old >= WS_NSEC_PER_SEC) &&
			    __atomic_compare_exchange_n(&p->last_solicit_post_ns, &old, now, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				struct ws_dp_wevent ev = {.type = WS_DP_WEV_SOLICIT,
							  .peer_id = peers[i]};

				ws_dp_post_event(lc, &ev);
			}
			continue;
		}
		padded = padded_len(len, mtu);
		if (unlikely(rte_pktmbuf_tailroom(m) < padded - len + WS_AEAD_TAG_LEN ||
			     rte_pktmbuf_headroom(m) < WS_DATA_HEADER_LEN + WS_DP_ENCAP6_LEN ||
			     m->nb_segs != 1)) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_NO_ROOM, 1);
			drop[nd++] = m;
			continue;
		}
		if (kp != ctr_kp || ctr_next == ctr_end) {
			uint16_t run = 1;

			while (i + run < n && peers[i + run] == peers[i])
				run++;
			ctr_kp = kp;
			ctr_next = __atomic_fetch_add(&kp->send_counter, run, __ATOMIC_RELAXED);
			ctr_end = ctr_next + run;
		}
		counter = ctr_next++;
		if (unlikely(counter >= WS_REJECT_AFTER_MESSAGES)) {
			stage(lc, m, peers[i]);
			continue;
		}
		/* keep_key_fresh on send */
		if (kp->initiator && (now - kp->birth_ns >= SEC(WS_REKEY_AFTER_TIME) ||
				      counter >= WS_REKEY_AFTER_MESSAGES)) {
			uint64_t old = __atomic_load_n(&p->last_rekey_post_ns, __ATOMIC_RELAXED);

			if ((!old || now - old >= WS_NSEC_PER_SEC) &&
			    __atomic_compare_exchange_n(&p->last_rekey_post_ns, &old, now, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				struct ws_dp_wevent ev = {.type = WS_DP_WEV_REKEY,
							  .peer_id = peers[i]};

				ws_dp_post_event(lc, &ev);
			}
		}
		/*
		 * Room was checked above: grow the mbuf in place. The padding is under 16 bytes
		 * and the tag follows it, so one fixed 16-byte clear covers it (the tag overwrites
		 * the rest).
		 */
		tail = rte_pktmbuf_mtod_offset(m, uint8_t *, len);
		memset(tail, 0, WS_PADDING_MULTIPLE);
		hdr = tail - len - WS_DATA_HEADER_LEN;
		m->data_off = (uint16_t)(m->data_off - WS_DATA_HEADER_LEN);
		m->data_len = (uint16_t)(WS_DATA_HEADER_LEN + padded + WS_AEAD_TAG_LEN);
		m->pkt_len = m->data_len;
		{
			uint32_t t = ws_to_le32(WS_MSG_DATA), r = ws_to_le32(kp->remote_index);
			uint64_t c = ws_to_le64(counter);

			memcpy(hdr, &t, 4);
			memcpy(hdr + 4, &r, 4);
			memcpy(hdr + 8, &c, 8);
		}
		ops[nl] = (struct ws_cb_op){
			.key = kp->send_key,
			.counter = counter,
			.src = hdr + WS_DATA_HEADER_LEN,
			.dst = hdr + WS_DATA_HEADER_LEN,
			.len = padded,
			.tag = hdr + WS_DATA_HEADER_LEN + padded,
		};
		pp[nl] = p;
		live[nl++] = m;
	}
	WS_DP_PROF(WS_DP_PROF_CRYPTO);
	if (nl)
		ws_cb_process(e, WS_CB_ENCRYPT, ops, nl);
	WS_DP_PROF(WS_DP_PROF_ENCAP);

	/* per-peer statistics summed over runs of one peer: one atomic add per run */
	struct ws_dp_peer *run = NULL;
	uint64_t run_bytes = 0, run_pkts = 0, n_data = 0, n_keepalive = 0;
	/* the outer headers, built once per run of one endpoint */
	struct ws_dp_encap_tmpl tmpl;
	const struct ws_dp_endpoint *tmpl_of = NULL;
	int tmpl_ok = 0;

	for (uint16_t i = 0; i < nl; i++) {
		struct rte_mbuf *m = live[i];
		uint32_t wlen = rte_pktmbuf_data_len(m);

		if (ep[i] != tmpl_of) {
			tmpl_ok = ws_dp_encap_tmpl_init(&tmpl, ep[i]) == 0;
			tmpl_of = ep[i];
		}
		if (unlikely(!tmpl_ok || ws_dp_encap_apply(m, &tmpl))) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_NO_ROOM, 1);
			drop[nd++] = m;
			continue;
		}
		if (pp[i] != run) {
			if (run) {
				ws_dp_stat_add(&run->tx_bytes, run_bytes);
				ws_dp_stat_add(&run->tx_packets, run_pkts);
			}
			run = pp[i];
			run_bytes = run_pkts = 0;
			ws_dp_time_store(&run->last_tx_ns, now);
		}
		run_bytes += wlen;
		run_pkts++;
		if (ops[i].len) {
			if (n_data++ == 0 || pp[i] != pp[i - 1])
				ws_dp_time_store(&pp[i]->last_tx_data_ns, now);
		} else {
			n_keepalive++;
		}
		ws_dp_tx(lc, ws_dp.wan, m);
	}
	if (run) {
		ws_dp_stat_add(&run->tx_bytes, run_bytes);
		ws_dp_stat_add(&run->tx_packets, run_pkts);
	}
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_TX_ENCRYPTED, n_data);
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_TX_KEEPALIVE, n_keepalive);
	WS_DP_PROF(WS_DP_PROF_TX);
	if (nd)
		rte_pktmbuf_free_bulk(drop, nd);
}

static void encrypt_for(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, const uint32_t *peers,
			uint16_t n)
{
	struct ws_cb_engine *e = ws_dp.engines[rte_lcore_id()];
	const uint64_t now = ws_dp_now();

	if (unlikely(!e)) {
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_NO_ENGINE, n);
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	for (uint16_t i = 0; i < n; i += CHUNK)
		encrypt_chunk(lc, e, pkts + i, peers + i, (uint16_t)RTE_MIN(CHUNK, n - i), now);
}

void ws_dp_stage_encrypt(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *ok[WS_DP_BURST_MAX], *drop[WS_DP_BURST_MAX];
	uint32_t dst4[WS_DP_BURST_MAX], peers[WS_DP_BURST_MAX];
	uint8_t dst6[WS_DP_BURST_MAX][16];
	uint64_t nh4[WS_DP_BURST_MAX], nh6[WS_DP_BURST_MAX];
	uint16_t at4[WS_DP_BURST_MAX], at6[WS_DP_BURST_MAX];
	uint16_t nok = 0, nd = 0, n4 = 0, n6 = 0, k = 0;

	WS_DP_PROF(WS_DP_PROF_CLASSIFY);
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_PLAIN_RX, n);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		uint32_t len = rte_pktmbuf_data_len(m);
		uint16_t type;
		const uint8_t *ip;

		if (unlikely(len < RTE_ETHER_HDR_LEN + 20 || m->nb_segs != 1))
			goto not_ip;
		type = rte_be_to_cpu_16(eth->ether_type);
		ip = (const uint8_t *)(eth + 1);
		if (type == RTE_ETHER_TYPE_IPV4 && (ip[0] >> 4) == 4) {
			uint32_t d;

			memcpy(&d, ip + 16, 4);
			dst4[n4] = rte_be_to_cpu_32(d);
			at4[n4++] = nok;
		} else if (type == RTE_ETHER_TYPE_IPV6 && len >= RTE_ETHER_HDR_LEN + 40 &&
			   (ip[0] >> 4) == 6) {
			memcpy(dst6[n6], ip + 24, 16);
			at6[n6++] = nok;
		} else {
			goto not_ip;
		}
		rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
		ok[nok++] = m;
		continue;
not_ip:
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_PLAIN_NOT_IP, 1);
		drop[nd++] = m;
	}
	_Static_assert((int)WS_DP_BURST_MAX <= (int)WS_DP_LOOKUP_MAX, "lookup buffers too small");
	WS_DP_PROF(WS_DP_PROF_AIP);
	if (n4) /* one lookup per run of equal addresses */
		ws_dp_fib4_lookup_runs(dst4, nh4, n4);
	if (n6)
		ws_dp_fib6_lookup(dst6, nh6, n6);
	for (uint16_t j = 0; j < n4; j++)
		peers[at4[j]] = nh4[j] < ws_dp_tables.max_peers ? (uint32_t)nh4[j] : WS_DP_NH_NONE;
	for (uint16_t j = 0; j < n6; j++)
		peers[at6[j]] = nh6[j] < ws_dp_tables.max_peers ? (uint32_t)nh6[j] : WS_DP_NH_NONE;
	/* compact out the packets for nobody */
	for (uint16_t j = 0; j < nok; j++) {
		if (unlikely(peers[j] == WS_DP_NH_NONE)) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_NO_PEER, 1);
			drop[nd++] = ok[j];
			continue;
		}
		peers[k] = peers[j];
		ok[k++] = ok[j];
	}
	if (nd)
		rte_pktmbuf_free_bulk(drop, nd);
	if (k)
		encrypt_for(lc, ok, peers, k);
}

void ws_dp_stage_service_tx(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *plain[WS_DP_BURST_MAX];
	uint32_t peers[WS_DP_BURST_MAX];
	uint16_t np = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct ws_dp_mbuf_priv *pv = ws_dp_priv(pkts[i]);

		if (pv->kind == WS_DP_MK_PLAIN) {
			peers[np] = pv->peer;
			plain[np++] = pkts[i];
		} else if (pv->kind == WS_DP_MK_LAN) {
			ws_dp_tx(lc, ws_dp.lan, pkts[i]);
		} else {
			ws_dp_tx(lc, ws_dp.wan, pkts[i]);
		}
	}
	if (np)
		encrypt_for(lc, plain, peers, np);
}
