#ifndef NETPROBE_FLOW_H
#define NETPROBE_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dissect.h"
#include "error.h"

/*
 * The flow table: every probe registers each flow it opens (protocol and
 * 5-tuple) as soon as its socket is bound; every captured packet is matched
 * to its flow by 5-tuple, ICMP/ICMPv6 errors by the header they quote.
 * Matched packets are kept (bounded), numbered in the order they will have
 * in the saved pcapng, and handed to the flow's owner.
 */

struct np_flow_table;
struct np_flow;

/* One packet of a flow, as its classifier sees it. */
struct np_flow_pkt {
	uint32_t frame;           /* 1-based frame number in the saved capture */
	int64_t mono_us;          /* on the probes' monotonic clock */
	int outgoing;             /* sent by this host */
	int icmp;                 /* an ICMP/ICMPv6 error quoting this flow */
	struct np_packet pkt;
};

typedef void (*np_flow_cb)(struct np_flow *flow, const struct np_flow_pkt *p, void *arg);
/* Whether a matched packet is kept (saved, numbered, listed): p->frame is
 * 0 while it is asked. */
typedef int (*np_flow_keep_cb)(const struct np_flow_pkt *p, void *arg);

struct np_flow_table *np_flow_table_new(size_t max_bytes, char *errbuf);
void np_flow_table_free(struct np_flow_table *t);

/* proto: IPPROTO_TCP or IPPROTO_UDP. cb may be NULL. The flow lives until
 * the table is freed, so late packets (a FIN, a reset) still get saved.
 * A local address of all zeros with port 0 registers the flow for ICMP
 * errors whose quote no other flow matches because its source address or
 * port was rewritten on the way (NAT): a probe that looks for NAT takes
 * them (and must check that the quote is one of its own packets). A remote
 * port 0 matches every remote port of that address that no flow of its
 * own matches: one flow for a sweep of many ports from one source port. */
struct np_flow *np_flow_register(struct np_flow_table *t, int proto,
				 const struct sockaddr *local,
				 const struct sockaddr *remote,
				 np_flow_cb cb, void *arg);
/* No more callbacks; packets are still matched and saved. */
void np_flow_detach(struct np_flow *flow);
/* Keep only the packets keep() accepts (all when there is none): the
 * others still reach the flow's callback, with frame 0, but are neither
 * saved nor listed. A probe that sends thousands of packets keeps the
 * frames that prove something and lets the rest go. keep is called
 * while the owner's callback is set, never after np_flow_detach(). */
void np_flow_set_keep(struct np_flow *flow, np_flow_keep_cb keep, void *arg);

size_t np_flow_count(const struct np_flow *flow);
const struct np_flow_pkt *np_flow_packet(const struct np_flow *flow, size_t i);

/*
 * Feed one captured packet. ts_ns is wall-clock nanoseconds (the capture's
 * timestamp), mono_us the same instant on the monotonic clock. Returns the
 * frame number if the packet matched a flow and was kept, 0 if it matched
 * nothing or its flow did not keep it.
 */
uint32_t np_flow_input(struct np_flow_table *t, int dlt, uint64_t ts_ns, int64_t mono_us,
		       const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/* Annotate a kept frame (pcapng opt_comment); appended when one exists. */
int np_flow_comment(struct np_flow_table *t, uint32_t frame, const char *text);

/* The kept packets in frame order, for the pcapng writer. */
struct np_kept {
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	const uint8_t *data;
	const char *comment;      /* NULL when none */
};
size_t np_flow_kept_count(const struct np_flow_table *t);
void np_flow_kept(const struct np_flow_table *t, size_t i, struct np_kept *out);
/* Packets whose bytes were cut short because the memory bound was hit. */
uint64_t np_flow_truncated(const struct np_flow_table *t);

#endif
