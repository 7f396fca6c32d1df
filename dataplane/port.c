/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port setup and teardown: the configured WAN/LAN ports (created by EAL from the derived
 * --vdev/-a arguments) and the TAPs the dataplane creates itself: the WAN's exception TAP,
 * named like the WAN port and carrying its MAC and address so the kernel answers ARP and ping
 * for it, and in host mode the tunnel TAP named interface.name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "dataplane.h"

/* struct in6_ifreq from linux/ipv6.h, which clashes with netinet/in.h */
struct in6_ifreq_ {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

const char *ws_dp_port_kind_name(enum ws_dp_port_kind k)
{
	switch (k) {
	case WS_DP_PORT_WAN:
		return "wan";
	case WS_DP_PORT_LAN:
		return "lan";
	case WS_DP_PORT_EXC:
		return "exception-tap";
	case WS_DP_PORT_TUN:
		return "tunnel-tap";
	case WS_DP_PORT_LAN_EXC:
		return "lan-exception-tap";
	}
	return "?";
}

/* The ethdev name EAL gives a device: a PCI address as is, a vdev its name before ','. */
static void dev_name(const char *devargs, char *out, size_t cap)
{
	size_t n = strcspn(devargs, ",");

	if (n >= cap)
		n = cap - 1;
	memcpy(out, devargs, n);
	out[n] = '\0';
}

static int find_or_probe(struct ws_dp_port *p, bool probe, char *err, size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	int rc;

	dev_name(p->devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) == 0) {
		p->present = true;
		return 0;
	}
	if (!probe) {
		snprintf(err, errlen,
			 "port %s: no DPDK port for device '%s' (is it bound to a DPDK driver, "
			 "or excluded by the EAL arguments?)",
			 p->name, p->devargs);
		return -1;
	}
	rc = rte_dev_probe(p->devargs);
	if (rc < 0 || rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		snprintf(err, errlen,
			 "port %s: the driver could not create device '%s' (see its messages "
			 "above)",
			 p->name, p->devargs);
		return -1;
	}
	p->present = true;
	p->probed_by_us = true;
	return 0;
}

static int configure(struct ws_dp *dp, struct ws_dp_port *p, uint16_t rx_desc, uint16_t tx_desc,
		     char *err, size_t errlen)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	struct rte_mempool *mp;
	int rc, sock;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc) {
		snprintf(err, errlen, "port %s: cannot get device info: %s", p->name,
			 rte_strerror(-rc));
		return -1;
	}
	if (p->n_rxq > info.max_rx_queues || p->n_txq > info.max_tx_queues) {
		snprintf(err, errlen,
			 "port %s: %u rx / %u tx queues requested (each transmitting lcore needs "
			 "its own tx queue), driver %s offers %u / %u",
			 p->name, p->n_rxq, p->n_txq, info.driver_name, info.max_rx_queues,
			 info.max_tx_queues);
		return -1;
	}
	/* several queues: RSS when the device has it (af_packet, TAP spread flows themselves) */
	conf.rx_adv_conf.rss_conf.rss_hf =
		(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	if (p->n_rxq > 1 && conf.rx_adv_conf.rss_conf.rss_hf)
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	else
		conf.rx_adv_conf.rss_conf.rss_hf = 0;
	/* only what the fast path uses: the NIC's IPv4 header check saves a software one */
	conf.rxmode.offloads = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	/* the WAN's outer checksums: the NIC's when it computes all three (encap.h) */
	if (p->kind == WS_DP_PORT_WAN) {
		const uint64_t want = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;

		if ((info.tx_offload_capa & want) == want) {
			conf.txmode.offloads = want;
			dp->wan_csum_offload = true;
		}
	}
	rc = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf);
	if (rc) {
		snprintf(err, errlen, "port %s: configure failed: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rx_desc, &tx_desc);
	if (rc) {
		snprintf(err, errlen, "port %s: descriptor counts refused: %s", p->name,
			 rte_strerror(-rc));
		return -1;
	}
	sock = rte_eth_dev_socket_id(p->port_id);
	p->socket = (uint16_t)(sock < 0 ? 0 : sock);
	mp = ws_dp_mempool_for(dp, p->socket);
	for (uint16_t q = 0; q < p->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, rx_desc, p->socket, NULL, mp);
		if (rc) {
			snprintf(err, errlen, "port %s: rx queue %u setup failed: %s", p->name, q,
				 rte_strerror(-rc));
			return -1;
		}
	}
	for (uint16_t q = 0; q < p->n_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, tx_desc, p->socket, NULL);
		if (rc) {
			snprintf(err, errlen, "port %s: tx queue %u setup failed: %s", p->name, q,
				 rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc) {
		snprintf(err, errlen, "port %s: start failed: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	p->started = true;
	rte_eth_macaddr_get(p->port_id, &p->mac);
	return 0;
}

/* Puts the configured address on the TAP's kernel side (IPv4 and IPv6 via ioctl). */
static int kernel_addr(const char *ifname, const struct ws_dp_addr *a, char *err, size_t errlen)
{
	struct ifreq ifr = {0};
	int fd, rc = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	fd = socket(a->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
		uint32_t mask = a->prefix ? htonl(~0u << (32 - a->prefix)) : 0;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->bytes, 4);
		if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
			goto fail;
		sin->sin_addr.s_addr = mask;
		if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
			goto fail;
	} else {
		struct in6_ifreq_ r6 = {0};

		if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
			goto fail;
		memcpy(&r6.addr, a->bytes, 16);
		r6.prefixlen = a->prefix;
		r6.ifindex = ifr.ifr_ifindex;
		if (ioctl(fd, SIOCSIFADDR, &r6) < 0 && errno != EEXIST)
			goto fail;
	}
	close(fd);
	return 0;
fail:
	rc = errno;
	if (fd >= 0)
		close(fd);
	snprintf(err, errlen, "cannot add the address to kernel interface %s: %s", ifname,
		 strerror(rc));
	return -1;
}

static int set_mtu(struct ws_dp_port *p, uint16_t mtu, char *err, size_t errlen)
{
	int rc = rte_eth_dev_set_mtu(p->port_id, mtu);

	if (rc) {
		snprintf(err, errlen, "port %s: cannot set MTU %u: %s", p->name, mtu,
			 rte_strerror(-rc));
		return -1;
	}
	return 0;
}

static struct ws_dp_port *add_port(struct ws_dp *dp, enum ws_dp_port_kind kind,
				   const char *name, const char *devargs)
{
	struct ws_dp_port *p = &dp->ports[dp->n_ports++];

	memset(p, 0, sizeof(*p));
	p->kind = kind; /* present once its ethdev exists */
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->devargs, sizeof(p->devargs), "%s", devargs);
	return p;
}

/*
 * Mbufs the configuration needs before any traffic: filled rx rings, a mempool cache per
 * lcore (it may hold up to 1.5 x its size) and one burst per lcore and port in flight. Checked
 * up front so a pool that is too small fails with the numbers instead of a queue setup error.
 */
static int check_pool_size(const struct ws_dp_config *cfg, char *err, size_t errlen)
{
	unsigned int data = ws_dp_config_data_lcores(cfg);
	unsigned int taps = 2; /* the WAN's exception TAP, and the tunnel TAP or the LAN's */
	unsigned long rings = 0, need;

	for (unsigned int i = 0; i < cfg->n_ports; i++)
		rings += (unsigned long)cfg->ports[i].rx_queues * cfg->ports[i].rx_desc;
	rings += (unsigned long)taps * data * WS_DP_TAP_DESC;
	need = rings + (data + 1ul) * (cfg->mempool.cache * 3 / 2) +
	       (unsigned long)data * cfg->burst * (cfg->n_ports + taps);
	if (need > cfg->mempool.mbufs) {
		snprintf(err, errlen,
			 "%s: dataplane.mempool.mbufs: %u is too few: the rx rings alone hold %lu "
			 "(rxQueues x rxDesc per port, %d per TAP queue), with per-lcore caches and "
			 "bursts at least %lu are needed",
			 cfg->path, cfg->mempool.mbufs, rings, WS_DP_TAP_DESC, need);
		return -1;
	}
	return 0;
}

static int set_noarp(const char *ifname, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_NOARP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (rc)
		snprintf(err, errlen, "tunnel TAP %s: cannot set NOARP: %s", ifname,
			 strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Gateway mode: the kernel's side of the (first) LAN port, like the WAN's exception TAP: same
 * name, MAC and addresses, so the kernel answers ARP, neighbour solicitations and ping for the
 * gateway's LAN address and LAN management traffic reaches it.
 */
static int lan_tap(struct ws_dp *dp, char *err, size_t errlen)
{
	const struct ws_dp_port_cfg *pc = NULL;
	const struct ws_dp_port *lan = &dp->ports[dp->lan];
	char devargs[WS_DP_DEVICE_LEN];
	struct ws_dp_port *p;
	uint16_t mtu;

	for (unsigned int i = 0; i < dp->cfg->n_ports && !pc; i++)
		if (!strcmp(dp->cfg->ports[i].name, lan->name))
			pc = &dp->cfg->ports[i];
	if (!pc)
		return 0;
	snprintf(devargs, sizeof(devargs), "net_tap_wslan,iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT,
		 lan->name, RTE_ETHER_ADDR_BYTES(&lan->mac));
	p = add_port(dp, WS_DP_PORT_LAN_EXC, pc->name, devargs);
	if (find_or_probe(p, true, err, errlen))
		return -1;
	p->n_rxq = (uint16_t)ws_dp_config_data_lcores(dp->cfg);
	p->n_txq = p->n_rxq;
	if (configure(dp, p, WS_DP_TAP_DESC, WS_DP_TAP_DESC, err, errlen))
		return -1;
	dp->lan_exc = (int)(p - dp->ports);
	if (pc->ip4.family && kernel_addr(pc->name, &pc->ip4, err, errlen))
		return -1;
	if (pc->ip6.family && kernel_addr(pc->name, &pc->ip6, err, errlen))
		return -1;
	if (rte_eth_dev_get_mtu(lan->port_id, &mtu) != 0)
		mtu = RTE_ETHER_MTU;
	return set_mtu(p, mtu, err, errlen);
}

int ws_dp_ports_setup(struct ws_dp *dp, char *err, size_t errlen)
{
	const struct ws_dp_config *cfg = dp->cfg;
	const struct ws_dp_port_cfg *wan_cfg = ws_dp_config_wan(cfg);
	uint16_t data = (uint16_t)ws_dp_config_data_lcores(cfg);
	char devargs[WS_DP_DEVICE_LEN];
	struct ws_dp_port *p, *wan;
	uint16_t wan_mtu;

	dp->wan = dp->lan = dp->exc = dp->tun = dp->lan_exc = -1;
	if (check_pool_size(cfg, err, errlen))
		return -1;
	for (unsigned int i = 0; i < cfg->n_ports; i++) {
		const struct ws_dp_port_cfg *pc = &cfg->ports[i];

		p = add_port(dp, pc->role == WS_DP_ROLE_WAN ? WS_DP_PORT_WAN : WS_DP_PORT_LAN,
			     pc->name, pc->device);
		/* vdevs missing from raw EAL arguments are created here; PCI must be bound */
		if (find_or_probe(p, !pc->is_pci, err, errlen))
			return -1;
		p->n_rxq = pc->rx_queues;
		p->n_txq = pc->tx_queues;
		if (configure(dp, p, pc->rx_desc, pc->tx_desc, err, errlen))
			return -1;
		if (p->kind == WS_DP_PORT_WAN)
			dp->wan = (int)(p - dp->ports);
		else if (dp->lan < 0)
			dp->lan = (int)(p - dp->ports);
	}
	wan = &dp->ports[dp->wan];

	/* the kernel's side of the WAN: same MAC, the WAN address */
	snprintf(devargs, sizeof(devargs), "net_tap_wsexc,iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT,
		 wan->name, RTE_ETHER_ADDR_BYTES(&wan->mac));
	p = add_port(dp, WS_DP_PORT_EXC, wan_cfg->name, devargs);
	if (find_or_probe(p, true, err, errlen))
		return -1;
	/* net_tap pairs queues, and the kernel spreads its transmits over all of them */
	p->n_rxq = data;
	p->n_txq = data;
	if (configure(dp, p, WS_DP_TAP_DESC, WS_DP_TAP_DESC, err, errlen))
		return -1;
	dp->exc = (int)(p - dp->ports);
	if (wan_cfg->ip4.family && kernel_addr(wan->name, &wan_cfg->ip4, err, errlen))
		return -1;
	if (wan_cfg->ip6.family && kernel_addr(wan->name, &wan_cfg->ip6, err, errlen))
		return -1;
	if (rte_eth_dev_get_mtu(wan->port_id, &wan_mtu) != 0)
		wan_mtu = RTE_ETHER_MTU;
	if (set_mtu(p, wan_mtu, err, errlen))
		return -1;
	dp->tun_mtu = wan_mtu - WS_DP_TUNNEL_OVERHEAD;

	if (cfg->mode == WS_DP_MODE_GATEWAY && lan_tap(dp, err, errlen))
		return -1;
	if (cfg->mode == WS_DP_MODE_HOST) {
		snprintf(devargs, sizeof(devargs), "net_tap_wstun,iface=%s", cfg->ifname);
		p = add_port(dp, WS_DP_PORT_TUN, cfg->ifname, devargs);
		if (find_or_probe(p, true, err, errlen))
			return -1;
		p->n_rxq = data;
		p->n_txq = data;
		if (configure(dp, p, WS_DP_TAP_DESC, WS_DP_TAP_DESC, err, errlen))
			return -1;
		dp->tun = (int)(p - dp->ports);
		/* room for the outer IPv6 + UDP headers and WireGuard's 32 bytes, as wg does */
		if (set_mtu(p, (uint16_t)(wan_mtu - WS_DP_TUNNEL_OVERHEAD), err, errlen))
			return -1;
		/* a point-to-multipoint tunnel: the kernel must not ARP/ND on it (with NOARP it
		 * addresses every frame to the TAP's own MAC, which is what we want) */
		if (set_noarp(cfg->ifname, err, errlen))
			return -1;
	}
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		p = &dp->ports[i];
		RTE_LOG(INFO, USER1,
			"port %s (%s): id %u, %s, mac " RTE_ETHER_ADDR_PRT_FMT ", %u rxq, %u txq\n",
			p->name, ws_dp_port_kind_name(p->kind), p->port_id, p->devargs,
			RTE_ETHER_ADDR_BYTES(&p->mac), p->n_rxq, p->n_txq);
	}
	return 0;
}

void ws_dp_ports_close(struct ws_dp *dp)
{
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		struct ws_dp_port *p = &dp->ports[i];
		struct rte_eth_dev_info info;
		struct rte_device *dev = NULL;
		int rc;

		if (!p->present)
			continue;
		if (rte_eth_dev_info_get(p->port_id, &info) == 0)
			dev = info.device;
		if (p->started) {
			rc = rte_eth_dev_stop(p->port_id);
			if (rc)
				RTE_LOG(WARNING, USER1, "port %s: stop: %s\n", p->name,
					rte_strerror(-rc));
			p->started = false;
		}
		rc = rte_eth_dev_close(p->port_id);
		if (rc)
			RTE_LOG(WARNING, USER1, "port %s: close: %s\n", p->name, rte_strerror(-rc));
		/* hot-plugged TAPs are removed so the kernel interfaces go away now */
		if (p->probed_by_us && dev)
			rte_dev_remove(dev);
		p->present = false;
	}
}

unsigned int ws_dp_ports_drain(struct ws_dp *dp)
{
	struct rte_mbuf *pkts[32];
	unsigned int total = 0;

	for (unsigned int i = 0; i < dp->n_ports; i++) {
		const struct ws_dp_port *p = &dp->ports[i];

		if (!p->present || !p->started)
			continue;
		for (uint16_t q = 0; q < p->n_rxq; q++) {
			/* bounded: a source that keeps sending must not hold up the exit */
			for (int round = 0; round < 64; round++) {
				uint16_t n = rte_eth_rx_burst(p->port_id, q, pkts, RTE_DIM(pkts));

				if (n == 0)
					break;
				rte_pktmbuf_free_bulk(pkts, n);
				total += n;
			}
		}
	}
	return total;
}

void ws_dp_ports_snapshot(struct ws_dp *dp)
{
	for (unsigned int i = 0; i < dp->n_ports; i++) {
		struct ws_dp_port *p = &dp->ports[i];

		if (p->present)
			p->have_final = rte_eth_stats_get(p->port_id, &p->final_stats) == 0;
	}
}
