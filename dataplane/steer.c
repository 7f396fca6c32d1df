/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Steer stage (pipeline mode): io lcores hand transport data to crypto lcores over rings,
 * choosing the lcore by flow hash so one flow (one peer endpoint, hence one keypair's replay
 * window) stays on one crypto lcore (hash and index in steer.h).
 */
#include "stages.h"
#include "steer.h"

void ws_dp_stage_steer(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *sorted[WS_DP_BURST_MAX];
	uint16_t idx[WS_DP_BURST_MAX], start[RTE_MAX_LCORE + 1] = {0};
	unsigned int nc = ws_dp.n_crypto;

	/* counting sort by target, so each ring gets one bulk enqueue */
	for (uint16_t i = 0; i < n; i++) {
		idx[i] = (uint16_t)ws_dp_steer_index(ws_dp_flow_hash(pkts[i]), nc);
		start[idx[i] + 1]++;
	}
	for (unsigned int t = 0; t < nc; t++)
		start[t + 1] += start[t];
	for (uint16_t i = 0; i < n; i++)
		sorted[start[idx[i]]++] = pkts[i];
	/* start[t] is now the end of target t's run */
	for (unsigned int t = 0, begin = 0; t < nc; begin = start[t], t++) {
		unsigned int cnt = start[t] - begin, done;
		struct rte_ring *r;

		if (!cnt)
			continue;
		r = ws_dp.lcores[ws_dp.crypto_lcores[t]].in_ring;
		done = rte_ring_mp_enqueue_burst(r, (void **)&sorted[begin], cnt, NULL);
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_RING_STEERED, done);
		if (unlikely(done < cnt)) {
			ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_RING_FULL, cnt - done);
			rte_pktmbuf_free_bulk(&sorted[begin + done], cnt - done);
		}
	}
}
