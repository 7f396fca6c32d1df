/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics out: DPDK telemetry commands (/wirespeed/stats, /wirespeed/ports,
 * /wirespeed/mempools, answered on the telemetry thread, which sums the per-lcore counters) and the JSON dump written at exit
 * (--stats-on-exit), which also reports the mempool accounting.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
 * they become '_'. The exception TAP shares the WAN port's name and gets a "_tap" suffix.
 */
static void port_key(const struct ws_dp_port *p, char *key, size_t cap)
{
	snprintf(key, cap, "%s%s", p->name, p->kind == WS_DP_PORT_EXC ? "_tap" : "");
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
