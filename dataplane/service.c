/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Service lcore (the main lcore): everything that is not per packet. It serves the control
 * socket and passes the handshake messages the workers queued to the control process; table
 * updates under RCU and the data timers land here too.
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_udp.h>

#include "ctl.h"
#include "stages.h"

/* The handshake message in m (classified: l2_len, l3_len, packet_type set) as an event. */
static int handshake_event(struct ws_dp *dp, const struct rte_mbuf *m)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len);
	const struct rte_udp_hdr *udp = (const void *)(l3 + m->l3_len);
	struct ws_ipc_handshake ev;
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
	memcpy(ev.packet, udp + 1, len);
	return ws_dp_ctl_event(&dp->ctl, WS_IPC_EV_HANDSHAKE_RX, &ev, sizeof(ev));
}

void ws_dp_service_drain(struct ws_dp *dp)
{
	struct ws_dp_lcore_counters *cnt = &ws_dp_counters[rte_lcore_id()];
	struct rte_mbuf *pkts[WS_DP_BURST_MAX];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(dp->service_ring, (void **)pkts, WS_DP_BURST_MAX,
					      NULL)) != 0) {
		for (unsigned int i = 0; i < n; i++) {
			if (handshake_event(dp, pkts[i]) == 0)
				ws_dp_cnt_add(cnt, WS_DP_CNT_HANDSHAKE_TO_CONTROL, 1);
			else
				ws_dp_cnt_add(cnt, WS_DP_CNT_DROP_HANDSHAKE_NO_CONTROL, 1);
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
}

void ws_dp_service_loop(struct ws_dp *dp)
{
	struct pollfd pfd[2];
	int fds[2];

	while (!dp->stop) {
		unsigned int n = ws_dp_ctl_fds(&dp->ctl, fds);

		for (unsigned int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
		/* 1 ms: the bound on how long a queued handshake waits */
		poll(pfd, n, 1);
		ws_dp_ctl_poll(&dp->ctl);
		ws_dp_service_drain(dp);
	}
}
