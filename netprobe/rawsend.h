#ifndef NETPROBE_RAWSEND_H
#define NETPROBE_RAWSEND_H

/*
 * Crafted packets through libnet (the only module that includes it): raw
 * IPv4 and IPv6 sockets opened while privileged, then used by the
 * unprivileged probes to send headers they chose field by field.
 */

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

/* The IPv6 flow label nearest v (20 bits) that libnet can send as it is. */
uint32_t np_rawsend_flow_label(uint32_t v);

#endif
