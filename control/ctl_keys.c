/* SPDX-License-Identifier: BSD-3-Clause */
/* genkey / genpsk / pubkey: the same contract as `wg genkey`, `wg genpsk` and `wg pubkey`. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "ctl.h"
#include "keys.h"

static int init(void)
{
	if (ws_crypto_init() != 0) {
		fputs("wirespeedctl: cannot initialise the crypto library\n", stderr);
		return -1;
	}
	return 0;
}

static int print_key(const uint8_t key[WS_KEY_LEN])
{
	char b64[WS_KEY_B64_LEN + 1];

	ws_key_to_base64(b64, key);
	puts(b64);
	ws_memzero(b64, sizeof(b64));
	return fflush(stdout) == 0 ? 0 : 1;
}

static int generate(int argc, char **argv, void (*gen)(uint8_t *))
{
	uint8_t key[WS_KEY_LEN];
	struct stat st;
	int ret;

	if (argc != 1) {
		fprintf(stderr, "Usage: wirespeedctl %s\n", argv[0]);
		return 1;
	}
	if (init() != 0)
		return 1;
	/* As `wg` does: a key written to a regular file others can read is worth a warning. */
	if (fstat(fileno(stdout), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0077))
		fputs("Warning: writing private key to world accessible file.\n", stderr);
	gen(key);
	ret = print_key(key);
	ws_memzero(key, sizeof(key));
	return ret;
}

int ws_ctl_genkey(int argc, char **argv)
{
	return generate(argc, argv, ws_key_generate_private);
}

int ws_ctl_genpsk(int argc, char **argv)
{
	return generate(argc, argv, ws_key_generate_preshared);
}

int ws_ctl_pubkey(int argc, char **argv)
{
	char line[WS_KEY_B64_LEN + 2];
	uint8_t priv[WS_KEY_LEN], pub[WS_KEY_LEN];
	size_t n;
	int c, ret = 1;

	if (argc != 1) {
		fprintf(stderr, "Usage: wirespeedctl %s\n", argv[0]);
		return 1;
	}
	if (init() != 0)
		return 1;
	/* Exactly one key, optionally followed by whitespace. */
	n = fread(line, 1, WS_KEY_B64_LEN, stdin);
	line[n] = '\0';
	while ((c = getchar()) != EOF) {
		if (!isspace(c)) {
			n = 0;
			break;
		}
	}
	if (n != WS_KEY_B64_LEN || ws_key_from_base64(priv, line) != 0) {
		fputs("wirespeedctl: Key is not the correct length or format\n", stderr);
		goto out;
	}
	ws_x25519_public(pub, priv);
	ret = print_key(pub);
out:
	ws_memzero(line, sizeof(line));
	ws_memzero(priv, sizeof(priv));
	return ret;
}
