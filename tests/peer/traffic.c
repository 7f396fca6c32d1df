/* SPDX-License-Identifier: BSD-3-Clause */
/* The frames of the raw-mode scenario (see traffic.h). */
#include "traffic.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "transport.h"

/* Echo payload sizes: an empty one, a small, a medium and a near-MTU packet. */
static const size_t sizes[] = {0, 100, 600, 1300};

void ws_tp_items_free(struct ws_tp_items *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct ws_tp_item *add(struct ws_tp_items *l, const char *counter, int peer)
{
	struct ws_tp_item *it;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct ws_tp_item *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	it->counter = counter;
	it->peer = peer;
	return it;
}

static size_t echo(uint8_t *buf, size_t cap, const struct ws_tp_scn *s,
		   const struct ws_tp_ipaddr *src, const struct ws_tp_ipaddr *dst, uint16_t id,
		   uint16_t seq, size_t payload_len)
{
	uint8_t payload[WS_TP_INNER_MTU];
	struct ws_tp_echo e = {
		.src = *src,
		.dst = *dst,
		.id = id,
		.seq = seq,
		.payload = payload,
		.payload_len = payload_len,
	};

	ws_tp_scn_fill(s, id, seq, payload, payload_len);
	return ws_tp_echo_build(buf, cap, &e);
}

/*
 * What a router's hop does to the IP packet pkt: TTL / hop limit one less (the IPv4 header
 * checksum recomputed). The gateway forwards each way as one hop.
 */
static void hop(uint8_t *pkt)
{
	if ((pkt[0] >> 4) == 6) {
		pkt[7]--;
		return;
	}
	pkt[8]--;
	pkt[10] = pkt[11] = 0;
	{
		uint16_t c = ws_tp_csum_fold(ws_tp_csum_add(0, pkt, (size_t)(pkt[0] & 0xf) * 4));

		pkt[10] = (uint8_t)(c >> 8);
		pkt[11] = (uint8_t)c;
	}
}

/* A transport message from peer p (its next counter unless counter is given) in a WAN frame. */
static size_t wan_frame(const struct ws_tp_scn *s, struct ws_tp_scn_peer *p, uint8_t *frame,
			size_t cap, uint32_t receiver, const uint8_t *plain, size_t len)
{
	uint8_t msg[WS_DATA_OVERHEAD + WS_TP_INNER_MTU + WS_PADDING_MULTIPLE];
	const struct ws_tp_ipaddr *dst = p->outer.family == AF_INET ? &s->dp4 : &s->dp6;
	struct ws_tp_frame_end from = {.mac = p->mac, .ip = &p->outer, .port = p->port};
	struct ws_tp_frame_end to = {.mac = s->dp_mac, .ip = dst, .port = WS_TP_SCN_PORT};
	size_t n;

	n = ws_transport_encrypt(msg, plain, len, WS_TP_INNER_MTU, receiver, p->send_counter++,
				 p->key_in);
	return ws_tp_frame_udp(frame, cap, &from, &to, msg, n);
}

static int data(struct ws_tp_items *l, struct ws_tp_scn *s, unsigned int peer, const char *counter,
		const uint8_t *inner, size_t inner_len, bool deliver)
{
	struct ws_tp_item *it = add(l, counter, (int)peer);
	struct ws_tp_scn_peer *p = &s->peers[peer];

	if (!it)
		return -1;
	it->wg_data = true;
	it->len = wan_frame(s, p, it->frame, sizeof(it->frame), p->dp_index, inner, inner_len);
	if (deliver) {
		memcpy(it->inner, inner, inner_len);
		it->inner_len = inner_len;
		hop(it->inner); /* as the LAN receives it */
	}
	return it->len ? 0 : -1;
}

/* A copy of item k of l under another counter name, cut or patched by the caller. */
static struct ws_tp_item *copy(struct ws_tp_items *l, size_t k, const char *counter, bool wg)
{
	struct ws_tp_item *it = add(l, counter, l->v[k].peer);

	if (!it)
		return NULL;
	memcpy(it->frame, l->v[k].frame, l->v[k].len);
	it->len = l->v[k].len;
	it->wg_data = wg;
	return it;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An ARP request from IPv4 peer i for the dataplane's WAN address. */
static int arp_request(struct ws_tp_items *l, const struct ws_tp_scn *s, unsigned int i)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const struct ws_tp_scn_peer *p = &s->peers[i];
	struct ws_tp_item *it = add(l, "to_kernel", (int)i);
	uint8_t *f;

	if (!it || p->outer.family != AF_INET)
		return -1;
	f = it->frame;
	memcpy(f, bcast, 6);
	memcpy(f + 6, p->mac, 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);      /* Ethernet */
	put16(f + 16, 0x0800); /* IPv4 */
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1); /* request */
	memcpy(f + 22, p->mac, 6);
	memcpy(f + 28, p->outer.bytes, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, s->dp4.bytes, 4);
	it->len = 42;
	return 0;
}

int ws_tp_traffic_wan(struct ws_tp_scn *s, struct ws_tp_items *l)
{
	uint8_t pkt[WS_TP_INNER_MTU];
	size_t first4 = SIZE_MAX, first6 = SIZE_MAX, n;
	struct ws_tp_scn_peer *p0 = &s->peers[0];
	struct ws_tp_item *it;

	ws_tp_items_free(l);
	/* the valid traffic: every peer, both inner families, every size */
	for (unsigned int i = 0; i < s->n_peers; i++) {
		struct ws_tp_scn_peer *p = &s->peers[i];

		if ((int)i == s->late)
			continue; /* no keypair yet: it sends nothing */

		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			for (int v6 = 0; v6 < 2; v6++) {
				n = echo(pkt, sizeof(pkt), s, v6 ? &p->inner6 : &p->inner4,
					 v6 ? &s->lan6 : &s->lan4, (uint16_t)(0x100 + i),
					 (uint16_t)(2 * k + (size_t)v6), sizes[k]);
				if (!n || data(l, s, i, "rx_decrypted", pkt, n, true))
					return -1;
				if (p->outer.family == AF_INET && first4 == SIZE_MAX)
					first4 = l->n - 1;
				if (p->outer.family == AF_INET6 && first6 == SIZE_MAX)
					first6 = l->n - 1;
			}
		}
	}
	/*
	 * Roaming: peer 1 moves to another source port. Its packet is delivered and everything
	 * for peer 1 goes to the new port from then on (pcap-check finds peers by address and
	 * port). Not asserted: the EV_ENDPOINT event and counter. The dataplane posts at most ten
	 * a second per peer; a move right after the peer's previous event is reported by the
	 * peer's next packet at least 100 ms later, which this one-burst scenario never sends
	 * (traffic.py checks that path).
	 */
	if (s->n_peers >= 2 && s->late != 1) {
		struct ws_tp_scn_peer *p1 = &s->peers[1];

		p1->port = (uint16_t)(p1->port + 100);
		n = echo(pkt, sizeof(pkt), s, &p1->inner4, &s->lan4, 0x101, 100, 64);
		if (!n || data(l, s, 1, "rx_decrypted", pkt, n, true))
			return -1;
	}
	/* a keepalive: authenticated and consumed */
	if (data(l, s, s->n_peers - 1 == (unsigned int)s->late ? 0 : s->n_peers - 1, "rx_keepalive",
		 NULL, 0, false))
		return -1;

	/* replayed: the very first frame again, byte for byte */
	if (!copy(l, first4, "drop_replay", true))
		return -1;
	/* an inner source of another peer's (or nobody's) range */
	n = echo(pkt, sizeof(pkt), s, &s->lan4, &s->lan4, 0x99, 1, 40);
	if (!n || data(l, s, 0, "drop_inner_source", pkt, n, false))
		return -1;
	/* a receiver index nobody installed */
	it = add(l, "drop_unknown_index", 0);
	if (!it)
		return -1;
	it->wg_data = true;
	n = echo(pkt, sizeof(pkt), s, &p0->inner4, &s->lan4, 0x99, 2, 40);
	it->len = wan_frame(s, p0, it->frame, sizeof(it->frame), 0x7777, pkt, n);
	/* a tag that does not verify: one ciphertext bit flipped */
	n = echo(pkt, sizeof(pkt), s, &p0->inner4, &s->lan4, 0x99, 3, 40);
	if (!n || data(l, s, 0, "drop_decrypt_auth", pkt, n, false))
		return -1;
	l->v[l->n - 1].frame[WS_TP_ETH_HDR_LEN + WS_TP_IPV4_HDR_LEN + WS_TP_UDP_HDR_LEN +
			     WS_DATA_HEADER_LEN + 3] ^= 0x10;
	/* authenticates, but no IP packet inside */
	memset(pkt, 0, 31);
	pkt[0] = 0x45;
	if (data(l, s, 0, "drop_inner_malformed", pkt, 31, false))
		return -1;
	/* a transport header without room for a tag: not a WireGuard message */
	it = add(l, "drop_wg_malformed", 0);
	if (!it)
		return -1;
	{
		uint8_t msg[26] = {WS_MSG_DATA, 0, 0, 0, 0x00, 0x10, 0, 0, 5};
		struct ws_tp_frame_end from = {.mac = p0->mac, .ip = &p0->outer, .port = p0->port};
		struct ws_tp_frame_end to = {
			.mac = s->dp_mac, .ip = &s->dp4, .port = WS_TP_SCN_PORT};

		it->len =
			ws_tp_frame_udp(it->frame, sizeof(it->frame), &from, &to, msg, sizeof(msg));
	}
	/* malformed outer headers (copies of the first IPv4 / IPv6 frames, broken) */
	it = copy(l, first4, "drop_eth_truncated", false);
	if (!it)
		return -1;
	it->len = 10;
	it = copy(l, first4, "drop_ip4_truncated", false);
	if (!it)
		return -1;
	it->len -= 20;
	it = copy(l, first4, "drop_ip4_bad_csum", false);
	if (!it)
		return -1;
	it->frame[WS_TP_ETH_HDR_LEN + 10] ^= 0x01;
	it = copy(l, first4, "drop_udp_bad_len", false);
	if (!it)
		return -1;
	{
		uint8_t *udp = it->frame + WS_TP_ETH_HDR_LEN + WS_TP_IPV4_HDR_LEN;

		put16(udp + 4, (uint16_t)((udp[4] << 8 | udp[5]) + 8));
	}
	if (first6 != SIZE_MAX) {
		it = copy(l, first6, "drop_ip6_truncated", false);
		if (!it)
			return -1;
		it->len -= 20;
	}
	/* ARP for our address: the kernel's business (and the late peer's MAC) */
	if (arp_request(l, s, 0) || (s->late >= 0 && arp_request(l, s, (unsigned int)s->late)))
		return -1;
	for (size_t k = 0; k < l->n; k++)
		if (!l->v[k].len)
			return -1;
	return 0;
}

int ws_tp_traffic_lan(const struct ws_tp_scn *s, struct ws_tp_items *l)
{
	uint8_t pkt[WS_TP_INNER_MTU];
	struct ws_tp_ipaddr nowhere4, nowhere6;
	struct ws_tp_item *it;
	size_t n;

	ws_tp_items_free(l);
	for (unsigned int i = 0; i < s->n_peers; i++) {
		const struct ws_tp_scn_peer *p = &s->peers[i];
		/* in the loop, the packet comes back as the other peer's: it must be from its range
		 */
		const struct ws_tp_scn_peer *from = s->loop ? &s->peers[1 - i] : NULL;

		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			for (int v6 = 0; v6 < 2; v6++) {
				const struct ws_tp_ipaddr *src =
					from ? (v6 ? &from->inner6 : &from->inner4)
					     : (v6 ? &s->lan6 : &s->lan4);

				/* the late peer's wait for its keypair, then leave */
				it = add(l, (int)i == s->late ? "staged" : "tx_encrypted", (int)i);
				if (!it)
					return -1;
				n = echo(it->inner, sizeof(it->inner), s, src,
					 v6 ? &p->inner6 : &p->inner4, (uint16_t)(0x200 + i),
					 (uint16_t)(2 * k + (size_t)v6), sizes[k]);
				it->inner_len = n;
				it->len = ws_tp_frame_ip(it->frame, sizeof(it->frame),
							 s->dp_lan_mac, s->lan_mac, it->inner, n);
				if (!n || !it->len)
					return -1;
				hop(it->inner); /* as it goes into the tunnel */
			}
		}
	}
	/* for no peer */
	ws_tp_ipaddr_parse(&nowhere4, "10.9.9.9");
	ws_tp_ipaddr_parse(&nowhere6, "fd00:9::9");
	for (int v6 = 0; v6 < 2; v6++) {
		it = add(l, "drop_no_peer", -1);
		if (!it)
			return -1;
		n = echo(pkt, sizeof(pkt), s, v6 ? &s->lan6 : &s->lan4, v6 ? &nowhere6 : &nowhere4,
			 0x300, (uint16_t)v6, 64);
		it->len = ws_tp_frame_ip(it->frame, sizeof(it->frame), s->dp_lan_mac, s->lan_mac,
					 pkt, n);
		if (!n || !it->len)
			return -1;
	}
	/* not IP: a (malformed) ARP request on the LAN, the kernel's business */
	it = add(l, "lan_to_kernel", -1);
	if (!it)
		return -1;
	memset(it->frame, 0xff, 6);
	memcpy(it->frame + 6, s->lan_mac, 6);
	put16(it->frame + 12, 0x0806);
	memset(it->frame + 14, 0, 28);
	it->len = 42;
	return 0;
}

int ws_tp_traffic_loop_delivered(const struct ws_tp_items *lan, struct ws_tp_items *out)
{
	ws_tp_items_free(out);
	for (size_t k = 0; k < lan->n; k++) {
		struct ws_tp_item *it;

		if (!lan->v[k].inner_len)
			continue;
		it = add(out, "rx_decrypted", lan->v[k].peer);
		if (!it)
			return -1;
		memcpy(it->inner, lan->v[k].inner, lan->v[k].inner_len);
		it->inner_len = lan->v[k].inner_len;
		hop(it->inner); /* from the tunnel to the LAN: the second hop */
	}
	return 0;
}

uint64_t ws_tp_items_count(const struct ws_tp_items *l, const char *counter)
{
	uint64_t n = 0;
	bool wg = !strcmp(counter, "rx_wg_data");

	for (size_t k = 0; k < l->n; k++)
		if (wg ? l->v[k].wg_data : !strcmp(l->v[k].counter, counter))
			n++;
	return n;
}

size_t ws_tp_items_counters(const struct ws_tp_items *l, const char **names, size_t max)
{
	size_t n = 0;
	bool wg = false;

	for (size_t k = 0; k < l->n; k++) {
		size_t j;

		wg |= l->v[k].wg_data;
		for (j = 0; j < n; j++)
			if (!strcmp(names[j], l->v[k].counter))
				break;
		if (j == n && n < max)
			names[n++] = l->v[k].counter;
	}
	if (wg && n < max)
		names[n++] = "rx_wg_data";
	return n;
}
