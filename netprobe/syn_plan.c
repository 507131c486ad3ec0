/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_syn_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "rawsend.h"

/* What the sweeps of a run share: the source port they all send from,
 * held in both families, and the token bucket that paces them. */

/* The bucket holds 10 ms of SYNs: a loop round that comes late does not
 * lower the rate. */
#define BURST_MS 10

void np_syn_plan_init(struct np_syn_plan *plan, unsigned rate)
{
	memset(plan, 0, sizeof(*plan));
	plan->rate = rate;
	plan->reserve_fd[0] = plan->reserve_fd[1] = -1;
}

void np_syn_plan_close(struct np_syn_plan *plan)
{
	while (plan->targets) {
		struct syn_target *st = plan->targets;

		plan->targets = st->next;
		free(st);
	}
	np_rawsend_free(plan->raw);
	plan->raw = NULL;
	for (int i = 0; i < 2; i++) {
		if (plan->reserve_fd[i] >= 0)
			close(plan->reserve_fd[i]);
		plan->reserve_fd[i] = -1;
	}
}

static int bind_port(int family, uint16_t port, uint16_t *got)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	np_addr_set_port((struct sockaddr *)&ss, port);
	if ((family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, np_addr_len((struct sockaddr *)&ss)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*got = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

int np_syn_reserve_port(struct np_syn_plan *plan, char *errbuf)
{
	uint16_t port = 0;

	/* The kernel picks a free port for IPv4; the same number must be free
	 * in IPv6 as well, or it picks again. */
	for (int tries = 0; tries < 32; tries++) {
		plan->reserve_fd[0] = bind_port(AF_INET, 0, &port);
		if (plan->reserve_fd[0] < 0)
			break;
		plan->reserve_fd[1] = bind_port(AF_INET6, port, &port);
		if (plan->reserve_fd[1] >= 0 || errno == EAFNOSUPPORT) {
			plan->sport = port;
			return 0;
		}
		close(plan->reserve_fd[0]);
		plan->reserve_fd[0] = -1;
	}
	snprintf(errbuf, NP_ERRBUF_SIZE, "no source port for the sweep: %s", strerror(errno));
	return NP_ESYS;
}

void np_syn_capture_filter(const struct np_syn_plan *plan, char *buf, size_t len)
{
	snprintf(buf, len, "tcp port %u or icmp or icmp6", plan->sport);
}

int np_syn_pace_take(struct np_syn_plan *pl, int64_t now)
{
	double burst = (double)pl->rate * BURST_MS / 1000.0;

	if (burst < 1)
		burst = 1;
	if (!pl->tokens_us)
		pl->tokens = burst;
	else
		pl->tokens += (double)(now - pl->tokens_us) * pl->rate / 1e6;
	pl->tokens_us = now;
	if (pl->tokens > burst)
		pl->tokens = burst;
	if (pl->tokens < 1)
		return 0;
	pl->tokens -= 1;
	return 1;
}

int64_t np_syn_pace_delay(const struct np_syn_plan *pl)
{
	return (int64_t)((1 - pl->tokens) * 1e6 / pl->rate) + 1;
}
