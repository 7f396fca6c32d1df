/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML config loading with libyaml's document API. Every node carries its line, so every error
 * names file, line and the key path (peers[3].allowedIPs[1]) and quotes the bad value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "crypto.h"
#include "keys.h"

struct ld {
	const char *file;
	yaml_document_t *doc;
	char *err;
	int failed;
};

static int fail(struct ld *ld, const yaml_node_t *n, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct ld *ld, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (ld->failed++)
		return -1; /* keep the first error: it is the one to fix first */
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n)
		snprintf(ld->err, WS_CFG_ERR_MAX, "%s:%lu: %s: %s", ld->file,
			 (unsigned long)n->start_mark.line + 1, path, what);
	else
		snprintf(ld->err, WS_CFG_ERR_MAX, "%s: %s: %s", ld->file, path, what);
	return -1;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_scalar(struct ld *ld, const yaml_node_t *n, const char *path, const char **out)
{
	*out = scalar(n);
	if (!*out)
		return fail(ld, n, path, "expected a single value, got a %s",
			    n->type == YAML_MAPPING_NODE ? "mapping" : "list");
	return 0;
}

static int get_uint(struct ld *ld, const yaml_node_t *n, const char *path, unsigned long max,
		    unsigned long *out)
{
	const char *s;
	char *end;

	if (get_scalar(ld, n, path, &s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 0);
	if (!*s || *end || errno || s[0] == '-' || *out > max)
		return fail(ld, n, path, "expected an integer 0..%lu, got '%s'", max, s);
	return 0;
}

static int get_key(struct ld *ld, const yaml_node_t *n, const char *path, uint8_t key[WS_KEY_LEN])
{
	const char *s;

	if (get_scalar(ld, n, path, &s))
		return -1;
	if (ws_key_from_base64(key, s) != 0)
		return fail(ld, n, path, "not a base64 key of 32 bytes (44 characters ending in '=')");
	return 0;
}

/* Reads a key from a file only its owner can read, as `wg` insists for private keys. */
static int get_key_file(struct ld *ld, const yaml_node_t *n, const char *path,
			uint8_t key[WS_KEY_LEN])
{
	char buf[WS_KEY_B64_LEN + 64];
	const char *s;
	struct stat st;
	ssize_t len;
	int fd, ret = -1;

	if (get_scalar(ld, n, path, &s))
		return -1;
	fd = open(s, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fail(ld, n, path, "cannot open '%s': %s", s, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fail(ld, n, path, "'%s' is not a regular file", s);
		goto out;
	}
	if (st.st_mode & 0077) {
		fail(ld, n, path, "'%s' is accessible to group or others (mode %04o); "
				  "refusing to use it, run chmod 600 on it",
		     s, (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	len = read(fd, buf, sizeof(buf) - 1);
	if (len < 0) {
		fail(ld, n, path, "cannot read '%s': %s", s, strerror(errno));
		goto out;
	}
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
			   buf[len - 1] == '\t'))
		buf[--len] = '\0';
	if (ws_key_from_base64(key, buf) != 0) {
		fail(ld, n, path, "'%s' does not hold a base64 key", s);
		goto out;
	}
	ret = 0;
out:
	ws_memzero(buf, sizeof(buf));
	close(fd);
	return ret;
}

int ws_prefix_parse(struct ws_prefix *p, const char *s)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long cidr;
	char *end;
	int max;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	if (!slash) {
		p->cidr = (uint8_t)max;
		return 0;
	}
	if (!slash[1] || slash[1] == '-' || slash[1] == '+')
		return -1;
	errno = 0;
	cidr = strtoul(slash + 1, &end, 10);
	if (*end || errno || cidr > (unsigned long)max)
		return -1;
	p->cidr = (uint8_t)cidr;
	return 0;
}

void ws_prefix_mask(struct ws_prefix *p)
{
	int bytes = p->family == AF_INET ? 4 : 16;

	for (int i = 0; i < bytes; i++) {
		int keep = p->cidr - i * 8;
		if (keep >= 8)
			continue;
		p->addr[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

void ws_prefix_format(const struct ws_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->cidr);
}

int ws_endpoint_parse(struct ws_endpoint *ep, const char *s)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	size_t hlen;
	unsigned long port;
	char *end;

	memset(ep, 0, sizeof(*ep));
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -1;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port == 0 || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		return -1;

	if (*s != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ep->ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	}
	return 0;
}

void ws_endpoint_format(const struct ws_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ep->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ep->ss;
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	} else if (ep->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ep->ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(none)");
	}
}

void ws_endpoint_to_ipc(struct ws_ipc_addr *a, const struct ws_endpoint *ep)
{
	memset(a, 0, sizeof(*a));
	if (ep->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ep->ss;
		a->family = AF_INET;
		a->port = sin->sin_port;
		memcpy(a->addr, &sin->sin_addr, 4);
	} else if (ep->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ep->ss;
		a->family = AF_INET6;
		a->port = sin6->sin6_port;
		memcpy(a->addr, &sin6->sin6_addr, 16);
	}
}

void ws_endpoint_from_ipc(struct ws_endpoint *ep, const struct ws_ipc_addr *a)
{
	memset(ep, 0, sizeof(*ep));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ep->ss;
		sin->sin_family = AF_INET;
		sin->sin_port = a->port;
		memcpy(&sin->sin_addr, a->addr, 4);
	} else if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = a->port;
		memcpy(&sin6->sin6_addr, a->addr, 16);
	}
}

void ws_prefix_to_ipc(struct ws_ipc_prefix *out, const struct ws_prefix *p)
{
	memset(out, 0, sizeof(*out));
	out->family = p->family;
	out->cidr = p->cidr;
	memcpy(out->addr, p->addr, 16);
}

/* A list of prefixes: a YAML sequence, or one scalar with comma-separated items (wg-quick). */
static int get_prefixes(struct ld *ld, const yaml_node_t *n, const char *path, bool mask,
			struct ws_prefix **out, size_t *count)
{
	char ipath[128];
	size_t cap = 0;

	*out = NULL;
	*count = 0;
	if (n->type == YAML_SCALAR_NODE) {
		char *copy = strdup(scalar(n)), *save = NULL;
		int ret = 0;
		if (!copy)
			return fail(ld, n, path, "out of memory");
		for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
			struct ws_prefix *grown = realloc(*out, (*count + 1) * sizeof(**out));
			if (!grown) {
				ret = fail(ld, n, path, "out of memory");
				break;
			}
			*out = grown;
			if (ws_prefix_parse(&(*out)[*count], tok) != 0) {
				ret = fail(ld, n, path, "'%s' is not an address/cidr", tok);
				break;
			}
			if (mask)
				ws_prefix_mask(&(*out)[*count]);
			(*count)++;
		}
		free(copy);
		return ret;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(ld, n, path, "expected a list of address/cidr");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		const yaml_node_t *item = yaml_document_get_node(ld->doc, *it);
		const char *s;

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, *count);
		if (get_scalar(ld, item, ipath, &s))
			return -1;
		if (*count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct ws_prefix *grown = realloc(*out, ncap * sizeof(**out));
			if (!grown)
				return fail(ld, item, ipath, "out of memory");
			*out = grown;
			cap = ncap;
		}
		if (ws_prefix_parse(&(*out)[*count], s) != 0)
			return fail(ld, item, ipath, "'%s' is not an address/cidr", s);
		if (mask)
			ws_prefix_mask(&(*out)[*count]);
		(*count)++;
	}
	return 0;
}

/* Walks a mapping, rejecting duplicate keys; calls fn for each key/value. */
typedef int (*field_fn)(struct ld *ld, void *obj, const char *key, const yaml_node_t *kn,
			const yaml_node_t *v, const char *path);

static int walk_mapping(struct ld *ld, const yaml_node_t *n, const char *path, void *obj,
			field_fn fn)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(ld, n, path, "expected a mapping of key: value");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		const char *key = scalar(k);
		char kpath[128];

		if (!key)
			return fail(ld, k, path, "keys must be plain words");
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			const char *other = scalar(yaml_document_get_node(ld->doc, q->key));
			if (other && !strcmp(other, key))
				return fail(ld, k, path, "key '%s' given twice", key);
		}
		snprintf(kpath, sizeof(kpath), "%s%s%s", path, *path ? "." : "", key);
		if (fn(ld, obj, key, k, v, kpath))
			return -1;
	}
	return 0;
}

struct iface_seen {
	struct ws_cfg *cfg;
	bool key, key_file;
};

static int iface_field(struct ld *ld, void *obj, const char *key, const yaml_node_t *kn,
		       const yaml_node_t *v, const char *path)
{
	struct iface_seen *is = obj;
	struct ws_cfg *cfg = is->cfg;
	unsigned long u;
	const char *s;

	if (!strcmp(key, "name")) {
		if (get_scalar(ld, v, path, &s))
			return -1;
		if (!*s || strlen(s) > WS_IFNAME_MAX || strchr(s, '/') || strchr(s, ' ') ||
		    !strcmp(s, ".") || !strcmp(s, ".."))
			return fail(ld, v, path, "'%s' is not a valid interface name (1..15 "
						 "characters, no '/' or spaces)", s);
		strcpy(cfg->name, s);
	} else if (!strcmp(key, "privateKey")) {
		if (get_key(ld, v, path, cfg->private_key))
			return -1;
		is->key = cfg->has_private_key = true;
	} else if (!strcmp(key, "privateKeyFile")) {
		if (get_key_file(ld, v, path, cfg->private_key))
			return -1;
		is->key_file = cfg->has_private_key = true;
	} else if (!strcmp(key, "listenPort")) {
		if (get_uint(ld, v, path, 65535, &u))
			return -1;
		cfg->listen_port = (uint16_t)u;
	} else if (!strcmp(key, "fwMark")) {
		if ((s = scalar(v)) && !strcmp(s, "off")) {
			cfg->fwmark = 0;
		} else {
			if (get_uint(ld, v, path, UINT32_MAX, &u))
				return -1;
			cfg->fwmark = (uint32_t)u;
		}
	} else if (!strcmp(key, "addresses")) {
		if (get_prefixes(ld, v, path, false, &cfg->addresses, &cfg->n_addresses))
			return -1;
	} else {
		return fail(ld, kn, path, "unknown key (expected name, privateKey, privateKeyFile, "
					  "listenPort, fwMark, addresses)");
	}
	if (is->key && is->key_file)
		return fail(ld, kn, path, "give privateKey or privateKeyFile, not both");
	return 0;
}

struct peer_seen {
	struct ws_cfg_peer *peer;
	bool public_key, psk, psk_file;
};

static int peer_field(struct ld *ld, void *obj, const char *key, const yaml_node_t *kn,
		      const yaml_node_t *v, const char *path)
{
	struct peer_seen *ps = obj;
	struct ws_cfg_peer *peer = ps->peer;
	unsigned long u;
	const char *s;

	if (!strcmp(key, "name")) {
		if (get_scalar(ld, v, path, &s))
			return -1;
		if (strlen(s) > WS_PEER_NAME_MAX)
			return fail(ld, v, path, "longer than %d characters", WS_PEER_NAME_MAX);
		strcpy(peer->name, s);
	} else if (!strcmp(key, "publicKey")) {
		if (get_key(ld, v, path, peer->public_key))
			return -1;
		ps->public_key = true;
	} else if (!strcmp(key, "presharedKey")) {
		if (get_key(ld, v, path, peer->psk))
			return -1;
		ps->psk = peer->has_psk = true;
	} else if (!strcmp(key, "presharedKeyFile")) {
		if (get_key_file(ld, v, path, peer->psk))
			return -1;
		ps->psk_file = peer->has_psk = true;
	} else if (!strcmp(key, "allowedIPs")) {
		if (get_prefixes(ld, v, path, true, &peer->allowed_ips, &peer->n_allowed_ips))
			return -1;
	} else if (!strcmp(key, "endpoint")) {
		if (get_scalar(ld, v, path, &s))
			return -1;
		if (ws_endpoint_parse(&peer->endpoint, s) != 0)
			return fail(ld, v, path, "'%s' is not a numeric endpoint (a.b.c.d:port or "
						 "[v6]:port)", s);
	} else if (!strcmp(key, "persistentKeepalive")) {
		if ((s = scalar(v)) && !strcmp(s, "off")) {
			peer->persistent_keepalive = 0;
		} else {
			if (get_uint(ld, v, path, 65535, &u))
				return -1;
			peer->persistent_keepalive = (uint16_t)u;
		}
	} else {
		return fail(ld, kn, path, "unknown key (expected name, publicKey, presharedKey, "
					  "presharedKeyFile, allowedIPs, endpoint, "
					  "persistentKeepalive)");
	}
	if (ps->psk && ps->psk_file)
		return fail(ld, kn, path, "give presharedKey or presharedKeyFile, not both");
	return 0;
}

static int load_peers(struct ld *ld, const yaml_node_t *n, struct ws_cfg *cfg)
{
	size_t count;

	if (n->type == YAML_SCALAR_NODE && !*scalar(n))
		return 0; /* "peers:" with nothing after it */
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(ld, n, "peers", "expected a list of peers");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!count)
		return 0;
	cfg->peers = calloc(count, sizeof(*cfg->peers));
	if (!cfg->peers)
		return fail(ld, n, "peers", "out of memory for %zu peers", count);
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *pn = yaml_document_get_node(ld->doc, n->data.sequence.items.start[i]);
		struct peer_seen ps = { .peer = &cfg->peers[i] };
		char path[32];

		cfg->n_peers = i + 1;
		cfg->peers[i].line = (unsigned int)pn->start_mark.line + 1;
		snprintf(path, sizeof(path), "peers[%zu]", i);
		if (walk_mapping(ld, pn, path, &ps, peer_field))
			return -1;
		if (!ps.public_key)
			return fail(ld, pn, path, "publicKey is required");
	}
	return 0;
}

static int pubkey_cmp(const void *a, const void *b)
{
	const struct ws_cfg_peer *const *x = a, *const *y = b;
	return memcmp((*x)->public_key, (*y)->public_key, WS_KEY_LEN);
}

/* Two peers with one public key would be one peer twice: refuse, naming both lines. */
static int check_duplicates(struct ld *ld, struct ws_cfg *cfg)
{
	const struct ws_cfg_peer **sorted;
	int ret = 0;

	if (cfg->n_peers < 2)
		return 0;
	sorted = malloc(cfg->n_peers * sizeof(*sorted));
	if (!sorted)
		return fail(ld, NULL, "peers", "out of memory");
	for (size_t i = 0; i < cfg->n_peers; i++)
		sorted[i] = &cfg->peers[i];
	qsort(sorted, cfg->n_peers, sizeof(*sorted), pubkey_cmp);
	for (size_t i = 1; i < cfg->n_peers; i++) {
		if (!memcmp(sorted[i - 1]->public_key, sorted[i]->public_key, WS_KEY_LEN)) {
			const struct ws_cfg_peer *a = sorted[i - 1], *b = sorted[i];
			if (a->line > b->line) {
				const struct ws_cfg_peer *t = a;
				a = b;
				b = t;
			}
			snprintf(ld->err, WS_CFG_ERR_MAX,
				 "%s:%u: peers[%zu].publicKey: the same public key as the peer at "
				 "line %u",
				 ld->file, b->line, (size_t)(b - cfg->peers), a->line);
			ld->failed++;
			ret = -1;
			break;
		}
	}
	free(sorted);
	return ret;
}

static int top_field(struct ld *ld, void *obj, const char *key, const yaml_node_t *kn,
		     const yaml_node_t *v, const char *path)
{
	struct ws_cfg *cfg = obj;

	if (!strcmp(key, "interface")) {
		struct iface_seen is = { .cfg = cfg };
		return walk_mapping(ld, v, path, &is, iface_field);
	}
	if (!strcmp(key, "peers"))
		return load_peers(ld, v, cfg);
	if (!strcmp(key, "dataplane")) {
		if (v->type != YAML_MAPPING_NODE)
			return fail(ld, v, path, "expected a mapping");
		/* The dataplane validates its own section; we only need where its socket is. */
		for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
		     p < v->data.mapping.pairs.top; p++) {
			const char *k = scalar(yaml_document_get_node(ld->doc, p->key));
			const yaml_node_t *val = yaml_document_get_node(ld->doc, p->value);
			const char *s;
			if (!k || strcmp(k, "controlSocket"))
				continue;
			if (get_scalar(ld, val, "dataplane.controlSocket", &s))
				return -1;
			if (!*s || strlen(s) >= sizeof(cfg->control_socket))
				return fail(ld, val, "dataplane.controlSocket",
					    "expected a path of 1..%zu characters",
					    sizeof(cfg->control_socket) - 1);
			strcpy(cfg->control_socket, s);
		}
		return 0;
	}
	return fail(ld, kn, path, "unknown section (expected interface, peers, dataplane)");
}

static int load_doc(struct ld *ld, struct ws_cfg *cfg)
{
	yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	bool has_interface = false;

	if (!root)
		return fail(ld, NULL, "(file)", "empty file");
	if (walk_mapping(ld, root, "", cfg, top_field))
		return -1;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++)
		if (!strcmp(scalar(yaml_document_get_node(ld->doc, p->key)), "interface"))
			has_interface = true;
	if (!has_interface)
		return fail(ld, root, "interface", "section is required");
	if (!cfg->name[0])
		strcpy(cfg->name, "wg0");
	return check_duplicates(ld, cfg);
}

static int load_parser(const char *name, yaml_parser_t *parser, struct ws_cfg *cfg, char *err)
{
	struct ld ld = { .file = name, .err = err };
	yaml_document_t doc;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	if (!yaml_parser_load(parser, &doc)) {
		snprintf(err, WS_CFG_ERR_MAX, "%s:%lu: YAML syntax error: %s%s%s", name,
			 (unsigned long)parser->problem_mark.line + 1,
			 parser->problem ? parser->problem : "unknown problem",
			 parser->context ? " " : "", parser->context ? parser->context : "");
		return -1;
	}
	ld.doc = &doc;
	ret = load_doc(&ld, cfg);
	yaml_document_delete(&doc);
	if (ret)
		ws_cfg_free(cfg);
	return ret;
}

int ws_cfg_load_string(const char *name, const char *yaml, size_t len, struct ws_cfg *cfg,
		       char err[WS_CFG_ERR_MAX])
{
	yaml_parser_t parser;
	int ret;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, WS_CFG_ERR_MAX, "%s: cannot initialise the YAML parser", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	ret = load_parser(name, &parser, cfg, err);
	yaml_parser_delete(&parser);
	return ret;
}

int ws_cfg_load(const char *path, struct ws_cfg *cfg, char err[WS_CFG_ERR_MAX])
{
	yaml_parser_t parser;
	FILE *f;
	int ret;

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, WS_CFG_ERR_MAX, "%s: cannot open: %s", path, strerror(errno));
		memset(cfg, 0, sizeof(*cfg));
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		snprintf(err, WS_CFG_ERR_MAX, "%s: cannot initialise the YAML parser", path);
		return -1;
	}
	yaml_parser_set_input_file(&parser, f);
	ret = load_parser(path, &parser, cfg, err);
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}

void ws_cfg_free(struct ws_cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		free(cfg->peers[i].allowed_ips);
	if (cfg->peers)
		ws_memzero(cfg->peers, cfg->n_peers * sizeof(*cfg->peers));
	free(cfg->peers);
	free(cfg->addresses);
	ws_memzero(cfg, sizeof(*cfg));
}
