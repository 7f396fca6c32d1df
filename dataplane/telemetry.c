/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics out: DPDK telemetry commands (/wirespeed/stats, /wirespeed/ports,
 * /wirespeed/mempools, /wirespeed/lcores, answered on the telemetry thread, which sums the
 * per-lcore counters) and the JSON dump written at exit (--stats-on-exit), which also reports
 * the mempool accounting and each polling lcore's busy/idle TSC cycles.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "dataplane.h"

/*
 * Held by the telemetry thread while it reads ports or mempools, and by main while it closes
 * the ports or frees the pools at shutdown.
 */
rte_spinlock_t ws_dp_state_lock = RTE_SPINLOCK_INITIALIZER;

static int stats_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t v[WS_DP_CNT_MAX];

	(void)cmd;
	(void)params;
	ws_dp_counters_sum_all(v);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < WS_DP_CNT_MAX; i++)
		rte_tel_data_add_dict_u64(d, ws_dp_counter_names[i], v[i]);
	return 0;
}

static const char *lcore_role_name(enum ws_dp_lcore_role r)
{
	switch (r) {
	case WS_DP_LCORE_RTC:
		return "rtc";
	case WS_DP_LCORE_IO:
		return "io";
	case WS_DP_LCORE_CRYPTO:
		return "crypto";
	default:
		return "none";
	}
}

/* A polling lcore's busy/idle accounting (relaxed loads: its lcore keeps writing). */
static struct ws_dp_lcore_cycles lcore_cycles(const struct ws_dp_lcore *lc)
{
	return (struct ws_dp_lcore_cycles){
		.busy = __atomic_load_n(&lc->cycles.busy, __ATOMIC_RELAXED),
		.idle = __atomic_load_n(&lc->cycles.idle, __ATOMIC_RELAXED),
		.busy_iters = __atomic_load_n(&lc->cycles.busy_iters, __ATOMIC_RELAXED),
		.idle_iters = __atomic_load_n(&lc->cycles.idle_iters, __ATOMIC_RELAXED),
	};
}

/* Per polling lcore: role, busy and idle TSC cycles and iterations; and the TSC frequency. */
static int lcores_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++) {
		const struct ws_dp_lcore *lc = &ws_dp.lcores[l];
		struct ws_dp_lcore_cycles c;
		struct rte_tel_data *ld;
		char key[32];

		if (lc->role == WS_DP_LCORE_NONE)
			continue;
		ld = rte_tel_data_alloc();
		if (!ld)
			break;
		c = lcore_cycles(lc);
		rte_tel_data_start_dict(ld);
		rte_tel_data_add_dict_int(ld, "lcore", (int)l);
		rte_tel_data_add_dict_string(ld, "role", lcore_role_name(lc->role));
		rte_tel_data_add_dict_u64(ld, "busy_cycles", c.busy);
		rte_tel_data_add_dict_u64(ld, "idle_cycles", c.idle);
		rte_tel_data_add_dict_u64(ld, "busy_iterations", c.busy_iters);
		rte_tel_data_add_dict_u64(ld, "idle_iterations", c.idle_iters);
		snprintf(key, sizeof(key), "lcore%u", l);
		rte_tel_data_add_dict_container(d, key, ld, 0);
	}
	return 0;
}

static void port_dict(struct rte_tel_data *pd, const struct ws_dp_port *p,
		      const struct rte_eth_stats *st)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	rte_tel_data_start_dict(pd);
	rte_tel_data_add_dict_string(pd, "kind", ws_dp_port_kind_name(p->kind));
	rte_tel_data_add_dict_int(pd, "port_id", p->port_id);
	rte_tel_data_add_dict_string(pd, "device", p->devargs);
	rte_tel_data_add_dict_string(pd, "mac", mac);
	rte_tel_data_add_dict_int(pd, "rx_queues", p->n_rxq);
	rte_tel_data_add_dict_int(pd, "tx_queues", p->n_txq);
	rte_tel_data_add_dict_u64(pd, "ipackets", st->ipackets);
	rte_tel_data_add_dict_u64(pd, "opackets", st->opackets);
	rte_tel_data_add_dict_u64(pd, "ibytes", st->ibytes);
	rte_tel_data_add_dict_u64(pd, "obytes", st->obytes);
	rte_tel_data_add_dict_u64(pd, "imissed", st->imissed);
	rte_tel_data_add_dict_u64(pd, "ierrors", st->ierrors);
	rte_tel_data_add_dict_u64(pd, "oerrors", st->oerrors);
	rte_tel_data_add_dict_u64(pd, "rx_nombuf", st->rx_nombuf);
}

/*
 * Telemetry dictionary names allow only [A-Za-z0-9_/]: port names may hold '-' or '.', so
 * they become '_'. An exception TAP shares its port's name and gets a "_tap" suffix.
 */
static void port_key(const struct ws_dp_port *p, char *key, size_t cap)
{
	const bool tap = p->kind == WS_DP_PORT_EXC || p->kind == WS_DP_PORT_LAN_EXC;

	snprintf(key, cap, "%s%s", p->name, tap ? "_tap" : "");
	for (char *c = key; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			*c = '_';
}

static int ports_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&ws_dp_state_lock);
	for (unsigned int i = 0; i < ws_dp.n_ports; i++) {
		const struct ws_dp_port *p = &ws_dp.ports[i];
		struct rte_eth_stats st = {0};
		struct rte_tel_data *pd;
		char key[48];

		if (!p->present)
			continue;
		pd = rte_tel_data_alloc();
		if (!pd)
			break;
		rte_eth_stats_get(p->port_id, &st);
		port_dict(pd, p, &st);
		port_key(p, key, sizeof(key));
		rte_tel_data_add_dict_container(d, key, pd, 0);
	}
	rte_spinlock_unlock(&ws_dp_state_lock);
	return 0;
}

static int mempools_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&ws_dp_state_lock);
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		const struct rte_mempool *mp = ws_dp.pools[s];
		struct rte_tel_data *pd;

		if (!mp)
			continue;
		pd = rte_tel_data_alloc();
		if (!pd)
			break;
		rte_tel_data_start_dict(pd);
		rte_tel_data_add_dict_int(pd, "socket", (int)s);
		rte_tel_data_add_dict_u64(pd, "size", mp->size);
		rte_tel_data_add_dict_u64(pd, "avail", rte_mempool_avail_count(mp));
		rte_tel_data_add_dict_u64(pd, "in_use", rte_mempool_in_use_count(mp));
		rte_tel_data_add_dict_container(d, mp->name, pd, 0);
	}
	rte_spinlock_unlock(&ws_dp_state_lock);
	return 0;
}

int ws_dp_telemetry_register(void)
{
	if (rte_telemetry_register_cmd("/wirespeed/stats", stats_cmd,
				       "Dataplane counters summed over lcores. No parameters."))
		return -1;
	if (rte_telemetry_register_cmd("/wirespeed/mempools", mempools_cmd,
				       "Packet mempools: size, avail, in use. No parameters."))
		return -1;
	if (rte_telemetry_register_cmd("/wirespeed/lcores", lcores_cmd,
				       "Polling lcores: busy/idle TSC cycles and iterations, tsc_hz. "
				       "No parameters."))
		return -1;
	return rte_telemetry_register_cmd("/wirespeed/ports", ports_cmd,
					  "Dataplane ports: role, device, MAC, stats. No parameters.");
}

int ws_dp_stats_dump(struct ws_dp *dp, const char *path)
{
	uint64_t v[WS_DP_CNT_MAX];
	bool first = true;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	ws_dp_counters_sum_all(v);
	fprintf(f, "{\n  \"counters\": {");
	for (unsigned int i = 0; i < WS_DP_CNT_MAX; i++)
		fprintf(f, "%s\n    \"%s\": %" PRIu64, i ? "," : "", ws_dp_counter_names[i], v[i]);
	fprintf(f, "\n  },\n  \"ports\": {");
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		const struct ws_dp_port *p = &dp->ports[i];
		const struct rte_eth_stats *st = &p->final_stats;
		char key[48];

		if (!p->have_final)
			continue;
		port_key(p, key, sizeof(key));
		fprintf(f,
			"%s\n    \"%s\": {\"kind\": \"%s\", \"ipackets\": %" PRIu64
			", \"opackets\": %" PRIu64 ", \"ierrors\": %" PRIu64
			", \"oerrors\": %" PRIu64 ", \"imissed\": %" PRIu64 "}",
			first ? "" : ",", key, ws_dp_port_kind_name(p->kind), st->ipackets,
			st->opackets, st->ierrors, st->oerrors, st->imissed);
		first = false;
	}
	fprintf(f, "\n  },\n  \"tsc_hz\": %" PRIu64 ",\n  \"lcores\": {", rte_get_tsc_hz());
	first = true;
	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++) {
		const struct ws_dp_lcore *lc = &dp->lcores[l];
		struct ws_dp_lcore_cycles c;

		if (lc->role == WS_DP_LCORE_NONE)
			continue;
		c = lcore_cycles(lc);
		fprintf(f,
			"%s\n    \"%u\": {\"role\": \"%s\", \"busy_cycles\": %" PRIu64
			", \"idle_cycles\": %" PRIu64 ", \"busy_iterations\": %" PRIu64
			", \"idle_iterations\": %" PRIu64 "}",
			first ? "" : ",", l, lcore_role_name(lc->role), c.busy, c.idle,
			c.busy_iters, c.idle_iters);
		first = false;
	}
	fprintf(f, "\n  },\n  \"mempools\": [");
	first = true;
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (!dp->pool_size[s])
			continue;
		fprintf(f, "%s\n    {\"socket\": %u, \"size\": %u, \"avail\": %u, \"full\": %s}",
			first ? "" : ",", s, dp->pool_size[s], dp->pool_avail[s],
			dp->pool_avail[s] == dp->pool_size[s] ? "true" : "false");
		first = false;
	}
	fprintf(f, "\n  ],\n  \"mempools_full\": %s\n}\n",
		dp->pools_checked && dp->pools_full ? "true" : "false");
	if (fclose(f))
		return -errno;
	return 0;
}
