/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores. Run-to-completion and pipeline are two wirings of the same stages:
 *   rtc:      rx queue -> wan_rx -> decrypt                      (one lcore, its own tx queues)
 *   pipeline: rx queue -> wan_rx -> steer ==ring==> decrypt      (io lcore, then crypto lcore)
 * Every lcore that transmits has its own tx queue on every port (its data_index), so tx needs
 * no locks. Rx queues (wire ports and TAPs alike) are spread over the pollers.
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "cryptobatch.h"
#include "lan.h"
#include "stages.h"
#include "tables.h"

struct ws_dp ws_dp;

static int add_rxq(struct ws_dp_lcore *lc, unsigned int port, uint16_t queue,
		   ws_dp_stage_fn stage, char *err, size_t errlen)
{
	if (lc->n_rxq == WS_DP_MAX_RXQ) {
		snprintf(err, errlen, "more than %d rx queues on one lcore", WS_DP_MAX_RXQ);
		return -1;
	}
	struct rte_eth_dev_info info;
	bool may_block = rte_eth_dev_info_get(ws_dp.ports[port].port_id, &info) == 0 &&
			 info.driver_name && !strcmp(info.driver_name, "net_pcap");

	lc->rxq[lc->n_rxq++] = (struct ws_dp_rxq){
		.port = (uint16_t)port, .queue = queue, .may_block = may_block, .stage = stage};
	return 0;
}

int ws_dp_lcores_assign(struct ws_dp *dp, char *err, size_t errlen)
{
	const struct ws_dp_lcores_cfg *l = &dp->cfg->lcores;
	const bool rtc = l->mode == WS_DP_LCORES_RTC;
	const unsigned int *pollers = rtc ? l->workers : l->io;
	unsigned int n_pollers = rtc ? l->n_workers : l->n_io;
	unsigned int ids[2 * WS_DP_MAX_LCORES], n = 0;
	char name[RTE_RING_NAMESIZE];

	if (rte_get_main_lcore() != l->service) {
		snprintf(err, errlen,
			 "the main lcore is %u but dataplane.lcores.service is %u (raw EAL "
			 "arguments changed it?)",
			 rte_get_main_lcore(), l->service);
		return -1;
	}
	for (unsigned int i = 0; i < n_pollers; i++)
		ids[n++] = pollers[i];
	if (!rtc)
		for (unsigned int i = 0; i < l->n_crypto; i++)
			ids[n++] = l->crypto[i];
	for (unsigned int d = 0; d < n; d++) {
		struct ws_dp_lcore *lc = &dp->lcores[ids[d]];

		if (ids[d] >= RTE_MAX_LCORE || !rte_lcore_is_enabled(ids[d])) {
			snprintf(err, errlen,
				 "lcore %u is not enabled (EAL lcore list; see dataplane.lcores)",
				 ids[d]);
			return -1;
		}
		lc->data_index = d;
		lc->cnt = &ws_dp_counters[ids[d]];
		if (rtc) {
			lc->role = WS_DP_LCORE_RTC;
			lc->data_stage = ws_dp_stage_decrypt;
		} else if (d < n_pollers) {
			lc->role = WS_DP_LCORE_IO;
			lc->data_stage = ws_dp_stage_steer;
		} else {
			lc->role = WS_DP_LCORE_CRYPTO;
			lc->data_stage = ws_dp_stage_decrypt;
			snprintf(name, sizeof(name), "ws_crypto_%u", ids[d]);
			lc->in_ring = rte_ring_create(name, WS_DP_CRYPTO_RING,
						      (int)rte_lcore_to_socket_id(ids[d]),
						      RING_F_SC_DEQ);
			if (!lc->in_ring) {
				snprintf(err, errlen, "cannot create ring %s: %s", name,
					 rte_strerror(rte_errno));
				return -1;
			}
			dp->crypto_lcores[dp->n_crypto++] = ids[d];
		}
		for (unsigned int p = 0; p < dp->n_ports; p++)
			lc->tx[p] = (struct ws_dp_txq){.port = (uint16_t)p, .queue = (uint16_t)d};
	}
	dp->lcores[l->service].cnt = &ws_dp_counters[l->service];

	/* rx queues of the wire ports spread over the pollers; each TAP has one poller */
	for (unsigned int p = 0; p < dp->n_ports; p++) {
		const struct ws_dp_port *port = &dp->ports[p];
		ws_dp_stage_fn stage;

		switch (port->kind) {
		case WS_DP_PORT_WAN:
			stage = ws_dp_stage_wan_rx;
			break;
		case WS_DP_PORT_EXC:
			stage = ws_dp_stage_from_kernel;
			break;
		case WS_DP_PORT_LAN:
			stage = ws_dp_stage_lan_rx;
			break;
		case WS_DP_PORT_LAN_EXC:
			stage = ws_dp_stage_from_lan_kernel;
			break;
		default:
			stage = ws_dp_stage_encrypt;
			break;
		}
		for (uint16_t q = 0; q < port->n_rxq; q++) {
			unsigned int who = port->kind == WS_DP_PORT_TUN ? (q + 1u) % n_pollers
									: q % n_pollers;

			if (add_rxq(&dp->lcores[pollers[who]], p, q, stage, err, errlen))
				return -1;
		}
	}
	dp->service_ring = rte_ring_create("ws_service", WS_DP_SERVICE_RING,
					   (int)rte_socket_id(), RING_F_SC_DEQ);
	if (!dp->service_ring) {
		snprintf(err, errlen, "cannot create the service ring: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* What the service lcore wants sent: any poller takes it (multi-consumer ring). */
static inline unsigned int service_tx(struct ws_dp_lcore *lc, struct rte_mbuf **pkts,
				      uint16_t burst)
{
	unsigned int n = rte_ring_mc_dequeue_burst(ws_dp.svc_tx_ring, (void **)pkts, burst, NULL);

	if (unlikely(n))
		ws_dp_stage_service_tx(lc, pkts, (uint16_t)n);
	return n;
}

static inline void cycles_add(uint64_t *c, uint64_t n)
{
	/* single writer: a plain add, with no torn reads for the telemetry thread */
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* Ends a loop iteration: its TSC cycles (since *t0) go to busy or idle; one rdtsc. */
static inline void cycles_account(struct ws_dp_lcore *lc, uint64_t *t0, bool busy)
{
	const uint64_t now = rte_rdtsc();
	struct ws_dp_lcore_cycles *c = &lc->cycles;

	if (busy) {
		cycles_add(&c->busy, now - *t0);
		cycles_add(&c->busy_iters, 1);
	} else {
		cycles_add(&c->idle, now - *t0);
		cycles_add(&c->idle_iters, 1);
	}
	*t0 = now;
}

static void poll_loop(struct ws_dp_lcore *lc)
{
	struct rte_mbuf *pkts[WS_DP_BURST_MAX];
	const uint16_t burst = (uint16_t)ws_dp.burst;
	const unsigned int self = rte_lcore_id();
	uint64_t t0 = rte_rdtsc();

	while (likely(!ws_dp.stop)) {
		unsigned int work;

		/* nothing of the tables is held across iterations */
		ws_dp_tables_quiescent(self);
		work = service_tx(lc, pkts, burst);
		for (unsigned int i = 0; i < lc->n_rxq; i++) {
			const struct ws_dp_rxq *q = &lc->rxq[i];
			uint16_t n;

			if (unlikely(q->may_block)) {
				ws_dp_tables_offline(self);
				n = rte_eth_rx_burst(ws_dp.ports[q->port].port_id, q->queue,
						     pkts, burst);
				ws_dp_tables_online(self);
			} else {
				n = rte_eth_rx_burst(ws_dp.ports[q->port].port_id, q->queue,
						     pkts, burst);
			}
			if (n)
				q->stage(lc, pkts, n);
			work += n;
		}
		ws_dp_tx_flush_all(lc);
		cycles_account(lc, &t0, work != 0);
	}
}

static void crypto_loop(struct ws_dp_lcore *lc)
{
	struct rte_mbuf *pkts[WS_DP_BURST_MAX];
	const unsigned int burst = ws_dp.burst;
	const unsigned int self = rte_lcore_id();
	uint64_t t0 = rte_rdtsc();

	while (likely(!ws_dp.stop)) {
		unsigned int n = rte_ring_sc_dequeue_burst(lc->in_ring, (void **)pkts, burst, NULL);

		ws_dp_tables_quiescent(self);
		if (n)
			lc->data_stage(lc, pkts, (uint16_t)n);
		ws_dp_tx_flush_all(lc);
		cycles_account(lc, &t0, n != 0);
	}
}

int ws_dp_worker_main(void *arg)
{
	struct ws_dp_lcore *lc = &ws_dp.lcores[rte_lcore_id()];

	(void)arg;
	RTE_LOG(INFO, USER1, "lcore %u: %s, %u rx queues\n", rte_lcore_id(),
		lc->role == WS_DP_LCORE_CRYPTO ? "crypto" : lc->role == WS_DP_LCORE_IO ? "io" : "rtc",
		lc->n_rxq);
	if (lc->role == WS_DP_LCORE_NONE)
		return 0;
	/* the engine is per lcore and made on it (its memory and CPU dispatch are local) */
	ws_dp.engines[rte_lcore_id()] = ws_cb_engine_create(ws_dp.cfg->crypto);
	if (!ws_dp.engines[rte_lcore_id()])
		RTE_LOG(ERR, USER1, "lcore %u: crypto backend '%s' unavailable: data is dropped\n",
			rte_lcore_id(), ws_dp.cfg->crypto);
	ws_dp_tables_reader_online(rte_lcore_id());
	if (lc->role == WS_DP_LCORE_CRYPTO)
		crypto_loop(lc);
	else
		poll_loop(lc);
	ws_dp_tables_reader_offline(rte_lcore_id());
	ws_dp_tx_flush_all(lc);
	return 0;
}

void ws_dp_lcores_release(struct ws_dp *dp)
{
	void *m;

	for (unsigned int t = 0; t < dp->n_crypto; t++) {
		struct ws_dp_lcore *lc = &dp->lcores[dp->crypto_lcores[t]];

		while (rte_ring_dequeue(lc->in_ring, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(lc->in_ring);
		lc->in_ring = NULL;
	}
	dp->n_crypto = 0;
	if (dp->service_ring) {
		ws_dp_service_drain(dp);
		rte_ring_free(dp->service_ring);
		dp->service_ring = NULL;
	}
	if (dp->svc_tx_ring) {
		while (rte_ring_dequeue(dp->svc_tx_ring, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dp->svc_tx_ring);
		dp->svc_tx_ring = NULL;
	}
	if (dp->stage_ring) {
		while (rte_ring_dequeue(dp->stage_ring, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dp->stage_ring);
		dp->stage_ring = NULL;
	}
	rte_ring_free(dp->ev_ring);
	dp->ev_ring = NULL;
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		ws_cb_engine_destroy(dp->engines[i]);
		dp->engines[i] = NULL;
	}
}
