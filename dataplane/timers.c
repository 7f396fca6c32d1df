/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data timers (whitepaper 6.5, the kernel's timers.c), on the service lcore. A peer has one
 * rte_timer, armed only while it has a keypair, staged packets or a persistent keepalive, so
 * idle peers cost nothing. Each tick (1/4 s of protocol time) compares the activity times the
 * workers stamp on the peer with the protocol constants:
 *   - passive keepalive: data received, nothing sent for KEEPALIVE_TIMEOUT -> keepalive;
 *   - persistent keepalive: nothing sent for the configured interval -> keepalive;
 *   - new handshake: data sent, nothing received for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT ->
 *     EV_HANDSHAKE_NEEDED (once per such silence);
 *   - keypairs older than 3 * REJECT_AFTER_TIME are dropped and zeroed (after RCU).
 */
#include <stdlib.h>

#include <rte_lcore.h>

#include "messages.h"
#include "stages.h"
#include "tables.h"

#define SEC(x) ((uint64_t)(x) * WS_NSEC_PER_SEC)

int ws_dp_send_keepalive(uint32_t id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ws_dp_mempool_for(&ws_dp, 0));

	if (!m) {
		ws_dp_cnt_add(&ws_dp_counters[rte_lcore_id()], WS_DP_CNT_DROP_NO_MBUF, 1);
		return -1;
	}
	ws_dp_priv(m)->peer = id;
	ws_dp_priv(m)->kind = WS_DP_MK_PLAIN;
	return ws_dp_service_send(m);
}

static bool usable(const struct ws_dp_peer *p, uint64_t now)
{
	const struct ws_dp_keypair *kp = p->kp[WS_DP_KP_CURRENT];

	return kp && !ws_dp_kp_expired(kp, now);
}

static void tick(struct rte_timer *tim, void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	struct ws_dp_peer *p = &ws_dp_tables.peers[id];
	const uint64_t now = ws_dp_now();
	uint64_t rx, rx_data, tx, tx_data;
	bool any = false;

	if (!p->live) {
		rte_timer_stop(tim);
		p->timer_armed = false;
		return;
	}
	for (unsigned int s = 0; s < WS_DP_KP_SLOTS; s++) {
		const struct ws_dp_keypair *kp = p->kp[s];

		if (kp && now - kp->birth_ns >= SEC(3 * WS_REJECT_AFTER_TIME))
			ws_dp_keypair_drop(p, s);
		else if (kp)
			any = true;
	}
	rx = __atomic_load_n(&p->last_rx_ns, __ATOMIC_RELAXED);
	rx_data = __atomic_load_n(&p->last_rx_data_ns, __ATOMIC_RELAXED);
	tx = __atomic_load_n(&p->last_tx_ns, __ATOMIC_RELAXED);
	tx_data = __atomic_load_n(&p->last_tx_data_ns, __ATOMIC_RELAXED);

	if (usable(p, now)) {
		if (rx_data && rx_data > tx && now - rx_data >= SEC(WS_KEEPALIVE_TIMEOUT) &&
		    p->last_keepalive_ns < rx_data) {
			p->last_keepalive_ns = now;
			ws_dp_send_keepalive(id);
		} else if (p->persistent_keepalive &&
			   now - RTE_MAX(tx, p->last_keepalive_ns) >= SEC(p->persistent_keepalive)) {
			p->last_keepalive_ns = now;
			ws_dp_send_keepalive(id);
		}
	} else if (p->persistent_keepalive && now - RTE_MAX(tx, p->last_hs_needed_ns) >=
						      SEC(p->persistent_keepalive)) {
		ws_dp_service_handshake_needed(id);
	}
	if (tx_data && tx_data > rx && tx_data != p->hs_wait_since_ns &&
	    now - tx_data >= SEC(WS_KEEPALIVE_TIMEOUT + WS_REKEY_TIMEOUT)) {
		p->hs_wait_since_ns = tx_data;
		p->last_hs_needed_ns = 0; /* this one is not rate limited away */
		ws_dp_service_handshake_needed(id);
	}
	if (!any && !p->n_staged && !p->persistent_keepalive) {
		rte_timer_stop(tim);
		p->timer_armed = false;
	}
}

void ws_dp_timers_arm(uint32_t id)
{
	struct ws_dp_peer *p = ws_dp_peer_get(id);
	uint64_t period;

	if (!p || p->timer_armed)
		return;
	/* a quarter of a protocol second, in TSC cycles of real time */
	period = rte_get_tsc_hz() / 4 / ws_dp_tables.time_scale;
	if (rte_timer_reset(&p->timer, period ? period : 1, PERIODICAL, rte_lcore_id(), tick,
			    (void *)(uintptr_t)id) == 0)
		p->timer_armed = true;
}
