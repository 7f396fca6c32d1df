/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WAN receive stage: classify a burst and split it. The common case (transport data) moves on
 * as one burst; kernel-bound frames and handshakes leave one by one into their own buffers.
 */
#include <rte_prefetch.h>

#include "messages.h"

#include "stages.h"

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

	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_WAN_RX, n);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + 3 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 3], void *));
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
