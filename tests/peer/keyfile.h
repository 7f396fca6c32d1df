/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading a base64 key from a file, as `wg` does: files others may read are refused. */
#ifndef WS_TP_KEYFILE_H
#define WS_TP_KEYFILE_H

#include <stdint.h>

#include "messages.h"

/*
 * Reads one base64 key (trailing whitespace allowed) from path into key. On failure prints
 * "prog: opt: why" to stderr (never the file's content) and returns -1.
 */
int ws_tp_load_key_file(uint8_t key[WS_KEY_LEN], const char *prog, const char *opt,
			const char *path);

#endif
