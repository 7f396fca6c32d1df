/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-gen's run on one port: resolve the gateway's MAC, handshake every peer as initiator
 * (retransmitting, following cookie replies), then send transport data for --duration at --rate,
 * encrypting a burst per ws_cb_process() call, while receiving and batch-decrypting what comes
 * back. Handshakes that finish late join the data phase when they finish.
 *
 * Lcores: the main lcore polls every rx queue, runs the handshakes and the report. Each further
 * lcore given to the EAL is a tx lcore with its own tx queue and its own share of the peers
 * (peer i belongs to tx lcore i % n), so a peer's sending counter has one writer. With no further
 * lcore the main lcore also sends, on queue 0.
 *
 * No rekeying: a run is bounded by REKEY_AFTER_TIME (options.c refuses longer ones), so every
 * keypair stays valid for the whole data phase.
 */
#include "gen.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "cryptobatch.h"
#include "crypto.h"
#include "messages.h"
#include "packet.h"
#include "transport.h"

enum {
	RX_BURST = 64,
	RX_DESC = 1024,
	TX_DESC = 1024,
	MBUF_CACHE = 256,
	HS_SCAN = 256, /* peers looked at per loop for a due initiation */
	HS_JITTER_MS = WS_REKEY_TIMEOUT_JITTER_MAX_MS,
	ARP_INTERVAL_MS = 500,
	ARP_TIMEOUT_S = 10,
	DRAIN_MS = 300, /* after the data phase: let replies in flight arrive */
	INNER_MTU = 1420,
	SCRATCH_LEN = 2048,
};

static volatile sig_atomic_t stop_requested;

void ws_gen_stop(void)
{
	stop_requested = 1;
}

/* Transmit counters of one tx lcore: written by it alone, read by the main lcore (relaxed). */
struct tx_counters {
	uint64_t tx_packets;
	uint64_t tx_frame_bytes;
	uint64_t tx_inner_bytes;
	uint64_t tx_nombuf;
	uint64_t built;	       /* packets built and encrypted */
	uint64_t build_cycles; /* TSC cycles building and encrypting them */
	uint64_t pmd_cycles;   /* TSC cycles inside rte_eth_tx_burst() */
};

/* One tx lcore and its share of the peers. */
struct txw {
	struct gen *g;
	unsigned int lcore;
	uint16_t queue;
	struct ws_cb_engine *engine; /* created on the lcore that uses it (cryptobatch.h) */
	int ready;		     /* tx lcore: 1 engine created, -1 failed (release store) */
	/* Peers of this lcore with a keypair, in completion order. The main lcore appends and then
	 * publishes n_active with a release store; this lcore reads it with an acquire load, so the
	 * peer's keypair and template are complete before it is used. Once published a peer's
	 * current keypair is never written again by the main lcore (no rekeying) except its replay
	 * window, and its sending counter never read by it (rx_usable()). */
	uint32_t *active;
	uint32_t n_active;
	uint32_t tx_next;
	bool paced;	      /* --rate given */
	uint64_t rate;	      /* this lcore's share of it (may be 0: then it sends nothing) */
	uint64_t pace_start;  /* TSC the pacing counts from */
	uint64_t tx_attempts; /* packets built since then */
	/* Encrypted but not yet taken by the port: sent first on the next round. */
	struct rte_mbuf *pending[WS_GEN_MAX_BURST];
	struct ws_gen_peer *pending_peer[WS_GEN_MAX_BURST];
	unsigned int n_pending;
	struct tx_counters c;
} __rte_cache_aligned;

enum { GO_WAIT, GO_DATA, GO_STOP };

/* Everything the main lcore's loop touches. */
struct gen {
	const struct ws_gen_options *o;
	struct ws_gen_peers *ps;
	struct ws_gen_result *r;
	struct ws_gen_counters c;
	struct ws_gen_counters last; /* at the previous per-second report */

	uint16_t port;
	uint16_t n_queues; /* rx and tx queues: one per lcore */
	struct rte_mempool *pool;
	struct ws_cb_engine *engine; /* the main lcore's: decryption */
	uint8_t src_mac[6];
	uint8_t dst_mac[6];

	size_t padded;	  /* inner packet length after WireGuard padding */
	size_t frame_len; /* transport data frame */

	struct txw *txw; /* n_txw tx lcores; txw[0] is the main lcore itself when tx_inline */
	unsigned int n_txw;
	bool tx_inline;
	uint32_t n_active; /* peers with a keypair */
	uint32_t hs_cursor;
	uint32_t hs_pending; /* peers without a keypair */

	/* Data phase, written by the main lcore before it stores go = GO_DATA (release). */
	uint64_t data_start, data_end;
	int go;

	uint64_t main_nombuf; /* the main lcore's allocation failures (tx lcores count theirs) */
	uint8_t scratch[SCRATCH_LEN];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * WS_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * WS_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int port_setup(struct gen *g)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	unsigned int mbufs;
	int socket, ret;

	if (!rte_eth_dev_is_valid_port(g->port)) {
		fprintf(stderr,
			"ws-gen: no port %u (%u ports: give the NIC or a vdev to the EAL)\n",
			g->port, rte_eth_dev_count_avail());
		return -1;
	}
	socket = rte_eth_dev_socket_id(g->port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	mbufs = g->o->mbufs;
	if (!mbufs) {
		/* Every rx ring full, every tx ring full, each lcore's cache and a burst in hand,
		 * then the next 2^k - 1 (what a mempool uses best). */
		uint64_t need = (uint64_t)g->n_queues * (RX_DESC + TX_DESC) +
				(uint64_t)rte_lcore_count() * (MBUF_CACHE + WS_GEN_MAX_BURST) +
				1024;

		mbufs = 8191;
		while (mbufs < need)
			mbufs = mbufs * 2 + 1;
	}
	g->pool = rte_pktmbuf_pool_create("ws_gen_pool", mbufs, MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!g->pool) {
		fprintf(stderr, "ws-gen: mbuf pool of %u: %s\n", mbufs, rte_strerror(rte_errno));
		return -1;
	}
	ret = rte_eth_dev_info_get(g->port, &info);
	if (ret == 0 && (info.max_tx_queues < g->n_queues || info.max_rx_queues < g->n_queues)) {
		fprintf(stderr,
			"ws-gen: port %u has %u rx / %u tx queues, %u lcores need %u of each "
			"(net_af_packet: qpairs=%u)\n",
			g->port, info.max_rx_queues, info.max_tx_queues, g->n_queues, g->n_queues,
			g->n_queues);
		return -1;
	}
	if (ret == 0 && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE))
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	/* No RSS: replies may land on any rx queue (af_packet fans out), the main lcore polls all.
	 */
	if (ret == 0)
		ret = rte_eth_dev_configure(g->port, g->n_queues, g->n_queues, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(g->port, &nrx, &ntx);
	for (uint16_t q = 0; ret == 0 && q < g->n_queues; q++) {
		ret = rte_eth_rx_queue_setup(g->port, q, nrx, (unsigned int)socket, NULL, g->pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(g->port, q, ntx, (unsigned int)socket, NULL);
	}
	if (ret == 0)
		ret = rte_eth_dev_start(g->port);
	if (ret == 0)
		ret = rte_eth_macaddr_get(g->port, &mac);
	if (ret != 0) {
		fprintf(stderr, "ws-gen: port %u setup: %s\n", g->port, rte_strerror(-ret));
		return -1;
	}
	/* ARP requests are broadcast, everything else comes to our MAC: no promiscuous mode. */
	memcpy(g->src_mac, mac.addr_bytes, 6);
	rte_eth_stats_reset(g->port);
	return 0;
}

/* Sends one frame built in buf; false if the port or the pool had no room (the caller retries). */
static bool send_frame(struct gen *g, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	uint8_t *d;

	if (!m) {
		g->main_nombuf++;
		return false;
	}
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	memcpy(d, buf, len);
	if (rte_eth_tx_burst(g->port, 0, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return false;
	}
	return true;
}

/* Sends a WireGuard message (in g->scratch after the outer headers) from peer p. */
static bool send_message(struct gen *g, struct ws_gen_peer *p, size_t msg_len)
{
	const struct ws_gen_options *o = g->o;

	ws_gen_outer_build(g->scratch, g->dst_mac, g->src_mac, p->outer_ip, p->outer_port,
			   o->server_ip, o->server_port, msg_len);
	if (!send_frame(g, g->scratch, WS_GEN_OUTER_LEN + msg_len))
		return false;
	p->tx_bytes += msg_len;
	return true;
}

static void arp_reply(struct gen *g, const struct ws_gen_rx *rx)
{
	uint8_t buf[64];
	size_t n;

	n = ws_gen_arp_build(buf, WS_GEN_ARP_REPLY, g->src_mac, rx->arp_tpa, rx->arp_sha,
			     rx->arp_spa);
	if (send_frame(g, buf, n))
		g->c.arp_replies++;
}

/* Resolves the MAC of the server or of --next-hop, answering ARP for our addresses meanwhile. */
static int resolve(struct gen *g)
{
	const struct ws_gen_options *o = g->o;
	uint32_t target = o->has_next_hop ? o->next_hop : o->server_ip;
	uint64_t deadline = mono_ns() + ARP_TIMEOUT_S * WS_NSEC_PER_SEC, next = 0;
	struct rte_mbuf *m[RX_BURST];
	uint8_t buf[64];

	while (!stop_requested && mono_ns() < deadline) {
		uint16_t n = 0;

		if (mono_ns() >= next) {
			size_t len = ws_gen_arp_build(buf, WS_GEN_ARP_REQUEST, g->src_mac,
						      g->ps->first_host, NULL, target);

			send_frame(g, buf, len);
			next = mono_ns() + ARP_INTERVAL_MS * 1000000ULL;
		}
		for (uint16_t q = 0, k; q < g->n_queues; q++) {
			k = rte_eth_rx_burst(g->port, q, m + n, (uint16_t)(RX_BURST - n));
			n = (uint16_t)(n + k);
		}
		for (uint16_t i = 0; i < n; i++) {
			struct ws_gen_rx rx;

			ws_gen_frame_parse(&rx, rte_pktmbuf_mtod(m[i], uint8_t *),
					   rte_pktmbuf_data_len(m[i]));
			rte_pktmbuf_free(m[i]);
			if (rx.kind != WS_GEN_RX_ARP)
				continue;
			if (rx.arp_op == WS_GEN_ARP_REQUEST &&
			    ws_gen_peers_owns_ip(g->ps, rx.arp_tpa))
				arp_reply(g, &rx);
			if (rx.arp_op == WS_GEN_ARP_REPLY && rx.arp_spa == target) {
				memcpy(g->dst_mac, rx.arp_sha, 6);
				return 0;
			}
		}
	}
	fprintf(stderr, "ws-gen: no ARP reply for the %s within %d s (give --dst-mac)\n",
		o->has_next_hop ? "next hop" : "server", ARP_TIMEOUT_S);
	return -1;
}

static void schedule_retransmit(struct gen *g, struct ws_gen_peer *p, uint64_t now)
{
	p->next_initiation_ns = now + g->o->retransmit_ms * 1000000ULL +
				ws_random_uniform(HS_JITTER_MS + 1) * 1000000ULL;
}

static void send_initiation(struct gen *g, struct ws_gen_peer *p, uint64_t now)
{
	uint8_t *msg = g->scratch + WS_GEN_OUTER_LEN;
	long n;

	n = ws_tp_session_initiate(&p->s, msg, WS_MSG_INITIATION_LEN, now, wall_ns());
	if (n < 0) {
		schedule_retransmit(g, p, now);
		return;
	}
	if (!send_message(g, p, (size_t)n)) {
		/* The port was full: try again on the next loop, not after a whole timeout. */
		p->next_initiation_ns = now + 1000000ULL;
		return;
	}
	if (!p->first_initiation_ns)
		p->first_initiation_ns = now;
	p->initiations++;
	g->c.initiations++;
	schedule_retransmit(g, p, now);
}

/* Looks at a window of peers and sends the initiations that are due. */
static void handshake_tick(struct gen *g, uint64_t now)
{
	struct ws_gen_peers *ps = g->ps;
	unsigned int sent = 0;

	for (unsigned int k = 0; k < HS_SCAN && g->hs_pending && sent < g->o->burst; k++) {
		struct ws_gen_peer *p = &ps->peer[g->hs_cursor];

		if (++g->hs_cursor == ps->n)
			g->hs_cursor = 0;
		if (p->done || p->next_initiation_ns > now)
			continue;
		send_initiation(g, p, now);
		sent++;
	}
}

/* A keypair landed: build the data template and confirm the keypair with a keepalive. */
static void handshake_done(struct gen *g, struct ws_gen_peer *p, uint64_t now)
{
	const struct ws_gen_options *o = g->o;
	uint32_t type = ws_to_le32(WS_MSG_DATA), rx = ws_to_le32(p->s.current.remote_index);
	long n;

	ws_gen_outer_build(p->tx_hdr, g->dst_mac, g->src_mac, p->outer_ip, p->outer_port,
			   o->server_ip, o->server_port, WS_DATA_OVERHEAD + g->padded);
	memcpy(p->tx_hdr + WS_GEN_OUTER_LEN, &type, 4);
	memcpy(p->tx_hdr + WS_GEN_OUTER_LEN + 4, &rx, 4);
	p->done = true;
	p->handshake_ns = now - p->first_initiation_ns;
	g->hs_pending--;
	g->c.handshakes++;

	/* The responder may not send on its keypair before our first data packet arrives. */
	n = ws_tp_session_keepalive(&p->s, g->scratch + WS_GEN_OUTER_LEN,
				    SCRATCH_LEN - WS_GEN_OUTER_LEN, now);
	if (n > 0 && send_message(g, p, (size_t)n)) {
		p->tx_packets++;
		g->c.tx_keepalives++;
	}
	/* Last: from here on the tx lcore owns the peer's sending counter and tx counters. */
	{
		uint32_t idx = (uint32_t)(p - g->ps->peer);
		struct txw *w = &g->txw[idx % g->n_txw];

		w->active[w->n_active] = idx;
		__atomic_store_n(&w->n_active, w->n_active + 1, __ATOMIC_RELEASE);
		g->n_active++;
	}
}

static void on_handshake_msg(struct gen *g, struct ws_gen_peer *p, const uint8_t *msg, size_t len,
			     uint64_t now)
{
	const struct ws_gen_options *o = g->o;
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	uint8_t out[WS_MSG_RESPONSE_LEN];
	uint32_t server_be = htobe32(o->server_ip);
	size_t srclen, out_len;
	int ev;

	if (p->done)
		return; /* a duplicate response to a retransmit: the handshake is over */
	srclen = ws_cookie_source(src, &server_be, 4, o->server_port);
	ev = ws_tp_session_handle(&p->s, msg, len, src, srclen, now, out, sizeof(out), &out_len);
	ws_memzero(out, sizeof(out));
	if (ev == WS_TP_EV_HANDSHAKE_DONE) {
		handshake_done(g, p, now);
	} else if (ev == WS_TP_EV_COOKIE_STORED) {
		/* Under load: the next initiation carries mac2 with this cookie. Send it now. */
		p->cookies++;
		g->c.cookies++;
		p->next_initiation_ns = 0;
	} else if (ev < 0 && ev != -WS_TP_DROP_INDEX) {
		g->c.hs_rejected++;
	}
}

/* A data message waiting for the batch decrypt. */
struct rx_data {
	struct ws_gen_peer *p;
	struct ws_keypair *kp;
	uint64_t counter;
	uint8_t *plain;
};

/*
 * ws_keypair_usable() for the receive side only: it leaves out the sending counter, which a tx
 * lcore may be writing, and checks what the main lcore owns (replay window) or nobody writes
 * (birth).
 */
static bool rx_usable(const struct ws_keypair *kp, uint64_t now)
{
	return kp->replay.next <= WS_REJECT_AFTER_MESSAGES &&
	       now < kp->birth_ns + WS_REJECT_AFTER_TIME * WS_NSEC_PER_SEC;
}

static struct ws_keypair *keypair_for(struct ws_gen_peer *p, uint32_t receiver)
{
	struct ws_tp_session *s = &p->s;

	if (s->have_current && s->current.local_index == receiver)
		return &s->current;
	if (s->have_previous && s->previous.local_index == receiver)
		return &s->previous;
	return NULL;
}

static void rx_burst(struct gen *g, uint64_t now)
{
	const struct ws_gen_options *o = g->o;
	struct rte_mbuf *m[RX_BURST];
	struct ws_cb_op ops[RX_BURST];
	struct rx_data dat[RX_BURST];
	unsigned int nd = 0;
	uint16_t n;

	n = 0;
	for (uint16_t q = 0, k; q < g->n_queues && n < RX_BURST; q++) {
		k = rte_eth_rx_burst(g->port, q, m + n, (uint16_t)(RX_BURST - n));
		n = (uint16_t)(n + k);
	}
	if (!n)
		return;
	g->c.rx_frames += n;
	for (uint16_t i = 0; i < n; i++) {
		uint8_t *f = rte_pktmbuf_mtod(m[i], uint8_t *);
		uint8_t *msg;
		struct ws_gen_peer *p;
		struct ws_gen_rx rx;
		struct ws_keypair *kp;
		uint32_t receiver;
		uint64_t counter;

		ws_gen_frame_parse(&rx, f, rte_pktmbuf_data_len(m[i]));
		if (rx.kind == WS_GEN_RX_ARP) {
			if (rx.arp_op == WS_GEN_ARP_REQUEST &&
			    ws_gen_peers_owns_ip(g->ps, rx.arp_tpa))
				arp_reply(g, &rx);
			continue;
		}
		if (rx.kind != WS_GEN_RX_UDP4 || rx.src_ip != o->server_ip ||
		    rx.sport != o->server_port ||
		    !(p = ws_gen_peers_lookup(g->ps, rx.dst_ip, rx.dport))) {
			g->c.rx_other++;
			continue;
		}
		msg = f + rx.payload_off;
		switch (ws_msg_classify(msg, rx.payload_len)) {
		case WS_MSG_RESPONSE:
		case WS_MSG_COOKIE:
			on_handshake_msg(g, p, msg, rx.payload_len, now);
			continue;
		case WS_MSG_DATA:
			break;
		default:
			g->c.rx_other++;
			continue;
		}
		memcpy(&receiver, msg + 4, 4);
		memcpy(&counter, msg + 8, 8);
		kp = keypair_for(p, ws_le32(receiver));
		if (!kp) {
			p->rx_decrypt_fail++;
			g->c.rx_decrypt_fail++;
			continue;
		}
		dat[nd] = (struct rx_data){.p = p,
					   .kp = kp,
					   .counter = ws_le64(counter),
					   .plain = msg + WS_DATA_HEADER_LEN};
		ops[nd] = (struct ws_cb_op){
			.key = kp->recv_key,
			.counter = dat[nd].counter,
			.src = dat[nd].plain,
			.dst = dat[nd].plain,
			.len = (uint32_t)(rx.payload_len - WS_DATA_OVERHEAD),
			.tag = dat[nd].plain + rx.payload_len - WS_DATA_OVERHEAD,
		};
		nd++;
	}
	if (nd)
		ws_cb_process(g->engine, WS_CB_DECRYPT, ops, nd);
	for (unsigned int i = 0; i < nd; i++) {
		struct ws_gen_peer *p = dat[i].p;

		/* Replay window only after authentication, as the protocol requires. */
		if (ops[i].status != 0 || !rx_usable(dat[i].kp, now) ||
		    !ws_replay_check(&dat[i].kp->replay, dat[i].counter)) {
			p->rx_decrypt_fail++;
			g->c.rx_decrypt_fail++;
		} else if (ops[i].len == 0) {
			p->rx_keepalives++;
			g->c.rx_keepalives++;
		} else {
			p->rx_data++;
			g->c.rx_data++;
		}
	}
	/* Decrypted plaintext sits in these mbufs: nothing secret, it is our own test traffic. */
	rte_pktmbuf_free_bulk(m, n);
}

/* Pushes what the port did not take last time; true if nothing is left. */
static bool flush_pending(struct txw *w)
{
	struct gen *g = w->g;
	uint64_t bytes = WS_DATA_OVERHEAD + g->padded;
	uint16_t sent;

	uint64_t t0;

	if (!w->n_pending)
		return true;
	t0 = rte_rdtsc();
	sent = rte_eth_tx_burst(g->port, w->queue, w->pending, (uint16_t)w->n_pending);
	__atomic_store_n(&w->c.pmd_cycles, w->c.pmd_cycles + (rte_rdtsc() - t0), __ATOMIC_RELAXED);
	for (uint16_t i = 0; i < sent; i++) {
		struct ws_gen_peer *p = w->pending_peer[i];

		p->tx_packets++;
		p->tx_bytes += bytes;
	}
	/* Single writer: plain adds, published with relaxed stores for the main lcore's reads. */
	__atomic_store_n(&w->c.tx_packets, w->c.tx_packets + sent, __ATOMIC_RELAXED);
	__atomic_store_n(&w->c.tx_frame_bytes, w->c.tx_frame_bytes + (uint64_t)sent * g->frame_len,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&w->c.tx_inner_bytes, w->c.tx_inner_bytes + (uint64_t)sent * g->o->size,
			 __ATOMIC_RELAXED);
	if (sent < w->n_pending) {
		memmove(w->pending, w->pending + sent,
			(w->n_pending - sent) * sizeof(w->pending[0]));
		memmove(w->pending_peer, w->pending_peer + sent,
			(w->n_pending - sent) * sizeof(w->pending_peer[0]));
	}
	w->n_pending -= sent;
	return w->n_pending == 0;
}

/* Builds and encrypts up to want packets round robin over this lcore's peers, then sends. */
static void tx_burst(struct txw *w, uint32_t n_active, unsigned int want)
{
	struct gen *g = w->g;
	struct ws_cb_op ops[WS_GEN_MAX_BURST];
	struct rte_mbuf **m = w->pending;
	unsigned int n = 0;
	uint64_t t0;

	if (!n_active || !want)
		return;
	t0 = rte_rdtsc();
	if (rte_pktmbuf_alloc_bulk(g->pool, m, want) != 0) {
		__atomic_store_n(&w->c.tx_nombuf, w->c.tx_nombuf + 1, __ATOMIC_RELAXED);
		return;
	}
	for (unsigned int i = 0; i < want; i++) {
		struct ws_gen_peer *p;
		uint8_t *f = rte_pktmbuf_mtod(m[i], uint8_t *);
		uint8_t *inner = f + WS_GEN_TX_HDR_LEN + 8;
		uint64_t counter, le;

		if (w->tx_next >= n_active)
			w->tx_next = 0;
		p = &g->ps->peer[w->active[w->tx_next++]];
		if (ws_keypair_next_counter(&p->s.current, &counter) != 0) {
			rte_pktmbuf_free(m[i]); /* 2^64 messages: never within a run */
			continue;
		}
		le = ws_to_le64(counter);
		memcpy(f, p->tx_hdr, WS_GEN_TX_HDR_LEN);
		memcpy(f + WS_GEN_TX_HDR_LEN, &le, 8);
		memcpy(inner, p->inner_hdr, WS_GEN_INNER_HDR_LEN);
		/* Payload and padding zero; encrypted in place below. */
		memset(inner + WS_GEN_INNER_HDR_LEN, 0, g->padded - WS_GEN_INNER_HDR_LEN);
		m[i]->data_len = (uint16_t)g->frame_len;
		m[i]->pkt_len = (uint32_t)g->frame_len;
		ops[n] = (struct ws_cb_op){
			.key = p->s.current.send_key,
			.counter = counter,
			.src = inner,
			.dst = inner,
			.len = (uint32_t)g->padded,
			.tag = inner + g->padded,
		};
		m[n] = m[i];
		w->pending_peer[n] = p;
		n++;
	}
	ws_cb_process(w->engine, WS_CB_ENCRYPT, ops, n);
	/* What the generator itself costs per packet, apart from the PMD: sizes a 100G setup. */
	__atomic_store_n(&w->c.build_cycles, w->c.build_cycles + (rte_rdtsc() - t0),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&w->c.built, w->c.built + n, __ATOMIC_RELAXED);
	w->n_pending = n;
	w->tx_attempts += n;
	flush_pending(w);
}

/* One round of a tx lcore in the data phase. */
static void tx_step(struct txw *w, uint64_t tsc, uint64_t hz)
{
	struct gen *g = w->g;
	uint32_t n_active = __atomic_load_n(&w->n_active, __ATOMIC_ACQUIRE);
	unsigned int want = g->o->burst;

	if (!flush_pending(w))
		return;
	if (!n_active)
		return;
	if (!w->pace_start)
		w->pace_start =
			tsc; /* the data phase's start, or when this lcore's first peer came */
	if (w->paced) {
		/* Pacing from the start: no drift, bursts of at most --burst. */
		uint64_t due =
			(uint64_t)((double)(tsc - w->pace_start) / (double)hz * (double)w->rate);
		uint64_t backlog = RTE_MAX(w->rate / 20, (uint64_t)want);

		/* After a stall (the lcore preempted) catch up at most 50 ms worth: a long burst
		 * at line rate would measure the DUT's buffers, not its rate. A shortfall shows
		 * in the reported rate. */
		if (due > w->tx_attempts + backlog)
			w->tx_attempts = due - backlog;
		want = due > w->tx_attempts
			       ? (unsigned int)RTE_MIN(due - w->tx_attempts, (uint64_t)want)
			       : 0;
	}
	tx_burst(w, n_active, want);
}

static void tx_release(struct txw *w)
{
	for (unsigned int i = 0; i < w->n_pending; i++)
		rte_pktmbuf_free(w->pending[i]); /* never sent: not counted */
	w->n_pending = 0;
}

/* A tx lcore: waits for the data phase, sends until its end. */
static int tx_lcore_main(void *arg)
{
	struct txw *w = arg;
	struct gen *g = w->g;
	const uint64_t hz = rte_get_tsc_hz();
	int go;

	w->engine = ws_cb_engine_create(g->o->backend);
	__atomic_store_n(&w->ready, w->engine ? 1 : -1, __ATOMIC_RELEASE);
	if (!w->engine)
		return -1;
	while ((go = __atomic_load_n(&g->go, __ATOMIC_ACQUIRE)) == GO_WAIT)
		rte_pause();
	while (go == GO_DATA) {
		uint64_t tsc = rte_get_tsc_cycles();

		if (tsc >= g->data_end)
			break;
		tx_step(w, tsc, hz);
		go = __atomic_load_n(&g->go, __ATOMIC_ACQUIRE);
	}
	tx_release(w);
	ws_cb_engine_destroy(w->engine);
	w->engine = NULL;
	return 0;
}

/* The tx lcores' counters into the run's. */
static void sum_tx(struct gen *g)
{
	g->c.tx_packets = g->c.tx_frame_bytes = g->c.tx_inner_bytes = 0;
	g->c.tx_nombuf = g->main_nombuf;
	g->c.tx_built = g->c.tx_build_cycles = g->c.tx_pmd_cycles = 0;
	for (unsigned int i = 0; i < g->n_txw; i++) {
		struct tx_counters *c = &g->txw[i].c;

		g->c.tx_packets += __atomic_load_n(&c->tx_packets, __ATOMIC_RELAXED);
		g->c.tx_frame_bytes += __atomic_load_n(&c->tx_frame_bytes, __ATOMIC_RELAXED);
		g->c.tx_inner_bytes += __atomic_load_n(&c->tx_inner_bytes, __ATOMIC_RELAXED);
		g->c.tx_nombuf += __atomic_load_n(&c->tx_nombuf, __ATOMIC_RELAXED);
		g->c.tx_built += __atomic_load_n(&c->built, __ATOMIC_RELAXED);
		g->c.tx_build_cycles += __atomic_load_n(&c->build_cycles, __ATOMIC_RELAXED);
		g->c.tx_pmd_cycles += __atomic_load_n(&c->pmd_cycles, __ATOMIC_RELAXED);
	}
}

static void second_tick(struct gen *g, double t, double len, enum ws_gen_phase phase)
{
	struct ws_gen_result *r = g->r;
	struct ws_gen_second *s;

	if (r->n_seconds == r->cap_seconds) {
		unsigned int cap = r->cap_seconds ? r->cap_seconds * 2 : 64;
		struct ws_gen_second *ns = realloc(r->seconds, cap * sizeof(*ns));

		if (!ns)
			return;
		r->seconds = ns;
		r->cap_seconds = cap;
	}
	sum_tx(g);
	s = &r->seconds[r->n_seconds++];
	s->t = t;
	s->len = len;
	s->phase = phase;
	s->handshakes = g->c.handshakes;
#define WS_GEN_X(name, text) s->d.name = g->c.name - g->last.name;
	WS_GEN_COUNTER_LIST(WS_GEN_X)
#undef WS_GEN_X
	g->last = g->c;
	if (!g->o->quiet)
		ws_gen_report_second(g->o, g->ps, r, s);
}

static void port_totals(struct gen *g)
{
	struct rte_eth_stats st;

	if (rte_eth_stats_get(g->port, &st) == 0) {
		g->r->port_opackets = st.opackets;
		g->r->port_ipackets = st.ipackets;
		g->r->port_imissed = st.imissed;
		g->r->port_oerrors = st.oerrors;
	}
}

static int loop(struct gen *g)
{
	const struct ws_gen_options *o = g->o;
	const uint64_t hz = rte_get_tsc_hz();
	uint64_t start = rte_get_tsc_cycles(), tick = start;
	uint64_t hs_deadline = start + (uint64_t)(o->handshake_timeout * (double)hz);
	uint64_t drain_end = 0;
	bool data = false;

	for (;;) {
		uint64_t tsc = rte_get_tsc_cycles(), now = mono_ns();

		if (stop_requested && !drain_end)
			drain_end = tsc; /* stop at once, still report what was done */
		rx_burst(g, now);
		if (g->hs_pending && tsc < hs_deadline && !drain_end)
			handshake_tick(g, now);
		if (!data && !drain_end && (!g->hs_pending || tsc >= hs_deadline)) {
			if (!g->n_active) {
				fprintf(stderr, "ws-gen: no handshake completed within %g s\n",
					o->handshake_timeout);
				drain_end = tsc;
			} else {
				data = true;
				g->data_start = tsc;
				g->data_end = tsc + (uint64_t)(o->duration * (double)hz);
				g->r->handshake_s = (double)(tsc - start) / (double)hz;
				__atomic_store_n(&g->go, GO_DATA, __ATOMIC_RELEASE);
			}
		}
		if (data && !drain_end) {
			if (tsc >= g->data_end)
				drain_end = tsc + DRAIN_MS * hz / 1000;
			else if (g->tx_inline)
				tx_step(&g->txw[0], tsc, hz);
		}
		if (tsc - tick >= hz) {
			second_tick(g, (double)(tsc - start) / (double)hz,
				    (double)(tsc - tick) / (double)hz,
				    drain_end ? WS_GEN_PHASE_DRAIN
				    : data    ? WS_GEN_PHASE_DATA
					      : WS_GEN_PHASE_HANDSHAKE);
			tick = tsc;
		}
		if (drain_end && tsc >= drain_end)
			break;
	}
	/* The tx lcores stop at data_end by themselves; this covers a signal or no data phase. */
	__atomic_store_n(&g->go, GO_STOP, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	if (g->tx_inline)
		tx_release(&g->txw[0]);
	if (data) {
		uint64_t end = RTE_MIN(rte_get_tsc_cycles(), g->data_end);

		g->r->data_s = (double)(end - g->data_start) / (double)hz;
	}
	second_tick(g, (double)(rte_get_tsc_cycles() - start) / (double)hz,
		    (double)(rte_get_tsc_cycles() - tick) / (double)hz, WS_GEN_PHASE_DRAIN);
	return g->hs_pending ? 1 : 0;
}

/* One txw per tx lcore (the main lcore's own when there is no other), peers shared out. */
static int txw_setup(struct gen *g)
{
	unsigned int lcore, i = 0, n = rte_lcore_count() - 1, busy;
	uint32_t share;

	g->tx_inline = n == 0;
	g->n_txw = g->tx_inline ? 1 : n;
	g->n_queues = (uint16_t)(g->n_txw + (g->tx_inline ? 0 : 1));
	g->txw = rte_zmalloc("ws_gen_txw", g->n_txw * sizeof(*g->txw), RTE_CACHE_LINE_SIZE);
	if (!g->txw)
		return -1;
	share = (g->ps->n + g->n_txw - 1) / g->n_txw;
	/* Lcores beyond the peer count have no peer to send for: --rate goes to the others. */
	busy = RTE_MIN(g->n_txw, g->ps->n);
	for (i = 0; i < g->n_txw; i++) {
		struct txw *w = &g->txw[i];

		w->g = g;
		w->paced = g->o->rate != 0;
		/* Spread --rate, the remainder on the first lcores. */
		if (i < busy)
			w->rate = g->o->rate / busy + (i < g->o->rate % busy);
		w->active = calloc(share, sizeof(*w->active));
		if (!w->active)
			return -1;
	}
	if (g->tx_inline) {
		g->txw[0].lcore = rte_lcore_id();
		g->txw[0].queue = 0;
		g->txw[0].engine = g->engine; /* the main lcore's, used for both directions */
		return 0;
	}
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		g->txw[i].lcore = lcore;
		g->txw[i].queue = (uint16_t)(i + 1); /* queue 0: the main lcore's ARP, handshakes */
		i++;
	}
	return 0;
}

static void txw_free(struct gen *g)
{
	if (!g->txw)
		return;
	for (unsigned int i = 0; i < g->n_txw; i++)
		free(g->txw[i].active);
	rte_free(g->txw);
}

int ws_gen_run(const struct ws_gen_options *o, struct ws_gen_peers *ps, struct ws_gen_result *r)
{
	struct gen *g;
	int ret = 1;

	g = rte_zmalloc("ws_gen", sizeof(*g), RTE_CACHE_LINE_SIZE);
	if (!g) {
		fprintf(stderr, "ws-gen: no memory\n");
		return 1;
	}
	g->o = o;
	g->ps = ps;
	g->r = r;
	g->port = o->port_id;
	g->padded = ws_transport_padded_len(o->size, INNER_MTU);
	g->frame_len = WS_GEN_TX_HDR_LEN + 8 + g->padded + WS_AEAD_TAG_LEN;
	g->hs_pending = ps->n;
	r->frame_len = (unsigned int)g->frame_len;
	g->engine = ws_cb_engine_create(o->backend);
	if (!g->engine) {
		fprintf(stderr, "ws-gen: --backend %s: unknown or not available on this CPU\n",
			o->backend);
		goto out;
	}
	snprintf(r->engine, sizeof(r->engine), "%s", ws_cb_engine_name(g->engine));
	if (txw_setup(g)) {
		fprintf(stderr, "ws-gen: no memory for the tx lcores\n");
		goto out;
	}
	if (port_setup(g))
		goto out;
	if (o->has_dst_mac)
		memcpy(g->dst_mac, o->dst_mac, 6);
	else if (resolve(g))
		goto stop;
	printf("ws-gen: port %u, %u peers, inner %u B (frame %zu B), crypto %s, %s, %u tx "
	       "lcore%s%s\n",
	       g->port, ps->n, o->size, g->frame_len, r->engine, o->rate ? "paced" : "line rate",
	       g->n_txw, g->n_txw == 1 ? "" : "s", g->tx_inline ? " (the main one)" : "");
	fflush(stdout);
	if (!g->tx_inline) {
		for (unsigned int i = 0; i < g->n_txw; i++)
			rte_eal_remote_launch(tx_lcore_main, &g->txw[i], g->txw[i].lcore);
		for (unsigned int i = 0; i < g->n_txw; i++) {
			int ready;

			while (!(ready = __atomic_load_n(&g->txw[i].ready, __ATOMIC_ACQUIRE)))
				rte_pause();
			if (ready < 0) {
				fprintf(stderr, "ws-gen: lcore %u: no crypto engine\n",
					g->txw[i].lcore);
				__atomic_store_n(&g->go, GO_STOP, __ATOMIC_RELEASE);
				rte_eal_mp_wait_lcore();
				goto stop;
			}
		}
	}
	ret = loop(g);
	port_totals(g);
	sum_tx(g);
	r->total = g->c;
	r->tsc_hz = rte_get_tsc_hz();
stop:
	rte_eth_dev_stop(g->port);
	rte_eth_dev_close(g->port);
out:
	txw_free(g);
	if (g->engine)
		ws_cb_engine_destroy(g->engine);
	rte_free(g);
	return ret;
}
