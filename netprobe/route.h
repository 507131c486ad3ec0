/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_ROUTE_H
#define NETPROBE_ROUTE_H

#include <sys/socket.h>

struct np_opts;

/*
 * What the kernel would use toward dst, for probes that craft their own
 * packets (trace, tcp --syn): the source address (or --source), through
 * --interface when set, and the route's MTU (1500 when it cannot be read).
 * A connected UDP socket asks the routing table; nothing is sent.
 * Returns 0, or -errno.
 */
int np_route_source(const struct np_opts *o, const struct sockaddr *dst, struct sockaddr_storage *src,
		    int *mtu);

#endif
