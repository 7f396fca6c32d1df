/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-gen option parsing. Parse errors quote the bad input; key files are refused when others may
 * read them (as `wg` warns) and keys are never printed.
 */
#include "keyfile.h"
#include "options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"

void ws_gen_options_usage(FILE *f)
{
	fprintf(f,
		"usage: ws-gen [EAL options] -- [options]\n"
		"A WireGuard-aware traffic generator: handshakes N peers with a gateway, then "
		"sends\n"
		"encrypted transport data at a given rate and decrypts what comes back. The main\n"
		"lcore receives and handshakes; every other EAL lcore sends on its own tx queue "
		"for\n"
		"its share of the peers (with none, the main lcore sends too). The port needs one\n"
		"rx and one tx queue per lcore (net_af_packet: qpairs=N).\n"
		"  --peers N                  simulated peers (default 1)\n"
		"  --keys FILE                their private keys, one base64 key per line (else "
		"fresh\n"
		"                             keys are generated for every run)\n"
		"  --write-keys FILE          save the generated private keys (mode 0600) for "
		"--keys\n"
		"  --server-key B64           the gateway's public key (required)\n"
		"  --server IP:PORT           the gateway's WAN address and listen port "
		"(required)\n"
		"  --psk FILE                 preshared key (same for every peer), as `wg genpsk` "
		"writes it\n"
		"  --src-net A.B.C.D/LEN      outer source addresses, one per peer, wrapping onto "
		"the\n"
		"                             next source port (default 198.18.1.0/24)\n"
		"  --src-port PORT            first outer UDP source port (default 51821)\n"
		"  --dst-mac MAC              gateway or next-hop MAC (default: resolve with ARP)\n"
		"  --next-hop IP              ARP for this address instead of the server's\n"
		"  --inner-src-net A.B.C.D/LEN  peer i sends from A.B.C.D + i (default "
		"10.200.0.1/16);\n"
		"                             the gateway's allowed-ips for peer i must hold it\n"
		"  --inner-dst IP             inner destination (default 10.201.0.1)\n"
		"  --inner-dport PORT         inner UDP destination port (default 9, discard)\n"
		"  --size BYTES               inner IPv4 packet size, %d..%d (default 64)\n"
		"  --rate PPS                 transport packets per second, shared by the tx "
		"lcores\n"
		"                             (default 0: as fast as the port takes them)\n"
		"  --duration S               seconds of transport data, at most %d (default 10)\n"
		"  --handshake-timeout S      seconds allowed for all handshakes (default 20)\n"
		"  --retransmit-ms MS         initiation retransmit interval (default %d)\n"
		"  --burst N                  packets per tx burst (default 32)\n"
		"  --port N                   DPDK port id (default 0)\n"
		"  --mbufs N                  mbufs in the pool (default: enough to fill every\n"
		"                             ring, at least 8191)\n"
		"  --backend NAME             batch crypto backend: auto, ipsecmb, ref (default "
		"auto)\n"
		"  --json FILE                write the results (totals, per second, per peer)\n"
		"  --print-peer-config FILE   write the peers as a wirespeed YAML peers: list to "
		"FILE\n"
		"                             and as `wg set` lines to FILE.wg\n"
		"  --config-only              write --write-keys / --print-peer-config and exit "
		"(no EAL)\n"
		"  --quiet                    no per-second lines\n"
		"exit status: 0 every handshake completed, 1 some did not or the run failed, 2 "
		"usage\n",
		WS_GEN_MIN_SIZE, WS_GEN_MAX_SIZE, WS_REKEY_AFTER_TIME, WS_REKEY_TIMEOUT * 1000);
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "ws-gen: %s: '%s' is not a number in %llu..%llu\n", opt, s,
			(unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_uint(const char *opt, const char *s, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	uint64_t v;

	if (parse_u64(opt, s, min, max, &v))
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int parse_seconds(const char *opt, const char *s, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > max) {
		fprintf(stderr, "ws-gen: %s: '%s' is not a number of seconds in (0, %g]\n", opt, s,
			max);
		return -1;
	}
	*out = v;
	return 0;
}

int ws_gen_parse_ip4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*addr = ntohl(a.s_addr);
	return 0;
}

int ws_gen_parse_cidr4(const char *s, uint32_t *addr, unsigned int *plen)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long l = 32;
	size_t n;

	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= INET_ADDRSTRLEN)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (ws_gen_parse_ip4(buf, addr))
		return -1;
	if (slash) {
		errno = 0;
		l = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || l > 32 || slash[1] == '-')
			return -1;
	}
	*plen = (unsigned int)l;
	return 0;
}

int ws_gen_parse_ipport4(const char *s, uint32_t *addr, uint16_t *port)
{
	char buf[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	unsigned long p;
	char *end;
	size_t n;

	if (!colon)
		return -1;
	n = (size_t)(colon - s);
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (ws_gen_parse_ip4(buf, addr))
		return -1;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p == 0 || p > 65535 || colon[1] == '-')
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int ws_gen_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

enum {
	OPT_PEERS = 256,
	OPT_KEYS,
	OPT_WRITE_KEYS,
	OPT_SERVER_KEY,
	OPT_SERVER,
	OPT_PSK,
	OPT_SRC_NET,
	OPT_SRC_PORT,
	OPT_DST_MAC,
	OPT_NEXT_HOP,
	OPT_INNER_SRC_NET,
	OPT_INNER_DST,
	OPT_INNER_DPORT,
	OPT_SIZE,
	OPT_RATE,
	OPT_DURATION,
	OPT_HS_TIMEOUT,
	OPT_RETRANSMIT,
	OPT_BURST,
	OPT_PORT,
	OPT_MBUFS,
	OPT_BACKEND,
	OPT_JSON,
	OPT_PEER_CONFIG,
	OPT_CONFIG_ONLY,
	OPT_QUIET,
	OPT_HELP,
};

static const struct option long_opts[] = {
	{"peers", required_argument, NULL, OPT_PEERS},
	{"keys", required_argument, NULL, OPT_KEYS},
	{"write-keys", required_argument, NULL, OPT_WRITE_KEYS},
	{"server-key", required_argument, NULL, OPT_SERVER_KEY},
	{"server", required_argument, NULL, OPT_SERVER},
	{"psk", required_argument, NULL, OPT_PSK},
	{"src-net", required_argument, NULL, OPT_SRC_NET},
	{"src-port", required_argument, NULL, OPT_SRC_PORT},
	{"dst-mac", required_argument, NULL, OPT_DST_MAC},
	{"next-hop", required_argument, NULL, OPT_NEXT_HOP},
	{"inner-src-net", required_argument, NULL, OPT_INNER_SRC_NET},
	{"inner-dst", required_argument, NULL, OPT_INNER_DST},
	{"inner-dport", required_argument, NULL, OPT_INNER_DPORT},
	{"size", required_argument, NULL, OPT_SIZE},
	{"rate", required_argument, NULL, OPT_RATE},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"handshake-timeout", required_argument, NULL, OPT_HS_TIMEOUT},
	{"retransmit-ms", required_argument, NULL, OPT_RETRANSMIT},
	{"burst", required_argument, NULL, OPT_BURST},
	{"port", required_argument, NULL, OPT_PORT},
	{"mbufs", required_argument, NULL, OPT_MBUFS},
	{"backend", required_argument, NULL, OPT_BACKEND},
	{"json", required_argument, NULL, OPT_JSON},
	{"print-peer-config", required_argument, NULL, OPT_PEER_CONFIG},
	{"config-only", no_argument, NULL, OPT_CONFIG_ONLY},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

static void set_defaults(struct ws_gen_options *o)
{
	memset(o, 0, sizeof(*o));
	o->peers = 1;
	o->src_net = 0xc6120100; /* 198.18.1.0/24 (RFC 2544 benchmark space) */
	o->src_plen = 24;
	o->src_port = 51821;
	o->inner_src = 0x0ac80001; /* 10.200.0.1/16 */
	o->inner_src_plen = 16;
	o->inner_dst = 0x0ac90001; /* 10.201.0.1 */
	o->inner_dport = 9;
	o->size = 64;
	o->duration = 10;
	o->handshake_timeout = 20;
	o->retransmit_ms = WS_REKEY_TIMEOUT * 1000;
	o->burst = 32;
	o->backend = "auto";
}

static int bad(const char *opt, const char *s, const char *what)
{
	fprintf(stderr, "ws-gen: %s: '%s' is not %s\n", opt, s, what);
	return -1;
}

static int parse_one(struct ws_gen_options *o, int c, const char *opt, const char *arg)
{
	unsigned int u;
	uint64_t v;

	switch (c) {
	case OPT_PEERS:
		if (parse_u64(opt, arg, 1, WS_GEN_MAX_PEERS, &v))
			return -1;
		o->peers = (uint32_t)v;
		return 0;
	case OPT_KEYS:
		o->keys_file = arg;
		return 0;
	case OPT_WRITE_KEYS:
		o->write_keys_file = arg;
		return 0;
	case OPT_SERVER_KEY:
		if (ws_key_from_base64(o->server_public, arg) != 0)
			return bad(opt, arg, "a base64 public key");
		o->has_server_key = true;
		return 0;
	case OPT_SERVER:
		if (ws_gen_parse_ipport4(arg, &o->server_ip, &o->server_port))
			return bad(opt, arg, "an IPv4 address and port (a.b.c.d:port)");
		o->has_server = true;
		return 0;
	case OPT_PSK:
		if (ws_tp_load_key_file(o->psk, "ws-gen", opt, arg))
			return -1;
		o->has_psk = true;
		o->psk_file = arg;
		return 0;
	case OPT_SRC_NET:
		if (ws_gen_parse_cidr4(arg, &o->src_net, &o->src_plen))
			return bad(opt, arg, "an IPv4 prefix (a.b.c.d/len)");
		return 0;
	case OPT_SRC_PORT:
		if (parse_uint(opt, arg, 1, 65535, &u))
			return -1;
		o->src_port = (uint16_t)u;
		return 0;
	case OPT_DST_MAC:
		if (ws_gen_parse_mac(arg, o->dst_mac))
			return bad(opt, arg, "a MAC address (aa:bb:cc:dd:ee:ff)");
		o->has_dst_mac = true;
		return 0;
	case OPT_NEXT_HOP:
		if (ws_gen_parse_ip4(arg, &o->next_hop))
			return bad(opt, arg, "an IPv4 address");
		o->has_next_hop = true;
		return 0;
	case OPT_INNER_SRC_NET:
		if (ws_gen_parse_cidr4(arg, &o->inner_src, &o->inner_src_plen))
			return bad(opt, arg, "an IPv4 address with optional prefix length");
		return 0;
	case OPT_INNER_DST:
		if (ws_gen_parse_ip4(arg, &o->inner_dst))
			return bad(opt, arg, "an IPv4 address");
		return 0;
	case OPT_INNER_DPORT:
		if (parse_uint(opt, arg, 1, 65535, &u))
			return -1;
		o->inner_dport = (uint16_t)u;
		return 0;
	case OPT_SIZE:
		return parse_uint(opt, arg, WS_GEN_MIN_SIZE, WS_GEN_MAX_SIZE, &o->size);
	case OPT_RATE:
		return parse_u64(opt, arg, 0, 1000000000ULL, &o->rate);
	case OPT_DURATION:
		/* No rekeying: the keypair must stay usable for the whole run (see README). */
		return parse_seconds(opt, arg, WS_REKEY_AFTER_TIME, &o->duration);
	case OPT_HS_TIMEOUT:
		return parse_seconds(opt, arg, WS_REKEY_ATTEMPT_TIME, &o->handshake_timeout);
	case OPT_RETRANSMIT:
		return parse_uint(opt, arg, 10, 60000, &o->retransmit_ms);
	case OPT_BURST:
		return parse_uint(opt, arg, 1, WS_GEN_MAX_BURST, &o->burst);
	case OPT_PORT:
		if (parse_uint(opt, arg, 0, 65535, &u))
			return -1;
		o->port_id = (uint16_t)u;
		return 0;
	case OPT_MBUFS:
		return parse_uint(opt, arg, 511, 1u << 24, &o->mbufs);
	case OPT_BACKEND:
		o->backend = arg;
		return 0;
	case OPT_JSON:
		o->json_file = arg;
		return 0;
	case OPT_PEER_CONFIG:
		o->peer_config_file = arg;
		return 0;
	case OPT_CONFIG_ONLY:
		o->config_only = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	default:
		return -1;
	}
}

/* Cross-option checks: every peer needs a distinct outer source and an inner source. */
static int check(struct ws_gen_options *o)
{
	uint64_t hosts, inner_room, ports;

	if (!o->has_server_key) {
		fprintf(stderr, "ws-gen: --server-key is required\n");
		return -1;
	}
	if (!o->has_server && !o->config_only) {
		fprintf(stderr, "ws-gen: --server is required\n");
		return -1;
	}
	if (o->keys_file && o->write_keys_file) {
		fprintf(stderr, "ws-gen: --keys and --write-keys exclude each other\n");
		return -1;
	}
	hosts = o->src_plen >= 31 ? 1ULL << (32 - o->src_plen) : (1ULL << (32 - o->src_plen)) - 2;
	ports = (o->peers + hosts - 1) / hosts;
	if (o->src_port + ports - 1 > 65535) {
		fprintf(stderr,
			"ws-gen: --src-net /%u with --src-port %u has too few address/port "
			"pairs for %u peers\n",
			o->src_plen, o->src_port, o->peers);
		return -1;
	}
	inner_room = (1ULL << (32 - o->inner_src_plen)) -
		     (o->inner_src & (uint32_t)((1ULL << (32 - o->inner_src_plen)) - 1));
	if (o->peers > inner_room) {
		fprintf(stderr, "ws-gen: --inner-src-net leaves room for %llu peers, not %u\n",
			(unsigned long long)inner_room, o->peers);
		return -1;
	}
	return 0;
}

int ws_gen_options_parse(struct ws_gen_options *o, int argc, char **argv)
{
	int c;

	set_defaults(o);
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		char name[32] = "?";

		if (c == 'h' || c == OPT_HELP) {
			ws_gen_options_usage(stdout);
			exit(0);
		}
		if (c == '?')
			goto fail;
		for (const struct option *lo = long_opts; lo->name; lo++)
			if (lo->val == c)
				snprintf(name, sizeof(name), "--%s", lo->name);
		if (parse_one(o, c, name, optarg))
			goto fail;
	}
	if (optind < argc) {
		fprintf(stderr, "ws-gen: unexpected argument '%s'\n", argv[optind]);
		goto fail;
	}
	if (check(o))
		goto fail;
	return 0;
fail:
	ws_gen_options_clear(o);
	return -1;
}

void ws_gen_options_clear(struct ws_gen_options *o)
{
	ws_memzero(o->psk, sizeof(o->psk));
	o->has_psk = false;
}
