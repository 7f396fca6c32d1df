/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UAPI text protocol. A set request is parsed completely before anything is applied, so a bad
 * line anywhere leaves the device untouched (the kernel and wireguard-go apply line by line and
 * can stop half way; `wg` cannot tell the difference except that nothing was changed).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "crypto.h"
#include "keys.h"
#include "uapi.h"

static int bad(char *err, size_t errlen, int code, size_t lineno, const char *line, size_t n,
	       const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "line %zu '%.*s': %s", lineno, (int)(n > 80 ? 80 : n), line,
			 why);
	return code;
}

static int parse_u32(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end || errno || *out > max ? -1 : 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *a;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	a = realloc(*arr, ncap * size);
	if (!a)
		return -1;
	*arr = a;
	*cap = ncap;
	return 0;
}

int ws_uapi_parse_set(const char *text, size_t len, struct ws_change *out, char *err,
		      size_t errlen)
{
	struct ws_change chg = { 0 };
	struct ws_peer_change *pc = NULL;
	size_t peers_cap = 0, aips_cap = 0, lineno = 0;
	char key[32], value[128];
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	for (size_t pos = 0; pos < len && ret == 0;) {
		const char *line = text + pos, *eq, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos, klen, vlen;
		unsigned long u;

		pos += n + 1;
		lineno++;
		if (n == 0)
			break;
		eq = memchr(line, '=', n);
		if (!eq) {
			ret = bad(err, errlen, -EPROTO, lineno, line, n, "no '='");
			break;
		}
		klen = (size_t)(eq - line);
		vlen = n - klen - 1;
		if (klen >= sizeof(key) || vlen >= sizeof(value) || memchr(line, '\0', n)) {
			ret = bad(err, errlen, -EINVAL, lineno, line, n, "key or value too long");
			break;
		}
		memcpy(key, line, klen);
		key[klen] = '\0';
		memcpy(value, eq + 1, vlen);
		value[vlen] = '\0';

		if (!strcmp(key, "public_key")) {
			if (grow((void **)&chg.peers, &peers_cap, chg.n_peers,
				 sizeof(*chg.peers))) {
				ret = -ENOMEM;
				break;
			}
			pc = &chg.peers[chg.n_peers++];
			memset(pc, 0, sizeof(*pc));
			aips_cap = 0;
			if (ws_key_from_hex(pc->public_key, value) != 0)
				ret = bad(err, errlen, -EINVAL, lineno, line, n,
					  "not a 64-digit hex key");
			continue;
		}
		if (!pc) { /* device section */
			if (!strcmp(key, "private_key")) {
				if (ws_key_from_hex(chg.private_key, value) != 0)
					ret = bad(err, errlen, -EINVAL, lineno, line, n,
						  "not a 64-digit hex key");
				chg.flags |= WS_CHG_PRIVATE_KEY;
			} else if (!strcmp(key, "listen_port")) {
				if (parse_u32(value, 65535, &u))
					ret = bad(err, errlen, -EINVAL, lineno, line, n,
						  "not a port 0..65535");
				chg.listen_port = (uint16_t)u;
				chg.flags |= WS_CHG_LISTEN_PORT;
			} else if (!strcmp(key, "fwmark")) {
				if (parse_u32(value, UINT32_MAX, &u))
					ret = bad(err, errlen, -EINVAL, lineno, line, n,
						  "not a 32-bit number");
				chg.fwmark = (uint32_t)u;
				chg.flags |= WS_CHG_FWMARK;
			} else if (!strcmp(key, "replace_peers")) {
				if (strcmp(value, "true"))
					ret = bad(err, errlen, -EINVAL, lineno, line, n,
						  "only 'true' is allowed");
				chg.flags |= WS_CHG_REPLACE_PEERS;
			} else {
				ret = bad(err, errlen, -EINVAL, lineno, line, n,
					  "unknown device key");
			}
			continue;
		}
		if (!strcmp(key, "remove") || !strcmp(key, "update_only") ||
		    !strcmp(key, "replace_allowed_ips")) {
			if (strcmp(value, "true"))
				ret = bad(err, errlen, -EINVAL, lineno, line, n,
					  "only 'true' is allowed");
			pc->flags |= key[0] == 'r' ? (key[2] == 'm' ? WS_PCHG_REMOVE
								   : WS_PCHG_REPLACE_AIPS)
						   : WS_PCHG_UPDATE_ONLY;
		} else if (!strcmp(key, "preshared_key")) {
			if (ws_key_from_hex(pc->psk, value) != 0)
				ret = bad(err, errlen, -EINVAL, lineno, line, n,
					  "not a 64-digit hex key");
			pc->flags |= WS_PCHG_PSK;
		} else if (!strcmp(key, "endpoint")) {
			if (ws_endpoint_parse(&pc->endpoint, value) != 0)
				ret = bad(err, errlen, -EINVAL, lineno, line, n,
					  "not a numeric a.b.c.d:port or [v6]:port");
			pc->flags |= WS_PCHG_ENDPOINT;
		} else if (!strcmp(key, "persistent_keepalive_interval")) {
			if (parse_u32(value, 65535, &u))
				ret = bad(err, errlen, -EINVAL, lineno, line, n,
					  "not a number of seconds 0..65535");
			pc->persistent_keepalive = (uint16_t)u;
			pc->flags |= WS_PCHG_KEEPALIVE;
		} else if (!strcmp(key, "allowed_ip")) {
			bool remove = value[0] == '-';
			struct ws_aip_change *a;
			if (grow((void **)&pc->aips, &aips_cap, pc->n_aips, sizeof(*pc->aips))) {
				ret = -ENOMEM;
				break;
			}
			a = &pc->aips[pc->n_aips];
			a->remove = remove;
			if (ws_prefix_parse(&a->prefix, value + remove) != 0 ||
			    !strchr(value, '/')) {
				ret = bad(err, errlen, -EINVAL, lineno, line, n,
					  "not an address/cidr");
				continue;
			}
			ws_prefix_mask(&a->prefix);
			pc->n_aips++;
		} else if (!strcmp(key, "protocol_version")) {
			if (strcmp(value, "1"))
				ret = bad(err, errlen, -EINVAL, lineno, line, n,
					  "only protocol version 1 exists");
		} else {
			ret = bad(err, errlen, -EINVAL, lineno, line, n, "unknown peer key");
		}
	}
	if (ret) {
		ws_change_free(&chg);
		return ret;
	}
	*out = chg;
	return 0;
}

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = b->cap * 2 + (size_t)(n > 0 ? n : 0);
		char *np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

static void put_key(struct buf *b, const char *name, const uint8_t key[WS_KEY_LEN])
{
	char hex[WS_KEY_HEX_LEN + 1];

	ws_key_to_hex(hex, key);
	put(b, "%s=%s\n", name, hex);
	ws_memzero(hex, sizeof(hex));
}

char *ws_uapi_format_get(const struct ws_device *dev, size_t *len)
{
	struct buf b = { .cap = 512 };
	char tmp[INET6_ADDRSTRLEN + 16];

	/* Sized up front so the text holding the private key is never copied by realloc. */
	for (uint32_t id = 0; id < dev->n_ids; id++)
		if (dev->peers[id])
			b.cap += 512 + 64 * dev->peers[id]->n_aips;
	b.p = malloc(b.cap);
	if (!b.p)
		return NULL;
	b.p[0] = '\0';
	if (dev->local.has_identity)
		put_key(&b, "private_key", dev->local.private_key);
	if (dev->listen_port)
		put(&b, "listen_port=%u\n", dev->listen_port);
	if (dev->fwmark)
		put(&b, "fwmark=%u\n", dev->fwmark);
	for (uint32_t id = 0; id < dev->n_ids; id++) {
		const struct ws_peer *p = dev->peers[id];
		if (!p)
			continue;
		put_key(&b, "public_key", p->public_key);
		put_key(&b, "preshared_key", p->psk);
		put(&b, "protocol_version=1\n");
		if (p->endpoint.ss.ss_family) {
			ws_endpoint_format(&p->endpoint, tmp, sizeof(tmp));
			put(&b, "endpoint=%s\n", tmp);
		}
		put(&b, "last_handshake_time_sec=%llu\nlast_handshake_time_nsec=%llu\n",
		    (unsigned long long)(p->last_handshake_wall_ns / 1000000000ULL),
		    (unsigned long long)(p->last_handshake_wall_ns % 1000000000ULL));
		put(&b, "tx_bytes=%llu\nrx_bytes=%llu\n", (unsigned long long)p->tx_bytes,
		    (unsigned long long)p->rx_bytes);
		put(&b, "persistent_keepalive_interval=%u\n", p->persistent_keepalive);
		for (size_t i = 0; i < p->n_aips; i++) {
			ws_prefix_format(&p->aips[i], tmp, sizeof(tmp));
			put(&b, "allowed_ip=%s\n", tmp);
		}
	}
	put(&b, "errno=0\n\n");
	if (b.oom) {
		ws_memzero(b.p, b.cap);
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
