/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Short-packet path: ChaCha20-Poly1305 (RFC 8439, no AAD, WireGuard nonce) for packets of up to
 * WS_CB_MB8_MAX bytes, eight packets at a time. ChaCha20 runs 8 lanes wide in AVX2 registers (one
 * packet per lane, each with its own key and nonce); Poly1305 then runs per packet in 64-bit
 * scalar code (radix 2^44, three limbs).
 *
 * Why: intel-ipsec-mb 1.3 has no multi-buffer ChaCha20 below AVX-512, and its single-buffer code
 * costs ~300 cycles per op even for an empty packet (libsodium's Poly1305 alone costs ~240
 * cycles for 80 bytes). Keepalives, TCP ACKs, DNS and VoIP are this size, and they set the packet
 * rate. Measured on the dev box (EPYC, AVX2): 0 B 120 vs 325 cycles/op, 64 B 276 vs 422, 128 B
 * 426 vs 559 against the best ipsec-mb code; above ~350 B ipsec-mb's AVX2 code is faster.
 *
 * Correctness: tests/crypto checks this path against libsodium for every length 0..1500 (through
 * the default engine), tampering, RFC 8439 2.5.2, and Poly1305 inputs built to land h in
 * [p, 2^130), the final-reduction case random inputs never reach.
 *
 * Secrets: the keystream and one-time Poly1305 keys stay in the engine's scratch until the next
 * burst or engine destroy (which wipes it); a one-time key is worthless once its nonce is used.
 */
#include <endian.h>
#include <string.h>

#include <immintrin.h>
#include <sodium.h>

#include "cryptobatch_priv.h"

#define TARGET __attribute__((target("avx2")))

static TARGET inline __m256i rotl(__m256i x, int n)
{
	return _mm256_or_si256(_mm256_slli_epi32(x, n), _mm256_srli_epi32(x, 32 - n));
}

#define QR(a, b, c, d)                                                                             \
	do {                                                                                       \
		a = _mm256_add_epi32(a, b);                                                        \
		d = _mm256_shuffle_epi8(_mm256_xor_si256(d, a), rot16);                            \
		c = _mm256_add_epi32(c, d);                                                        \
		b = rotl(_mm256_xor_si256(b, c), 12);                                              \
		a = _mm256_add_epi32(a, b);                                                        \
		d = _mm256_shuffle_epi8(_mm256_xor_si256(d, a), rot8);                             \
		c = _mm256_add_epi32(c, d);                                                        \
		b = rotl(_mm256_xor_si256(b, c), 7);                                               \
	} while (0)

/* In place 8x8 transpose of 32-bit elements: row i of the result is column i of the input. */
static TARGET inline void transpose8(__m256i r[8])
{
	__m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
	__m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
	__m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
	__m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
	__m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
	__m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
	__m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
	__m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);

	r[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
	r[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
	r[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
	r[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
	r[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
	r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
	r[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
	r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

/*
 * Writes blocks 0..nblk-1 of the ChaCha20 keystream (RFC 8439 2.3, block counter = block index,
 * nonce = 0 || le64 counter) of each of the 8 lanes to ks[lane]. Lanes past n reuse lane 0's
 * key; their output is ignored.
 */
static TARGET void chacha8(uint8_t ks[8][64 + WS_CB_MB8_MAX], const struct ws_cb_op *const *ops,
			   unsigned int n, unsigned int nblk)
{
	const __m256i rot16 =
		_mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1,
				 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
	const __m256i rot8 = _mm256_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,
					      3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
	__m256i key[8], in[16];
	uint32_t lo[8], hi[8];

	for (unsigned int l = 0; l < 8; l++) {
		const struct ws_cb_op *op = ops[l < n ? l : 0];

		key[l] = _mm256_loadu_si256((const __m256i *)op->key);
		lo[l] = (uint32_t)op->counter;
		hi[l] = (uint32_t)(op->counter >> 32);
	}
	transpose8(key); /* key[j] = key word j of every lane (little-endian loads, as RFC) */
	in[0] = _mm256_set1_epi32(0x61707865);
	in[1] = _mm256_set1_epi32(0x3320646e);
	in[2] = _mm256_set1_epi32(0x79622d32);
	in[3] = _mm256_set1_epi32(0x6b206574);
	for (int j = 0; j < 8; j++)
		in[4 + j] = key[j];
	in[13] = _mm256_setzero_si256();
	in[14] = _mm256_loadu_si256((const __m256i *)lo);
	in[15] = _mm256_loadu_si256((const __m256i *)hi);

	for (unsigned int b = 0; b < nblk; b++) {
		__m256i x[16], o[8];

		in[12] = _mm256_set1_epi32((int)b);
		for (int j = 0; j < 16; j++)
			x[j] = in[j];
		for (int r = 0; r < 10; r++) {
			QR(x[0], x[4], x[8], x[12]);
			QR(x[1], x[5], x[9], x[13]);
			QR(x[2], x[6], x[10], x[14]);
			QR(x[3], x[7], x[11], x[15]);
			QR(x[0], x[5], x[10], x[15]);
			QR(x[1], x[6], x[11], x[12]);
			QR(x[2], x[7], x[8], x[13]);
			QR(x[3], x[4], x[9], x[14]);
		}
		for (int h = 0; h < 2; h++) {
			for (int j = 0; j < 8; j++)
				o[j] = _mm256_add_epi32(x[8 * h + j], in[8 * h + j]);
			transpose8(o);
			for (unsigned int l = 0; l < n; l++)
				_mm256_storeu_si256((__m256i *)(ks[l] + 64 * b + 32 * h), o[l]);
		}
	}
	/* The lanes' keys were copied to the stack (16 state vectors do not fit in registers). */
	sodium_memzero(key, sizeof(key));
	sodium_memzero(in, sizeof(in));
}

static TARGET inline void xor_ks(uint8_t *dst, const uint8_t *src, const uint8_t *ks, uint32_t len)
{
	uint32_t i = 0;

	for (; i + 32 <= len; i += 32)
		_mm256_storeu_si256(
			(__m256i *)(dst + i),
			_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + i)),
					 _mm256_loadu_si256((const __m256i *)(ks + i))));
	for (; i < len; i++)
		dst[i] = src[i] ^ ks[i];
}

/*
 * Poly1305 with h and r in three limbs of 44, 44 and 42 bits, so that every limb product fits
 * in 128 bits with room for the sums, and 2^130 = 5 (mod p) folds the top back in as *5
 * (r1, r2 are pre-multiplied by 20 = 5 * 2^2 for the limbs that land at 2^132).
 */
#define M44 0xfffffffffffULL
#define M42 0x3ffffffffffULL

struct poly {
	uint64_t r0, r1, r2, s1, s2;
	uint64_t h0, h1, h2;
	uint64_t pad0, pad1;
};

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static inline void poly_init(struct poly *st, const uint8_t key[32])
{
	uint64_t t0 = ld64(key), t1 = ld64(key + 8);

	/* r &= 0x0ffffffc0ffffffc0ffffffc0fffffff (RFC 8439 2.5), split into limbs */
	st->r0 = t0 & 0xffc0fffffffULL;
	st->r1 = ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffffULL;
	st->r2 = (t1 >> 24) & 0x00ffffffc0fULL;
	st->s1 = st->r1 * 20;
	st->s2 = st->r2 * 20;
	st->h0 = st->h1 = st->h2 = 0;
	st->pad0 = ld64(key + 16);
	st->pad1 = ld64(key + 24);
}

/* Absorbs len / 16 full blocks; hibit is 2^128 expressed in limb 2 (0 for a final short block
 * that carries its own 0x01 terminator). */
static inline void poly_blocks(struct poly *st, const uint8_t *m, size_t len, uint64_t hibit)
{
	const uint64_t r0 = st->r0, r1 = st->r1, r2 = st->r2, s1 = st->s1, s2 = st->s2;
	uint64_t h0 = st->h0, h1 = st->h1, h2 = st->h2, c;

	for (; len >= 16; len -= 16, m += 16) {
		uint64_t t0 = ld64(m), t1 = ld64(m + 8);
		unsigned __int128 d0, d1, d2;

		h0 += t0 & M44;
		h1 += ((t0 >> 44) | (t1 << 20)) & M44;
		h2 += ((t1 >> 24) & M42) | hibit;
		d0 = (unsigned __int128)h0 * r0 + (unsigned __int128)h1 * s2 +
		     (unsigned __int128)h2 * s1;
		d1 = (unsigned __int128)h0 * r1 + (unsigned __int128)h1 * r0 +
		     (unsigned __int128)h2 * s2;
		d2 = (unsigned __int128)h0 * r2 + (unsigned __int128)h1 * r1 +
		     (unsigned __int128)h2 * r0;
		c = (uint64_t)(d0 >> 44);
		h0 = (uint64_t)d0 & M44;
		d1 += c;
		c = (uint64_t)(d1 >> 44);
		h1 = (uint64_t)d1 & M44;
		d2 += c;
		c = (uint64_t)(d2 >> 42);
		h2 = (uint64_t)d2 & M42;
		h0 += c * 5;
		c = h0 >> 44;
		h0 &= M44;
		h1 += c;
	}
	st->h0 = h0;
	st->h1 = h1;
	st->h2 = h2;
}

static inline void poly_finish(struct poly *st, uint8_t tag[16])
{
	uint64_t h0 = st->h0, h1 = st->h1, h2 = st->h2, g0, g1, g2, c, t0, t1;

	/* carry fully (twice round: the *5 fold can carry once more) */
	c = h1 >> 44;
	h1 &= M44;
	h2 += c;
	c = h2 >> 42;
	h2 &= M42;
	h0 += c * 5;
	c = h0 >> 44;
	h0 &= M44;
	h1 += c;
	c = h1 >> 44;
	h1 &= M44;
	h2 += c;
	c = h2 >> 42;
	h2 &= M42;
	h0 += c * 5;
	c = h0 >> 44;
	h0 &= M44;
	h1 += c;

	/* g = h + 5 - 2^130 = h - p; keep it if it did not go negative, without branching */
	g0 = h0 + 5;
	c = g0 >> 44;
	g0 &= M44;
	g1 = h1 + c;
	c = g1 >> 44;
	g1 &= M44;
	g2 = h2 + c - (1ULL << 42);
	c = (g2 >> 63) - 1; /* all ones when h >= p */
	h0 = (h0 & ~c) | (g0 & c);
	h1 = (h1 & ~c) | (g1 & c);
	h2 = (h2 & ~c) | (g2 & c);

	/* tag = (h + s) mod 2^128 */
	t0 = st->pad0;
	t1 = st->pad1;
	h0 += t0 & M44;
	c = h0 >> 44;
	h0 &= M44;
	h1 += (((t0 >> 44) | (t1 << 20)) & M44) + c;
	c = h1 >> 44;
	h1 &= M44;
	h2 += (t1 >> 24) + c;
	h2 &= M42;
	t0 = htole64(h0 | (h1 << 44));
	t1 = htole64((h1 >> 20) | (h2 << 24));
	memcpy(tag, &t0, 8);
	memcpy(tag + 8, &t1, 8);
}

void ws_cb_poly1305(uint8_t tag[16], const uint8_t *m, size_t len, const uint8_t key[32])
{
	struct poly st;
	size_t full = len & ~(size_t)15;

	poly_init(&st, key);
	poly_blocks(&st, m, full, 1ULL << 40);
	if (len > full) {
		uint8_t b[16] = {0};

		memcpy(b, m + full, len - full);
		b[len - full] = 1;
		poly_blocks(&st, b, 16, 0);
	}
	poly_finish(&st, tag);
	sodium_memzero(&st, sizeof(st));
}

/* RFC 8439 2.8 with no AAD: Poly1305 over ct || zero pad to 16 || le64(0) || le64(len). */
static inline void poly_aead(uint8_t tag[WS_CB_TAG_LEN], const uint8_t *pkey, const uint8_t *ct,
			     uint32_t len)
{
	struct poly st;
	uint32_t full = len & ~15u;
	uint64_t l = htole64(len);
	uint8_t b[16];

	poly_init(&st, pkey);
	poly_blocks(&st, ct, full, 1ULL << 40);
	if (len > full) {
		memset(b, 0, sizeof(b));
		memcpy(b, ct + full, len - full);
		poly_blocks(&st, b, 16, 1ULL << 40);
	}
	memset(b, 0, 8);
	memcpy(b + 8, &l, 8);
	poly_blocks(&st, b, 16, 1ULL << 40);
	poly_finish(&st, tag);
}

/* ops[0..n), n <= 8, every len <= WS_CB_MB8_MAX. Returns how many ended with status 0. */
TARGET unsigned int ws_cb_mb8_process(struct ws_cb_mb8_scratch *s, enum ws_cb_dir dir,
				      struct ws_cb_op *const *ops, unsigned int n)
{
	uint32_t maxlen = 0;
	unsigned int ok = 0;

	for (unsigned int l = 0; l < n; l++)
		maxlen = ops[l]->len > maxlen ? ops[l]->len : maxlen;
	/* block 0 is the Poly1305 key, the payload starts at block 1 */
	chacha8(s->ks, (const struct ws_cb_op *const *)ops, n, 1 + (maxlen + 63) / 64);
	for (unsigned int l = 0; l < n; l++) {
		struct ws_cb_op *op = ops[l];
		uint8_t t[WS_CB_TAG_LEN];

		if (dir == WS_CB_ENCRYPT) {
			xor_ks(op->dst, op->src, s->ks[l] + 64, op->len);
			poly_aead(op->tag, s->ks[l], op->dst, op->len);
			op->status = 0;
		} else {
			/* Verify before decrypting, so a forgery never reaches dst. */
			poly_aead(t, s->ks[l], op->src, op->len);
			op->status = ws_cb_tag_eq(t, op->tag) ? 0 : -1;
			if (op->status == 0)
				xor_ks(op->dst, op->src, s->ks[l] + 64, op->len);
		}
		ok += op->status == 0;
	}
	return ok;
}

int ws_cb_mb8_supported(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}
