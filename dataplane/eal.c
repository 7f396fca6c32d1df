/* SPDX-License-Identifier: BSD-3-Clause */
/* Pre-EAL checks (see eal.h). */
#include "eal.h"

#include <dirent.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Value of key=... in a vdev spec, or NULL. */
static const char *devarg(const char *spec, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *p = strchr(spec, ','); p; p = strchr(p + 1, ',')) {
		if (!strncmp(p + 1, key, kl) && p[1 + kl] == '=') {
			size_t n = strcspn(p + 2 + kl, ",");

			if (n >= cap)
				n = cap - 1;
			memcpy(out, p + 2 + kl, n);
			out[n] = '\0';
			return out;
		}
	}
	return NULL;
}

int ws_dp_preflight_ports(const struct ws_dp_config *cfg, char *err, size_t errlen)
{
	char buf[256];
	struct stat st;

	for (unsigned int i = 0; i < cfg->n_ports; i++) {
		const struct ws_dp_port_cfg *p = &cfg->ports[i];

		if (p->is_pci) {
			snprintf(buf, sizeof(buf), "/sys/bus/pci/devices/%s%s",
				 strlen(p->device) < 12 ? "0000:" : "", p->device);
			if (stat(buf, &st) != 0) {
				snprintf(err, errlen, "%s:%u: port %s: PCI device %s does not exist",
					 cfg->path, p->line, p->name, p->device);
				return -1;
			}
		} else if (!strncmp(p->device, "net_af_packet", 13) ||
			   !strncmp(p->device, "net_af_xdp", 10)) {
			if (devarg(p->device, "iface", buf, sizeof(buf)) && !if_nametoindex(buf)) {
				snprintf(err, errlen,
					 "%s:%u: port %s: network interface '%s' (of %s) does not "
					 "exist",
					 cfg->path, p->line, p->name, buf, p->device);
				return -1;
			}
		}
	}
	return 0;
}

unsigned long ws_dp_eal_mem_mb(const struct ws_dp_eal_args *args)
{
	unsigned long mb = 0;

	for (int i = 1; i < args->argc; i++) {
		const char *a = args->argv[i], *v = NULL;

		if (!strcmp(a, "-m") || !strcmp(a, "--socket-mem"))
			v = i + 1 < args->argc ? args->argv[i + 1] : NULL;
		else if (!strncmp(a, "--socket-mem=", 13))
			v = a + 13;
		else if (!strncmp(a, "-m", 2))
			v = a + 2;
		if (!v)
			continue;
		mb = 0;
		for (char *end; *v; v = *end ? end + 1 : end)
			mb += strtoul(v, &end, 10);
	}
	return mb;
}

int ws_dp_preflight_hugepages(const struct ws_dp_eal_args *args, char *err, size_t errlen)
{
	const char *dir = "/sys/kernel/mm/hugepages";
	unsigned long need, free_kb = 0, free_2m = 0;
	struct dirent *de;
	DIR *d;

	if (ws_dp_eal_args_no_huge(args))
		return 0;
	need = ws_dp_eal_mem_mb(args);
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			unsigned long kb, n = 0;
			char path[512];
			FILE *f;

			if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
				continue;
			snprintf(path, sizeof(path), "%s/%s/free_hugepages", dir, de->d_name);
			f = fopen(path, "r");
			if (f) {
				if (fscanf(f, "%lu", &n) != 1)
					n = 0;
				fclose(f);
			}
			free_kb += n * kb;
			if (kb == 2048)
				free_2m = n;
		}
		closedir(d);
	}
	if (free_kb == 0 || free_kb / 1024 < need) {
		snprintf(err, errlen,
			 "too few hugepages: the EAL needs %lu MB, %lu MB are free (%lu x 2 MB "
			 "free); reserve more (e.g. dpdk-hugepages.py --setup %luM) or set "
			 "dataplane.eal.noHuge: true",
			 need, free_kb / 1024, free_2m, need ? need : 256);
		return -1;
	}
	return 0;
}
