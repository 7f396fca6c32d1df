/* SPDX-License-Identifier: BSD-3-Clause */
/* Key files for ws-testpeer and ws-gen. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "keyfile.h"
#include "keys.h"

int ws_tp_load_key_file(uint8_t key[WS_KEY_LEN], const char *prog, const char *opt,
			const char *path)
{
	char buf[128];
	struct stat st;
	ssize_t n;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s: %s\n", prog, opt, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || (st.st_mode & S_IRWXO)) {
		fprintf(stderr, "%s: %s: %s is world accessible, refusing it\n", prog, opt, path);
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s: %s\n", prog, opt, path, strerror(errno));
		goto out;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
			 buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	/* The content is a secret: say what is wrong, never quote it. */
	if (ws_key_from_base64(key, buf) != 0) {
		fprintf(stderr, "%s: %s: %s does not hold a base64 key\n", prog, opt, path);
		goto out;
	}
	ret = 0;
out:
	ws_memzero(buf, sizeof(buf));
	close(fd);
	return ret;
}
