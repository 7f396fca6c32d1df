/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of protocol/replay.h, the RFC 6479 anti-replay window: in order, out of order,
 * duplicates, the window edge, large jumps, counter 0, WS_REJECT_AFTER_MESSAGES, and random
 * sequences checked against a trivially correct model (the set of accepted counters and their
 * maximum). The window semantics are the kernel's: with G the greatest accepted counter, a new
 * counter c is accepted iff c < REJECT_AFTER_MESSAGES and c + WS_REPLAY_WINDOW >= G.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "messages.h"
#include "replay.h"
#include "ws_test.h"

#define LIMIT ((uint64_t)WS_REJECT_AFTER_MESSAGES)
#define WINDOW ((uint64_t)WS_REPLAY_WINDOW)

static void test_constants(void)
{
	CHECK(WINDOW == 8128);
	CHECK(LIMIT == UINT64_MAX - 8192);
}

static void test_in_order_and_duplicates(void)
{
	struct ws_replay r;

	ws_replay_init(&r);
	for (uint64_t c = 0; c < 20000; c++) {
		CHECK(ws_replay_check(&r, c));
		CHECK(!ws_replay_check(&r, c));
		if (c > 0)
			CHECK(!ws_replay_check(&r, c - 1));
	}
}

static void test_counter_zero(void)
{
	struct ws_replay r;

	ws_replay_init(&r);
	CHECK(ws_replay_check(&r, 0));
	CHECK(!ws_replay_check(&r, 0));
	CHECK(ws_replay_check(&r, 1));
	CHECK(!ws_replay_check(&r, 0));

	/* 0 arriving late, after higher counters, is still new. */
	ws_replay_init(&r);
	CHECK(ws_replay_check(&r, 5));
	CHECK(ws_replay_check(&r, 0));
	CHECK(!ws_replay_check(&r, 0));
}

static void test_out_of_order_within_window(void)
{
	struct ws_replay r;

	ws_replay_init(&r);
	CHECK(ws_replay_check(&r, 4000));
	for (uint64_t c = 3999;; c--) {
		CHECK(ws_replay_check(&r, c));
		if (c == 0)
			break;
	}
	int dup_rejected = 1;
	for (uint64_t c = 0; c <= 4000; c++)
		if (ws_replay_check(&r, c))
			dup_rejected = 0;
	CHECK(dup_rejected);

	/* Interleaved: evens first, then odds. */
	ws_replay_init(&r);
	for (uint64_t c = 0; c < 8000; c += 2)
		CHECK(ws_replay_check(&r, c));
	for (uint64_t c = 1; c < 8000; c += 2)
		CHECK(ws_replay_check(&r, c));
	for (uint64_t c = 0; c < 8000; c += 97)
		CHECK(!ws_replay_check(&r, c));
}

static void test_window_edge(void)
{
	/* Greatest counters at and around 64-bit block and ring boundaries. */
	static const uint64_t tops[] = { 8128, 8129, 8191, 8192, 8193, 10000, 16383, 16384,
					 (1ULL << 20) + 63, (1ULL << 40) + 1 };
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		uint64_t g = tops[i];
		struct ws_replay r;

		ws_replay_init(&r);
		CHECK(ws_replay_check(&r, g));
		/* Exactly WS_REPLAY_WINDOW behind the greatest: the oldest still accepted. */
		CHECK(ws_replay_check(&r, g - WINDOW));
		CHECK(!ws_replay_check(&r, g - WINDOW));
		if (g > WINDOW) {
			/* One beyond the edge, and further: too old. */
			CHECK(!ws_replay_check(&r, g - WINDOW - 1));
			if (g > WINDOW + 1)
				CHECK(!ws_replay_check(&r, g - WINDOW - 2));
			CHECK(!ws_replay_check(&r, 0));
			CHECK(!ws_replay_check(&r, g - 8192));
		}
		/* Everything strictly inside is still new. */
		CHECK(ws_replay_check(&r, g - 1));
		CHECK(ws_replay_check(&r, g - WINDOW + 1));
		CHECK(ws_replay_check(&r, g - WINDOW / 2));
	}
}

static void test_large_jumps(void)
{
	struct ws_replay r;

	ws_replay_init(&r);
	for (uint64_t c = 0; c <= 100; c++)
		CHECK(ws_replay_check(&r, c));
	/* Forward by more than the whole window: accepted, and everything old is now too old. */
	uint64_t g = 100 + 3 * 8192 + 17;
	CHECK(ws_replay_check(&r, g));
	CHECK(!ws_replay_check(&r, 100));
	CHECK(!ws_replay_check(&r, 50));
	CHECK(!ws_replay_check(&r, 0));
	CHECK(!ws_replay_check(&r, g));
	/* The new window is empty below g: the old bits in reused ring slots were cleared. */
	CHECK(ws_replay_check(&r, g - 1));
	CHECK(ws_replay_check(&r, g - WINDOW));
	CHECK(!ws_replay_check(&r, g - WINDOW - 1));

	/* Exactly one ring (8192) ahead after filling a whole ring: every slot is reused. */
	ws_replay_init(&r);
	for (uint64_t c = 0; c < 8192; c++)
		CHECK(ws_replay_check(&r, c));
	CHECK(ws_replay_check(&r, 8192 + 8191));
	int fresh = 1;
	for (uint64_t c = 8192 + 8191 - WINDOW; c < 8192 + 8191; c++)
		if (!ws_replay_check(&r, c))
			fresh = 0;
	CHECK(fresh);

	/* Jumps of one block and of just under / over the window. */
	ws_replay_init(&r);
	CHECK(ws_replay_check(&r, 1000));
	CHECK(ws_replay_check(&r, 1000 + 64));
	CHECK(!ws_replay_check(&r, 1000));
	CHECK(ws_replay_check(&r, 1000 + 64 + WINDOW));
	/* 1064 is now exactly at the window edge and was already seen. */
	CHECK(!ws_replay_check(&r, 1000 + 64));
	CHECK(ws_replay_check(&r, 1000 + 65));
}

static void test_reject_after_messages(void)
{
	struct ws_replay r;

	ws_replay_init(&r);
	CHECK(ws_replay_check(&r, LIMIT - 1));
	CHECK(!ws_replay_check(&r, LIMIT - 1));
	CHECK(!ws_replay_check(&r, LIMIT));
	CHECK(!ws_replay_check(&r, LIMIT + 1));
	CHECK(!ws_replay_check(&r, UINT64_MAX));
	CHECK(ws_replay_check(&r, LIMIT - 2));
	CHECK(ws_replay_check(&r, LIMIT - 1 - WINDOW));
	CHECK(!ws_replay_check(&r, LIMIT - 2 - WINDOW));

	/* A rejected over-limit counter must not move the window. */
	ws_replay_init(&r);
	CHECK(ws_replay_check(&r, 10));
	CHECK(!ws_replay_check(&r, UINT64_MAX));
	CHECK(!ws_replay_check(&r, LIMIT));
	CHECK(ws_replay_check(&r, 9));
	CHECK(ws_replay_check(&r, 0));
	CHECK(ws_replay_check(&r, 11));

	ws_replay_init(&r);
	CHECK(!ws_replay_check(&r, LIMIT));
	CHECK(ws_replay_check(&r, 0));
}

/* ---- Model ---- */

struct seen_set {
	uint64_t *keys;
	uint8_t *used;
	size_t cap; /* power of two */
};

static void set_init(struct seen_set *s, size_t cap)
{
	s->cap = cap;
	s->keys = calloc(cap, sizeof(*s->keys));
	s->used = calloc(cap, 1);
}

static void set_free(struct seen_set *s)
{
	free(s->keys);
	free(s->used);
}

static size_t set_slot(const struct seen_set *s, uint64_t k)
{
	uint64_t h = k * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(h >> 20) & (s->cap - 1);
	while (s->used[i] && s->keys[i] != k)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static bool set_has(const struct seen_set *s, uint64_t k)
{
	return s->used[set_slot(s, k)];
}

static void set_add(struct seen_set *s, uint64_t k)
{
	size_t i = set_slot(s, k);
	s->used[i] = 1;
	s->keys[i] = k;
}

struct model {
	struct seen_set seen;
	bool any;
	uint64_t max;
};

static bool model_check(struct model *m, uint64_t c)
{
	if (c >= LIMIT)
		return false;
	if (m->any && c < m->max && m->max - c > WINDOW)
		return false;
	if (set_has(&m->seen, c))
		return false;
	set_add(&m->seen, c);
	if (!m->any || c > m->max)
		m->max = c;
	m->any = true;
	return true;
}

static uint64_t rnd64(void)
{
	uint64_t v;
	ws_random_bytes(&v, sizeof(v));
	return v;
}

static void test_random_against_model(void)
{
	enum { SEQUENCES = 300, STEPS = 4000 };
	int mismatches = 0;

	for (int seq = 0; seq < SEQUENCES && mismatches < 5; seq++) {
		struct ws_replay r;
		struct model m = { .any = false, .max = 0 };
		uint64_t accepted[64] = { 0 };
		unsigned n_acc = 0;
		/* Start near 0, at a random 64-bit value, or near the message limit. */
		uint64_t base = seq % 3 == 0 ? 0 : seq % 3 == 1 ? rnd64() >> 2 : LIMIT - 20000;

		ws_replay_init(&r);
		set_init(&m.seen, 1 << 14);
		for (int step = 0; step < STEPS; step++) {
			uint64_t top = m.any ? m.max : base, c;
			uint32_t op = ws_random_uniform(100);

			if (op < 35)
				c = top + 1 + ws_random_uniform(3);
			else if (op < 60)
				c = top - ws_random_uniform(WINDOW + 200);
			else if (op < 70)
				c = top - WINDOW + ws_random_uniform(3) - 1;
			else if (op < 80)
				c = top + ws_random_uniform(3 * 8192);
			else if (op < 90 && n_acc)
				c = accepted[ws_random_uniform(n_acc < 64 ? n_acc : 64)];
			else if (op < 93)
				c = top + (uint64_t)ws_random_uniform(1u << 30) * 8192;
			else if (op < 96)
				c = LIMIT - 2 + ws_random_uniform(4);
			else
				c = rnd64();

			bool want = model_check(&m, c);
			bool got = ws_replay_check(&r, c);
			if (want != got) {
				if (mismatches < 5)
					fprintf(stderr,
						"replay mismatch seq %d step %d: counter %llu max %llu: "
						"model %d, window %d\n",
						seq, step, (unsigned long long)c,
						(unsigned long long)m.max, want, got);
				mismatches++;
				break;
			}
			if (got)
				accepted[n_acc++ % 64] = c;
		}
		set_free(&m.seen);
	}
	CHECK(mismatches == 0);
}

static const struct ws_test_case cases[] = {
	WS_TEST(test_constants),
	WS_TEST(test_in_order_and_duplicates),
	WS_TEST(test_counter_zero),
	WS_TEST(test_out_of_order_within_window),
	WS_TEST(test_window_edge),
	WS_TEST(test_large_jumps),
	WS_TEST(test_reject_after_messages),
	WS_TEST(test_random_against_model),
};

int main(void)
{
	if (ws_crypto_init() != 0)
		return 1;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
