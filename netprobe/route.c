/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "route.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "run.h"

int np_route_source(const struct np_opts *o, const struct sockaddr *dst, struct sockaddr_storage *src,
		    int *mtu)
{
	int fam = dst->sa_family, fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0), e;
	socklen_t len = sizeof(*src);

	if (fd < 0)
		return -errno;
	if ((o->interface[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->interface,
					   (socklen_t)strlen(o->interface)) < 0) ||
	    (o->has_source && bind(fd, (const struct sockaddr *)&o->source,
				   np_addr_len((const struct sockaddr *)&o->source)) < 0) ||
	    connect(fd, dst, np_addr_len(dst)) < 0 ||
	    getsockname(fd, (struct sockaddr *)src, &len) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	len = sizeof(*mtu);
	if (getsockopt(fd, fam == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP, fam == AF_INET6 ? IPV6_MTU : IP_MTU,
		       mtu, &len) < 0)
		*mtu = 1500;
	close(fd);
	return 0;
}
