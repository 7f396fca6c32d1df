/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake stage and filter. Workers hand initiations, responses and cookie replies that
 * passed the classifier's size and type checks to the service lcore over one ring (many
 * producers, one consumer); a full ring drops, so a flood never slows the workers. On the
 * service lcore (see handshake.h), before the control process sees a message: mac1, under load
 * mac2 or our cookie reply, and a per-source token bucket.
 */
#include "handshake.h"

#include <string.h>
#include <sys/socket.h>

#include <rte_lcore.h>
#include <rte_udp.h>

#include "cookie.h"
#include "encap.h"
#include "ratelimit.h"
#include "stages.h"
#include "tables.h"

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

/* Service lcore only. */
static struct {
	struct ws_cookie_checker cc;
	struct ws_ratelimit rl;
	unsigned int under_load_queue;
} hs;

int ws_dp_handshake_setup(unsigned int under_load_queue)
{
	hs.under_load_queue = under_load_queue;
	ws_cookie_checker_init(&hs.cc, NULL);
	return ws_ratelimit_init(&hs.rl, 1u << 16);
}

void ws_dp_handshake_teardown(void)
{
	ws_cookie_checker_clear(&hs.cc);
	ws_ratelimit_destroy(&hs.rl);
}

void ws_dp_handshake_identity(const uint8_t *public_key)
{
	ws_cookie_checker_init(&hs.cc, public_key);
}

/* Answers msg with a cookie reply to its source (the frame's sender is the next hop back). */
static void cookie_reply(const struct rte_mbuf *m, const uint8_t *msg, size_t len,
			 const uint8_t *src, size_t srclen, const struct ws_ipc_addr *from,
			 uint64_t now)
{
	struct ws_dp_lcore_counters *cnt = &ws_dp_counters[rte_lcore_id()];
	struct ws_dp_endpoint ep = {.addr = *from, .have_mac = true};
	struct rte_mbuf *r = rte_pktmbuf_alloc(ws_dp_mempool_for(&ws_dp, 0));
	struct ws_msg_cookie *c;

	if (!r) {
		ws_dp_cnt_add(cnt, WS_DP_CNT_DROP_NO_MBUF, 1);
		return;
	}
	ep.mac = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr;
	c = (struct ws_msg_cookie *)rte_pktmbuf_append(r, sizeof(*c));
	ws_cookie_reply_create(&hs.cc, c, msg, len, src, srclen, now);
	if (ws_dp_encap(r, &ep)) {
		rte_pktmbuf_free(r);
		return;
	}
	ws_dp_priv(r)->kind = WS_DP_MK_RAW;
	if (ws_dp_service_send(r) == 0)
		ws_dp_cnt_add(cnt, WS_DP_CNT_HANDSHAKE_COOKIE_SENT, 1);
}

bool ws_dp_handshake_filter(struct rte_mbuf *m, unsigned int queued, bool *under_load)
{
	struct ws_dp_lcore_counters *cnt = &ws_dp_counters[rte_lcore_id()];
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len);
	const struct rte_udp_hdr *udp = (const void *)(l3 + m->l3_len);
	const uint8_t *msg = (const uint8_t *)(udp + 1);
	const size_t len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
	const bool v4 = RTE_ETH_IS_IPV4_HDR(m->packet_type);
	const uint8_t *addr = v4 ? l3 + 12 : l3 + 8;
	const uint64_t now = ws_dp_now();
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	enum ws_cookie_mac_state st;
	struct ws_ipc_addr from = {0};
	size_t srclen;

	*under_load = false;
	if (msg[0] == WS_MSG_COOKIE) /* no macs: the control process authenticates it */
		return true;
	*under_load = queued >= hs.under_load_queue;
	srclen = ws_cookie_source(src, addr, v4 ? 4 : 16, rte_be_to_cpu_16(udp->src_port));
	st = ws_cookie_validate(&hs.cc, msg, len, src, srclen, *under_load, now);
	if (unlikely(st == WS_COOKIE_MAC_INVALID)) {
		ws_dp_cnt_add(cnt, WS_DP_CNT_DROP_HANDSHAKE_MAC1, 1);
		return false;
	}
	if (*under_load) {
		ws_dp_cnt_add(cnt, WS_DP_CNT_HANDSHAKE_UNDER_LOAD, 1);
		if (st != WS_COOKIE_MAC2_VALID) {
			from.family = v4 ? AF_INET : AF_INET6;
			from.port = udp->src_port;
			memcpy(from.addr, addr, v4 ? 4 : 16);
			cookie_reply(m, msg, len, src, srclen, &from, now);
			return false;
		}
	}
	if (unlikely(!ws_ratelimit_allow(&hs.rl, addr, v4 ? 4 : 16, now))) {
		ws_dp_cnt_add(cnt, WS_DP_CNT_DROP_HANDSHAKE_RATELIMIT, 1);
		return false;
	}
	return true;
}
