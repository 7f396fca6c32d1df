/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-testpeer: a WireGuard peer built on the wirespeed protocol library, for interop tests. It
 * runs the requested steps in order (handshake, answer pings, send pings, expect a keepalive),
 * prints one line per step, and exits 0 only if every step succeeded within --timeout.
 * Everything that arrives is handled whatever step is running: a late initiation is answered,
 * echo requests are answered with --answer-pings, and keepalives are counted. --flood first puts
 * the peer under load so the handshake has to go through a cookie reply (--expect-cookie).
 *
 * Subcommands for raw-frame tests with static keys instead of a handshake (modes.h):
 *   ws-testpeer pcap-write|pcap-check|ctl ...
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "modes.h"
#include "options.h"
#include "packet.h"
#include "session.h"
#include "udp.h"

enum {
	BUF_LEN = WS_MAX_PACKET_LEN,
	PING_PAYLOAD = 56,
	SOCK_BUF = 4 << 20, /* a flood's worth of cookie replies must not overflow the socket */
	FLOOD_WAIT_MS = 3000,
	FLOOD_GAP_MS = 20, /* between bursts: lets the peer's socket drain into its queue */
};

struct peer {
	struct ws_tp_options opt;
	struct ws_tp_session s;
	struct ws_tp_udp udp;
	struct ws_tp_endpoint endpoint; /* where we send: configured or learnt */
	bool has_endpoint;
	uint64_t deadline_ns;

	bool handshake_done;
	bool resend_initiation; /* a cookie arrived: the next initiation carries mac2 */
	unsigned int cookies_rx;     /* cookie replies to our real initiation */
	unsigned int cookie_msgs_rx; /* any cookie reply, e.g. to the flood */
	unsigned int keepalives_rx;
	unsigned int data_rx;
	unsigned int answered;
	unsigned int drops[WS_TP_DROP_COUNT];

	/* The echo request in flight, matched by destination, id and sequence. */
	bool ping_waiting;
	bool ping_ok;
	struct ws_tp_ipaddr ping_dst;
	uint16_t ping_id;
	uint16_t ping_seq;

	uint8_t rx[BUF_LEN];
	uint8_t out[BUF_LEN];
	uint8_t reply[BUF_LEN]; /* an echo reply being built from the request in out */
	uint8_t tx[BUF_LEN + WS_DATA_OVERHEAD + WS_PADDING_MULTIPLE];
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * WS_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_now(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static const char *psk_str(const struct peer *p)
{
	return p->opt.has_psk ? "psk" : "no psk";
}

static int send_to_peer(struct peer *p, const void *buf, size_t len)
{
	char ep[WS_TP_ENDPOINT_STRLEN];
	int err;

	if (!p->has_endpoint)
		return -EDESTADDRREQ;
	err = ws_tp_udp_send(&p->udp, buf, len, &p->endpoint);
	if (err)
		fprintf(stderr, "send to %s: %s\n", ws_tp_endpoint_str(&p->endpoint, ep),
			strerror(-err));
	return err;
}

/* Encrypts and sends an inner packet (len 0: keepalive) on the current keypair. */
static int send_inner(struct peer *p, const uint8_t *pkt, size_t len)
{
	long n = len ? ws_tp_session_encrypt(&p->s, p->tx, sizeof(p->tx), pkt, len, mono_now())
		     : ws_tp_session_keepalive(&p->s, p->tx, sizeof(p->tx), mono_now());

	if (n < 0) {
		fprintf(stderr, "cannot encrypt: %s\n", ws_tp_drop_str((int)n));
		return -1;
	}
	return send_to_peer(p, p->tx, (size_t)n);
}

static bool is_ours(const struct peer *p, const struct ws_tp_ipaddr *ip)
{
	for (unsigned int i = 0; i < p->opt.n_inner; i++)
		if (ws_tp_ipaddr_equal(&p->opt.inner[i], ip))
			return true;
	return false;
}

static void on_inner(struct peer *p, const uint8_t *pkt, size_t len)
{
	char a[WS_TP_IPADDR_STRLEN];
	struct ws_tp_echo e;
	size_t n;

	p->data_rx++;
	if (ws_tp_echo_parse(&e, pkt, len) != 0)
		return; /* other inner traffic (e.g. IPv6 router solicitations) is not our business */
	if (e.reply) {
		if (p->ping_waiting && e.id == p->ping_id && e.seq == p->ping_seq &&
		    ws_tp_ipaddr_equal(&e.src, &p->ping_dst) && is_ours(p, &e.dst)) {
			p->ping_waiting = false;
			p->ping_ok = true;
		}
		return;
	}
	if (!p->opt.answer_any || !is_ours(p, &e.dst))
		return;
	n = ws_tp_echo_answer(p->reply, sizeof(p->reply), pkt, len);
	if (n && send_inner(p, p->reply, n) == 0) {
		p->answered++;
		printf("answered echo request %u from %s (id %u seq %u)\n", p->answered,
		       ws_tp_ipaddr_str(&e.src, a), e.id, e.seq);
	}
}

static void handle(struct peer *p, size_t len, const struct ws_tp_endpoint *from)
{
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	size_t srclen = ws_tp_endpoint_source(from, src);
	char ep[WS_TP_ENDPOINT_STRLEN];
	size_t out_len;
	int r;

	if (ws_msg_classify(p->rx, len) == WS_MSG_COOKIE)
		p->cookie_msgs_rx++;
	r = ws_tp_session_handle(&p->s, p->rx, len, src, srclen, mono_now(), p->out,
				 sizeof(p->out), &out_len);
	if (r < 0) {
		p->drops[-r]++;
		if (r == -WS_TP_DROP_HANDSHAKE)
			printf("handshake message from %s rejected: %s\n",
			       ws_tp_endpoint_str(from, ep), ws_noise_strerror(p->s.noise_err));
		return;
	}
	/* Authenticated traffic tells us where the peer is (WireGuard's roaming). */
	if (r != WS_TP_EV_COOKIE_SENT && r != WS_TP_EV_COOKIE_STORED) {
		p->endpoint = *from;
		p->has_endpoint = true;
	}
	switch (r) {
	case WS_TP_EV_RESPONSE:
		printf("initiation from %s accepted, response sent\n", ws_tp_endpoint_str(from, ep));
		send_to_peer(p, p->out, out_len);
		break;
	case WS_TP_EV_COOKIE_SENT:
		send_to_peer(p, p->out, out_len);
		break;
	case WS_TP_EV_HANDSHAKE_DONE:
		p->handshake_done = true;
		printf("handshake complete (initiator, %s) with %s\n", psk_str(p),
		       ws_tp_endpoint_str(from, ep));
		/* Confirm the keypair at once so the responder may send on it (whitepaper 6.5). */
		if (send_inner(p, NULL, 0) == 0)
			printf("keepalive sent to confirm the new keypair\n");
		break;
	case WS_TP_EV_COOKIE_STORED:
		printf("cookie reply received: the peer is under load, retrying with mac2\n");
		p->cookies_rx++;
		p->resend_initiation = true;
		break;
	case WS_TP_EV_DATA:
	case WS_TP_EV_KEEPALIVE:
		if (p->s.confirmed) {
			p->handshake_done = true;
			printf("handshake complete (responder, %s) with %s\n", psk_str(p),
			       ws_tp_endpoint_str(from, ep));
		}
		if (r == WS_TP_EV_KEEPALIVE)
			p->keepalives_rx++;
		else
			on_inner(p, p->out, out_len);
		break;
	}
}

/* Receives and handles what arrives until until_ns (capped by the deadline). -1: fatal. */
static int pump(struct peer *p, uint64_t until_ns)
{
	struct ws_tp_endpoint from;
	uint64_t now = mono_now();
	long n;

	if (until_ns > p->deadline_ns)
		until_ns = p->deadline_ns;
	if (now >= until_ns)
		return 0;
	n = ws_tp_udp_recv(&p->udp, p->rx, sizeof(p->rx), &from,
			   (int)((until_ns - now + 999999) / 1000000));
	if (n == -ETIMEDOUT)
		return 0;
	if (n < 0) {
		/* ICMP port unreachable from an earlier send surfaces here; it is not fatal. */
		if (n == -ECONNREFUSED || n == -EHOSTUNREACH || n == -ENETUNREACH)
			return 0;
		fprintf(stderr, "receive: %s\n", strerror((int)-n));
		return -1;
	}
	handle(p, (size_t)n, &from);
	return 0;
}

static bool timed_out(const struct peer *p)
{
	return mono_now() >= p->deadline_ns;
}

/*
 * --flood: bursts of N bogus initiations, repeated until cookie replies to them show the peer is
 * under load (at most FLOOD_WAIT_MS). Whether one burst suffices depends on how fast the peer's
 * handshake workers drain its queue, hence the repetition. The bogus initiations are built before
 * the real one, so the cookie maker keeps the real one's mac1 for its cookie reply; the real
 * initiation goes out once the peer is under load and no longer flooded, and must then be answered
 * with a cookie.
 */
static int flood(struct peer *p)
{
	uint64_t start = mono_now(), until = start + FLOOD_WAIT_MS * 1000000ULL;
	unsigned int sent = 0, bursts = 0;
	long n = ws_tp_session_bogus_initiation(&p->s, p->tx, sizeof(p->tx), start,
						clock_ns(CLOCK_REALTIME));

	if (n < 0)
		return -1;
	while (!p->cookie_msgs_rx && mono_now() < until && !timed_out(p)) {
		for (unsigned int i = 0; i < p->opt.flood; i++)
			sent += ws_tp_udp_send(&p->udp, p->tx, (size_t)n, &p->endpoint) == 0;
		bursts++;
		if (pump(p, mono_now() + FLOOD_GAP_MS * 1000000ULL) != 0)
			return -1;
	}
	printf("flood: %u bogus initiations sent in %u bursts\n", sent, bursts);
	if (p->cookie_msgs_rx)
		printf("flood: the peer answers with cookie replies (under load)\n");
	else
		printf("flood: no cookie reply to the flood within %u ms\n", FLOOD_WAIT_MS);
	return 0;
}

static int step_handshake(struct peer *p)
{
	uint64_t next_send = 0;

	if (!p->opt.initiate)
		printf("waiting for an initiation\n");
	if (p->opt.flood && flood(p) != 0) {
		printf("FAIL: could not send the flood\n");
		return -1;
	}
	while (!p->handshake_done) {
		if (timed_out(p)) {
			printf("FAIL: handshake did not complete within %us\n", p->opt.timeout_s);
			return -1;
		}
		if (p->opt.initiate && (mono_now() >= next_send || p->resend_initiation)) {
			uint64_t mono = mono_now();
			long n = ws_tp_session_initiate(&p->s, p->tx, sizeof(p->tx), mono,
							clock_ns(CLOCK_REALTIME));

			if (n < 0) {
				printf("FAIL: cannot build an initiation: %s\n",
				       ws_noise_strerror(p->s.noise_err));
				return -1;
			}
			p->resend_initiation = false;
			if (send_to_peer(p, p->tx, (size_t)n) == 0)
				printf("initiation sent\n");
			next_send = mono + (uint64_t)p->opt.retry_ms * 1000000;
		}
		if (pump(p, p->opt.initiate ? next_send : p->deadline_ns) != 0)
			return -1;
	}
	if (p->opt.expect_cookie) {
		if (!p->cookies_rx) {
			printf("FAIL: the handshake completed without a cookie reply\n");
			return -1;
		}
		printf("handshake went through a cookie reply ok\n");
	}
	return 0;
}

static int step_answer(struct peer *p)
{
	while (p->answered < p->opt.answer_pings) {
		if (timed_out(p)) {
			printf("FAIL: answered %u of %u echo requests before the timeout\n",
			       p->answered, p->opt.answer_pings);
			return -1;
		}
		if (pump(p, p->deadline_ns) != 0)
			return -1;
	}
	printf("answered %u echo requests ok\n", p->answered);
	return 0;
}

static const struct ws_tp_ipaddr *inner_for(const struct peer *p, sa_family_t family)
{
	for (unsigned int i = 0; i < p->opt.n_inner; i++)
		if (p->opt.inner[i].family == family)
			return &p->opt.inner[i];
	return NULL;
}

static int ping_one(struct peer *p, const struct ws_tp_ipaddr *dst, uint16_t seq)
{
	uint8_t payload[PING_PAYLOAD];
	char a[WS_TP_IPADDR_STRLEN];
	struct ws_tp_echo e = {
		.src = *inner_for(p, dst->family),
		.dst = *dst,
		.id = (uint16_t)getpid(),
		.seq = seq,
		.payload = payload,
		.payload_len = sizeof(payload),
	};
	uint64_t sent, until;
	size_t n;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i + seq);
	n = ws_tp_echo_build(p->out, sizeof(p->out), &e);
	p->ping_waiting = true;
	p->ping_ok = false;
	p->ping_dst = *dst;
	p->ping_id = e.id;
	p->ping_seq = seq;
	sent = mono_now();
	if (!n || send_inner(p, p->out, n) != 0)
		goto fail;
	until = sent + (uint64_t)p->opt.ping_wait_ms * 1000000;
	while (p->ping_waiting && mono_now() < until && !timed_out(p))
		if (pump(p, until) != 0)
			goto fail;
	if (p->ping_ok) {
		printf("ping %u/%u %s reply ok (%.3f ms)\n", seq, p->opt.ping,
		       ws_tp_ipaddr_str(dst, a), (double)(mono_now() - sent) / 1e6);
		return 0;
	}
fail:
	p->ping_waiting = false;
	printf("ping %u/%u %s: FAIL, no reply\n", seq, p->opt.ping, ws_tp_ipaddr_str(dst, a));
	return -1;
}

static int step_ping(struct peer *p)
{
	int ret = 0;

	for (unsigned int t = 0; t < p->opt.n_target; t++)
		for (unsigned int i = 1; i <= p->opt.ping; i++)
			if (ping_one(p, &p->opt.target[t], (uint16_t)i) != 0)
				ret = -1;
	return ret;
}

static int step_keepalive(struct peer *p)
{
	unsigned int before = p->keepalives_rx;

	printf("waiting for a keepalive\n");
	while (p->keepalives_rx == before) {
		if (timed_out(p)) {
			printf("FAIL: no keepalive within %us\n", p->opt.timeout_s);
			return -1;
		}
		if (pump(p, p->deadline_ns) != 0)
			return -1;
	}
	printf("keepalive received ok\n");
	return 0;
}

static void summary(const struct peer *p)
{
	printf("received: %u data packets, %u keepalives, %u cookie replies accepted; "
	       "answered %u echo requests\n", p->data_rx, p->keepalives_rx, p->cookies_rx,
	       p->answered);
	for (int i = 1; i < WS_TP_DROP_COUNT; i++)
		if (p->drops[i])
			printf("dropped %u: %s\n", p->drops[i], ws_tp_drop_str(i));
}

static int run(struct peer *p)
{
	char ep[WS_TP_ENDPOINT_STRLEN];
	struct ws_tp_endpoint local;
	int err;

	err = ws_tp_udp_open(&p->udp, &p->opt.listen);
	if (err) {
		printf("FAIL: cannot bind %s: %s\n", ws_tp_endpoint_str(&p->opt.listen, ep),
		       strerror(-err));
		return -1;
	}
	/* Best effort: without it only floods lose packets. */
	ws_tp_udp_set_buffers(&p->udp, SOCK_BUF);
	if (ws_tp_udp_local(&p->udp, &local) == 0)
		printf("listening on %s\n", ws_tp_endpoint_str(&local, ep));
	p->deadline_ns = mono_now() + (uint64_t)p->opt.timeout_s * WS_NSEC_PER_SEC;
	if (step_handshake(p) != 0)
		return -1;
	if (p->opt.answer_pings && step_answer(p) != 0)
		return -1;
	if (p->opt.ping && step_ping(p) != 0)
		return -1;
	if (p->opt.expect_keepalive && step_keepalive(p) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct peer p; /* large buffers: not on the stack */
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (ws_crypto_init() != 0) {
		fprintf(stderr, "ws-testpeer: crypto initialisation failed\n");
		return 1;
	}
	/* the raw mode and its control client: subcommands, each with its own options */
	if (argc > 1 && !strcmp(argv[1], "pcap-write"))
		return ws_tp_cmd_pcap_write(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "pcap-check"))
		return ws_tp_cmd_pcap_check(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return ws_tp_cmd_ctl(argc - 1, argv + 1);
	if (ws_tp_options_parse(&p.opt, argc, argv) != 0)
		return 2;
	p.udp.fd = -1;
	p.endpoint = p.opt.endpoint;
	p.has_endpoint = p.opt.has_endpoint;
	ret = ws_tp_session_init(&p.s, p.opt.private_key, p.opt.peer_public,
				 p.opt.has_psk ? p.opt.psk : NULL);
	ws_tp_options_clear(&p.opt);
	if (ret != 0) {
		printf("FAIL: unusable key pair (zero shared secret)\n");
		return 1;
	}
	p.s.mtu = p.opt.mtu;
	ret = run(&p);
	summary(&p);
	printf("%s\n", ret == 0 ? "RESULT: ok" : "RESULT: FAIL");
	ws_tp_udp_close(&p.udp);
	ws_tp_session_destroy(&p.s);
	ws_memzero(p.rx, sizeof(p.rx));
	ws_memzero(p.out, sizeof(p.out));
	return ret == 0 ? 0 : 1;
}
