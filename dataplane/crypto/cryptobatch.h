/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Batch ChaCha20-Poly1305 for WireGuard transport data: one call encrypts or decrypts a burst of
 * packets, each with its own key and 64-bit counter (nonce = 32 zero bits || le64 counter), no
 * associated data. Backends: intel-ipsec-mb (picks SSE/AVX2/AVX-512 by CPU) and a portable
 * reference. An engine is per lcore (not thread-safe); create it on the lcore that uses it.
 * All backends produce byte-identical output (tests/crypto checks this for lengths 0..1500).
 */
#ifndef WS_CRYPTOBATCH_H
#define WS_CRYPTOBATCH_H

#include <stdint.h>

enum ws_cb_dir {
	WS_CB_ENCRYPT,
	WS_CB_DECRYPT,
};

struct ws_cb_op {
	const uint8_t *key; /* 32 bytes */
	uint64_t counter;
	const uint8_t *src;
	uint8_t *dst; /* may equal src (in place); must not otherwise overlap it */
	uint32_t len; /* plaintext bytes (encrypt) / ciphertext bytes without the tag (decrypt);
		       * 0 is valid (keepalives): then only the tag is made or checked */
	uint8_t *tag; /* encrypt: 16 bytes written here; decrypt: the 16 bytes to verify (only
		       * read; compared in constant time). May sit right after dst's len bytes */
	int status;   /* out: 0, or -1 when the tag did not verify (dst content undefined:
		       * the caller must drop it, never forward it) */
};

struct ws_cb_engine;

/*
 * backend: "auto" (best available), "ipsecmb", "ref". NULL if unavailable or unknown.
 * "ipsecmb" takes optional suffixes, for tests and benchmarks: "-sse", "-avx", "-avx2",
 * "-avx512" force one arch (NULL if the CPU lacks it); "-job" / "-burst" force the library's job
 * or burst API; "-nomb8" sends short ops to the library's SSE code instead of our own. Plain
 * "ipsecmb" on an AVX2 CPU sends ops of up to 320 bytes to our 8-lane AVX2 ChaCha20-Poly1305,
 * which is much faster there (see cryptobatch_ipsecmb.c and cryptobatch_mb8.c).
 */
struct ws_cb_engine *ws_cb_engine_create(const char *backend);
void ws_cb_engine_destroy(struct ws_cb_engine *e);
/* e.g. "ipsecmb-avx2+mb8", "ipsecmb-avx512", "ref"; valid until the engine is destroyed */
const char *ws_cb_engine_name(const struct ws_cb_engine *e);

/*
 * Processes n ops (any n; large bursts are split internally), each with its own key and
 * counter; returns how many ended with status 0 (all of them, for encrypt of valid ops). Does
 * not allocate.
 */
unsigned int ws_cb_process(struct ws_cb_engine *e, enum ws_cb_dir dir, struct ws_cb_op *ops,
			   unsigned int n);

#endif
