/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Service lcore (the main lcore): everything that is not per packet. It serves the control
 * socket, passes the handshake messages the workers queued to the control process, applies
 * what the workers reported (keypair confirmations, roaming, neighbours, rekey requests),
 * holds the packets staged for peers without a usable keypair, runs the data timers and frees
 * retired keypairs after their RCU grace period. The only writer of the tables.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "ctl.h"
#include "handshake.h"
#include "lan.h"
#include "messages.h"
#include "stages.h"
#include "tables.h"

int ws_dp_priv_offset = -1;

enum { WS_DP_EV_RING = 4096, WS_DP_STAGE_RING = 4096, WS_DP_SVC_TX_RING = 4096 };

int ws_dp_service_setup(struct ws_dp *dp, char *err, size_t errlen)
{
	static const struct rte_mbuf_dynfield priv = {
		.name = "wirespeed_priv",
		.size = sizeof(struct ws_dp_mbuf_priv),
		.align = __alignof__(struct ws_dp_mbuf_priv),
	};
	const int socket = (int)rte_socket_id();

	ws_dp_priv_offset = rte_mbuf_dynfield_register(&priv);
	if (ws_dp_priv_offset < 0) {
		snprintf(err, errlen, "cannot register the mbuf field: %s", rte_strerror(rte_errno));
		return -1;
	}
	dp->ev_ring = rte_ring_create_elem("ws_events", sizeof(struct ws_dp_wevent), WS_DP_EV_RING,
					   socket, RING_F_SC_DEQ);
	dp->stage_ring = rte_ring_create("ws_stage", WS_DP_STAGE_RING, socket, RING_F_SC_DEQ);
	dp->svc_tx_ring = rte_ring_create("ws_svc_tx", WS_DP_SVC_TX_RING, socket, RING_F_SP_ENQ);
	if (!dp->ev_ring || !dp->stage_ring || !dp->svc_tx_ring) {
		snprintf(err, errlen, "cannot create the service rings: %s", rte_strerror(rte_errno));
		return -1;
	}
	if (rte_timer_subsystem_init() < 0 && rte_errno != EALREADY) {
		snprintf(err, errlen, "cannot initialise timers: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

bool ws_dp_post_event(struct ws_dp_lcore *lc, const struct ws_dp_wevent *ev)
{
	if (unlikely(rte_ring_mp_enqueue_elem(ws_dp.ev_ring, (void *)(uintptr_t)ev,
					      sizeof(*ev)) != 0)) {
		ws_dp_cnt_add(lc->cnt, WS_DP_CNT_DROP_EVENT_RING_FULL, 1);
		return false;
	}
	return true;
}

static struct ws_dp_lcore_counters *cnt(void)
{
	return &ws_dp_counters[rte_lcore_id()];
}

int ws_dp_service_send(struct rte_mbuf *m)
{
	if (unlikely(rte_ring_sp_enqueue(ws_dp.svc_tx_ring, m) != 0)) {
		ws_dp_cnt_add(cnt(), WS_DP_CNT_DROP_SVC_TX_RING_FULL, 1);
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

void ws_dp_service_handshake_needed(uint32_t id)
{
	struct ws_dp_peer *p = ws_dp_peer_get(id);
	struct ws_ipc_peer_ref ev = {.peer_id = id};
	uint64_t now = ws_dp_now();

	if (!p || !p->live)
		return;
	if (p->last_hs_needed_ns && now - p->last_hs_needed_ns < WS_NSEC_PER_SEC)
		return;
	p->last_hs_needed_ns = now;
	if (ws_dp_ctl_event(&ws_dp.ctl, WS_IPC_EV_HANDSHAKE_NEEDED, &ev, sizeof(ev)) == 0)
		ws_dp_cnt_add(cnt(), WS_DP_CNT_EV_HANDSHAKE_NEEDED, 1);
}

static bool can_send(const struct ws_dp_peer *p)
{
	const struct ws_dp_keypair *kp = p->kp[WS_DP_KP_CURRENT];

	return kp && !ws_dp_kp_expired(kp, ws_dp_now());
}

/* Staged packets go back to the encrypt stage, which now finds the keypair. */
static void flush_staged(struct ws_dp_peer *p, uint32_t id)
{
	uint16_t n = p->n_staged;

	if (!n || !can_send(p))
		return;
	p->n_staged = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct ws_dp_mbuf_priv *pv = ws_dp_priv(p->staged[i]);

		pv->peer = id;
		pv->kind = WS_DP_MK_PLAIN;
		if (ws_dp_service_send(p->staged[i]) == 0)
			ws_dp_cnt_add(cnt(), WS_DP_CNT_STAGED_FLUSHED, 1);
	}
}

void ws_dp_service_keypair_added(uint32_t id)
{
	struct ws_dp_peer *p = ws_dp_peer_get(id);
	const struct ws_dp_keypair *cur;

	if (!p || !p->live)
		return;
	ws_dp_timers_arm(id);
	cur = p->kp[WS_DP_KP_CURRENT];
	/* as the kernel after a handshake it initiated: the staged packets, or else a keepalive,
	 * give the responder its confirmation at once */
	if (cur && cur->initiator && !p->n_staged &&
	    !__atomic_load_n(&cur->send_counter, __ATOMIC_RELAXED)) {
		struct ws_dp_endpoint ep;

		ws_dp_peer_endpoint(p, &ep);
		if (ep.addr.family && !ep.have_mac)
			p->keepalive_pending = true; /* sent when the neighbour answers */
		else
			ws_dp_send_keepalive(id);
	} else {
		flush_staged(p, id);
	}
}

static void stage(struct rte_mbuf *m)
{
	uint32_t id = ws_dp_priv(m)->peer;
	struct ws_dp_peer *p;

	if (ws_dp_priv(m)->kind == WS_DP_MK_LAN_HOLD) { /* waits for a LAN neighbour instead */
		ws_dp_lan_hold(m);
		return;
	}
	p = ws_dp_peer_get(id);
	if (!p || !p->live) {
		ws_dp_cnt_add(cnt(), WS_DP_CNT_DROP_STAGED_PEER_GONE, 1);
		rte_pktmbuf_free(m);
		return;
	}
	if (can_send(p)) { /* a keypair landed while it travelled */
		ws_dp_priv(m)->kind = WS_DP_MK_PLAIN;
		if (ws_dp_service_send(m) == 0)
			ws_dp_cnt_add(cnt(), WS_DP_CNT_STAGED_FLUSHED, 1);
		return;
	}
	if (!p->staged) {
		p->staged = calloc(WS_MAX_STAGED_PACKETS, sizeof(*p->staged));
		if (!p->staged) {
			ws_dp_cnt_add(cnt(), WS_DP_CNT_DROP_STAGED_OVERFLOW, 1);
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (p->n_staged == WS_MAX_STAGED_PACKETS) { /* the kernel drops the oldest */
		rte_pktmbuf_free(p->staged[0]);
		memmove(p->staged, p->staged + 1, (WS_MAX_STAGED_PACKETS - 1) * sizeof(*p->staged));
		p->n_staged--;
		ws_dp_cnt_add(cnt(), WS_DP_CNT_DROP_STAGED_OVERFLOW, 1);
	}
	p->staged[p->n_staged++] = m;
	ws_dp_cnt_add(cnt(), WS_DP_CNT_STAGED, 1);
	ws_dp_service_handshake_needed(id);
	ws_dp_timers_arm(id);
}

static void on_event(const struct ws_dp_wevent *ev)
{
	struct ws_dp_peer *p = ws_dp_peer_get(ev->peer_id);
	struct rte_ether_addr mac;
	uint64_t now = ws_dp_now();

	memcpy(mac.addr_bytes, ev->mac, 6);
	if (ev->type == WS_DP_WEV_NEIGH) {
		ws_dp_neigh_learn(ev->family, ev->addr, &mac);
		return;
	}
	if (ev->type == WS_DP_WEV_LAN_NEIGH) {
		ws_dp_lan_neigh_learn(ev->family, ev->addr, &mac, ev->reserved[0] != 0);
		return;
	}
	if (!p || !p->live)
		return;
	switch (ev->type) {
	case WS_DP_WEV_CONFIRM:
		if (ws_dp_keypair_confirm(ev->peer_id, ev->local_index)) {
			struct ws_ipc_keypair_ref r = {.peer_id = ev->peer_id,
						       .local_index = ev->local_index};

			ws_dp_ctl_event(&ws_dp.ctl, WS_IPC_EV_KEYPAIR_CONFIRMED, &r, sizeof(r));
			ws_dp_cnt_add(cnt(), WS_DP_CNT_EV_KEYPAIR_CONFIRMED, 1);
			flush_staged(p, ev->peer_id);
		}
		break;
	case WS_DP_WEV_ROAM: {
		struct ws_ipc_endpoint r = {.peer_id = ev->peer_id};
		struct ws_dp_neigh_key nh;

		r.endpoint.family = ev->family;
		r.endpoint.port = ev->port;
		memcpy(r.endpoint.addr, ev->addr, ev->family == AF_INET ? 4 : 16);
		if (ws_dp_neigh_nexthop(&r.endpoint, &nh) == 0)
			ws_dp_neigh_learn(nh.family, nh.addr, &mac);
		if (!memcmp(&r.endpoint, &p->reported_ep, sizeof(r.endpoint)))
			break;
		p->reported_ep = r.endpoint;
		ws_dp_ctl_event(&ws_dp.ctl, WS_IPC_EV_ENDPOINT, &r, sizeof(r));
		ws_dp_cnt_add(cnt(), WS_DP_CNT_EV_ENDPOINT, 1);
		break;
	}
	case WS_DP_WEV_SOLICIT: {
		struct ws_dp_endpoint ep;

		ws_dp_peer_endpoint(p, &ep);
		if (ep.addr.family && !ep.have_mac)
			ws_dp_neigh_solicit(&ep.addr);
		break;
	}
	case WS_DP_WEV_REKEY: {
		struct ws_ipc_peer_ref r = {.peer_id = ev->peer_id};

		if (p->last_rekey_ev_ns && now - p->last_rekey_ev_ns < WS_NSEC_PER_SEC)
			break;
		p->last_rekey_ev_ns = now;
		if (ws_dp_ctl_event(&ws_dp.ctl, WS_IPC_EV_REKEY_NEEDED, &r, sizeof(r)) == 0)
			ws_dp_cnt_add(cnt(), WS_DP_CNT_EV_REKEY_NEEDED, 1);
		break;
	}
	default:
		break;
	}
}

/* The handshake message in m (classified: l2_len, l3_len, packet_type set) as an event. */
static int handshake_event(struct ws_dp *dp, const struct rte_mbuf *m, bool under_load)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len);
	const struct rte_udp_hdr *udp = (const void *)(l3 + m->l3_len);
	struct ws_ipc_handshake ev;
	struct ws_dp_neigh_key nh;
	unsigned int len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);

	if (unlikely(len > sizeof(ev.packet)))
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.peer_id = WS_IPC_PEER_NONE;
	if (RTE_ETH_IS_IPV4_HDR(m->packet_type)) {
		ev.addr.family = AF_INET;
		memcpy(ev.addr.addr, l3 + 12, 4);
	} else {
		ev.addr.family = AF_INET6;
		memcpy(ev.addr.addr, l3 + 8, 16);
	}
	ev.addr.port = udp->src_port;
	ev.len = (uint16_t)len;
	ev.under_load = under_load;
	memcpy(ev.packet, udp + 1, len);
	/* whoever handed us this frame is the next hop back to its sender */
	if (ws_dp_neigh_nexthop(&ev.addr, &nh) == 0)
		ws_dp_neigh_learn(nh.family, nh.addr, &eth->src_addr);
	return ws_dp_ctl_event(&dp->ctl, WS_IPC_EV_HANDSHAKE_RX, &ev, sizeof(ev));
}

void ws_dp_service_drain(struct ws_dp *dp)
{
	struct rte_mbuf *pkts[WS_DP_BURST_MAX];
	struct ws_dp_wevent evs[64];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(dp->service_ring, (void **)pkts, WS_DP_BURST_MAX,
					      NULL)) != 0) {
		unsigned int behind = rte_ring_count(dp->service_ring);

		for (unsigned int i = 0; i < n; i++) {
			bool under_load;

			if (!ws_dp_handshake_filter(pkts[i], behind + (n - 1 - i), &under_load))
				continue;
			if (handshake_event(dp, pkts[i], under_load) == 0)
				ws_dp_cnt_add(cnt(), WS_DP_CNT_HANDSHAKE_TO_CONTROL, 1);
			else
				ws_dp_cnt_add(cnt(), WS_DP_CNT_DROP_HANDSHAKE_NO_CONTROL, 1);
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
	if (dp->ev_ring)
		while ((n = rte_ring_sc_dequeue_burst_elem(dp->ev_ring, evs, sizeof(evs[0]),
							   RTE_DIM(evs), NULL)) != 0)
			for (unsigned int i = 0; i < n; i++)
				on_event(&evs[i]);
	if (dp->stage_ring)
		while ((n = rte_ring_sc_dequeue_burst(dp->stage_ring, (void **)pkts,
						      WS_DP_BURST_MAX, NULL)) != 0)
			for (unsigned int i = 0; i < n; i++)
				stage(pkts[i]);
}

void ws_dp_service_loop(struct ws_dp *dp)
{
	struct pollfd pfd[2];
	int fds[2];

	while (!dp->stop) {
		unsigned int n = ws_dp_ctl_fds(&dp->ctl, fds);

		for (unsigned int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
		/* 1 ms: the bound on how long a queued handshake or event waits */
		poll(pfd, n, 1);
		ws_dp_ctl_poll(&dp->ctl);
		ws_dp_service_drain(dp);
		rte_timer_manage();
		ws_dp_tables_reclaim(false);
	}
}
