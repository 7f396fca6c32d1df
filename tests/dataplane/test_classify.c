/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the classify stage on hand-built frames (pure byte buffers, no EAL): every
 * verdict, every drop reason, VLAN, IPv4 options and padding, fragments, IPv6, NIC hints.
 * Also checks the counter list (unique names, drops named drop_*).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "counters.h"
#include "messages.h"
#include "ws_test.h"

static struct ws_dp_classify_ctx ctx;
static uint8_t f[2048];
static struct ws_dp_pkt_meta meta;

static const uint8_t our4[4] = {198, 18, 0, 1};
static const uint8_t peer4[4] = {198, 18, 0, 2};
static uint8_t our6[16], peer6[16];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void ip4_fix_csum(uint8_t *ip)
{
	unsigned int ihl = (ip[0] & 0xf) * 4u;
	uint32_t sum = 0;

	ip[10] = ip[11] = 0;
	for (unsigned int i = 0; i < ihl; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (uint16_t)~sum);
}

/* Ethernet (+ optional VLAN) header; returns its length. */
static unsigned int eth(uint16_t type, int vlan)
{
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x02", 6);
	if (vlan) {
		put16(f + 12, 0x8100);
		put16(f + 14, (uint16_t)vlan);
		put16(f + 16, type);
		return 18;
	}
	put16(f + 12, type);
	return 14;
}

/* A WireGuard-ish payload of the given type and length. */
static void wg_payload(uint8_t *p, uint32_t type, unsigned int len)
{
	memset(p, 0xab, len);
	if (len >= 4) {
		uint32_t t = ws_to_le32(type);
		memcpy(p, &t, 4);
	}
}

/*
 * Eth/IPv4/UDP frame to dst:dport with payload_len bytes of message `type`; ihl_words lets a
 * test add options. Returns the frame length.
 */
static unsigned int udp4(int vlan, const uint8_t *dst, uint16_t dport, uint32_t type,
			 unsigned int payload_len, unsigned int ihl_words)
{
	unsigned int l2 = eth(0x0800, vlan), ihl = ihl_words * 4;
	uint8_t *ip = f + l2, *udp = ip + ihl;

	ip[0] = (uint8_t)(0x40 | ihl_words);
	put16(ip + 2, (uint16_t)(ihl + 8 + payload_len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, peer4, 4);
	memcpy(ip + 16, dst, 4);
	ip4_fix_csum(ip);
	put16(udp, 40000);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)(8 + payload_len));
	wg_payload(udp + 8, type, payload_len);
	return l2 + ihl + 8 + payload_len;
}

static unsigned int udp6(const uint8_t *dst, uint8_t next, uint16_t dport, uint32_t type,
			 unsigned int payload_len)
{
	unsigned int l2 = eth(0x86dd, 0);
	uint8_t *ip = f + l2, *udp = ip + 40;

	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)(8 + payload_len));
	ip[6] = next;
	ip[7] = 64;
	memcpy(ip + 8, peer6, 16);
	memcpy(ip + 24, dst, 16);
	put16(udp, 40000);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)(8 + payload_len));
	wg_payload(udp + 8, type, payload_len);
	return l2 + 40 + 8 + payload_len;
}

/* The frame is copied to a buffer of exactly len bytes, so a sanitizer build catches any read
 * past the frame's end. */
static enum ws_dp_verdict cls_hint(unsigned int len, unsigned int hints)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum ws_dp_verdict v;

	memcpy(copy, f, len);
	v = ws_dp_classify(&ctx, copy, len, hints, &meta);
	free(copy);
	return v;
}

static enum ws_dp_verdict cls(unsigned int len)
{
	return cls_hint(len, 0);
}

#define DROPPED(len, why)                                                                   \
	do {                                                                                \
		CHECK(cls(len) == WS_DP_V_DROP);                                            \
		CHECK(meta.reason == (why));                                                \
		if (meta.reason != (why))                                                   \
			fprintf(stderr, "  reason %s, expected %s\n",                       \
				ws_dp_counter_names[meta.reason], ws_dp_counter_names[why]);        \
	} while (0)

static void setup(void)
{
	inet_pton(AF_INET6, "2001:db8::1", our6);
	inet_pton(AF_INET6, "2001:db8::2", peer6);
	memset(&ctx, 0, sizeof(ctx));
	ctx.listen_port_be = htons(51820);
	ctx.has_ip4 = true;
	memcpy(ctx.ip4, our4, 4);
	ctx.has_ip6 = true;
	memcpy(ctx.ip6, our6, 16);
}

static void test_wg_messages(void)
{
	static const struct {
		uint32_t type;
		unsigned int len;
	} ok[] = {
		{WS_MSG_INITIATION, WS_MSG_INITIATION_LEN},
		{WS_MSG_RESPONSE, WS_MSG_RESPONSE_LEN},
		{WS_MSG_COOKIE, WS_MSG_COOKIE_LEN},
		{WS_MSG_DATA, WS_MSG_DATA_MIN_LEN},
		{WS_MSG_DATA, 1420 + WS_DATA_OVERHEAD},
	};
	unsigned int len;

	setup();
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		len = udp4(0, our4, 51820, ok[i].type, ok[i].len, 5);
		CHECK(cls(len) == WS_DP_V_WG);
		CHECK(meta.msg_type == ok[i].type);
		CHECK(meta.payload_len == ok[i].len);
		CHECK(meta.l2_len == 14 && meta.l3_len == 20 && meta.ip_version == 4);
		len = udp6(our6, 17, 51820, ok[i].type, ok[i].len);
		CHECK(cls(len) == WS_DP_V_WG);
		CHECK(meta.msg_type == ok[i].type);
		CHECK(meta.payload_len == ok[i].len);
		CHECK(meta.l2_len == 14 && meta.l3_len == 40 && meta.ip_version == 6);
	}
	/* VLAN tag */
	len = udp4(0x0123, our4, 51820, WS_MSG_DATA, 64, 5);
	CHECK(cls(len) == WS_DP_V_WG);
	CHECK(meta.l2_len == 18 && meta.vlan_tci == 0x0123);
	/* IPv4 options */
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 6);
	CHECK(cls(len) == WS_DP_V_WG);
	CHECK(meta.l3_len == 24);
	/* Ethernet padding after a short datagram is not part of the message */
	len = udp4(0, our4, 51820, WS_MSG_DATA, 32, 5);
	CHECK(cls(60 > len ? 60 : len + 6) == WS_DP_V_WG);
	CHECK(meta.payload_len == 32);
}

static void test_malformed_wg(void)
{
	unsigned int len;
	uint8_t *payload;

	setup();
	DROPPED(udp4(0, our4, 51820, WS_MSG_INITIATION, WS_MSG_INITIATION_LEN - 1, 5),
		WS_DP_CNT_DROP_WG_MALFORMED);
	DROPPED(udp4(0, our4, 51820, WS_MSG_RESPONSE, WS_MSG_RESPONSE_LEN + 1, 5),
		WS_DP_CNT_DROP_WG_MALFORMED);
	DROPPED(udp4(0, our4, 51820, WS_MSG_COOKIE, 0, 5), WS_DP_CNT_DROP_WG_MALFORMED);
	DROPPED(udp4(0, our4, 51820, WS_MSG_DATA, WS_MSG_DATA_MIN_LEN - 1, 5),
		WS_DP_CNT_DROP_WG_MALFORMED);
	DROPPED(udp4(0, our4, 51820, 5, 64, 5), WS_DP_CNT_DROP_WG_MALFORMED);
	DROPPED(udp4(0, our4, 51820, WS_MSG_DATA, 3, 5), WS_DP_CNT_DROP_WG_MALFORMED);
	/* reserved bytes must be zero */
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 5);
	payload = f + 14 + 20 + 8;
	payload[2] = 1;
	DROPPED(len, WS_DP_CNT_DROP_WG_MALFORMED);
	DROPPED(udp6(our6, 17, 51820, WS_MSG_DATA, 5), WS_DP_CNT_DROP_WG_MALFORMED);
}

static void test_kernel(void)
{
	unsigned int len;

	setup();
	/* ARP */
	len = eth(0x0806, 0) + 28;
	CHECK(cls(len) == WS_DP_V_KERNEL);
	/* LLDP, and a second VLAN tag */
	CHECK(cls(eth(0x88cc, 0) + 40) == WS_DP_V_KERNEL);
	CHECK(cls(eth(0x8100, 7) + 40) == WS_DP_V_KERNEL);
	/* ICMP to us */
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 5);
	f[14 + 9] = 1;
	ip4_fix_csum(f + 14);
	CHECK(cls(len) == WS_DP_V_KERNEL);
	CHECK(meta.reason == 0);
	/* other UDP port, other destination */
	CHECK(cls(udp4(0, our4, 53, WS_MSG_DATA, 64, 5)) == WS_DP_V_KERNEL);
	CHECK(cls(udp4(0, peer4, 51820, WS_MSG_DATA, 64, 5)) == WS_DP_V_KERNEL);
	CHECK(cls(udp6(peer6, 17, 51820, WS_MSG_DATA, 64)) == WS_DP_V_KERNEL);
	/* IPv6: ICMPv6, extension header, jumbogram */
	CHECK(cls(udp6(our6, 58, 51820, WS_MSG_DATA, 64)) == WS_DP_V_KERNEL);
	CHECK(cls(udp6(our6, 44, 51820, WS_MSG_DATA, 64)) == WS_DP_V_KERNEL);
	len = udp6(our6, 17, 51820, WS_MSG_DATA, 64);
	put16(f + 14 + 4, 0);
	CHECK(cls(len) == WS_DP_V_KERNEL);
	/* fragments: MF, or a non-zero offset, even to our port */
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 5);
	put16(f + 14 + 6, 0x2000);
	ip4_fix_csum(f + 14);
	CHECK(cls(len) == WS_DP_V_KERNEL);
	CHECK(meta.reason == WS_DP_CNT_RX_IP4_FRAG);
	put16(f + 14 + 6, 0x0010);
	ip4_fix_csum(f + 14);
	CHECK(cls(len) == WS_DP_V_KERNEL);
	CHECK(meta.reason == WS_DP_CNT_RX_IP4_FRAG);
	/* no address of that family configured */
	ctx.has_ip6 = false;
	CHECK(cls(udp6(our6, 17, 51820, WS_MSG_DATA, 64)) == WS_DP_V_KERNEL);
}

static void test_malformed_frames(void)
{
	unsigned int len;

	setup();
	DROPPED(0, WS_DP_CNT_DROP_ETH_TRUNCATED);
	DROPPED(13, WS_DP_CNT_DROP_ETH_TRUNCATED);
	eth(0x0800, 5);
	DROPPED(17, WS_DP_CNT_DROP_VLAN_TRUNCATED);
	/* IPv4 */
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 5);
	DROPPED(14 + 19, WS_DP_CNT_DROP_IP4_TRUNCATED);
	DROPPED(len - 1, WS_DP_CNT_DROP_IP4_TRUNCATED); /* total length beyond the frame */
	f[14] = 0x55;
	DROPPED(len, WS_DP_CNT_DROP_IP4_BAD_VERSION);
	f[14] = 0x44;
	DROPPED(len, WS_DP_CNT_DROP_IP4_BAD_IHL);
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 5);
	put16(f + 14 + 2, 19);
	ip4_fix_csum(f + 14);
	DROPPED(len, WS_DP_CNT_DROP_IP4_BAD_LEN);
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 5);
	f[14 + 8] = 63; /* TTL changed, checksum not */
	DROPPED(len, WS_DP_CNT_DROP_IP4_BAD_CSUM);
	/* the NIC's verdicts are trusted: GOOD skips the check, BAD drops */
	CHECK(cls_hint(len, WS_DP_HINT_IP4_CSUM_GOOD) == WS_DP_V_WG);
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 5);
	CHECK(cls_hint(len, WS_DP_HINT_IP4_CSUM_BAD) == WS_DP_V_DROP);
	CHECK(meta.reason == WS_DP_CNT_DROP_IP4_BAD_CSUM);
	/* UDP */
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 5);
	put16(f + 14 + 2, 20 + 7);
	ip4_fix_csum(f + 14);
	DROPPED(len, WS_DP_CNT_DROP_UDP_TRUNCATED);
	len = udp4(0, our4, 51820, WS_MSG_DATA, 64, 5);
	put16(f + 14 + 20 + 4, 7);
	DROPPED(len, WS_DP_CNT_DROP_UDP_BAD_LEN);
	put16(f + 14 + 20 + 4, 8 + 65);
	DROPPED(len, WS_DP_CNT_DROP_UDP_BAD_LEN);
	/* IPv6 */
	len = udp6(our6, 17, 51820, WS_MSG_DATA, 64);
	DROPPED(14 + 39, WS_DP_CNT_DROP_IP6_TRUNCATED);
	DROPPED(len - 1, WS_DP_CNT_DROP_IP6_TRUNCATED);
	f[14] = 0x40;
	DROPPED(len, WS_DP_CNT_DROP_IP6_BAD_VERSION);
	len = udp6(our6, 17, 51820, WS_MSG_DATA, 64);
	put16(f + 14 + 4, 7);
	DROPPED(len, WS_DP_CNT_DROP_UDP_TRUNCATED);
	len = udp6(our6, 17, 51820, WS_MSG_DATA, 64);
	put16(f + 14 + 40 + 4, 8 + 65);
	DROPPED(len, WS_DP_CNT_DROP_UDP_BAD_LEN);
}

/* Mutated and truncated frames: never a crash or a read past the end, always a sane verdict. */
static void test_mutations(void)
{
	unsigned int seed = 12345, bad = 0;

	setup();
	for (int i = 0; i < 20000; i++) {
		unsigned int len, cut;
		enum ws_dp_verdict v;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) & 1 ? udp4((seed >> 9) & 1 ? 5 : 0, our4, 51820, (seed >> 10) & 7,
					     (seed >> 13) % 200, 5 + ((seed >> 21) & 3))
				      : udp6(our6, 17, 51820, (seed >> 10) & 7, (seed >> 13) % 200);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			f[(seed >> 8) % len] ^= (uint8_t)(seed >> 20);
		}
		seed = seed * 1103515245u + 12345u;
		cut = (seed >> 8) % 4 == 0 ? (seed >> 12) % (len + 1) : len;
		v = cls(cut);
		if (v == WS_DP_V_DROP && strncmp(ws_dp_counter_names[meta.reason], "drop_", 5))
			bad++;
		if (v == WS_DP_V_WG && (meta.payload_len + meta.l2_len + meta.l3_len + 8u > cut ||
					meta.msg_type < 1 || meta.msg_type > 4))
			bad++;
	}
	CHECK(bad == 0);
}

static void test_counter_names(void)
{
	for (unsigned int i = 0; i < WS_DP_CNT_MAX; i++) {
		CHECK(ws_dp_counter_names[i] && ws_dp_counter_names[i][0]);
		CHECK(ws_dp_counter_descs[i] && ws_dp_counter_descs[i][0]);
		for (unsigned int j = 0; j < i; j++)
			CHECK(strcmp(ws_dp_counter_names[i], ws_dp_counter_names[j]));
	}
	CHECK(!strcmp(ws_dp_counter_names[WS_DP_CNT_DROP_WG_MALFORMED], "drop_wg_malformed"));
	CHECK(!strcmp(ws_dp_counter_names[WS_DP_CNT_DROP_UNKNOWN_INDEX], "drop_unknown_index"));
	/* every drop reason the classifier returns is named drop_* */
	CHECK(!strncmp(ws_dp_counter_names[WS_DP_CNT_DROP_ETH_TRUNCATED], "drop_", 5));
	/* reason 0 means "none": it must not be a drop */
	CHECK(strncmp(ws_dp_counter_names[0], "drop_", 5));
}

int main(void)
{
	static const struct ws_test_case cases[] = {
		WS_TEST(test_wg_messages),	WS_TEST(test_malformed_wg),
		WS_TEST(test_kernel),		WS_TEST(test_malformed_frames),
		WS_TEST(test_mutations),	WS_TEST(test_counter_names),
	};

	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
