/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading and validating the dataplane's part of the YAML config (libyaml document API: every
 * node keeps its line, so every error can point at one). Nothing here touches DPDK: the result
 * is a plain struct and an EAL argument vector derived from it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <yaml.h>

struct ctx {
	const char *file;
	yaml_document_t *doc;
	struct ws_dp_config *cfg;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 4, 5)))
fail(struct ctx *c, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	size_t off;
	va_list ap;

	off = (size_t)snprintf(c->err, c->errlen, "%s:%zu: %s: ", c->file,
			       n ? n->start_mark.line + 1 : 1, *key ? key : "(top level)");
	if (off < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + off, c->errlen - off, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static yaml_node_t *node(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static const char *kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a scalar";
	}
}

static int want(struct ctx *c, const yaml_node_t *n, const char *key, yaml_node_type_t t)
{
	static const char *const names[] = {
		[YAML_SCALAR_NODE] = "a scalar",
		[YAML_SEQUENCE_NODE] = "a list",
		[YAML_MAPPING_NODE] = "a mapping",
	};

	if (n->type == t)
		return 0;
	return fail(c, n, key, "expected %s, got %s", names[t], kind(n));
}

static int get_str(struct ctx *c, const yaml_node_t *n, const char *key, char *out, size_t cap)
{
	size_t len;

	if (want(c, n, key, YAML_SCALAR_NODE))
		return -1;
	len = n->data.scalar.length;
	if (len == 0)
		return fail(c, n, key, "must not be empty");
	if (len >= cap)
		return fail(c, n, key, "longer than %zu characters", cap - 1);
	if (memchr(scalar(n), '\0', len))
		return fail(c, n, key, "contains a NUL byte");
	memcpy(out, scalar(n), len + 1);
	return 0;
}

static int get_uint(struct ctx *c, const yaml_node_t *n, const char *key, unsigned long min,
		    unsigned long max, unsigned int *out)
{
	const char *s;
	char *end;
	unsigned long v;

	if (want(c, n, key, YAML_SCALAR_NODE))
		return -1;
	s = scalar(n);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end || errno || v < min || v > max)
		return fail(c, n, key, "expected an integer in %lu..%lu, got '%s'", min, max, s);
	*out = (unsigned int)v;
	return 0;
}

static int get_u16(struct ctx *c, const yaml_node_t *n, const char *key, unsigned long min,
		   unsigned long max, uint16_t *out)
{
	unsigned int v;

	if (get_uint(c, n, key, min, max, &v))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int get_bool(struct ctx *c, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s;

	if (want(c, n, key, YAML_SCALAR_NODE))
		return -1;
	s = scalar(n);
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		*out = true;
	else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		*out = false;
	else
		return fail(c, n, key, "expected true|false, got '%s'", s);
	return 0;
}

/* "a.b.c.d/len", "x::y/len", or without "/len" when prefix_ok is false. */
static int get_addr(struct ctx *c, const yaml_node_t *n, const char *key, bool with_prefix,
		    struct ws_dp_addr *out)
{
	char buf[64], *slash;
	unsigned long plen;
	char *end;

	if (want(c, n, key, YAML_SCALAR_NODE))
		return -1;
	if (n->data.scalar.length >= sizeof(buf))
		goto bad;
	memcpy(buf, scalar(n), n->data.scalar.length + 1);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (slash && !with_prefix)
		return fail(c, n, key, "expected an address without prefix length, got '%s'",
			    scalar(n));
	if (!slash && with_prefix)
		return fail(c, n, key, "expected address/prefix-length, got '%s'", scalar(n));
	if (inet_pton(AF_INET, buf, out->bytes) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, out->bytes) == 1)
		out->family = AF_INET6;
	else
		goto bad;
	out->prefix = out->family == AF_INET ? 32 : 128;
	if (slash) {
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || errno || plen > out->prefix ||
		    plen == 0)
			return fail(c, n, key, "bad prefix length in '%s'", scalar(n));
		out->prefix = (uint8_t)plen;
	}
	return 0;
bad:
	return fail(c, n, key, "expected an IPv4 or IPv6 address%s, got '%s'",
		    with_prefix ? "/prefix-length" : "", scalar(n));
}

/* One address or a list of them, at most one per family, into *v4 / *v6. */
static int get_addrs(struct ctx *c, const yaml_node_t *n, const char *key, bool with_prefix,
		     struct ws_dp_addr *v4, struct ws_dp_addr *v6)
{
	const yaml_node_item_t *i, *first, *end;
	struct ws_dp_addr a;
	char sub[160];

	if (n->type == YAML_SCALAR_NODE) {
		first = NULL;
		end = NULL;
	} else if (n->type == YAML_SEQUENCE_NODE) {
		first = n->data.sequence.items.start;
		end = n->data.sequence.items.top;
		if (first == end)
			return fail(c, n, key, "must not be empty");
	} else {
		return fail(c, n, key, "expected an address or a list of addresses, got %s",
			    kind(n));
	}
	for (i = first;; i++) {
		const yaml_node_t *item = first ? node(c, *i) : n;
		struct ws_dp_addr *slot;

		if (first)
			snprintf(sub, sizeof(sub), "%s[%td]", key, i - first);
		else
			snprintf(sub, sizeof(sub), "%s", key);
		memset(&a, 0, sizeof(a));
		if (get_addr(c, item, sub, with_prefix, &a))
			return -1;
		slot = a.family == AF_INET ? v4 : v6;
		if (slot->family)
			return fail(c, item, sub, "a second %s address (one per family)",
				    a.family == AF_INET ? "IPv4" : "IPv6");
		*slot = a;
		if (!first || i + 1 == end)
			break;
	}
	return 0;
}

/* Port and interface names become kernel interface names: keep them plain. */
static int get_ifname(struct ctx *c, const yaml_node_t *n, const char *key, char *out)
{
	if (get_str(c, n, key, out, WS_DP_NAME_LEN))
		return -1;
	for (const char *p = out; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return fail(c, n, key,
				    "expected letters, digits, '-', '_' or '.', got '%s'", out);
	return 0;
}

/* DDDD:BB:DD.F or BB:DD.F */
static bool is_pci_addr(const char *s)
{
	unsigned int d, b, dv, f;
	int n = 0;

	if (sscanf(s, "%4x:%2x:%2x.%1x%n", &d, &b, &dv, &f, &n) == 4 && s[n] == '\0')
		return true;
	n = 0;
	return sscanf(s, "%2x:%2x.%1x%n", &b, &dv, &f, &n) == 3 && s[n] == '\0';
}

/*
 * Walks a mapping, calling fn for each key; rejects duplicate keys, and unknown keys when fn
 * returns 1 (fn returns 0 = handled, -1 = error already reported, 1 = unknown).
 */
typedef int (*key_fn)(struct ctx *c, const char *key, const char *path, yaml_node_t *val,
		      void *arg);

static int walk_map(struct ctx *c, yaml_node_t *map, const char *path, key_fn fn, void *arg)
{
	yaml_node_pair_t *p, *q;
	char sub[160];

	if (want(c, map, path, YAML_MAPPING_NODE))
		return -1;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
		int r;

		if (k->type != YAML_SCALAR_NODE)
			return fail(c, k, path, "keys must be scalars");
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", scalar(k));
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = node(c, q->key);
			if (k2->type == YAML_SCALAR_NODE && !strcmp(scalar(k2), scalar(k)))
				return fail(c, k, sub, "duplicate key");
		}
		r = fn(c, scalar(k), sub, v, arg);
		if (r < 0)
			return -1;
		if (r > 0)
			return fail(c, k, sub, "unknown key");
	}
	return 0;
}

static int uint_list(struct ctx *c, yaml_node_t *seq, const char *path, unsigned long max,
		     unsigned int *out, unsigned int *n, unsigned int cap)
{
	char sub[160];

	if (want(c, seq, path, YAML_SEQUENCE_NODE))
		return -1;
	*n = 0;
	for (yaml_node_item_t *i = seq->data.sequence.items.start;
	     i < seq->data.sequence.items.top; i++) {
		snprintf(sub, sizeof(sub), "%s[%u]", path, *n);
		if (*n == cap)
			return fail(c, node(c, *i), sub, "more than %u entries", cap);
		if (get_uint(c, node(c, *i), sub, 0, max, &out[*n]))
			return -1;
		(*n)++;
	}
	if (*n == 0)
		return fail(c, seq, path, "must not be empty");
	return 0;
}

/* ---- interface: ---- */

static int interface_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v,
			 void *arg)
{
	unsigned int port;

	(void)arg;
	if (!strcmp(k, "name"))
		return get_ifname(c, v, path, c->cfg->ifname);
	if (!strcmp(k, "listenPort")) {
		if (get_uint(c, v, path, 1, 65535, &port))
			return -1;
		c->cfg->listen_port = (uint16_t)port;
		return 0;
	}
	return 0; /* the rest belongs to the control process */
}

/* ---- dataplane.eal ---- */

static int eal_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v, void *arg)
{
	struct ws_dp_config *cfg = c->cfg;
	char sub[160];

	(void)arg;
	if (!strcmp(k, "filePrefix")) {
		if (get_str(c, v, path, cfg->eal.file_prefix, sizeof(cfg->eal.file_prefix)))
			return -1;
		for (const char *p = cfg->eal.file_prefix; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
				return fail(c, v, path,
					    "expected letters, digits, '-' or '_', got '%s'",
					    cfg->eal.file_prefix);
		return 0;
	}
	if (!strcmp(k, "memoryMB"))
		return get_uint(c, v, path, 16, 1u << 20, &cfg->eal.memory_mb);
	if (!strcmp(k, "socketMemMB"))
		return uint_list(c, v, path, 1u << 20, cfg->eal.socket_mem, &cfg->eal.n_socket_mem,
				 WS_DP_MAX_SOCKETS);
	if (!strcmp(k, "noHuge"))
		return get_bool(c, v, path, &cfg->eal.no_huge);
	if (!strcmp(k, "extraArgs")) {
		if (want(c, v, path, YAML_SEQUENCE_NODE))
			return -1;
		cfg->eal.n_extra_args = 0;
		for (yaml_node_item_t *i = v->data.sequence.items.start;
		     i < v->data.sequence.items.top; i++) {
			snprintf(sub, sizeof(sub), "%s[%u]", path, cfg->eal.n_extra_args);
			if (cfg->eal.n_extra_args == WS_DP_MAX_EXTRA_ARGS)
				return fail(c, node(c, *i), sub, "more than %d entries",
					    WS_DP_MAX_EXTRA_ARGS);
			if (get_str(c, node(c, *i), sub,
				    cfg->eal.extra_args[cfg->eal.n_extra_args], WS_DP_DEVICE_LEN))
				return -1;
			cfg->eal.n_extra_args++;
		}
		return 0;
	}
	return 1;
}

/* ---- dataplane.ports[i] ---- */

/* "02:00:5e:10:00:01": six hex pairs separated by ':'; a unicast, non-zero MAC. */
static int get_mac(struct ctx *c, const yaml_node_t *n, const char *key, uint8_t mac[6])
{
	const char *s;
	unsigned int b[6];
	int end = 0;

	if (want(c, n, key, YAML_SCALAR_NODE))
		return -1;
	s = scalar(n);
	if (n->data.scalar.length != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6 ||
	    end != 17)
		return fail(c, n, key, "expected a MAC address like 02:00:00:00:00:01, got '%s'",
			    s);
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return fail(c, n, key,
				    "expected a MAC address like 02:00:00:00:00:01, got '%s'", s);
	if (b[0] & 1)
		return fail(c, n, key, "'%s' is a multicast MAC (a neighbour needs a unicast one)",
			    s);
	if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
		return fail(c, n, key, "'%s' is the zero MAC", s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

struct neigh_seen {
	struct ws_dp_neigh_cfg *e;
	bool addr, mac;
};

static int neigh_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v, void *arg)
{
	struct neigh_seen *seen = arg;

	if (!strcmp(k, "address")) {
		seen->addr = true;
		return get_addr(c, v, path, false, &seen->e->addr);
	}
	if (!strcmp(k, "mac")) {
		seen->mac = true;
		return get_mac(c, v, path, seen->e->mac);
	}
	return 1;
}

/* `neighbours:` of a port: a list of {address, mac}; the cross checks are in check_ports. */
static int get_neighbours(struct ctx *c, yaml_node_t *seq, const char *path,
			  struct ws_dp_port_cfg *p)
{
	char sub[160];

	if (want(c, seq, path, YAML_SEQUENCE_NODE))
		return -1;
	p->n_neigh = 0;
	for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
	     i++) {
		yaml_node_t *en = node(c, *i);
		struct neigh_seen seen = {.e = &p->neigh[p->n_neigh]};

		snprintf(sub, sizeof(sub), "%s[%u]", path, p->n_neigh);
		if (p->n_neigh == WS_DP_MAX_STATIC_NEIGH)
			return fail(c, en, sub, "more than %d entries", WS_DP_MAX_STATIC_NEIGH);
		memset(seen.e, 0, sizeof(*seen.e));
		seen.e->line = (unsigned int)en->start_mark.line + 1;
		if (walk_map(c, en, sub, neigh_key, &seen))
			return -1;
		if (!seen.addr)
			return fail(c, en, sub, "missing key 'address'");
		if (!seen.mac)
			return fail(c, en, sub, "missing key 'mac'");
		for (unsigned int j = 0; j < p->n_neigh; j++)
			if (p->neigh[j].addr.family == seen.e->addr.family &&
			    !memcmp(p->neigh[j].addr.bytes, seen.e->addr.bytes, 16))
				return fail(c, en, sub, "address also in %s[%u]", path, j);
		p->n_neigh++;
	}
	return 0;
}

/* Whether a (full address) is in the subnet of net (address/prefix) of the same family. */
static bool in_subnet(const struct ws_dp_addr *a, const struct ws_dp_addr *net)
{
	unsigned int bits = net->prefix;

	if (a->family != net->family)
		return false;
	if (memcmp(a->bytes, net->bytes, bits / 8))
		return false;
	return bits % 8 == 0 ||
	       !((a->bytes[bits / 8] ^ net->bytes[bits / 8]) & (uint8_t)(0xff00 >> (bits % 8)));
}

struct port_seen {
	bool name, role, device;
};

static int port_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v, void *arg)
{
	struct ws_dp_port_cfg *p = &c->cfg->ports[c->cfg->n_ports];
	struct port_seen *seen = arg;
	unsigned int q;

	if (!strcmp(k, "name")) {
		seen->name = true;
		return get_ifname(c, v, path, p->name);
	}
	if (!strcmp(k, "role")) {
		seen->role = true;
		if (want(c, v, path, YAML_SCALAR_NODE))
			return -1;
		if (!strcmp(scalar(v), "wan"))
			p->role = WS_DP_ROLE_WAN;
		else if (!strcmp(scalar(v), "lan"))
			p->role = WS_DP_ROLE_LAN;
		else
			return fail(c, v, path, "expected wan|lan, got '%s'", scalar(v));
		return 0;
	}
	if (!strcmp(k, "device")) {
		seen->device = true;
		if (get_str(c, v, path, p->device, sizeof(p->device)))
			return -1;
		p->is_pci = is_pci_addr(p->device);
		if (!p->is_pci && strncmp(p->device, "net_", 4))
			return fail(c, v, path,
				    "expected a PCI address (0000:03:00.0) or a vdev spec "
				    "(net_<driver><n>[,key=value...]), got '%s'",
				    p->device);
		if (!p->is_pci && (p->device[4] == '\0' || p->device[4] == ','))
			return fail(c, v, path, "vdev spec without a driver name: '%s'",
				    p->device);
		return 0;
	}
	if (!strcmp(k, "address"))
		return get_addrs(c, v, path, true, &p->ip4, &p->ip6);
	if (!strcmp(k, "gateway"))
		return get_addrs(c, v, path, false, &p->gw4, &p->gw6);
	if (!strcmp(k, "neighbours"))
		return get_neighbours(c, v, path, p);
	if (!strcmp(k, "rxQueues"))
		return get_u16(c, v, path, 1, 64, &p->rx_queues);
	if (!strcmp(k, "txQueues"))
		return get_u16(c, v, path, 1, 128, &p->tx_queues);
	if (!strcmp(k, "rxDesc") || !strcmp(k, "txDesc")) {
		if (get_uint(c, v, path, 64, 16384, &q))
			return -1;
		if (q & (q - 1))
			return fail(c, v, path, "expected a power of two in 64..16384, got '%s'",
				    scalar(v));
		*(k[0] == 'r' ? &p->rx_desc : &p->tx_desc) = (uint16_t)q;
		return 0;
	}
	return 1;
}

static int parse_ports(struct ctx *c, yaml_node_t *seq, const char *path)
{
	struct ws_dp_config *cfg = c->cfg;
	char sub[160];

	if (want(c, seq, path, YAML_SEQUENCE_NODE))
		return -1;
	cfg->n_ports = 0;
	for (yaml_node_item_t *i = seq->data.sequence.items.start;
	     i < seq->data.sequence.items.top; i++) {
		yaml_node_t *pn = node(c, *i);
		struct ws_dp_port_cfg *p = &cfg->ports[cfg->n_ports];
		struct port_seen seen = {0};

		snprintf(sub, sizeof(sub), "%s[%u]", path, cfg->n_ports);
		if (cfg->n_ports == WS_DP_MAX_PORTS)
			return fail(c, pn, sub, "more than %d ports", WS_DP_MAX_PORTS);
		memset(p, 0, sizeof(*p));
		p->rx_queues = 1;
		p->rx_desc = 1024;
		p->tx_desc = 1024;
		p->line = (unsigned int)pn->start_mark.line + 1;
		if (walk_map(c, pn, sub, port_key, &seen))
			return -1;
		if (!seen.name)
			return fail(c, pn, sub, "missing key 'name'");
		if (!seen.role)
			return fail(c, pn, sub, "missing key 'role'");
		if (!seen.device)
			return fail(c, pn, sub, "missing key 'device'");
		cfg->n_ports++;
	}
	return 0;
}

/* ---- dataplane.lcores ---- */

struct lcores_seen {
	yaml_node_t *workers, *pipeline, *mode;
};

static int pipeline_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v,
			void *arg)
{
	struct ws_dp_lcores_cfg *l = &c->cfg->lcores;

	(void)arg;
	if (!strcmp(k, "io"))
		return uint_list(c, v, path, WS_DP_MAX_LCORES - 1, l->io, &l->n_io,
				 WS_DP_MAX_LCORES);
	if (!strcmp(k, "crypto"))
		return uint_list(c, v, path, WS_DP_MAX_LCORES - 1, l->crypto, &l->n_crypto,
				 WS_DP_MAX_LCORES);
	return 1;
}

static int lcores_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v,
		      void *arg)
{
	struct ws_dp_lcores_cfg *l = &c->cfg->lcores;
	struct lcores_seen *seen = arg;

	if (!strcmp(k, "service"))
		return get_uint(c, v, path, 0, WS_DP_MAX_LCORES - 1, &l->service);
	if (!strcmp(k, "workers")) {
		seen->workers = v;
		return uint_list(c, v, path, WS_DP_MAX_LCORES - 1, l->workers, &l->n_workers,
				 WS_DP_MAX_LCORES);
	}
	if (!strcmp(k, "mode")) {
		seen->mode = v;
		if (want(c, v, path, YAML_SCALAR_NODE))
			return -1;
		if (!strcmp(scalar(v), "run-to-completion"))
			l->mode = WS_DP_LCORES_RTC;
		else if (!strcmp(scalar(v), "pipeline"))
			l->mode = WS_DP_LCORES_PIPELINE;
		else
			return fail(c, v, path, "expected run-to-completion|pipeline, got '%s'",
				    scalar(v));
		return 0;
	}
	if (!strcmp(k, "pipeline")) {
		seen->pipeline = v;
		return walk_map(c, v, path, pipeline_key, NULL);
	}
	return 1;
}

static int check_lcores(struct ctx *c, yaml_node_t *ln, struct lcores_seen *seen)
{
	struct ws_dp_lcores_cfg *l = &c->cfg->lcores;
	bool used[WS_DP_MAX_LCORES] = {false};
	const unsigned int *lists[3];
	unsigned int counts[3];
	const char *names[3];
	unsigned int nl = 0;

	used[l->service] = true;
	if (l->mode == WS_DP_LCORES_RTC) {
		if (seen->pipeline)
			return fail(c, seen->pipeline, "dataplane.lcores.pipeline",
				    "only with mode: pipeline");
		lists[nl] = l->workers, counts[nl] = l->n_workers,
		names[nl++] = "dataplane.lcores.workers";
	} else {
		if (seen->workers)
			return fail(c, seen->workers, "dataplane.lcores.workers",
				    "only with mode: run-to-completion (use pipeline: {io, crypto})");
		if (!seen->pipeline)
			return fail(c, seen->mode, "dataplane.lcores.pipeline",
				    "missing: mode pipeline needs pipeline: {io: [...], crypto: [...]}");
		if (!l->n_io)
			return fail(c, seen->pipeline, "dataplane.lcores.pipeline.io", "missing");
		if (!l->n_crypto)
			return fail(c, seen->pipeline, "dataplane.lcores.pipeline.crypto",
				    "missing");
		lists[nl] = l->io, counts[nl] = l->n_io, names[nl++] = "dataplane.lcores.pipeline.io";
		lists[nl] = l->crypto, counts[nl] = l->n_crypto,
		names[nl++] = "dataplane.lcores.pipeline.crypto";
	}
	for (unsigned int i = 0; i < nl; i++)
		for (unsigned int j = 0; j < counts[i]; j++) {
			if (used[lists[i][j]])
				return fail(c, ln, names[i],
					    "lcore %u is used twice (each lcore has one role; "
					    "the service lcore is %u)",
					    lists[i][j], l->service);
			used[lists[i][j]] = true;
		}
	return 0;
}

/* ---- dataplane.mempool ---- */

static int mempool_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v,
		       void *arg)
{
	struct ws_dp_config *cfg = c->cfg;

	(void)arg;
	if (!strcmp(k, "mbufs"))
		return get_uint(c, v, path, 1023, 1u << 26, &cfg->mempool.mbufs);
	if (!strcmp(k, "cache"))
		return get_uint(c, v, path, 0, 512, &cfg->mempool.cache);
	if (!strcmp(k, "mbufSize"))
		return get_uint(c, v, path, 1024 + 128, 65535, &cfg->mempool.mbuf_size);
	return 1;
}

/* ---- dataplane.tables ---- */

static int tables_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v, void *arg)
{
	struct ws_dp_config *cfg = c->cfg;

	(void)arg;
	if (!strcmp(k, "maxPeers"))
		return get_uint(c, v, path, 1, 1u << 20, &cfg->tables.max_peers);
	if (!strcmp(k, "maxAllowedIps"))
		return get_uint(c, v, path, 16, 1u << 24, &cfg->tables.max_allowed_ips);
	if (!strcmp(k, "fib")) {
		if (want(c, v, path, YAML_SCALAR_NODE))
			return -1;
		if (!strcmp(scalar(v), "auto"))
			cfg->tables.fib = WS_DP_FIB_AUTO;
		else if (!strcmp(scalar(v), "dir24_8"))
			cfg->tables.fib = WS_DP_FIB_DIR24_8;
		else if (!strcmp(scalar(v), "rib"))
			cfg->tables.fib = WS_DP_FIB_RIB;
		else
			return fail(c, v, path, "expected auto|dir24_8|rib, got '%s'", scalar(v));
		return 0;
	}
	return 1;
}

/* ---- dataplane: ---- */

struct dp_seen {
	yaml_node_t *ports, *lcores, *mode;
};

static int dataplane_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v,
			 void *arg)
{
	struct ws_dp_config *cfg = c->cfg;
	struct dp_seen *seen = arg;

	if (!strcmp(k, "mode")) {
		seen->mode = v;
		if (want(c, v, path, YAML_SCALAR_NODE))
			return -1;
		if (!strcmp(scalar(v), "host"))
			cfg->mode = WS_DP_MODE_HOST;
		else if (!strcmp(scalar(v), "gateway"))
			cfg->mode = WS_DP_MODE_GATEWAY;
		else
			return fail(c, v, path, "expected host|gateway, got '%s'", scalar(v));
		return 0;
	}
	if (!strcmp(k, "eal"))
		return walk_map(c, v, path, eal_key, NULL);
	if (!strcmp(k, "ports")) {
		seen->ports = v;
		return parse_ports(c, v, path);
	}
	if (!strcmp(k, "lcores")) {
		struct lcores_seen ls = {0};
		seen->lcores = v;
		if (walk_map(c, v, path, lcores_key, &ls))
			return -1;
		return check_lcores(c, v, &ls);
	}
	if (!strcmp(k, "mempool"))
		return walk_map(c, v, path, mempool_key, NULL);
	if (!strcmp(k, "burst"))
		return get_uint(c, v, path, 1, 256, &cfg->burst);
	if (!strcmp(k, "underLoadQueue"))
		return get_uint(c, v, path, 0, 1024, &cfg->under_load_queue);
	if (!strcmp(k, "tables"))
		return walk_map(c, v, path, tables_key, NULL);
	if (!strcmp(k, "crypto")) {
		if (get_str(c, v, path, cfg->crypto, sizeof(cfg->crypto)))
			return -1;
		if (strncmp(cfg->crypto, "auto", 4) && strncmp(cfg->crypto, "ipsecmb", 7) &&
		    strcmp(cfg->crypto, "ref"))
			return fail(c, v, path, "expected auto|ipsecmb[-arch]|ref, got '%s'",
				    cfg->crypto);
		return 0;
	}
	if (!strcmp(k, "controlSocket")) {
		if (get_str(c, v, path, cfg->control_socket, sizeof(cfg->control_socket)))
			return -1;
		if (cfg->control_socket[0] != '/')
			return fail(c, v, path, "expected an absolute path, got '%s'",
				    cfg->control_socket);
		return 0;
	}
	return 1;
}

/* Cross-field checks, once every key is known. */
static int check_ports(struct ctx *c, yaml_node_t *dp, struct dp_seen *seen)
{
	struct ws_dp_config *cfg = c->cfg;
	unsigned int n_wan = 0, n_lan = 0, data = ws_dp_config_data_lcores(cfg);
	char key[160];

	if (!seen->ports)
		return fail(c, dp, "dataplane.ports", "missing (one wan port is required)");
	for (unsigned int i = 0; i < cfg->n_ports; i++) {
		struct ws_dp_port_cfg *p = &cfg->ports[i];
		yaml_node_t at = {.start_mark.line = p->line - 1};

		if (p->role == WS_DP_ROLE_WAN)
			n_wan++;
		else
			n_lan++;
		for (unsigned int j = 0; j < i; j++) {
			if (!strcmp(cfg->ports[j].name, p->name)) {
				snprintf(key, sizeof(key), "dataplane.ports[%u].name", i);
				return fail(c, &at, key, "'%s' is also the name of ports[%u]",
					    p->name, j);
			}
			if (!strcmp(cfg->ports[j].device, p->device)) {
				snprintf(key, sizeof(key), "dataplane.ports[%u].device", i);
				return fail(c, &at, key, "'%s' is also the device of ports[%u]",
					    p->device, j);
			}
		}
		if (!strcmp(p->name, cfg->ifname)) {
			snprintf(key, sizeof(key), "dataplane.ports[%u].name", i);
			return fail(c, &at, key, "'%s' is also interface.name", p->name);
		}
		if (!p->ip4.family && !p->ip6.family) {
			snprintf(key, sizeof(key), "dataplane.ports[%u].address", i);
			return fail(c, &at, key, "missing (the %s port needs its address)",
				    p->role == WS_DP_ROLE_WAN ? "wan" : "lan");
		}
		if ((p->gw4.family && !p->ip4.family) || (p->gw6.family && !p->ip6.family)) {
			snprintf(key, sizeof(key), "dataplane.ports[%u].gateway", i);
			return fail(c, &at, key, "an %s gateway needs an %s address",
				    p->gw4.family && !p->ip4.family ? "IPv4" : "IPv6",
				    p->gw4.family && !p->ip4.family ? "IPv4" : "IPv6");
		}
		for (unsigned int j = 0; j < p->n_neigh; j++) {
			const struct ws_dp_neigh_cfg *e = &p->neigh[j];
			const struct ws_dp_addr *own =
				e->addr.family == AF_INET ? &p->ip4 : &p->ip6;
			const char *fam = e->addr.family == AF_INET ? "IPv4" : "IPv6";
			yaml_node_t eat = {.start_mark.line = e->line - 1};

			snprintf(key, sizeof(key), "dataplane.ports[%u].neighbours[%u].address", i,
				 j);
			if (p->role != WS_DP_ROLE_LAN)
				return fail(c, &eat, key,
					    "static neighbours are for lan ports only (the wan "
					    "port learns its next hops)");
			if (!own->family)
				return fail(c, &eat, key, "an %s neighbour needs an %s address",
					    fam, fam);
			if (!memcmp(e->addr.bytes, own->bytes, 16))
				return fail(c, &eat, key, "is the port's own address");
			/* the LAN table holds on-link next hops only (link-local too, IPv6) */
			if (!in_subnet(&e->addr, own) &&
			    !(e->addr.family == AF_INET6 && e->addr.bytes[0] == 0xfe &&
			      (e->addr.bytes[1] & 0xc0) == 0x80)) {
				char net[INET6_ADDRSTRLEN];

				inet_ntop(own->family, own->bytes, net, sizeof(net));
				return fail(c, &eat, key, "not on the port's link (%s/%u)", net,
					    own->prefix);
			}
		}
		if (!p->tx_queues)
			p->tx_queues = (uint16_t)data;
		if (p->tx_queues < data) {
			snprintf(key, sizeof(key), "dataplane.ports[%u].txQueues", i);
			return fail(c, &at, key,
				    "%u is fewer than the %u lcores that transmit (one queue each)",
				    p->tx_queues, data);
		}
	}
	if (n_wan != 1)
		return fail(c, seen->ports, "dataplane.ports",
			    "expected exactly one wan port, got %u", n_wan);
	if (cfg->mode == WS_DP_MODE_GATEWAY && n_lan == 0)
		return fail(c, seen->ports, "dataplane.ports",
			    "mode gateway needs a lan port");
	if (n_lan > 1)
		return fail(c, seen->ports, "dataplane.ports",
			    "expected at most one lan port, got %u (one LAN is served)", n_lan);
	if (cfg->mode == WS_DP_MODE_HOST && n_lan != 0)
		return fail(c, seen->mode ? seen->mode : seen->ports, "dataplane.mode",
			    "lan ports need mode: gateway (host mode delivers to the %s TAP)",
			    cfg->ifname);
	return 0;
}

static int top_key(struct ctx *c, const char *k, const char *path, yaml_node_t *v, void *arg)
{
	yaml_node_t **dp = arg;

	if (!strcmp(k, "interface"))
		return walk_map(c, v, path, interface_key, NULL);
	if (!strcmp(k, "dataplane")) {
		*dp = v;
		return 0; /* parsed after interface:, whose name the checks need */
	}
	return 0; /* peers: and the rest belong to the control process */
}

static int load_doc(struct ctx *c)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc), *dp = NULL;
	struct dp_seen seen = {0};

	if (!root)
		return fail(c, NULL, "dataplane", "missing section (the file is empty)");
	if (walk_map(c, root, "", top_key, &dp))
		return -1;
	if (!dp)
		return fail(c, root, "dataplane", "missing section");
	if (walk_map(c, dp, "dataplane", dataplane_key, &seen))
		return -1;
	if (check_ports(c, dp, &seen))
		return -1;
	if (c->cfg->mempool.cache > c->cfg->mempool.mbufs / 4)
		return fail(c, dp, "dataplane.mempool.cache",
			    "%u is more than a quarter of mbufs (%u)", c->cfg->mempool.cache,
			    c->cfg->mempool.mbufs);
	if (c->cfg->eal.no_huge && c->cfg->eal.n_socket_mem)
		return fail(c, dp, "dataplane.eal.socketMemMB",
			    "only with hugepages (noHuge: false); use memoryMB");
	if (!c->cfg->control_socket[0])
		snprintf(c->cfg->control_socket, sizeof(c->cfg->control_socket),
			 "/run/wirespeed/%s.ctl", c->cfg->ifname);
	if (!c->cfg->eal.file_prefix[0])
		snprintf(c->cfg->eal.file_prefix, sizeof(c->cfg->eal.file_prefix), "ws-%s",
			 c->cfg->ifname);
	return 0;
}

void ws_dp_config_defaults(struct ws_dp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->ifname, sizeof(cfg->ifname), "wg0");
	cfg->listen_port = 51820;
	cfg->mode = WS_DP_MODE_HOST;
	cfg->eal.memory_mb = 256;
	cfg->lcores.service = 0;
	cfg->lcores.mode = WS_DP_LCORES_RTC;
	cfg->lcores.workers[0] = 1;
	cfg->lcores.n_workers = 1;
	cfg->mempool.mbufs = 8191;
	cfg->mempool.cache = 256;
	cfg->mempool.mbuf_size = 2176;
	cfg->burst = 32;
	cfg->tables.max_peers = 65536;
	cfg->tables.max_allowed_ips = 65536;
	cfg->tables.fib = WS_DP_FIB_AUTO;
	snprintf(cfg->crypto, sizeof(cfg->crypto), "auto");
	cfg->under_load_queue = 128;
}

int ws_dp_config_parse(struct ws_dp_config *cfg, const char *name, const char *text, size_t len,
		       char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ctx c = {.file = name, .doc = &doc, .cfg = cfg, .err = err, .errlen = errlen};
	int rc;

	ws_dp_config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: YAML syntax error: %s%s%s", name,
			 parser.problem_mark.line + 1, parser.problem ? parser.problem : "?",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	rc = load_doc(&c);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int ws_dp_config_load(struct ws_dp_config *cfg, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		char *t = realloc(text, len + 65536);
		size_t got;

		if (!t) {
			free(text);
			fclose(f);
			snprintf(err, errlen, "%s: out of memory", path);
			return -1;
		}
		text = t;
		got = fread(text + len, 1, 65536, f);
		len += got;
		if (got < 65536)
			break;
		if (len > (16u << 20)) {
			free(text);
			fclose(f);
			snprintf(err, errlen, "%s: larger than 16 MiB", path);
			return -1;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = ws_dp_config_parse(cfg, path, text, len, err, errlen);
	free(text);
	return rc;
}

unsigned int ws_dp_config_data_lcores(const struct ws_dp_config *cfg)
{
	if (cfg->lcores.mode == WS_DP_LCORES_RTC)
		return cfg->lcores.n_workers;
	return cfg->lcores.n_io + cfg->lcores.n_crypto;
}

const struct ws_dp_port_cfg *ws_dp_config_wan(const struct ws_dp_config *cfg)
{
	for (unsigned int i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].role == WS_DP_ROLE_WAN)
			return &cfg->ports[i];
	return NULL;
}

/* ---- EAL arguments ---- */

/*
 * Classes of EAL options. A raw option of a class drops every derived option of that class, so
 * an expert's `-l 0-3` replaces the derived `-l`/`--main-lcore` instead of fighting them.
 */
enum opt_class {
	OPT_OTHER,
	OPT_LCORES,  /* -l -c --lcores --main-lcore */
	OPT_PREFIX,  /* --file-prefix --in-memory */
	OPT_MEMORY,  /* -m --socket-mem --no-huge */
	OPT_PCI,     /* -a --allow -b --block --no-pci */
	OPT_VDEV,    /* --vdev: per device name, see below */
	OPT_N_CLASSES,
};

/* Options whose value is a separate argument when not attached. */
static const struct {
	const char *name;
	enum opt_class cls;
	bool has_arg;
} eal_opts[] = {
	{"-l", OPT_LCORES, true},        {"-c", OPT_LCORES, true},
	{"--lcores", OPT_LCORES, true},  {"--main-lcore", OPT_LCORES, true},
	{"--file-prefix", OPT_PREFIX, true}, {"--in-memory", OPT_PREFIX, false},
	{"-m", OPT_MEMORY, true},        {"--socket-mem", OPT_MEMORY, true},
	{"--no-huge", OPT_MEMORY, false}, {"-a", OPT_PCI, true},
	{"--allow", OPT_PCI, true},      {"-b", OPT_PCI, true},
	{"--block", OPT_PCI, true},      {"--no-pci", OPT_PCI, false},
	{"--vdev", OPT_VDEV, true},      {"-n", OPT_OTHER, true},
	{"-r", OPT_OTHER, true},         {"-d", OPT_OTHER, true},
	{"--log-level", OPT_OTHER, true}, {"--proc-type", OPT_OTHER, true},
	{"--iova-mode", OPT_OTHER, true}, {"--huge-dir", OPT_OTHER, true},
	{"--base-virtaddr", OPT_OTHER, true}, {"--trace", OPT_OTHER, true},
	{"--service-corelist", OPT_OTHER, true}, {"-s", OPT_OTHER, true},
};

/* Class of argv[i]; *value is its value (attached or next), *width how many args it spans. */
static enum opt_class classify_opt(int argc, char *const argv[], int i, const char **value,
				   int *width)
{
	const char *a = argv[i];

	*value = NULL;
	*width = 1;
	for (size_t k = 0; k < sizeof(eal_opts) / sizeof(eal_opts[0]); k++) {
		size_t n = strlen(eal_opts[k].name);

		if (strncmp(a, eal_opts[k].name, n))
			continue;
		if (a[n] == '\0') {
			if (eal_opts[k].has_arg && i + 1 < argc) {
				*value = argv[i + 1];
				*width = 2;
			}
			return eal_opts[k].cls;
		}
		if (eal_opts[k].has_arg && a[n] == '=' && a[1] == '-') {
			*value = a + n + 1;
			return eal_opts[k].cls;
		}
		if (eal_opts[k].has_arg && a[1] != '-') { /* -l0-3 */
			*value = a + n;
			return eal_opts[k].cls;
		}
	}
	return OPT_OTHER;
}

/* "net_tap0,iface=x" -> compares "net_tap0" */
static bool same_vdev(const char *a, const char *b)
{
	size_t la = strcspn(a, ","), lb = strcspn(b, ",");

	return la == lb && !strncmp(a, b, la);
}

static const char *save(struct ws_dp_eal_args *args, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (args->used + n > sizeof(args->store))
		return NULL;
	p = args->store + args->used;
	memcpy(p, s, n);
	args->used += n;
	return p;
}

static int push(struct ws_dp_eal_args *args, const char *s)
{
	const char *p;

	if ((size_t)args->argc + 1 >= sizeof(args->argv) / sizeof(args->argv[0]))
		return -1;
	p = save(args, s);
	if (!p)
		return -1;
	args->argv[args->argc++] = (char *)p;
	args->argv[args->argc] = NULL;
	return 0;
}

static void join_uints(char *buf, size_t cap, const unsigned int *v, unsigned int n,
		       unsigned int first)
{
	size_t off = (size_t)snprintf(buf, cap, "%u", first);

	for (unsigned int i = 0; i < n && off < cap; i++)
		off += (size_t)snprintf(buf + off, cap - off, ",%u", v[i]);
}

int ws_dp_config_eal_args(const struct ws_dp_config *cfg, const char *argv0, int raw_argc,
			  char *const raw_argv[], struct ws_dp_eal_args *args, char *err,
			  size_t errlen)
{
	bool raw_has[OPT_N_CLASSES] = {false};
	const struct ws_dp_lcores_cfg *l = &cfg->lcores;
	bool any_pci = false;
	char buf[1024];
	const char *val;
	int w, rc = 0;

	args->argc = 0;
	args->used = 0;
	args->argv[0] = NULL;
	for (int i = 0; i < raw_argc; i += w)
		raw_has[classify_opt(raw_argc, raw_argv, i, &val, &w)] = true;

	rc |= push(args, argv0);
	if (!raw_has[OPT_LCORES]) {
		if (l->mode == WS_DP_LCORES_RTC) {
			join_uints(buf, sizeof(buf), l->workers, l->n_workers, l->service);
		} else {
			size_t off;
			join_uints(buf, sizeof(buf), l->io, l->n_io, l->service);
			off = strlen(buf);
			for (unsigned int i = 0; i < l->n_crypto && off < sizeof(buf); i++)
				off += (size_t)snprintf(buf + off, sizeof(buf) - off, ",%u",
							l->crypto[i]);
		}
		rc |= push(args, "-l");
		rc |= push(args, buf);
		snprintf(buf, sizeof(buf), "%u", l->service);
		rc |= push(args, "--main-lcore");
		rc |= push(args, buf);
	}
	if (!raw_has[OPT_PREFIX]) {
		rc |= push(args, "--file-prefix");
		rc |= push(args, cfg->eal.file_prefix);
	}
	if (!raw_has[OPT_MEMORY]) {
		if (cfg->eal.no_huge) {
			rc |= push(args, "--no-huge");
			snprintf(buf, sizeof(buf), "%u", cfg->eal.memory_mb);
			rc |= push(args, "-m");
			rc |= push(args, buf);
		} else if (cfg->eal.n_socket_mem) {
			join_uints(buf, sizeof(buf), cfg->eal.socket_mem + 1,
				   cfg->eal.n_socket_mem - 1, cfg->eal.socket_mem[0]);
			rc |= push(args, "--socket-mem");
			rc |= push(args, buf);
		} else {
			snprintf(buf, sizeof(buf), "%u", cfg->eal.memory_mb);
			rc |= push(args, "-m");
			rc |= push(args, buf);
		}
	}
	for (unsigned int i = 0; i < cfg->n_ports; i++) {
		const struct ws_dp_port_cfg *p = &cfg->ports[i];
		bool dup = false;

		if (p->is_pci) {
			any_pci = true;
			if (!raw_has[OPT_PCI]) {
				rc |= push(args, "-a");
				rc |= push(args, p->device);
			}
			continue;
		}
		for (int j = 0; j < raw_argc; j += w)
			if (classify_opt(raw_argc, raw_argv, j, &val, &w) == OPT_VDEV && val &&
			    same_vdev(val, p->device))
				dup = true;
		if (!dup) {
			rc |= push(args, "--vdev");
			rc |= push(args, p->device);
		}
	}
	if (!any_pci && !raw_has[OPT_PCI])
		rc |= push(args, "--no-pci");
	for (unsigned int i = 0; i < cfg->eal.n_extra_args; i++)
		rc |= push(args, cfg->eal.extra_args[i]);
	for (int i = 0; i < raw_argc; i++)
		rc |= push(args, raw_argv[i]);
	if (rc) {
		snprintf(err, errlen, "%s: too many EAL arguments", cfg->path);
		return -1;
	}
	return 0;
}

bool ws_dp_eal_args_no_huge(const struct ws_dp_eal_args *args)
{
	for (int i = 1; i < args->argc; i++)
		if (!strcmp(args->argv[i], "--no-huge"))
			return true;
	return false;
}
