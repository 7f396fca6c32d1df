/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake stage: initiations, responses and cookie replies that passed the size and type
 * checks go to the service lcore over one ring (many producers, one consumer). The cheap
 * filters (mac1, cookie under load, per-source rate limit) belong here and land with the
 * cookie and rate-limit tables.
 */
#include "stages.h"

void ws_dp_stage_handshake(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	unsigned int done;

	done = rte_ring_mp_enqueue_burst(ws_dp.service_ring, (void **)pkts, n, NULL);
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_HANDSHAKE_TO_SERVICE, done);
	if (unlikely(done < n)) {
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_SERVICE_RING_FULL, n - done);
		rte_pktmbuf_free_bulk(&pkts[done], n - done);
	}
}
