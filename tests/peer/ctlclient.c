/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-testpeer ctl: a test client of the dataplane's control socket (dataplane/ipc.h) for the
 * static-key scenario. --install creates the scenario's peers, their allowed-ips and keypairs
 * (initiator keypairs: usable at once); --wait wan|lan polls COUNTERS until every counter the
 * phase's frames must bump has got there, bounded by --timeout, so a test feeds the next phase
 * only once the dataplane has consumed the previous one; with --loop, --wait keepalives until
 * the keepalive of the initiator keypair came back round and confirmed the responder's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "ipc.h"
#include "modes.h"
#include "scenario.h"
#include "traffic.h"

enum { MAX_NAMES = 64 };

static const char prog[] = "ws-testpeer ctl";

struct ctl {
	int fd;
	uint32_t seq;
	uint8_t buf[WS_IPC_MAX_MSG];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int ctl_open(struct ctl *c, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path too long\n", prog);
		return -1;
	}
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	c->seq = 0;
	return 0;
}

/*
 * Sends one request and waits (at most 10 s) for its reply, skipping events. Returns the
 * reply's status (0 or -errno) with its body in c->buf + header, *body_len bytes; or a
 * transport failure as -EPROTO / -ETIMEDOUT / -errno (printed).
 */
static int request(struct ctl *c, uint8_t type, const void *body, size_t len, size_t *body_len)
{
	struct ws_ipc_hdr h = {
		.magic = WS_IPC_MAGIC,
		.version = WS_IPC_VERSION,
		.type = type,
		.seq = ++c->seq,
		.len = (uint32_t)(sizeof(h) + len),
	};
	const uint64_t end = now_ms() + 10000;

	memcpy(c->buf, &h, sizeof(h));
	if (len) /* HELLO and COUNTERS have no body (body may be NULL) */
		memcpy(c->buf + sizeof(h), body, len);
	if (send(c->fd, c->buf, sizeof(h) + len, 0) != (ssize_t)(sizeof(h) + len)) {
		fprintf(stderr, "%s: send: %s\n", prog, strerror(errno));
		return -EPIPE;
	}
	ws_memzero(c->buf, sizeof(h) + len); /* KEYPAIR_ADD carries keys */
	for (;;) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		struct ws_ipc_hdr r = {0};
		uint64_t t = now_ms();
		ssize_t n;

		if (t >= end || poll(&pfd, 1, (int)(end - t)) == 0) {
			fprintf(stderr, "%s: no reply to request type %u\n", prog, type);
			return -ETIMEDOUT;
		}
		n = recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (n <= 0) {
			fprintf(stderr, "%s: recv: %s\n", prog, n ? strerror(errno) : "closed");
			return -EPIPE;
		}
		if (n >= (ssize_t)sizeof(r))
			memcpy(&r, c->buf, sizeof(r));
		if (n < (ssize_t)sizeof(r) || r.magic != WS_IPC_MAGIC ||
		    r.version != WS_IPC_VERSION || r.len != (uint32_t)n) {
			fprintf(stderr, "%s: broken message from the dataplane\n", prog);
			return -EPROTO;
		}
		if (!(r.flags & WS_IPC_F_REPLY))
			continue; /* an event: not ours to handle */
		if (r.type != type || r.seq != c->seq) {
			fprintf(stderr, "%s: reply type %u seq %u to request %u seq %u\n", prog,
				r.type, r.seq, type, c->seq);
			return -EPROTO;
		}
		if (body_len)
			*body_len = (size_t)n - sizeof(r);
		return r.status;
	}
}

static void ipc_addr(struct ws_ipc_addr *a, const struct ws_tp_ipaddr *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = ip->family == AF_INET ? 2 : 10;
	a->port = htons(port);
	memcpy(a->addr, ip->bytes, ip->family == AF_INET ? 4 : 16);
}

static void prefix(struct ws_ipc_prefix *p, const struct ws_tp_ipaddr *ip, uint8_t cidr)
{
	const size_t alen = ip->family == AF_INET ? 4 : 16;

	memset(p, 0, sizeof(*p));
	p->family = ip->family == AF_INET ? 2 : 10;
	p->cidr = cidr;
	memcpy(p->addr, ip->bytes, alen);
	for (size_t b = cidr; b < alen * 8; b++) /* host bits off */
		p->addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
}

static int check_status(int st, const char *what, unsigned int peer)
{
	if (st == 0)
		return 0;
	fprintf(stderr, "%s: %s for peer %u: %s\n", prog, what, peer, strerror(-st));
	return -1;
}

/* Creates (or, again, updates) peer i with its endpoint. */
static int peer_set(struct ctl *c, const struct ws_tp_scn *s, unsigned int i)
{
	const struct ws_tp_scn_peer *p = &s->peers[i];
	struct ws_ipc_peer peer = {.peer_id = p->id, .flags = WS_IPC_PEER_F_ENDPOINT};

	/* the public key only names the peer here (no handshakes): any distinct value will do */
	ws_tp_scn_fill(s, 0x9b, i, peer.public_key, sizeof(peer.public_key));
	ipc_addr(&peer.endpoint, &p->outer, p->port);
	return check_status(request(c, WS_IPC_PEER_SET, &peer, sizeof(peer), NULL), "PEER_SET", i);
}

/*
 * Peers, allowed-ips and keypairs; the late peer's keypair is left out. late: only the late
 * peer's keypair.
 */
static int install(struct ctl *c, const struct ws_tp_scn *s, bool late)
{
	struct {
		struct ws_ipc_allowedips h;
		struct ws_ipc_prefix e[2];
	} aip;
	struct ws_ipc_keypair kp;
	int st;

	st = request(c, WS_IPC_HELLO, NULL, 0, NULL);
	if (check_status(st, "HELLO", 0))
		return -1;
	for (unsigned int i = 0; i < s->n_peers; i++) {
		const struct ws_tp_scn_peer *p = &s->peers[i];

		if (late && (int)i != s->late)
			continue;
		if (!late) {
			if (peer_set(c, s, i))
				return -1;
			memset(&aip, 0, sizeof(aip));
			aip.h.peer_id = p->id;
			aip.h.op = WS_IPC_AIP_ADD;
			aip.h.count = 2;
			prefix(&aip.e[0], &p->inner4, 24);
			prefix(&aip.e[1], &p->inner6, 64);
			if (check_status(request(c, WS_IPC_ALLOWEDIPS, &aip, sizeof(aip), NULL),
					 "ALLOWEDIPS", i))
				return -1;
			if ((int)i == s->late)
				continue;
		}
		memset(&kp, 0, sizeof(kp));
		kp.peer_id = p->id;
		kp.local_index = p->dp_index;
		kp.remote_index = p->peer_index;
		/*
		 * In the loop, peer 0's keypair is a responder's (installed first, used for sending
		 * only once peer 1's keepalive confirmed it), so nothing is sent to a receiver
		 * index not installed yet.
		 */
		kp.initiator = s->loop && i == 0 ? 0 : 1;
		memcpy(kp.send_key, p->key_out, sizeof(kp.send_key));
		memcpy(kp.recv_key, p->key_in, sizeof(kp.recv_key));
		st = request(c, WS_IPC_KEYPAIR_ADD, &kp, sizeof(kp), NULL);
		ws_memzero(&kp, sizeof(kp));
		if (check_status(st, "KEYPAIR_ADD", i))
			return -1;
	}
	if (late)
		printf("installed the late peer's keypair\n");
	else
		printf("installed %u peers with static keypairs%s\n", s->n_peers,
		       s->late >= 0 ? " (one of them without, for now)" : "");
	return 0;
}

/* The value of counter name in the last COUNTERS reply, or -1. */
static int64_t counter_in(const struct ctl *c, size_t len, const char *name)
{
	const struct ws_ipc_counters_reply *r = (const void *)(c->buf + sizeof(struct ws_ipc_hdr));

	if (len < sizeof(*r) || (len - sizeof(*r)) / sizeof(r->entries[0]) < r->count)
		return -1;
	for (uint32_t i = 0; i < r->count; i++)
		if (!strncmp(r->entries[i].name, name, WS_IPC_COUNTER_NAME_MAX))
			return (int64_t)r->entries[i].value;
	return -1;
}

struct targets {
	const char *name[MAX_NAMES];
	uint64_t want[MAX_NAMES];
	size_t n;
};

static void target(struct targets *t, const char *name, uint64_t want)
{
	for (size_t i = 0; i < t->n; i++) {
		if (!strcmp(t->name[i], name)) {
			t->want[i] += want;
			return;
		}
	}
	if (t->n < MAX_NAMES) {
		t->name[t->n] = name;
		t->want[t->n++] = want;
	}
}

/* Every counter the frames of l must bump, at its expected value. */
static void targets_of(struct targets *t, const struct ws_tp_items *l)
{
	const char *names[MAX_NAMES];
	size_t n = ws_tp_items_counters(l, names, MAX_NAMES);

	for (size_t i = 0; i < n; i++)
		target(t, names[i], ws_tp_items_count(l, names[i]));
}

/* Polls COUNTERS until every target is reached, at most timeout_s. */
static int wait_for(struct ctl *c, const struct targets *t, const char *what,
		    unsigned int timeout_s, const struct ws_tp_scn *resolicit)
{
	const uint64_t end = now_ms() + (uint64_t)timeout_s * 1000;
	uint64_t next_nudge = now_ms() + 500;
	unsigned int nudges = 0;

	for (;;) {
		size_t len, ok = 0;
		int st = request(c, WS_IPC_COUNTERS, NULL, 0, &len);

		if (st)
			return check_status(st, "COUNTERS", 0);
		for (size_t i = 0; i < t->n; i++)
			ok += counter_in(c, len, t->name[i]) >= (int64_t)t->want[i];
		if (ok == t->n) {
			printf("%s: %zu counters reached (%u endpoint refreshes)\n", what, t->n,
			       nudges);
			return 0;
		}
		if (now_ms() >= end) {
			printf("FAIL: %s: not within %us:\n", what, timeout_s);
			for (size_t i = 0; i < t->n; i++)
				printf("  %s = %lld, want %llu\n", t->name[i],
				       (long long)counter_in(c, len, t->name[i]),
				       (unsigned long long)t->want[i]);
			return -1;
		}
		/*
		 * With resolicit (the loop): setting the endpoints again sends another ARP request
		 * for them. The first one may sit in the transmit buffer of a poller that went on
		 * to block reading an empty rx FIFO (a net_pcap test artifact); later ones leave
		 * through a poller that is not blocked.
		 */
		if (resolicit && now_ms() >= next_nudge) {
			for (unsigned int i = 0; i < resolicit->n_peers; i++)
				if (peer_set(c, resolicit, i))
					return -1;
			next_nudge = now_ms() + 500;
			nudges++;
		}
		poll(NULL, 0, 20); /* counters are summed on request: ask again shortly */
	}
}

/*
 * The loop: every frame the WAN sent came back (wan_rx == wan_tx), twice 200 ms apart, so
 * nothing is left inside net_ring when the dataplane stops (frames there are not the
 * dataplane's to free, and would count as missing mbufs).
 */
static int wait_quiet(struct ctl *c, unsigned int timeout_s)
{
	const uint64_t end = now_ms() + (uint64_t)timeout_s * 1000;
	int64_t rx = -1, tx = -1;
	unsigned int calm = 0;

	while (calm < 2) {
		size_t len;
		int st = request(c, WS_IPC_COUNTERS, NULL, 0, &len);
		int64_t nrx, ntx;

		if (st)
			return check_status(st, "COUNTERS", 0);
		nrx = counter_in(c, len, "wan_rx");
		ntx = counter_in(c, len, "wan_tx");
		calm = nrx == ntx && nrx == rx && ntx == tx ? calm + 1 : (nrx == ntx ? 1 : 0);
		rx = nrx;
		tx = ntx;
		if (calm >= 2)
			break;
		if (now_ms() >= end) {
			printf("FAIL: quiet: wan_rx %lld, wan_tx %lld after %us\n", (long long)rx,
			       (long long)tx, timeout_s);
			return -1;
		}
		poll(NULL, 0, 200);
	}
	printf("quiet: %lld frames sent and received back on the WAN\n", (long long)tx);
	return 0;
}

int ws_tp_cmd_ctl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 'c'},
		{"seed", required_argument, NULL, 's'},
		{"peers", required_argument, NULL, 'p'},
		{"install", no_argument, NULL, 'i'},
		{"wait", required_argument, NULL, 'w'},
		{"timeout", required_argument, NULL, 't'},
		{"loop", no_argument, NULL, 'o'},
		{"install-late", no_argument, NULL, 'L'},
		{NULL, 0, NULL, 0},
	};
	static struct ctl c; /* a 64 KiB message buffer */
	const char *path = NULL, *phase = NULL;
	struct ws_tp_items items = {0}, delivered = {0};
	struct targets t = {0};
	bool do_install = false, loop = false, late = false;
	uint64_t seed = 0, peers = 4, timeout = 30;
	struct ws_tp_scn s;
	int ch, ret = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 's':
			if (ws_tp_parse_u64(prog, "--seed", optarg, UINT64_MAX, &seed))
				return 2;
			break;
		case 'p':
			if (ws_tp_parse_u64(prog, "--peers", optarg, WS_TP_SCN_MAX_PEERS, &peers))
				return 2;
			break;
		case 'i':
			do_install = true;
			break;
		case 'o':
			loop = true;
			break;
		case 'L':
			do_install = late = true;
			break;
		case 'w':
			phase = optarg;
			break;
		case 't':
			if (ws_tp_parse_u64(prog, "--timeout", optarg, 3600, &timeout))
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (!path || optind != argc || do_install == (phase != NULL) ||
	    (phase && strcmp(phase, "wan") && strcmp(phase, "lan") && strcmp(phase, "keepalives") &&
	     strcmp(phase, "flushed") && strcmp(phase, "quiet")) ||
	    (loop && phase && !strcmp(phase, "wan")) ||
	    (!loop && phase && (!strcmp(phase, "keepalives") || !strcmp(phase, "quiet")))) {
		fprintf(stderr,
			"usage: %s --socket PATH --seed N (--peers N | --loop)\n"
			"  (--install | --install-late | --wait wan|lan|flushed|keepalives|quiet "
			"[--timeout SEC])\n"
			"  (--wait keepalives|quiet: only with --loop; --install-late: 3 peers or "
			"more)\n",
			prog);
		return 2;
	}
	if (loop) {
		ws_tp_scn_init_loop(&s, seed);
	} else if (ws_tp_scn_init(&s, seed, (unsigned int)peers)) {
		fprintf(stderr, "%s: --peers 1..%d\n", prog, WS_TP_SCN_MAX_PEERS);
		return 2;
	}
	if (late && s.late < 0) {
		fprintf(stderr, "%s: no late peer in this scenario\n", prog);
		ws_tp_scn_clear(&s);
		return 2;
	}
	if (ctl_open(&c, path))
		goto out;
	if (do_install) {
		ret = install(&c, &s, late) ? 1 : 0;
		goto out;
	}
	if (!strcmp(phase, "quiet")) {
		ret = wait_quiet(&c, (unsigned int)timeout) ? 1 : 0;
		goto out;
	}
	if (!strcmp(phase, "keepalives")) {
		/* peer 1's keepalive went round and confirmed peer 0's keypair */
		target(&t, "tx_keepalive", 1);
		target(&t, "rx_keepalive", 1);
		target(&t, "ev_keypair_confirmed", 1);
	} else if (!strcmp(phase, "wan")) {
		if (ws_tp_traffic_wan(&s, &items))
			goto build;
		targets_of(&t, &items);
		target(&t, "wan_rx", items.n); /* every frame of the phase was received */
	} else if (!strcmp(phase, "flushed")) {
		/* the late peer's keypair landed: its staged packets left */
		if (ws_tp_traffic_lan(&s, &items))
			goto build;
		target(&t, "staged_flushed", ws_tp_items_count(&items, "staged"));
		target(&t, "tx_encrypted",
		       ws_tp_items_count(&items, "tx_encrypted") +
			       ws_tp_items_count(&items, "staged"));
	} else {
		if (ws_tp_traffic_lan(&s, &items) ||
		    (loop && ws_tp_traffic_loop_delivered(&items, &delivered)))
			goto build;
		targets_of(&t, &items);
		targets_of(&t, &delivered);
		target(&t, "lan_rx", items.n);
	}
	ret = wait_for(&c, &t, phase, (unsigned int)timeout,
		       !strcmp(phase, "keepalives") ? &s : NULL)
		      ? 1
		      : 0;
	goto out;
build:
	fprintf(stderr, "%s: cannot build the frames\n", prog);
out:
	if (c.fd > 0)
		close(c.fd);
	ws_tp_items_free(&items);
	ws_tp_items_free(&delivered);
	ws_tp_scn_clear(&s);
	return ret;
}
