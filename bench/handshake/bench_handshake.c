/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-bench-handshake: Noise IKpsk2 handshake rates per thread, stage by stage, beside the raw
 * X25519 rate of the same run and the bound it implies. Stages:
 *   create-initiation       ws_noise_create_initiation + mac1 (ws_cookie_add_macs)
 *   consume-init+response   mac1 check + ws_noise_consume_initiation + create_response + mac1
 *   consume-response+derive mac1 check + ws_noise_consume_response + ws_noise_derive_keypair
 *   full-handshake          all of the above plus the responder's derive, both sides on one thread
 * X25519 cost model: an initiation costs 1 variable-base DH (es) + 1 fixed-base (ephemeral public
 * key); consuming it 1 (es); the response 1 fixed-base + 2 (ee, se); consuming the response 2
 * (ee, se); ss is precomputed per peer. A full handshake is thus 6 variable + 2 fixed-base
 * operations, and 4 DH per side + 2 key generations = 10 if ss is counted as WireGuard's whitepaper
 * does without precomputation. The ratio column is stage rate / (x25519 rate / ops in the model).
 * Times: clock_gettime(CLOCK_MONOTONIC); cycles: TSC ticks (rdtsc, fixed rate, not core clocks).
 * Each cell is the best of 5 reps of --seconds (default 0.5) each, reps interleaved across cells.
 *   ws-bench-handshake [--smoke] [--json FILE] [--seconds S] [--threads N]
 */
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#include "cookie.h"
#include "crypto.h"
#include "messages.h"
#include "noise.h"
#include "transport.h"

#define SEC 1000000000ULL
#define MAX_THREADS 256

enum bench_id {
	B_X25519,
	B_X25519_BASE,
	B_CREATE_INIT,
	B_CONSUME_INIT,
	B_CONSUME_RESP,
	B_FULL,
	B_COUNT,
};

static const struct {
	const char *name;
	double var_dh, base_dh; /* X25519 operations per op in the cost model */
	double brief_dh;	/* the "4 DH per side + key generation" count */
} bench_info[B_COUNT] = {
	[B_X25519] = { "x25519 (variable base)", 1, 0, 1 },
	[B_X25519_BASE] = { "x25519 public (fixed base)", 0, 1, 1 },
	[B_CREATE_INIT] = { "create-initiation", 1, 1, 3 },
	[B_CONSUME_INIT] = { "consume-init+response", 3, 1, 5 },
	[B_CONSUME_RESP] = { "consume-response+derive", 2, 0, 2 },
	[B_FULL] = { "full-handshake", 6, 2, 10 },
};

struct cell {
	double ops_per_sec; /* best rep */
	double ns_per_op;
	double cycles_per_op;
};

struct thread_ctx {
	int id;
	struct cell cells[B_COUNT];
	pthread_t thread;
};

static double opt_seconds = 0.5;
static int opt_reps = 5;
static int opt_threads = 1;
static bool opt_smoke;
static const char *opt_json;
static pthread_barrier_t barrier;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t tsc(void)
{
#if HAVE_TSC
	return __rdtsc();
#else
	return 0;
#endif
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "ws-bench-handshake: %s failed (%d: %s)\n", what, rc,
		rc < 0 ? ws_noise_strerror(rc) : "");
	exit(1);
}

/* Two peers that know each other, with their cookie makers and checkers. */
struct peers {
	uint8_t a_priv[32], b_priv[32], psk[32];
	struct ws_noise_local a, b;
	struct ws_noise_handshake a_hs, b_hs;
	struct ws_cookie_maker a_cm, b_cm;	/* a's maker targets b, and vice versa */
	struct ws_cookie_checker a_cc, b_cc;
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	size_t srclen;
	uint64_t wall, mono;
};

static struct ws_noise_handshake *lookup(void *ctx, const uint8_t remote_static[WS_KEY_LEN])
{
	struct peers *p = ctx;
	return memcmp(remote_static, p->b_hs.remote_static, WS_KEY_LEN) == 0 ? &p->b_hs : NULL;
}

static void peers_init(struct peers *p)
{
	static const uint8_t addr[4] = { 192, 0, 2, 1 };

	memset(p, 0, sizeof(*p));
	ws_x25519_generate(p->a_priv);
	ws_x25519_generate(p->b_priv);
	ws_random_bytes(p->psk, sizeof(p->psk));
	ws_noise_local_init(&p->a, p->a_priv);
	ws_noise_local_init(&p->b, p->b_priv);
	ws_noise_handshake_init(&p->a_hs, &p->a, p->b.public_key, p->psk);
	ws_noise_handshake_init(&p->b_hs, &p->b, p->a.public_key, p->psk);
	ws_cookie_maker_init(&p->a_cm, p->b.public_key);
	ws_cookie_maker_init(&p->b_cm, p->a.public_key);
	ws_cookie_checker_init(&p->a_cc, p->a.public_key);
	ws_cookie_checker_init(&p->b_cc, p->b.public_key);
	p->srclen = ws_cookie_source(p->src, addr, 4, 51820);
	/* Each initiation needs a newer timestamp and, at the responder, 1 s / 50 since the last. */
	p->wall = 1700000000ULL * SEC;
	p->mono = 1000ULL * SEC;
}

static void step_create(struct peers *p, struct ws_msg_initiation *m1)
{
	int rc;
	p->wall += SEC;
	rc = ws_noise_create_initiation(&p->a_hs, &p->a, m1, 1, p->wall);
	if (rc)
		die("create_initiation", rc);
	ws_cookie_add_macs(&p->a_cm, m1, sizeof(*m1), p->mono);
}

static void step_consume_init(struct peers *p, const struct ws_msg_initiation *m1,
			      struct ws_msg_response *m2)
{
	struct ws_noise_handshake *hs = NULL;
	int rc;

	p->mono += SEC;
	if (ws_cookie_validate(&p->b_cc, m1, sizeof(*m1), p->src, p->srclen, false, p->mono) !=
	    WS_COOKIE_MAC1_VALID)
		die("mac1 of initiation", 0);
	rc = ws_noise_consume_initiation(&p->b, m1, lookup, p, p->mono, &hs);
	if (rc)
		die("consume_initiation", rc);
	rc = ws_noise_create_response(hs, m2, 2);
	if (rc)
		die("create_response", rc);
	ws_cookie_add_macs(&p->b_cm, m2, sizeof(*m2), p->mono);
}

static void step_consume_resp(struct peers *p, const struct ws_msg_response *m2,
			      struct ws_keypair *kp)
{
	int rc;

	if (ws_cookie_validate(&p->a_cc, m2, sizeof(*m2), p->src, p->srclen, false, p->mono) !=
	    WS_COOKIE_MAC1_VALID)
		die("mac1 of response", 0);
	rc = ws_noise_consume_response(&p->a_hs, &p->a, m2);
	if (rc)
		die("consume_response", rc);
	rc = ws_noise_derive_keypair(&p->a_hs, kp, p->mono);
	if (rc)
		die("derive_keypair (initiator)", rc);
}

/* Benchmark state prepared outside the timed loop. */
struct prep {
	struct peers p;
	struct ws_msg_initiation m1;
	struct ws_msg_response m2;
	struct ws_noise_handshake a_snap, b_snap;
	uint8_t x_priv[32], x_pub[32], x_out[32];
	uint64_t sink;
};

static void prepare(struct prep *s, enum bench_id id)
{
	peers_init(&s->p);
	ws_x25519_generate(s->x_priv);
	ws_x25519_generate(s->x_out);
	ws_x25519_public(s->x_pub, s->x_out);
	switch (id) {
	case B_CONSUME_INIT:
		/* One initiation; the responder's handshake is restored before each consume so the
		 * replay and flood checks see a fresh peer every time (a 300-byte copy). */
		step_create(&s->p, &s->m1);
		s->b_snap = s->p.b_hs;
		break;
	case B_CONSUME_RESP:
		/* One initiation/response pair; the initiator's CREATED_INITIATION state (with the
		 * ephemeral the response answers) is restored before each consume. */
		step_create(&s->p, &s->m1);
		s->a_snap = s->p.a_hs;
		step_consume_init(&s->p, &s->m1, &s->m2);
		break;
	default:
		break;
	}
}

static void run_one(struct prep *s, enum bench_id id)
{
	struct ws_keypair kp, kp2;
	int rc;

	switch (id) {
	case B_X25519:
		/* Chained so the compiler cannot hoist it: the output feeds the next input key. */
		if (ws_x25519(s->x_out, s->x_priv, s->x_pub) != 0)
			die("x25519", -1);
		s->x_priv[0] ^= s->x_out[0] & 0xf8;
		break;
	case B_X25519_BASE:
		ws_x25519_public(s->x_pub, s->x_priv);
		s->x_priv[1] ^= s->x_pub[1];
		break;
	case B_CREATE_INIT:
		step_create(&s->p, &s->m1);
		s->sink += s->m1.macs.mac1[0];
		break;
	case B_CONSUME_INIT:
		s->p.b_hs = s->b_snap;
		step_consume_init(&s->p, &s->m1, &s->m2);
		s->sink += s->m2.macs.mac1[0];
		break;
	case B_CONSUME_RESP:
		s->p.a_hs = s->a_snap;
		step_consume_resp(&s->p, &s->m2, &kp);
		s->sink += kp.send_key[0];
		ws_keypair_destroy(&kp);
		break;
	case B_FULL:
		step_create(&s->p, &s->m1);
		step_consume_init(&s->p, &s->m1, &s->m2);
		step_consume_resp(&s->p, &s->m2, &kp);
		rc = ws_noise_derive_keypair(&s->p.b_hs, &kp2, s->p.mono);
		if (rc)
			die("derive_keypair (responder)", rc);
		if (memcmp(kp.send_key, kp2.recv_key, WS_KEY_LEN) != 0)
			die("keypairs do not mirror", 0);
		s->sink += kp.send_key[0];
		ws_keypair_destroy(&kp);
		ws_keypair_destroy(&kp2);
		break;
	default:
		break;
	}
}

/* One timed rep of a cell: runs for opt_seconds, keeps the best rate seen so far. */
static void measure_rep(struct prep *s, enum bench_id id, struct cell *best)
{
	uint64_t n = 0, t0 = now_ns(), c0 = tsc(), t1, c1;
	uint64_t budget = (uint64_t)(opt_seconds * (double)SEC);

	do {
		for (int i = 0; i < 8; i++)
			run_one(s, id);
		n += 8;
		t1 = now_ns();
	} while (t1 - t0 < budget);
	c1 = tsc();
	double rate = (double)n * (double)SEC / (double)(t1 - t0);
	if (rate > best->ops_per_sec) {
		best->ops_per_sec = rate;
		best->ns_per_op = (double)(t1 - t0) / (double)n;
		best->cycles_per_op = HAVE_TSC ? (double)(c1 - c0) / (double)n : 0;
	}
}

/*
 * Reps are interleaved across cells (rep 1 of every cell, then rep 2 of every cell...) so a
 * noisy neighbour or a frequency change hits the X25519 cells and the handshake cells alike and
 * the ratios stay meaningful.
 */
static void *thread_main(void *arg)
{
	struct thread_ctx *t = arg;
	struct prep *preps = calloc(B_COUNT, sizeof(*preps));

	for (int id = 0; id < B_COUNT; id++) {
		prepare(&preps[id], (enum bench_id)id);
		/* Warm up (and check every step) before timing. */
		for (int i = 0; i < 4; i++)
			run_one(&preps[id], (enum bench_id)id);
		t->cells[id] = (struct cell){ 0, 0, 0 };
	}
	for (int rep = 0; rep < opt_reps; rep++) {
		for (int id = 0; id < B_COUNT; id++) {
			pthread_barrier_wait(&barrier);
			measure_rep(&preps[id], (enum bench_id)id, &t->cells[id]);
		}
	}
	uint64_t sink = 0;
	for (int id = 0; id < B_COUNT; id++)
		sink += preps[id].sink;
	if (sink == 0xdeadbeefcafef00dULL)
		fputc(' ', stderr);
	free(preps);
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ws-bench-handshake [--smoke] [--json FILE] [--seconds S] [--threads N]\n"
		   "  --smoke      a tiny run (a few ms per cell, one rep) that checks every step\n"
		   "  --json FILE  also write the results as JSON\n"
		   "  --seconds S  time per rep and cell (default 0.5; best of 5 reps)\n"
		   "  --threads N  run N threads at once, same work each; rates are per thread\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "smoke", no_argument, NULL, 's' },   { "json", required_argument, NULL, 'j' },
		{ "seconds", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "sj:t:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt_smoke = true;
			break;
		case 'j':
			opt_json = optarg;
			break;
		case 't':
			opt_seconds = atof(optarg);
			if (opt_seconds <= 0) {
				fprintf(stderr, "bad --seconds '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			opt_threads = atoi(optarg);
			if (opt_threads < 1 || opt_threads > MAX_THREADS) {
				fprintf(stderr, "bad --threads '%s' (1..%d)\n", optarg, MAX_THREADS);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (opt_smoke) {
		opt_seconds = 0.005;
		opt_reps = 1;
	}
	if (ws_crypto_init() != 0) {
		fprintf(stderr, "ws_crypto_init failed\n");
		return 1;
	}

	struct thread_ctx *threads = calloc((size_t)opt_threads, sizeof(*threads));
	pthread_barrier_init(&barrier, NULL, (unsigned)opt_threads);
	for (int i = 0; i < opt_threads; i++) {
		threads[i].id = i;
		if (pthread_create(&threads[i].thread, NULL, thread_main, &threads[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	for (int i = 0; i < opt_threads; i++)
		pthread_join(threads[i].thread, NULL);

	/* Per-thread mean of each cell. */
	struct cell mean[B_COUNT];
	for (int id = 0; id < B_COUNT; id++) {
		mean[id] = (struct cell){ 0, 0, 0 };
		for (int i = 0; i < opt_threads; i++) {
			mean[id].ops_per_sec += threads[i].cells[id].ops_per_sec / opt_threads;
			mean[id].ns_per_op += threads[i].cells[id].ns_per_op / opt_threads;
			mean[id].cycles_per_op += threads[i].cells[id].cycles_per_op / opt_threads;
		}
	}
	double xv = mean[B_X25519].ops_per_sec, xb = mean[B_X25519_BASE].ops_per_sec;

	printf("ws-bench-handshake: %d thread(s), best of %d x %.3f s per cell%s; rates per thread\n",
	       opt_threads, opt_reps, opt_seconds, opt_smoke ? " (smoke)" : "");
	printf("%-28s %12s %10s %12s %6s %12s %7s %12s %7s\n", "operation", "ops/s", "ns/op",
	       "tsc/op", "DH", "bound/s", "ratio", "model/s", "ratio");
	printf("%-28s %12s %10s %12s %6s %12s %7s %12s %7s\n", "", "", "", "", "count",
	       "x/count", "", "var+base", "");
	double bound[B_COUNT], model[B_COUNT];
	for (int id = 0; id < B_COUNT; id++) {
		/* "bound": x25519 rate divided by the plain DH count; "model": measured variable- and
		 * fixed-base costs weighted by the operations the stage really does. */
		bound[id] = xv / bench_info[id].brief_dh;
		double cost = bench_info[id].var_dh / xv + bench_info[id].base_dh / xb;
		model[id] = cost > 0 ? 1.0 / cost : 0;
		printf("%-28s %12.0f %10.0f %12.0f %6.0f %12.0f %7.3f %12.0f %7.3f\n",
		       bench_info[id].name, mean[id].ops_per_sec, mean[id].ns_per_op,
		       mean[id].cycles_per_op, bench_info[id].brief_dh, bound[id],
		       mean[id].ops_per_sec / bound[id], model[id],
		       model[id] > 0 ? mean[id].ops_per_sec / model[id] : 0);
	}
	if (opt_threads > 1)
		printf("aggregate full handshakes/s over %d threads: %.0f\n", opt_threads,
		       mean[B_FULL].ops_per_sec * opt_threads);
	printf("DH count: X25519 operations per op (full handshake: 4 DH per side + 2 key "
	       "generations = 10);\nmodel: 6 variable-base + 2 fixed-base, ss precomputed per peer "
	       "(create 1+1, consume-init+resp 3+1, consume-resp 2+0).\n");

	if (opt_json) {
		FILE *f = fopen(opt_json, "w");
		if (!f) {
			perror(opt_json);
			return 1;
		}
		fprintf(f, "{\n  \"bench\": \"handshake\",\n  \"threads\": %d,\n  \"reps\": %d,\n"
			   "  \"seconds_per_rep\": %.6f,\n  \"smoke\": %s,\n  \"tsc\": %s,\n"
			   "  \"results\": [\n",
			opt_threads, opt_reps, opt_seconds, opt_smoke ? "true" : "false",
			HAVE_TSC ? "true" : "false");
		for (int id = 0; id < B_COUNT; id++) {
			fprintf(f,
				"    {\"name\": \"%s\", \"ops_per_sec_per_thread\": %.1f, "
				"\"ns_per_op\": %.1f, \"tsc_per_op\": %.1f, \"dh_count\": %.0f, "
				"\"bound_ops_per_sec\": %.1f, \"ratio\": %.4f, "
				"\"model_ops_per_sec\": %.1f, \"model_ratio\": %.4f, \"per_thread\": [",
				bench_info[id].name, mean[id].ops_per_sec, mean[id].ns_per_op,
				mean[id].cycles_per_op, bench_info[id].brief_dh, bound[id],
				mean[id].ops_per_sec / bound[id], model[id],
				model[id] > 0 ? mean[id].ops_per_sec / model[id] : 0);
			for (int i = 0; i < opt_threads; i++)
				fprintf(f, "%s%.1f", i ? ", " : "", threads[i].cells[id].ops_per_sec);
			fprintf(f, "]}%s\n", id + 1 < B_COUNT ? "," : "");
		}
		fprintf(f, "  ]\n}\n");
		fclose(f);
	}
	pthread_barrier_destroy(&barrier);
	free(threads);
	return 0;
}
