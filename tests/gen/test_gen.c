/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of ws-gen's pure parts: option parsers, frames, peer addressing and peer config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "frame.h"
#include "keys.h"
#include "options.h"
#include "packet.h"
#include "peers.h"
#include "ws_test.h"

static const char *server_pub = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";

static void test_parsers(void)
{
	uint32_t a;
	unsigned int l;
	uint16_t port;
	uint8_t mac[6];

	CHECK(ws_gen_parse_cidr4("198.18.1.0/24", &a, &l) == 0 && a == 0xc6120100 && l == 24);
	CHECK(ws_gen_parse_cidr4("10.0.0.7", &a, &l) == 0 && a == 0x0a000007 && l == 32);
	CHECK(ws_gen_parse_cidr4("10.0.0.0/33", &a, &l) != 0);
	CHECK(ws_gen_parse_cidr4("10.0.0.0/", &a, &l) != 0);
	CHECK(ws_gen_parse_cidr4("10.0.0/8", &a, &l) != 0);
	CHECK(ws_gen_parse_ipport4("198.18.0.1:51820", &a, &port) == 0 && a == 0xc6120001 &&
	      port == 51820);
	CHECK(ws_gen_parse_ipport4("198.18.0.1:0", &a, &port) != 0);
	CHECK(ws_gen_parse_ipport4("198.18.0.1", &a, &port) != 0);
	CHECK(ws_gen_parse_ipport4("198.18.0.1:70000", &a, &port) != 0);
	CHECK(ws_gen_parse_mac("02:00:5e:10:aa:FF", mac) == 0 && mac[0] == 2 && mac[5] == 0xff);
	CHECK(ws_gen_parse_mac("02:00:5e:10:aa", mac) != 0);
	CHECK(ws_gen_parse_mac("02:00:5e:10:aa:ff:", mac) != 0);
}

static int parse(struct ws_gen_options *o, const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"ws-gen";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return ws_gen_options_parse(o, argc, argv);
}

static void test_options(void)
{
	struct ws_gen_options o;

	CHECK(parse(&o, (const char *const[]){"--server-key", server_pub, "--server",
					      "198.18.0.1:51820", "--peers", "300", "--size",
					      "1420", "--rate", "1000", NULL}) == 0);
	CHECK(o.peers == 300 && o.size == 1420 && o.rate == 1000 && o.server_port == 51820);
	/* Required options, ranges, and the address space the peers need. */
	CHECK(parse(&o, (const char *const[]){"--server", "198.18.0.1:51820", NULL}) != 0);
	CHECK(parse(&o, (const char *const[]){"--server-key", server_pub, NULL}) != 0);
	CHECK(parse(&o, (const char *const[]){"--server-key", server_pub, "--config-only", NULL}) ==
	      0);
	CHECK(parse(&o, (const char *const[]){"--server-key", server_pub, "--config-only", "--size",
					      "1421", NULL}) != 0);
	CHECK(parse(&o, (const char *const[]){"--server-key", server_pub, "--config-only",
					      "--duration", "121", NULL}) != 0);
	CHECK(parse(&o,
		    (const char *const[]){"--server-key", server_pub, "--config-only", "--peers",
					  "5", "--inner-src-net", "10.0.0.252/30", NULL}) != 0);
	CHECK(parse(&o,
		    (const char *const[]){"--server-key", server_pub, "--config-only", "--peers",
					  "4", "--inner-src-net", "10.0.0.252/30", NULL}) == 0);
	CHECK(parse(&o, (const char *const[]){"--server-key", server_pub, "--config-only",
					      "--peers", "3", "--src-net", "10.0.0.1/32",
					      "--src-port", "65534", NULL}) != 0);
	CHECK(parse(&o, (const char *const[]){"--server-key", "not-a-key", "--config-only",
					      NULL}) != 0);
}

static void test_frames(void)
{
	const uint8_t a[6] = {2, 0, 0, 0, 0, 1}, b[6] = {2, 0, 0, 0, 0, 2};
	uint8_t buf[128];
	struct ws_gen_rx rx;
	size_t n;

	n = ws_gen_outer_build(buf, a, b, 0xc6120102, 51821, 0xc6120001, 51820, 32);
	CHECK(n == WS_GEN_OUTER_LEN);
	memset(buf + n, 0xab, 32);
	CHECK(ws_gen_ip4_csum(buf + WS_GEN_ETH_LEN) == 0);
	ws_gen_frame_parse(&rx, buf, n + 32);
	CHECK(rx.kind == WS_GEN_RX_UDP4 && rx.src_ip == 0xc6120102 && rx.dst_ip == 0xc6120001);
	CHECK(rx.sport == 51821 && rx.dport == 51820);
	CHECK(rx.payload_off == WS_GEN_OUTER_LEN && rx.payload_len == 32);
	/* Ethernet padding is not payload; a truncated or corrupted header is not ours. */
	ws_gen_frame_parse(&rx, buf, n + 40 > sizeof(buf) ? sizeof(buf) : n + 40);
	CHECK(rx.kind == WS_GEN_RX_UDP4 && rx.payload_len == 32);
	ws_gen_frame_parse(&rx, buf, n + 31);
	CHECK(rx.kind == WS_GEN_RX_OTHER);
	buf[WS_GEN_ETH_LEN + 8] ^= 1;
	ws_gen_frame_parse(&rx, buf, n + 32);
	CHECK(rx.kind == WS_GEN_RX_OTHER);

	n = ws_gen_inner_build(buf, 0x0ac80001, 1024, 0x0ac90001, 9, 64);
	CHECK(n == WS_GEN_INNER_HDR_LEN);
	CHECK(ws_gen_ip4_csum(buf) == 0);
	memset(buf + n, 0, 64 - n);
	CHECK(ws_tp_ip_packet_len(buf, 80) == 64);

	n = ws_gen_arp_build(buf, WS_GEN_ARP_REQUEST, a, 0xc6120102, NULL, 0xc6120001);
	ws_gen_frame_parse(&rx, buf, n);
	CHECK(rx.kind == WS_GEN_RX_ARP && rx.arp_op == WS_GEN_ARP_REQUEST);
	CHECK(rx.arp_spa == 0xc6120102 && rx.arp_tpa == 0xc6120001 && !memcmp(rx.arp_sha, a, 6));
	CHECK(buf[0] == 0xff && buf[5] == 0xff);
}

static void test_peers(void)
{
	struct ws_gen_options o;
	struct ws_gen_peers ps;
	char dir[] = "/tmp/ws-gen-test.XXXXXX", path[256], line[256];
	FILE *f;
	int lines = 0;

	/* A /30 has two usable hosts: peers wrap onto the next source port after two. */
	CHECK(parse(&o, (const char *const[]){"--server-key", server_pub, "--config-only",
					      "--peers", "5", "--src-net", "198.18.1.0/30",
					      "--inner-src-net", "10.200.0.10/24", NULL}) == 0);
	CHECK(ws_gen_peers_create(&ps, &o) == 0);
	CHECK(ps.n == 5 && ps.hosts == 2 && ps.first_host == 0xc6120101);
	CHECK(ps.peer[0].outer_ip == 0xc6120101 && ps.peer[0].outer_port == 51821);
	CHECK(ps.peer[1].outer_ip == 0xc6120102 && ps.peer[1].outer_port == 51821);
	CHECK(ps.peer[2].outer_ip == 0xc6120101 && ps.peer[2].outer_port == 51822);
	CHECK(ps.peer[4].inner_ip == 0x0ac8000e);
	for (uint32_t i = 0; i < ps.n; i++)
		CHECK(ws_gen_peers_lookup(&ps, ps.peer[i].outer_ip, ps.peer[i].outer_port) ==
		      &ps.peer[i]);
	CHECK(ws_gen_peers_lookup(&ps, 0xc6120102, 51823) == NULL); /* would be peer 5 */
	CHECK(ws_gen_peers_lookup(&ps, 0xc6120103, 51821) == NULL);
	CHECK(ws_gen_peers_lookup(&ps, 0xc6120101, 51820) == NULL);
	CHECK(ws_gen_peers_owns_ip(&ps, 0xc6120102) && !ws_gen_peers_owns_ip(&ps, 0xc6120100));
	/* Distinct key pairs. */
	CHECK(memcmp(ps.peer[0].s.local.public_key, ps.peer[1].s.local.public_key, 32) != 0);

	/* Keys written, read back: the same identities. */
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/keys", dir);
	CHECK(ws_gen_peers_write_keys(&ps, path) == 0);
	snprintf(path, sizeof(path), "%s/peers.yaml", dir);
	CHECK(ws_gen_peers_write_config(&ps, &o, path) == 0);
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f))
		lines += strstr(line, "allowedIPs: [\"10.200.0.14/32\"]") != NULL;
	if (f)
		fclose(f);
	CHECK(lines == 1);
	snprintf(path, sizeof(path), "%s/peers.yaml.wg", dir);
	f = fopen(path, "r");
	lines = 0;
	while (f && fgets(line, sizeof(line), f))
		lines += !strncmp(line, "wg set \"${WG_IF:-wg0}\" peer ", 28);
	if (f)
		fclose(f);
	CHECK(lines == 5);
	{
		struct ws_gen_peers again;
		char keys[300];

		snprintf(keys, sizeof(keys), "%s/keys", dir);
		CHECK(parse(&o, (const char *const[]){"--server-key", server_pub, "--config-only",
						      "--peers", "5", "--keys", keys, NULL}) == 0);
		CHECK(ws_gen_peers_create(&again, &o) == 0);
		for (uint32_t i = 0; i < 5; i++)
			CHECK(!memcmp(again.peer[i].s.local.public_key,
				      ps.peer[i].s.local.public_key, 32));
		ws_gen_peers_destroy(&again);
		CHECK(parse(&o, (const char *const[]){"--server-key", server_pub, "--config-only",
						      "--peers", "6", "--keys", keys, NULL}) == 0);
		CHECK(ws_gen_peers_create(&again, &o) != 0); /* five keys for six peers */
		unlink(keys);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/peers.yaml", dir);
	unlink(path);
	rmdir(dir);
	ws_gen_peers_destroy(&ps);
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_parsers),
		WS_TEST(test_options),
		WS_TEST(test_frames),
		WS_TEST(test_peers),
	};

	if (ws_crypto_init() != 0)
		return 1;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
