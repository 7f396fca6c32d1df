/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer-scale benchmark of the control process: for N peers, the time and memory to load them
 * from a YAML file (parse, then apply as one transaction), the time to add them one by one
 * through the JSON-RPC dispatcher (peer_add, in process: no socket round trip), and the cost of
 * a peer lookup by public key at that size. Not a test: it prints a table (and JSON with --json).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "crypto.h"
#include "keys.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Deterministic distinct keys: peer i's key is BLAKE2s(i). */
static void peer_key(uint8_t key[WS_KEY_LEN], size_t i)
{
	uint64_t v = i;
	ws_blake2s(key, WS_KEY_LEN, &v, sizeof(v), NULL, 0);
}

static int write_config(const char *path, size_t n)
{
	FILE *f = fopen(path, "w");
	char b64[WS_KEY_B64_LEN + 1];
	uint8_t key[WS_KEY_LEN];

	if (!f)
		return -1;
	ws_x25519_generate(key);
	ws_key_to_base64(b64, key);
	fprintf(f, "interface:\n  name: wsbench0\n  privateKey: \"%s\"\n  listenPort: 51820\npeers:\n",
		b64);
	for (size_t i = 0; i < n; i++) {
		peer_key(key, i);
		ws_key_to_base64(b64, key);
		fprintf(f,
			"  - publicKey: \"%s\"\n    allowedIPs: [\"10.%zu.%zu.%zu/32\"]\n"
			"    endpoint: \"198.18.%zu.%zu:51820\"\n",
			b64, (i >> 16) & 255, (i >> 8) & 255, i & 255, (i >> 8) & 255, i & 255);
	}
	return fclose(f);
}

struct result {
	size_t n;
	double parse_s, apply_s, rss_mib, bytes_per_peer, rpc_s, lookup_ns;
};

static int run(size_t n, bool do_rpc, struct result *r)
{
	char path[] = "/tmp/ws-bench-peers-XXXXXX", err[WS_CFG_ERR_MAX];
	struct ws_control *c = calloc(1, sizeof(*c));
	struct ws_change chg;
	struct ws_cfg cfg;
	uint64_t t0, t1, t2;
	long rss0, rss1;
	int fd = mkstemp(path);

	if (fd < 0 || !c)
		return -1;
	close(fd);
	if (write_config(path, n) != 0)
		return -1;
	memset(r, 0, sizeof(*r));
	r->n = n;
	ws_dpconn_init(&c->dp, "/nonexistent"); /* not connected: pushes fail fast */
	c->time_scale = 1.0;
	struct ws_hs_clock clk = { ws_control_mono_ns, ws_control_wall_ns, c };

	rss0 = rss_kib();
	t0 = now_ns();
	if (ws_cfg_load(path, &cfg, err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	t1 = now_ns();
	ws_device_init(&c->dev, cfg.name);
	ws_hs_init(&c->hs, &c->dev, &c->dp, &clk);
	ws_sync_init(&c->sync, &c->dev, &c->dp, &c->hs);
	if (ws_change_from_config(&chg, &cfg) != 0 ||
	    ws_control_apply(c, &chg, err, sizeof(err)) != 0) {
		fprintf(stderr, "apply: %s\n", err);
		return -1;
	}
	t2 = now_ns();
	ws_change_free(&chg);
	ws_cfg_free(&cfg);
	rss1 = rss_kib();
	unlink(path);
	r->parse_s = (double)(t1 - t0) / 1e9;
	r->apply_s = (double)(t2 - t1) / 1e9;
	r->rss_mib = (double)(rss1 - rss0) / 1024.0;
	r->bytes_per_peer = (double)(rss1 - rss0) * 1024.0 / (double)n;

	/* Lookup by public key at this size: random peers, averaged. */
	enum { LOOKUPS = 200000 };
	uint8_t (*keys)[WS_KEY_LEN] = malloc(1024 * WS_KEY_LEN);
	for (size_t i = 0; i < 1024; i++)
		peer_key(keys[i], (i * 2654435761u) % n);
	size_t found = 0;
	t0 = now_ns();
	for (size_t i = 0; i < LOOKUPS; i++)
		found += ws_device_peer_by_key(&c->dev, keys[i & 1023]) != NULL;
	t1 = now_ns();
	free(keys);
	if (found != LOOKUPS)
		fprintf(stderr, "lookup found %zu of %d\n", found, LOOKUPS);
	r->lookup_ns = (double)(t1 - t0) / LOOKUPS;

	/* The same peers again through JSON-RPC peer_add, one call each, into an empty device. */
	if (do_rpc) {
		struct ws_control *c2 = calloc(1, sizeof(*c2));
		struct ws_rpc_server srv = { ws_control_rpc_methods, ws_control_rpc_n_methods, c2 };
		char req[512], b64[WS_KEY_B64_LEN + 1];
		uint8_t key[WS_KEY_LEN];
		size_t used, ok = 0;

		ws_dpconn_init(&c2->dp, "/nonexistent");
		c2->time_scale = 1.0;
		struct ws_hs_clock clk2 = { ws_control_mono_ns, ws_control_wall_ns, c2 };
		ws_device_init(&c2->dev, "wsbench1");
		ws_hs_init(&c2->hs, &c2->dev, &c2->dp, &clk2);
		ws_sync_init(&c2->sync, &c2->dev, &c2->dp, &c2->hs);
		t0 = now_ns();
		for (size_t i = 0; i < n; i++) {
			peer_key(key, i);
			ws_key_to_base64(b64, key);
			int len = snprintf(req, sizeof(req),
					   "{\"jsonrpc\":\"2.0\",\"method\":\"peer_add\",\"params\":{"
					   "\"public_key\":\"%s\",\"allowed_ips\":[\"10.%zu.%zu.%zu/32\"],"
					   "\"endpoint\":\"198.18.%zu.%zu:51820\"},\"id\":%zu}",
					   b64, (i >> 16) & 255, (i >> 8) & 255, i & 255, (i >> 8) & 255,
					   i & 255, i);
			char *out = ws_rpc_handle(&srv, req, (size_t)len, &used);
			ok += out && strstr(out, "\"result\"");
			free(out);
		}
		t1 = now_ns();
		if (ok != n)
			fprintf(stderr, "rpc: %zu of %zu peer_add calls succeeded\n", ok, n);
		r->rpc_s = (double)(t1 - t0) / 1e9;
		ws_hs_destroy(&c2->hs);
		ws_dpconn_destroy(&c2->dp);
		ws_device_destroy(&c2->dev);
		free(c2);
	}
	ws_hs_destroy(&c->hs);
	ws_dpconn_destroy(&c->dp);
	ws_device_destroy(&c->dev);
	free(c);
	return 0;
}

int main(int argc, char **argv)
{
	size_t sizes[8] = { 10000, 100000, 1000000 }, n_sizes = 3;
	const char *json = NULL;
	struct result res[8];
	FILE *jf = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			sizes[0] = 1000;
			n_sizes = 1;
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
			char *save = NULL, *s = strdup(argv[++i]);
			n_sizes = 0;
			for (char *t = strtok_r(s, ",", &save); t && n_sizes < 8;
			     t = strtok_r(NULL, ",", &save))
				sizes[n_sizes++] = strtoull(t, NULL, 10);
			free(s);
		} else {
			fprintf(stderr, "Usage: ws-bench-peers [--smoke] [--sizes a,b,c] [--json FILE]\n");
			return 2;
		}
	}
	if (ws_crypto_init() != 0)
		return 1;
	printf("%10s %10s %10s %10s %12s %12s %12s\n", "peers", "parse s", "apply s", "RSS MiB",
	       "B/peer", "rpc add s", "lookup ns");
	for (size_t i = 0; i < n_sizes; i++) {
		if (run(sizes[i], sizes[i] <= 100000, &res[i]) != 0) {
			fprintf(stderr, "run with %zu peers failed\n", sizes[i]);
			return 1;
		}
		printf("%10zu %10.3f %10.3f %10.1f %12.0f ", res[i].n, res[i].parse_s,
		       res[i].apply_s, res[i].rss_mib, res[i].bytes_per_peer);
		if (res[i].rpc_s > 0)
			printf("%12.3f ", res[i].rpc_s);
		else
			printf("%12s ", "-");
		printf("%12.1f\n", res[i].lookup_ns);
		fflush(stdout);
	}
	if (json && (jf = fopen(json, "w"))) {
		fprintf(jf, "{\"benchmark\":\"peers\",\"results\":[");
		for (size_t i = 0; i < n_sizes; i++)
			fprintf(jf,
				"%s{\"peers\":%zu,\"parse_s\":%.4f,\"apply_s\":%.4f,\"rss_mib\":%.1f,"
				"\"bytes_per_peer\":%.0f,\"rpc_add_s\":%.4f,\"lookup_ns\":%.1f}",
				i ? "," : "", res[i].n, res[i].parse_s, res[i].apply_s, res[i].rss_mib,
				res[i].bytes_per_peer, res[i].rpc_s, res[i].lookup_ns);
		fprintf(jf, "]}\n");
		fclose(jf);
	}
	return 0;
}
