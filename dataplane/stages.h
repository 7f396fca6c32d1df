/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pipeline stages. Each takes a burst from the stage before it and owns those mbufs: it hands
 * every one on (tx buffer, ring, next stage) or frees it, exactly once. Run-to-completion and
 * pipeline mode are two wirings of the same stages (see worker.c).
 */
#ifndef WS_DP_STAGES_H
#define WS_DP_STAGES_H

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane.h"

/*
 * Per-stage cycle profile, compiled in only with -DWS_DP_STAGE_PROFILE (the benchmark's
 * ws-bench-dataplane-profile builds the stage sources again with it; the dataplane itself never
 * does, so these are no-ops there). WS_DP_PROF(s) charges the cycles since the previous mark to
 * the stage that was running and makes s the running one, so the stages add up to the whole.
 * One global accumulator: single-lcore use only.
 */
enum ws_dp_prof_stage {
	WS_DP_PROF_OUTSIDE,  /* not in a stage (the benchmark's own work) */
	WS_DP_PROF_CLASSIFY, /* rx classify (decrypt), Ethernet/IP parse (encrypt) */
	WS_DP_PROF_KEYPAIR,  /* receiver index -> keypair, or peer -> keypair, counter, padding */
	WS_DP_PROF_CRYPTO,   /* ws_cb_process */
	WS_DP_PROF_REPLAY,   /* replay windows */
	WS_DP_PROF_PEER,     /* peer liveness, statistics, roaming, inner header parse */
	WS_DP_PROF_AIP,      /* allowed-ips lookup and verdicts */
	WS_DP_PROF_ENCAP,    /* new Ethernet header (decrypt), outer headers + checksums (encrypt) */
	WS_DP_PROF_TX,       /* tx buffering, rte_eth_tx_burst, freeing drops */
	WS_DP_PROF_MAX
};

#ifdef WS_DP_STAGE_PROFILE
struct ws_dp_prof {
	uint64_t t;
	unsigned int cur, saved;
	uint64_t cyc[WS_DP_PROF_MAX];
};
extern struct ws_dp_prof ws_dp_prof;

static inline void ws_dp_prof_enter(unsigned int s)
{
	uint64_t now = rte_rdtsc();

	ws_dp_prof.cyc[ws_dp_prof.cur] += now - ws_dp_prof.t;
	ws_dp_prof.t = now;
	ws_dp_prof.cur = s;
}
#define WS_DP_PROF(s) ws_dp_prof_enter(s)
/* one level of nesting, for the tx flush that happens inside another stage */
#define WS_DP_PROF_PUSH(s)                          \
	do {                                        \
		ws_dp_prof.saved = ws_dp_prof.cur;  \
		ws_dp_prof_enter(s);                \
	} while (0)
#define WS_DP_PROF_POP() ws_dp_prof_enter(ws_dp_prof.saved)
#else
#define WS_DP_PROF(s) ((void)0)
#define WS_DP_PROF_PUSH(s) ((void)0)
#define WS_DP_PROF_POP() ((void)0)
#endif

/* rx.c: WAN burst -> classify -> kernel / handshake / data (lc->data_stage) / drop */
void ws_dp_stage_wan_rx(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
/* exception.c: frames the kernel sent out the exception TAP -> WAN, unchanged */
void ws_dp_stage_from_kernel(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
/* steer.c: pipeline io lcores hand transport data to crypto lcores by flow hash */
void ws_dp_stage_steer(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
/* handshake.c: handshake messages -> service ring */
void ws_dp_stage_handshake(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
/* decrypt.c: transport data (receive path) */
void ws_dp_stage_decrypt(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
/* encrypt.c: plaintext from the tunnel TAP or a LAN port (send path) */
void ws_dp_stage_encrypt(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);

/* encrypt.c: frames from the service lcore (priv kind RAW -> WAN, LAN -> LAN port,
 * PLAIN -> encrypt) */
void ws_dp_stage_service_tx(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);

/* Buffered transmit on this lcore's own queue of port index `port`. */
static inline void ws_dp_tx_flush(struct ws_dp_lcore *lc, struct ws_dp_txq *q)
{
	uint16_t sent;

	if (q->n == 0)
		return;
	WS_DP_PROF_PUSH(WS_DP_PROF_TX);
	sent = rte_eth_tx_burst(ws_dp.ports[q->port].port_id, q->queue, q->pkts, q->n);
	if (unlikely(sent < q->n)) {
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_TX_FULL, q->n - sent);
		rte_pktmbuf_free_bulk(&q->pkts[sent], q->n - sent);
	}
	if ((int)q->port == ws_dp.wan)
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_WAN_TX, sent);
	q->n = 0;
	WS_DP_PROF_POP();
}

static inline void ws_dp_tx(struct ws_dp_lcore *lc, int port, struct rte_mbuf *m)
{
	struct ws_dp_txq *q;

	if (unlikely(port < 0)) {
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_NO_TX_PORT, 1);
		rte_pktmbuf_free(m);
		return;
	}
	q = &lc->tx[port];
	q->pkts[q->n++] = m;
	if (unlikely(q->n == ws_dp.burst))
		ws_dp_tx_flush(lc, q);
}

static inline void ws_dp_tx_flush_all(struct ws_dp_lcore *lc)
{
	for (unsigned int i = 0; i < ws_dp.n_ports; i++)
		ws_dp_tx_flush(lc, &lc->tx[i]);
}

#endif
