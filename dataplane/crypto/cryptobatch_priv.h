/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the batch AEAD engine: the backend vtable that cryptobatch.c dispatches through and
 * the constructors each backend file provides. Not for use outside dataplane/crypto.
 */
#ifndef WS_CRYPTOBATCH_PRIV_H
#define WS_CRYPTOBATCH_PRIV_H

#include <stddef.h>

#include "cryptobatch.h"

#define WS_CB_KEY_LEN	32
#define WS_CB_TAG_LEN	16
#define WS_CB_NONCE_LEN 12

/*
 * Every backend embeds this as its first member. One indirect call per burst is the only
 * dispatch cost, so the per-op loop stays inside the backend.
 */
struct ws_cb_engine {
	unsigned int (*process)(struct ws_cb_engine *e, enum ws_cb_dir dir, struct ws_cb_op *ops,
				unsigned int n);
	void (*destroy)(struct ws_cb_engine *e);
	char name[32];
};

/*
 * opts is what followed "ipsecmb" in the backend string: "" (best arch, fastest API, own short
 * packet path), or any of "-job", "-burst", "-nomb8", "-sse", "-avx", "-avx2", "-avx512"
 * (forcing an API, the SSE short path, or one arch with no short path; for tests and
 * benchmarks). NULL if the options are unknown or the CPU lacks the arch.
 */
struct ws_cb_engine *ws_cb_ipsecmb_create(const char *opts);
struct ws_cb_engine *ws_cb_ref_create(void);

/*
 * The 8-lane AVX2 short-packet path (cryptobatch_mb8.c): ops of at most WS_CB_MB8_MAX bytes, at
 * most 8 per call, with the caller's scratch (per engine, so no allocation and no stack bulk).
 */
#define WS_CB_MB8_MAX 320
struct ws_cb_mb8_scratch {
	uint8_t ks[8][64 + WS_CB_MB8_MAX]; /* Poly1305 key block, then payload keystream */
};
int ws_cb_mb8_supported(void);
unsigned int ws_cb_mb8_process(struct ws_cb_mb8_scratch *s, enum ws_cb_dir dir,
			       struct ws_cb_op *const *ops, unsigned int n);
/* Plain Poly1305 (RFC 8439 2.5), exported for its own tests. */
void ws_cb_poly1305(uint8_t tag[16], const uint8_t *m, size_t len, const uint8_t key[32]);

/*
 * Constant-time comparison of two 16-byte tags: all bytes are combined before the one branch on
 * the result, and the empty asm hides the combined value so the compiler cannot turn the OR
 * into two early-exit compares. Inline, since sodium_memcmp()'s byte loop cost ~10% of a
 * short packet's decrypt.
 */
static inline int ws_cb_tag_eq(const uint8_t *a, const uint8_t *b)
{
	uint64_t a0, a1, b0, b1, d;

	__builtin_memcpy(&a0, a, 8);
	__builtin_memcpy(&a1, a + 8, 8);
	__builtin_memcpy(&b0, b, 8);
	__builtin_memcpy(&b1, b + 8, 8);
	d = (a0 ^ b0) | (a1 ^ b1);
	__asm__("" : "+r"(d));
	return d == 0;
}

/* The WireGuard nonce: 32 zero bits || le64 counter (RFC 8439 layout; WireGuard paper 5.4.6). */
static inline void ws_cb_nonce(uint8_t nonce[WS_CB_NONCE_LEN], uint64_t counter)
{
	nonce[0] = nonce[1] = nonce[2] = nonce[3] = 0;
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

#endif
