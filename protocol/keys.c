/* SPDX-License-Identifier: BSD-3-Clause */
/* Key text encodings, strict in what they accept so a typo never becomes a different key. */
#include <sodium.h>
#include <string.h>

#include "crypto.h"
#include "keys.h"

void ws_key_to_base64(char out[WS_KEY_B64_LEN + 1], const uint8_t key[WS_KEY_LEN])
{
	sodium_bin2base64(out, WS_KEY_B64_LEN + 1, key, WS_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

/*
 * The value of one base64 digit, or -1, without branches or table lookups indexed by secret
 * characters. Each term is (c - base + 1) masked to the digit's range: ((lo - c) & (c - hi)) is
 * negative exactly when lo < c < hi, and >> 8 turns that into an all-ones mask.
 * (libsodium 1.0.18's decoder accepts bytes >= 0x80 as digits, hence our own.)
 */
static int b64_digit(unsigned int ch)
{
	int c = (int)(ch & 0xff), v = -1;

	v += (((0x40 - c) & (c - 0x5b)) >> 8) & (c - 64); /* A-Z: 0..25 */
	v += (((0x60 - c) & (c - 0x7b)) >> 8) & (c - 70); /* a-z: 26..51 */
	v += (((0x2f - c) & (c - 0x3a)) >> 8) & (c + 5);  /* 0-9: 52..61 */
	v += (((0x2a - c) & (c - 0x2c)) >> 8) & 63;       /* +: 62 */
	v += (((0x2e - c) & (c - 0x30)) >> 8) & 64;       /* /: 63 */
	return v;
}

int ws_key_from_base64(uint8_t key[WS_KEY_LEN], const char *s)
{
	uint8_t tmp[WS_KEY_LEN];
	const unsigned char *u = (const unsigned char *)s;
	int bad = 0, d[4];
	uint32_t v;

	if (!s || strlen(s) != WS_KEY_B64_LEN || s[WS_KEY_B64_LEN - 1] != '=')
		return -1;
	/* Ten groups of four digits make 30 bytes... */
	for (int g = 0; g < 10; g++) {
		for (int i = 0; i < 4; i++) {
			d[i] = b64_digit(u[g * 4 + i]);
			bad |= d[i];
		}
		v = (uint32_t)(d[0] & 63) << 18 | (uint32_t)(d[1] & 63) << 12 |
		    (uint32_t)(d[2] & 63) << 6 | (uint32_t)(d[3] & 63);
		tmp[g * 3] = (uint8_t)(v >> 16);
		tmp[g * 3 + 1] = (uint8_t)(v >> 8);
		tmp[g * 3 + 2] = (uint8_t)v;
	}
	/* ...and three digits plus '=' the last two, the third digit's two low bits unused. */
	for (int i = 0; i < 3; i++) {
		d[i] = b64_digit(u[40 + i]);
		bad |= d[i];
	}
	v = (uint32_t)(d[0] & 63) << 18 | (uint32_t)(d[1] & 63) << 12 | (uint32_t)(d[2] & 63) << 6;
	tmp[30] = (uint8_t)(v >> 16);
	tmp[31] = (uint8_t)(v >> 8);
	bad |= -(d[2] & 3); /* non-canonical: those bits must be zero */

	if (bad < 0) {
		ws_memzero(tmp, sizeof(tmp));
		return -1;
	}
	memcpy(key, tmp, WS_KEY_LEN);
	ws_memzero(tmp, sizeof(tmp));
	return 0;
}

void ws_key_to_hex(char out[WS_KEY_HEX_LEN + 1], const uint8_t key[WS_KEY_LEN])
{
	sodium_bin2hex(out, WS_KEY_HEX_LEN + 1, key, WS_KEY_LEN);
}

int ws_key_from_hex(uint8_t key[WS_KEY_LEN], const char *s)
{
	uint8_t tmp[WS_KEY_LEN];
	size_t n = 0;
	const char *end = NULL;

	if (!s || strlen(s) != WS_KEY_HEX_LEN)
		return -1;
	if (sodium_hex2bin(tmp, sizeof(tmp), s, WS_KEY_HEX_LEN, NULL, &n, &end) != 0 ||
	    n != WS_KEY_LEN || end != s + WS_KEY_HEX_LEN) {
		sodium_memzero(tmp, sizeof(tmp));
		return -1;
	}
	memcpy(key, tmp, WS_KEY_LEN);
	sodium_memzero(tmp, sizeof(tmp));
	return 0;
}

void ws_key_generate_private(uint8_t key[WS_KEY_LEN])
{
	ws_x25519_generate(key);
}

void ws_key_generate_preshared(uint8_t key[WS_KEY_LEN])
{
	ws_random_bytes(key, WS_KEY_LEN);
}
