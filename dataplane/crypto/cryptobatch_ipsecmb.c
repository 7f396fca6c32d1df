/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * intel-ipsec-mb backend: each op becomes one IMB_CIPHER_CHACHA20_POLY1305 AEAD job on the
 * engine's own IMB_MGR (SSE/AVX/AVX2/AVX-512 code chosen at creation). A burst is submitted in
 * chunks and flushed, so nothing stays queued in the manager between calls.
 *
 * Two submission paths: the burst API (IMB_GET_NEXT_BURST / IMB_SUBMIT_BURST_NOCHECK /
 * IMB_FLUSH_BURST, new in 1.3) and the classic job API. The burst API is the default (a few
 * percent faster in ws-bench-crypto); the job API stays selectable to compare on other CPUs.
 *
 * Short packets: on AVX2 CPUs 1.3's ChaCha20-Poly1305 is single-buffer with a high fixed cost
 * per op, so when the best arch is AVX2 the engine sends ops of at most WS_CB_MB8_MAX bytes to
 * our own 8-lane path (cryptobatch_mb8.c), 1.3-2.7x faster there. "-nomb8" keeps the older
 * split instead: the library's SSE code, which beats its AVX2 code up to ~200 bytes (the AVX2
 * kernel pays for wide keystream setup a short packet never uses), through a second manager.
 * Forcing an arch disables both splits. On AVX-512 CPUs the library's own multi-buffer code is
 * used for everything (not measured here: no AVX-512 on the dev box).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <sodium.h>

#include "cryptobatch_priv.h"

/* The library takes at most IMB_MAX_BURST_SIZE jobs per burst call; we chunk larger bursts. */
#define CHUNK IMB_MAX_BURST_SIZE
/* Measured crossover (ws-bench-crypto --sizes): SSE wins at 192 bytes, AVX2 at 224. */
#define SMALL_MAX 192

struct mb_engine {
	struct ws_cb_engine base;
	IMB_MGR *mgr;
	IMB_MGR *small_mgr; /* SSE manager for ops of at most SMALL_MAX bytes, or NULL */
	int use_burst;
	int use_mb8; /* short ops go to our 8-lane AVX2 path (cryptobatch_mb8.c) */
	/*
	 * Per-job scratch, indexed by position in the chunk. The nonce must stay valid until the
	 * job completes, and on decrypt the library writes the tag it computed here so we can
	 * compare it with the received one (the library itself does not verify).
	 */
	uint8_t iv[CHUNK][16] __attribute__((aligned(16)));
	uint8_t tag[CHUNK][WS_CB_TAG_LEN] __attribute__((aligned(16)));
	IMB_JOB *jobs[CHUNK];
	/* Positions in the chunk of the short and the long ops when the burst is split. */
	uint8_t idx_small[CHUNK];
	uint8_t idx_big[CHUNK];
	struct ws_cb_mb8_scratch mb8 __attribute__((aligned(64)));
};

/*
 * Fills every field the ChaCha20-Poly1305 path reads: the jobs come from a ring the library
 * reuses, so stale values from an earlier job must not leak in. The nonce's zero prefix was
 * written once at creation; only the counter half changes.
 */
static inline void fill(struct mb_engine *m, IMB_JOB *job, struct ws_cb_op *op, unsigned int slot,
			enum ws_cb_dir dir)
{
	uint8_t *iv = m->iv[slot];
	uint64_t ctr = op->counter;

	for (int i = 0; i < 8; i++)
		iv[4 + i] = (uint8_t)(ctr >> (8 * i));
	job->enc_keys = op->key;
	job->dec_keys = op->key;
	job->key_len_in_bytes = IMB_KEY_256_BYTES;
	job->src = op->src;
	job->dst = op->dst;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = op->len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->len;
	job->iv = iv;
	job->iv_len_in_bytes = WS_CB_NONCE_LEN;
	job->auth_tag_output_len_in_bytes = WS_CB_TAG_LEN;
	job->u.CHACHA20_POLY1305.aad = NULL;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = 0;
	job->u.CHACHA20_POLY1305.ctx = NULL;
	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	if (dir == WS_CB_ENCRYPT) {
		job->auth_tag_output = op->tag;
		job->cipher_direction = IMB_DIR_ENCRYPT;
		job->chain_order = IMB_ORDER_CIPHER_HASH;
	} else {
		job->auth_tag_output = m->tag[slot];
		job->cipher_direction = IMB_DIR_DECRYPT;
		job->chain_order = IMB_ORDER_HASH_CIPHER;
	}
	job->user_data = op;
}

/* Jobs may come back in any order (multi-buffer lanes finish when they finish): user_data says
 * which op a job was. */
static inline unsigned int complete(const IMB_JOB *job, enum ws_cb_dir dir)
{
	struct ws_cb_op *op = job->user_data;
	int ok = job->status == IMB_STATUS_COMPLETED;

	if (dir == WS_CB_DECRYPT)
		ok &= ws_cb_tag_eq(job->auth_tag_output, op->tag);
	op->status = ok ? 0 : -1;
	return (unsigned int)ok;
}

/* Runs ops[idx[0..n)] (or ops[0..n) when idx is NULL) on mgr; the op's position is its slot. */
static unsigned int run_burst(struct mb_engine *m, IMB_MGR *mgr, enum ws_cb_dir dir,
			      struct ws_cb_op *ops, const uint8_t *idx, unsigned int n)
{
	IMB_JOB **jobs = m->jobs;
	unsigned int ok = 0, got, done;

	/* The queue is empty between calls (we always flush), so all n slots are available. */
	got = IMB_GET_NEXT_BURST(mgr, n, jobs);
	if (got < n) {
		for (unsigned int i = 0; i < n; i++)
			ops[idx ? idx[i] : i].status = -1;
		return 0;
	}
	for (unsigned int i = 0; i < n; i++) {
		unsigned int k = idx ? idx[i] : i;

		fill(m, jobs[i], &ops[k], k, dir);
	}
	done = IMB_SUBMIT_BURST_NOCHECK(mgr, n, jobs);
	for (unsigned int i = 0; i < done; i++)
		ok += complete(jobs[i], dir);
	if (done < n) {
		unsigned int f = IMB_FLUSH_BURST(mgr, n - done, jobs);

		for (unsigned int i = 0; i < f; i++)
			ok += complete(jobs[i], dir);
	}
	return ok;
}

static unsigned int run_jobs(struct mb_engine *m, IMB_MGR *mgr, enum ws_cb_dir dir,
			     struct ws_cb_op *ops, const uint8_t *idx, unsigned int n)
{
	IMB_JOB *job;
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int k = idx ? idx[i] : i;

		job = IMB_GET_NEXT_JOB(mgr);
		fill(m, job, &ops[k], k, dir);
		job = IMB_SUBMIT_JOB_NOCHECK(mgr);
		while (job != NULL) {
			ok += complete(job, dir);
			job = IMB_GET_COMPLETED_JOB(mgr);
		}
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		ok += complete(job, dir);
	return ok;
}

static inline unsigned int run(struct mb_engine *m, IMB_MGR *mgr, enum ws_cb_dir dir,
			       struct ws_cb_op *ops, const uint8_t *idx, unsigned int n)
{
	return m->use_burst ? run_burst(m, mgr, dir, ops, idx, n)
			    : run_jobs(m, mgr, dir, ops, idx, n);
}

/* Short ops of a chunk go to the 8-lane path in groups of 8, the rest to the library. */
static unsigned int run_mb8(struct mb_engine *m, enum ws_cb_dir dir, struct ws_cb_op *ops,
			    unsigned int n)
{
	struct ws_cb_op *g[8];
	unsigned int ok = 0, ng = 0, nb = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (ops[i].len <= WS_CB_MB8_MAX) {
			g[ng++] = &ops[i];
			if (ng == 8) {
				ok += ws_cb_mb8_process(&m->mb8, dir, g, 8);
				ng = 0;
			}
		} else {
			m->idx_big[nb++] = (uint8_t)i;
		}
	}
	if (ng)
		ok += ws_cb_mb8_process(&m->mb8, dir, g, ng);
	if (nb)
		ok += run(m, m->mgr, dir, ops, nb == n ? NULL : m->idx_big, nb);
	return ok;
}

/* Sends the short ops of a chunk to the SSE manager and the rest to the wide one. */
static unsigned int run_split(struct mb_engine *m, enum ws_cb_dir dir, struct ws_cb_op *ops,
			      unsigned int n)
{
	unsigned int ns = 0, nb = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (ops[i].len <= SMALL_MAX)
			m->idx_small[ns++] = (uint8_t)i;
		else
			m->idx_big[nb++] = (uint8_t)i;
	}
	if (nb == 0)
		return run(m, m->small_mgr, dir, ops, NULL, n);
	if (ns == 0)
		return run(m, m->mgr, dir, ops, NULL, n);
	return run(m, m->small_mgr, dir, ops, m->idx_small, ns) +
	       run(m, m->mgr, dir, ops, m->idx_big, nb);
}

static unsigned int mb_process(struct ws_cb_engine *e, enum ws_cb_dir dir, struct ws_cb_op *ops,
			       unsigned int n)
{
	struct mb_engine *m = (struct mb_engine *)e;
	unsigned int ok = 0;

	while (n > 0) {
		unsigned int c = n < CHUNK ? n : CHUNK;

		if (m->use_mb8)
			ok += run_mb8(m, dir, ops, c);
		else if (m->small_mgr)
			ok += run_split(m, dir, ops, c);
		else
			ok += run(m, m->mgr, dir, ops, NULL, c);
		ops += c;
		n -= c;
	}
	return ok;
}

static void mb_destroy(struct ws_cb_engine *e)
{
	struct mb_engine *m = (struct mb_engine *)e;

	free_mb_mgr(m->mgr);
	if (m->small_mgr)
		free_mb_mgr(m->small_mgr);
	/* The scratch tags are keystream-derived authenticators of past packets: wipe them. */
	sodium_memzero(m, sizeof(*m));
	free(m);
}

static const char *arch_name(IMB_ARCH arch)
{
	switch (arch) {
	case IMB_ARCH_NOAESNI:
		return "noaesni";
	case IMB_ARCH_SSE:
		return "sse";
	case IMB_ARCH_AVX:
		return "avx";
	case IMB_ARCH_AVX2:
		return "avx2";
	case IMB_ARCH_AVX512:
		return "avx512";
	default:
		return "unknown";
	}
}

struct ws_cb_engine *ws_cb_ipsecmb_create(const char *opts)
{
	IMB_ARCH arch = IMB_ARCH_NONE;
	int api = 0; /* 0: default, 1: burst, 2: job */
	int auto_arch, nomb8 = 0;
	const char *api_name, *split_name;
	struct mb_engine *m;
	const char *p = opts;

	/* Parse "-tok-tok..." before allocating anything. */
	while (*p) {
		size_t len;

		if (*p != '-')
			return NULL;
		p++;
		len = strcspn(p, "-");
#define IS(s) (len == sizeof(s) - 1 && strncmp(p, s, len) == 0)
		if (IS("job"))
			api = 2;
		else if (IS("burst"))
			api = 1;
		else if (IS("nomb8"))
			nomb8 = 1;
		else if (IS("sse"))
			arch = IMB_ARCH_SSE;
		else if (IS("avx"))
			arch = IMB_ARCH_AVX;
		else if (IS("avx2"))
			arch = IMB_ARCH_AVX2;
		else if (IS("avx512"))
			arch = IMB_ARCH_AVX512;
		else
			return NULL;
#undef IS
		p += len;
	}

	m = aligned_alloc(64, (sizeof(*m) + 63) & ~(size_t)63);
	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof(*m)); /* also the nonces' constant zero prefix */
	auto_arch = arch == IMB_ARCH_NONE;
	m->mgr = alloc_mb_mgr(0);
	if (m->mgr == NULL)
		goto fail;
	/*
	 * 1.3's init_mb_mgr_avx512() jumps through a NULL pointer on a CPU without AVX-512 instead
	 * of failing, so check the features alloc_mb_mgr() detected before forcing an arch.
	 */
	if (arch != IMB_ARCH_NONE) {
		static const uint64_t need[IMB_ARCH_NUM] = {
			[IMB_ARCH_SSE] = IMB_CPUFLAGS_SSE,
			[IMB_ARCH_AVX] = IMB_CPUFLAGS_AVX,
			[IMB_ARCH_AVX2] = IMB_CPUFLAGS_AVX2,
			[IMB_ARCH_AVX512] = IMB_CPUFLAGS_AVX512,
		};

		if ((m->mgr->features & need[arch]) != need[arch])
			goto fail;
	}
	switch (arch) {
	case IMB_ARCH_SSE:
		init_mb_mgr_sse(m->mgr);
		break;
	case IMB_ARCH_AVX:
		init_mb_mgr_avx(m->mgr);
		break;
	case IMB_ARCH_AVX2:
		init_mb_mgr_avx2(m->mgr);
		break;
	case IMB_ARCH_AVX512:
		init_mb_mgr_avx512(m->mgr);
		break;
	default:
		init_mb_mgr_auto(m->mgr, &arch);
		break;
	}
	/* Belt and braces: init_mb_mgr_<arch>() may also report missing CPU flags this way. */
	if (imb_get_errno(m->mgr) != 0 || arch == IMB_ARCH_NONE || arch == IMB_ARCH_NOAESNI)
		goto fail;

	if (auto_arch && arch == IMB_ARCH_AVX2 && !nomb8 && ws_cb_mb8_supported()) {
		m->use_mb8 = 1;
	} else if (auto_arch && arch == IMB_ARCH_AVX2 &&
		   (m->mgr->features & IMB_CPUFLAGS_SSE) == IMB_CPUFLAGS_SSE) {
		m->small_mgr = alloc_mb_mgr(0);
		if (m->small_mgr == NULL)
			goto fail;
		init_mb_mgr_sse(m->small_mgr);
		if (imb_get_errno(m->small_mgr) != 0)
			goto fail;
	}
	/*
	 * Default API: the burst API. It validates nothing per job (fill() sets every field) and
	 * makes one library call per chunk instead of two per op; ws-bench-crypto compares both.
	 */
	m->use_burst = api != 2;
	m->base.process = mb_process;
	m->base.destroy = mb_destroy;
	api_name = api == 2 ? "-job" : api == 1 ? "-burst" : "";
	split_name = m->use_mb8 ? "+mb8" : m->small_mgr ? "+sse" : "";
	snprintf(m->base.name, sizeof(m->base.name), "ipsecmb-%s%s%s", arch_name(arch), split_name,
		 api_name);
	return &m->base;
fail:
	if (m->small_mgr)
		free_mb_mgr(m->small_mgr);
	if (m->mgr)
		free_mb_mgr(m->mgr);
	free(m);
	return NULL;
}
