/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mac1 proves the sender knows our public key; mac2 proves it can receive at its source address,
 * because the cookie it is keyed with only ever travels there, encrypted (whitepaper 5.3, 5.4.7).
 */
#include <arpa/inet.h>
#include <string.h>

#include "cookie.h"
#include "crypto.h"

static const char label_mac1[8] = "mac1----";
static const char label_cookie[8] = "cookie--";

static void derive_key(uint8_t out[WS_HASH_LEN], const char label[8], const uint8_t pub[WS_KEY_LEN])
{
	struct ws_blake2s_ctx ctx;

	ws_blake2s_init(&ctx, WS_HASH_LEN);
	ws_blake2s_update(&ctx, label, 8);
	ws_blake2s_update(&ctx, pub, WS_KEY_LEN);
	ws_blake2s_final(&ctx, out, WS_HASH_LEN);
}

/* mac1 covers the message up to mac1; mac2 covers it up to mac2. */
static void compute_mac1(uint8_t out[WS_MAC_LEN], const void *msg, size_t len,
			 const uint8_t key[WS_HASH_LEN])
{
	ws_blake2s(out, WS_MAC_LEN, msg, len - sizeof(struct ws_msg_macs), key, WS_HASH_LEN);
}

static void compute_mac2(uint8_t out[WS_MAC_LEN], const void *msg, size_t len,
			 const uint8_t cookie[WS_COOKIE_LEN])
{
	ws_blake2s(out, WS_MAC_LEN, msg, len - WS_MAC_LEN, cookie, WS_COOKIE_LEN);
}

static bool is_handshake_len(size_t len)
{
	return len == WS_MSG_INITIATION_LEN || len == WS_MSG_RESPONSE_LEN;
}

size_t ws_cookie_source(uint8_t out[WS_COOKIE_SOURCE_MAX], const void *addr, size_t addrlen,
			uint16_t port)
{
	uint16_t be = htons(port);

	if (addrlen != 4 && addrlen != 16)
		return 0;
	memcpy(out, addr, addrlen);
	memcpy(out + addrlen, &be, 2);
	return addrlen + 2;
}

void ws_cookie_checker_init(struct ws_cookie_checker *cc, const uint8_t *local_public)
{
	ws_memzero(cc, sizeof(*cc));
	if (!local_public)
		return;
	derive_key(cc->mac1_key, label_mac1, local_public);
	derive_key(cc->cookie_key, label_cookie, local_public);
	cc->has_identity = true;
}

void ws_cookie_checker_clear(struct ws_cookie_checker *cc)
{
	ws_memzero(cc, sizeof(*cc));
}

/* The cookie for a source: MAC(secret, source), with the secret renewed every two minutes. */
static void make_cookie(struct ws_cookie_checker *cc, uint8_t cookie[WS_COOKIE_LEN],
			const uint8_t *src, size_t srclen, uint64_t mono_ns)
{
	if (!cc->secret_valid ||
	    mono_ns >= cc->secret_birth_ns + WS_COOKIE_SECRET_MAX_AGE * WS_NSEC_PER_SEC ||
	    mono_ns < cc->secret_birth_ns) {
		ws_random_bytes(cc->secret, sizeof(cc->secret));
		cc->secret_birth_ns = mono_ns;
		cc->secret_valid = true;
	}
	ws_blake2s(cookie, WS_COOKIE_LEN, src, srclen, cc->secret, sizeof(cc->secret));
}

enum ws_cookie_mac_state ws_cookie_validate(struct ws_cookie_checker *cc, const void *msg,
					    size_t len, const uint8_t *src, size_t srclen,
					    bool check_mac2, uint64_t mono_ns)
{
	const struct ws_msg_macs *macs;
	uint8_t mac[WS_MAC_LEN], cookie[WS_COOKIE_LEN];
	enum ws_cookie_mac_state ret = WS_COOKIE_MAC_INVALID;

	if (!cc->has_identity || !is_handshake_len(len))
		return WS_COOKIE_MAC_INVALID;
	macs = (const struct ws_msg_macs *)((const uint8_t *)msg + len - sizeof(*macs));

	compute_mac1(mac, msg, len, cc->mac1_key);
	if (ws_memeq_ct(mac, macs->mac1, WS_MAC_LEN) != 0)
		goto out;
	ret = WS_COOKIE_MAC1_VALID;
	if (!check_mac2)
		goto out;

	make_cookie(cc, cookie, src, srclen, mono_ns);
	compute_mac2(mac, msg, len, cookie);
	if (ws_memeq_ct(mac, macs->mac2, WS_MAC_LEN) == 0)
		ret = WS_COOKIE_MAC2_VALID;
out:
	ws_memzero(mac, sizeof(mac));
	ws_memzero(cookie, sizeof(cookie));
	return ret;
}

void ws_cookie_reply_create(struct ws_cookie_checker *cc, struct ws_msg_cookie *reply,
			    const void *msg, size_t len, const uint8_t *src, size_t srclen,
			    uint64_t mono_ns)
{
	const struct ws_msg_macs *macs;
	uint8_t cookie[WS_COOKIE_LEN];
	uint32_t sender;

	memset(reply, 0, sizeof(*reply));
	if (!is_handshake_len(len))
		return;
	macs = (const struct ws_msg_macs *)((const uint8_t *)msg + len - sizeof(*macs));
	/* Both initiation and response carry their sender index right after the type. */
	memcpy(&sender, (const uint8_t *)msg + 4, sizeof(sender));

	reply->type = ws_to_le32(WS_MSG_COOKIE);
	reply->receiver = sender;
	ws_random_bytes(reply->nonce, sizeof(reply->nonce));
	make_cookie(cc, cookie, src, srclen, mono_ns);
	ws_xaead_encrypt(reply->encrypted_cookie, cookie, WS_COOKIE_LEN, macs->mac1, WS_MAC_LEN,
			 reply->nonce, cc->cookie_key);
	ws_memzero(cookie, sizeof(cookie));
}

void ws_cookie_maker_init(struct ws_cookie_maker *cm, const uint8_t remote_public[WS_KEY_LEN])
{
	ws_memzero(cm, sizeof(*cm));
	derive_key(cm->mac1_key, label_mac1, remote_public);
	derive_key(cm->cookie_key, label_cookie, remote_public);
}

void ws_cookie_maker_clear(struct ws_cookie_maker *cm)
{
	ws_memzero(cm, sizeof(*cm));
}

void ws_cookie_add_macs(struct ws_cookie_maker *cm, void *msg, size_t len, uint64_t mono_ns)
{
	struct ws_msg_macs *macs;

	if (!is_handshake_len(len))
		return;
	macs = (struct ws_msg_macs *)((uint8_t *)msg + len - sizeof(*macs));

	compute_mac1(macs->mac1, msg, len, cm->mac1_key);
	memcpy(cm->last_mac1, macs->mac1, WS_MAC_LEN);
	cm->have_last_mac1 = true;

	/* A cookie is only worth sending while the responder's secret can still be the same. */
	if (cm->have_cookie &&
	    mono_ns < cm->cookie_birth_ns +
			      (WS_COOKIE_SECRET_MAX_AGE - WS_COOKIE_SECRET_LATENCY) * WS_NSEC_PER_SEC)
		compute_mac2(macs->mac2, msg, len, cm->cookie);
	else
		memset(macs->mac2, 0, WS_MAC_LEN);
}

int ws_cookie_consume_reply(struct ws_cookie_maker *cm, const struct ws_msg_cookie *reply,
			    uint64_t mono_ns)
{
	uint8_t cookie[WS_COOKIE_LEN];

	if (!cm->have_last_mac1)
		return -1;
	if (ws_xaead_decrypt(cookie, reply->encrypted_cookie, sizeof(reply->encrypted_cookie),
			     cm->last_mac1, WS_MAC_LEN, reply->nonce, cm->cookie_key) != 0)
		return -1;
	memcpy(cm->cookie, cookie, WS_COOKIE_LEN);
	cm->cookie_birth_ns = mono_ns;
	cm->have_cookie = true;
	/* One reply per message sent: a second copy of the same reply is not accepted. */
	cm->have_last_mac1 = false;
	ws_memzero(cookie, sizeof(cookie));
	return 0;
}
