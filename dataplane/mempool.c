/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet mempools: one per NUMA socket in use, created before the ports and checked at
 * shutdown: after every lcore stopped and every port closed, each pool must be full again,
 * or an mbuf leaked (or was freed twice, which shows as more than full).
 */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "dataplane.h"

static int create(struct ws_dp *dp, unsigned int socket, char *err, size_t errlen)
{
	const struct ws_dp_config *cfg = dp->cfg;
	char name[RTE_MEMPOOL_NAMESIZE];

	if (dp->pools[socket])
		return 0;
	snprintf(name, sizeof(name), "ws_mbuf_s%u", socket);
	dp->pools[socket] = rte_pktmbuf_pool_create(name, cfg->mempool.mbufs, cfg->mempool.cache, 0,
						    (uint16_t)cfg->mempool.mbuf_size,
						    (int)socket);
	if (!dp->pools[socket]) {
		snprintf(err, errlen,
			 "cannot create mempool %s (%u mbufs of %u bytes on socket %u): %s; raise "
			 "dataplane.eal.memoryMB or lower dataplane.mempool.mbufs",
			 name, cfg->mempool.mbufs, cfg->mempool.mbuf_size, socket,
			 rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

int ws_dp_mempools_create(struct ws_dp *dp, char *err, size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t pid;
	int sock;

	/* the sockets of the configured ports; the TAPs use the WAN's socket */
	for (unsigned int i = 0; i < dp->cfg->n_ports; i++) {
		size_t n = strcspn(dp->cfg->ports[i].device, ",");

		snprintf(name, sizeof(name), "%.*s", (int)n, dp->cfg->ports[i].device);
		sock = 0;
		if (rte_eth_dev_get_port_by_name(name, &pid) == 0) {
			sock = rte_eth_dev_socket_id(pid);
			if (sock < 0)
				sock = 0;
		}
		if (create(dp, (unsigned int)sock, err, errlen))
			return -1;
	}
	if (!dp->pools[0] && create(dp, 0, err, errlen))
		return -1;
	return 0;
}

struct rte_mempool *ws_dp_mempool_for(struct ws_dp *dp, unsigned int socket)
{
	if (socket < RTE_MAX_NUMA_NODES && dp->pools[socket])
		return dp->pools[socket];
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (dp->pools[s])
			return dp->pools[s];
	return NULL;
}

bool ws_dp_mempools_full(struct ws_dp *dp)
{
	bool full = true;

	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		struct rte_mempool *mp = dp->pools[s];

		if (!mp)
			continue;
		dp->pool_size[s] = mp->size;
		dp->pool_avail[s] = rte_mempool_avail_count(mp);
		if (dp->pool_avail[s] != dp->pool_size[s]) {
			RTE_LOG(ERR, USER1, "mempool %s: %u of %u mbufs back at shutdown\n",
				mp->name, dp->pool_avail[s], dp->pool_size[s]);
			full = false;
		}
	}
	return full;
}

void ws_dp_mempools_free(struct ws_dp *dp)
{
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		rte_mempool_free(dp->pools[s]);
		dp->pools[s] = NULL;
	}
}
