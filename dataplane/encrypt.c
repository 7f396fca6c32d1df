/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encrypt stage (send path): allowed-ips lookup by destination, peer, keypair, batch encrypt,
 * UDP/IP encapsulation towards the peer's endpoint. Not built yet: plaintext from the tunnel
 * TAP or a LAN port is counted as unhandled and freed.
 */
#include "stages.h"

void ws_dp_stage_encrypt(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_PLAIN_RX, n);
	ws_dp_cnt_add(lc->cnt, WS_DP_CNT_PLAIN_UNHANDLED, n);
	rte_pktmbuf_free_bulk(pkts, n);
}
