/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_HOSTNET_H
#define NETPROBE_HOSTNET_H

/*
 * This host's addresses and default routes, as the kernel has them
 * (rtnetlink dumps): what address-family readiness is judged on. Scope is
 * the kernel's (RT_SCOPE_UNIVERSE is "global"), not the address range: a
 * unique-local or documentation address configured globally counts.
 */

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NP_HOSTNET_MAX_ADDRS 64
#define NP_HOSTNET_MAX_ROUTES 16

struct np_host_addr {
	int family;                 /* AF_INET, AF_INET6 */
	char addr[INET6_ADDRSTRLEN];
	unsigned prefixlen;
	int global;                 /* kernel scope universe, not tentative/dadfailed */
	char ifname[IF_NAMESIZE];
};

struct np_host_route {
	int family;
	char gateway[INET6_ADDRSTRLEN];  /* "" for a device route */
	char ifname[IF_NAMESIZE];
};

struct np_hostnet {
	struct np_host_addr addrs[NP_HOSTNET_MAX_ADDRS];
	size_t n_addrs;
	struct np_host_route routes[NP_HOSTNET_MAX_ROUTES];   /* default routes, main table */
	size_t n_routes;
};

/* Read both dumps. NP_ESYS with errbuf on failure. */
int np_hostnet_read(struct np_hostnet *h, char *errbuf);

/* Parse one rtnetlink dump (a buffer of nlmsghdr) into h: RTM_NEWADDR and
 * RTM_NEWROUTE messages are taken, others skipped. Pure, bounded; for the
 * tests. Returns 1 at NLMSG_DONE, 0 for more, NP_EINVAL on a malformed
 * message or an NLMSG_ERROR. */
int np_hostnet_parse(struct np_hostnet *h, const void *buf, size_t len);

size_t np_hostnet_global(const struct np_hostnet *h, int family);
size_t np_hostnet_defaults(const struct np_hostnet *h, int family);

#endif
