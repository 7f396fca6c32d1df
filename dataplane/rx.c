/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WAN receive stage: classify a burst and split it. The common case (transport data) moves on
 * as one burst; kernel-bound frames and handshakes leave one by one into their own buffers.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_prefetch.h>

#include "messages.h"

#include "stages.h"

/*
 * ARP and neighbour discovery on their way to the kernel: the sender's address and MAC, for
 * the service lcore's neighbour table (the next hops of our endpoints). Rare frames.
 */
static void snoop_neigh(struct ws_dp_lcore *lc, struct rte_mbuf *m, const struct ws_dp_pkt_meta *meta)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l2_len);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct ws_dp_wevent ev = {.type = WS_DP_WEV_NEIGH};
	uint16_t type;

	if (meta->l2_len < RTE_ETHER_HDR_LEN || len < meta->l2_len)
		return;
	memcpy(&type, l3 - 2, 2);
	type = rte_be_to_cpu_16(type);
	len -= meta->l2_len;
	if (type == RTE_ETHER_TYPE_ARP && len >= 28) {
		/* Ethernet/IPv4 ARP: sender MAC at 8, sender IP at 14 */
		if (l3[0] != 0 || l3[1] != 1 || l3[2] != 8 || l3[3] != 0 || l3[4] != 6 || l3[5] != 4)
			return;
		ev.family = AF_INET;
		memcpy(ev.mac, l3 + 8, 6);
		memcpy(ev.addr, l3 + 14, 4);
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= 40 + 4 && l3[6] == IPPROTO_ICMPV6 &&
		   (l3[40] == 135 || l3[40] == 136)) {
		static const uint8_t unspec[16];

		if (!memcmp(l3 + 8, unspec, 16))
			return;
		ev.family = AF_INET6;
		memcpy(ev.mac, eth->src_addr.addr_bytes, 6);
		memcpy(ev.addr, l3 + 8, 16);
	} else {
		return;
	}
	ws_dp_post_event(lc, &ev);
}

enum { PREFETCH = 4 };

static const enum ws_dp_counter rx_event[] = {
	[WS_MSG_INITIATION] = WS_DP_CNT_RX_WG_INITIATION,
	[WS_MSG_RESPONSE] = WS_DP_CNT_RX_WG_RESPONSE,
	[WS_MSG_COOKIE] = WS_DP_CNT_RX_WG_COOKIE,
	[WS_MSG_DATA] = WS_DP_CNT_RX_WG_DATA,
};

void ws_dp_stage_wan_rx(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *data[WS_DP_BURST_MAX], *hs[WS_DP_BURST_MAX], *bad[WS_DP_BURST_MAX];
	uint16_t nd = 0, nh = 0, nb = 0, nk = 0;
	struct ws_dp_pkt_meta meta;

	WS_DP_PROF(WS_DP_PROF_CLASSIFY);
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_WAN_RX, n);
	/* the headers of the first frames too, not only those PREFETCH ahead of the loop */
	for (uint16_t i = 0; i < n && i < PREFETCH; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + PREFETCH < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH], void *));
		switch (ws_dp_classify_mbuf(&ws_dp.cls, m, &meta)) {
		case WS_DP_V_WG:
			if (likely(meta.msg_type == WS_MSG_DATA)) {
				data[nd++] = m;
			} else {
				ws_dp_cnt_add(lc->cnt, rx_event[meta.msg_type], 1);
				hs[nh++] = m;
			}
			break;
		case WS_DP_V_KERNEL:
			if (unlikely(meta.reason))
				ws_dp_cnt_add(lc->cnt, meta.reason, 1);
			nk++;
			if (unlikely(meta.ip_version != 4))
				snoop_neigh(lc, m, &meta);
			ws_dp_tx(lc, ws_dp.exc, m);
			break;
		case WS_DP_V_DROP:
			ws_dp_cnt_add(lc->cnt, meta.reason, 1);
			bad[nb++] = m;
			break;
		}
	}
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_TO_KERNEL, nk);
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_RX_WG_DATA, nd);
	if (nb)
		rte_pktmbuf_free_bulk(bad, nb);
	if (nh)
		ws_dp_stage_handshake(lc, hs, nh);
	if (nd)
		lc->data_stage(lc, data, nd);
}
