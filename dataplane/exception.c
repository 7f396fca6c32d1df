/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exception path, kernel to wire: what the kernel sends out the WAN's exception TAP (ARP
 * replies, ICMP, management traffic) leaves the WAN port unchanged. The other direction is the
 * kernel verdict of the WAN receive stage.
 */
#include "stages.h"

void ws_dp_stage_from_kernel(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_FROM_KERNEL, n);
	for (uint16_t i = 0; i < n; i++)
		ws_dp_tx(lc, ws_dp.wan, pkts[i]);
}
