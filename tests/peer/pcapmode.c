/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-testpeer's raw mode: the static-key scenario (scenario.h, traffic.h) as pcap files.
 *   pcap-write  writes the peers' WAN frames and the LAN's plaintext frames;
 *   pcap-check  reads what the dataplane wrote (WAN: decrypts and checks every transport
 *               message, its padding, counters and headers; LAN: every delivered inner packet
 *               byte for byte, to the right LAN neighbour's MAC; the kernel's frames from
 *               the LAN exception TAP are accounted) and compares the dataplane's exit
 *               counters with the scenario.
 * libpcap reads and writes the files, the same library DPDK's net_pcap uses.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "crypto.h"
#include "modes.h"
#include "scenario.h"
#include "traffic.h"
#include "transport.h"

enum { MAX_FILES = 8, MAX_COUNTER = 4096, MAX_NAMES = 64 };

struct pcap_opts {
	uint64_t seed;
	unsigned int peers;
	const char *wan, *lan, *stats;
	const char *wan_out[MAX_FILES], *lan_out[MAX_FILES];
	unsigned int n_wan_out, n_lan_out;
	unsigned int mtu;
	bool loop;
	uint8_t lan_mac[6]; /* --lan-mac: the dataplane's LAN port MAC */
	bool has_lan_mac;
};

static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

int ws_tp_parse_u64(const char *prog, const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max || s[0] == '-') {
		fprintf(stderr, "%s: %s: bad number '%s'\n", prog, opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse(struct pcap_opts *o, int argc, char **argv, bool check)
{
	static const struct option longopts[] = {
		{"seed", required_argument, NULL, 's'},
		{"peers", required_argument, NULL, 'p'},
		{"wan", required_argument, NULL, 'w'},
		{"lan", required_argument, NULL, 'l'},
		{"wan-out", required_argument, NULL, 'W'},
		{"lan-out", required_argument, NULL, 'L'},
		{"stats", required_argument, NULL, 'S'},
		{"mtu", required_argument, NULL, 'm'},
		{"loop", no_argument, NULL, 'o'},
		{"lan-mac", required_argument, NULL, 'M'},
		{NULL, 0, NULL, 0},
	};
	const char *prog = check ? "ws-testpeer pcap-check" : "ws-testpeer pcap-write";
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->peers = 4;
	o->mtu = WS_TP_INNER_MTU;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (ws_tp_parse_u64(prog, "--seed", optarg, UINT64_MAX, &o->seed))
				return -1;
			break;
		case 'p':
			if (ws_tp_parse_u64(prog, "--peers", optarg, WS_TP_SCN_MAX_PEERS, &v) || !v)
				return -1;
			o->peers = (unsigned int)v;
			break;
		case 'm':
			if (ws_tp_parse_u64(prog, "--mtu", optarg, WS_TP_INNER_MTU, &v) || v < 576)
				return -1;
			o->mtu = (unsigned int)v;
			break;
		case 'o':
			o->loop = true;
			break;
		case 'M': {
			unsigned int b[6];
			int end = 0;

			if (sscanf(optarg, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
				   &b[4], &b[5], &end) != 6 ||
			    optarg[end]) {
				fprintf(stderr, "%s: --lan-mac: bad MAC '%s'\n", prog, optarg);
				return -1;
			}
			for (int i = 0; i < 6; i++)
				o->lan_mac[i] = (uint8_t)b[i];
			o->has_lan_mac = true;
			break;
		}
		case 'w':
			o->wan = optarg;
			break;
		case 'l':
			o->lan = optarg;
			break;
		case 'S':
			o->stats = optarg;
			break;
		case 'W':
		case 'L': {
			const char **list = c == 'W' ? o->wan_out : o->lan_out;
			unsigned int *n = c == 'W' ? &o->n_wan_out : &o->n_lan_out;

			if (*n == MAX_FILES) {
				fprintf(stderr, "%s: at most %d files per direction\n", prog,
					MAX_FILES);
				return -1;
			}
			list[(*n)++] = optarg;
			break;
		}
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return -1;
	}
	if (!check && (!o->lan || !o->wan != o->loop)) {
		fprintf(stderr,
			"usage: %s --seed N [--peers N] (--wan FILE | --loop) --lan FILE "
			"[--lan-mac MAC]\n",
			prog);
		return -1;
	}
	if (check && (!o->n_wan_out != o->loop || !o->n_lan_out || !o->stats || !o->has_lan_mac)) {
		fprintf(stderr,
			"usage: %s --seed N [--peers N] (--wan-out FILE... | --loop) --lan-out "
			"FILE... "
			"--stats FILE --lan-mac MAC [--mtu N]\n",
			prog);
		return -1;
	}
	return 0;
}

static int write_pcap(const char *path, const struct ws_tp_items *l)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;
	int ret = 0;

	if (!p)
		return -1;
	d = pcap_dump_open(p, path);
	if (!d) {
		fprintf(stderr, "ws-testpeer: %s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	for (size_t k = 0; k < l->n; k++) {
		struct pcap_pkthdr h = {
			.ts = {.tv_sec = 1700000000, .tv_usec = (suseconds_t)k},
			.caplen = (bpf_u_int32)l->v[k].len,
			.len = (bpf_u_int32)l->v[k].len,
		};

		pcap_dump((u_char *)d, &h, l->v[k].frame);
	}
	if (pcap_dump_flush(d) != 0)
		ret = -1;
	pcap_dump_close(d);
	pcap_close(p);
	return ret;
}

int ws_tp_cmd_pcap_write(int argc, char **argv)
{
	struct ws_tp_items wan = {0}, lan = {0};
	struct pcap_opts o;
	struct ws_tp_scn s;
	int ret = 1;

	if (parse(&o, argc, argv, false))
		return 2;
	if (o.loop)
		ws_tp_scn_init_loop(&s, o.seed);
	else if (ws_tp_scn_init(&s, o.seed, o.peers) || ws_tp_traffic_wan(&s, &wan))
		goto build;
	if (o.has_lan_mac)
		ws_tp_scn_set_lan_mac(&s, o.lan_mac);
	if (ws_tp_traffic_lan(&s, &lan)) {
	build:
		fprintf(stderr, "ws-testpeer pcap-write: cannot build the frames\n");
		goto out;
	}
	if ((o.wan && write_pcap(o.wan, &wan)) || write_pcap(o.lan, &lan))
		goto out;
	printf("wrote %zu WAN frames to %s, %zu LAN frames to %s\n", wan.n, o.wan ? o.wan : "-",
	       lan.n, o.lan);
	ret = 0;
out:
	ws_tp_items_free(&wan);
	ws_tp_items_free(&lan);
	ws_tp_scn_clear(&s);
	return ret;
}

/* Calls fn for every frame of every file; -1 if a file cannot be read or a frame is cut. */
static int each_frame(const char *const *files, unsigned int n,
		      void (*fn)(void *ctx, const uint8_t *f, size_t len), void *ctx,
		      size_t *frames)
{
	char err[PCAP_ERRBUF_SIZE];

	*frames = 0;
	for (unsigned int i = 0; i < n; i++) {
		pcap_t *p = pcap_open_offline(files[i], err);
		struct pcap_pkthdr *h;
		const u_char *data;
		int r;

		if (!p) {
			fail("%s: %s", files[i], err);
			return -1;
		}
		if (pcap_datalink(p) != DLT_EN10MB) {
			fail("%s: not an Ethernet capture", files[i]);
			pcap_close(p);
			return -1;
		}
		while ((r = pcap_next_ex(p, &h, &data)) == 1) {
			if (h->caplen != h->len)
				fail("%s: frame %zu cut to %u of %u bytes", files[i], *frames,
				     h->caplen, h->len);
			fn(ctx, data, h->caplen);
			(*frames)++;
		}
		if (r != PCAP_ERROR_BREAK)
			fail("%s: %s", files[i], pcap_geterr(p));
		pcap_close(p);
	}
	return 0;
}

/* What the checker saw; the scenario it compares with. */
struct check {
	struct ws_tp_scn s;
	struct ws_tp_items wan, lan;
	bool *wan_seen, *lan_seen; /* per item: matched by an output frame */
	unsigned int mtu;
	/* WAN output */
	uint64_t other, keepalives, data, extra_lan;
	uint64_t lan_other;   /* LAN output from the LAN port's MAC that is no decrypted packet */
	uint64_t arp_replies; /* the kernel's answers (through the exception TAP) to our ARP */
	uint64_t delivered;   /* decrypted packets found on the LAN */
	uint8_t ctr_seen[WS_TP_SCN_MAX_PEERS][MAX_COUNTER];
	uint64_t ctr_n[WS_TP_SCN_MAX_PEERS];
};

static void on_lan_out(void *ctx, const uint8_t *f, size_t len)
{
	struct check *c = ctx;
	const uint8_t *ip = f + WS_TP_ETH_HDR_LEN;
	size_t n = len > WS_TP_ETH_HDR_LEN ? len - WS_TP_ETH_HDR_LEN : 0;
	uint16_t type = len >= WS_TP_ETH_HDR_LEN ? (uint16_t)(f[12] << 8 | f[13]) : 0;

	if (len < WS_TP_ETH_HDR_LEN || memcmp(f + 6, c->s.dp_lan_mac, 6)) {
		fail("LAN out: a %zu-byte frame not from the LAN port's MAC", len);
		return;
	}
	for (size_t k = 0; n && (type == 0x0800 || type == 0x86dd) && k < c->wan.n; k++) {
		const struct ws_tp_item *it = &c->wan.v[k];
		struct ws_tp_ipaddr dst = {.family = type == 0x0800 ? AF_INET : AF_INET6};

		if (c->wan_seen[k] || it->inner_len != n || memcmp(it->inner, ip, n))
			continue;
		c->wan_seen[k] = true;
		memcpy(dst.bytes, dst.family == AF_INET ? it->inner + 16 : it->inner + 24,
		       dst.family == AF_INET ? 4 : 16);
		if (memcmp(f, ws_tp_scn_lan_nexthop_mac(&c->s, &dst), 6))
			fail("LAN out: peer %d's inner packet (item %zu) to "
			     "%02x:%02x:%02x:%02x:%02x:%02x, "
			     "not its LAN next hop's MAC",
			     it->peer, k, f[0], f[1], f[2], f[3], f[4], f[5]);
		return;
	}
	/* the kernel's (through the LAN TAP), our ARP/ND, ICMP errors: accounted by counters */
	c->lan_other++;
}

static const struct ws_tp_scn_peer *peer_at(const struct ws_tp_scn *s,
					    const struct ws_tp_ipaddr *ip, uint16_t port)
{
	for (unsigned int i = 0; i < s->n_peers; i++)
		if (ws_tp_ipaddr_equal(&s->peers[i].outer, ip) && s->peers[i].port == port)
			return &s->peers[i];
	return NULL;
}

static void on_transport(struct check *c, const struct ws_tp_scn_peer *p,
			 const struct ws_tp_frame_udp_info *u)
{
	uint8_t plain[WS_MAX_PACKET_LEN];
	const struct ws_msg_data *hdr = (const void *)u->payload;
	uint64_t counter;
	size_t inner;
	long n;

	if (u->payload_len < WS_MSG_DATA_MIN_LEN || ws_le32(hdr->type) != WS_MSG_DATA) {
		fail("WAN out: to peer %u: not a transport message (%zu bytes)", p->id,
		     u->payload_len);
		return;
	}
	if (ws_le32(hdr->receiver) != p->peer_index) {
		fail("WAN out: to peer %u: receiver index 0x%x, expected 0x%x", p->id,
		     ws_le32(hdr->receiver), p->peer_index);
		return;
	}
	n = ws_transport_decrypt(plain, u->payload, u->payload_len, p->key_out, &counter);
	if (n < 0) {
		fail("WAN out: to peer %u: does not authenticate", p->id);
		return;
	}
	if (counter >= MAX_COUNTER || c->ctr_seen[p->id][counter]) {
		fail("WAN out: to peer %u: counter %" PRIu64 " reused or out of range", p->id,
		     counter);
		return;
	}
	c->ctr_seen[p->id][counter] = 1;
	c->ctr_n[p->id]++;
	if (n == 0) {
		c->keepalives++;
		return;
	}
	inner = ws_tp_ip_packet_len(plain, (size_t)n);
	if (!inner) {
		fail("WAN out: to peer %u: no IP packet inside", p->id);
		return;
	}
	if ((size_t)n != ws_transport_padded_len(inner, c->mtu)) {
		fail("WAN out: to peer %u: %zu-byte packet padded to %ld, expected %zu", p->id,
		     inner, n, ws_transport_padded_len(inner, c->mtu));
		return;
	}
	for (size_t k = inner; k < (size_t)n; k++) {
		if (plain[k]) {
			fail("WAN out: to peer %u: padding not zero", p->id);
			return;
		}
	}
	for (size_t k = 0; k < c->lan.n; k++) {
		const struct ws_tp_item *it = &c->lan.v[k];

		if (!c->lan_seen[k] && it->peer == (int)p->id && it->inner_len == inner &&
		    !memcmp(it->inner, plain, inner)) {
			c->lan_seen[k] = true;
			c->data++;
			return;
		}
	}
	fail("WAN out: to peer %u: a %zu-byte inner packet the LAN did not send for it "
	     "(or a duplicate)",
	     p->id, inner);
}

/* The kernel's ARP reply to the scenario's request: 198.18.0.1 is at the WAN MAC, to peer 0. */
static bool is_arp_reply(const struct ws_tp_scn *s, const uint8_t *f, size_t len)
{
	const struct ws_tp_scn_peer *p0 = &s->peers[0];

	return len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2 &&
	       !memcmp(f, p0->mac, 6) && !memcmp(f + 6, f + 22, 6) &&
	       !memcmp(f + 28, s->dp4.bytes, 4) && !memcmp(f + 32, p0->mac, 6) &&
	       !memcmp(f + 38, p0->outer.bytes, 4);
}

static void on_wan_out(void *ctx, const uint8_t *f, size_t len)
{
	struct check *c = ctx;
	struct ws_tp_frame_udp_info u;
	const struct ws_tp_scn_peer *p;
	const char *why;
	int r = ws_tp_frame_parse_udp(f, len, &u, &why);

	if (r < 0) {
		fail("WAN out: broken UDP frame (%zu bytes): %s", len, why);
		return;
	}
	if (r > 0 || u.sport != WS_TP_SCN_PORT) {
		c->other++; /* ARP, neighbour discovery, the exception path's frames */
		if (is_arp_reply(&c->s, f, len))
			c->arp_replies++;
		return;
	}
	p = peer_at(&c->s, &u.dst, u.dport);
	if (!p) {
		fail("WAN out: tunnel UDP to no peer's endpoint (port %u)", u.dport);
		return;
	}
	if (!ws_tp_ipaddr_equal(&u.src, u.src.family == AF_INET ? &c->s.dp4 : &c->s.dp6))
		fail("WAN out: to peer %u: not from the WAN address", p->id);
	if (memcmp(u.dst_mac, p->mac, 6))
		fail("WAN out: to peer %u: destination MAC is not the peer's", p->id);
	on_transport(c, p, &u);
}

static int64_t counter_of(json_t *counters, const char *name)
{
	json_t *v = json_object_get(counters, name);

	if (!json_is_integer(v)) {
		fail("stats: no counter %s", name);
		return -1;
	}
	return (int64_t)json_integer_value(v);
}

static void expect_counter(json_t *counters, const char *name, uint64_t want)
{
	int64_t got = counter_of(counters, name);

	if (got < 0)
		return;
	if ((uint64_t)got != want)
		fail("counter %s = %" PRId64 ", expected %" PRIu64, name, got, want);
	else
		printf("counter %s = %" PRIu64 " ok\n", name, want);
}

static void check_stats(struct check *c, const char *path, size_t wan_out_frames)
{
	uint64_t late;
	const char *names[MAX_NAMES];
	size_t n = 0;
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err), *counters, *full;
	const char *key;
	json_t *v;

	if (!root) {
		fail("%s:%d: %s", path, err.line, err.text);
		return;
	}
	counters = json_object_get(root, "counters");
	if (!json_is_object(counters)) {
		fail("%s: no counters", path);
		json_decref(root);
		return;
	}
	n = ws_tp_items_counters(&c->wan, names, MAX_NAMES);
	n += ws_tp_items_counters(&c->lan, names + n, MAX_NAMES - n);
	late = ws_tp_items_count(&c->lan, "staged");
	for (size_t i = 0; i < n; i++)
		expect_counter(counters, names[i],
			       ws_tp_items_count(&c->wan, names[i]) +
				       ws_tp_items_count(&c->lan, names[i]) +
				       (strcmp(names[i], "tx_encrypted") ? 0 : late));
	/* the late peer's packets: staged, then flushed and encrypted when its keypair landed */
	if (late)
		expect_counter(counters, "staged_flushed", late);
	/* the LAN port got every LAN frame; what is not for the kernel went on to be encrypted */
	expect_counter(counters, "lan_rx", c->lan.n);
	expect_counter(counters, "plain_rx",
		       c->lan.n - ws_tp_items_count(&c->lan, "lan_to_kernel"));
	/* decrypted packets left to their static neighbours at once: none held, none asked for */
	expect_counter(counters, "lan_tx_decrypted", c->delivered);
	expect_counter(counters, "lan_held", 0);
	expect_counter(counters, "lan_neigh_solicit", 0);
	/* the rest of the LAN output: the kernel's frames and the gateway's ICMP errors */
	{
		static const char *const others[] = {"lan_from_kernel", "lan_icmp_too_big",
						     "lan_icmp6_too_big", "lan_icmp_time_exceeded",
						     "lan_icmp6_time_exceeded"};
		uint64_t want = 0;
		bool all = true;

		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
			int64_t got = counter_of(counters, others[i]);

			all &= got >= 0;
			want += got >= 0 ? (uint64_t)got : 0;
		}
		if (all && c->lan_other != want)
			fail("LAN out: %" PRIu64 " frames besides decrypted packets, but "
			     "lan_from_kernel + lan_icmp* = %" PRIu64,
			     c->lan_other, want);
		else if (all)
			printf("LAN out: %" PRIu64 " frames from the kernel / ICMP ok\n", want);
	}
	if (c->s.loop) {
		/* the WAN loops: all it sent came back, keepalives included */
		expect_counter(counters, "wan_rx", (uint64_t)counter_of(counters, "wan_tx"));
		expect_counter(counters, "rx_keepalive",
			       (uint64_t)counter_of(counters, "tx_keepalive"));
	} else {
		expect_counter(counters, "wan_rx", c->wan.n);
		expect_counter(counters, "tx_keepalive", c->keepalives);
		expect_counter(counters, "wan_tx", wan_out_frames);
	}
	/* the rest of the WAN output: the kernel's frames and our neighbour solicitations */
	if (!c->s.loop && counter_of(counters, "from_kernel") >= 0 &&
	    counter_of(counters, "neigh_solicit") >= 0) {
		uint64_t want = (uint64_t)counter_of(counters, "from_kernel") +
				(uint64_t)counter_of(counters, "neigh_solicit");

		if (c->other != want)
			fail("WAN out: %" PRIu64 " frames besides tunnel data, but from_kernel + "
			     "neigh_solicit = %" PRIu64,
			     c->other, want);
	}
	/* every drop reason the scenario does not provoke stayed at zero */
	json_object_foreach(counters, key, v)
	{
		bool expected = false;

		if (strncmp(key, "drop_", 5))
			continue;
		for (size_t i = 0; i < n; i++)
			expected |= !strcmp(names[i], key);
		if (!expected && json_integer_value(v) != 0)
			fail("counter %s = %" JSON_INTEGER_FORMAT ", expected 0", key,
			     json_integer_value(v));
	}
	full = json_object_get(root, "mempools_full");
	if (!json_is_true(full))
		fail("%s: mempools not full at exit (mbufs leaked)", path);
	json_decref(root);
}

int ws_tp_cmd_pcap_check(int argc, char **argv)
{
	static struct check c; /* large: not on the stack */
	size_t wan_frames = 0, lan_frames = 0, delivered = 0, want_delivered = 0;
	struct pcap_opts o;
	int ret = 1;

	if (parse(&o, argc, argv, true))
		return 2;
	memset(&c, 0, sizeof(c));
	c.mtu = o.mtu;
	/* c.wan: what the WAN brings, so what the LAN must get (in the loop: the LAN's own) */
	if (o.loop) {
		ws_tp_scn_init_loop(&c.s, o.seed);
		ws_tp_scn_set_lan_mac(&c.s, o.lan_mac);
		if (ws_tp_traffic_lan(&c.s, &c.lan) || ws_tp_traffic_loop_delivered(&c.lan, &c.wan))
			goto build;
	} else if (ws_tp_scn_init(&c.s, o.seed, o.peers) ||
		   (ws_tp_scn_set_lan_mac(&c.s, o.lan_mac), ws_tp_traffic_wan(&c.s, &c.wan)) ||
		   ws_tp_traffic_lan(&c.s, &c.lan)) {
	build:
		fprintf(stderr, "ws-testpeer pcap-check: cannot build the frames\n");
		goto out;
	}
	c.wan_seen = calloc(c.wan.n, sizeof(bool));
	c.lan_seen = calloc(c.lan.n, sizeof(bool));
	if (!c.wan_seen || !c.lan_seen)
		goto out;

	/* decrypt direction: every authentic inner packet once, byte for byte, nothing else */
	if (each_frame(o.lan_out, o.n_lan_out, on_lan_out, &c, &lan_frames))
		goto out;
	for (size_t k = 0; k < c.wan.n; k++) {
		want_delivered += c.wan.v[k].inner_len != 0;
		delivered += c.wan_seen[k];
		if (c.wan.v[k].inner_len && !c.wan_seen[k])
			fail("LAN out: peer %d's inner packet (item %zu, %zu bytes) missing",
			     c.wan.v[k].peer, k, c.wan.v[k].inner_len);
	}
	c.delivered = delivered;
	printf("LAN out: %zu frames, %zu of %zu inner packets delivered byte-exact, %" PRIu64
	       " others\n",
	       lan_frames, delivered, want_delivered, c.lan_other);

	if (o.loop) {
		check_stats(&c, o.stats, 0);
		goto done;
	}
	/* encrypt direction: every LAN packet for a peer once, decryptable, padded, in order */
	if (each_frame(o.wan_out, o.n_wan_out, on_wan_out, &c, &wan_frames))
		goto out;
	for (size_t k = 0; k < c.lan.n; k++)
		if (c.lan.v[k].inner_len && !c.lan_seen[k])
			fail("WAN out: LAN packet %zu for peer %d missing", k, c.lan.v[k].peer);
	for (unsigned int i = 0; i < c.s.n_peers; i++)
		for (uint64_t k = 0; k < c.ctr_n[i]; k++)
			if (!c.ctr_seen[i][k]) {
				fail("WAN out: peer %u: counters not 0..%" PRIu64
				     " (gap at %" PRIu64 ")",
				     i, c.ctr_n[i] - 1, k);
				break;
			}
	printf("WAN out: %zu frames: %" PRIu64 " data, %" PRIu64 " keepalives, %" PRIu64
	       " others (ARP/ND, kernel)\n",
	       wan_frames, c.data, c.keepalives, c.other);
	/* the ARP request went up the exception TAP; the kernel's answer came down it */
	if (c.arp_replies != 1)
		fail("WAN out: %" PRIu64 " ARP replies from the kernel to peer 0, expected 1",
		     c.arp_replies);

	check_stats(&c, o.stats, wan_frames);
done:
	ret = failures ? 1 : 0;
	printf("%s\n", ret == 0 ? "RESULT: ok" : "RESULT: FAIL");
out:
	free(c.wan_seen);
	free(c.lan_seen);
	ws_tp_items_free(&c.wan);
	ws_tp_items_free(&c.lan);
	ws_tp_scn_clear(&c.s);
	return ret;
}
