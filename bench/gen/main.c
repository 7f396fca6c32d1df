/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-gen: a WireGuard-aware DPDK traffic generator. EAL arguments come before "--", the
 * generator's after (see options.c). Replayed captures are useless against a WireGuard gateway
 * (its replay window drops them), so ws-gen really handshakes every simulated peer and encrypts
 * fresh transport data: see gen.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "crypto.h"
#include "gen.h"
#include "options.h"
#include "peers.h"

static void on_signal(int sig)
{
	(void)sig;
	ws_gen_stop();
}

int main(int argc, char **argv)
{
	struct ws_gen_options o;
	struct ws_gen_peers ps;
	struct ws_gen_result r = {0};
	int sep = argc, ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			sep = i;
			break;
		}
	}
	if (ws_crypto_init() != 0) {
		fprintf(stderr, "ws-gen: crypto library initialisation failed\n");
		return 1;
	}
	/* The generator's options after "--" (all of them if there is none), argv[0] kept. */
	{
		char *gargv[argc + 1];
		int gargc = 1;

		gargv[0] = argv[0];
		for (int i = sep == argc ? 1 : sep + 1; i < argc; i++)
			gargv[gargc++] = argv[i];
		gargv[gargc] = NULL;
		if (ws_gen_options_parse(&o, gargc, gargv) != 0)
			return 2;
	}
	if (ws_gen_peers_create(&ps, &o) != 0) {
		ws_gen_options_clear(&o);
		return 1;
	}
	ret = 0;
	if (o.write_keys_file && ws_gen_peers_write_keys(&ps, o.write_keys_file) != 0)
		ret = 1;
	if (!ret && o.peer_config_file && ws_gen_peers_write_config(&ps, &o, o.peer_config_file))
		ret = 1;
	if (ret || o.config_only)
		goto out;

	/* Without "--" every argument was the generator's: the EAL gets none. */
	if (rte_eal_init(sep == argc ? 1 : sep, argv) < 0) {
		fprintf(stderr, "ws-gen: EAL initialisation failed\n");
		ret = 1;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	ret = ws_gen_run(&o, &ps, &r);
	ws_gen_report_summary(&o, &ps, &r);
	if (o.json_file && ws_gen_report_json(&o, &ps, &r, o.json_file) != 0)
		ret = 1;
	rte_eal_cleanup();
out:
	free(r.seconds);
	ws_gen_peers_destroy(&ps);
	ws_gen_options_clear(&o);
	return ret;
}
