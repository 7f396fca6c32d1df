/* SPDX-License-Identifier: BSD-3-Clause */
/* rtnetlink requests for the tunnel TAP: RTM_NEWADDR / RTM_DELADDR / RTM_NEWLINK, each acked. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink.h"

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct ifaddrmsg ifa;
		struct ifinfomsg ifi;
	};
	uint8_t attrs[64];
};

static void add_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((uint8_t *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Sends one request and waits for its ack: 0 or the kernel's -errno. */
static int nl_talk(int fd, struct nl_req *r, uint32_t seq)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	union {
		struct nlmsghdr nh;
		uint8_t raw[4096];
	} buf;

	r->nh.nlmsg_seq = seq;
	r->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, &buf, sizeof(buf), 0);

		if (n < 0)
			return errno == EINTR ? -EINTR : -errno;
		for (struct nlmsghdr *h = &buf.nh; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error;
			}
		}
	}
}

static int addr_req(int fd, int ifindex, const struct ws_prefix *p, bool add, uint32_t seq)
{
	struct nl_req r;
	const size_t alen = p->family == AF_INET ? 4 : 16;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifa));
	r.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	r.nh.nlmsg_flags = add ? NLM_F_CREATE | NLM_F_REPLACE : 0;
	r.ifa.ifa_family = p->family;
	r.ifa.ifa_prefixlen = p->cidr;
	r.ifa.ifa_index = (unsigned int)ifindex;
	add_attr(&r, IFA_LOCAL, p->addr, alen);
	add_attr(&r, IFA_ADDRESS, p->addr, alen);
	if (add && p->family == AF_INET6) {
		uint32_t flags = IFA_F_NODAD;

		r.ifa.ifa_flags = IFA_F_NODAD;
		add_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	}
	return nl_talk(fd, &r, seq);
}

static int link_up(int fd, int ifindex, uint32_t seq)
{
	struct nl_req r;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_NEWLINK;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	r.ifi.ifi_flags = IFF_UP;
	r.ifi.ifi_change = IFF_UP;
	return nl_talk(fd, &r, seq);
}

static bool listed(const struct ws_prefix *p, const struct ws_prefix *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].family == p->family && list[i].cidr == p->cidr &&
		    !memcmp(list[i].addr, p->addr, p->family == AF_INET ? 4 : 16))
			return true;
	return false;
}

int ws_nl_apply_addresses(const char *ifname, const struct ws_prefix *addrs, size_t n,
			  const struct ws_prefix *old, size_t n_old, char *err, size_t errlen)
{
	struct sockaddr_nl local = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 2};
	char text[64];
	uint32_t seq = 1;
	int ifindex = (int)if_nametoindex(ifname), fd, rc = 0;

	if (!ifindex)
		return -ENODEV;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "rtnetlink socket: %s", strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	/* an address that left the list goes; one that is gone already is no error */
	for (size_t i = 0; i < n_old; i++) {
		if (listed(&old[i], addrs, n))
			continue;
		rc = addr_req(fd, ifindex, &old[i], false, seq++);
		if (rc == -EADDRNOTAVAIL || rc == -ENOENT)
			rc = 0;
		if (rc) {
			ws_prefix_format(&old[i], text, sizeof(text));
			snprintf(err, errlen, "%s: removing %s: %s", ifname, text, strerror(-rc));
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		rc = addr_req(fd, ifindex, &addrs[i], true, seq++);
		if (rc) {
			ws_prefix_format(&addrs[i], text, sizeof(text));
			snprintf(err, errlen, "%s: adding %s: %s", ifname, text, strerror(-rc));
			goto out;
		}
	}
	if (n && (rc = link_up(fd, ifindex, seq++)) != 0)
		snprintf(err, errlen, "%s: setting it up: %s", ifname, strerror(-rc));
out:
	close(fd);
	return rc == -ENODEV ? -ENXIO : rc; /* -ENODEV means "not there yet" to the caller */
}
