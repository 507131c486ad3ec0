/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_RAWSEND_H
#define NETPROBE_RAWSEND_H

/*
 * Crafted packets through libnet (the only module that includes it): raw
 * IPv4 and IPv6 sockets opened while privileged, then used by the
 * unprivileged probes to send headers they chose field by field.
 */

#include <sys/socket.h>

#include "error.h"
#include "trace_quote.h"

struct np_rawsend;

/* The privileged step: a raw socket per family, bound to device when it
 * is not NULL. NULL with errbuf filled when neither family can be had;
 * *perm is set when the cause is a missing CAP_NET_RAW. */
struct np_rawsend *np_rawsend_open(const char *device, char *errbuf, int *perm);
void np_rawsend_free(struct np_rawsend *r);

/* NULL when packets of family can be sent, else why not. */
const char *np_rawsend_unavailable(const struct np_rawsend *r, int family);

/* Build h (TCP with its options, or UDP with its payload) innermost first
 * and send it. NP_ESYS with errbuf filled when it could not be sent. */
int np_rawsend_send(struct np_rawsend *r, const struct np_trace_hdr *h, char *errbuf);

/* The fields every probe of a flow shares, from src to dst (their ports
 * included): random IPv4 ID, sequence number and timestamp, one flow
 * label for the flow (routers hash it to pick a path, RFC 6438), and the
 * options Linux puts in a SYN: MSS from the route's MTU, SACK permitted,
 * timestamps, window scale 7, the largest window a multiple of the MSS.
 * Flags SYN, TTL 0: the caller sets the TTL. */
void np_rawsend_base(struct np_trace_hdr *h, int proto, const struct sockaddr *src,
		     const struct sockaddr *dst, int mtu);

/* 32 unpredictable bits for the fields a probe chooses (sequence numbers,
 * IDs), from getrandom(2), or the clock when it fails. */
uint32_t np_rawsend_random32(void);

/* The IPv6 flow label nearest v (20 bits) that libnet can send as it is. */
uint32_t np_rawsend_flow_label(uint32_t v);

#endif
