/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The primitives WireGuard fixes: BLAKE2s (libb2), HMAC-BLAKE2s and the whitepaper's HKDF,
 * X25519, ChaCha20-Poly1305 and XChaCha20-Poly1305 (libsodium). Thin wrappers so the rest of the
 * protocol code reads like the whitepaper and every secret intermediate is zeroed in one place.
 */
#ifndef WS_CRYPTO_H
#define WS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h"

/* Must be called once before any other function of the library; returns 0 or -1. Thread-safe. */
int ws_crypto_init(void);

/* Unkeyed (key == NULL, keylen == 0) or keyed BLAKE2s with outlen 1..32 and keylen 0..32. */
void ws_blake2s(uint8_t *out, size_t outlen, const void *in, size_t inlen, const uint8_t *key,
		size_t keylen);

/* Incremental unkeyed BLAKE2s-256, for HASH(a || b). */
struct ws_blake2s_ctx {
	uint8_t opaque[256] __attribute__((aligned(8)));
};
void ws_blake2s_init(struct ws_blake2s_ctx *ctx, size_t outlen);
void ws_blake2s_update(struct ws_blake2s_ctx *ctx, const void *in, size_t inlen);
void ws_blake2s_final(struct ws_blake2s_ctx *ctx, uint8_t *out, size_t outlen);

/* HMAC (RFC 2104) over BLAKE2s-256, 64-byte blocks. */
void ws_hmac_blake2s(uint8_t out[WS_HASH_LEN], const uint8_t *key, size_t keylen, const void *in,
		     size_t inlen);

/*
 * The whitepaper's KDF_n(key, input): t0 = HMAC(key, input), t1 = HMAC(t0, 0x1),
 * t2 = HMAC(t0, t1 || 0x2), t3 = HMAC(t0, t2 || 0x3). Outputs may be NULL from the right to get
 * KDF1 / KDF2; an output may alias the key.
 */
void ws_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[WS_HASH_LEN], const void *in,
	    size_t inlen);

/* A clamped Curve25519 private key from the system CSPRNG. */
void ws_x25519_generate(uint8_t private_key[WS_KEY_LEN]);
/* The public key of a private key (clamping applied as X25519 does). */
void ws_x25519_public(uint8_t public_key[WS_KEY_LEN], const uint8_t private_key[WS_KEY_LEN]);
/* X25519(sk, pk). Returns -1 (and zeroes out) if the shared secret is all zero. */
int ws_x25519(uint8_t out[WS_KEY_LEN], const uint8_t private_key[WS_KEY_LEN],
	      const uint8_t public_key[WS_KEY_LEN]);

/*
 * ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce: 32 zero bits then the 64-bit counter
 * little-endian. dst may equal src. Encrypt writes len bytes of ciphertext then the 16-byte tag.
 * Decrypt takes len = ciphertext length including the tag and returns 0, or -1 if the tag is
 * wrong (dst then holds nothing meaningful).
 */
void ws_aead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		     uint64_t counter, const uint8_t key[WS_KEY_LEN]);
int ws_aead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WS_KEY_LEN]);

/* XChaCha20-Poly1305 with a 24-byte nonce, as cookie replies use it. Same conventions. */
void ws_xaead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		      size_t adlen, const uint8_t nonce[WS_XNONCE_LEN], const uint8_t key[WS_KEY_LEN]);
int ws_xaead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		     size_t adlen, const uint8_t nonce[WS_XNONCE_LEN], const uint8_t key[WS_KEY_LEN]);

/* CSPRNG bytes and a uniform value below bound (bound > 0). */
void ws_random_bytes(void *buf, size_t len);
uint32_t ws_random_uniform(uint32_t bound);

/* Constant-time comparison (0 when equal) and zeroing the compiler cannot elide. */
int ws_memeq_ct(const void *a, const void *b, size_t len);
bool ws_is_zero_ct(const void *a, size_t len);
void ws_memzero(void *p, size_t len);

#endif
