/* SPDX-License-Identifier: BSD-3-Clause */
/* Handshake engine: message handling, index map, retransmission timers (whitepaper 6.4). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto.h"
#include "handshake.h"

#define NS WS_NSEC_PER_SEC

/* ---- index map ---- */

static uint32_t slot_of(const struct ws_hs_engine *eng, uint32_t index)
{
	/* Indices are random already; a multiplicative mix spreads any pattern anyway. */
	return (uint32_t)((index * 0x9e3779b97f4a7c15ULL) >> 32) & (eng->map_cap - 1);
}

static int map_grow(struct ws_hs_engine *eng)
{
	uint32_t ncap = eng->map_cap ? eng->map_cap * 2 : 1024, ocap = eng->map_cap;
	typeof(eng->map) old = eng->map, nmap = calloc(ncap, sizeof(*nmap));

	if (!nmap)
		return -ENOMEM;
	eng->map = nmap;
	eng->map_cap = ncap;
	for (uint32_t i = 0; i < ocap; i++) {
		if (!old[i].index)
			continue;
		uint32_t s = slot_of(eng, old[i].index);
		while (eng->map[s].index)
			s = (s + 1) & (ncap - 1);
		eng->map[s] = old[i];
	}
	free(old);
	return 0;
}

static int64_t map_find(const struct ws_hs_engine *eng, uint32_t index)
{
	if (!index || !eng->map_cap)
		return -1;
	for (uint32_t s = slot_of(eng, index);; s = (s + 1) & (eng->map_cap - 1)) {
		if (!eng->map[s].index)
			return -1;
		if (eng->map[s].index == index)
			return s;
	}
}

static void map_del(struct ws_hs_engine *eng, uint32_t index)
{
	int64_t found = map_find(eng, index);
	uint32_t i, j;

	if (found < 0)
		return;
	i = j = (uint32_t)found;
	for (;;) {
		j = (j + 1) & (eng->map_cap - 1);
		if (!eng->map[j].index)
			break;
		uint32_t home = slot_of(eng, eng->map[j].index);
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			eng->map[i] = eng->map[j];
			i = j;
		}
	}
	eng->map[i].index = 0;
	eng->map_used--;
}

/* Maps an index no one uses to the peer; -ENOMEM. */
static int map_put(struct ws_hs_engine *eng, uint32_t index, uint32_t peer_id)
{
	uint32_t s;

	if ((eng->map_used + 1) * 4 > eng->map_cap * 3 && map_grow(eng) != 0)
		return -ENOMEM;
	for (s = slot_of(eng, index); eng->map[s].index; s = (s + 1) & (eng->map_cap - 1))
		;
	eng->map[s].index = index;
	eng->map[s].peer_id = peer_id;
	eng->map_used++;
	return 0;
}

/* A fresh random index no one uses, mapped to the peer. 0 when out of memory. */
static uint32_t index_new(struct ws_hs_engine *eng, uint32_t peer_id)
{
	uint32_t index;

	do
		ws_random_bytes(&index, sizeof(index));
	while (!index || map_find(eng, index) >= 0);
	return map_put(eng, index, peer_id) ? 0 : index;
}

/* ---- helpers ---- */

int ws_hs_init(struct ws_hs_engine *eng, struct ws_device *dev, struct ws_dpconn *dp,
	       const struct ws_hs_clock *clock)
{
	memset(eng, 0, sizeof(*eng));
	eng->dev = dev;
	eng->dp = dp;
	eng->clock = *clock;
	return map_grow(eng);
}

void ws_hs_destroy(struct ws_hs_engine *eng)
{
	free(eng->map);
	free(eng->active);
	memset(eng, 0, sizeof(*eng));
}

static uint64_t mono(struct ws_hs_engine *eng)
{
	return eng->clock.mono_ns(eng->clock.ctx);
}

/* Returns the dataplane's status: -EHOSTUNREACH while it resolves the next hop's MAC. */
static int send_handshake(struct ws_hs_engine *eng, const struct ws_peer *peer,
			  const void *msg, size_t len)
{
	struct ws_ipc_handshake m = { .peer_id = peer->id, .len = (uint16_t)len };

	memcpy(m.packet, msg, len);
	ws_endpoint_to_ipc(&m.addr, &peer->endpoint);
	return ws_dpconn_request(eng->dp, WS_IPC_HANDSHAKE_SEND, &m, sizeof(m), NULL, 0, NULL);
}

/* Remembers that the dataplane now holds a keypair with this index. */
static void track_keypair(struct ws_hs_engine *eng, struct ws_peer *peer, uint32_t index)
{
	if (peer->n_kp_index == sizeof(peer->kp_index) / sizeof(peer->kp_index[0])) {
		/* The dataplane keeps three; the oldest must be gone already. */
		map_del(eng, peer->kp_index[0]);
		memmove(peer->kp_index, peer->kp_index + 1,
			sizeof(peer->kp_index) - sizeof(peer->kp_index[0]));
		peer->n_kp_index--;
	}
	peer->kp_index[peer->n_kp_index++] = index;
}

static void install(struct ws_hs_engine *eng, struct ws_peer *peer, struct ws_keypair *kp)
{
	struct ws_ipc_keypair m = {
		.peer_id = peer->id,
		.local_index = kp->local_index,
		.remote_index = kp->remote_index,
		.initiator = kp->initiator,
	};

	memcpy(m.send_key, kp->send_key, WS_KEY_LEN);
	memcpy(m.recv_key, kp->recv_key, WS_KEY_LEN);
	if (ws_dpconn_request(eng->dp, WS_IPC_KEYPAIR_ADD, &m, sizeof(m), NULL, 0, NULL) == 0) {
		track_keypair(eng, peer, kp->local_index);
		eng->stats.keypairs_installed++;
	} else {
		map_del(eng, kp->local_index);
	}
	ws_memzero(&m, sizeof(m));
	ws_keypair_destroy(kp);
}

static void set_endpoint(struct ws_hs_engine *eng, struct ws_peer *peer,
			 const struct ws_ipc_addr *src)
{
	struct ws_ipc_peer m = { .peer_id = peer->id, .flags = WS_IPC_PEER_F_ENDPOINT };

	ws_endpoint_from_ipc(&peer->endpoint, src);
	m.persistent_keepalive = peer->persistent_keepalive;
	memcpy(m.public_key, peer->public_key, WS_KEY_LEN);
	m.endpoint = *src;
	ws_dpconn_request(eng->dp, WS_IPC_PEER_SET, &m, sizeof(m), NULL, 0, NULL);
}

static void stop_retransmit(struct ws_peer *peer)
{
	peer->attempt_started_ns = 0;
	peer->retransmit_at_ns = 0;
}

/* Drops the in-flight handshake and its index. */
static void forget_handshake(struct ws_hs_engine *eng, struct ws_peer *peer)
{
	if (peer->hs.local_index)
		map_del(eng, peer->hs.local_index);
	ws_noise_handshake_reset(&peer->hs);
}

static void activate(struct ws_hs_engine *eng, struct ws_peer *peer)
{
	if (peer->in_active)
		return;
	if (eng->n_active == eng->cap_active) {
		uint32_t ncap = eng->cap_active ? eng->cap_active * 2 : 64;
		uint32_t *a = realloc(eng->active, ncap * sizeof(*a));
		if (!a)
			return; /* no retransmission for this peer; data will ask again */
		eng->active = a;
		eng->cap_active = ncap;
	}
	eng->active[eng->n_active++] = peer->id;
	peer->in_active = true;
}

/* ---- receive ---- */

/* Finds the initiator and remembers the index of whatever handshake it had in flight. */
struct lookup {
	struct ws_device *dev;
	struct ws_peer *peer;
	uint32_t prev_index;
};

static struct ws_noise_handshake *lookup_key(void *ctx, const uint8_t key[WS_KEY_LEN])
{
	struct lookup *l = ctx;

	l->peer = ws_device_peer_by_key(l->dev, key);
	if (!l->peer)
		return NULL;
	l->prev_index = l->peer->hs.local_index;
	return &l->peer->hs;
}

static void on_initiation(struct ws_hs_engine *eng, const struct ws_ipc_handshake *m)
{
	struct lookup l = { .dev = eng->dev };
	struct ws_msg_initiation msg;
	struct ws_msg_response resp;
	struct ws_noise_handshake *hs;
	struct ws_keypair kp;
	struct ws_peer *peer;
	uint32_t index;

	memcpy(&msg, m->packet, sizeof(msg));
	eng->stats.initiations_received++;
	if (ws_noise_consume_initiation(&eng->dev->local, &msg, lookup_key, &l, mono(eng), &hs) !=
	    WS_NOISE_OK) {
		eng->stats.handshakes_failed++;
		return;
	}
	peer = l.peer;
	/* Our own initiation to this peer, if any, is superseded by theirs. */
	if (l.prev_index)
		map_del(eng, l.prev_index);
	index = index_new(eng, peer->id);
	if (!index || ws_noise_create_response(hs, &resp, index) != WS_NOISE_OK ||
	    ws_noise_derive_keypair(hs, &kp, mono(eng)) != WS_NOISE_OK) {
		if (index)
			map_del(eng, index);
		ws_noise_handshake_reset(hs);
		eng->stats.handshakes_failed++;
		return;
	}
	ws_cookie_add_macs(&peer->cookie, &resp, sizeof(resp), mono(eng));
	set_endpoint(eng, peer, &m->addr);
	install(eng, peer, &kp); /* before the response leaves, so the first data finds it */
	send_handshake(eng, peer, &resp, sizeof(resp));
	eng->stats.responses_sent++;
	ws_memzero(&resp, sizeof(resp));
}

static struct ws_peer *peer_of_index(struct ws_hs_engine *eng, uint32_t index)
{
	int64_t s = map_find(eng, index);

	return s < 0 ? NULL : ws_device_peer_by_id(eng->dev, eng->map[s].peer_id);
}

static void on_response(struct ws_hs_engine *eng, const struct ws_ipc_handshake *m)
{
	struct ws_msg_response msg;
	struct ws_keypair kp;
	struct ws_peer *peer;

	memcpy(&msg, m->packet, sizeof(msg));
	eng->stats.responses_received++;
	peer = peer_of_index(eng, ws_le32(msg.receiver));
	if (!peer || peer->hs.state != WS_NOISE_CREATED_INITIATION ||
	    ws_noise_consume_response(&peer->hs, &eng->dev->local, &msg) != WS_NOISE_OK ||
	    ws_noise_derive_keypair(&peer->hs, &kp, mono(eng)) != WS_NOISE_OK) {
		eng->stats.handshakes_failed++;
		return;
	}
	stop_retransmit(peer);
	peer->last_handshake_wall_ns = eng->clock.wall_ns(eng->clock.ctx);
	set_endpoint(eng, peer, &m->addr);
	install(eng, peer, &kp); /* the index stays mapped: it now names the keypair */
}

static void on_cookie(struct ws_hs_engine *eng, const struct ws_ipc_handshake *m)
{
	struct ws_msg_cookie msg;
	struct ws_peer *peer;

	memcpy(&msg, m->packet, sizeof(msg));
	peer = peer_of_index(eng, ws_le32(msg.receiver));
	/* Only a reply to the handshake in flight: its mac1 is what the cookie is bound to. */
	if (peer && peer->hs.local_index == ws_le32(msg.receiver) &&
	    ws_cookie_consume_reply(&peer->cookie, &msg, mono(eng)) == 0)
		eng->stats.cookies_received++;
}

void ws_hs_receive(struct ws_hs_engine *eng, const struct ws_ipc_handshake *m)
{
	switch (ws_msg_classify(m->packet, m->len)) {
	case WS_MSG_INITIATION:
		on_initiation(eng, m);
		break;
	case WS_MSG_RESPONSE:
		on_response(eng, m);
		break;
	case WS_MSG_COOKIE:
		on_cookie(eng, m);
		break;
	default:
		break;
	}
}

/* ---- initiate and retransmit ---- */

void ws_hs_initiate(struct ws_hs_engine *eng, struct ws_peer *peer, bool force)
{
	struct ws_msg_initiation msg;
	uint64_t now = mono(eng);
	uint32_t index;

	if (!eng->dev->local.has_identity || !peer->endpoint.ss.ss_family)
		return;
	/* One initiation per REKEY_TIMEOUT, except the retransmissions the timer asks for. */
	if (!force && peer->last_initiation_sent_ns &&
	    now < peer->last_initiation_sent_ns + WS_REKEY_TIMEOUT * NS)
		return;
	forget_handshake(eng, peer);
	index = index_new(eng, peer->id);
	if (!index)
		return;
	if (ws_noise_create_initiation(&peer->hs, &eng->dev->local, &msg, index,
				       eng->clock.wall_ns(eng->clock.ctx)) != WS_NOISE_OK) {
		map_del(eng, index);
		eng->stats.handshakes_failed++;
		return;
	}
	ws_cookie_add_macs(&peer->cookie, &msg, sizeof(msg), now);
	int sent = send_handshake(eng, peer, &msg, sizeof(msg));
	eng->stats.initiations_sent++;
	peer->last_initiation_sent_ns = now;
	if (!peer->attempt_started_ns)
		peer->attempt_started_ns = now;
	peer->retransmit_at_ns = now + WS_REKEY_TIMEOUT * NS +
				 (uint64_t)ws_random_uniform(WS_REKEY_TIMEOUT_JITTER_MAX_MS + 1) *
					 1000000ULL;
	/*
	 * The dataplane had no MAC for the next hop yet and is asking for it: try again as soon
	 * as the answer can be there rather than a whole REKEY_TIMEOUT later.
	 */
	if (sent == -EHOSTUNREACH)
		peer->retransmit_at_ns = now + 250 * 1000000ULL;
	activate(eng, peer);
}

uint64_t ws_hs_run_timers(struct ws_hs_engine *eng)
{
	uint64_t now = mono(eng), next = 0;

	for (uint32_t i = 0; i < eng->n_active;) {
		struct ws_peer *peer = ws_device_peer_by_id(eng->dev, eng->active[i]);

		if (peer && peer->retransmit_at_ns && peer->retransmit_at_ns <= now) {
			if (now >= peer->attempt_started_ns + WS_REKEY_ATTEMPT_TIME * NS) {
				/* Give up; new data will start a new attempt. */
				forget_handshake(eng, peer);
				stop_retransmit(peer);
				eng->stats.attempts_given_up++;
			} else {
				ws_hs_initiate(eng, peer, true);
			}
		}
		if (!peer || !peer->retransmit_at_ns) {
			if (peer)
				peer->in_active = false;
			eng->active[i] = eng->active[--eng->n_active];
			continue;
		}
		if (!next || peer->retransmit_at_ns < next)
			next = peer->retransmit_at_ns;
		i++;
	}
	return next;
}

void ws_hs_keypair_confirmed(struct ws_hs_engine *eng, uint32_t peer_id, uint32_t local_index)
{
	struct ws_peer *peer = ws_device_peer_by_id(eng->dev, peer_id);

	(void)local_index;
	if (!peer)
		return;
	peer->last_handshake_wall_ns = eng->clock.wall_ns(eng->clock.ctx);
	/* Their initiation won over ours: stop retransmitting ours. */
	if (peer->hs.state != WS_NOISE_CREATED_INITIATION)
		stop_retransmit(peer);
}

void ws_hs_index_freed(struct ws_hs_engine *eng, uint32_t peer_id, uint32_t local_index)
{
	struct ws_peer *peer = ws_device_peer_by_id(eng->dev, peer_id);

	if (!peer)
		return;
	for (uint8_t i = 0; i < peer->n_kp_index; i++) {
		if (peer->kp_index[i] == local_index) {
			map_del(eng, local_index);
			memmove(&peer->kp_index[i], &peer->kp_index[i + 1],
				(size_t)(peer->n_kp_index - i - 1) * sizeof(peer->kp_index[0]));
			peer->n_kp_index--;
			return;
		}
	}
}

void ws_hs_peer_removed(struct ws_hs_engine *eng, struct ws_peer *peer)
{
	forget_handshake(eng, peer);
	for (uint8_t i = 0; i < peer->n_kp_index; i++)
		map_del(eng, peer->kp_index[i]);
	peer->n_kp_index = 0;
	stop_retransmit(peer);
	/* Its slot in the active list is dropped lazily by ws_hs_run_timers (id lookup). */
	if (peer->in_active) {
		for (uint32_t i = 0; i < eng->n_active; i++)
			if (eng->active[i] == peer->id) {
				eng->active[i] = eng->active[--eng->n_active];
				break;
			}
		peer->in_active = false;
	}
}

void ws_hs_adopt_keypair(struct ws_hs_engine *eng, struct ws_peer *peer, uint32_t local_index)
{
	int64_t s = map_find(eng, local_index);

	if (!local_index)
		return;
	if (s >= 0) {
		if (eng->map[s].peer_id == peer->id)
			return; /* known already */
		/* the dataplane says it is this peer's now: whoever we thought had it does not */
		struct ws_peer *other = ws_device_peer_by_id(eng->dev, eng->map[s].peer_id);
		if (other)
			ws_hs_index_freed(eng, other->id, local_index);
		map_del(eng, local_index);
	}
	if (map_put(eng, local_index, peer->id) == 0)
		track_keypair(eng, peer, local_index);
}

void ws_hs_dataplane_reset(struct ws_hs_engine *eng)
{
	for (uint32_t id = 0; id < eng->dev->n_ids; id++) {
		struct ws_peer *p = eng->dev->peers[id];
		if (!p)
			continue;
		for (uint8_t i = 0; i < p->n_kp_index; i++)
			map_del(eng, p->kp_index[i]);
		p->n_kp_index = 0;
	}
}
