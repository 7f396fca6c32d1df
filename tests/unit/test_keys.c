/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of protocol/keys.h: base64 and hex key encodings (round trips, known encodings and
 * strict rejection of anything `wg` would not print) and key generation (clamping).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keys.h"
#include "ws_test.h"

static void unhex(uint8_t *buf, size_t n, const char *hex)
{
	CHECK(strlen(hex) == 2 * n);
	CHECK(ws_test_unhex(buf, n, hex) == n);
}

/* Decodes from an exact-size heap copy of s, so that reading past the NUL is caught by ASan. */
static int b64_decode_exact(uint8_t key[WS_KEY_LEN], const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);
	memcpy(copy, s, n);
	int rc = ws_key_from_base64(key, copy);
	free(copy);
	return rc;
}

static int hex_decode_exact(uint8_t key[WS_KEY_LEN], const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);
	memcpy(copy, s, n);
	int rc = ws_key_from_hex(key, copy);
	free(copy);
	return rc;
}

static void test_base64_known(void)
{
	/*
	 * RFC 7748 section 6.1 keys (Alice's private and public key) in standard RFC 4648 base64 as
	 * `wg` prints keys; encodings computed with Python's base64 module. The public key's encoding
	 * contains '/' and the last digits exercise the 4-bit tail.
	 */
	static const struct {
		const char *hex, *b64;
	} v[] = {
		{ "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
		  "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=" },
		{ "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
		  "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=" },
		{ "0000000000000000000000000000000000000000000000000000000000000000",
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
		{ "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		  "//////////////////////////////////////////8=" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t key[32], back[32];
		char out[WS_KEY_B64_LEN + 1];

		unhex(key, 32, v[i].hex);
		memset(out, 'x', sizeof(out));
		ws_key_to_base64(out, key);
		CHECK(out[WS_KEY_B64_LEN] == '\0');
		CHECK(strcmp(out, v[i].b64) == 0);
		memset(back, 0x55, sizeof(back));
		CHECK(b64_decode_exact(back, v[i].b64) == 0);
		CHECK_MEM(back, key, 32);
	}
}

static void test_base64_round_trip(void)
{
	for (int i = 0; i < 2000; i++) {
		uint8_t key[32], back[32];
		char out[WS_KEY_B64_LEN + 1];

		ws_random_bytes(key, sizeof(key));
		ws_key_to_base64(out, key);
		CHECK(strlen(out) == WS_KEY_B64_LEN);
		CHECK(out[43] == '=');
		CHECK(b64_decode_exact(back, out) == 0);
		CHECK_MEM(back, key, 32);
	}
}

static void test_base64_strict_rejection(void)
{
	static const char *bad[] = {
		"",
		"=",
		/* 43 characters: missing the '=' */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo",
		/* 45 characters */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo==",
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=A",
		/* trailing or leading whitespace */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n",
		" dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
		/* 44 characters but the '=' in the wrong place, or two of them */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC=o",
		"=dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo",
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC==",
		/* no '=' at all in 44 characters */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCoA",
		/* characters outside the alphabet, including the URL-safe alphabet */
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC*=",
		"dwdt-nMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
		"dwdt_nMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
		"dwdt nMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
		"dwdt\x80nMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
		"dwdt.nMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
		/*
		 * Non-canonical last digit: the 43rd digit carries 4 key bits and 2 bits that must be
		 * zero. 'A' + 1 = 'B' and '8' + 1..3 = '9', '+', '/' decode to the same key as 'A'/'8'.
		 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAC=",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD=",
		"//////////////////////////////////////////9=",
		"//////////////////////////////////////////+=",
		"///////////////////////////////////////////=",
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp=",
		"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCr=",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t key[32];
		int rc = b64_decode_exact(key, bad[i]);
		if (rc != -1)
			fprintf(stderr, "accepted bad base64 #%zu: \"%s\"\n", i, bad[i]);
		CHECK(rc == -1);
	}
	/* A NUL inside the 44 characters makes it a short string. */
	char s[45];
	memcpy(s, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=", 45);
	s[20] = '\0';
	uint8_t key[32];
	CHECK(ws_key_from_base64(key, s) == -1);
}

static void test_base64_every_digit_position(void)
{
	/* Replacing any one of the 43 digits with a character outside the alphabet is rejected; with
	 * another alphabet character (not in the last position) it decodes to a different key. */
	uint8_t key[32], back[32];
	char good[WS_KEY_B64_LEN + 1], s[WS_KEY_B64_LEN + 1];

	ws_random_bytes(key, sizeof(key));
	ws_key_to_base64(good, key);
	for (int i = 0; i < 43; i++) {
		memcpy(s, good, sizeof(s));
		s[i] = '!';
		CHECK(b64_decode_exact(back, s) == -1);
		if (i == 42)
			continue;
		memcpy(s, good, sizeof(s));
		s[i] = s[i] == 'Q' ? 'R' : 'Q';
		CHECK(b64_decode_exact(back, s) == 0);
		CHECK(memcmp(back, key, 32) != 0);
	}
	/* Every byte value outside the base64 alphabet, in a middle position: rejected. This covers
	 * bytes >= 0x80, which a decoder working on signed chars or partial tables may accept. */
	int rejected = 0, outside = 0;
	for (int c = 1; c < 256; c++) {
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/')
			continue;
		outside++;
		memcpy(s, good, sizeof(s));
		s[4] = (char)c;
		if (b64_decode_exact(back, s) == -1)
			rejected++;
		else if (c == 0x80 || c == 0xff)
			fprintf(stderr, "base64 byte 0x%02x accepted as a digit\n", c);
	}
	CHECK(rejected == outside);
}

static void test_base64_last_digit_and_padding(void)
{
	/* The 43rd digit carries the last 4 key bits: of the 64 digits exactly the 16 whose two low
	 * bits are zero are canonical. And the 44th character must be '=' and nothing else. */
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t key[32], back[32];
	char good[WS_KEY_B64_LEN + 1], s[WS_KEY_B64_LEN + 1];
	int accepted = 0, wrong = 0;

	ws_random_bytes(key, sizeof(key));
	ws_key_to_base64(good, key);
	for (int v = 0; v < 64; v++) {
		memcpy(s, good, sizeof(s));
		s[42] = alphabet[v];
		int rc = b64_decode_exact(back, s);
		if (rc == 0) {
			accepted++;
			/* The digit's top four bits are the low nibble of the last byte. */
			if ((back[31] & 0x0f) != (v >> 2) || (back[31] & 0xf0) != (key[31] & 0xf0) ||
			    memcmp(back, key, 31) != 0)
				wrong++;
		}
		if ((rc == 0) != ((v & 3) == 0))
			wrong++;
	}
	CHECK(accepted == 16);
	CHECK(wrong == 0);
	for (int c = 1; c < 256; c++) {
		if (c == '=')
			continue;
		memcpy(s, good, sizeof(s));
		s[43] = (char)c;
		if (b64_decode_exact(back, s) != -1)
			wrong++;
	}
	CHECK(wrong == 0);
}

static void test_hex_known_and_round_trip(void)
{
	static const char hex[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	static const char upper[] =
		"77076D0A7318A57D3C16C17251B26645DF4C2F87EBC0992AB177FBA51DB92C2A";
	static const char mixed[] =
		"77076d0A7318a57D3c16C17251b26645Df4C2f87eBc0992aB177fBa51dB92c2A";
	uint8_t key[32], back[32];
	char out[WS_KEY_HEX_LEN + 1];

	unhex(key, 32, hex);
	memset(out, 'x', sizeof(out));
	ws_key_to_hex(out, key);
	CHECK(out[WS_KEY_HEX_LEN] == '\0');
	CHECK(strcmp(out, hex) == 0);
	CHECK(hex_decode_exact(back, hex) == 0);
	CHECK_MEM(back, key, 32);
	memset(back, 0, sizeof(back));
	CHECK(hex_decode_exact(back, upper) == 0);
	CHECK_MEM(back, key, 32);
	memset(back, 0, sizeof(back));
	CHECK(hex_decode_exact(back, mixed) == 0);
	CHECK_MEM(back, key, 32);

	for (int i = 0; i < 2000; i++) {
		ws_random_bytes(key, sizeof(key));
		ws_key_to_hex(out, key);
		CHECK(strlen(out) == WS_KEY_HEX_LEN);
		int lower = 1;
		for (int j = 0; j < WS_KEY_HEX_LEN; j++)
			if (!((out[j] >= '0' && out[j] <= '9') || (out[j] >= 'a' && out[j] <= 'f')))
				lower = 0;
		CHECK(lower);
		CHECK(hex_decode_exact(back, out) == 0);
		CHECK_MEM(back, key, 32);
	}
}

static void test_hex_strict_rejection(void)
{
	static const char *bad[] = {
		"",
		"0",
		/* 63 digits (odd) */
		"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2",
		/* 65 digits (odd) */
		"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a0",
		/* 62 and 66 digits (even but wrong length) */
		"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c",
		"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a00",
		/* non-hex characters */
		"g7076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
		"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2G",
		"77076d0a7318a57d3c16c1725 b26645df4c2f87ebc0992ab177fba51db92c2a",
		"0x076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
		"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a\n",
		"-7076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
		"+7076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t key[32];
		int rc = hex_decode_exact(key, bad[i]);
		if (rc != -1)
			fprintf(stderr, "accepted bad hex #%zu: \"%s\"\n", i, bad[i]);
		CHECK(rc == -1);
	}
	/* Every position, every non-hex printable character. */
	char s[WS_KEY_HEX_LEN + 1];
	int all_rejected = 1;
	for (int pos = 0; pos < WS_KEY_HEX_LEN; pos++) {
		for (int c = 1; c < 256; c++) {
			if (isxdigit(c))
				continue;
			memset(s, 'a', WS_KEY_HEX_LEN);
			s[WS_KEY_HEX_LEN] = '\0';
			s[pos] = (char)c;
			uint8_t key[32];
			if (ws_key_from_hex(key, s) != -1)
				all_rejected = 0;
		}
	}
	CHECK(all_rejected);
}

static void test_generate_private_clamped(void)
{
	uint8_t prev[32] = { 0 };

	for (int i = 0; i < 256; i++) {
		uint8_t k[32];
		ws_key_generate_private(k);
		CHECK((k[0] & 7) == 0);
		CHECK((k[31] & 0x80) == 0);
		CHECK((k[31] & 0x40) == 0x40);
		CHECK(memcmp(k, prev, 32) != 0);
		memcpy(prev, k, 32);
		/* A generated key is usable: its public key is not all zero and it survives base64. */
		uint8_t pub[32], back[32];
		char b64[WS_KEY_B64_LEN + 1];
		ws_x25519_public(pub, k);
		CHECK(!ws_is_zero_ct(pub, 32));
		ws_key_to_base64(b64, k);
		CHECK(ws_key_from_base64(back, b64) == 0);
		CHECK_MEM(back, k, 32);
	}
}

static void test_generate_preshared(void)
{
	uint8_t a[32], b[32];
	int unclamped_seen = 0;

	for (int i = 0; i < 64; i++) {
		ws_key_generate_preshared(a);
		ws_key_generate_preshared(b);
		CHECK(memcmp(a, b, 32) != 0);
		CHECK(!ws_is_zero_ct(a, 32));
		/* A PSK is 32 uniform bytes, not clamped: over 64 draws some low bits are set. */
		if ((a[0] & 7) || (a[31] & 0x80) || !(a[31] & 0x40))
			unclamped_seen = 1;
	}
	CHECK(unclamped_seen);
}

static const struct ws_test_case cases[] = {
	WS_TEST(test_base64_known),
	WS_TEST(test_base64_round_trip),
	WS_TEST(test_base64_strict_rejection),
	WS_TEST(test_base64_every_digit_position),
	WS_TEST(test_base64_last_digit_and_padding),
	WS_TEST(test_hex_known_and_round_trip),
	WS_TEST(test_hex_strict_rejection),
	WS_TEST(test_generate_private_clamped),
	WS_TEST(test_generate_preshared),
};

int main(void)
{
	if (ws_crypto_init() != 0)
		return 1;
	return ws_test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
