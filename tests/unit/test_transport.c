/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of protocol/transport.h and ws_msg_classify (messages.h): padding lengths, the data
 * message format against an independent ChaCha20-Poly1305 (libsodium), round trips for every
 * length 0..1500 in exact-size buffers, tampering, truncation, wrong keys, the keypair's replay,
 * age and message limits, rekey timing, and classification of every message type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "messages.h"
#include "ref_wg.h"
#include "transport.h"
#include "ws_test.h"

#define SEC 1000000000ULL
#define BIRTH (9000ULL * SEC)
#define LIMIT ((uint64_t)WS_REJECT_AFTER_MESSAGES)

static size_t align16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

static void keypair_pair(struct ws_keypair *a, struct ws_keypair *b)
{
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	ws_random_bytes(a->send_key, 32);
	ws_random_bytes(a->recv_key, 32);
	memcpy(b->send_key, a->recv_key, 32);
	memcpy(b->recv_key, a->send_key, 32);
	a->local_index = 0x0a0a0a0a;
	a->remote_index = 0x0b0b0b0b;
	b->local_index = a->remote_index;
	b->remote_index = a->local_index;
	a->initiator = true;
	a->birth_ns = b->birth_ns = BIRTH;
	ws_replay_init(&a->replay);
	ws_replay_init(&b->replay);
}

static void test_padded_len(void)
{
	static const struct {
		size_t plain, mtu, want;
	} v[] = {
		{ 0, 1420, 0 },	       { 1, 1420, 16 },	      { 15, 1420, 16 },
		{ 16, 1420, 16 },      { 17, 1420, 32 },      { 1405, 1420, 1408 },
		{ 1408, 1420, 1408 },  { 1409, 1420, 1420 },  { 1419, 1420, 1420 },
		{ 1420, 1420, 1420 },  { 999, 1000, 1000 },   { 993, 1000, 1000 },
		{ 992, 1000, 992 },    { 0, 0, 0 },	      { 1, 0, 16 },
		{ 17, 0, 32 },	       { 1419, 0, 1424 },     { 1500, 0, 1504 },
		{ 65535 - 32, 0, 65504 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t got = ws_transport_padded_len(v[i].plain, v[i].mtu);
		if (got != v[i].want)
			fprintf(stderr, "padded_len(%zu, %zu) = %zu, want %zu\n", v[i].plain,
				v[i].mtu, got, v[i].want);
		CHECK(got == v[i].want);
	}
	/* Over the MTU (the kernel pads the remainder modulo the MTU): never shorter than the
	 * payload and less than one padding multiple more. */
	for (size_t plain = 1421; plain < 3000; plain += 7) {
		size_t got = ws_transport_padded_len(plain, 1420);
		CHECK(got >= plain && got - plain < WS_PADDING_MULTIPLE);
	}
	/* Under the MTU: a multiple of 16 or exactly the MTU, and the smallest such. */
	for (size_t plain = 0; plain <= 1420; plain++) {
		size_t got = ws_transport_padded_len(plain, 1420);
		size_t want = align16(plain) > 1420 ? 1420 : align16(plain);
		CHECK(got == want);
	}
}

/* Encrypts plain_len bytes with exact-size buffers and checks the message and its decryption. */
static void round_trip(size_t plain_len, size_t mtu, uint64_t counter)
{
	uint8_t key[32];
	size_t padded = ws_transport_padded_len(plain_len, mtu);
	size_t msg_len = WS_DATA_OVERHEAD + padded;
	uint8_t *plain = malloc(plain_len ? plain_len : 1);
	uint8_t *msg = malloc(msg_len);
	uint8_t *back = malloc(padded ? padded : 1);
	uint8_t *ref = malloc(padded ? padded : 1);
	uint64_t got_ctr = 0;

	ws_random_bytes(key, 32);
	ws_random_bytes(plain, plain_len);
	CHECK(ws_transport_encrypt(msg, plain, plain_len, mtu, 0xdeadbeef, counter, key) == msg_len);

	/* Header: type 4 with zero reserved bytes, receiver, counter, all little-endian. */
	static const uint8_t type4[4] = { 4, 0, 0, 0 };
	CHECK_MEM(msg, type4, 4);
	uint32_t rcv;
	uint64_t ctr;
	memcpy(&rcv, msg + 4, 4);
	memcpy(&ctr, msg + 8, 8);
	CHECK(ws_le32(rcv) == 0xdeadbeef);
	CHECK(ws_le64(ctr) == counter);

	/* Reference: payload zero-padded, ChaCha20-Poly1305 with no AD and the counter nonce. */
	CHECK(ref_aead_dec(ref, msg + 16, msg_len - 16, NULL, 0, counter, key) == 0);
	CHECK(plain_len == 0 || memcmp(ref, plain, plain_len) == 0);
	CHECK(ws_is_zero_ct(ref + plain_len, padded - plain_len));

	memset(back, 0xee, padded ? padded : 1);
	CHECK(ws_transport_decrypt(back, msg, msg_len, key, &got_ctr) == (long)padded);
	CHECK(got_ctr == counter);
	CHECK(plain_len == 0 || memcmp(back, plain, plain_len) == 0);
	CHECK(ws_is_zero_ct(back + plain_len, padded - plain_len));
	free(plain), free(msg), free(back), free(ref);
}

static void test_round_trip_all_lengths(void)
{
	for (size_t len = 0; len <= 1500; len++)
		round_trip(len, 1420, len * 1000003ULL);
	static const size_t spot[] = { 0, 1, 16, 17, 1419, 1420, 1421, 1500, 9000, 65535 - 48 };
	for (size_t i = 0; i < sizeof(spot) / sizeof(spot[0]); i++) {
		round_trip(spot[i], 0, 1);
		round_trip(spot[i], 1280, UINT64_MAX - 1);
	}
}

static void test_keepalive(void)
{
	uint8_t key[32], msg[32], plain[1];
	uint64_t ctr = 99;

	ws_random_bytes(key, 32);
	CHECK(ws_transport_encrypt(msg, NULL, 0, 1420, 7, 5, key) == 32);
	CHECK(ws_msg_classify(msg, 32) == WS_MSG_DATA);
	uint8_t *exact = malloc(32);
	memcpy(exact, msg, 32);
	CHECK(ws_transport_decrypt(plain, exact, 32, key, &ctr) == 0);
	CHECK(ctr == 5);
	free(exact);
}

static void test_tamper_truncate_wrong_key(void)
{
	uint8_t key[32], other[32], payload[100];
	size_t msg_len = WS_DATA_OVERHEAD + 112;
	uint8_t *msg = malloc(msg_len), *plain = malloc(112);
	uint64_t ctr;
	int accepted = 0;

	ws_random_bytes(key, 32);
	ws_random_bytes(payload, sizeof(payload));
	CHECK(ws_transport_encrypt(msg, payload, sizeof(payload), 1420, 1, 77, key) == msg_len);

	/* Counter, ciphertext and tag are all authenticated (the counter is the nonce). */
	for (size_t i = 8; i < msg_len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			msg[i] ^= (uint8_t)(1u << bit);
			if (ws_transport_decrypt(plain, msg, msg_len, key, &ctr) != -1)
				accepted++;
			msg[i] ^= (uint8_t)(1u << bit);
		}
	}
	CHECK(accepted == 0);
	CHECK(ws_transport_decrypt(plain, msg, msg_len, key, &ctr) == 112);

	/* Wrong key. */
	ws_random_bytes(other, 32);
	CHECK(ws_transport_decrypt(plain, msg, msg_len, other, &ctr) == -1);

	/* Every truncation, in an exact-size buffer so an overread is caught under ASan. */
	for (size_t len = 0; len < msg_len; len++) {
		uint8_t *t = malloc(len ? len : 1);
		uint8_t *p = malloc(len > WS_DATA_OVERHEAD ? len - WS_DATA_OVERHEAD : 1);
		memcpy(t, msg, len);
		if (ws_transport_decrypt(p, t, len, key, &ctr) != -1)
			accepted++;
		free(t);
		free(p);
	}
	CHECK(accepted == 0);
	free(msg);
	free(plain);
}

static void test_keypair_decrypt_replay_and_order(void)
{
	struct ws_keypair a, b;
	uint8_t msgs[5][WS_DATA_OVERHEAD + 16], plain[16];
	static const uint8_t payload[] = "hello";

	keypair_pair(&a, &b);
	for (int i = 0; i < 5; i++) {
		uint64_t c;
		CHECK(ws_keypair_next_counter(&a, &c) == 0);
		CHECK(c == (uint64_t)i);
		CHECK(ws_transport_encrypt(msgs[i], payload, sizeof(payload), 1420, a.remote_index, c,
					   a.send_key) == sizeof(msgs[i]));
	}
	CHECK(a.send_counter == 5);
	/* Out of order is fine, each exactly once. */
	static const int order[] = { 2, 0, 4, 1, 3 };
	for (int i = 0; i < 5; i++) {
		CHECK(ws_keypair_decrypt(&b, plain, msgs[order[i]], sizeof(msgs[0]), BIRTH + SEC) ==
		      16);
		CHECK_MEM(plain, payload, sizeof(payload));
	}
	for (int i = 0; i < 5; i++)
		CHECK(ws_keypair_decrypt(&b, plain, msgs[i], sizeof(msgs[0]), BIRTH + SEC) == -1);
	/* The other direction needs the other key: a's own packet does not decrypt at a. */
	CHECK(ws_keypair_decrypt(&a, plain, msgs[0], sizeof(msgs[0]), BIRTH + SEC) == -1);
}

static void test_forged_packet_does_not_burn_counter(void)
{
	/* The replay window is run only after authentication: a forged packet carrying counter c
	 * must not stop the genuine packet with counter c. */
	struct ws_keypair a, b;
	uint8_t msg[WS_DATA_OVERHEAD + 16], bad[WS_DATA_OVERHEAD + 16], plain[16];

	keypair_pair(&a, &b);
	CHECK(ws_transport_encrypt(msg, (const uint8_t *)"x", 1, 1420, a.remote_index, 3,
				   a.send_key) == sizeof(msg));
	memcpy(bad, msg, sizeof(bad));
	bad[sizeof(bad) - 1] ^= 1;
	CHECK(ws_keypair_decrypt(&b, plain, bad, sizeof(bad), BIRTH + SEC) == -1);
	CHECK(ws_keypair_decrypt(&b, plain, msg, sizeof(msg), BIRTH + SEC) == 16);
	/* A forged packet with a far-future counter must not move the window either. */
	uint8_t far[WS_DATA_OVERHEAD + 16];
	CHECK(ws_transport_encrypt(far, (const uint8_t *)"y", 1, 1420, a.remote_index, 1000000,
				   b.send_key /* wrong key */) == sizeof(far));
	CHECK(ws_keypair_decrypt(&b, plain, far, sizeof(far), BIRTH + SEC) == -1);
	CHECK(ws_transport_encrypt(msg, (const uint8_t *)"z", 1, 1420, a.remote_index, 1,
				   a.send_key) == sizeof(msg));
	CHECK(ws_keypair_decrypt(&b, plain, msg, sizeof(msg), BIRTH + SEC) == 16);
}

static void test_random_data_rejected(void)
{
	/* Random type-4 messages of random lengths, exact-size buffers: never authenticate. */
	uint8_t key[32];
	uint64_t ctr;
	int accepted = 0;

	ws_random_bytes(key, 32);
	for (int i = 0; i < 2000; i++) {
		size_t len = ws_random_uniform(1600);
		uint8_t *m = malloc(len ? len : 1);
		uint8_t *p = malloc(len > WS_DATA_OVERHEAD ? len - WS_DATA_OVERHEAD : 1);
		ws_random_bytes(m, len);
		if (len >= 4) {
			m[0] = 4;
			m[1] = m[2] = m[3] = 0;
		}
		if (ws_transport_decrypt(p, m, len, key, &ctr) != -1)
			accepted++;
		free(m);
		free(p);
	}
	CHECK(accepted == 0);
	/* Longer than the largest UDP payload. */
	size_t big = WS_MAX_PACKET_LEN + 1;
	uint8_t *m = calloc(1, big), *p = malloc(big);
	m[0] = 4;
	CHECK(ws_transport_decrypt(p, m, big, key, &ctr) == -1);
	free(m);
	free(p);
}

static void test_keypair_expiry(void)
{
	struct ws_keypair a, b;
	uint8_t msg[WS_DATA_OVERHEAD + 16], plain[16];

	keypair_pair(&a, &b);
	CHECK(ws_keypair_usable(&b, BIRTH));
	CHECK(ws_keypair_usable(&b, BIRTH + (WS_REJECT_AFTER_TIME - 1) * SEC));
	CHECK(!ws_keypair_usable(&b, BIRTH + (WS_REJECT_AFTER_TIME + 1) * SEC));
	CHECK(!ws_keypair_usable(&a, BIRTH + 3600 * SEC));

	CHECK(ws_transport_encrypt(msg, (const uint8_t *)"old", 3, 1420, a.remote_index, 0,
				   a.send_key) == sizeof(msg));
	/* Older than REJECT_AFTER_TIME: refused although the packet authenticates. */
	CHECK(ws_keypair_decrypt(&b, plain, msg, sizeof(msg),
				 BIRTH + (WS_REJECT_AFTER_TIME + 1) * SEC) == -1);
	/* Just before, accepted. */
	CHECK(ws_keypair_decrypt(&b, plain, msg, sizeof(msg),
				 BIRTH + (WS_REJECT_AFTER_TIME - 1) * SEC) == 16);
}

static void test_next_counter_limit(void)
{
	struct ws_keypair a, b;
	uint64_t c = 0;

	keypair_pair(&a, &b);
	a.send_counter = LIMIT - 2;
	CHECK(ws_keypair_usable(&a, BIRTH));
	CHECK(ws_keypair_next_counter(&a, &c) == 0);
	CHECK(c == LIMIT - 2);
	CHECK(ws_keypair_next_counter(&a, &c) == 0);
	CHECK(c == LIMIT - 1);
	/* The limit itself is never used, and the counter does not wrap. */
	c = 12345;
	CHECK(ws_keypair_next_counter(&a, &c) == -1);
	CHECK(ws_keypair_next_counter(&a, &c) == -1);
	CHECK(!ws_keypair_usable(&a, BIRTH));
	a.send_counter = UINT64_MAX;
	CHECK(ws_keypair_next_counter(&a, &c) == -1);
	CHECK(ws_keypair_next_counter(&a, &c) == -1);

	/* The receiver accepts LIMIT - 1 and refuses LIMIT even with a valid tag. */
	uint8_t msg[WS_DATA_OVERHEAD], plain[1];
	CHECK(ws_transport_encrypt(msg, NULL, 0, 1420, a.remote_index, LIMIT, a.send_key) == 32);
	CHECK(ws_keypair_decrypt(&b, plain, msg, 32, BIRTH + 1) == -1);
	CHECK(ws_transport_encrypt(msg, NULL, 0, 1420, a.remote_index, LIMIT - 1, a.send_key) ==
	      32);
	CHECK(ws_keypair_decrypt(&b, plain, msg, 32, BIRTH + 1) == 0);
}

static void test_wants_rekey(void)
{
	struct ws_keypair a, b;

	keypair_pair(&a, &b);
	CHECK(a.initiator && !b.initiator);
	CHECK(!ws_keypair_wants_rekey(&a, BIRTH));
	CHECK(!ws_keypair_wants_rekey(&a, BIRTH + (WS_REKEY_AFTER_TIME - 1) * SEC));
	/* After REKEY_AFTER_TIME only the initiator of the keypair rekeys. */
	CHECK(ws_keypair_wants_rekey(&a, BIRTH + (WS_REKEY_AFTER_TIME + 1) * SEC));
	CHECK(!ws_keypair_wants_rekey(&b, BIRTH + (WS_REKEY_AFTER_TIME + 1) * SEC));
	CHECK(!ws_keypair_wants_rekey(&b, BIRTH + (WS_REJECT_AFTER_TIME - 1) * SEC));
	/* After REKEY_AFTER_MESSAGES sent, the initiator rekeys at any age. */
	a.send_counter = (uint64_t)WS_REKEY_AFTER_MESSAGES + 1;
	CHECK(ws_keypair_wants_rekey(&a, BIRTH + SEC));
	a.send_counter = 10;
	CHECK(!ws_keypair_wants_rekey(&a, BIRTH + SEC));
}

static void test_keypair_destroy(void)
{
	struct ws_keypair a, b;

	keypair_pair(&a, &b);
	ws_keypair_destroy(&a);
	CHECK(ws_is_zero_ct(a.send_key, 32));
	CHECK(ws_is_zero_ct(a.recv_key, 32));
}

/* Classifies a copy of buf in an exact-size heap buffer. */
static enum ws_msg_type classify_exact(const uint8_t *buf, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);
	memcpy(b, buf, len);
	enum ws_msg_type t = ws_msg_classify(b, len);
	free(b);
	return t;
}

static void test_classify(void)
{
	uint8_t buf[2000];
	static const struct {
		uint8_t type;
		size_t len;
	} ok[] = {
		{ 1, 148 }, { 2, 92 }, { 3, 64 }, { 4, 32 }, { 4, 33 }, { 4, 1500 }, { 4, 2000 },
	};

	memset(buf, 0, sizeof(buf));
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		buf[0] = ok[i].type;
		CHECK(classify_exact(buf, ok[i].len) == ok[i].type);
		/* Any non-zero reserved byte. */
		for (int r = 1; r < 4; r++) {
			buf[r] = 1;
			CHECK(classify_exact(buf, ok[i].len) == 0);
			buf[r] = 0x80;
			CHECK(classify_exact(buf, ok[i].len) == 0);
			buf[r] = 0;
		}
	}
	/* Wrong lengths for the fixed-size types. */
	static const struct {
		uint8_t type;
		size_t len;
	} bad[] = {
		{ 1, 147 }, { 1, 149 }, { 1, 92 }, { 1, 4 },  { 2, 91 }, { 2, 93 },
		{ 2, 148 }, { 3, 63 },	{ 3, 65 }, { 3, 32 }, { 4, 31 }, { 4, 4 },
		{ 4, 16 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf[0] = bad[i].type;
		CHECK(classify_exact(buf, bad[i].len) == 0);
	}
	/* Unknown types. */
	static const uint8_t unknown[] = { 0, 5, 6, 0x7f, 0x80, 0xff };
	for (size_t i = 0; i < sizeof(unknown); i++) {
		buf[0] = unknown[i];
		CHECK(classify_exact(buf, 148) == 0);
		CHECK(classify_exact(buf, 32) == 0);
	}
	/* Buffers shorter than the type field. */
	buf[0] = 4;
	for (size_t len = 0; len < 4; len++)
		CHECK(classify_exact(buf, len) == 0);
	/* Byte order: 0x01000000 little-endian is not type 1. */
	memset(buf, 0, 4);
	buf[3] = 1;
	CHECK(classify_exact(buf, 148) == 0);
}

static const struct ws_test_case cases[] = {
	WS_TEST(test_padded_len),
	WS_TEST(test_round_trip_all_lengths),
	WS_TEST(test_keepalive),
	WS_TEST(test_tamper_truncate_wrong_key),
	WS_TEST(test_keypair_decrypt_replay_and_order),
	WS_TEST(test_forged_packet_does_not_burn_counter),
	WS_TEST(test_random_data_rejected),
	WS_TEST(test_keypair_expiry),
	WS_TEST(test_next_counter_limit),
	WS_TEST(test_wants_rekey),
	WS_TEST(test_keypair_destroy),
	WS_TEST(test_classify),
};

int main(void)
{
	if (ws_crypto_init() != 0)
		return 1;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
