/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Batch ChaCha20-Poly1305 engine front end: picks a backend by name and dispatches bursts to it.
 * The backends live in cryptobatch_ipsecmb.c and cryptobatch_ref.c.
 */
#include <string.h>

#include <sodium.h>

#include "cryptobatch.h"
#include "cryptobatch_priv.h"

struct ws_cb_engine *ws_cb_engine_create(const char *backend)
{
	/*
	 * sodium_init() selects libsodium's SIMD ChaCha20 and must run before the reference
	 * backend is used from several threads; it is idempotent and thread-safe.
	 */
	if (sodium_init() < 0)
		return NULL;
	if (backend == NULL || strcmp(backend, "auto") == 0) {
		struct ws_cb_engine *e = ws_cb_ipsecmb_create("");
		return e ? e : ws_cb_ref_create();
	}
	if (strcmp(backend, "ref") == 0)
		return ws_cb_ref_create();
	if (strncmp(backend, "ipsecmb", 7) == 0)
		return ws_cb_ipsecmb_create(backend + 7);
	return NULL;
}

void ws_cb_engine_destroy(struct ws_cb_engine *e)
{
	if (e)
		e->destroy(e);
}

const char *ws_cb_engine_name(const struct ws_cb_engine *e)
{
	return e->name;
}

unsigned int ws_cb_process(struct ws_cb_engine *e, enum ws_cb_dir dir, struct ws_cb_op *ops,
			   unsigned int n)
{
	if (n == 0)
		return 0;
	return e->process(e, dir, ops, n);
}
