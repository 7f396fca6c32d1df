/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the raw-mode scenario: the UDP frame codec against a known IPv4 frame
 * (checksums computed by hand) and corruptions, determinism of the static keys, and that every
 * WAN frame the writer emits is what it claims (valid ones decrypt to their inner packet with
 * the dataplane's receive key, the broken ones are broken).
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "crypto.h"
#include "scenario.h"
#include "traffic.h"
#include "transport.h"
#include "ws_test.h"

/* 10.0.0.1:1000 -> 10.0.0.2:2000, payload "abc"; checksums from an independent calculation */
static const char frame_hex[] = "02000000000202000000000108004500001f00004000401126cc0a0000010a00"
				"000203e807d0000b1bbb616263";

static void test_frame_known_answer(void)
{
	static const uint8_t m1[6] = {2, 0, 0, 0, 0, 1}, m2[6] = {2, 0, 0, 0, 0, 2};
	struct ws_tp_ipaddr a, b;
	struct ws_tp_frame_end src = {.mac = m1, .ip = &a, .port = 1000};
	struct ws_tp_frame_end dst = {.mac = m2, .ip = &b, .port = 2000};
	struct ws_tp_frame_udp_info u;
	uint8_t want[128], buf[128];
	size_t wlen = ws_test_unhex(want, sizeof(want), frame_hex), n;
	const char *why;

	CHECK(ws_tp_ipaddr_parse(&a, "10.0.0.1") == 0);
	CHECK(ws_tp_ipaddr_parse(&b, "10.0.0.2") == 0);
	n = ws_tp_frame_udp(buf, sizeof(buf), &src, &dst, (const uint8_t *)"abc", 3);
	CHECK(n == wlen);
	CHECK_MEM(buf, want, wlen);
	CHECK(ws_tp_frame_parse_udp(buf, n, &u, &why) == 0);
	CHECK(u.sport == 1000 && u.dport == 2000 && u.payload_len == 3);
	CHECK(ws_tp_ipaddr_equal(&u.src, &a) && ws_tp_ipaddr_equal(&u.dst, &b));
	buf[n - 1] ^= 1; /* payload: the UDP checksum catches it */
	CHECK(ws_tp_frame_parse_udp(buf, n, &u, &why) == -1);
	buf[n - 1] ^= 1;
	buf[24] ^= 1; /* IPv4 header checksum */
	CHECK(ws_tp_frame_parse_udp(buf, n, &u, &why) == -1);
	CHECK(ws_tp_frame_parse_udp(buf, 13, &u, &why) == 1);
	CHECK(ws_tp_frame_udp(buf, wlen - 1, &src, &dst, (const uint8_t *)"abc", 3) == 0);
}

static void test_ipv6_roundtrip(void)
{
	static const uint8_t m[6] = {2, 0, 0, 0, 0, 1};
	struct ws_tp_ipaddr a, b;
	struct ws_tp_frame_end src = {.mac = m, .ip = &a, .port = 7};
	struct ws_tp_frame_end dst = {.mac = m, .ip = &b, .port = 9};
	struct ws_tp_frame_udp_info u;
	uint8_t buf[256], payload[101];
	const char *why;
	size_t n;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	CHECK(ws_tp_ipaddr_parse(&a, "2001:db8::1") == 0);
	CHECK(ws_tp_ipaddr_parse(&b, "2001:db8::2") == 0);
	n = ws_tp_frame_udp(buf, sizeof(buf), &src, &dst, payload, sizeof(payload));
	CHECK(n == 14 + 40 + 8 + sizeof(payload));
	CHECK(ws_tp_frame_parse_udp(buf, n, &u, &why) == 0);
	CHECK(u.payload_len == sizeof(payload) && !memcmp(u.payload, payload, sizeof(payload)));
	buf[14 + 8] ^= 0x20; /* source address: the pseudo-header makes the checksum fail */
	CHECK(ws_tp_frame_parse_udp(buf, n, &u, &why) == -1);
	CHECK(ws_tp_ipaddr_parse(&b, "10.0.0.2") == 0);
	CHECK(ws_tp_frame_udp(buf, sizeof(buf), &src, &dst, payload, 1) == 0); /* mixed */
}

static void test_keys_deterministic(void)
{
	static struct ws_tp_scn a, b, c;

	CHECK(ws_tp_scn_init(&a, 42, 3) == 0);
	CHECK(ws_tp_scn_init(&b, 42, 3) == 0);
	CHECK(ws_tp_scn_init(&c, 43, 3) == 0);
	CHECK_MEM(a.peers[2].key_in, b.peers[2].key_in, WS_KEY_LEN);
	CHECK(memcmp(a.peers[2].key_in, c.peers[2].key_in, WS_KEY_LEN) != 0);
	CHECK(memcmp(a.peers[1].key_in, a.peers[1].key_out, WS_KEY_LEN) != 0);
	CHECK(memcmp(a.peers[0].key_in, a.peers[1].key_in, WS_KEY_LEN) != 0);
	CHECK(ws_tp_scn_init(&a, 1, 0) == -1);
	CHECK(ws_tp_scn_init(&a, 1, WS_TP_SCN_MAX_PEERS + 1) == -1);
	ws_tp_scn_clear(&a);
	ws_tp_scn_clear(&b);
	ws_tp_scn_clear(&c);
}

static void test_wan_frames(void)
{
	static struct ws_tp_scn s;
	static uint8_t plain[WS_MAX_PACKET_LEN];
	struct ws_tp_items l = {0}, again = {0};
	unsigned int delivered = 0, broken = 0;

	uint16_t port[4];

	CHECK(ws_tp_scn_init(&s, 7, 4) == 0);
	for (int i = 0; i < 4; i++)
		port[i] = s.peers[i].port;
	CHECK(ws_tp_traffic_wan(&s, &l) == 0);
	CHECK(s.peers[1].port == port[1] + 100); /* peer 1 roamed */
	for (size_t k = 0; k < l.n; k++) {
		const struct ws_tp_item *it = &l.v[k];
		struct ws_tp_frame_udp_info u;
		const char *why;
		uint64_t counter;
		long n;

		if (!strcmp(it->counter, "rx_decrypted") || !strcmp(it->counter, "rx_keepalive")) {
			const struct ws_tp_scn_peer *p = &s.peers[it->peer];

			CHECK(ws_tp_frame_parse_udp(it->frame, it->len, &u, &why) == 0);
			CHECK(u.dport == WS_TP_SCN_PORT &&
			      (u.sport == port[it->peer] || u.sport == p->port));
			CHECK(ws_tp_ipaddr_equal(&u.src, &p->outer));
			n = ws_transport_decrypt(plain, u.payload, u.payload_len, p->key_in,
						 &counter);
			CHECK(n >= 0 && (size_t)n >= it->inner_len);
			CHECK(ws_tp_ip_packet_len(plain, (size_t)n) == it->inner_len);
			/* delivered one router hop later: TTL / hop limit one less */
			if (n > 0) {
				bool v6 = (plain[0] >> 4) == 6;
				uint16_t c;

				plain[v6 ? 7 : 8]--;
				if (!v6) {
					plain[10] = plain[11] = 0;
					c = ws_tp_csum_fold(ws_tp_csum_add(0, plain, 20));
					plain[10] = (uint8_t)(c >> 8);
					plain[11] = (uint8_t)c;
				}
			}
			CHECK(n == 0 || !memcmp(plain, it->inner, it->inner_len));
			delivered += it->inner_len != 0;
		} else if (!strncmp(it->counter, "drop_ip", 7) ||
			   !strcmp(it->counter, "drop_eth_truncated") ||
			   !strcmp(it->counter, "drop_udp_bad_len")) {
			broken += ws_tp_frame_parse_udp(it->frame, it->len, &u, &why) != 0;
		}
	}
	CHECK(delivered == 3 * 8 + 1); /* peer 2 is late: no keypair, no data; peer 1 roams */
	CHECK(ws_tp_items_count(&l, "rx_decrypted") == 3 * 8 + 1);
	CHECK(broken == 5);
	CHECK(ws_tp_items_count(&l, "drop_replay") == 1);
	CHECK(ws_tp_items_count(&l, "rx_wg_data") == 25 + 6);
	CHECK(ws_tp_items_count(&l, "to_kernel") == 2);
	/* the same seed gives the same frames */
	CHECK(ws_tp_scn_init(&s, 7, 4) == 0);
	CHECK(ws_tp_traffic_wan(&s, &again) == 0);
	CHECK(again.n == l.n);
	for (size_t k = 0; k < l.n && k < again.n; k++)
		CHECK(l.v[k].len == again.v[k].len &&
		      !memcmp(l.v[k].frame, again.v[k].frame, l.v[k].len));
	ws_tp_items_free(&l);
	ws_tp_items_free(&again);
	CHECK(ws_tp_traffic_lan(&s, &l) == 0);
	CHECK(ws_tp_items_count(&l, "tx_encrypted") == 24);
	CHECK(ws_tp_items_count(&l, "staged") == 8);
	CHECK(ws_tp_items_count(&l, "drop_no_peer") == 2);
	CHECK(ws_tp_items_count(&l, "lan_to_kernel") == 1);
	ws_tp_items_free(&l);
	/* LAN frames go to the LAN port's MAC once it is known */
	ws_tp_scn_set_lan_mac(&s, (const uint8_t[6]){0x02, 0x11, 0x22, 0x33, 0x44, 0x55});
	CHECK(ws_tp_traffic_lan(&s, &l) == 0);
	CHECK(l.n > 0 &&
	      !memcmp(l.v[0].frame, (const uint8_t[6]){0x02, 0x11, 0x22, 0x33, 0x44, 0x55}, 6));
	ws_tp_items_free(&l);
	/* the next hop of a decrypted packet: the LAN host on the LAN subnet, the router beyond */
	CHECK(ws_tp_scn_lan_nexthop_mac(&s, &s.lan4) == s.lan_mac);
	CHECK(ws_tp_scn_lan_nexthop_mac(&s, &s.lan6) == s.lan_mac);
	CHECK(ws_tp_scn_lan_nexthop_mac(&s, &s.peers[0].inner4) == s.router_mac);
	CHECK(ws_tp_scn_lan_nexthop_mac(&s, &s.peers[0].inner6) == s.router_mac);
	ws_tp_scn_clear(&s);
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_frame_known_answer),
		WS_TEST(test_ipv6_roundtrip),
		WS_TEST(test_keys_deterministic),
		WS_TEST(test_wan_frames),
	};

	if (ws_crypto_init() != 0)
		return 1;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
