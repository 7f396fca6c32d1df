/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of protocol/noise.h, Noise_IKpsk2 as WireGuard uses it: full handshakes both ways
 * with and without a PSK, checked against an independent computation of the whitepaper's
 * messages and transport keys (ref_wg.h); PSK mismatch; every authenticated byte of both messages
 * flipped; timestamp replay and the initiation flood limit; unknown peers; wrong states; missing
 * identity; a peer key with an all-zero static-static DH; zeroing after key derivation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "messages.h"
#include "noise.h"
#include "ref_wg.h"
#include "tai64n.h"
#include "transport.h"
#include "ws_test.h"

#define SEC 1000000000ULL
#define WALL0 (1700000000ULL * SEC)
#define MONO0 (5000ULL * SEC)

/* One side of a conversation: an identity and the handshake it keeps for its one peer. */
struct side {
	uint8_t priv[32], pub[32];
	struct ws_noise_local local;
	struct ws_noise_handshake hs;
	struct ws_keypair kp;
};

/* Lookup context: the handshakes a responder knows, by remote static. */
struct peers {
	struct ws_noise_handshake *hs[4];
	int n;
	int calls;
};

static struct ws_noise_handshake *lookup(void *ctx, const uint8_t remote_static[WS_KEY_LEN])
{
	struct peers *p = ctx;
	p->calls++;
	for (int i = 0; i < p->n; i++)
		if (memcmp(p->hs[i]->remote_static, remote_static, WS_KEY_LEN) == 0)
			return p->hs[i];
	return NULL;
}

static void side_identity(struct side *s)
{
	memset(s, 0, sizeof(*s));
	ws_x25519_generate(s->priv);
	ws_x25519_public(s->pub, s->priv);
	ws_noise_local_init(&s->local, s->priv);
}

/* Two sides that know each other, sharing psk (NULL: none). */
static void pair_init(struct side *a, struct side *b, const uint8_t *psk)
{
	side_identity(a);
	side_identity(b);
	ws_noise_handshake_init(&a->hs, &a->local, b->pub, psk);
	ws_noise_handshake_init(&b->hs, &b->local, a->pub, psk);
}

static void tai(uint8_t out[12], uint64_t unix_ns)
{
	/* The kernel's TAI64N (see test_tai64n.c), computed here independently. */
	uint64_t s = 0x400000000000000aULL + unix_ns / SEC;
	uint32_t ns = (uint32_t)(unix_ns % SEC);
	ns -= ns % (1u << 24);
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(s >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(ns >> (24 - 8 * i));
}

/*
 * Recomputes the handshake from the whitepaper (5.4.2, 5.4.3, 5.4.5, 5.4.6) with libb2/libsodium,
 * as the responder for the initiation and as the initiator for the response, and checks both
 * messages and both keypairs.
 */
static void ref_check(const struct side *ini, const struct side *res, const uint8_t *psk,
		      const uint8_t e_i_priv[32], const struct ws_msg_initiation *m1, uint64_t wall,
		      const struct ws_msg_response *m2, const struct ws_keypair *kp_i,
		      const struct ws_keypair *kp_r)
{
	uint8_t c[32], h[32], k[32], dh[32], tmp[48], ts[12], e_pub[32], zero[32] = { 0 };
	uint8_t t[32], t1[32], t2[32];

	CHECK(ws_le32(m1->type) == WS_MSG_INITIATION);
	CHECK(ws_le32(m2->type) == WS_MSG_RESPONSE);
	CHECK(m2->receiver == m1->sender);

	ref_hash2(c, ref_construction, strlen(ref_construction), "", 0);
	ref_hash2(h, c, 32, ref_identifier, strlen(ref_identifier));
	ref_hash2(h, h, 32, res->pub, 32);

	crypto_scalarmult_base(e_pub, e_i_priv);
	CHECK_MEM(m1->ephemeral, e_pub, 32);
	ref_kdf(c, NULL, NULL, c, m1->ephemeral, 32);
	ref_hash2(h, h, 32, m1->ephemeral, 32);
	CHECK(ref_dh(dh, res->priv, m1->ephemeral) == 0);
	ref_kdf(c, k, NULL, c, dh, 32);
	CHECK(ref_aead_dec(tmp, m1->encrypted_static, 48, h, 32, 0, k) == 0);
	CHECK_MEM(tmp, ini->pub, 32);
	ref_hash2(h, h, 32, m1->encrypted_static, 48);
	CHECK(ref_dh(dh, res->priv, ini->pub) == 0);
	ref_kdf(c, k, NULL, c, dh, 32);
	CHECK(ref_aead_dec(tmp, m1->encrypted_timestamp, 28, h, 32, 0, k) == 0);
	tai(ts, wall);
	CHECK_MEM(tmp, ts, 12);
	ref_hash2(h, h, 32, m1->encrypted_timestamp, 28);

	ref_kdf(c, NULL, NULL, c, m2->ephemeral, 32);
	ref_hash2(h, h, 32, m2->ephemeral, 32);
	CHECK(ref_dh(dh, e_i_priv, m2->ephemeral) == 0);
	ref_kdf(c, NULL, NULL, c, dh, 32);
	CHECK(ref_dh(dh, ini->priv, m2->ephemeral) == 0);
	ref_kdf(c, NULL, NULL, c, dh, 32);
	ref_kdf(c, t, k, c, psk ? psk : zero, 32);
	ref_hash2(h, h, 32, t, 32);
	CHECK(ref_aead_dec(tmp, m2->encrypted_nothing, 16, h, 32, 0, k) == 0);

	ref_kdf(t1, t2, NULL, c, "", 0);
	CHECK_MEM(kp_i->send_key, t1, 32);
	CHECK_MEM(kp_i->recv_key, t2, 32);
	CHECK_MEM(kp_r->send_key, t2, 32);
	CHECK_MEM(kp_r->recv_key, t1, 32);
}

/* A transport packet from one keypair to its mirror, in both directions. */
static void check_transport(struct ws_keypair *from, struct ws_keypair *to, uint64_t mono)
{
	static const uint8_t payload[] = "a packet through the tunnel";
	uint8_t msg[WS_DATA_OVERHEAD + 32], plain[32];
	uint64_t ctr;

	CHECK(ws_keypair_next_counter(from, &ctr) == 0);
	size_t len = ws_transport_encrypt(msg, payload, sizeof(payload), 0, from->remote_index, ctr,
					  from->send_key);
	CHECK(len == WS_DATA_OVERHEAD + 32);
	CHECK(ws_msg_classify(msg, len) == WS_MSG_DATA);
	uint32_t rcv;
	memcpy(&rcv, msg + 4, 4);
	CHECK(ws_le32(rcv) == to->local_index);
	memset(plain, 0xee, sizeof(plain));
	CHECK(ws_keypair_decrypt(to, plain, msg, len, mono) == 32);
	CHECK_MEM(plain, payload, sizeof(payload));
	/* The same packet again is a replay. */
	CHECK(ws_keypair_decrypt(to, plain, msg, len, mono) == -1);
}

/* Runs initiator -> responder to completion and checks everything along the way. */
static void full_handshake(struct side *ini, struct side *res, const uint8_t *psk, uint32_t i_idx,
			   uint32_t r_idx, uint64_t wall, uint64_t mono)
{
	struct ws_msg_initiation m1;
	struct ws_msg_response m2;
	struct ws_noise_handshake *found = NULL;
	struct peers peers = { .hs = { &res->hs }, .n = 1 };
	uint8_t e_i_priv[32];

	CHECK(ws_noise_create_initiation(&ini->hs, &ini->local, &m1, i_idx, wall) == WS_NOISE_OK);
	CHECK(ini->hs.state == WS_NOISE_CREATED_INITIATION);
	CHECK(ini->hs.local_index == i_idx);
	CHECK(ws_le32(m1.type) == WS_MSG_INITIATION);
	CHECK(ws_le32(m1.sender) == i_idx);
	CHECK(ws_msg_classify(&m1, sizeof(m1)) == WS_MSG_INITIATION);
	memcpy(e_i_priv, ini->hs.ephemeral_private, 32);

	CHECK(ws_noise_consume_initiation(&res->local, &m1, lookup, &peers, mono, &found) ==
	      WS_NOISE_OK);
	CHECK(found == &res->hs);
	CHECK(res->hs.state == WS_NOISE_CONSUMED_INITIATION);
	CHECK(res->hs.remote_index == i_idx);

	CHECK(ws_noise_create_response(&res->hs, &m2, r_idx) == WS_NOISE_OK);
	CHECK(res->hs.state == WS_NOISE_CREATED_RESPONSE);
	CHECK(ws_le32(m2.type) == WS_MSG_RESPONSE);
	CHECK(ws_le32(m2.sender) == r_idx);
	CHECK(ws_le32(m2.receiver) == i_idx);
	CHECK(ws_msg_classify(&m2, sizeof(m2)) == WS_MSG_RESPONSE);

	CHECK(ws_noise_consume_response(&ini->hs, &ini->local, &m2) == WS_NOISE_OK);
	CHECK(ini->hs.state == WS_NOISE_CONSUMED_RESPONSE);
	CHECK(ini->hs.remote_index == r_idx);

	memset(&ini->kp, 0xcc, sizeof(ini->kp));
	memset(&res->kp, 0xcc, sizeof(res->kp));
	CHECK(ws_noise_derive_keypair(&ini->hs, &ini->kp, mono + 1) == WS_NOISE_OK);
	CHECK(ws_noise_derive_keypair(&res->hs, &res->kp, mono + 2) == WS_NOISE_OK);

	/* The keypairs mirror each other. */
	CHECK_MEM(ini->kp.send_key, res->kp.recv_key, 32);
	CHECK_MEM(ini->kp.recv_key, res->kp.send_key, 32);
	CHECK(memcmp(ini->kp.send_key, ini->kp.recv_key, 32) != 0);
	CHECK(ini->kp.local_index == i_idx && ini->kp.remote_index == r_idx);
	CHECK(res->kp.local_index == r_idx && res->kp.remote_index == i_idx);
	CHECK(ini->kp.initiator);
	CHECK(!res->kp.initiator);
	CHECK(ini->kp.birth_ns == mono + 1);
	CHECK(res->kp.birth_ns == mono + 2);
	CHECK(ini->kp.send_counter == 0 && res->kp.send_counter == 0);

	/* Ephemeral secrets are gone from both handshakes, and a second derive is refused. */
	CHECK(ws_is_zero_ct(ini->hs.ephemeral_private, 32));
	CHECK(ws_is_zero_ct(ini->hs.chaining_key, 32));
	CHECK(ws_is_zero_ct(ini->hs.hash, 32));
	CHECK(ws_is_zero_ct(res->hs.ephemeral_private, 32));
	CHECK(ws_is_zero_ct(res->hs.chaining_key, 32));
	CHECK(ws_is_zero_ct(res->hs.hash, 32));
	struct ws_keypair again;
	CHECK(ws_noise_derive_keypair(&ini->hs, &again, mono) != WS_NOISE_OK);
	CHECK(ws_noise_derive_keypair(&res->hs, &again, mono) != WS_NOISE_OK);

	ref_check(ini, res, psk, e_i_priv, &m1, wall, &m2, &ini->kp, &res->kp);

	check_transport(&ini->kp, &res->kp, mono + 3);
	check_transport(&res->kp, &ini->kp, mono + 3);
}

static void test_handshake_no_psk_both_ways(void)
{
	struct side a, b;

	pair_init(&a, &b, NULL);
	full_handshake(&a, &b, NULL, 0x11111111, 0x22222222, WALL0, MONO0);
	/* Now B initiates to A with the same per-peer handshakes. */
	full_handshake(&b, &a, NULL, 0x33333333, 0x44444444, WALL0 + SEC, MONO0 + SEC);
	/* And A again, later, with indices 0 and UINT32_MAX. */
	full_handshake(&a, &b, NULL, 0, UINT32_MAX, WALL0 + 2 * SEC, MONO0 + 2 * SEC);
}

static void test_handshake_psk_both_ways(void)
{
	struct side a, b;
	uint8_t psk[32];

	ws_random_bytes(psk, sizeof(psk));
	pair_init(&a, &b, psk);
	full_handshake(&a, &b, psk, 7, 8, WALL0, MONO0);
	full_handshake(&b, &a, psk, 9, 10, WALL0 + SEC, MONO0 + SEC);
	/* ws_noise_handshake_set_psk changes the PSK of an existing peer. */
	psk[0] ^= 0xff;
	ws_noise_handshake_set_psk(&a.hs, psk);
	ws_noise_handshake_set_psk(&b.hs, psk);
	full_handshake(&a, &b, psk, 11, 12, WALL0 + 2 * SEC, MONO0 + 2 * SEC);
	/* And removes it. */
	ws_noise_handshake_set_psk(&a.hs, NULL);
	ws_noise_handshake_set_psk(&b.hs, NULL);
	full_handshake(&b, &a, NULL, 13, 14, WALL0 + 3 * SEC, MONO0 + 3 * SEC);
}

static void test_psk_mismatch(void)
{
	struct side a, b;
	uint8_t psk_a[32], psk_b[32];
	struct ws_msg_initiation m1;
	struct ws_msg_response m2;
	struct ws_noise_handshake *found = NULL, snap;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };

	ws_random_bytes(psk_a, 32);
	memcpy(psk_b, psk_a, 32);
	psk_b[31] ^= 1;
	side_identity(&a);
	side_identity(&b);
	ws_noise_handshake_init(&a.hs, &a.local, b.pub, psk_a);
	ws_noise_handshake_init(&b.hs, &b.local, a.pub, psk_b);

	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 1, WALL0) == WS_NOISE_OK);
	/* The PSK is mixed in only at the response: the initiation still authenticates. */
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_OK);
	CHECK(ws_noise_create_response(&b.hs, &m2, 2) == WS_NOISE_OK);
	memcpy(&snap, &a.hs, sizeof(snap));
	CHECK(ws_noise_consume_response(&a.hs, &a.local, &m2) == WS_NOISE_EDECRYPT);
	CHECK(memcmp(&snap, &a.hs, sizeof(snap)) == 0);
	CHECK(a.hs.state == WS_NOISE_CREATED_INITIATION);

	/* PSK on one side only. */
	ws_noise_handshake_set_psk(&b.hs, NULL);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 3, WALL0 + SEC) == WS_NOISE_OK);
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0 + SEC, &found) ==
	      WS_NOISE_OK);
	CHECK(ws_noise_create_response(&b.hs, &m2, 4) == WS_NOISE_OK);
	CHECK(ws_noise_consume_response(&a.hs, &a.local, &m2) == WS_NOISE_EDECRYPT);
}

static void test_initiation_every_byte_flipped(void)
{
	struct side a, b;
	struct ws_msg_initiation m1, bad;
	struct ws_noise_handshake *found, snap;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };
	int accepted = 0, changed = 0;

	pair_init(&a, &b, NULL);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 5, WALL0) == WS_NOISE_OK);
	memcpy(&snap, &b.hs, sizeof(snap));
	/*
	 * Bytes 0-7 (type and sender index) are not covered by the Noise transcript (the type is the
	 * caller's classify step, the sender index is bound only by mac1); the macs (116-147) are the
	 * cookie module's. Every other byte feeds the transcript or an AEAD and must be fatal.
	 */
	for (size_t i = offsetof(struct ws_msg_initiation, ephemeral);
	     i < offsetof(struct ws_msg_initiation, macs); i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			memcpy(&bad, &m1, sizeof(bad));
			((uint8_t *)&bad)[i] ^= (uint8_t)(1u << bit);
			found = NULL;
			int rc = ws_noise_consume_initiation(&b.local, &bad, lookup, &peers, MONO0,
							     &found);
			if (rc == WS_NOISE_OK) {
				accepted++;
				fprintf(stderr, "flipped initiation byte %zu bit %d accepted\n", i, bit);
			}
			if (memcmp(&snap, &b.hs, sizeof(snap)) != 0) {
				changed++;
				memcpy(&b.hs, &snap, sizeof(snap));
			}
		}
	}
	CHECK(accepted == 0);
	/* A rejected initiation leaves the peer's handshake untouched. */
	CHECK(changed == 0);
	/* The genuine message still works afterwards. */
	found = NULL;
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_OK);
	CHECK(found == &b.hs);
}

static void test_response_every_byte_flipped(void)
{
	struct side a, b;
	struct ws_msg_initiation m1;
	struct ws_msg_response m2, bad;
	struct ws_noise_handshake *found = NULL, snap;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };
	int accepted = 0, changed = 0;
	uint8_t psk[32];

	ws_random_bytes(psk, 32);
	pair_init(&a, &b, psk);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 5, WALL0) == WS_NOISE_OK);
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_OK);
	CHECK(ws_noise_create_response(&b.hs, &m2, 6) == WS_NOISE_OK);
	memcpy(&snap, &a.hs, sizeof(snap));
	/* Bytes 0-11 (type, sender, receiver) are outside the transcript; the macs are cookie.c's. */
	for (size_t i = offsetof(struct ws_msg_response, ephemeral);
	     i < offsetof(struct ws_msg_response, macs); i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(&bad, &m2, sizeof(bad));
			((uint8_t *)&bad)[i] ^= (uint8_t)(1u << bit);
			if (ws_noise_consume_response(&a.hs, &a.local, &bad) == WS_NOISE_OK) {
				accepted++;
				fprintf(stderr, "flipped response byte %zu bit %d accepted\n", i, bit);
				memcpy(&a.hs, &snap, sizeof(snap));
			}
			if (memcmp(&snap, &a.hs, sizeof(snap)) != 0) {
				changed++;
				memcpy(&a.hs, &snap, sizeof(snap));
			}
		}
	}
	CHECK(accepted == 0);
	CHECK(changed == 0);
	CHECK(ws_noise_consume_response(&a.hs, &a.local, &m2) == WS_NOISE_OK);
	CHECK(ws_noise_derive_keypair(&a.hs, &a.kp, MONO0) == WS_NOISE_OK);
	CHECK(ws_noise_derive_keypair(&b.hs, &b.kp, MONO0) == WS_NOISE_OK);
	CHECK_MEM(a.kp.send_key, b.kp.recv_key, 32);
}

static void test_initiation_replay_and_old_timestamp(void)
{
	struct side a, b;
	struct ws_msg_initiation m_old, m_new;
	struct ws_noise_handshake *found;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };

	pair_init(&a, &b, NULL);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m_old, 1, WALL0) == WS_NOISE_OK);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m_new, 2, WALL0 + 2 * SEC) ==
	      WS_NOISE_OK);

	CHECK(ws_noise_consume_initiation(&b.local, &m_new, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_OK);
	/* The same message again, long after the flood window: a replay. */
	found = NULL;
	CHECK(ws_noise_consume_initiation(&b.local, &m_new, lookup, &peers, MONO0 + 10 * SEC,
					  &found) == WS_NOISE_EREPLAY);
	/* An authentic but older initiation (delivered late): also a replay. */
	CHECK(ws_noise_consume_initiation(&b.local, &m_old, lookup, &peers, MONO0 + 20 * SEC,
					  &found) == WS_NOISE_EREPLAY);
	/* Same message at the same instant: refused either way. */
	CHECK(ws_noise_consume_initiation(&b.local, &m_new, lookup, &peers, MONO0, &found) !=
	      WS_NOISE_OK);

	/* A timestamp in the same 2^24 ns grain as the accepted one is not newer. */
	struct ws_msg_initiation m_same;
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m_same, 3, WALL0 + 2 * SEC + 1000) ==
	      WS_NOISE_OK);
	CHECK(ws_noise_consume_initiation(&b.local, &m_same, lookup, &peers, MONO0 + 30 * SEC,
					  &found) == WS_NOISE_EREPLAY);
	/* A newer one is fine. */
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m_same, 4, WALL0 + 3 * SEC) ==
	      WS_NOISE_OK);
	CHECK(ws_noise_consume_initiation(&b.local, &m_same, lookup, &peers, MONO0 + 40 * SEC,
					  &found) == WS_NOISE_OK);
	/* latest_timestamp tracks the greatest accepted. */
	uint8_t want[12];
	tai(want, WALL0 + 3 * SEC);
	CHECK_MEM(b.hs.latest_timestamp, want, 12);
}

static void test_initiation_flood(void)
{
	struct side a, b;
	struct ws_msg_initiation m1, m2, m3;
	struct ws_noise_handshake *found;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };
	const uint64_t gap = SEC / WS_INITIATIONS_PER_SECOND; /* 20 ms */

	pair_init(&a, &b, NULL);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 1, WALL0) == WS_NOISE_OK);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m2, 2, WALL0 + SEC) == WS_NOISE_OK);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m3, 3, WALL0 + 2 * SEC) == WS_NOISE_OK);

	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_OK);
	uint8_t ts1[12];
	memcpy(ts1, b.hs.latest_timestamp, 12);
	/* Newer timestamp, but within 1 s / 50 of the last accepted initiation. */
	CHECK(ws_noise_consume_initiation(&b.local, &m2, lookup, &peers, MONO0 + 1, &found) ==
	      WS_NOISE_EFLOOD);
	CHECK(ws_noise_consume_initiation(&b.local, &m2, lookup, &peers, MONO0 + gap / 2, &found) ==
	      WS_NOISE_EFLOOD);
	CHECK(ws_noise_consume_initiation(&b.local, &m2, lookup, &peers, MONO0 + gap - 1000,
					  &found) == WS_NOISE_EFLOOD);
	/* The refusals recorded nothing: the timestamp is still m1's. */
	CHECK_MEM(b.hs.latest_timestamp, ts1, 12);
	/* Once enough monotonic time passed the same message is accepted. */
	CHECK(ws_noise_consume_initiation(&b.local, &m2, lookup, &peers, MONO0 + gap + 1000,
					  &found) == WS_NOISE_OK);
	/* And the limit restarts from that acceptance. */
	CHECK(ws_noise_consume_initiation(&b.local, &m3, lookup, &peers, MONO0 + gap + 2000,
					  &found) == WS_NOISE_EFLOOD);
	CHECK(ws_noise_consume_initiation(&b.local, &m3, lookup, &peers,
					  MONO0 + 2 * gap + 2000, &found) == WS_NOISE_OK);
}

static void test_first_initiation_at_small_mono_time(void)
{
	/* A fresh peer has no last initiation: even at monotonic time 0 the first one is accepted. */
	struct side a, b;
	struct ws_msg_initiation m1;
	struct ws_noise_handshake *found = NULL;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };

	pair_init(&a, &b, NULL);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 1, WALL0) == WS_NOISE_OK);
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, 0, &found) ==
	      WS_NOISE_OK);
	CHECK(found == &b.hs);
}

static void test_unknown_initiator(void)
{
	struct side a, b, c;
	struct ws_msg_initiation m1;
	struct ws_noise_handshake *found = NULL, snap;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };

	pair_init(&a, &b, NULL);
	/* C knows B, but B only knows A. */
	side_identity(&c);
	ws_noise_handshake_init(&c.hs, &c.local, b.pub, NULL);
	CHECK(ws_noise_create_initiation(&c.hs, &c.local, &m1, 9, WALL0) == WS_NOISE_OK);
	memcpy(&snap, &b.hs, sizeof(snap));
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_EUNKNOWN);
	CHECK(found == NULL);
	CHECK(peers.calls == 1);
	CHECK(memcmp(&snap, &b.hs, sizeof(snap)) == 0);

	/* An initiation meant for someone else (A's, to B) fails at a third responder D. */
	struct side d;
	side_identity(&d);
	struct ws_noise_handshake d_for_a;
	ws_noise_handshake_init(&d_for_a, &d.local, a.pub, NULL);
	struct peers dpeers = { .hs = { &d_for_a }, .n = 1 };
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 10, WALL0) == WS_NOISE_OK);
	CHECK(ws_noise_consume_initiation(&d.local, &m1, lookup, &dpeers, MONO0, &found) ==
	      WS_NOISE_EDECRYPT);
	CHECK(dpeers.calls == 0);
}

static void test_wrong_states(void)
{
	struct side a, b;
	struct ws_msg_initiation m1;
	struct ws_msg_response m2;
	struct ws_noise_handshake *found = NULL, snap;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };
	struct ws_keypair kp;

	pair_init(&a, &b, NULL);
	/* Nothing consumed yet: no response can be created, no keypair derived. */
	CHECK(ws_noise_create_response(&b.hs, &m2, 1) == WS_NOISE_ESTATE);
	CHECK(ws_noise_derive_keypair(&b.hs, &kp, MONO0) == WS_NOISE_ESTATE);
	CHECK(ws_noise_derive_keypair(&a.hs, &kp, MONO0) == WS_NOISE_ESTATE);

	/* Make a genuine response, then hand it to initiators in the wrong state. */
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 1, WALL0) == WS_NOISE_OK);
	CHECK(ws_noise_derive_keypair(&a.hs, &kp, MONO0) == WS_NOISE_ESTATE);
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_OK);
	CHECK(ws_noise_derive_keypair(&b.hs, &kp, MONO0) == WS_NOISE_ESTATE);
	CHECK(ws_noise_create_response(&b.hs, &m2, 2) == WS_NOISE_OK);

	struct ws_noise_handshake fresh;
	ws_noise_handshake_init(&fresh, &a.local, b.pub, NULL);
	memcpy(&snap, &fresh, sizeof(snap));
	CHECK(ws_noise_consume_response(&fresh, &a.local, &m2) == WS_NOISE_ESTATE);
	CHECK(memcmp(&snap, &fresh, sizeof(snap)) == 0);

	/* The responder's own handshake (CREATED_RESPONSE) is not an initiator. */
	CHECK(ws_noise_consume_response(&b.hs, &b.local, &m2) == WS_NOISE_ESTATE);

	/* After a reset, the in-flight initiation is forgotten. */
	ws_noise_handshake_reset(&a.hs);
	CHECK(a.hs.state == WS_NOISE_ZEROED);
	CHECK(ws_noise_consume_response(&a.hs, &a.local, &m2) == WS_NOISE_ESTATE);
	/* Reset keeps the peer's configuration: a new handshake works. */
	CHECK_MEM(a.hs.remote_static, b.pub, 32);
	full_handshake(&a, &b, NULL, 21, 22, WALL0 + SEC, MONO0 + SEC);

	/* A response consumed twice: the second time the state is wrong. */
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 31, WALL0 + 2 * SEC) == WS_NOISE_OK);
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0 + 2 * SEC, &found) ==
	      WS_NOISE_OK);
	CHECK(ws_noise_create_response(&b.hs, &m2, 32) == WS_NOISE_OK);
	CHECK(ws_noise_consume_response(&a.hs, &a.local, &m2) == WS_NOISE_OK);
	CHECK(ws_noise_consume_response(&a.hs, &a.local, &m2) == WS_NOISE_ESTATE);
}

static void test_no_identity(void)
{
	struct side a, b;
	struct ws_msg_initiation m1;
	struct ws_noise_handshake *found = NULL;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };

	pair_init(&a, &b, NULL);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 1, WALL0) == WS_NOISE_OK);

	/* The responder lost its private key. */
	struct ws_noise_local none;
	ws_noise_local_init(&none, NULL);
	CHECK(!none.has_identity);
	CHECK(ws_noise_consume_initiation(&none, &m1, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_ENOIDENTITY);
	CHECK(peers.calls == 0);

	/* An initiator without identity. */
	CHECK(ws_noise_create_initiation(&a.hs, &none, &m1, 2, WALL0) == WS_NOISE_ENOIDENTITY);

	/* Clearing an identity zeroes the key. */
	ws_noise_local_clear(&a.local);
	CHECK(!a.local.has_identity);
	CHECK(ws_is_zero_ct(a.local.private_key, 32));
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 3, WALL0) == WS_NOISE_ENOIDENTITY);

	/* ws_noise_local_init derives the public key. */
	ws_noise_local_init(&a.local, a.priv);
	CHECK(a.local.has_identity);
	CHECK_MEM(a.local.public_key, a.pub, 32);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 4, WALL0) == WS_NOISE_OK);
}

static void test_zero_static_static_dh(void)
{
	/* A peer configured with a low-order public key: DH(local private, peer) is all zero, so
	 * every handshake with it fails. */
	struct side a, b;
	struct ws_msg_initiation m1;
	uint8_t zero_pub[32] = { 0 };

	side_identity(&a);
	side_identity(&b);
	ws_noise_handshake_init(&a.hs, &a.local, zero_pub, NULL);
	CHECK(!a.hs.precomputed_ok);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 1, WALL0) == WS_NOISE_EDH);
	CHECK(a.hs.state != WS_NOISE_CREATED_INITIATION);

	/* Responder side: an initiator claiming a low-order static key that B has configured.
	 * The initiator here is forged: a real private key with the public key replaced. */
	struct side m;
	side_identity(&m);
	memset(m.local.public_key, 0, 32);
	ws_noise_handshake_init(&m.hs, &m.local, b.pub, NULL);
	CHECK(ws_noise_create_initiation(&m.hs, &m.local, &m1, 2, WALL0) == WS_NOISE_OK);
	struct ws_noise_handshake b_for_zero;
	ws_noise_handshake_init(&b_for_zero, &b.local, zero_pub, NULL);
	CHECK(!b_for_zero.precomputed_ok);
	struct peers peers = { .hs = { &b_for_zero }, .n = 1 };
	struct ws_noise_handshake *found = NULL;
	int rc = ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0, &found);
	CHECK(rc != WS_NOISE_OK);
	CHECK(b_for_zero.state != WS_NOISE_CONSUMED_INITIATION);

	/* ws_noise_precompute after the local key changes repairs or breaks the precomputation. */
	struct side c;
	side_identity(&c);
	ws_noise_handshake_init(&c.hs, &c.local, b.pub, NULL);
	CHECK(c.hs.precomputed_ok);
	uint8_t want[32];
	CHECK(ws_x25519(want, c.priv, b.pub) == 0);
	CHECK_MEM(c.hs.precomputed_ss, want, 32);
	uint8_t newpriv[32];
	ws_x25519_generate(newpriv);
	ws_noise_local_init(&c.local, newpriv);
	ws_noise_precompute(&c.hs, &c.local);
	CHECK(ws_x25519(want, newpriv, b.pub) == 0);
	CHECK_MEM(c.hs.precomputed_ss, want, 32);
}

static void test_deferred_precompute(void)
{
	/* Peers set up with the deferred init handshake exactly like eagerly set up ones; the DH
	 * happens on first use, a zero DH still fails then, and a key change is picked up. */
	struct side a, b;
	uint8_t psk[32], zero_pub[32] = { 0 }, want[32];
	struct ws_msg_initiation m1;

	memset(psk, 0x5a, sizeof(psk));
	side_identity(&a);
	side_identity(&b);
	ws_noise_handshake_init_deferred(&a.hs, b.pub, psk);
	ws_noise_handshake_init_deferred(&b.hs, a.pub, psk);
	CHECK(a.hs.precompute_pending && !a.hs.precomputed_ok);
	full_handshake(&a, &b, psk, 1, 2, WALL0, MONO0);
	CHECK(!a.hs.precompute_pending && a.hs.precomputed_ok);
	CHECK(!b.hs.precompute_pending && b.hs.precomputed_ok);
	full_handshake(&b, &a, psk, 3, 4, WALL0 + SEC, MONO0 + SEC);

	/* A new local key: the stale precomputation is redone on the next handshake. */
	ws_x25519_generate(a.priv);
	ws_noise_local_init(&a.local, a.priv);
	memcpy(a.pub, a.local.public_key, 32);
	ws_noise_precompute_later(&a.hs);
	CHECK(ws_is_zero_ct(a.hs.precomputed_ss, 32));
	ws_noise_handshake_init_deferred(&b.hs, a.pub, psk);
	full_handshake(&a, &b, psk, 5, 6, WALL0 + 2 * SEC, MONO0 + 2 * SEC);
	CHECK(ws_x25519(want, a.priv, b.pub) == 0);
	CHECK_MEM(a.hs.precomputed_ss, want, 32);

	/* A low-order peer key fails at first use, as with the eager init. */
	ws_noise_handshake_init_deferred(&a.hs, zero_pub, NULL);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 7, WALL0) == WS_NOISE_EDH);
	CHECK(!a.hs.precompute_pending && !a.hs.precomputed_ok);
}

static void test_low_order_ephemerals(void)
{
	/* An ephemeral of small order makes es (or ee) all zero: refused, nothing changes, and
	 * the genuine messages still work. */
	static const char *bad_points[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	};
	struct side a, b;
	struct ws_msg_initiation m1, bad1;
	struct ws_msg_response m2, bad2;
	struct ws_noise_handshake *found = NULL, snap_a, snap_b;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };

	pair_init(&a, &b, NULL);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 1, WALL0) == WS_NOISE_OK);
	memcpy(&snap_b, &b.hs, sizeof(snap_b));
	for (size_t i = 0; i < sizeof(bad_points) / sizeof(bad_points[0]); i++) {
		memcpy(&bad1, &m1, sizeof(bad1));
		CHECK(ws_test_unhex(bad1.ephemeral, 32, bad_points[i]) == 32);
		CHECK(ws_noise_consume_initiation(&b.local, &bad1, lookup, &peers, MONO0, &found) ==
		      WS_NOISE_EDH);
		CHECK(memcmp(&snap_b, &b.hs, sizeof(snap_b)) == 0);
	}
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_OK);
	CHECK(ws_noise_create_response(&b.hs, &m2, 2) == WS_NOISE_OK);
	memcpy(&snap_a, &a.hs, sizeof(snap_a));
	for (size_t i = 0; i < sizeof(bad_points) / sizeof(bad_points[0]); i++) {
		memcpy(&bad2, &m2, sizeof(bad2));
		CHECK(ws_test_unhex(bad2.ephemeral, 32, bad_points[i]) == 32);
		CHECK(ws_noise_consume_response(&a.hs, &a.local, &bad2) == WS_NOISE_EDH);
		CHECK(memcmp(&snap_a, &a.hs, sizeof(snap_a)) == 0);
	}
	CHECK(ws_noise_consume_response(&a.hs, &a.local, &m2) == WS_NOISE_OK);
}

static void test_random_messages_rejected(void)
{
	/* Random bodies with valid headers: never accepted, never disturb the handshakes. */
	struct side a, b;
	struct ws_msg_initiation m1;
	struct ws_msg_response m2;
	struct ws_noise_handshake *found, snap_a, snap_b;
	struct peers peers = { .hs = { &b.hs }, .n = 1 };
	int accepted = 0;

	pair_init(&a, &b, NULL);
	CHECK(ws_noise_create_initiation(&a.hs, &a.local, &m1, 1, WALL0) == WS_NOISE_OK);
	memcpy(&snap_a, &a.hs, sizeof(snap_a));
	memcpy(&snap_b, &b.hs, sizeof(snap_b));
	for (int i = 0; i < 300; i++) {
		struct ws_msg_initiation r1;
		struct ws_msg_response r2;
		ws_random_bytes(&r1, sizeof(r1));
		r1.type = ws_to_le32(WS_MSG_INITIATION);
		ws_random_bytes(&r2, sizeof(r2));
		r2.type = ws_to_le32(WS_MSG_RESPONSE);
		r2.receiver = ws_to_le32(1);
		found = NULL;
		if (ws_noise_consume_initiation(&b.local, &r1, lookup, &peers, MONO0, &found) ==
		    WS_NOISE_OK)
			accepted++;
		if (ws_noise_consume_response(&a.hs, &a.local, &r2) == WS_NOISE_OK)
			accepted++;
	}
	CHECK(accepted == 0);
	CHECK(memcmp(&snap_a, &a.hs, sizeof(snap_a)) == 0);
	CHECK(memcmp(&snap_b, &b.hs, sizeof(snap_b)) == 0);
	found = NULL;
	CHECK(ws_noise_consume_initiation(&b.local, &m1, lookup, &peers, MONO0, &found) ==
	      WS_NOISE_OK);
	CHECK(ws_noise_create_response(&b.hs, &m2, 2) == WS_NOISE_OK);
	CHECK(ws_noise_consume_response(&a.hs, &a.local, &m2) == WS_NOISE_OK);
}

static void test_destroy_zeroes(void)
{
	struct side a, b;
	uint8_t psk[32];

	ws_random_bytes(psk, 32);
	pair_init(&a, &b, psk);
	full_handshake(&a, &b, psk, 1, 2, WALL0, MONO0);
	ws_noise_handshake_destroy(&a.hs);
	CHECK(ws_is_zero_ct(a.hs.remote_static, 32));
	CHECK(ws_is_zero_ct(a.hs.preshared_key, 32));
	CHECK(ws_is_zero_ct(a.hs.precomputed_ss, 32));
	ws_keypair_destroy(&a.kp);
	CHECK(ws_is_zero_ct(a.kp.send_key, 32));
	CHECK(ws_is_zero_ct(a.kp.recv_key, 32));
}

static void test_strerror(void)
{
	static const int codes[] = { WS_NOISE_OK,	 WS_NOISE_ENOIDENTITY, WS_NOISE_EDECRYPT,
				     WS_NOISE_EUNKNOWN,	 WS_NOISE_EREPLAY,     WS_NOISE_EFLOOD,
				     WS_NOISE_ESTATE,	 WS_NOISE_EDH };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = ws_noise_strerror(codes[i]);
		CHECK(s != NULL && s[0] != '\0');
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(s, ws_noise_strerror(codes[j])) != 0);
	}
	CHECK(ws_noise_strerror(-1000) != NULL);
}

static const struct ws_test_case cases[] = {
	WS_TEST(test_handshake_no_psk_both_ways),
	WS_TEST(test_handshake_psk_both_ways),
	WS_TEST(test_psk_mismatch),
	WS_TEST(test_initiation_every_byte_flipped),
	WS_TEST(test_response_every_byte_flipped),
	WS_TEST(test_initiation_replay_and_old_timestamp),
	WS_TEST(test_initiation_flood),
	WS_TEST(test_first_initiation_at_small_mono_time),
	WS_TEST(test_unknown_initiator),
	WS_TEST(test_wrong_states),
	WS_TEST(test_no_identity),
	WS_TEST(test_zero_static_static_dh),
	WS_TEST(test_deferred_precompute),
	WS_TEST(test_low_order_ephemerals),
	WS_TEST(test_random_messages_rejected),
	WS_TEST(test_destroy_zeroes),
	WS_TEST(test_strerror),
};

int main(void)
{
	if (ws_crypto_init() != 0)
		return 1;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
