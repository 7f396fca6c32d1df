/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of protocol/tai64n.h: the TAI64N encoding of a given Unix time (label 2^62 + 10 +
 * seconds, big-endian, then big-endian nanoseconds rounded down as the kernel does), ordering of
 * successive timestamps and ws_tai64n_cmp.
 */
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "tai64n.h"
#include "ws_test.h"

static void unhex(uint8_t *buf, size_t n, const char *hex)
{
	CHECK(strlen(hex) == 2 * n);
	CHECK(ws_test_unhex(buf, n, hex) == n);
}

/*
 * The kernel (drivers/net/wireguard/noise.c, tai64n_now) writes cpu_to_be64(0x400000000000000a +
 * tv_sec) and cpu_to_be32(ALIGN_DOWN(tv_nsec, rounddown_pow_of_two(NSEC_PER_SEC /
 * INITIATIONS_PER_SECOND))): 1e9 / 50 = 20,000,000 ns, whose largest power of two below is
 * 2^24 = 16,777,216 ns.
 */
#define NSEC_GRAIN (1ULL << 24)

static void test_known_encodings(void)
{
	static const struct {
		uint64_t unix_ns;
		const char *tai;
	} v[] = {
		/* The epoch: label 2^62 + 10, nanoseconds 0. */
		{ 0, "400000000000000a00000000" },
		/* 1 s. */
		{ 1000000000ULL, "400000000000000b00000000" },
		/* 1700000000 s = 0x6553f100; 123456789 ns -> 7 * 2^24 = 0x07000000. */
		{ 1700000000ULL * 1000000000ULL + 123456789ULL, "400000006553f10a07000000" },
		/* 999999999 ns -> 59 * 2^24 = 0x3b000000. */
		{ 1700000000ULL * 1000000000ULL + 999999999ULL, "400000006553f10a3b000000" },
		/* Just below and exactly at one grain. */
		{ 1700000000ULL * 1000000000ULL + NSEC_GRAIN - 1, "400000006553f10a00000000" },
		{ 1700000000ULL * 1000000000ULL + NSEC_GRAIN, "400000006553f10a01000000" },
		/* 2^32 s: the label's upper half moves. */
		{ (1ULL << 32) * 1000000000ULL + 5 * NSEC_GRAIN + 3, "400000010000000a05000000" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t want[12], out[12];
		unhex(want, 12, v[i].tai);
		memset(out, 0xee, sizeof(out));
		ws_tai64n(out, v[i].unix_ns);
		if (memcmp(out, want, 12) != 0)
			fprintf(stderr, "tai64n(%llu) wrong\n", (unsigned long long)v[i].unix_ns);
		CHECK_MEM(out, want, 12);
	}
}

static void test_nanoseconds_rounded_down(void)
{
	/* Every nanosecond value maps to the start of its 2^24 ns grain, and never past 1e9. */
	uint64_t base = 1234567890ULL * 1000000000ULL;
	for (uint64_t ns = 0; ns < 1000000000ULL; ns += 999983) {
		uint8_t out[12];
		ws_tai64n(out, base + ns);
		uint32_t got = (uint32_t)out[8] << 24 | (uint32_t)out[9] << 16 |
			       (uint32_t)out[10] << 8 | out[11];
		CHECK(got == ns - ns % NSEC_GRAIN);
		CHECK(got < 1000000000U);
		uint64_t secs = 0;
		for (int i = 0; i < 8; i++)
			secs = secs << 8 | out[i];
		CHECK(secs == 0x400000000000000aULL + 1234567890ULL);
	}
}

static void test_monotonic(void)
{
	uint8_t prev[12], cur[12];
	uint64_t t = 1600000000ULL * 1000000000ULL;

	ws_tai64n(prev, t);
	/* Steps of one grain or more always compare strictly later. */
	for (int i = 0; i < 5000; i++) {
		t += NSEC_GRAIN + ws_random_uniform(3000000000U);
		ws_tai64n(cur, t);
		CHECK(ws_tai64n_cmp(cur, prev) > 0);
		CHECK(ws_tai64n_cmp(prev, cur) < 0);
		memcpy(prev, cur, 12);
	}
	/* Smaller steps never go backwards. */
	for (int i = 0; i < 5000; i++) {
		t += ws_random_uniform(5000000);
		ws_tai64n(cur, t);
		CHECK(ws_tai64n_cmp(cur, prev) >= 0);
		memcpy(prev, cur, 12);
	}
	/* Two times in the same grain are indistinguishable (the point of the rounding). */
	uint64_t g = 1600000000ULL * 1000000000ULL + 3 * NSEC_GRAIN;
	ws_tai64n(prev, g);
	ws_tai64n(cur, g + NSEC_GRAIN - 1);
	CHECK(ws_tai64n_cmp(cur, prev) == 0);
	CHECK_MEM(cur, prev, 12);
	/* Crossing a second boundary from the last grain of a second. */
	ws_tai64n(prev, 1600000000ULL * 1000000000ULL + 999999999ULL);
	ws_tai64n(cur, 1600000001ULL * 1000000000ULL);
	CHECK(ws_tai64n_cmp(cur, prev) > 0);
}

static void test_cmp(void)
{
	uint8_t a[12], b[12];

	memset(a, 0x40, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(ws_tai64n_cmp(a, b) == 0);
	/* Big-endian: the first differing byte decides, whatever follows. */
	for (int i = 0; i < 12; i++) {
		memcpy(b, a, sizeof(b));
		b[i] = 0x41;
		for (int j = i + 1; j < 12; j++)
			b[j] = 0x00;
		CHECK(ws_tai64n_cmp(b, a) > 0);
		CHECK(ws_tai64n_cmp(a, b) < 0);
		b[i] = 0x3f;
		for (int j = i + 1; j < 12; j++)
			b[j] = 0xff;
		CHECK(ws_tai64n_cmp(b, a) < 0);
		CHECK(ws_tai64n_cmp(a, b) > 0);
	}
	/* Unsigned bytes: 0x80 is later than 0x7f. */
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	a[0] = 0x80;
	b[0] = 0x7f;
	CHECK(ws_tai64n_cmp(a, b) > 0);
	/* The nanosecond field counts: same seconds, later grain. */
	ws_tai64n(a, 1700000000ULL * 1000000000ULL + 2 * NSEC_GRAIN);
	ws_tai64n(b, 1700000000ULL * 1000000000ULL + 1 * NSEC_GRAIN);
	CHECK(ws_tai64n_cmp(a, b) > 0);
}

static const struct ws_test_case cases[] = {
	WS_TEST(test_known_encodings),
	WS_TEST(test_nanoseconds_rounded_down),
	WS_TEST(test_monotonic),
	WS_TEST(test_cmp),
};

int main(void)
{
	if (ws_crypto_init() != 0)
		return 1;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
