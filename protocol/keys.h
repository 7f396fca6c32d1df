/* SPDX-License-Identifier: BSD-3-Clause */
/* Key encodings: base64 as `wg` prints keys, lowercase hex as the UAPI carries them. */
#ifndef WS_KEYS_H
#define WS_KEYS_H

#include <stdint.h>

#include "messages.h"

enum {
	WS_KEY_B64_LEN = 44, /* without the terminating NUL */
	WS_KEY_HEX_LEN = 64,
};

void ws_key_to_base64(char out[WS_KEY_B64_LEN + 1], const uint8_t key[WS_KEY_LEN]);
/* Strict: exactly 44 characters, 43 base64 digits and '=', canonical last digit. 0 or -1. */
int ws_key_from_base64(uint8_t key[WS_KEY_LEN], const char *s);
void ws_key_to_hex(char out[WS_KEY_HEX_LEN + 1], const uint8_t key[WS_KEY_LEN]);
/* Strict: exactly 64 hex digits (either case). 0 or -1. */
int ws_key_from_hex(uint8_t key[WS_KEY_LEN], const char *s);

/* A new private key (clamped, as `wg genkey`) and a new preshared key (as `wg genpsk`). */
void ws_key_generate_private(uint8_t key[WS_KEY_LEN]);
void ws_key_generate_preshared(uint8_t key[WS_KEY_LEN]);

#endif
