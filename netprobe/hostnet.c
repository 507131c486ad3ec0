/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "hostnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Bounds on the kernel's answers: a dump is read at most this many times. */
#define MAX_READS 256

static void name_of(unsigned idx, char *buf)
{
	if (!if_indextoname(idx, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", idx);
}

static void take_addr(struct np_hostnet *h, const struct nlmsghdr *nh)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifa));
	const struct rtattr *rta = IFA_RTA(ifa);
	const void *local = NULL, *address = NULL;
	uint32_t flags = ifa->ifa_flags;
	struct np_host_addr *a;
	size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;

	if ((ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) || h->n_addrs == NP_HOSTNET_MAX_ADDRS)
		return;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_LOCAL && RTA_PAYLOAD(rta) >= alen)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS && RTA_PAYLOAD(rta) >= alen)
			address = RTA_DATA(rta);
		else if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) >= 4)
			memcpy(&flags, RTA_DATA(rta), 4);
	}
	/* IFA_LOCAL is this end of a point-to-point link; else IFA_ADDRESS. */
	if (!local)
		local = address;
	if (!local)
		return;
	a = &h->addrs[h->n_addrs++];
	memset(a, 0, sizeof(*a));
	a->family = ifa->ifa_family;
	inet_ntop(a->family, local, a->addr, sizeof(a->addr));
	a->prefixlen = ifa->ifa_prefixlen;
	a->global = ifa->ifa_scope == RT_SCOPE_UNIVERSE && !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
	name_of(ifa->ifa_index, a->ifname);
}

static void take_route(struct np_hostnet *h, const struct nlmsghdr *nh)
{
	const struct rtmsg *rt = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*rt));
	const struct rtattr *rta = RTM_RTA(rt);
	uint32_t table = rt->rtm_table, oif = 0;
	const void *gw = NULL;
	struct np_host_route *r;
	size_t alen = rt->rtm_family == AF_INET ? 4 : 16;

	if ((rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6) || rt->rtm_dst_len != 0 ||
	    rt->rtm_type != RTN_UNICAST || h->n_routes == NP_HOSTNET_MAX_ROUTES)
		return;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_TABLE && RTA_PAYLOAD(rta) >= 4)
			memcpy(&table, RTA_DATA(rta), 4);
		else if (rta->rta_type == RTA_GATEWAY && RTA_PAYLOAD(rta) >= alen)
			gw = RTA_DATA(rta);
		else if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) >= 4)
			memcpy(&oif, RTA_DATA(rta), 4);
	}
	if (table != RT_TABLE_MAIN)
		return;
	r = &h->routes[h->n_routes++];
	memset(r, 0, sizeof(*r));
	r->family = rt->rtm_family;
	if (gw)
		inet_ntop(r->family, gw, r->gateway, sizeof(r->gateway));
	if (oif)
		name_of(oif, r->ifname);
}

int np_hostnet_parse(struct np_hostnet *h, const void *buf, size_t len)
{
	const struct nlmsghdr *nh = buf;
	int n = (int)(len > INT32_MAX ? INT32_MAX : len);

	for (; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
		switch (nh->nlmsg_type) {
		case NLMSG_DONE:
			return 1;
		case NLMSG_ERROR:
			return NP_EINVAL;
		case RTM_NEWADDR:
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
				return NP_EINVAL;
			take_addr(h, nh);
			break;
		case RTM_NEWROUTE:
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
				return NP_EINVAL;
			take_route(h, nh);
			break;
		default:
			break;
		}
	}
	return 0;
}

static int dump(int fd, int type, struct np_hostnet *h, char *errbuf)
{
	struct {
		struct nlmsghdr nh;
		struct rtgenmsg g;
	} req;
	static char buf[32768];
	int r = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = (uint16_t)type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = (uint32_t)type;
	req.g.rtgen_family = AF_UNSPEC;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "netlink: %s", strerror(errno));
		return NP_ESYS;
	}
	for (int i = 0; i < MAX_READS && r == 0; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "netlink: %s", errno == EAGAIN ? "no answer" : strerror(errno));
			return NP_ESYS;
		}
		r = np_hostnet_parse(h, buf, (size_t)n);
	}
	if (r != 1) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "netlink: %s", r < 0 ? "an error or malformed answer" : "endless dump");
		return NP_ESYS;
	}
	return 0;
}

int np_hostnet_read(struct np_hostnet *h, char *errbuf)
{
	struct timeval tv = {2, 0};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int r;

	memset(h, 0, sizeof(*h));
	if (fd < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "netlink: %s", strerror(errno));
		return NP_ESYS;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = dump(fd, RTM_GETADDR, h, errbuf);
	if (r == 0)
		r = dump(fd, RTM_GETROUTE, h, errbuf);
	close(fd);
	return r;
}

size_t np_hostnet_global(const struct np_hostnet *h, int family)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_addrs; i++)
		n += h->addrs[i].family == family && h->addrs[i].global;
	return n;
}

size_t np_hostnet_defaults(const struct np_hostnet *h, int family)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_routes; i++)
		n += h->routes[i].family == family;
	return n;
}
