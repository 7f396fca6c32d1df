/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ws-blast: plaintext load for the encrypt direction of the on-machine benchmark
 * (bench/e2e/gen.sh). Sends UDP datagrams through the kernel, cycling over N consecutive
 * destination addresses (one per simulated peer, so every packet needs the tunnel's allowed-ips
 * lookup and its own peer's keys), at a fixed rate for a bounded time. It runs inside the
 * appliance's namespace, where those addresses route into the tunnel TAP (wirespeed) or TUN
 * (wireguard-go): the same kernel path for both, so its cost does not favour either.
 *
 * It is a plain socket program on purpose: the dataplane owns the TAP's file descriptor, and
 * what the kernel hands the TAP is what a host behind the appliance would send.
 *
 *   ws-blast --dst A.B.C.D [--count N] [--dport P] [--size BYTES] [--rate PPS] --duration S
 *
 * Prints one JSON object: datagrams the kernel accepted, refused (ENOBUFS/EAGAIN), seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	BATCH = 32,
	MIN_SIZE = 28,	 /* IPv4 + UDP headers */
	MAX_SIZE = 1420, /* WireGuard's default tunnel MTU */
	MAX_COUNT = 1 << 20,
	MAX_SECONDS = 3600,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A number in [min, max] (an integer if whole), or -1 after saying which option was wrong. */
static int parse_num(const char *opt, const char *s, double min, double max, bool whole,
		     double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v != v || v < min || v > max ||
	    (whole && v != (double)(long long)v)) {
		fprintf(stderr, "ws-blast: --%s: \"%s\" is not %s in %.15g..%.15g\n", opt, s,
			whole ? "an integer" : "a number", min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ws-blast --dst A.B.C.D [--count N] [--dport PORT] [--size BYTES] "
		"[--rate PPS] --duration S\n"
		"  --dst      first destination address; --count N cycles over dst .. dst+N-1 "
		"(default 1)\n"
		"  --dport    UDP destination port (default 9, discard)\n"
		"  --size     IPv4 packet size, %d..%d (default 64)\n"
		"  --rate     datagrams per second (default 0: as fast as the kernel takes them)\n"
		"  --duration seconds to send, at most %d\n",
		MIN_SIZE, MAX_SIZE, MAX_SECONDS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"dst", required_argument, NULL, 'd'},	 {"count", required_argument, NULL, 'n'},
		{"dport", required_argument, NULL, 'p'}, {"size", required_argument, NULL, 's'},
		{"rate", required_argument, NULL, 'r'},	 {"duration", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},	 {NULL, 0, NULL, 0},
	};
	struct in_addr dst = {0};
	double count = 1, dport = 9, size = 64, rate = 0, duration = -1, v;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (inet_pton(AF_INET, optarg, &dst) != 1) {
				fprintf(stderr, "ws-blast: --dst: \"%s\" is not an IPv4 address\n",
					optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_num("count", optarg, 1, MAX_COUNT, true, &count))
				return 2;
			break;
		case 'p':
			if (parse_num("dport", optarg, 1, 65535, true, &dport))
				return 2;
			break;
		case 's':
			if (parse_num("size", optarg, MIN_SIZE, MAX_SIZE, true, &size))
				return 2;
			break;
		case 'r':
			if (parse_num("rate", optarg, 0, 1e9, false, &rate))
				return 2;
			break;
		case 't':
			if (parse_num("duration", optarg, 0, MAX_SECONDS, false, &v))
				return 2;
			duration = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !dst.s_addr || duration < 0) {
		fprintf(stderr, "ws-blast: --dst and --duration are required, nothing else\n");
		usage(stderr);
		return 2;
	}

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("ws-blast: socket");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* The datagrams never change: every destination gets the same zero-filled payload. */
	static uint8_t payload[MAX_SIZE];
	const uint32_t first = ntohl(dst.s_addr), n = (uint32_t)count;
	struct sockaddr_in *to = calloc(n, sizeof(*to));
	struct mmsghdr msgs[BATCH];
	struct iovec iov = {.iov_base = payload, .iov_len = (size_t)size - MIN_SIZE};
	uint64_t sent = 0, refused = 0;
	uint32_t next = 0;
	int ret = 0;

	if (!to) {
		fprintf(stderr, "ws-blast: out of memory for %u destinations\n", n);
		close(fd);
		return 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		to[i].sin_family = AF_INET;
		to[i].sin_port = htons((uint16_t)dport);
		to[i].sin_addr.s_addr = htonl(first + i);
	}

	const double t0 = now_s(), end = t0 + duration;
	double t = t0;

	while (!stop && t < end) {
		/* pacing: what the rate allows by now, at most a batch; a stall is not made up
		 * with a burst longer than one batch */
		unsigned int want = BATCH;

		if (rate > 0) {
			double due = (t - t0) * rate - (double)(sent + refused);

			if (due < 1) {
				double wait = (1 - due) / rate;
				struct timespec ts = {
					.tv_sec = 0,
					.tv_nsec = (long)(wait < 1e-3 ? wait * 1e9 : 1e6)};

				nanosleep(&ts, NULL);
				t = now_s();
				continue;
			}
			if (due < BATCH)
				want = (unsigned int)due;
		}
		for (unsigned int i = 0; i < want; i++) {
			msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &to[next],
							       .msg_namelen = sizeof(to[0]),
							       .msg_iov = &iov,
							       .msg_iovlen = 1}};
			next = next + 1 == n ? 0 : next + 1;
		}
		int k = sendmmsg(fd, msgs, want, 0);

		if (k < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
				/* a full queue or an ICMP error from an earlier datagram: that
				 * message was not sent; carry on with the next */
				refused++;
			} else if (errno != EINTR) {
				perror("ws-blast: sendmmsg");
				ret = 1;
				break;
			}
		} else {
			/* a short count leaves the rest due: the next round sends them */
			sent += (uint64_t)k;
		}
		t = now_s();
	}
	const double secs = now_s() - t0;

	printf("{\"sent\": %llu, \"refused\": %llu, \"seconds\": %.6f, \"pps\": %.1f, "
	       "\"size\": %u, \"destinations\": %u, \"rate\": %.0f}\n",
	       (unsigned long long)sent, (unsigned long long)refused, secs,
	       secs > 0 ? (double)sent / secs : 0.0, (unsigned int)size, n, rate);
	free(to);
	close(fd);
	return ret;
}
