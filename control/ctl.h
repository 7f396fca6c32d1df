/* SPDX-License-Identifier: BSD-3-Clause */
/* wirespeedctl subcommands: each takes (argc, argv) with argv[0] its own name. */
#ifndef WS_CTL_H
#define WS_CTL_H

struct ws_ctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int ws_ctl_genkey(int argc, char **argv);
int ws_ctl_genpsk(int argc, char **argv);
int ws_ctl_pubkey(int argc, char **argv);

/* JSON-RPC clients; sock overrides /run/wirespeed/<iface>.rpc (NULL: default). */
int ws_ctl_call(int argc, char **argv, const char *sock);
int ws_ctl_show(int argc, char **argv, const char *sock);
int ws_ctl_set(int argc, char **argv, const char *sock);

#endif
