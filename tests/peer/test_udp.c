/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the test peer's UDP layer: endpoint parsing and formatting, cookie sources, and a
 * loopback round trip (IPv4 to a dual-stack IPv6 socket) with the bounded receive timing out.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "udp.h"
#include "ws_test.h"

static void test_endpoint_parse(void)
{
	char s[WS_TP_ENDPOINT_STRLEN];
	struct ws_tp_endpoint ep;

	CHECK(ws_tp_endpoint_parse(&ep, "198.18.1.2:51820") == 0);
	CHECK(ep.addr.sa.sa_family == AF_INET && ntohs(ep.addr.in4.sin_port) == 51820);
	CHECK(strcmp(ws_tp_endpoint_str(&ep, s), "198.18.1.2:51820") == 0);
	CHECK(ws_tp_endpoint_parse(&ep, "[fd00:198::1]:1") == 0);
	CHECK(ep.addr.sa.sa_family == AF_INET6);
	CHECK(strcmp(ws_tp_endpoint_str(&ep, s), "[fd00:198::1]:1") == 0);

	CHECK(ws_tp_endpoint_parse(&ep, "198.18.1.2") != 0);
	CHECK(ws_tp_endpoint_parse(&ep, "198.18.1.2:65536") != 0);
	CHECK(ws_tp_endpoint_parse(&ep, "198.18.1.2:-1") != 0);
	CHECK(ws_tp_endpoint_parse(&ep, "198.18.1.2:") != 0);
	CHECK(ws_tp_endpoint_parse(&ep, "fd00::1:51820") != 0); /* IPv6 needs brackets */
	CHECK(ws_tp_endpoint_parse(&ep, "[fd00::1]51820") != 0);
	CHECK(ws_tp_endpoint_parse(&ep, "localhost:51820") != 0); /* no DNS */
}

static void test_cookie_source(void)
{
	uint8_t src[WS_COOKIE_SOURCE_MAX];
	const uint8_t want4[] = { 198, 18, 1, 2, 0xca, 0x6c }; /* port 51820 big-endian */
	struct ws_tp_endpoint ep;

	ws_tp_endpoint_parse(&ep, "198.18.1.2:51820");
	CHECK(ws_tp_endpoint_source(&ep, src) == 6);
	CHECK_MEM(src, want4, sizeof(want4));
	ws_tp_endpoint_parse(&ep, "[fd00::1]:51820");
	CHECK(ws_tp_endpoint_source(&ep, src) == 18);
	CHECK(src[0] == 0xfd && src[15] == 1 && src[16] == 0xca && src[17] == 0x6c);
}

static void test_loopback(void)
{
	struct ws_tp_endpoint any6, any4, to, from, local6;
	struct ws_tp_udp a = { .fd = -1 }, b = { .fd = -1 };
	char buf[64];
	long n;

	ws_tp_endpoint_parse(&any6, "[::]:0");
	ws_tp_endpoint_parse(&any4, "127.0.0.1:0");
	if (ws_tp_udp_open(&a, &any6) != 0) {
		printf("no IPv6 here; loopback test skipped\n");
		return;
	}
	CHECK(ws_tp_udp_open(&b, &any4) == 0);
	CHECK(ws_tp_udp_set_buffers(&a, 1 << 20) == 0);
	CHECK(ws_tp_udp_local(&a, &local6) == 0);
	/* The dual-stack socket is reached over IPv4 and reports the IPv4 source unmapped. */
	ws_tp_endpoint_parse(&to, "127.0.0.1:0");
	to.addr.in4.sin_port = local6.addr.in6.sin6_port;
	CHECK(ws_tp_udp_send(&b, "hello", 5, &to) == 0);
	n = ws_tp_udp_recv(&a, buf, sizeof(buf), &from, 1000);
	CHECK(n == 5 && memcmp(buf, "hello", 5) == 0);
	CHECK(from.addr.sa.sa_family == AF_INET);
	/* And answers an IPv4 endpoint through the same socket. */
	CHECK(ws_tp_udp_send(&a, "world", 5, &from) == 0);
	n = ws_tp_udp_recv(&b, buf, sizeof(buf), &from, 1000);
	CHECK(n == 5 && memcmp(buf, "world", 5) == 0);
	/* Nothing more: the bounded receive times out. */
	CHECK(ws_tp_udp_recv(&b, buf, sizeof(buf), &from, 20) == -ETIMEDOUT);
	ws_tp_udp_close(&a);
	ws_tp_udp_close(&b);
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_endpoint_parse),
		WS_TEST(test_cookie_source),
		WS_TEST(test_loopback),
	};

	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
