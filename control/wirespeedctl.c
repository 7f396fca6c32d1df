/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirespeedctl: the operator's command-line client. A table of subcommands, one function each,
 * as `wg` is built. The key tools (genkey, genpsk, pubkey) behave like their `wg` namesakes;
 * show, set and call speak JSON-RPC to a running wirespeed-control.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const char *sock_opt;

static int c_call(int argc, char **argv) { return ws_ctl_call(argc, argv, sock_opt); }
static int c_show(int argc, char **argv) { return ws_ctl_show(argc, argv, sock_opt); }
static int c_set(int argc, char **argv) { return ws_ctl_set(argc, argv, sock_opt); }

static const struct ws_ctl_cmd commands[] = {
	{ "show", c_show, "show an interface and its peers, like `wg show`" },
	{ "set", c_set, "change an interface or its peers, with `wg set` syntax" },
	{ "call", c_call, "call any JSON-RPC method: call <iface> <method> [<params json>]" },
	{ "genkey", ws_ctl_genkey, "generate a new private key and write it to stdout" },
	{ "genpsk", ws_ctl_genpsk, "generate a new preshared key and write it to stdout" },
	{ "pubkey", ws_ctl_pubkey, "read a private key from stdin and write its public key" },
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [-s <rpc socket>] <cmd> [<args>]\n\nAvailable subcommands:\n",
		prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "wirespeedctl";

	if (argc >= 3 && !strcmp(argv[1], "-s")) {
		sock_opt = argv[2];
		argc -= 2;
		argv += 2;
	}
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
