/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decrypt stage (receive path): keypair lookup by receiver index, batch decrypt, replay window,
 * allowed-ips check, delivery. Not built yet: until the keypair tables and the batch crypto
 * engine are wired in, transport data is counted as unhandled and freed (never forwarded).
 */
#include "stages.h"

void ws_dp_stage_decrypt(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_UNHANDLED_DATA, n);
	rte_pktmbuf_free_bulk(pkts, n);
}
