/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for the batch ChaCha20-Poly1305 engine: the RFC 8439 2.8.2 vector checked directly against
 * intel-ipsec-mb and libsodium, then every backend variant (library APIs, arches, our 8-lane
 * short-packet path) against libsodium and each other on the WireGuard nonce format for every
 * length 0..1500, both directions, in place and out of place, bursts of 1, 7, 32, 64, mixed and
 * over-long bursts, and tampering (one flipped bit fails that op and no other). Our Poly1305 is
 * also checked alone, including the h >= p final-reduction case.
 * Seeded PRNG: set WS_TEST_SEED to reproduce a run.
 */
#include <inttypes.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>
#include <sodium.h>

#include "cryptobatch.h"
#include "cryptobatch_priv.h" /* ws_cb_poly1305, WS_CB_MB8_MAX */
#include "ws_test.h"

#define MAXLEN	 1500
#define MAXBURST 64

static uint64_t rng_state;

/* splitmix64: tiny, seedable, good enough for test data. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rnd_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static void wg_nonce(uint8_t n[12], uint64_t ctr)
{
	memset(n, 0, 4);
	for (int i = 0; i < 8; i++)
		n[4 + i] = (uint8_t)(ctr >> (8 * i));
}

/* Every ipsecmb variant this CPU can run; "ref" is the yardstick. */
static const char *const variants[] = {
	"ipsecmb",	     "ipsecmb-job", "ipsecmb-burst",	"ipsecmb-nomb8",
	"ipsecmb-nomb8-job", "ipsecmb-sse", "ipsecmb-avx",	"ipsecmb-avx2",
	"ipsecmb-avx512",    "auto",	    "ipsecmb-avx2-job", "ipsecmb-sse-job",
};
#define NVAR (sizeof(variants) / sizeof(variants[0]))
static struct ws_cb_engine *eng[NVAR];
static struct ws_cb_engine *ref;

/* ---- RFC 8439 section 2.8.2 ---- */

static const char rfc_pt[] = "Ladies and Gentlemen of the class of '99: If I could offer you only "
			     "one tip for the future, sunscreen would be it.";
static const char rfc_key[] = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
static const char rfc_nonce[] = "070000004041424344454647";
static const char rfc_aad[] = "50515253c0c1c2c3c4c5c6c7";
static const char rfc_ct[] = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
			     "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
			     "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
			     "3ff4def08e4b7a9de576d26586cec64b6116";
static const char rfc_tag[] = "1ae10b594f09e26a7e902ecbd0600691";

static int imb_rfc(IMB_MGR *mgr, int enc, const uint8_t *key, const uint8_t *nonce,
		   const uint8_t *aad, const uint8_t *in, uint8_t *out, size_t len, uint8_t *tag)
{
	IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);

	memset(job, 0, sizeof(*job));
	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = key;
	job->dec_keys = key;
	job->key_len_in_bytes = 32;
	job->src = in;
	job->dst = out;
	job->msg_len_to_cipher_in_bytes = len;
	job->msg_len_to_hash_in_bytes = len;
	job->iv = nonce;
	job->iv_len_in_bytes = 12;
	job->u.CHACHA20_POLY1305.aad = aad;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = 12;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = 16;
	job = IMB_SUBMIT_JOB(mgr);
	if (job == NULL)
		job = IMB_FLUSH_JOB(mgr);
	return job != NULL && job->status == IMB_STATUS_COMPLETED ? 0 : -1;
}

static void test_rfc8439_vector(void)
{
	uint8_t key[32], nonce[12], aad[12], ct[sizeof(rfc_pt)], tag[16], out[sizeof(rfc_pt)],
		t2[16];
	size_t len = sizeof(rfc_pt) - 1;
	unsigned long long tl;
	IMB_MGR *mgr;

	CHECK(ws_test_unhex(key, sizeof(key), rfc_key) == 32);
	CHECK(ws_test_unhex(nonce, sizeof(nonce), rfc_nonce) == 12);
	CHECK(ws_test_unhex(aad, sizeof(aad), rfc_aad) == 12);
	CHECK(ws_test_unhex(ct, sizeof(ct), rfc_ct) == len);
	CHECK(ws_test_unhex(tag, sizeof(tag), rfc_tag) == 16);

	crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, t2, &tl, (const uint8_t *)rfc_pt,
							   len, aad, 12, NULL, nonce, key);
	CHECK_MEM(out, ct, len);
	CHECK_MEM(t2, tag, 16);

	mgr = alloc_mb_mgr(0);
	CHECK(mgr != NULL);
	if (mgr == NULL)
		return;
	init_mb_mgr_auto(mgr, NULL);
	memset(out, 0, sizeof(out));
	CHECK(imb_rfc(mgr, 1, key, nonce, aad, (const uint8_t *)rfc_pt, out, len, t2) == 0);
	CHECK_MEM(out, ct, len);
	CHECK_MEM(t2, tag, 16);
	memset(out, 0, sizeof(out));
	CHECK(imb_rfc(mgr, 0, key, nonce, aad, ct, out, len, t2) == 0);
	CHECK_MEM(out, rfc_pt, len);
	CHECK_MEM(t2, tag, 16);
	free_mb_mgr(mgr);
}

/* ---- engines ---- */

static void test_engine_names(void)
{
	CHECK(ws_cb_engine_create("nonsense") == NULL);
	CHECK(ws_cb_engine_create("ipsecmb-bogus") == NULL);
	CHECK(ref != NULL && strcmp(ws_cb_engine_name(ref), "ref") == 0);
	CHECK(eng[0] != NULL); /* the default ipsecmb engine must exist on any x86-64 CI box */
	for (size_t v = 0; v < NVAR; v++) {
		if (eng[v] == NULL)
			continue;
		printf("     engine %-15s -> %s\n", variants[v], ws_cb_engine_name(eng[v]));
		CHECK(strncmp(ws_cb_engine_name(eng[v]), "ipsecmb-", 8) == 0);
	}
	CHECK(ws_cb_process(eng[0], WS_CB_ENCRYPT, NULL, 0) == 0);
}

/* One packet under test: its inputs, and the expected output computed by libsodium. */
struct pkt {
	uint8_t key[32];
	uint64_t ctr;
	uint32_t len;
	uint8_t pt[MAXLEN];
	uint8_t ct[MAXLEN];	  /* expected ciphertext */
	uint8_t tag[16];	  /* expected tag */
	uint8_t buf[MAXLEN + 16]; /* working buffer for the engine */
	uint8_t out[MAXLEN + 16];
	uint8_t otag[16];
};

static struct pkt pk[MAXBURST];

static void make_pkt(struct pkt *p, uint32_t len)
{
	uint8_t nonce[12], comb[MAXLEN + 16];
	unsigned long long cl;

	rnd_fill(p->key, 32);
	switch (rnd() % 8) {
	case 0:
		p->ctr = 0;
		break;
	case 1:
		p->ctr = UINT64_MAX;
		break;
	default:
		p->ctr = rnd();
	}
	p->len = len;
	rnd_fill(p->pt, len);
	wg_nonce(nonce, p->ctr);
	/* The combined (non-detached) libsodium API, so the expectation does not share a code
	 * path with the ref backend. */
	crypto_aead_chacha20poly1305_ietf_encrypt(comb, &cl, p->pt, len, NULL, 0, NULL, nonce,
						  p->key);
	memcpy(p->ct, comb, len);
	memcpy(p->tag, comb + len, 16);
}

static void set_op(struct ws_cb_op *op, struct pkt *p, const uint8_t *src, uint8_t *dst,
		   uint8_t *tag)
{
	op->key = p->key;
	op->counter = p->ctr;
	op->src = src;
	op->dst = dst;
	op->len = p->len;
	op->tag = tag;
	op->status = 42;
}

/* Encrypts and decrypts pk[0..n) with e, in place or not, and checks against the expectation. */
static void check_burst(struct ws_cb_engine *e, unsigned int n, int inplace)
{
	struct ws_cb_op ops[MAXBURST];
	unsigned int i, got;

	for (i = 0; i < n; i++) {
		struct pkt *p = &pk[i];

		memcpy(p->buf, p->pt, p->len);
		memset(p->out, 0xaa, sizeof(p->out));
		memset(p->otag, 0x55, 16);
		set_op(&ops[i], p, p->buf, inplace ? p->buf : p->out, p->otag);
	}
	got = ws_cb_process(e, WS_CB_ENCRYPT, ops, n);
	CHECK(got == n);
	for (i = 0; i < n; i++) {
		struct pkt *p = &pk[i];
		const uint8_t *res = inplace ? p->buf : p->out;

		CHECK(ops[i].status == 0);
		CHECK_MEM(res, p->ct, p->len);
		CHECK_MEM(p->otag, p->tag, 16);
		if (!inplace) {
			CHECK_MEM(p->buf, p->pt, p->len); /* source untouched */
			CHECK(p->out[p->len] == 0xaa);	  /* nothing written past len */
		}
	}

	/* Decrypt the expected ciphertext (from libsodium), flipping the direction of in-place. */
	for (i = 0; i < n; i++) {
		struct pkt *p = &pk[i];

		memcpy(p->buf, p->ct, p->len);
		memcpy(p->otag, p->tag, 16);
		memset(p->out, 0xaa, sizeof(p->out));
		set_op(&ops[i], p, p->buf, !inplace ? p->buf : p->out, p->otag);
	}
	got = ws_cb_process(e, WS_CB_DECRYPT, ops, n);
	CHECK(got == n);
	for (i = 0; i < n; i++) {
		struct pkt *p = &pk[i];

		CHECK(ops[i].status == 0);
		CHECK_MEM(!inplace ? p->buf : p->out, p->pt, p->len);
		CHECK_MEM(p->otag, p->tag, 16); /* the received tag is only read */
	}
}

/*
 * Decrypts pk[0..n) with one random bit flipped (ciphertext or tag) in the ops picked by mask;
 * only those fail.
 */
static void check_tamper(struct ws_cb_engine *e, unsigned int n, uint64_t mask)
{
	struct ws_cb_op ops[MAXBURST];
	unsigned int i, want = 0;

	for (i = 0; i < n; i++) {
		struct pkt *p = &pk[i];

		memcpy(p->buf, p->ct, p->len);
		memcpy(p->otag, p->tag, 16);
		if (mask >> i & 1) {
			uint32_t bit = (uint32_t)(rnd() % ((p->len + 16) * 8));

			if (bit < p->len * 8)
				p->buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			else
				p->otag[bit / 8 - p->len] ^= (uint8_t)(1u << (bit % 8));
		} else {
			want++;
		}
		set_op(&ops[i], p, p->buf, p->out, p->otag);
	}
	CHECK(ws_cb_process(e, WS_CB_DECRYPT, ops, n) == want);
	for (i = 0; i < n; i++) {
		CHECK(ops[i].status == ((mask >> i & 1) ? -1 : 0));
		if (!(mask >> i & 1))
			CHECK_MEM(pk[i].out, pk[i].pt, pk[i].len);
	}
}

static struct ws_cb_engine *all_engines(size_t i)
{
	return i == 0 ? ref : eng[i - 1];
}

/* Every length 0..1500 once, in bursts of 1, 7, 32 and 64 in turn, through every engine. */
static void test_all_lengths(void)
{
	static const unsigned int sizes[] = {1, 7, 32, 64};
	uint32_t len = 0;
	unsigned int round = 0;

	while (len <= MAXLEN) {
		unsigned int n = sizes[round % 4], i;

		for (i = 0; i < n && len <= MAXLEN; i++)
			make_pkt(&pk[i], len++);
		n = i;
		for (size_t v = 0; v <= NVAR; v++) {
			struct ws_cb_engine *e = all_engines(v);

			if (e == NULL)
				continue;
			check_burst(e, n, (int)(round + v) & 1);
			check_burst(e, n, (int)(round + v + 1) & 1);
			check_tamper(e, n, rnd() & ((n == 64 ? 0 : 1ULL << n) - 1));
		}
		round++;
	}
}

/* Bursts whose lengths are shuffled (short next to long) so multi-buffer lanes finish out of
 * order, and bursts longer than one library chunk. */
static void test_mixed_bursts(void)
{
	for (int iter = 0; iter < 200; iter++) {
		unsigned int n = 1 + (unsigned int)(rnd() % MAXBURST);

		for (unsigned int i = 0; i < n; i++) {
			uint32_t l = (uint32_t)(rnd() % 4 == 0 ? rnd() % 17 : rnd() % (MAXLEN + 1));
			make_pkt(&pk[i], l);
		}
		for (size_t v = 0; v <= NVAR; v++) {
			struct ws_cb_engine *e = all_engines(v);

			if (e == NULL)
				continue;
			check_burst(e, n, iter & 1);
			check_tamper(e, n, rnd() & ((n == 64 ? 0 : 1ULL << n) - 1));
		}
	}
}

/* A burst of 200 ops (more than IMB_MAX_BURST_SIZE) goes through in chunks. */
static void test_big_burst(void)
{
	enum { N = 200 };
	static struct {
		uint8_t key[32], pt[256], ct[256], tag[16], rt[256], etag[16];
		uint32_t len;
		uint64_t ctr;
	} b[N];
	struct ws_cb_op ops[N];
	uint8_t nonce[12];

	for (size_t v = 0; v <= NVAR; v++) {
		struct ws_cb_engine *e = all_engines(v);

		if (e == NULL)
			continue;
		for (int i = 0; i < N; i++) {
			rnd_fill(b[i].key, 32);
			b[i].len = (uint32_t)(rnd() % 257);
			b[i].ctr = rnd();
			rnd_fill(b[i].pt, b[i].len);
			ops[i] = (struct ws_cb_op){b[i].key, b[i].ctr, b[i].pt, b[i].ct,
						   b[i].len, b[i].tag, 42};
		}
		CHECK(ws_cb_process(e, WS_CB_ENCRYPT, ops, N) == N);
		for (int i = 0; i < N; i++) {
			wg_nonce(nonce, b[i].ctr);
			crypto_aead_chacha20poly1305_ietf_encrypt_detached(
				b[i].rt, b[i].etag, NULL, b[i].pt, b[i].len, NULL, 0, NULL, nonce,
				b[i].key);
			CHECK_MEM(b[i].ct, b[i].rt, b[i].len);
			CHECK_MEM(b[i].tag, b[i].etag, 16);
			ops[i] = (struct ws_cb_op){b[i].key, b[i].ctr, b[i].ct, b[i].rt,
						   b[i].len, b[i].tag, 42};
		}
		b[N - 1].tag[3] ^= 0x10;
		CHECK(ws_cb_process(e, WS_CB_DECRYPT, ops, N) == N - 1);
		for (int i = 0; i < N - 1; i++) {
			CHECK(ops[i].status == 0);
			CHECK_MEM(b[i].rt, b[i].pt, b[i].len);
		}
		CHECK(ops[N - 1].status == -1);
	}
}

/* Every single bit of ciphertext and tag, for a few short lengths around block edges. */
static void test_every_bit(void)
{
	static const uint32_t lens[] = {0, 1, 15, 16, 17, 63, 64, 65};
	struct ws_cb_op ops[MAXBURST];

	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		struct pkt *p0 = &pk[0];
		uint32_t nbits;

		make_pkt(p0, lens[li]);
		nbits = (p0->len + 16) * 8;
		for (size_t v = 0; v <= NVAR; v++) {
			struct ws_cb_engine *e = all_engines(v);

			if (e == NULL)
				continue;
			for (uint32_t bit = 0; bit < nbits; bit += 31) {
				/* op 0 is clean, ops 1..31 each flip one bit */
				unsigned int n = 0;

				for (; n < 32; n++) {
					struct pkt *p = &pk[1 + n];
					uint32_t b = bit + n - 1;

					if (n > 0 && b >= nbits)
						break;
					memcpy(p->buf, p0->ct, p0->len);
					memcpy(p->otag, p0->tag, 16);
					if (n > 0) {
						if (b < p0->len * 8)
							p->buf[b / 8] ^= (uint8_t)(1u << (b % 8));
						else
							p->otag[b / 8 - p0->len] ^=
								(uint8_t)(1u << (b % 8));
					}
					set_op(&ops[n], p0, p->buf, p->buf, p->otag);
				}
				CHECK(ws_cb_process(e, WS_CB_DECRYPT, ops, n) == 1);
				CHECK(ops[0].status == 0);
				CHECK_MEM(pk[1].buf, p0->pt, p0->len);
				for (unsigned int i = 1; i < n; i++)
					CHECK(ops[i].status == -1);
			}
		}
	}
}

/*
 * The layout the dataplane uses: ciphertext and tag contiguous in one packet buffer, processed in
 * place, tag pointer right after the payload. Must equal libsodium's combined output.
 */
static void test_wire_layout(void)
{
	enum { N = 32 };
	static uint8_t key[N][32], pt[N][1424], pkt[N][1424 + 16], exp[N][1424 + 16];
	struct ws_cb_op ops[N];
	uint8_t nonce[12];
	unsigned long long el;

	for (size_t v = 0; v <= NVAR; v++) {
		struct ws_cb_engine *e = all_engines(v);

		if (e == NULL)
			continue;
		for (int i = 0; i < N; i++) {
			uint32_t len = (uint32_t)(rnd() % 90) * 16; /* WireGuard pads to 16 */
			uint64_t ctr = rnd();

			rnd_fill(key[i], 32);
			rnd_fill(pt[i], len);
			memcpy(pkt[i], pt[i], len);
			wg_nonce(nonce, ctr);
			crypto_aead_chacha20poly1305_ietf_encrypt(exp[i], &el, pt[i], len, NULL, 0,
								  NULL, nonce, key[i]);
			ops[i] = (struct ws_cb_op){key[i], ctr,		 pkt[i], pkt[i],
						   len,	   pkt[i] + len, 42};
		}
		CHECK(ws_cb_process(e, WS_CB_ENCRYPT, ops, N) == N);
		for (int i = 0; i < N; i++)
			CHECK_MEM(pkt[i], exp[i], ops[i].len + 16);
		CHECK(ws_cb_process(e, WS_CB_DECRYPT, ops, N) == N);
		for (int i = 0; i < N; i++) {
			CHECK(ops[i].status == 0);
			CHECK_MEM(pkt[i], pt[i], ops[i].len);
		}
	}
}

/*
 * Our own Poly1305 (the short-packet path) against RFC 8439 2.5.2 and libsodium: every length
 * 0..300 with keys and messages chosen to push h to and past p = 2^130 - 5 (all-ones bytes,
 * all-ones r and s), where a wrong final reduction or carry shows, plus random inputs.
 */
static void test_poly1305(void)
{
	static const uint8_t pat[] = {0x00, 0xff, 0x55, 0xaa};
	uint8_t key[32], msg[1024], t1[16], t2[16];
	size_t len;

	CHECK(ws_test_unhex(key, 32,
			    "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b") ==
	      32);
	ws_cb_poly1305(t1, (const uint8_t *)"Cryptographic Forum Research Group", 34, key);
	CHECK(ws_test_unhex(t2, 16, "a8061dc1305136c6c22b8baf0c0127a9") == 16);
	CHECK_MEM(t1, t2, 16);

	for (size_t kp = 0; kp < 5; kp++) {
		for (size_t mp = 0; mp < 5; mp++) {
			for (len = 0; len <= 300; len++) {
				if (kp < 4)
					memset(key, pat[kp], 32);
				else
					rnd_fill(key, 32);
				if (mp < 4)
					memset(msg, pat[mp], len);
				else
					rnd_fill(msg, len);
				ws_cb_poly1305(t1, msg, len, key);
				crypto_onetimeauth_poly1305(t2, msg, len, key);
				CHECK_MEM(t1, t2, 16);
			}
		}
	}
	/*
	 * h in [p, 2^130): random inputs reach it with probability ~2^-128, so build it. With r = 1
	 * three blocks sum to 3 * 2^128 + m1 + m2 + m3; m1 = 2^128 - 5 + j, m2 = m3 = 0 gives
	 * h = p + j, so the tag must be s + j (mod 2^128).
	 */
	for (int j = 0; j < 5; j++) {
		memset(key, 0, 16);
		key[0] = 1;
		rnd_fill(key + 16, 16);
		memset(msg, 0, 48);
		memset(msg, 0xff, 16);
		msg[0] = (uint8_t)(0xfb + j);
		ws_cb_poly1305(t1, msg, 48, key);
		crypto_onetimeauth_poly1305(t2, msg, 48, key);
		CHECK_MEM(t1, t2, 16);
		memcpy(t2, key + 16, 16);
		for (int k = 0, c = j; k < 16; k++) {
			c += t2[k];
			t2[k] = (uint8_t)c;
			c >>= 8;
		}
		CHECK_MEM(t1, t2, 16);
	}

	for (int i = 0; i < 100000; i++) {
		len = (size_t)(rnd() % 97);
		rnd_fill(key, 32);
		/* mostly-ones bytes keep h close to p */
		for (size_t j = 0; j < len; j++)
			msg[j] = (rnd() & 3) ? 0xff : (uint8_t)rnd();
		if (rnd() & 1)
			memset(key, 0xff, 16); /* r at its clamped maximum */
		ws_cb_poly1305(t1, msg, len, key);
		crypto_onetimeauth_poly1305(t2, msg, len, key);
		CHECK_MEM(t1, t2, 16);
	}
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_rfc8439_vector), WS_TEST(test_engine_names), WS_TEST(test_all_lengths),
		WS_TEST(test_mixed_bursts),   WS_TEST(test_big_burst),	  WS_TEST(test_every_bit),
		WS_TEST(test_wire_layout),    WS_TEST(test_poly1305),
	};
	const char *s = getenv("WS_TEST_SEED");
	int rc;

	if (sodium_init() < 0)
		return 1;
	rng_state = s ? strtoull(s, NULL, 0)
		      : (uint64_t)randombytes_random() << 32 | randombytes_random();
	printf("seed 0x%016" PRIx64 " (WS_TEST_SEED to reproduce)\n", rng_state);
	ref = ws_cb_engine_create("ref");
	for (size_t v = 0; v < NVAR; v++)
		eng[v] = ws_cb_engine_create(variants[v]);
	rc = ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
	for (size_t v = 0; v < NVAR; v++)
		ws_cb_engine_destroy(eng[v]);
	ws_cb_engine_destroy(ref);
	return rc;
}
