/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the test peer's session: two sessions handshake with each other in memory (both
 * roles, with and without PSK), confirm keypairs as WireGuard requires, exchange echo packets,
 * reject replays, wrong PSKs and bad macs, go through a cookie reply, and rekey in either role.
 */
#include <netinet/in.h>

#include "crypto.h"
#include "packet.h"
#include "session.h"
#include "ws_test.h"

enum { BUF = 2048 };

static const uint64_t T0 = 1000 * WS_NSEC_PER_SEC;   /* monotonic */
static const uint64_t WALL = 1700000000ULL * WS_NSEC_PER_SEC;

struct pair {
	struct ws_tp_session a, b;
	uint8_t src_a[WS_COOKIE_SOURCE_MAX], src_b[WS_COOKIE_SOURCE_MAX];
	size_t src_a_len, src_b_len;
};

static void pair_init(struct pair *p, bool psk_a, bool psk_b, bool same_psk)
{
	uint8_t ka[WS_KEY_LEN], kb[WS_KEY_LEN], pa[WS_KEY_LEN], pb[WS_KEY_LEN];
	uint8_t psk1[WS_KEY_LEN], psk2[WS_KEY_LEN];
	uint8_t ip_a[4] = { 198, 18, 0, 1 }, ip_b[4] = { 198, 18, 0, 2 };

	ws_x25519_generate(ka);
	ws_x25519_generate(kb);
	ws_x25519_public(pa, ka);
	ws_x25519_public(pb, kb);
	ws_random_bytes(psk1, sizeof(psk1));
	ws_random_bytes(psk2, sizeof(psk2));
	CHECK(ws_tp_session_init(&p->a, ka, pb, psk_a ? psk1 : NULL) == 0);
	CHECK(ws_tp_session_init(&p->b, kb, pa, psk_b ? (same_psk ? psk1 : psk2) : NULL) == 0);
	p->src_a_len = ws_cookie_source(p->src_a, ip_a, 4, 51820);
	p->src_b_len = ws_cookie_source(p->src_b, ip_b, 4, 51821);
	ws_memzero(ka, sizeof(ka));
	ws_memzero(kb, sizeof(kb));
}

static void pair_destroy(struct pair *p)
{
	ws_tp_session_destroy(&p->a);
	ws_tp_session_destroy(&p->b);
}

/* Delivers msg from one side to the other (to == &p->b: from a). */
static int deliver(struct pair *p, struct ws_tp_session *to, const uint8_t *msg, size_t len,
		   uint64_t now, uint8_t *out, size_t *out_len)
{
	const uint8_t *src = to == &p->b ? p->src_a : p->src_b;
	size_t srclen = to == &p->b ? p->src_a_len : p->src_b_len;

	return ws_tp_session_handle(to, msg, len, src, srclen, now, out, BUF, out_len);
}

/* ini handshakes with resp; returns the result of the initiator consuming the response. */
static int handshake(struct pair *p, struct ws_tp_session *ini, struct ws_tp_session *resp,
		     uint64_t now)
{
	uint8_t init[BUF], out[BUF], dummy[BUF];
	size_t out_len, n;
	long len;
	int r;

	len = ws_tp_session_initiate(ini, init, sizeof(init), now, WALL + now);
	CHECK(len == WS_MSG_INITIATION_LEN);
	r = deliver(p, resp, init, (size_t)len, now, out, &out_len);
	CHECK(r == WS_TP_EV_RESPONSE);
	CHECK(out_len == WS_MSG_RESPONSE_LEN);
	if (r != WS_TP_EV_RESPONSE)
		return r;
	n = out_len;
	return deliver(p, ini, out, n, now, dummy, &out_len);
}

static size_t make_echo(uint8_t *buf, bool reply, uint16_t seq)
{
	static const uint8_t pl[] = "0123456789abcdefghijklmnopqrstuvwxyz"; /* 37: padding needed */
	struct ws_tp_echo e = { .reply = reply, .id = 99, .seq = seq, .payload = pl,
				.payload_len = sizeof(pl) };

	ws_tp_ipaddr_parse(&e.src, "10.201.0.2");
	ws_tp_ipaddr_parse(&e.dst, "10.201.0.1");
	return ws_tp_echo_build(buf, BUF, &e);
}

/* from sends an echo to to; checks it arrives intact. */
static void exchange(struct pair *p, struct ws_tp_session *from, struct ws_tp_session *to,
		     uint64_t now, uint16_t seq)
{
	uint8_t pkt[BUF], wire[BUF], out[BUF];
	size_t n = make_echo(pkt, false, seq), out_len;
	long len = ws_tp_session_encrypt(from, wire, sizeof(wire), pkt, n, now);

	CHECK(len > 0 && (len - WS_DATA_OVERHEAD) % WS_PADDING_MULTIPLE == 0);
	if (len <= 0)
		return;
	CHECK(deliver(p, to, wire, (size_t)len, now, out, &out_len) == WS_TP_EV_DATA);
	CHECK(out_len == n);
	CHECK_MEM(out, pkt, n);
	/* The same message again is a replay. */
	CHECK(deliver(p, to, wire, (size_t)len, now, out, &out_len) == -WS_TP_DROP_DECRYPT);
}

static void establish(bool psk)
{
	struct pair p;
	uint8_t wire[BUF], out[BUF];
	size_t out_len;
	long len;

	pair_init(&p, psk, psk, true);
	CHECK(handshake(&p, &p.a, &p.b, T0) == WS_TP_EV_HANDSHAKE_DONE);
	CHECK(ws_tp_session_can_send(&p.a, T0));
	CHECK(ws_tp_session_is_initiator(&p.a));
	/* The responder must not send before the initiator's first data packet. */
	CHECK(!ws_tp_session_can_send(&p.b, T0));
	CHECK(ws_tp_session_keepalive(&p.b, wire, sizeof(wire), T0) == -WS_TP_DROP_NOKEY);
	CHECK(p.b.have_next && !p.b.have_current);

	len = ws_tp_session_keepalive(&p.a, wire, sizeof(wire), T0);
	CHECK(len == WS_DATA_OVERHEAD);
	CHECK(deliver(&p, &p.b, wire, (size_t)len, T0, out, &out_len) == WS_TP_EV_KEEPALIVE);
	CHECK(p.b.confirmed);
	CHECK(ws_tp_session_can_send(&p.b, T0) && !ws_tp_session_is_initiator(&p.b));
	CHECK(p.a.current.local_index == p.b.current.remote_index);
	CHECK(p.b.current.local_index == p.a.current.remote_index);

	exchange(&p, &p.a, &p.b, T0, 1);
	exchange(&p, &p.b, &p.a, T0, 2);
	exchange(&p, &p.a, &p.b, T0, 3);
	pair_destroy(&p);
}

static void test_handshake_no_psk(void)
{
	establish(false);
}

static void test_handshake_psk(void)
{
	establish(true);
}

static void test_wrong_psk(void)
{
	struct pair p;

	pair_init(&p, true, true, false);
	CHECK(handshake(&p, &p.a, &p.b, T0) == -WS_TP_DROP_HANDSHAKE);
	CHECK(!ws_tp_session_can_send(&p.a, T0));
	pair_destroy(&p);

	/* PSK on one side only is just as wrong. */
	pair_init(&p, true, false, true);
	CHECK(handshake(&p, &p.a, &p.b, T0) == -WS_TP_DROP_HANDSHAKE);
	pair_destroy(&p);
}

static void test_bad_mac1_and_garbage(void)
{
	struct pair p;
	uint8_t init[BUF], out[BUF];
	size_t out_len;
	long len;

	pair_init(&p, false, false, true);
	len = ws_tp_session_initiate(&p.a, init, sizeof(init), T0, WALL);
	init[WS_MSG_INITIATION_LEN - 2 * WS_MAC_LEN] ^= 1; /* first byte of mac1 */
	CHECK(deliver(&p, &p.b, init, (size_t)len, T0, out, &out_len) == -WS_TP_DROP_MAC1);
	CHECK(deliver(&p, &p.b, init, 10, T0, out, &out_len) == -WS_TP_DROP_MALFORMED);
	memset(init, 0, 64);
	init[0] = WS_MSG_DATA;
	CHECK(deliver(&p, &p.b, init, 64, T0, out, &out_len) == -WS_TP_DROP_INDEX);
	pair_destroy(&p);
}

/* A bogus initiation passes mac1 and fails in Noise; a later real one still works. */
static void test_bogus_initiation(void)
{
	struct pair p;
	uint8_t init[BUF], out[BUF];
	size_t out_len;
	long len;

	pair_init(&p, false, false, true);
	len = ws_tp_session_bogus_initiation(&p.a, init, sizeof(init), T0, WALL);
	CHECK(len == WS_MSG_INITIATION_LEN);
	CHECK(deliver(&p, &p.b, init, (size_t)len, T0, out, &out_len) == -WS_TP_DROP_HANDSHAKE);
	CHECK(p.b.noise_err == WS_NOISE_EDECRYPT);
	CHECK(!p.b.have_next);
	CHECK(handshake(&p, &p.a, &p.b, T0 + WS_NSEC_PER_SEC) == WS_TP_EV_HANDSHAKE_DONE);
	pair_destroy(&p);
}

/* The responder demands a cookie: the initiator stores it and its retry passes with mac2. */
static void test_cookie_round_trip(void)
{
	struct pair p;
	uint8_t init[BUF], out[BUF], dummy[BUF];
	size_t out_len;
	long len;

	pair_init(&p, true, true, true);
	p.b.demand_cookie = true;
	len = ws_tp_session_initiate(&p.a, init, sizeof(init), T0, WALL);
	CHECK(deliver(&p, &p.b, init, (size_t)len, T0, out, &out_len) == WS_TP_EV_COOKIE_SENT);
	CHECK(out_len == WS_MSG_COOKIE_LEN);
	CHECK(deliver(&p, &p.a, out, out_len, T0, dummy, &out_len) == WS_TP_EV_COOKIE_STORED);
	/* A later initiation carries mac2 and is processed. */
	CHECK(handshake(&p, &p.a, &p.b, T0 + WS_NSEC_PER_SEC) == WS_TP_EV_HANDSHAKE_DONE);
	pair_destroy(&p);
}

/* After a keypair is in use, the other side initiates; packets on the old keypair still pass. */
static void test_rekey_role_swap(void)
{
	struct pair p;
	uint8_t pkt[BUF], old_wire[BUF], wire[BUF], out[BUF];
	size_t n, out_len;
	long old_len, len;
	uint64_t t1 = T0 + 2 * WS_NSEC_PER_SEC;

	pair_init(&p, true, true, true);
	CHECK(handshake(&p, &p.a, &p.b, T0) == WS_TP_EV_HANDSHAKE_DONE);
	len = ws_tp_session_keepalive(&p.a, wire, sizeof(wire), T0);
	CHECK(deliver(&p, &p.b, wire, (size_t)len, T0, out, &out_len) == WS_TP_EV_KEEPALIVE);

	/* b sends a packet that is still in flight when b starts a new handshake. */
	n = make_echo(pkt, true, 9);
	old_len = ws_tp_session_encrypt(&p.b, old_wire, sizeof(old_wire), pkt, n, t1);
	CHECK(old_len > 0);
	CHECK(handshake(&p, &p.b, &p.a, t1) == WS_TP_EV_HANDSHAKE_DONE);
	CHECK(p.a.have_next && p.a.have_current);
	/* a keeps sending on its old current until confirmed. */
	CHECK(ws_tp_session_can_send(&p.a, t1) && ws_tp_session_is_initiator(&p.a));
	CHECK(deliver(&p, &p.a, old_wire, (size_t)old_len, t1, out, &out_len) == WS_TP_EV_DATA);
	exchange(&p, &p.b, &p.a, t1, 10); /* on the new keypair: confirms a's next */
	CHECK(!p.a.have_next && p.a.have_previous && !ws_tp_session_is_initiator(&p.a));
	exchange(&p, &p.a, &p.b, t1, 11);
	pair_destroy(&p);
}

/* Keypairs expire: REJECT_AFTER_TIME stops sending and receiving. */
static void test_expiry(void)
{
	struct pair p;
	uint8_t wire[BUF];
	uint64_t late = T0 + (WS_REJECT_AFTER_TIME + 1) * WS_NSEC_PER_SEC;

	pair_init(&p, false, false, true);
	CHECK(handshake(&p, &p.a, &p.b, T0) == WS_TP_EV_HANDSHAKE_DONE);
	CHECK(!ws_tp_session_can_send(&p.a, late));
	CHECK(ws_tp_session_keepalive(&p.a, wire, sizeof(wire), late) == -WS_TP_DROP_NOKEY);
	pair_destroy(&p);
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_handshake_no_psk),
		WS_TEST(test_handshake_psk),
		WS_TEST(test_wrong_psk),
		WS_TEST(test_bad_mac1_and_garbage),
		WS_TEST(test_bogus_initiation),
		WS_TEST(test_cookie_round_trip),
		WS_TEST(test_rekey_role_swap),
		WS_TEST(test_expiry),
	};

	if (ws_crypto_init() != 0)
		return 1;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
