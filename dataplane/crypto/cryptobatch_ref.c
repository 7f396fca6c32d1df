/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Portable reference backend: one libsodium call per op. It is the yardstick the fast backends
 * are tested against, and the fallback where intel-ipsec-mb is missing.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "cryptobatch_priv.h"

static void ref_destroy(struct ws_cb_engine *e)
{
	free(e);
}

static unsigned int ref_process(struct ws_cb_engine *e, enum ws_cb_dir dir, struct ws_cb_op *ops,
				unsigned int n)
{
	uint8_t nonce[WS_CB_NONCE_LEN];
	unsigned int ok = 0;

	(void)e;
	for (unsigned int i = 0; i < n; i++) {
		struct ws_cb_op *op = &ops[i];

		ws_cb_nonce(nonce, op->counter);
		if (dir == WS_CB_ENCRYPT) {
			crypto_aead_chacha20poly1305_ietf_encrypt_detached(op->dst, op->tag, NULL,
									   op->src, op->len, NULL,
									   0, NULL, nonce, op->key);
			op->status = 0;
		} else {
			/* libsodium checks the tag (in constant time) before it writes dst. */
			op->status = crypto_aead_chacha20poly1305_ietf_decrypt_detached(
					     op->dst, NULL, op->src, op->len, op->tag, NULL, 0,
					     nonce, op->key) == 0
					     ? 0
					     : -1;
		}
		ok += op->status == 0;
	}
	return ok;
}

struct ws_cb_engine *ws_cb_ref_create(void)
{
	struct ws_cb_engine *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->process = ref_process;
	e->destroy = ref_destroy;
	snprintf(e->name, sizeof(e->name), "ref");
	return e;
}
