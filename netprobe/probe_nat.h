/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_NAT_H
#define NETPROBE_PROBE_NAT_H

/*
 * netprobe nat: is this host's traffic translated on the way, by up to
 * three methods that look from different sides:
 *  - a netprobe responder reports the source address and port it saw, over
 *    TCP and UDP;
 *  - a STUN server (RFC 5389) reports the mapped address, and with RFC 5780
 *    (a second address and port) the mapping and filtering behaviour;
 *  - a trace (--via, any TCP service past the suspected NAT) reads the
 *    headers the routers quote in their ICMP errors: a source address or
 *    port rewritten shows from the hop after the translator. A stateful NAT
 *    that also translates the quotes is invisible to it: then the quotes
 *    cannot decide, and nat.none is never drawn from them alone.
 */

#include "error.h"
#include "probe_trace.h"
#include "target.h"

struct np_run;

struct np_nat_plan {
	int has_responder, has_stun, has_via;
	struct np_target responder, stun, via;
	const char *token;                  /* the responder's, or NULL */
	struct np_trace_plan trace;         /* for --via; its raw sockets opened while privileged */
};

int np_nat_submit(struct np_run *run, struct np_nat_plan *plan, char *errbuf);

#endif
