/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of protocol/cookie.h (whitepaper 5.4.4 and 5.4.7): mac1 against an independent
 * computation and under every flipped byte and a wrong responder key; the cookie round trip under
 * load (reply, consume, mac2 accepted only from the same source address and port); tampered and
 * misdirected cookie replies; cookie expiry at the initiator (120 - 5 s) and secret rotation at
 * the responder (120 s).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "crypto.h"
#include "messages.h"
#include "ref_wg.h"
#include "ws_test.h"

#define SEC 1000000000ULL
#define T0 (7000ULL * SEC)

struct responder {
	uint8_t priv[32], pub[32];
	struct ws_cookie_checker cc;
};

static void responder_init(struct responder *r)
{
	ws_x25519_generate(r->priv);
	ws_x25519_public(r->pub, r->priv);
	ws_cookie_checker_init(&r->cc, r->pub);
}

/* An initiation-shaped message: real header, random body, macs zero. */
static void make_initiation(struct ws_msg_initiation *m, uint32_t sender)
{
	ws_random_bytes(m, sizeof(*m));
	m->type = ws_to_le32(WS_MSG_INITIATION);
	m->sender = ws_to_le32(sender);
	memset(&m->macs, 0, sizeof(m->macs));
}

static void make_response(struct ws_msg_response *m, uint32_t sender, uint32_t receiver)
{
	ws_random_bytes(m, sizeof(*m));
	m->type = ws_to_le32(WS_MSG_RESPONSE);
	m->sender = ws_to_le32(sender);
	m->receiver = ws_to_le32(receiver);
	memset(&m->macs, 0, sizeof(m->macs));
}

/* Reference mac1: MAC(HASH("mac1----" || responder public), msg up to mac1). */
static void ref_mac1(uint8_t out[16], const uint8_t pub[32], const void *msg, size_t len)
{
	uint8_t key[32];
	ref_hash2(key, ref_label_mac1, 8, pub, 32);
	ref_mac(out, key, 32, msg, len - 32);
}

static size_t src4(uint8_t out[WS_COOKIE_SOURCE_MAX], const char *ip, uint16_t port)
{
	uint8_t a[4];
	CHECK(inet_pton(AF_INET, ip, a) == 1);
	return ws_cookie_source(out, a, 4, port);
}

static void test_source(void)
{
	uint8_t out[WS_COOKIE_SOURCE_MAX], a6[16];

	memset(out, 0xee, sizeof(out));
	CHECK(src4(out, "192.0.2.1", 51820) == 6);
	static const uint8_t want4[] = { 192, 0, 2, 1, 0xca, 0x6c };
	CHECK_MEM(out, want4, 6);
	CHECK(inet_pton(AF_INET6, "2001:db8::7", a6) == 1);
	CHECK(ws_cookie_source(out, a6, 16, 443) == 18);
	CHECK_MEM(out, a6, 16);
	CHECK(out[16] == 0x01 && out[17] == 0xbb);
}

static void test_mac1_matches_reference(void)
{
	struct responder r;
	struct ws_cookie_maker cm;
	struct ws_msg_initiation m;
	struct ws_msg_response resp;
	uint8_t want[16], src[WS_COOKIE_SOURCE_MAX];
	size_t srclen = src4(src, "198.51.100.9", 40000);

	responder_init(&r);
	ws_cookie_maker_init(&cm, r.pub);
	make_initiation(&m, 0xabcdef01);
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0);
	ref_mac1(want, r.pub, &m, sizeof(m));
	CHECK_MEM(m.macs.mac1, want, 16);
	CHECK(ws_is_zero_ct(m.macs.mac2, 16)); /* no cookie yet */
	CHECK(ws_cookie_validate(&r.cc, &m, sizeof(m), src, srclen, false, T0) ==
	      WS_COOKIE_MAC1_VALID);
	CHECK(ws_cookie_validate(&r.cc, &m, sizeof(m), src, srclen, true, T0) ==
	      WS_COOKIE_MAC1_VALID);

	/* A response is 92 bytes: the macs sit elsewhere. */
	make_response(&resp, 5, 6);
	ws_cookie_add_macs(&cm, &resp, sizeof(resp), T0);
	ref_mac1(want, r.pub, &resp, sizeof(resp));
	CHECK_MEM(resp.macs.mac1, want, 16);
	CHECK(ws_is_zero_ct(resp.macs.mac2, 16));
	CHECK(ws_cookie_validate(&r.cc, &resp, sizeof(resp), src, srclen, false, T0) ==
	      WS_COOKIE_MAC1_VALID);
}

static void test_mac1_every_byte_flipped(void)
{
	struct responder r;
	struct ws_cookie_maker cm;
	struct ws_msg_initiation m, bad;
	struct ws_msg_response resp, badr;
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	size_t srclen = src4(src, "198.51.100.9", 40000);
	int wrong = 0;

	responder_init(&r);
	ws_cookie_maker_init(&cm, r.pub);
	make_initiation(&m, 1);
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0);
	/* Every byte of the body and of mac1 itself. */
	for (size_t i = 0; i < offsetof(struct ws_msg_initiation, macs.mac2); i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(&bad, &m, sizeof(bad));
			((uint8_t *)&bad)[i] ^= (uint8_t)(1u << bit);
			if (ws_cookie_validate(&r.cc, &bad, sizeof(bad), src, srclen, false, T0) !=
			    WS_COOKIE_MAC_INVALID)
				wrong++;
		}
	}
	CHECK(wrong == 0);
	/* mac2 is not looked at when not under load. */
	memcpy(&bad, &m, sizeof(bad));
	bad.macs.mac2[3] ^= 0x10;
	CHECK(ws_cookie_validate(&r.cc, &bad, sizeof(bad), src, srclen, false, T0) ==
	      WS_COOKIE_MAC1_VALID);

	make_response(&resp, 2, 3);
	ws_cookie_add_macs(&cm, &resp, sizeof(resp), T0);
	wrong = 0;
	for (size_t i = 0; i < offsetof(struct ws_msg_response, macs.mac2); i++) {
		memcpy(&badr, &resp, sizeof(badr));
		((uint8_t *)&badr)[i] ^= 0x01;
		if (ws_cookie_validate(&r.cc, &badr, sizeof(badr), src, srclen, false, T0) !=
		    WS_COOKIE_MAC_INVALID)
			wrong++;
	}
	CHECK(wrong == 0);
}

static void test_mac1_wrong_key_or_no_identity(void)
{
	struct responder r, other;
	struct ws_cookie_maker cm;
	struct ws_msg_initiation m;
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	size_t srclen = src4(src, "203.0.113.5", 1);

	responder_init(&r);
	responder_init(&other);
	/* Made for `other`, checked by r. */
	ws_cookie_maker_init(&cm, other.pub);
	make_initiation(&m, 1);
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0);
	CHECK(ws_cookie_validate(&r.cc, &m, sizeof(m), src, srclen, false, T0) ==
	      WS_COOKIE_MAC_INVALID);
	CHECK(ws_cookie_validate(&other.cc, &m, sizeof(m), src, srclen, false, T0) ==
	      WS_COOKIE_MAC1_VALID);

	/* A checker without identity rejects everything, even a message with a right mac1. */
	struct ws_cookie_checker none;
	ws_cookie_checker_init(&none, NULL);
	CHECK(!none.has_identity);
	CHECK(ws_cookie_validate(&none, &m, sizeof(m), src, srclen, false, T0) ==
	      WS_COOKIE_MAC_INVALID);
	CHECK(ws_cookie_validate(&none, &m, sizeof(m), src, srclen, true, T0) ==
	      WS_COOKIE_MAC_INVALID);

	/* Clearing the checker's identity has the same effect. */
	ws_cookie_checker_clear(&other.cc);
	CHECK(ws_cookie_validate(&other.cc, &m, sizeof(m), src, srclen, false, T0) ==
	      WS_COOKIE_MAC_INVALID);
}

/* Runs the cookie exchange for m from src at time t; returns the cookie the reference expects. */
static void cookie_exchange(struct responder *r, struct ws_cookie_maker *cm,
			    struct ws_msg_initiation *m, const uint8_t *src, size_t srclen,
			    uint64_t t, uint8_t cookie_out[16])
{
	struct ws_msg_cookie reply;
	uint8_t ckey[32], plain[16];

	ws_cookie_add_macs(cm, m, sizeof(*m), t);
	CHECK(ws_cookie_validate(&r->cc, m, sizeof(*m), src, srclen, true, t) ==
	      WS_COOKIE_MAC1_VALID);
	memset(&reply, 0, sizeof(reply));
	ws_cookie_reply_create(&r->cc, &reply, m, sizeof(*m), src, srclen, t);
	CHECK(ws_msg_classify(&reply, sizeof(reply)) == WS_MSG_COOKIE);
	CHECK(ws_le32(reply.type) == WS_MSG_COOKIE);
	CHECK(reply.receiver == m->sender);
	CHECK(r->cc.secret_valid);

	/* Reference: the cookie is MAC(secret, source), sealed with XChaCha20-Poly1305 under
	 * HASH("cookie--" || responder public) with mac1 of the message as AD. */
	uint8_t want[16];
	ref_mac(want, r->cc.secret, 32, src, srclen);
	ref_hash2(ckey, ref_label_cookie, 8, r->pub, 32);
	unsigned long long pl;
	CHECK(crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &pl, NULL, reply.encrypted_cookie,
							 32, m->macs.mac1, 16, reply.nonce,
							 ckey) == 0);
	CHECK_MEM(plain, want, 16);
	memcpy(cookie_out, want, 16);

	CHECK(ws_cookie_consume_reply(cm, &reply, t) == 0);
	CHECK(cm->have_cookie);
	CHECK_MEM(cm->cookie, want, 16);
}

static void test_cookie_round_trip(void)
{
	struct responder r;
	struct ws_cookie_maker cm;
	struct ws_msg_initiation m, m2;
	uint8_t src[WS_COOKIE_SOURCE_MAX], other_ip[WS_COOKIE_SOURCE_MAX],
		other_port[WS_COOKIE_SOURCE_MAX], cookie[16], want[16];
	size_t srclen = src4(src, "198.51.100.23", 51820);
	size_t l2 = src4(other_ip, "198.51.100.24", 51820);
	size_t l3 = src4(other_port, "198.51.100.23", 51821);

	responder_init(&r);
	ws_cookie_maker_init(&cm, r.pub);
	make_initiation(&m, 42);
	cookie_exchange(&r, &cm, &m, src, srclen, T0, cookie);

	/* The initiator's next message carries mac2 = MAC(cookie, msg up to mac2). */
	make_initiation(&m2, 43);
	ws_cookie_add_macs(&cm, &m2, sizeof(m2), T0 + SEC);
	ref_mac(want, cookie, 16, &m2, offsetof(struct ws_msg_initiation, macs.mac2));
	CHECK_MEM(m2.macs.mac2, want, 16);
	CHECK(ws_cookie_validate(&r.cc, &m2, sizeof(m2), src, srclen, true, T0 + SEC) ==
	      WS_COOKIE_MAC2_VALID);
	/* Bound to the source address and port. */
	CHECK(ws_cookie_validate(&r.cc, &m2, sizeof(m2), other_ip, l2, true, T0 + SEC) ==
	      WS_COOKIE_MAC1_VALID);
	CHECK(ws_cookie_validate(&r.cc, &m2, sizeof(m2), other_port, l3, true, T0 + SEC) ==
	      WS_COOKIE_MAC1_VALID);
	/* Not under load: mac2 is not checked, the answer is MAC1_VALID. */
	CHECK(ws_cookie_validate(&r.cc, &m2, sizeof(m2), src, srclen, false, T0 + SEC) ==
	      WS_COOKIE_MAC1_VALID);
	/* A flipped mac2 byte. */
	m2.macs.mac2[15] ^= 1;
	CHECK(ws_cookie_validate(&r.cc, &m2, sizeof(m2), src, srclen, true, T0 + SEC) ==
	      WS_COOKIE_MAC1_VALID);
	m2.macs.mac2[15] ^= 1;

	/* The same over IPv6, and for a response message. */
	uint8_t a6[16], s6[WS_COOKIE_SOURCE_MAX];
	CHECK(inet_pton(AF_INET6, "2001:db8::1", a6) == 1);
	size_t l6 = ws_cookie_source(s6, a6, 16, 51820);
	struct ws_cookie_maker cm6;
	ws_cookie_maker_init(&cm6, r.pub);
	struct ws_msg_response resp;
	make_response(&resp, 77, 78);
	ws_cookie_add_macs(&cm6, &resp, sizeof(resp), T0);
	struct ws_msg_cookie reply;
	CHECK(ws_cookie_validate(&r.cc, &resp, sizeof(resp), s6, l6, true, T0) ==
	      WS_COOKIE_MAC1_VALID);
	ws_cookie_reply_create(&r.cc, &reply, &resp, sizeof(resp), s6, l6, T0);
	CHECK(ws_le32(reply.receiver) == 77);
	CHECK(ws_cookie_consume_reply(&cm6, &reply, T0) == 0);
	make_response(&resp, 79, 80);
	ws_cookie_add_macs(&cm6, &resp, sizeof(resp), T0 + 1);
	CHECK(ws_cookie_validate(&r.cc, &resp, sizeof(resp), s6, l6, true, T0 + 1) ==
	      WS_COOKIE_MAC2_VALID);
	a6[15] ^= 1;
	l6 = ws_cookie_source(s6, a6, 16, 51820);
	CHECK(ws_cookie_validate(&r.cc, &resp, sizeof(resp), s6, l6, true, T0 + 1) ==
	      WS_COOKIE_MAC1_VALID);
}

static void test_cookie_reply_tampered(void)
{
	struct responder r;
	struct ws_cookie_maker cm;
	struct ws_msg_initiation m;
	struct ws_msg_cookie reply, bad;
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	size_t srclen = src4(src, "192.0.2.77", 9999);
	int accepted = 0;

	responder_init(&r);
	ws_cookie_maker_init(&cm, r.pub);
	make_initiation(&m, 1);
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0);
	ws_cookie_reply_create(&r.cc, &reply, &m, sizeof(m), src, srclen, T0);
	/* Nonce and sealed cookie are authenticated; type and receiver are the caller's lookup. */
	for (size_t i = offsetof(struct ws_msg_cookie, nonce); i < sizeof(reply); i++) {
		memcpy(&bad, &reply, sizeof(bad));
		((uint8_t *)&bad)[i] ^= 0x20;
		if (ws_cookie_consume_reply(&cm, &bad, T0) == 0)
			accepted++;
	}
	CHECK(accepted == 0);
	CHECK(!cm.have_cookie);
	/* Nothing stored: the next message has no mac2. */
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0 + 1);
	CHECK(ws_is_zero_ct(m.macs.mac2, 16));
	/* A reply encrypted for another responder's key. */
	struct responder other;
	responder_init(&other);
	ws_cookie_reply_create(&other.cc, &bad, &m, sizeof(m), src, srclen, T0);
	CHECK(ws_cookie_consume_reply(&cm, &bad, T0) == -1);
	/* The genuine reply (to the mac1 last sent, which did not change) still works. */
	ws_cookie_reply_create(&r.cc, &reply, &m, sizeof(m), src, srclen, T0);
	CHECK(ws_cookie_consume_reply(&cm, &reply, T0) == 0);
	CHECK(cm.have_cookie);
}

static void test_cookie_reply_to_unsent_message(void)
{
	struct responder r;
	struct ws_cookie_maker cm, fresh, someone;
	struct ws_msg_initiation mine, theirs;
	struct ws_msg_cookie reply;
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	size_t srclen = src4(src, "192.0.2.78", 1234);

	responder_init(&r);
	ws_cookie_maker_init(&cm, r.pub);
	ws_cookie_maker_init(&someone, r.pub);
	make_initiation(&mine, 1);
	make_initiation(&theirs, 1);
	ws_cookie_add_macs(&cm, &mine, sizeof(mine), T0);
	ws_cookie_add_macs(&someone, &theirs, sizeof(theirs), T0);
	/* A reply to a message we did not send (different mac1) does not authenticate. */
	ws_cookie_reply_create(&r.cc, &reply, &theirs, sizeof(theirs), src, srclen, T0);
	CHECK(ws_cookie_consume_reply(&cm, &reply, T0) == -1);
	CHECK(!cm.have_cookie);
	/* A maker that never sent anything accepts no reply at all. */
	ws_cookie_maker_init(&fresh, r.pub);
	CHECK(!fresh.have_last_mac1);
	CHECK(ws_cookie_consume_reply(&fresh, &reply, T0) == -1);
	CHECK(!fresh.have_cookie);
	/* A reply to an earlier message of ours after we sent a newer one: no longer ours. */
	struct ws_msg_initiation older;
	make_initiation(&older, 2);
	ws_cookie_add_macs(&cm, &older, sizeof(older), T0);
	ws_cookie_reply_create(&r.cc, &reply, &older, sizeof(older), src, srclen, T0);
	ws_cookie_add_macs(&cm, &mine, sizeof(mine), T0 + 1);
	CHECK(ws_cookie_consume_reply(&cm, &reply, T0 + 1) == -1);
}

static void test_cookie_expires_at_initiator(void)
{
	struct responder r;
	struct ws_cookie_maker cm;
	struct ws_msg_initiation m;
	uint8_t src[WS_COOKIE_SOURCE_MAX], cookie[16], want[16];
	size_t srclen = src4(src, "192.0.2.90", 5555);

	responder_init(&r);
	ws_cookie_maker_init(&cm, r.pub);
	make_initiation(&m, 1);
	cookie_exchange(&r, &cm, &m, src, srclen, T0, cookie);
	CHECK(cm.cookie_birth_ns == T0);

	/* Within COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY (115 s): mac2 is added. */
	make_initiation(&m, 2);
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0 + 114 * SEC);
	ref_mac(want, cookie, 16, &m, offsetof(struct ws_msg_initiation, macs.mac2));
	CHECK_MEM(m.macs.mac2, want, 16);
	/* After it: no mac2 (all zero), and the responder sees only mac1. */
	make_initiation(&m, 3);
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0 + 116 * SEC);
	CHECK(ws_is_zero_ct(m.macs.mac2, 16));
	CHECK(ws_cookie_validate(&r.cc, &m, sizeof(m), src, srclen, true, T0 + 116 * SEC) ==
	      WS_COOKIE_MAC1_VALID);
	/* mac1 is still there and right. */
	ref_mac1(want, r.pub, &m, sizeof(m));
	CHECK_MEM(m.macs.mac1, want, 16);
}

static void test_secret_rotates_at_responder(void)
{
	struct responder r;
	struct ws_cookie_maker cm;
	struct ws_msg_initiation m;
	uint8_t src[WS_COOKIE_SOURCE_MAX], cookie[16], first_secret[32];
	size_t srclen = src4(src, "192.0.2.91", 5556);

	responder_init(&r);
	ws_cookie_maker_init(&cm, r.pub);
	make_initiation(&m, 1);
	cookie_exchange(&r, &cm, &m, src, srclen, T0, cookie);
	memcpy(first_secret, r.cc.secret, 32);

	/* Made while the initiator's cookie is still fresh. */
	make_initiation(&m, 2);
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0 + 100 * SEC);
	CHECK(!ws_is_zero_ct(m.macs.mac2, 16));
	/* Before the secret is 120 s old the cookie validates. */
	CHECK(ws_cookie_validate(&r.cc, &m, sizeof(m), src, srclen, true, T0 + 119 * SEC) ==
	      WS_COOKIE_MAC2_VALID);
	CHECK_MEM(r.cc.secret, first_secret, 32);
	/* After, the secret has been replaced and the old cookie no longer does. */
	CHECK(ws_cookie_validate(&r.cc, &m, sizeof(m), src, srclen, true, T0 + 121 * SEC) ==
	      WS_COOKIE_MAC1_VALID);
	/* A reply made now carries a cookie under a new secret, which works again. */
	make_initiation(&m, 3);
	cookie_exchange(&r, &cm, &m, src, srclen, T0 + 122 * SEC, cookie);
	CHECK(memcmp(r.cc.secret, first_secret, 32) != 0);
	make_initiation(&m, 4);
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0 + 123 * SEC);
	CHECK(ws_cookie_validate(&r.cc, &m, sizeof(m), src, srclen, true, T0 + 123 * SEC) ==
	      WS_COOKIE_MAC2_VALID);
}

static void test_reply_nonces_differ(void)
{
	struct responder r;
	struct ws_cookie_maker cm;
	struct ws_msg_initiation m;
	struct ws_msg_cookie r1, r2;
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	size_t srclen = src4(src, "192.0.2.92", 1);

	responder_init(&r);
	ws_cookie_maker_init(&cm, r.pub);
	make_initiation(&m, 1);
	ws_cookie_add_macs(&cm, &m, sizeof(m), T0);
	ws_cookie_reply_create(&r.cc, &r1, &m, sizeof(m), src, srclen, T0);
	ws_cookie_reply_create(&r.cc, &r2, &m, sizeof(m), src, srclen, T0);
	CHECK(memcmp(r1.nonce, r2.nonce, WS_XNONCE_LEN) != 0);
	CHECK(memcmp(r1.encrypted_cookie, r2.encrypted_cookie, 32) != 0);
}

static const struct ws_test_case cases[] = {
	WS_TEST(test_source),
	WS_TEST(test_mac1_matches_reference),
	WS_TEST(test_mac1_every_byte_flipped),
	WS_TEST(test_mac1_wrong_key_or_no_identity),
	WS_TEST(test_cookie_round_trip),
	WS_TEST(test_cookie_reply_tampered),
	WS_TEST(test_cookie_reply_to_unsent_message),
	WS_TEST(test_cookie_expires_at_initiator),
	WS_TEST(test_secret_rotates_at_responder),
	WS_TEST(test_reply_nonces_differ),
};

int main(void)
{
	if (ws_crypto_init() != 0)
		return 1;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
