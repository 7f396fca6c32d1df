/* SPDX-License-Identifier: BSD-3-Clause */
/* Primitive wrappers: BLAKE2s from libb2, everything else from libsodium. */
#include <blake2.h>
#include <sodium.h>

#include "crypto.h"

_Static_assert(sizeof(blake2s_state) <= sizeof(struct ws_blake2s_ctx), "blake2s ctx too small");

enum { BLAKE2S_BLOCK = 64 };

int ws_crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void ws_blake2s(uint8_t *out, size_t outlen, const void *in, size_t inlen, const uint8_t *key,
		size_t keylen)
{
	/* libb2 only fails on argument errors, which callers here cannot make. */
	blake2s(out, in, key, outlen, inlen, keylen);
}

void ws_blake2s_init(struct ws_blake2s_ctx *ctx, size_t outlen)
{
	blake2s_init((blake2s_state *)ctx->opaque, outlen);
}

void ws_blake2s_update(struct ws_blake2s_ctx *ctx, const void *in, size_t inlen)
{
	blake2s_update((blake2s_state *)ctx->opaque, in, inlen);
}

void ws_blake2s_final(struct ws_blake2s_ctx *ctx, uint8_t *out, size_t outlen)
{
	blake2s_final((blake2s_state *)ctx->opaque, out, outlen);
	sodium_memzero(ctx, sizeof(*ctx));
}

void ws_hmac_blake2s(uint8_t out[WS_HASH_LEN], const uint8_t *key, size_t keylen, const void *in,
		     size_t inlen)
{
	uint8_t k[BLAKE2S_BLOCK] = { 0 }, pad[BLAKE2S_BLOCK], inner[WS_HASH_LEN];
	struct ws_blake2s_ctx ctx;

	if (keylen > BLAKE2S_BLOCK)
		ws_blake2s(k, WS_HASH_LEN, key, keylen, NULL, 0);
	else
		memcpy(k, key, keylen);

	for (int i = 0; i < BLAKE2S_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	ws_blake2s_init(&ctx, WS_HASH_LEN);
	ws_blake2s_update(&ctx, pad, sizeof(pad));
	ws_blake2s_update(&ctx, in, inlen);
	ws_blake2s_final(&ctx, inner, WS_HASH_LEN);

	for (int i = 0; i < BLAKE2S_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	ws_blake2s_init(&ctx, WS_HASH_LEN);
	ws_blake2s_update(&ctx, pad, sizeof(pad));
	ws_blake2s_update(&ctx, inner, WS_HASH_LEN);
	ws_blake2s_final(&ctx, out, WS_HASH_LEN);

	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

void ws_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[WS_HASH_LEN], const void *in,
	    size_t inlen)
{
	uint8_t prk[WS_HASH_LEN], out[WS_HASH_LEN + 1];

	ws_hmac_blake2s(prk, key, WS_HASH_LEN, in, inlen);

	out[0] = 1;
	ws_hmac_blake2s(out, prk, WS_HASH_LEN, out, 1);
	if (t1)
		memcpy(t1, out, WS_HASH_LEN);
	if (t2) {
		out[WS_HASH_LEN] = 2;
		ws_hmac_blake2s(out, prk, WS_HASH_LEN, out, WS_HASH_LEN + 1);
		memcpy(t2, out, WS_HASH_LEN);
	}
	if (t3) {
		out[WS_HASH_LEN] = 3;
		ws_hmac_blake2s(out, prk, WS_HASH_LEN, out, WS_HASH_LEN + 1);
		memcpy(t3, out, WS_HASH_LEN);
	}
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(out, sizeof(out));
}

void ws_x25519_generate(uint8_t private_key[WS_KEY_LEN])
{
	randombytes_buf(private_key, WS_KEY_LEN);
	private_key[0] &= 248;
	private_key[31] = (private_key[31] & 127) | 64;
}

void ws_x25519_public(uint8_t public_key[WS_KEY_LEN], const uint8_t private_key[WS_KEY_LEN])
{
	crypto_scalarmult_base(public_key, private_key);
}

int ws_x25519(uint8_t out[WS_KEY_LEN], const uint8_t private_key[WS_KEY_LEN],
	      const uint8_t public_key[WS_KEY_LEN])
{
	/* libsodium itself returns -1 for an all-zero result (a low-order point). */
	if (crypto_scalarmult(out, private_key, public_key) != 0 || sodium_is_zero(out, WS_KEY_LEN)) {
		sodium_memzero(out, WS_KEY_LEN);
		return -1;
	}
	return 0;
}

static void nonce12(uint8_t n[12], uint64_t counter)
{
	uint64_t le = ws_to_le64(counter);

	memset(n, 0, 4);
	memcpy(n + 4, &le, 8);
}

void ws_aead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		     uint64_t counter, const uint8_t key[WS_KEY_LEN])
{
	uint8_t n[12];

	nonce12(n, counter);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(dst, dst + len, NULL, src, len, ad, adlen,
							   NULL, n, key);
}

int ws_aead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WS_KEY_LEN])
{
	uint8_t n[12];

	if (len < WS_AEAD_TAG_LEN)
		return -1;
	nonce12(n, counter);
	return crypto_aead_chacha20poly1305_ietf_decrypt_detached(dst, NULL, src, len - WS_AEAD_TAG_LEN,
								  src + len - WS_AEAD_TAG_LEN, ad,
								  adlen, n, key) == 0
		       ? 0
		       : -1;
}

void ws_xaead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		      size_t adlen, const uint8_t nonce[WS_XNONCE_LEN], const uint8_t key[WS_KEY_LEN])
{
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(dst, dst + len, NULL, src, len, ad, adlen,
							    NULL, nonce, key);
}

int ws_xaead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		     size_t adlen, const uint8_t nonce[WS_XNONCE_LEN], const uint8_t key[WS_KEY_LEN])
{
	if (len < WS_AEAD_TAG_LEN)
		return -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
		       dst, NULL, src, len - WS_AEAD_TAG_LEN, src + len - WS_AEAD_TAG_LEN, ad, adlen,
		       nonce, key) == 0
		       ? 0
		       : -1;
}

void ws_random_bytes(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

uint32_t ws_random_uniform(uint32_t bound)
{
	return randombytes_uniform(bound);
}

int ws_memeq_ct(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len);
}

bool ws_is_zero_ct(const void *a, size_t len)
{
	return sodium_is_zero(a, len) == 1;
}

void ws_memzero(void *p, size_t len)
{
	sodium_memzero(p, len);
}
