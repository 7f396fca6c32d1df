/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device model and its all-or-nothing change application.
 *
 * ws_device_apply() runs in two phases. prepare() walks the change, works out how many peers
 * and prefixes it can add at most, and grows every table and array to fit; nothing visible
 * changes and a failure there leaves the device as it was. commit() then applies the change in
 * order and cannot fail, because everything it needs was reserved.
 */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "crypto.h"
#include "device.h"
#include "keys.h"

/* ---- prefix ownership: every allowed-IP prefix has at most one peer, as in WireGuard ---- */

struct aip_slot {
	struct ws_prefix prefix; /* family 0: empty */
	uint32_t peer_id;
};

struct aip_map {
	struct aip_slot *slots;
	size_t cap, used; /* cap is a power of two */
};

static uint64_t prefix_hash(const struct ws_device *dev, const struct ws_prefix *p)
{
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, (const unsigned char *)p, sizeof(*p), dev->hash_key);
	return h;
}

static bool prefix_eq(const struct ws_prefix *a, const struct ws_prefix *b)
{
	return a->family == b->family && a->cidr == b->cidr && !memcmp(a->addr, b->addr, 16);
}

/* The device keeps its prefix map behind the peer table; see ws_device_init(). */
static struct aip_map *aipmap(const struct ws_device *dev)
{
	return (struct aip_map *)dev->aip_map;
}

static struct aip_slot *aip_find(const struct ws_device *dev, const struct ws_prefix *p)
{
	struct aip_map *m = aipmap(dev);

	if (!m->cap)
		return NULL;
	for (size_t i = prefix_hash(dev, p) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].prefix.family)
			return NULL;
		if (prefix_eq(&m->slots[i].prefix, p))
			return &m->slots[i];
	}
}

/* Inserts or re-owns; the map must have room (aip_reserve). */
static void aip_put(struct ws_device *dev, const struct ws_prefix *p, uint32_t peer_id)
{
	struct aip_map *m = aipmap(dev);
	size_t i = prefix_hash(dev, p) & (m->cap - 1);

	for (; m->slots[i].prefix.family; i = (i + 1) & (m->cap - 1)) {
		if (prefix_eq(&m->slots[i].prefix, p)) {
			m->slots[i].peer_id = peer_id;
			return;
		}
	}
	m->slots[i].prefix = *p;
	m->slots[i].peer_id = peer_id;
	m->used++;
}

/* Linear-probing deletion by shifting later members of the cluster back. */
static void aip_del(struct ws_device *dev, struct aip_slot *s)
{
	struct aip_map *m = aipmap(dev);
	size_t i = (size_t)(s - m->slots), j = i;

	for (;;) {
		j = (j + 1) & (m->cap - 1);
		if (!m->slots[j].prefix.family)
			break;
		size_t home = prefix_hash(dev, &m->slots[j].prefix) & (m->cap - 1);
		/* Move j back to i if its home is not cyclically inside (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	memset(&m->slots[i], 0, sizeof(m->slots[i]));
	m->used--;
}

static int aip_reserve(struct ws_device *dev, size_t extra)
{
	struct aip_map *m = aipmap(dev), grown;
	size_t need = m->used + extra, cap = m->cap ? m->cap : 64;

	while (need * 4 > cap * 3)
		cap *= 2;
	if (cap == m->cap)
		return 0;
	grown.slots = calloc(cap, sizeof(*grown.slots));
	if (!grown.slots)
		return -ENOMEM;
	grown.cap = cap;
	grown.used = 0;
	struct aip_map old = *m;
	*m = grown;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].prefix.family)
			aip_put(dev, &old.slots[i].prefix, old.slots[i].peer_id);
	free(old.slots);
	return 0;
}

/* ---- peers by public key ---- */

static uint32_t key_bucket(const struct ws_device *dev, const uint8_t key[WS_KEY_LEN])
{
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, key, WS_KEY_LEN, dev->hash_key);
	return (uint32_t)(h & (dev->n_buckets - 1));
}

struct ws_peer *ws_device_peer_by_key(const struct ws_device *dev, const uint8_t key[WS_KEY_LEN])
{
	if (!dev->n_buckets)
		return NULL;
	for (struct ws_peer *p = dev->buckets[key_bucket(dev, key)]; p; p = p->hash_next)
		if (!memcmp(p->public_key, key, WS_KEY_LEN))
			return p;
	return NULL;
}

struct ws_peer *ws_device_peer_by_id(const struct ws_device *dev, uint32_t id)
{
	return id < dev->n_ids ? dev->peers[id] : NULL;
}

static int rehash(struct ws_device *dev, uint32_t n_buckets)
{
	struct ws_peer **b = calloc(n_buckets, sizeof(*b));

	if (!b)
		return -ENOMEM;
	free(dev->buckets);
	dev->buckets = b;
	dev->n_buckets = n_buckets;
	for (uint32_t i = 0; i < dev->n_ids; i++) {
		struct ws_peer *p = dev->peers[i];
		if (p) {
			uint32_t k = key_bucket(dev, p->public_key);
			p->hash_next = b[k];
			b[k] = p;
		}
	}
	return 0;
}

static void hash_remove(struct ws_device *dev, struct ws_peer *peer)
{
	for (struct ws_peer **pp = &dev->buckets[key_bucket(dev, peer->public_key)]; *pp;
	     pp = &(*pp)->hash_next) {
		if (*pp == peer) {
			*pp = peer->hash_next;
			return;
		}
	}
}

/* ---- device ---- */

int ws_device_init(struct ws_device *dev, const char *name)
{
	memset(dev, 0, sizeof(*dev));
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	ws_random_bytes(dev->hash_key, sizeof(dev->hash_key));
	dev->aip_map = calloc(1, sizeof(struct aip_map));
	if (!dev->aip_map || rehash(dev, 64) != 0) {
		free(dev->aip_map);
		return -ENOMEM;
	}
	return 0;
}

static void peer_free(struct ws_peer *peer)
{
	free(peer->aips);
	ws_noise_handshake_destroy(&peer->hs);
	ws_cookie_maker_clear(&peer->cookie);
	ws_memzero(peer, sizeof(*peer));
	free(peer);
}

void ws_device_destroy(struct ws_device *dev)
{
	for (uint32_t i = 0; i < dev->n_ids; i++)
		if (dev->peers[i])
			peer_free(dev->peers[i]);
	free(dev->peers);
	free(dev->free_ids);
	free(dev->buckets);
	if (dev->aip_map)
		free(aipmap(dev)->slots);
	free(dev->aip_map);
	ws_noise_local_clear(&dev->local);
	ws_memzero(dev, sizeof(*dev));
}

void ws_device_push_all(struct ws_device *dev)
{
	if (dev->sink.iface)
		dev->sink.iface(dev->sink.ctx, dev);
	for (uint32_t i = 0; i < dev->n_ids; i++) {
		struct ws_peer *p = dev->peers[i];
		if (!p)
			continue;
		if (dev->sink.peer_set)
			dev->sink.peer_set(dev->sink.ctx, p);
		if (dev->sink.peer_aips)
			dev->sink.peer_aips(dev->sink.ctx, p);
	}
}

/* ---- change application ---- */

static int errmsg(char *err, size_t len, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int errmsg(char *err, size_t len, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Work list entry: one change item, and after sorting, its group of same-key items. */
struct item {
	const struct ws_peer_change *pc;
	size_t order;
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = memcmp(x->pc->public_key, y->pc->public_key, WS_KEY_LEN);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Peer structs allocated ahead for every item that may create a peer, sorted by public key
 * (prepare() walks the keys in order) and already sized for all the prefixes that key may get.
 */
struct plan {
	struct ws_peer **fresh;
	const uint8_t **keys; /* keys[i] is fresh[i]'s key, kept after fresh[i] is taken */
	size_t n_fresh;
	size_t new_prefixes;
};

/*
 * The interface's public key as it will be after this change (NULL: no identity). Computed once
 * per change: an X25519 base-point multiplication per peer would dominate large loads.
 */
static const uint8_t *own_key_after(const struct ws_device *dev, const struct ws_change *chg,
				    uint8_t buf[WS_KEY_LEN])
{
	if (chg->flags & WS_CHG_PRIVATE_KEY) {
		if (ws_is_zero_ct(chg->private_key, WS_KEY_LEN))
			return NULL;
		ws_x25519_public(buf, chg->private_key);
		return buf;
	}
	return dev->local.has_identity ? dev->local.public_key : NULL;
}

static bool is_own_key(const uint8_t *own, const uint8_t key[WS_KEY_LEN])
{
	return own && !memcmp(own, key, WS_KEY_LEN);
}

static int reserve_aips(struct ws_peer *p, size_t need)
{
	struct ws_prefix *a;

	if (need <= p->cap_aips)
		return 0;
	a = realloc(p->aips, need * sizeof(*a));
	if (!a)
		return -ENOMEM;
	p->aips = a;
	p->cap_aips = need;
	return 0;
}

static int grow_ids(struct ws_device *dev, size_t extra)
{
	size_t need = (size_t)dev->n_peers + extra, cap = dev->cap_ids ? dev->cap_ids : 16;
	struct ws_peer **peers;
	uint32_t *free_ids;

	if (need > UINT32_MAX - 1)
		return -ENOSPC;
	while (cap < need)
		cap *= 2;
	if (cap == dev->cap_ids)
		return 0;
	peers = realloc(dev->peers, cap * sizeof(*peers));
	if (!peers)
		return -ENOMEM;
	dev->peers = peers;
	free_ids = realloc(dev->free_ids, cap * sizeof(*free_ids));
	if (!free_ids)
		return -ENOMEM; /* peers grew, harmlessly: cap_ids unchanged */
	dev->free_ids = free_ids;
	dev->cap_ids = (uint32_t)cap;
	return 0;
}

static int prepare(struct ws_device *dev, const struct ws_change *chg, const uint8_t *own,
		   struct item *items, struct plan *plan, char *err, size_t errlen)
{
	int ret;

	for (size_t i = 0; i < chg->n_peers; i++) {
		const struct ws_peer_change *pc = &chg->peers[i];
		for (size_t j = 0; j < pc->n_aips; j++) {
			const struct ws_prefix *p = &pc->aips[j].prefix;
			if ((p->family != AF_INET || p->cidr > 32) &&
			    (p->family != AF_INET6 || p->cidr > 128))
				return errmsg(err, errlen, -EINVAL, "peer %zu: allowed IP %zu invalid",
					      i, j);
		}
		items[i].pc = pc;
		items[i].order = i;
	}
	qsort(items, chg->n_peers, sizeof(*items), item_cmp);

	/*
	 * Per key: reserve the existing peer's final prefix count, and a fresh struct for every
	 * item that may create the peer (a change may remove a peer and create it again).
	 */
	for (size_t i = 0; i < chg->n_peers;) {
		size_t j = i, adds = 0, creations = 0;
		const uint8_t *key = items[i].pc->public_key;
		struct ws_peer *existing = ws_device_peer_by_key(dev, key);

		for (; j < chg->n_peers && !memcmp(items[j].pc->public_key, key, WS_KEY_LEN); j++) {
			const struct ws_peer_change *pc = items[j].pc;
			if (!(pc->flags & (WS_PCHG_REMOVE | WS_PCHG_UPDATE_ONLY)))
				creations++;
			for (size_t k = 0; k < pc->n_aips; k++)
				adds += !pc->aips[k].remove;
		}
		i = j;
		if (is_own_key(own, key))
			continue; /* silently ignored, as the kernel does */
		plan->new_prefixes += adds;
		if (existing && (ret = reserve_aips(existing, existing->n_aips + adds)) != 0)
			return errmsg(err, errlen, ret, "out of memory");
		for (size_t c = 0; c < creations; c++) {
			struct ws_peer *p = calloc(1, sizeof(*p));
			if (!p || (adds && reserve_aips(p, adds) != 0)) {
				free(p);
				return errmsg(err, errlen, -ENOMEM, "out of memory");
			}
			memcpy(p->public_key, key, WS_KEY_LEN);
			plan->keys[plan->n_fresh] = key;
			plan->fresh[plan->n_fresh++] = p;
		}
	}
	if ((ret = grow_ids(dev, plan->n_fresh)) != 0)
		return errmsg(err, errlen, ret, "too many peers");
	uint32_t buckets = dev->n_buckets;
	while (buckets < dev->n_peers + plan->n_fresh && buckets < (1u << 30))
		buckets *= 2;
	if (buckets != dev->n_buckets && (ret = rehash(dev, buckets)) != 0)
		return errmsg(err, errlen, ret, "out of memory");
	if ((ret = aip_reserve(dev, plan->new_prefixes)) != 0)
		return errmsg(err, errlen, ret, "out of memory");
	return 0;
}

static void peer_drop_prefix_at(struct ws_peer *p, size_t idx)
{
	p->aips[idx] = p->aips[--p->n_aips];
}

static void peer_drop_prefix(struct ws_peer *p, const struct ws_prefix *pre)
{
	for (size_t i = 0; i < p->n_aips; i++) {
		if (prefix_eq(&p->aips[i], pre)) {
			peer_drop_prefix_at(p, i);
			return;
		}
	}
}

static void remove_peer(struct ws_device *dev, struct ws_peer *peer)
{
	for (size_t i = 0; i < peer->n_aips; i++) {
		struct aip_slot *s = aip_find(dev, &peer->aips[i]);
		if (s && s->peer_id == peer->id)
			aip_del(dev, s);
	}
	if (dev->sink.peer_remove)
		dev->sink.peer_remove(dev->sink.ctx, peer);
	hash_remove(dev, peer);
	dev->peers[peer->id] = NULL;
	dev->free_ids[dev->n_free++] = peer->id;
	dev->n_peers--;
	peer_free(peer);
}

/* Takes the first unused fresh struct reserved for this key. */
static struct ws_peer *take_fresh(struct plan *plan, const uint8_t key[WS_KEY_LEN])
{
	size_t lo = 0, hi = plan->n_fresh;

	while (lo < hi) { /* lower bound: keys never change, taken structs only go NULL */
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(plan->keys[mid], key, WS_KEY_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < plan->n_fresh && !memcmp(plan->keys[i], key, WS_KEY_LEN); i++) {
		struct ws_peer *p = plan->fresh[i];
		if (p) {
			plan->fresh[i] = NULL;
			return p;
		}
	}
	return NULL; /* cannot happen: prepare() reserved one per creating item */
}

static struct ws_peer *create_peer(struct ws_device *dev, struct plan *plan,
				   const uint8_t key[WS_KEY_LEN])
{
	struct ws_peer *p = take_fresh(plan, key);
	uint32_t id, k;

	if (dev->n_free)
		id = dev->free_ids[--dev->n_free];
	else
		id = dev->n_ids++;
	dev->peers[id] = p;
	dev->n_peers++;
	p->id = id;
	ws_noise_handshake_init_deferred(&p->hs, key, NULL);
	ws_cookie_maker_init(&p->cookie, key);
	k = key_bucket(dev, key);
	p->hash_next = dev->buckets[k];
	dev->buckets[k] = p;
	return p;
}

/* Back to a blank peer config, keeping the session: what a replaced peer starts from. */
static void reset_peer_config(struct ws_device *dev, struct ws_peer *p)
{
	for (size_t k = 0; k < p->n_aips; k++) {
		struct aip_slot *s = aip_find(dev, &p->aips[k]);
		if (s && s->peer_id == p->id)
			aip_del(dev, s);
	}
	p->n_aips = 0;
	p->name[0] = '\0';
	p->has_psk = false;
	ws_memzero(p->psk, WS_KEY_LEN);
	ws_noise_handshake_set_psk(&p->hs, NULL);
	memset(&p->endpoint, 0, sizeof(p->endpoint));
	p->persistent_keepalive = 0;
}

static void set_identity(struct ws_device *dev, const uint8_t key[WS_KEY_LEN])
{
	struct ws_peer *clash;

	if (ws_is_zero_ct(key, WS_KEY_LEN))
		ws_noise_local_init(&dev->local, NULL);
	else
		ws_noise_local_init(&dev->local, key);
	/* A peer with our own public key cannot exist: the kernel removes it too. */
	if (dev->local.has_identity &&
	    (clash = ws_device_peer_by_key(dev, dev->local.public_key)) != NULL)
		remove_peer(dev, clash);
	for (uint32_t i = 0; i < dev->n_ids; i++) {
		struct ws_peer *p = dev->peers[i];
		if (p) {
			ws_noise_handshake_reset(&p->hs);
			ws_noise_precompute_later(&p->hs);
		}
	}
}

static void commit(struct ws_device *dev, const struct ws_change *chg, const uint8_t *own,
		   struct plan *plan, bool *named)
{
	bool iface_changed = false;

	if (chg->flags & WS_CHG_PRIVATE_KEY) {
		set_identity(dev, chg->private_key);
		iface_changed = true;
	}
	if (chg->flags & WS_CHG_LISTEN_PORT) {
		dev->listen_port = chg->listen_port;
		iface_changed = true;
	}
	if (chg->flags & WS_CHG_FWMARK)
		dev->fwmark = chg->fwmark;
	if (iface_changed && dev->sink.iface)
		dev->sink.iface(dev->sink.ctx, dev);

	for (size_t i = 0; i < chg->n_peers; i++) {
		const struct ws_peer_change *pc = &chg->peers[i];
		struct ws_peer *p = ws_device_peer_by_key(dev, pc->public_key);
		bool aips_changed = false;

		if (is_own_key(own, pc->public_key))
			continue;
		if (pc->flags & WS_PCHG_REMOVE) {
			if (p)
				remove_peer(dev, p);
			continue;
		}
		if (!p) {
			if (pc->flags & WS_PCHG_UPDATE_ONLY)
				continue;
			p = create_peer(dev, plan, pc->public_key);
		} else if (named && !named[p->id]) {
			/* Replacing all peers: a peer that stays starts from a blank config, as
			 * if recreated, but keeps its session (kernel: recreated, session lost). */
			reset_peer_config(dev, p);
			aips_changed = true;
		}
		if (named)
			named[p->id] = true;
		if (pc->flags & WS_PCHG_NAME)
			snprintf(p->name, sizeof(p->name), "%s", pc->name);
		if (pc->flags & WS_PCHG_PSK) {
			p->has_psk = !ws_is_zero_ct(pc->psk, WS_KEY_LEN);
			memcpy(p->psk, pc->psk, WS_KEY_LEN);
			ws_noise_handshake_set_psk(&p->hs, p->has_psk ? p->psk : NULL);
		}
		if (pc->flags & WS_PCHG_ENDPOINT)
			p->endpoint = pc->endpoint;
		if (pc->flags & WS_PCHG_KEEPALIVE)
			p->persistent_keepalive = pc->persistent_keepalive;
		if (pc->flags & WS_PCHG_REPLACE_AIPS) {
			for (size_t k = 0; k < p->n_aips; k++) {
				struct aip_slot *s = aip_find(dev, &p->aips[k]);
				if (s && s->peer_id == p->id)
					aip_del(dev, s);
			}
			p->n_aips = 0;
			aips_changed = true;
		}
		for (size_t k = 0; k < pc->n_aips; k++) {
			const struct ws_prefix *pre = &pc->aips[k].prefix;
			struct aip_slot *s = aip_find(dev, pre);

			aips_changed = true;
			if (pc->aips[k].remove) {
				if (s && s->peer_id == p->id) {
					aip_del(dev, s);
					peer_drop_prefix(p, pre);
				}
				continue;
			}
			if (s && s->peer_id == p->id)
				continue;
			if (s) {
				/* The prefix moves: its old owner loses it, as in WireGuard. */
				struct ws_peer *old = dev->peers[s->peer_id];
				peer_drop_prefix(old, pre);
				if (dev->sink.peer_aips)
					dev->sink.peer_aips(dev->sink.ctx, old);
			}
			aip_put(dev, pre, p->id);
			p->aips[p->n_aips++] = *pre;
		}
		if (dev->sink.peer_set)
			dev->sink.peer_set(dev->sink.ctx, p);
		if (aips_changed && dev->sink.peer_aips)
			dev->sink.peer_aips(dev->sink.ctx, p);
	}

	if (named) {
		for (uint32_t id = 0; id < dev->n_ids; id++)
			if (dev->peers[id] && !named[id])
				remove_peer(dev, dev->peers[id]);
	}
}

int ws_device_apply(struct ws_device *dev, const struct ws_change *chg, char *err, size_t errlen)
{
	struct item *items = NULL;
	struct plan plan = { 0 };
	uint8_t own_buf[WS_KEY_LEN];
	const uint8_t *own;
	bool *named = NULL;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	items = calloc(chg->n_peers ? chg->n_peers : 1, sizeof(*items));
	plan.fresh = calloc(chg->n_peers ? chg->n_peers : 1, sizeof(*plan.fresh));
	plan.keys = calloc(chg->n_peers ? chg->n_peers : 1, sizeof(*plan.keys));
	if (!items || !plan.fresh || !plan.keys) {
		ret = errmsg(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	own = own_key_after(dev, chg, own_buf);
	ret = prepare(dev, chg, own, items, &plan, err, errlen);
	if (ret)
		goto out;
	if (chg->flags & WS_CHG_REPLACE_PEERS) {
		/* Ids only grow by what prepare reserved. */
		named = calloc((size_t)dev->n_ids + plan.n_fresh + 1, sizeof(*named));
		if (!named) {
			ret = errmsg(err, errlen, -ENOMEM, "out of memory");
			goto out;
		}
	}
	commit(dev, chg, own, &plan, named);
out:
	for (size_t i = 0; i < plan.n_fresh; i++)
		if (plan.fresh[i]) {
			free(plan.fresh[i]->aips);
			free(plan.fresh[i]);
		}
	free(plan.fresh);
	free(plan.keys);
	free(items);
	free(named);
	return ret;
}

/* ---- changes ---- */

void ws_change_free(struct ws_change *chg)
{
	for (size_t i = 0; i < chg->n_peers; i++)
		free(chg->peers[i].aips);
	if (chg->peers)
		ws_memzero(chg->peers, chg->n_peers * sizeof(*chg->peers));
	free(chg->peers);
	ws_memzero(chg, sizeof(*chg));
}

int ws_change_from_config(struct ws_change *chg, const struct ws_cfg *cfg)
{
	memset(chg, 0, sizeof(*chg));
	chg->flags = WS_CHG_PRIVATE_KEY | WS_CHG_LISTEN_PORT | WS_CHG_FWMARK | WS_CHG_REPLACE_PEERS;
	if (cfg->has_private_key)
		memcpy(chg->private_key, cfg->private_key, WS_KEY_LEN);
	chg->listen_port = cfg->listen_port;
	chg->fwmark = cfg->fwmark;
	if (!cfg->n_peers)
		return 0;
	chg->peers = calloc(cfg->n_peers, sizeof(*chg->peers));
	if (!chg->peers)
		return -ENOMEM;
	chg->n_peers = cfg->n_peers;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct ws_cfg_peer *cp = &cfg->peers[i];
		struct ws_peer_change *pc = &chg->peers[i];

		pc->flags = WS_PCHG_PSK | WS_PCHG_KEEPALIVE | WS_PCHG_REPLACE_AIPS | WS_PCHG_NAME |
			    (cp->endpoint.ss.ss_family ? WS_PCHG_ENDPOINT : 0);
		memcpy(pc->public_key, cp->public_key, WS_KEY_LEN);
		if (cp->has_psk)
			memcpy(pc->psk, cp->psk, WS_KEY_LEN);
		pc->endpoint = cp->endpoint;
		pc->persistent_keepalive = cp->persistent_keepalive;
		snprintf(pc->name, sizeof(pc->name), "%s", cp->name);
		if (cp->n_allowed_ips) {
			pc->aips = calloc(cp->n_allowed_ips, sizeof(*pc->aips));
			if (!pc->aips) {
				ws_change_free(chg);
				return -ENOMEM;
			}
			for (size_t k = 0; k < cp->n_allowed_ips; k++)
				pc->aips[k].prefix = cp->allowed_ips[k];
			pc->n_aips = cp->n_allowed_ips;
		}
	}
	return 0;
}

/* ---- saving ---- */

int ws_device_write_yaml(const struct ws_device *dev, FILE *f)
{
	char key[WS_KEY_B64_LEN + 1], buf[INET6_ADDRSTRLEN + 16];

	fprintf(f, "# written by wirespeed-control; holds the private key: keep it mode 0600\n");
	fprintf(f, "interface:\n  name: %s\n", dev->name);
	if (dev->local.has_identity) {
		ws_key_to_base64(key, dev->local.private_key);
		fprintf(f, "  privateKey: \"%s\"\n", key);
	}
	fprintf(f, "  listenPort: %u\n", dev->listen_port);
	if (dev->fwmark)
		fprintf(f, "  fwMark: %u\n", dev->fwmark);
	fprintf(f, "peers:%s\n", dev->n_peers ? "" : " []");
	for (uint32_t id = 0; id < dev->n_ids; id++) {
		const struct ws_peer *p = dev->peers[id];
		if (!p)
			continue;
		ws_key_to_base64(key, p->public_key);
		fprintf(f, "  - publicKey: \"%s\"\n", key);
		if (p->name[0]) {
			/* Quoted with YAML escapes so any name reads back the same. */
			fputs("    name: \"", f);
			for (const char *c = p->name; *c; c++) {
				if (*c == '"' || *c == '\\')
					fprintf(f, "\\%c", *c);
				else if ((unsigned char)*c < 0x20)
					fprintf(f, "\\x%02x", (unsigned char)*c);
				else
					fputc(*c, f);
			}
			fputs("\"\n", f);
		}
		if (p->has_psk) {
			ws_key_to_base64(key, p->psk);
			fprintf(f, "    presharedKey: \"%s\"\n", key);
		}
		if (p->endpoint.ss.ss_family) {
			ws_endpoint_format(&p->endpoint, buf, sizeof(buf));
			fprintf(f, "    endpoint: \"%s\"\n", buf);
		}
		if (p->persistent_keepalive)
			fprintf(f, "    persistentKeepalive: %u\n", p->persistent_keepalive);
		fprintf(f, "    allowedIPs: [");
		for (size_t i = 0; i < p->n_aips; i++) {
			ws_prefix_format(&p->aips[i], buf, sizeof(buf));
			fprintf(f, "%s\"%s\"", i ? ", " : "", buf);
		}
		fprintf(f, "]\n");
	}
	ws_memzero(key, sizeof(key));
	return ferror(f) ? -1 : 0;
}
