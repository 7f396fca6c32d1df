/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-testpeer option parsing. Keys come from files (mode checked, as `wg` warns about world-readable
 * keys) or, for quick manual runs, from the command line; they are never printed.
 */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "keyfile.h"
#include "keys.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ws-testpeer (--initiate | --respond) [options]\n"
		"       ws-testpeer pcap-write|pcap-check|ctl ...  (static-key raw mode)\n"
		"  --private-key-file FILE   our private key, base64 as `wg genkey` writes it\n"
		"  --private-key B64         same, inline (visible in ps: prefer the file)\n"
		"  --peer-public B64         the peer's public key\n"
		"  --psk-file FILE           preshared key, base64 as `wg genpsk` writes it\n"
		"  --listen ADDR:PORT        local UDP address (default any, ephemeral port)\n"
		"  --endpoint ADDR:PORT      the peer (required with --initiate; a responder\n"
		"                            learns it from the initiation)\n"
		"  --inner ADDR              our tunnel address (once per family)\n"
		"  --target ADDR             tunnel address --ping pings (once per family)\n"
		"  --ping N                  N echo requests per target, each needs its reply\n"
		"  --answer-pings N          answer echo requests to --inner; wait for N of them\n"
		"  --expect-keepalive        wait for a keepalive from the peer\n"
		"  --flood N                 as initiator, first send bursts of N initiations that\n"
		"                            pass mac1 but not Noise until the peer is under load\n"
		"  --expect-cookie           the handshake must go through a cookie reply\n"
		"  --timeout SEC             bound on the whole run (default 10)\n"
		"  --retry-ms MS             handshake retransmit interval (default 1000)\n"
		"  --ping-wait-ms MS         time allowed per echo reply (default 2000)\n"
		"  --mtu N                   inner MTU used for padding (default 1420)\n"
		"exit status: 0 every requested step succeeded, 1 a step failed, 2 usage\n");
}

static int parse_uint(const char *opt, const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-') {
		fprintf(stderr, "ws-testpeer: %s: bad number '%s'\n", opt, s);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static int add_addr(struct ws_tp_ipaddr *list, unsigned int *n, const char *opt, const char *s)
{
	struct ws_tp_ipaddr ip;

	if (ws_tp_ipaddr_parse(&ip, s) != 0) {
		fprintf(stderr, "ws-testpeer: %s: bad IP address '%s'\n", opt, s);
		return -1;
	}
	for (unsigned int i = 0; i < *n; i++) {
		if (list[i].family == ip.family) {
			fprintf(stderr, "ws-testpeer: %s: one address per family ('%s')\n", opt, s);
			return -1;
		}
	}
	list[(*n)++] = ip;
	return 0;
}

enum {
	OPT_PRIV = 256, OPT_PRIV_FILE, OPT_PUB, OPT_PSK_FILE, OPT_LISTEN, OPT_ENDPOINT,
	OPT_INITIATE, OPT_RESPOND, OPT_INNER, OPT_TARGET, OPT_PING, OPT_ANSWER, OPT_KEEPALIVE,
	OPT_TIMEOUT, OPT_RETRY, OPT_PING_WAIT, OPT_MTU, OPT_FLOOD, OPT_EXPECT_COOKIE, OPT_HELP,
};

static const struct option longopts[] = {
	{ "private-key", required_argument, NULL, OPT_PRIV },
	{ "private-key-file", required_argument, NULL, OPT_PRIV_FILE },
	{ "peer-public", required_argument, NULL, OPT_PUB },
	{ "psk-file", required_argument, NULL, OPT_PSK_FILE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "initiate", no_argument, NULL, OPT_INITIATE },
	{ "respond", no_argument, NULL, OPT_RESPOND },
	{ "inner", required_argument, NULL, OPT_INNER },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "ping", required_argument, NULL, OPT_PING },
	{ "answer-pings", required_argument, NULL, OPT_ANSWER },
	{ "expect-keepalive", no_argument, NULL, OPT_KEEPALIVE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "retry-ms", required_argument, NULL, OPT_RETRY },
	{ "ping-wait-ms", required_argument, NULL, OPT_PING_WAIT },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "flood", required_argument, NULL, OPT_FLOOD },
	{ "expect-cookie", no_argument, NULL, OPT_EXPECT_COOKIE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int check(struct ws_tp_options *o, bool have_priv, bool have_pub, bool have_role,
		 bool have_listen)
{
	if (!have_priv || !have_pub || !have_role) {
		fprintf(stderr, "ws-testpeer: need a private key, --peer-public and a role\n");
		return -1;
	}
	if (o->flood && !o->initiate) {
		fprintf(stderr, "ws-testpeer: --flood needs --initiate\n");
		return -1;
	}
	if (o->initiate && !o->has_endpoint) {
		fprintf(stderr, "ws-testpeer: --initiate needs --endpoint\n");
		return -1;
	}
	if ((o->ping && !o->n_target) || ((o->ping || o->answer_any) && !o->n_inner)) {
		fprintf(stderr, "ws-testpeer: --ping needs --target and --inner, "
				"--answer-pings needs --inner\n");
		return -1;
	}
	for (unsigned int i = 0; i < o->n_target && o->ping; i++) {
		bool found = false;

		for (unsigned int j = 0; j < o->n_inner; j++)
			found |= o->inner[j].family == o->target[i].family;
		if (!found) {
			fprintf(stderr, "ws-testpeer: --target without an --inner of its family\n");
			return -1;
		}
	}
	if (!have_listen) {
		const char *any = o->has_endpoint && o->endpoint.addr.sa.sa_family == AF_INET6
					  ? "[::]:0" : "0.0.0.0:0";
		ws_tp_endpoint_parse(&o->listen, any);
	}
	return 0;
}

int ws_tp_options_parse(struct ws_tp_options *o, int argc, char **argv)
{
	bool have_priv = false, have_pub = false, have_role = false, have_listen = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout_s = 10;
	o->retry_ms = 1000;
	o->ping_wait_ms = 2000;
	o->mtu = 1420;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
		int r = 0;

		switch (c) {
		case OPT_PRIV:
			r = ws_key_from_base64(o->private_key, optarg);
			if (r)
				fprintf(stderr, "ws-testpeer: --private-key: not a base64 key\n");
			/* Best effort: keep the key out of later /proc/PID/cmdline reads. */
			ws_memzero(optarg, strlen(optarg));
			have_priv = r == 0;
			break;
		case OPT_PRIV_FILE:
			r = ws_tp_load_key_file(o->private_key, "ws-testpeer", "--private-key-file", optarg);
			have_priv = r == 0;
			break;
		case OPT_PUB:
			r = ws_key_from_base64(o->peer_public, optarg);
			if (r)
				fprintf(stderr, "ws-testpeer: --peer-public: bad key '%s'\n", optarg);
			have_pub = r == 0;
			break;
		case OPT_PSK_FILE:
			r = ws_tp_load_key_file(o->psk, "ws-testpeer", "--psk-file", optarg);
			o->has_psk = r == 0;
			break;
		case OPT_LISTEN:
		case OPT_ENDPOINT: {
			struct ws_tp_endpoint *ep = c == OPT_LISTEN ? &o->listen : &o->endpoint;

			r = ws_tp_endpoint_parse(ep, optarg);
			if (r)
				fprintf(stderr, "ws-testpeer: %s: bad address '%s' "
						"(A.B.C.D:PORT or [IPV6]:PORT)\n", name, optarg);
			if (c == OPT_LISTEN)
				have_listen = r == 0;
			else
				o->has_endpoint = r == 0;
			break;
		}
		case OPT_INITIATE:
		case OPT_RESPOND:
			if (have_role && o->initiate != (c == OPT_INITIATE)) {
				fprintf(stderr, "ws-testpeer: --initiate and --respond exclude "
						"each other\n");
				r = -1;
			}
			o->initiate = c == OPT_INITIATE;
			have_role = true;
			break;
		case OPT_INNER:
			r = add_addr(o->inner, &o->n_inner, "--inner", optarg);
			break;
		case OPT_TARGET:
			r = add_addr(o->target, &o->n_target, "--target", optarg);
			break;
		case OPT_PING:
			r = parse_uint("--ping", optarg, 65535, &o->ping);
			break;
		case OPT_ANSWER:
			r = parse_uint("--answer-pings", optarg, 65535, &o->answer_pings);
			o->answer_any = true;
			break;
		case OPT_KEEPALIVE:
			o->expect_keepalive = true;
			break;
		case OPT_TIMEOUT:
			r = parse_uint("--timeout", optarg, 86400, &o->timeout_s);
			break;
		case OPT_RETRY:
			r = parse_uint("--retry-ms", optarg, 600000, &o->retry_ms);
			if (!r && o->retry_ms < 50) {
				fprintf(stderr, "ws-testpeer: --retry-ms below the peer's rate "
						"limit (50/s)\n");
				r = -1;
			}
			break;
		case OPT_PING_WAIT:
			r = parse_uint("--ping-wait-ms", optarg, 600000, &o->ping_wait_ms);
			break;
		case OPT_MTU:
			r = parse_uint("--mtu", optarg, 65535, &o->mtu);
			break;
		case OPT_FLOOD:
			r = parse_uint("--flood", optarg, 1000000, &o->flood);
			break;
		case OPT_EXPECT_COOKIE:
			o->expect_cookie = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			r = -1;
		}
		if (r)
			goto fail;
	}
	if (optind != argc) {
		fprintf(stderr, "ws-testpeer: unexpected argument '%s'\n", argv[optind]);
		goto fail;
	}
	if (check(o, have_priv, have_pub, have_role, have_listen) == 0)
		return 0;
fail:
	ws_tp_options_clear(o);
	return -1;
}

void ws_tp_options_clear(struct ws_tp_options *o)
{
	ws_memzero(o->private_key, sizeof(o->private_key));
	ws_memzero(o->psk, sizeof(o->psk));
}
