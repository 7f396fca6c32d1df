/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of gateway mode's ICMP "too big" and "time exceeded" builders (pure byte buffers, no EAL): every
 * header field, the quoted length limits of RFC 1812 (576) and RFC 4443 (1280), checksums
 * verified by an independent RFC 1071 sum over big-endian words, the "may answer" rules and
 * the token bucket that limits the answers.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "icmp.h"
#include "ws_test.h"

static const uint8_t gw4[4] = {10, 1, 0, 1};
static const uint8_t host4[4] = {10, 1, 0, 2};
static const uint8_t far4[4] = {10, 77, 0, 2};
static uint8_t gw6[16], host6[16], far6[16];

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 over big-endian words, written independently of the code under test. */
static uint32_t sum_be(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A packet of len bytes (>= 28) from host4 to far4, UDP, DF set, a patterned payload. */
static void mk_ip4(uint8_t *p, size_t len, uint8_t proto)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	p[0] = 0x45;
	p[1] = 0;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = 0x40; /* DF, offset 0 */
	p[7] = 0;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, host4, 4);
	memcpy(p + 16, far4, 4);
	p[10] = p[11] = 0;
	uint16_t c = (uint16_t)~fold(sum_be(p, 20, 0));
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
}

static void mk_ip6(uint8_t *p, size_t len, uint8_t next)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 5 + 1);
	memset(p, 0, 8);
	p[0] = 0x60;
	p[4] = (uint8_t)((len - 40) >> 8);
	p[5] = (uint8_t)(len - 40);
	p[6] = next;
	p[7] = 64;
	memcpy(p + 8, host6, 16);
	memcpy(p + 24, far6, 16);
}

static void check_icmp4(size_t orig_len)
{
	static uint8_t orig[2000], out[2000];
	const size_t quote = orig_len < 548 ? orig_len : 548;
	size_t n;

	mk_ip4(orig, orig_len, IPPROTO_UDP);
	memset(out, 0xaa, sizeof(out));
	n = ws_dp_icmp4_too_big(out, sizeof(out), orig, orig_len, gw4, 1420, 0x1234);
	CHECK(n == 28 + quote);
	CHECK(n <= 576);
	CHECK(out[0] == 0x45);
	CHECK(get16(out + 2) == n);
	CHECK(get16(out + 4) == 0x1234);
	CHECK((get16(out + 6) & 0x1fff) == 0); /* not a fragment */
	CHECK(out[8] > 0);
	CHECK(out[9] == IPPROTO_ICMP);
	CHECK_MEM(out + 12, gw4, 4);
	CHECK_MEM(out + 16, host4, 4); /* back to the sender */
	CHECK(fold(sum_be(out, 20, 0)) == 0xffff); /* header checksum */
	CHECK(out[20] == 3 && out[21] == 4);
	CHECK(get16(out + 24) == 0);
	CHECK(get16(out + 26) == 1420);
	CHECK(fold(sum_be(out + 20, n - 20, 0)) == 0xffff); /* ICMP checksum */
	CHECK_MEM(out + 28, orig, quote);
	CHECK(out[n] == 0xaa); /* nothing written past the end */
}

static void test_icmp4_too_big(void)
{
	check_icmp4(1500); /* quote cut at 576 - 28 */
	check_icmp4(1421);
	check_icmp4(548);
	check_icmp4(61); /* odd: the last byte is a word's high half */
	check_icmp4(28);
}

static void test_icmp4_limits(void)
{
	uint8_t orig[100], out[600];

	mk_ip4(orig, sizeof(orig), IPPROTO_UDP);
	CHECK(ws_dp_icmp4_too_big(out, 28 + 99, orig, sizeof(orig), gw4, 1420, 0) == 0);
	CHECK(ws_dp_icmp4_too_big(out, 28 + 100, orig, sizeof(orig), gw4, 1420, 0) == 128);
	CHECK(ws_dp_icmp4_too_big(out, sizeof(out), orig, 19, gw4, 1420, 0) == 0);
	orig[0] = 0x44; /* IHL 16 bytes */
	CHECK(ws_dp_icmp4_too_big(out, sizeof(out), orig, sizeof(orig), gw4, 1420, 0) == 0);
	orig[0] = 0x4f; /* IHL 60 > what is there */
	CHECK(ws_dp_icmp4_too_big(out, sizeof(out), orig, 40, gw4, 1420, 0) == 0);
}

static void check_icmp6(size_t orig_len)
{
	static uint8_t orig[2000], out[2000];
	const size_t quote = orig_len < 1232 ? orig_len : 1232;
	uint8_t ph[40] = {0};
	uint32_t s;
	size_t n;

	mk_ip6(orig, orig_len, IPPROTO_UDP);
	memset(out, 0xaa, sizeof(out));
	n = ws_dp_icmp6_too_big(out, sizeof(out), orig, orig_len, gw6, 1420);
	CHECK(n == 48 + quote);
	CHECK(n <= 1280);
	CHECK(out[0] >> 4 == 6);
	CHECK(get16(out + 4) == n - 40);
	CHECK(out[6] == IPPROTO_ICMPV6);
	CHECK(out[7] > 0);
	CHECK_MEM(out + 8, gw6, 16);
	CHECK_MEM(out + 24, host6, 16);
	CHECK(out[40] == 2 && out[41] == 0);
	CHECK(out[44] == 0 && out[45] == 0 && get16(out + 46) == 1420);
	/* pseudo-header: source, destination, upper-layer length (32 bits), next header */
	memcpy(ph, gw6, 16);
	memcpy(ph + 16, host6, 16);
	ph[34] = (uint8_t)((n - 40) >> 8);
	ph[35] = (uint8_t)(n - 40);
	ph[39] = IPPROTO_ICMPV6;
	s = sum_be(ph, 40, 0);
	s = sum_be(out + 40, n - 40, s);
	CHECK(fold(s) == 0xffff);
	CHECK_MEM(out + 48, orig, quote);
	CHECK(out[n] == 0xaa);
}

static void test_icmp6_too_big(void)
{
	check_icmp6(1500); /* quote cut at 1280 - 48 */
	check_icmp6(1421);
	check_icmp6(1232);
	check_icmp6(101);
	check_icmp6(40);
}

static void test_icmp6_limits(void)
{
	uint8_t orig[100], out[200];

	mk_ip6(orig, sizeof(orig), IPPROTO_UDP);
	CHECK(ws_dp_icmp6_too_big(out, 147, orig, sizeof(orig), gw6, 1420) == 0);
	CHECK(ws_dp_icmp6_too_big(out, 148, orig, sizeof(orig), gw6, 1420) == 148);
	CHECK(ws_dp_icmp6_too_big(out, sizeof(out), orig, 39, gw6, 1420) == 0);
}

static void test_may_answer4(void)
{
	uint8_t p[64];

	mk_ip4(p, sizeof(p), IPPROTO_UDP);
	CHECK(ws_dp_icmp4_may_answer(p, sizeof(p)));
	CHECK(!ws_dp_icmp4_may_answer(p, 19));
	mk_ip4(p, sizeof(p), IPPROTO_ICMP);
	p[20] = 8; /* echo request: a query */
	CHECK(ws_dp_icmp4_may_answer(p, sizeof(p)));
	for (uint8_t t = 3; t <= 12; t++) {
		p[20] = t;
		CHECK(ws_dp_icmp4_may_answer(p, sizeof(p)) ==
		      !(t == 3 || t == 4 || t == 5 || t == 11 || t == 12));
	}
	mk_ip4(p, sizeof(p), IPPROTO_UDP);
	p[6] = 0x00;
	p[7] = 0xb9; /* offset 185 x 8: not the first fragment */
	CHECK(!ws_dp_icmp4_may_answer(p, sizeof(p)));
	p[6] = 0x20; /* MF, offset 0: the first fragment */
	p[7] = 0;
	CHECK(ws_dp_icmp4_may_answer(p, sizeof(p)));
	static const uint8_t bad_src[][4] = {
		{0, 1, 2, 3}, {127, 0, 0, 1}, {224, 0, 0, 5}, {255, 255, 255, 255}, {240, 0, 0, 1}};
	for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
		mk_ip4(p, sizeof(p), IPPROTO_UDP);
		memcpy(p + 12, bad_src[i], 4);
		CHECK(!ws_dp_icmp4_may_answer(p, sizeof(p)));
	}
}

static void test_may_answer6(void)
{
	uint8_t p[64];

	mk_ip6(p, sizeof(p), IPPROTO_UDP);
	CHECK(ws_dp_icmp6_may_answer(p, sizeof(p)));
	CHECK(!ws_dp_icmp6_may_answer(p, 39));
	p[24] = 0xff; /* multicast destination: still answered (RFC 4443 2.4 (e.3)) */
	CHECK(ws_dp_icmp6_may_answer(p, sizeof(p)));
	p[8] = 0xff; /* multicast source */
	CHECK(!ws_dp_icmp6_may_answer(p, sizeof(p)));
	memset(p + 8, 0, 16); /* unspecified source */
	CHECK(!ws_dp_icmp6_may_answer(p, sizeof(p)));
	mk_ip6(p, sizeof(p), IPPROTO_ICMPV6);
	p[40] = 128; /* echo request */
	CHECK(ws_dp_icmp6_may_answer(p, sizeof(p)));
	for (uint8_t t = 1; t <= 4; t++) { /* the error messages */
		p[40] = t;
		CHECK(!ws_dp_icmp6_may_answer(p, sizeof(p)));
	}
	CHECK(!ws_dp_icmp6_may_answer(p, 40)); /* ICMPv6 without its type */
}

static void test_tbucket(void)
{
	struct ws_dp_tbucket tb = {0};
	const uint64_t t0 = 5000000000ull, ms = 1000000;
	unsigned int ok = 0;

	/* starts full: the burst, then nothing at the same instant */
	for (int i = 0; i < 20; i++)
		ok += ws_dp_tbucket_take(&tb, t0, 100, 5);
	CHECK(ok == 5);
	/* 100 a second: one token per 10 ms */
	CHECK(!ws_dp_tbucket_take(&tb, t0 + 9 * ms, 100, 5));
	CHECK(ws_dp_tbucket_take(&tb, t0 + 10 * ms, 100, 5));
	CHECK(!ws_dp_tbucket_take(&tb, t0 + 11 * ms, 100, 5));
	/* a long idle time refills to the burst only */
	ok = 0;
	for (int i = 0; i < 20; i++)
		ok += ws_dp_tbucket_take(&tb, t0 + 3600 * 1000 * ms, 100, 5);
	CHECK(ok == 5);
	/* one second of steady demand gets the rate (plus what was stored) */
	struct ws_dp_tbucket b2 = {0};
	ok = 0;
	for (uint64_t t = 0; t < 1000; t++)
		ok += ws_dp_tbucket_take(&b2, t0 + t * ms, 100, 5);
	CHECK(ok >= 100 && ok <= 105);
}

/* Time exceeded: the same framing as "too big", type 11/3 code 0 and a zero unused field. */
static void test_time_exceeded(void)
{
	static uint8_t orig[1500], out[2000];
	uint8_t ph[40] = {0};
	uint32_t s;
	size_t n;

	mk_ip4(orig, 1500, IPPROTO_UDP);
	memset(out, 0xaa, sizeof(out));
	n = ws_dp_icmp4_time_exceeded(out, sizeof(out), orig, 1500, gw4, 7);
	CHECK(n == 576);
	CHECK(get16(out + 2) == n && get16(out + 4) == 7 && out[9] == IPPROTO_ICMP);
	CHECK_MEM(out + 12, gw4, 4);
	CHECK_MEM(out + 16, host4, 4);
	CHECK(fold(sum_be(out, 20, 0)) == 0xffff);
	CHECK(out[20] == 11 && out[21] == 0);
	CHECK(get16(out + 24) == 0 && get16(out + 26) == 0);
	CHECK(fold(sum_be(out + 20, n - 20, 0)) == 0xffff);
	CHECK_MEM(out + 28, orig, 548);
	CHECK(out[n] == 0xaa);
	CHECK(ws_dp_icmp4_time_exceeded(out, 100, orig, 1500, gw4, 7) == 0);

	mk_ip6(orig, 101, IPPROTO_UDP);
	memset(out, 0xaa, sizeof(out));
	n = ws_dp_icmp6_time_exceeded(out, sizeof(out), orig, 101, gw6);
	CHECK(n == 48 + 101);
	CHECK(out[6] == IPPROTO_ICMPV6 && get16(out + 4) == n - 40);
	CHECK_MEM(out + 8, gw6, 16);
	CHECK_MEM(out + 24, host6, 16);
	CHECK(out[40] == 3 && out[41] == 0);
	CHECK(get16(out + 44) == 0 && get16(out + 46) == 0);
	memcpy(ph, gw6, 16);
	memcpy(ph + 16, host6, 16);
	ph[35] = (uint8_t)(n - 40);
	ph[39] = IPPROTO_ICMPV6;
	s = sum_be(ph, 40, 0);
	s = sum_be(out + 40, n - 40, s);
	CHECK(fold(s) == 0xffff);
	CHECK_MEM(out + 48, orig, 101);
	CHECK(out[n] == 0xaa);
	CHECK(ws_dp_icmp6_time_exceeded(out, sizeof(out), orig, 39, gw6) == 0);
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_icmp4_too_big), WS_TEST(test_icmp4_limits),
		WS_TEST(test_icmp6_too_big), WS_TEST(test_icmp6_limits),
		WS_TEST(test_may_answer4),   WS_TEST(test_may_answer6),
		WS_TEST(test_tbucket),       WS_TEST(test_time_exceeded),
	};

	gw6[0] = 0xfd, gw6[1] = 0x01, gw6[15] = 1;
	host6[0] = 0xfd, host6[1] = 0x01, host6[15] = 2;
	far6[0] = 0xfd, far6[1] = 0x77, far6[15] = 2;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
