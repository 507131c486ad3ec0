/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TRACE_QUOTE_H
#define NETPROBE_TRACE_QUOTE_H

/*
 * A trace probe as sent, and what the ICMP error of a hop says about it:
 * the packet the hop quotes is the probe as that hop received it, so a
 * field that differs from the one sent was rewritten before that hop (the
 * tracebox method). Pure functions: headers and dissected packets in,
 * masks out; no I/O.
 */

#include <stddef.h>
#include <stdint.h>

#include "dissect.h"

/* Header fields a hop may rewrite. */
#define NP_TF_SRC_ADDR     0x01u  /* source address: NAT */
#define NP_TF_SRC_PORT     0x02u  /* source port: NAPT */
#define NP_TF_DSCP         0x04u  /* DSCP remarked (RFC 2474) */
#define NP_TF_ECN          0x08u  /* ECN bits set or bleached (RFC 3168) */
#define NP_TF_TCP_SEQ      0x10u  /* sequence number: a firewall randomising ISNs */
#define NP_TF_TCP_MSS      0x20u  /* MSS option value (clamping) or the option removed */
#define NP_TF_TCP_OPTIONS  0x40u  /* SACK-permitted, timestamps or window scale removed, added or changed */
#define NP_TF_UDP_CHECKSUM 0x80u  /* rewritten with the addresses or ports (dublin-traceroute's NAT id) */
#define NP_TF_COUNT        8

/* The fields that mean something for a protocol's probes. */
#define NP_TF_TCP_ALL (NP_TF_SRC_ADDR | NP_TF_SRC_PORT | NP_TF_DSCP | NP_TF_ECN | \
		       NP_TF_TCP_SEQ | NP_TF_TCP_MSS | NP_TF_TCP_OPTIONS)
#define NP_TF_UDP_ALL (NP_TF_SRC_ADDR | NP_TF_SRC_PORT | NP_TF_DSCP | NP_TF_ECN | NP_TF_UDP_CHECKSUM)

/* TCP options other than MSS that a probe may carry. */
#define NP_TOPT_SACK_PERM 0x1u
#define NP_TOPT_TS        0x2u
#define NP_TOPT_WSCALE    0x4u

#define NP_TRACE_TCP_OPTIONS_MAX 40
#define NP_TRACE_UDP_PAYLOAD 2

/* One probe, every field as it leaves this host. */
struct np_trace_hdr {
	int family;                 /* AF_INET or AF_INET6 */
	int proto;                  /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t src[16], dst[16];   /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t ttl;                /* TTL or hop limit */
	uint8_t tclass;             /* IPv4 TOS or IPv6 traffic class: DSCP << 2 | ECN */
	uint16_t ip_id;             /* IPv4 */
	uint32_t flow_label;        /* IPv6 */
	/* TCP */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	int mss;                    /* -1: no MSS option */
	int wscale;                 /* -1: no window scale option */
	int sack_perm;
	int ts;                     /* timestamps option with tsval (tsecr 0) */
	uint32_t tsval;
	/* UDP: payload bytes chosen so that the checksum is udp_sum */
	uint16_t udp_sum;
	uint8_t payload[NP_TRACE_UDP_PAYLOAD];
	size_t payload_len;
};

/* What a quote shows, against the probe sent. */
struct np_trace_diff {
	unsigned changed;           /* NP_TF_* that differ */
	unsigned unknown;           /* NP_TF_* the quote does not reach */
	/* The quote's values, meaningful where the field is known. */
	uint8_t src[16];
	uint16_t sport;
	uint8_t dscp, ecn;
	uint32_t seq;
	int mss;                    /* -1: no MSS option in the quote */
	unsigned options;           /* NP_TOPT_* in the quote */
	int wscale;
	uint16_t udp_sum;
};

/* "source_address", "tcp_mss", ...: the JSON name of one NP_TF_* bit;
 * NULL for anything else. */
const char *np_trace_field_name(unsigned field);

/* NP_TOPT_* the probe carries. */
unsigned np_trace_hdr_options(const struct np_trace_hdr *h);

/* The TCP option bytes of h in the order Linux sends them in a SYN (MSS,
 * SACK-permitted, timestamps, NOP, window scale), padded with NOPs to a
 * multiple of 4. Returns the length, or 0 when len is too small. */
size_t np_trace_tcp_options(const struct np_trace_hdr *h, uint8_t *buf, size_t len);

/* Fill h->payload (NP_TRACE_UDP_PAYLOAD bytes) so that the UDP checksum
 * of the datagram comes out as h->udp_sum (Paris traceroute: the checksum,
 * inside the 8 bytes every router quotes, tells probes apart while the
 * 5-tuple stays the same). udp_sum must not be 0 or 0xffff. */
int np_trace_udp_fill(struct np_trace_hdr *h);

/* The UDP checksum of h as it goes on the wire (RFC 768, RFC 8200 8.1). */
uint16_t np_trace_udp_checksum(const struct np_trace_hdr *h);

/*
 * Compare the probe sent with the packet p (an ICMP/ICMPv6 error) quotes.
 * A field the quote does not reach (many routers quote 8 transport bytes:
 * ports and sequence number, RFC 792) is unknown, never unchanged.
 * Returns 0, or NP_EINVAL when p quotes no packet of the probe's family
 * and protocol.
 */
int np_trace_quote_diff(const struct np_trace_hdr *sent, const struct np_packet *p,
			struct np_trace_diff *d);

/* "mss 1200", "dscp 10", "source 198.51.100.7", "options mss,wscale":
 * the quoted value of one changed field, for summaries. */
const char *np_trace_diff_value(const struct np_trace_hdr *sent, const struct np_trace_diff *d,
				unsigned field, char *buf, size_t len);
/* The same for the value sent. */
const char *np_trace_sent_value(const struct np_trace_hdr *sent, unsigned field, char *buf, size_t len);

#endif
