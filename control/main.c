/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirespeed-control: loads the YAML config, connects to the dataplane's control socket (and
 * keeps retrying while it is not up), pushes the interface and peers, then runs the handshakes
 * and serves the UAPI socket for `wg` and the JSON-RPC socket until SIGINT or SIGTERM. SIGHUP
 * reloads the config file as one transaction.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "crypto.h"
#include "netlink.h"
#include "server.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * WS_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static void on_dp_event(void *ctx, uint8_t type, const void *body, size_t len)
{
	struct ws_control *c = ctx;
	struct ws_peer *peer;

	switch (type) {
	case WS_IPC_EV_HANDSHAKE_RX:
		if (len == sizeof(struct ws_ipc_handshake) &&
		    ((const struct ws_ipc_handshake *)body)->len <= WS_IPC_HANDSHAKE_MAX)
			ws_hs_receive(&c->hs, body);
		break;
	case WS_IPC_EV_HANDSHAKE_NEEDED:
	case WS_IPC_EV_REKEY_NEEDED:
		if (len != sizeof(struct ws_ipc_peer_ref))
			break;
		peer = ws_device_peer_by_id(&c->dev, ((const struct ws_ipc_peer_ref *)body)->peer_id);
		if (peer)
			ws_hs_initiate(&c->hs, peer, false);
		break;
	case WS_IPC_EV_KEYPAIR_CONFIRMED:
		if (len == sizeof(struct ws_ipc_keypair_ref))
			ws_hs_keypair_confirmed(&c->hs,
						((const struct ws_ipc_keypair_ref *)body)->peer_id,
						((const struct ws_ipc_keypair_ref *)body)->local_index);
		break;
	case WS_IPC_EV_KEYPAIR_FREED:
		if (len == sizeof(struct ws_ipc_keypair_ref))
			ws_hs_index_freed(&c->hs, ((const struct ws_ipc_keypair_ref *)body)->peer_id,
					  ((const struct ws_ipc_keypair_ref *)body)->local_index);
		break;
	case WS_IPC_EV_ENDPOINT:
		if (len != sizeof(struct ws_ipc_endpoint))
			break;
		peer = ws_device_peer_by_id(&c->dev, ((const struct ws_ipc_endpoint *)body)->peer_id);
		if (peer)
			ws_endpoint_from_ipc(&peer->endpoint,
					     &((const struct ws_ipc_endpoint *)body)->endpoint);
		break;
	default:
		break;
	}
}

static int load_config(struct ws_control *c, const char *path, bool first)
{
	char err[WS_CFG_ERR_MAX], aerr[256];
	struct ws_change chg;
	struct ws_cfg cfg;
	int ret;

	if (ws_cfg_load(path, &cfg, err) != 0) {
		fprintf(stderr, "wirespeed-control: %s\n", err);
		return -1;
	}
	if (first && ws_device_init(&c->dev, cfg.name) != 0) {
		ws_cfg_free(&cfg);
		return -1;
	}
	if (!first && strcmp(cfg.name, c->dev.name))
		fprintf(stderr, "wirespeed-control: %s: interface name changes need a restart\n",
			path);
	ret = ws_change_from_config(&chg, &cfg);
	if (ret == 0) {
		struct ws_prefix *a = NULL;

		if (cfg.n_addresses && !(a = malloc(cfg.n_addresses * sizeof(*a))))
			ret = -ENOMEM;
		if (ret == 0) {
			if (cfg.n_addresses)
				memcpy(a, cfg.addresses, cfg.n_addresses * sizeof(*a));
			free(c->addrs);
			c->addrs = a;
			c->n_addrs = cfg.n_addresses;
			c->addrs_pending = c->n_addrs || c->n_addrs_applied;
			c->addrs_tries = 0;
		}
	}
	if (first && cfg.control_socket[0])
		ws_dpconn_init(&c->dp, cfg.control_socket);
	ws_cfg_free(&cfg);
	if (ret == 0) {
		if (!first) /* a reload of many peers reaches the dataplane in batches */
			ws_sync_defer(&c->sync);
		ret = ws_control_apply(c, &chg, aerr, sizeof(aerr));
		if (!first)
			ws_sync_flush(&c->sync);
		if (ret)
			fprintf(stderr, "wirespeed-control: %s: %s\n", path, aerr);
		ws_change_free(&chg);
	}
	return ret ? -1 : 0;
}

/*
 * interface.addresses onto the tunnel TAP, which the dataplane creates (host mode): tried when
 * the config is (re)loaded and at every dataplane (re)connect, since a restarted dataplane
 * makes a new TAP. No TAP of that name for a while (gateway mode has none) ends the attempts.
 */
static void apply_addresses(struct ws_control *c)
{
	char err[256];
	int rc;

	if (!c->addrs_pending)
		return;
	rc = ws_nl_apply_addresses(c->dev.name, c->addrs, c->n_addrs, c->addrs_applied,
				   c->n_addrs_applied, err, sizeof(err));
	if (rc == -ENODEV) {
		if (++c->addrs_tries == 40) {
			fprintf(stderr,
				"wirespeed-control: %s: no such interface: addresses not applied "
				"(host mode's tunnel TAP is made by the dataplane)\n",
				c->dev.name);
			c->addrs_pending = false;
		}
		return;
	}
	c->addrs_pending = false;
	if (rc) {
		fprintf(stderr, "wirespeed-control: %s\n", err);
		return;
	}
	free(c->addrs_applied);
	c->addrs_applied = NULL;
	c->n_addrs_applied = 0;
	if (c->n_addrs && (c->addrs_applied = malloc(c->n_addrs * sizeof(*c->addrs)))) {
		memcpy(c->addrs_applied, c->addrs, c->n_addrs * sizeof(*c->addrs));
		c->n_addrs_applied = c->n_addrs;
	}
	fprintf(stderr, "wirespeed-control: %s: %zu addresses applied\n", c->dev.name, c->n_addrs);
}

static void usage(FILE *f)
{
	fputs("Usage: wirespeed-control --config FILE [options]\n"
	      "  --config FILE            YAML config (interface, peers, dataplane.controlSocket)\n"
	      "  --dataplane-socket PATH  dataplane control socket (default: from the config,\n"
	      "                           else /run/wirespeed/<name>.ctl)\n"
	      "  --rpc-socket PATH        JSON-RPC socket (default /run/wirespeed/<name>.rpc)\n"
	      "  --uapi-socket PATH       UAPI socket for `wg` (default\n"
	      "                           /var/run/wireguard/<name>.sock); --no-uapi disables it\n"
	      "  --test-time-scale N      TESTS ONLY: protocol timers run N times faster\n"
	      "  --no-batch               BENCHMARKS ONLY: one dataplane request per peer and per\n"
	      "                           allowed-ips change, as with a dataplane before batches\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dataplane-socket", required_argument, NULL, 'd' },
		{ "rpc-socket", required_argument, NULL, 'r' },
		{ "uapi-socket", required_argument, NULL, 'u' },
		{ "no-uapi", no_argument, NULL, 'n' },
		{ "test-time-scale", required_argument, NULL, 't' },
		{ "no-batch", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct ws_control c;
	struct ws_server srv;
	const char *config = NULL, *dp_path = NULL, *rpc_path = NULL, *uapi_path = NULL;
	char def_rpc[108], def_uapi[108], def_dp[108];
	bool no_uapi = false, no_batch = false;
	uint64_t next_retry = 0;
	int opt;

	c.time_scale = 1.0;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'd': dp_path = optarg; break;
		case 'r': rpc_path = optarg; break;
		case 'u': uapi_path = optarg; break;
		case 'n': no_uapi = true; break;
		case 'B': no_batch = true; break;
		case 't':
			c.time_scale = strtod(optarg, NULL);
			if (c.time_scale < 1.0 || c.time_scale > 1000.0) {
				fputs("wirespeed-control: --test-time-scale: 1..1000\n", stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!config || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (ws_crypto_init() != 0)
		return 1;
	c.mono_origin_ns = clock_ns(CLOCK_MONOTONIC);
	snprintf(c.config_path, sizeof(c.config_path), "%s", config);
	ws_dpconn_init(&c.dp, "");
	if (load_config(&c, config, true) != 0)
		return 1;
	if (dp_path && ws_dpconn_init(&c.dp, dp_path) != 0) {
		fputs("wirespeed-control: --dataplane-socket: path too long\n", stderr);
		return 2;
	}
	if (!c.dp.path[0]) {
		snprintf(def_dp, sizeof(def_dp), "/run/wirespeed/%s.ctl", c.dev.name);
		ws_dpconn_init(&c.dp, def_dp);
	}
	c.dp.ctx = &c;
	c.dp.on_event = on_dp_event;
	struct ws_hs_clock clk = { ws_control_mono_ns, ws_control_wall_ns, &c };
	if (ws_hs_init(&c.hs, &c.dev, &c.dp, &clk) != 0)
		return 1;
	ws_sync_init(&c.sync, &c.dev, &c.dp, &c.hs);

	snprintf(def_rpc, sizeof(def_rpc), "/run/wirespeed/%s.rpc", c.dev.name);
	snprintf(def_uapi, sizeof(def_uapi), "/var/run/wireguard/%s.sock", c.dev.name);
	if (ws_server_open(&srv, &c, no_uapi ? NULL : (uapi_path ? uapi_path : def_uapi),
			   rpc_path ? rpc_path : def_rpc) != 0)
		return 1;

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "wirespeed-control: %s: %u peers; dataplane socket %s\n", c.dev.name,
		c.dev.n_peers, c.dp.path);

	while (!stop_requested) {
		struct pollfd pfds[80];
		size_t n = 0;
		uint64_t now = clock_ns(CLOCK_MONOTONIC), next;
		int timeout = 1000;

		if (reload_requested) {
			reload_requested = 0;
			if (load_config(&c, c.config_path, false) == 0)
				fprintf(stderr, "wirespeed-control: reloaded %s\n", c.config_path);
		}
		if (!ws_dpconn_connected(&c.dp) && now >= next_retry) {
			struct ws_ipc_hello_reply hello;
			int r = ws_dpconn_try_connect(&c.dp, &hello);
			if (r >= 0 && no_batch)
				c.dp.minor = 0;
			if (r >= 0) {
				uint64_t t0 = clock_ns(CLOCK_MONOTONIC);

				fprintf(stderr,
					"wirespeed-control: dataplane connected (%s, %u peers there)\n",
					r ? "new instance: pushing everything" : "same instance",
					hello.n_peers);
				ws_sync_full(&c.sync, r == 1, &hello);
				fprintf(stderr,
					"wirespeed-control: dataplane synced: %u peers in %.3f s (%s; "
					"adopted %u with %u keypairs, removed %u)%s\n",
					c.dev.n_peers,
					(double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9,
					c.dp.minor >= 1 ? "batched" : "one request per item",
					c.sync.adopted, c.sync.adopted_keypairs, c.sync.retired,
					ws_dpconn_connected(&c.dp) ? "" : "; connection lost");
				c.addrs_pending = c.n_addrs > 0;
				c.addrs_tries = 0;
			}
			next_retry = now + 250 * 1000000ULL;
		}
		if (c.addrs_pending && ws_dpconn_connected(&c.dp))
			apply_addresses(&c);
		pfds[n++] = (struct pollfd){ .fd = c.dp.fd, .events = POLLIN };
		n += ws_server_pollfds(&srv, pfds + n, sizeof(pfds) / sizeof(pfds[0]) - n);
		next = ws_hs_run_timers(&c.hs);
		if (next) {
			uint64_t pnow = ws_control_mono_ns(&c);
			uint64_t wait_ms = next > pnow ? (next - pnow) / 1000000ULL /
								 (uint64_t)c.time_scale
						       : 0;
			if (wait_ms < (uint64_t)timeout)
				timeout = (int)wait_ms + 1;
		}
		if ((!ws_dpconn_connected(&c.dp) || c.addrs_pending) && timeout > 250)
			timeout = 250;
		if (poll(pfds, n, timeout) < 0 && errno != EINTR)
			break;
		if (pfds[0].revents)
			ws_dpconn_poll(&c.dp);
		ws_server_handle(&srv, pfds + 1, n - 1);
		ws_dpconn_poll(&c.dp); /* events queued during requests made above */
	}

	ws_server_close(&srv);
	ws_hs_destroy(&c.hs);
	ws_sync_destroy(&c.sync);
	ws_dpconn_destroy(&c.dp);
	ws_device_destroy(&c.dev);
	free(c.addrs);
	free(c.addrs_applied);
	return 0;
}
