/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirespeed-dataplane: the DPDK primary process that owns the ports.
 *   wirespeed-dataplane [EAL args] -- --config FILE [--stats-on-exit FILE] [--check]
 *                                       [--test-time-scale N]
 * Exit status: 0 clean shutdown, 1 usage or config error, 2 environment or setup error
 * (hugepages, ports, memory), 3 mbufs missing from a mempool at shutdown.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "dataplane.h"
#include "eal.h"
#include "handshake.h"
#include "lan.h"
#include "tables.h"

static struct ws_dp_config cfg;
static struct ws_dp_eal_args eal_args;

static void on_signal(int sig)
{
	(void)sig;
	ws_dp.stop = true;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL args] -- --config FILE [--stats-on-exit FILE] [--check]\n"
		"  --config FILE          YAML config (schema: config/dataplane.md)\n"
		"  --stats-on-exit FILE   write counters, port stats and mempool accounting as\n"
		"                         JSON when shutting down\n"
		"  --check                validate the config, print the EAL arguments, exit\n"
		"  --test-time-scale N    TESTS ONLY: protocol timers (keepalive, rekey, key\n"
		"                         expiry) run N times faster, 1..1000\n"
		"EAL arguments are derived from the config; raw ones given before -- override\n"
		"the derived ones of the same kind.\n",
		prog);
}

static void setup_classifier(void)
{
	const struct ws_dp_port_cfg *wan = ws_dp_config_wan(&cfg);

	ws_dp.cls.listen_port_be = rte_cpu_to_be_16(cfg.listen_port);
	ws_dp.cls.has_ip4 = wan->ip4.family != 0;
	memcpy(ws_dp.cls.ip4, wan->ip4.bytes, 4);
	ws_dp.cls.has_ip6 = wan->ip6.family != 0;
	memcpy(ws_dp.cls.ip6, wan->ip6.bytes, 16);
}

/* Undoes whatever setup got done; returns true when every mempool came back full. */
static bool teardown(void)
{
	unsigned int drained;
	bool full;

	ws_dp_lcores_release(&ws_dp); /* drains the service ring: before the socket closes */
	ws_dp_lan_teardown();         /* packets waiting for a LAN neighbour */
	ws_dp_tables_destroy();       /* staged packets and keypairs (zeroed) */
	ws_dp_handshake_teardown();
	ws_dp_ctl_close(&ws_dp.ctl);
	ws_dp_ports_snapshot(&ws_dp);
	rte_spinlock_lock(&ws_dp_state_lock);
	drained = ws_dp_ports_drain(&ws_dp);
	if (drained)
		RTE_LOG(INFO, USER1, "%u frames left in rx queues at exit, freed\n", drained);
	ws_dp_ports_close(&ws_dp);
	rte_spinlock_unlock(&ws_dp_state_lock);
	full = ws_dp_mempools_full(&ws_dp);
	ws_dp.pools_checked = true;
	ws_dp.pools_full = full;
	return full;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"stats-on-exit", required_argument, NULL, 's'},
		{"check", no_argument, NULL, 'k'},
		{"test-time-scale", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *stats = NULL;
	char err[WS_DP_ERR_LEN];
	int raw_argc = 0, app_at = 1, opt, rc = 0;
	bool check = false, full;
	unsigned long time_scale = 1;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			raw_argc = i - 1;
			app_at = i + 1;
			break;
		}
	optind = 0;
	{
		int app_argc = argc - app_at + 1;
		char **app_argv = argv + app_at - 1; /* app_argv[0] is a placeholder, never read */

		while ((opt = getopt_long(app_argc, app_argv, "h", opts, NULL)) != -1) {
			switch (opt) {
			case 'c':
				config = optarg;
				break;
			case 's':
				stats = optarg;
				break;
			case 'k':
				check = true;
				break;
			case 't': {
				char *end;

				time_scale = strtoul(optarg, &end, 10);
				if (*end || time_scale < 1 || time_scale > 1000) {
					fprintf(stderr, "%s: --test-time-scale: expected 1..1000, "
							"got '%s'\n", argv[0], optarg);
					return 1;
				}
				break;
			}
			case 'h':
				usage(stdout, argv[0]);
				return 0;
			default:
				usage(stderr, argv[0]);
				return 1;
			}
		}
		if (optind < app_argc) {
			fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], app_argv[optind]);
			usage(stderr, argv[0]);
			return 1;
		}
	}
	if (!config) {
		fprintf(stderr, "%s: --config FILE is required\n", argv[0]);
		usage(stderr, argv[0]);
		return 1;
	}
	if (ws_dp_config_load(&cfg, config, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (ws_dp_config_eal_args(&cfg, argv[0], raw_argc, argv + 1, &eal_args, err,
				  sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: ok\nEAL:", config);
		for (int i = 1; i < eal_args.argc; i++)
			printf(" %s", eal_args.argv[i]);
		printf("\n");
		return 0;
	}
	if (ws_dp_preflight_ports(&cfg, err, sizeof(err)) ||
	    ws_dp_preflight_hugepages(&eal_args, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 2;
	}

	ws_dp.cfg = &cfg;
	ws_dp.ctl.listen_fd = ws_dp.ctl.fd = -1;
	ws_dp.burst = cfg.burst;
	setup_classifier();
	if (rte_eal_init(eal_args.argc, eal_args.argv) < 0) {
		fprintf(stderr, "%s: EAL initialisation failed: %s (EAL arguments derived from %s; "
				"see the EAL messages above)\n",
			argv[0], rte_strerror(rte_errno), config);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (ws_dp_mempools_create(&ws_dp, err, sizeof(err)) ||
	    ws_dp_ports_setup(&ws_dp, err, sizeof(err)) ||
	    ws_dp_lcores_assign(&ws_dp, err, sizeof(err)) ||
	    ws_dp_service_setup(&ws_dp, err, sizeof(err)) ||
	    ws_dp_handshake_setup(cfg.under_load_queue) ||
	    ws_dp_tables_create(&cfg, (unsigned int)time_scale, err, sizeof(err)) ||
	    ws_dp_lan_setup(&ws_dp, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		rc = 2;
		goto out;
	}
	if (ws_dp_ctl_open(&ws_dp.ctl, cfg.control_socket, cfg.listen_port, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		rc = 2;
		goto out;
	}
	if (ws_dp_telemetry_register())
		RTE_LOG(WARNING, USER1, "telemetry commands not registered\n");

	if (time_scale != 1)
		RTE_LOG(WARNING, USER1, "TEST TIME SCALE %lu: protocol timers run %lu times "
			"faster\n", time_scale, time_scale);
	RTE_LOG(INFO, USER1, "running: %s mode, %s, listen port %u\n",
		cfg.mode == WS_DP_MODE_HOST ? "host" : "gateway",
		cfg.lcores.mode == WS_DP_LCORES_RTC ? "run-to-completion" : "pipeline",
		cfg.listen_port);
	rte_eal_mp_remote_launch(ws_dp_worker_main, NULL, SKIP_MAIN);
	ws_dp_service_loop(&ws_dp);
	rte_eal_mp_wait_lcore();
	RTE_LOG(INFO, USER1, "stopping\n");
out:
	full = teardown();
	if (stats) {
		int e = ws_dp_stats_dump(&ws_dp, stats);

		if (e) {
			fprintf(stderr, "%s: cannot write %s: %s\n", argv[0], stats, strerror(-e));
			rc = rc ? rc : 2;
		}
	}
	rte_spinlock_lock(&ws_dp_state_lock);
	ws_dp_mempools_free(&ws_dp);
	rte_spinlock_unlock(&ws_dp_state_lock);
	rte_eal_cleanup();
	if (!full && rc == 0) {
		fprintf(stderr, "%s: mbufs missing from a mempool at shutdown\n", argv[0]);
		rc = 3;
	}
	return rc;
}
