/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the test peer's inner packets: known-answer IPv4 and IPv6 echo requests
 * (checksums computed independently), parsing, rejection of corrupted packets, padding, replies.
 */
#include <netinet/in.h>
#include <stdbool.h>

#include "packet.h"
#include "ws_test.h"

static const uint8_t payload5[] = { 0, 1, 2, 3, 4 }; /* odd length: the checksum's odd tail */

static const char v4_hex[] = "4500002100074000400123410ac901020ac901010800dfc0123400070001020304";
static const char v6_hex[] = "60000000000d3a40fd000201000000000000000000000002fd0002010000000000"
			     "0000000000000180006972123400070001020304";

static struct ws_tp_echo echo(const char *src, const char *dst)
{
	struct ws_tp_echo e = { .id = 0x1234, .seq = 7, .payload = payload5,
				.payload_len = sizeof(payload5) };

	CHECK(ws_tp_ipaddr_parse(&e.src, src) == 0);
	CHECK(ws_tp_ipaddr_parse(&e.dst, dst) == 0);
	return e;
}

static void known_answer(const char *src, const char *dst, const char *hex)
{
	struct ws_tp_echo e = echo(src, dst), got;
	uint8_t want[128], buf[128];
	size_t wlen = ws_test_unhex(want, sizeof(want), hex);
	size_t n = ws_tp_echo_build(buf, sizeof(buf), &e);

	CHECK(n == wlen);
	CHECK_MEM(buf, want, wlen);
	CHECK(ws_tp_ip_packet_len(buf, n) == n);
	CHECK(ws_tp_echo_parse(&got, want, wlen) == 0);
	CHECK(!got.reply);
	CHECK(got.id == 0x1234 && got.seq == 7 && got.ttl == 64);
	CHECK(ws_tp_ipaddr_equal(&got.src, &e.src) && ws_tp_ipaddr_equal(&got.dst, &e.dst));
	CHECK(got.payload_len == sizeof(payload5));
	CHECK_MEM(got.payload, payload5, sizeof(payload5));
	/* Too small a buffer builds nothing. */
	CHECK(ws_tp_echo_build(buf, wlen - 1, &e) == 0);
}

static void test_ipv4_known_answer(void)
{
	known_answer("10.201.1.2", "10.201.1.1", v4_hex);
}

static void test_ipv6_known_answer(void)
{
	known_answer("fd00:201::2", "fd00:201::1", v6_hex);
}

/*
 * Every single-bit flip must be caught by some length or checksum check, except in IPv6's traffic
 * class, flow label and hop limit, which no checksum covers.
 */
static bool uncovered(bool v6, size_t i, int bit)
{
	return v6 && ((i == 0 && bit < 4) || i == 1 || i == 2 || i == 3 || i == 7);
}

static void corrupt_all(const char *hex, bool v6)
{
	uint8_t pkt[128];
	size_t n = ws_test_unhex(pkt, sizeof(pkt), hex);
	struct ws_tp_echo e;
	int caught = 0, total = 0;

	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			if (uncovered(v6, i, bit))
				continue;
			pkt[i] ^= (uint8_t)(1 << bit);
			total++;
			caught += ws_tp_echo_parse(&e, pkt, n) != 0;
			pkt[i] ^= (uint8_t)(1 << bit);
		}
	}
	CHECK(caught == total);
}

static void test_corruption_rejected(void)
{
	corrupt_all(v4_hex, false);
	corrupt_all(v6_hex, true);
}

static void test_truncated_and_padded(void)
{
	uint8_t pkt[160];
	size_t n = ws_test_unhex(pkt, sizeof(pkt), v4_hex);
	struct ws_tp_echo e;

	for (size_t len = 0; len < n; len++)
		CHECK(ws_tp_echo_parse(&e, pkt, len) != 0);
	/* WireGuard pads to 16 bytes: the IP length decides, the zero tail is ignored. */
	memset(pkt + n, 0, 16);
	CHECK(ws_tp_ip_packet_len(pkt, n + 15) == n);
	CHECK(ws_tp_echo_parse(&e, pkt, n + 15) == 0 && e.payload_len == sizeof(payload5));

	n = ws_test_unhex(pkt, sizeof(pkt), v6_hex);
	for (size_t len = 0; len < n; len++)
		CHECK(ws_tp_echo_parse(&e, pkt, len) != 0);
	memset(pkt + n, 0, 16);
	CHECK(ws_tp_ip_packet_len(pkt, n + 16) == n);
	CHECK(ws_tp_echo_parse(&e, pkt, n + 16) == 0);

	pkt[0] = 0x50; /* neither IPv4 nor IPv6 */
	CHECK(ws_tp_ip_packet_len(pkt, n) == 0);
	CHECK(ws_tp_ip_packet_len(pkt, 0) == 0);
}

static void answer(const char *hex)
{
	uint8_t req[128], rep[128], again[128];
	size_t n = ws_test_unhex(req, sizeof(req), hex), m;
	struct ws_tp_echo q, r;

	m = ws_tp_echo_answer(rep, sizeof(rep), req, n);
	CHECK(m == n);
	CHECK(ws_tp_echo_parse(&q, req, n) == 0);
	CHECK(ws_tp_echo_parse(&r, rep, m) == 0);
	CHECK(r.reply && r.id == q.id && r.seq == q.seq);
	CHECK(ws_tp_ipaddr_equal(&r.src, &q.dst) && ws_tp_ipaddr_equal(&r.dst, &q.src));
	CHECK(r.payload_len == q.payload_len);
	CHECK_MEM(r.payload, q.payload, q.payload_len);
	/* A reply is not answered again. */
	CHECK(ws_tp_echo_answer(again, sizeof(again), rep, m) == 0);
}

static void test_answer(void)
{
	answer(v4_hex);
	answer(v6_hex);
}

static void test_mixed_families_refused(void)
{
	struct ws_tp_echo e = echo("10.0.0.1", "fd00::1");
	uint8_t buf[128];

	CHECK(ws_tp_echo_build(buf, sizeof(buf), &e) == 0);
	CHECK(ws_tp_ipaddr_parse(&e.src, "10.0.0.1/24") != 0);
	CHECK(ws_tp_ipaddr_parse(&e.src, "nonsense") != 0);
}

static void test_large_even_payload(void)
{
	uint8_t payload[1400], buf[1500];
	struct ws_tp_echo e = echo("fd00:201::2", "fd00:201::1"), got;
	size_t n;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	e.payload = payload;
	e.payload_len = sizeof(payload);
	n = ws_tp_echo_build(buf, sizeof(buf), &e);
	CHECK(n == WS_TP_IPV6_HDR_LEN + WS_TP_ICMP_HDR_LEN + sizeof(payload));
	CHECK(ws_tp_echo_parse(&got, buf, n) == 0 && got.payload_len == sizeof(payload));
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_ipv4_known_answer),
		WS_TEST(test_ipv6_known_answer),
		WS_TEST(test_corruption_rejected),
		WS_TEST(test_truncated_and_padded),
		WS_TEST(test_answer),
		WS_TEST(test_mixed_families_refused),
		WS_TEST(test_large_even_payload),
	};

	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
