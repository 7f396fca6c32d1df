/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An independent reference for the unit tests: the whitepaper's HASH, MAC, HMAC, KDF, AEAD and DH
 * written directly on libb2 and libsodium, so handshake and cookie messages produced by the
 * library can be checked against the whitepaper (sections 5.4.2 - 5.4.7) and not only against
 * the library's own consumer.
 */
#ifndef WS_REF_WG_H
#define WS_REF_WG_H

#include <blake2.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>

static const char ref_construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char ref_identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
static const char ref_label_mac1[] = "mac1----";
static const char ref_label_cookie[] = "cookie--";

/* HASH(a || b) */
static inline void ref_hash2(uint8_t out[32], const void *a, size_t alen, const void *b,
			     size_t blen)
{
	blake2s_state s;
	blake2s_init(&s, 32);
	blake2s_update(&s, a, alen);
	blake2s_update(&s, b, blen);
	blake2s_final(&s, out, 32);
}

/* MAC(key, in) = keyed BLAKE2s-128 */
static inline void ref_mac(uint8_t out[16], const uint8_t *key, size_t keylen, const void *in,
			   size_t inlen)
{
	blake2s(out, in, key, 16, inlen, keylen);
}

static inline void ref_hmac(uint8_t out[32], const uint8_t *key, size_t keylen, const void *in,
			    size_t inlen)
{
	uint8_t k[64] = { 0 }, pad[64], inner[32];
	blake2s_state s;

	if (keylen > 64)
		blake2s(k, key, NULL, 32, keylen, 0);
	else
		memcpy(k, key, keylen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	blake2s_init(&s, 32);
	blake2s_update(&s, pad, 64);
	blake2s_update(&s, in, inlen);
	blake2s_final(&s, inner, 32);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	blake2s_init(&s, 32);
	blake2s_update(&s, pad, 64);
	blake2s_update(&s, inner, 32);
	blake2s_final(&s, out, 32);
}

/* KDF_n: any of t1..t3 may be NULL; key is not aliased by the outputs here. */
static inline void ref_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[32],
			   const void *in, size_t inlen)
{
	uint8_t t0[32], a[32], b[33];

	ref_hmac(t0, key, 32, in, inlen);
	b[0] = 1;
	ref_hmac(a, t0, 32, b, 1);
	if (t1)
		memcpy(t1, a, 32);
	memcpy(b, a, 32);
	b[32] = 2;
	ref_hmac(a, t0, 32, b, 33);
	if (t2)
		memcpy(t2, a, 32);
	memcpy(b, a, 32);
	b[32] = 3;
	ref_hmac(a, t0, 32, b, 33);
	if (t3)
		memcpy(t3, a, 32);
}

static inline void ref_nonce(uint8_t nonce[12], uint64_t counter)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

static inline void ref_aead_enc(uint8_t *out, const uint8_t *in, size_t len, const uint8_t *ad,
				size_t adlen, uint64_t counter, const uint8_t key[32])
{
	uint8_t nonce[12];
	unsigned long long outlen;
	ref_nonce(nonce, counter);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, &outlen, in, len, ad, adlen, NULL, nonce, key);
}

static inline int ref_aead_dec(uint8_t *out, const uint8_t *in, size_t len, const uint8_t *ad,
			       size_t adlen, uint64_t counter, const uint8_t key[32])
{
	uint8_t nonce[12];
	unsigned long long outlen;
	ref_nonce(nonce, counter);
	return crypto_aead_chacha20poly1305_ietf_decrypt(out, &outlen, NULL, in, len, ad, adlen,
							 nonce, key);
}

static inline int ref_dh(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32])
{
	return crypto_scalarmult(out, sk, pk);
}

#endif
