/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's runtime state: ports, mempools, rings and per-lcore contexts. One instance
 * (ws_dp), built by main on the main lcore before any worker starts and torn down after they
 * all stopped; in between workers only read it, except their own lcore context.
 */
#ifndef WS_DP_DATAPLANE_H
#define WS_DP_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "classify.h"
#include "config.h"
#include "counters.h"
#include "ctl.h"

enum {
	WS_DP_BURST_MAX = 256,   /* dataplane.burst is at most this */
	WS_DP_MAX_RXQ = 64,      /* rx queues one lcore may poll */
	WS_DP_SERVICE_RING = 1024,
	WS_DP_CRYPTO_RING = 4096,
	WS_DP_TAP_DESC = 256,    /* descriptors per TAP queue */
	WS_DP_TUNNEL_OVERHEAD = 40 + 8 + 32, /* outer IPv6 + UDP + WireGuard header and tag */
};

enum ws_dp_port_kind {
	WS_DP_PORT_WAN,    /* encrypted side */
	WS_DP_PORT_LAN,    /* plaintext side, gateway mode */
	WS_DP_PORT_EXC,    /* exception TAP of the WAN: the kernel's view of the WAN port */
	WS_DP_PORT_TUN,    /* host mode: the tunnel TAP named interface.name */
	WS_DP_PORT_LAN_EXC, /* gateway mode: exception TAP of the LAN port (its MAC, address) */
};

/*
 * A port the dataplane owns. Written by main during setup, read-only while lcores run; closed by
 * main under ws_dp_state_lock, since the telemetry thread reads ports too.
 */
struct ws_dp_port {
	bool present;
	enum ws_dp_port_kind kind;
	uint16_t port_id;
	uint16_t n_rxq;
	uint16_t n_txq;
	uint16_t socket; /* NUMA socket of the device (SOCKET_ID_ANY mapped to 0) */
	char name[WS_DP_NAME_LEN];    /* config name, or the TAP's interface name */
	char devargs[WS_DP_DEVICE_LEN];
	struct rte_ether_addr mac;
	bool started;
	bool probed_by_us; /* hot-plugged at setup: removed again at shutdown */
	/* taken by main after the lcores stopped, before the port is closed (stats dump) */
	bool have_final;
	struct rte_eth_stats final_stats;
};

/* Buffered transmit towards one port, on this lcore's own tx queue. Owned by one lcore. */
struct ws_dp_txq {
	uint16_t port; /* index into ws_dp.ports */
	uint16_t queue;
	uint16_t n;
	struct rte_mbuf *pkts[WS_DP_BURST_MAX];
};

struct ws_dp_lcore;
struct ws_cb_engine;
/* A pipeline stage: takes ownership of the n mbufs (see stages.h). */
typedef void (*ws_dp_stage_fn)(struct ws_dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);

/* One rx queue an lcore polls, and the stage its bursts go to. */
struct ws_dp_rxq {
	uint16_t port; /* index into ws_dp.ports */
	uint16_t queue;
	/* the PMD may block in rx (net_pcap reading a FIFO): polled offline for RCU, so a
	 * writer's grace period does not wait for input that may never come */
	bool may_block;
	ws_dp_stage_fn stage;
};

enum ws_dp_lcore_role {
	WS_DP_LCORE_NONE,
	WS_DP_LCORE_RTC,    /* rx, classify, crypto stages, tx */
	WS_DP_LCORE_IO,     /* pipeline: rx, classify, steer; exceptions; tx */
	WS_DP_LCORE_CRYPTO, /* pipeline: crypto stages from its ring, tx */
};

/*
 * Per-lcore context, indexed by lcore id. Written by main before launch; afterwards only its
 * own lcore touches it (tx buffers). Its counters (*cnt) are also read by the telemetry thread.
 */
struct ws_dp_lcore {
	enum ws_dp_lcore_role role;
	/* where received transport data goes: decrypt here (rtc) or steer to a crypto lcore (io) */
	ws_dp_stage_fn data_stage;
	unsigned int data_index; /* 0..n-1 over lcores that transmit: its tx queue on every port */
	struct ws_dp_rxq rxq[WS_DP_MAX_RXQ];
	unsigned int n_rxq;
	struct ws_dp_txq tx[WS_DP_MAX_PORTS + 2];
	struct rte_ring *in_ring; /* crypto lcore: packets steered to it (MP by io lcores, SC) */
	struct ws_dp_lcore_counters *cnt; /* == &ws_dp_counters[lcore id] */
	/*
	 * Busy/idle accounting of the polling loop, so busy-poll CPU is counted honestly: TSC
	 * cycles of loop iterations that did work (received, dequeued or sent something) and of
	 * those that found nothing. Written only by this lcore (relaxed stores), read by the
	 * telemetry thread and the stats dump; on a cache line of its own.
	 */
	struct ws_dp_lcore_cycles {
		uint64_t busy;
		uint64_t idle;
		uint64_t busy_iters;
		uint64_t idle_iters;
	} cycles __rte_cache_aligned;
} __rte_cache_aligned;

struct ws_dp {
	const struct ws_dp_config *cfg;
	struct ws_dp_classify_ctx cls; /* written by main at setup; read by workers */
	/* ports[] by index; wan/lan/exc/tun/lan_exc are indexes into it, -1 when absent */
	struct ws_dp_port ports[WS_DP_MAX_PORTS + 2];
	unsigned int n_ports;
	int wan, lan, exc, tun, lan_exc;
	/* one per socket in use; freed by main under ws_dp_state_lock (telemetry reads them) */
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	/* filled by ws_dp_mempools_full() at shutdown, for the stats dump */
	unsigned int pool_size[RTE_MAX_NUMA_NODES];
	unsigned int pool_avail[RTE_MAX_NUMA_NODES];
	bool pools_checked;
	bool pools_full;
	struct rte_ring *service_ring; /* handshakes: MP (workers) -> SC (service lcore) */
	/* worker events (struct ws_dp_wevent): MP (workers) -> SC (service lcore) */
	struct rte_ring *ev_ring;
	/* packets waiting for a keypair (peer id in the mbuf's priv): MP workers -> SC service */
	struct rte_ring *stage_ring;
	/* frames the service lcore sends (handshakes, ARP/ND, keepalives, flushed staged
	 * packets; kind in the mbuf's priv): SP (service lcore) -> MC (polling lcores) */
	struct rte_ring *svc_tx_ring;
	struct ws_cb_engine *engines[RTE_MAX_LCORE]; /* each created and used by its lcore */
	unsigned int crypto_lcores[RTE_MAX_LCORE];      /* pipeline: lcore ids, by steer index */
	unsigned int n_crypto;
	unsigned int burst;
	bool wan_csum_offload; /* the WAN port computes IPv4 and UDP checksums (set at setup) */
	uint32_t tun_mtu; /* inner MTU: padding cap and "too big" limit (set by port setup) */
	struct ws_dp_ctl ctl; /* control socket: service lcore only */
	/* set by the signal handler, read by every lcore loop */
	volatile bool stop;
	struct ws_dp_lcore lcores[RTE_MAX_LCORE];
};

extern struct ws_dp ws_dp;

/* Per-mbuf metadata (an mbuf dynamic field) for packets travelling between lcores. */
enum ws_dp_mbuf_kind {
	WS_DP_MK_NONE = 0,
	WS_DP_MK_RAW,   /* a complete frame for the WAN */
	WS_DP_MK_PLAIN, /* an inner IP packet at the data start (length 0: keepalive) for peer */
	WS_DP_MK_LAN,   /* a complete frame for the LAN port */
	WS_DP_MK_LAN_HOLD, /* a decrypted frame waiting for its LAN next hop's MAC (stage_ring) */
};

struct ws_dp_mbuf_priv {
	uint32_t peer;
	uint32_t kind;
};

extern int ws_dp_priv_offset;

static inline struct ws_dp_mbuf_priv *ws_dp_priv(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, ws_dp_priv_offset, struct ws_dp_mbuf_priv *);
}

/* Worker -> service notifications (ev_ring elements). */
enum ws_dp_wevent_type {
	WS_DP_WEV_CONFIRM = 1, /* first authenticated packet on a peer's next keypair */
	WS_DP_WEV_ROAM,        /* authenticated packet from a new source: addr, port, mac */
	WS_DP_WEV_NEIGH,       /* ARP / neighbour discovery seen on the WAN: addr, mac */
	WS_DP_WEV_REKEY,       /* the current keypair wants a new handshake */
	WS_DP_WEV_SOLICIT,     /* data for a peer whose next hop's MAC is unknown */
	WS_DP_WEV_LAN_NEIGH,   /* ARP / ND seen on the LAN: addr, mac; reserved[0]: to us */
};

struct ws_dp_wevent {
	uint8_t type;
	uint8_t family;
	uint16_t port; /* network order */
	uint32_t peer_id;
	uint32_t local_index;
	uint8_t mac[6];
	uint8_t reserved[2];
	uint8_t addr[16];
};

/* Workers: queue an event for the service lcore (dropped, counted, when the ring is full). */
/* false when the event ring was full (counted; the event is lost) */
bool ws_dp_post_event(struct ws_dp_lcore *lc, const struct ws_dp_wevent *ev);

/* port.c */
int ws_dp_ports_setup(struct ws_dp *dp, char *err, size_t errlen);
void ws_dp_ports_snapshot(struct ws_dp *dp);
/* After the workers stopped: frees what still waits in the rx queues (a loopback ring, a TAP's
 * last frames), so the mempool check at exit counts only real leaks. Returns the count. */
unsigned int ws_dp_ports_drain(struct ws_dp *dp);
void ws_dp_ports_close(struct ws_dp *dp);
const char *ws_dp_port_kind_name(enum ws_dp_port_kind k);

/* mempool.c */
int ws_dp_mempools_create(struct ws_dp *dp, char *err, size_t errlen);
struct rte_mempool *ws_dp_mempool_for(struct ws_dp *dp, unsigned int socket);
/* true when every pool is full again (records size/avail for the stats dump) */
bool ws_dp_mempools_full(struct ws_dp *dp);
void ws_dp_mempools_free(struct ws_dp *dp);

/* worker.c */
int ws_dp_lcores_assign(struct ws_dp *dp, char *err, size_t errlen);
int ws_dp_worker_main(void *arg);
/* after every worker returned: frees what is left in the rings, then the rings */
void ws_dp_lcores_release(struct ws_dp *dp);

/* service.c */
int ws_dp_service_setup(struct ws_dp *dp, char *err, size_t errlen);
void ws_dp_service_loop(struct ws_dp *dp);
void ws_dp_service_drain(struct ws_dp *dp);
/* Hands a frame (priv kind RAW or PLAIN) to the polling lcores; frees it on failure (-1). */
int ws_dp_service_send(struct rte_mbuf *m);
/* A keypair landed for peer: timers, and staged packets if it can send now. */
void ws_dp_service_keypair_added(uint32_t peer);
/* EV_HANDSHAKE_NEEDED, at most one per peer per second of protocol time. */
void ws_dp_service_handshake_needed(uint32_t peer);
/* timers.c: the per-peer data timers (keepalives, new handshake, key expiry). */
void ws_dp_timers_arm(uint32_t peer);
/* A keepalive to peer through the encrypt stage; 0 or -1. */
int ws_dp_send_keepalive(uint32_t peer);

/* telemetry.c */
extern rte_spinlock_t ws_dp_state_lock;
int ws_dp_telemetry_register(void);
int ws_dp_stats_dump(struct ws_dp *dp, const char *path);

#endif
