/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirespeedctl: the operator's command-line client. A table of subcommands, one function each,
 * as `wg` is built. Today it holds the key tools (genkey, genpsk, pubkey), which behave like their
 * `wg` namesakes so scripts can use either.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const struct ws_ctl_cmd commands[] = {
	{ "genkey", ws_ctl_genkey, "generate a new private key and write it to stdout" },
	{ "genpsk", ws_ctl_genpsk, "generate a new preshared key and write it to stdout" },
	{ "pubkey", ws_ctl_pubkey, "read a private key from stdin and write its public key" },
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s <cmd> [<args>]\n\nAvailable subcommands:\n", prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "wirespeedctl";

	if (argc < 2) {
		usage(stderr, prog);
		return 1;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout, prog);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "Invalid subcommand: `%s'\n", argv[1]);
	usage(stderr, prog);
	return 1;
}
