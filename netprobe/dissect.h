/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_DISSECT_H
#define NETPROBE_DISSECT_H

/* The packet dissector: captured bytes in, a parsed packet out. A pure
 * function (no I/O, no allocation, no globals) so classifiers and tests can
 * feed it recorded bytes, and so it can be fuzzed. Every read is bounded by
 * the captured length. Each field group has a presence flag: a field whose
 * flag is 0 is unknown, never a zero that looks real. */

#include <stddef.h>
#include <stdint.h>

/* Link types, as libpcap's DLT_ and the pcap file format's LINKTYPE_
 * values (tcpdump.org/linktypes.html); pcap.h is the capture module's. */
#define NP_DLT_EN10MB      1    /* Ethernet, with up to two 802.1Q/802.1ad tags */
#define NP_DLT_RAW         12   /* raw IP, DLT_RAW on Linux */
#define NP_DLT_RAW_LT      101  /* raw IP, LINKTYPE_RAW in files */
#define NP_DLT_LINUX_SLL   113  /* Linux cooked v1, 16-byte header */
#define NP_DLT_IPV4        228  /* raw IPv4 only */
#define NP_DLT_IPV6        229  /* raw IPv6 only */
#define NP_DLT_LINUX_SLL2  276  /* Linux cooked v2, 20-byte header */

/* Linux packet types (sll_pkttype, <linux/if_packet.h>). */
#define NP_PKTTYPE_HOST      0  /* to us */
#define NP_PKTTYPE_BROADCAST 1
#define NP_PKTTYPE_MULTICAST 2
#define NP_PKTTYPE_OTHERHOST 3  /* to someone else, seen in promiscuous mode */
#define NP_PKTTYPE_OUTGOING  4  /* sent by us */

#define NP_IP6_EXT_MAX  8    /* IPv6 extension headers walked before giving up */
#define NP_VLAN_MAX     2    /* 802.1Q / 802.1ad tags accepted */
#define NP_TCP_FLAGS_STRLEN 32  /* "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR" + NUL */

/* TCP flag bits, byte 13 of the header (RFC 9293 3.1, RFC 3168 23.2). */
#define NP_TCP_FIN 0x01
#define NP_TCP_SYN 0x02
#define NP_TCP_RST 0x04
#define NP_TCP_PSH 0x08
#define NP_TCP_ACK 0x10
#define NP_TCP_URG 0x20
#define NP_TCP_ECE 0x40
#define NP_TCP_CWR 0x80

enum np_pkt_status {
	NP_PKT_OK = 0,
	/* The capture ends before the packet does: parsed as far as the bytes
	 * go, and everything whose flag is set is valid. */
	NP_PKT_TRUNCATED = 1,
	/* A header contradicts itself or its container; parsing stopped there
	 * and reason says why. What was parsed before stays valid. */
	NP_PKT_MALFORMED = 2,
	/* A link type this dissector does not know. */
	NP_PKT_UNSUPPORTED = 3,
};

struct np_pkt_ip {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];  /* IPv4 uses the first 4 bytes */
	uint8_t ttl;            /* TTL or hop limit */
	uint8_t tclass;         /* IPv4 TOS or IPv6 traffic class */
	uint8_t dscp, ecn;      /* tclass split (RFC 2474, RFC 3168) */
	uint32_t id;            /* IPv4 ID, or IPv6 fragment header ID */
	uint32_t flow_label;    /* IPv6 */
	uint32_t tot_len;       /* as the header says: IPv4 total length, IPv6 40 + payload length */
	uint16_t checksum;      /* IPv4 header checksum (NAT detection compares quotes) */
	int df, mf;
	int is_fragment;        /* MF, an offset, or an IPv6 fragment header */
	uint16_t frag_off;      /* in bytes (the header's 8-byte units times 8) */
	uint8_t proto;          /* upper-layer protocol after the extension headers */
	int proto_known;        /* 0: the v6 chain was cut before its end */
	size_t hdr_len;         /* IPv4 IHL*4, or IPv6 40 + extension headers (40 until
				 * the chain is walked to its end: see proto_known) */
	int n_ext;              /* IPv6 extension headers walked, in order */
	uint8_t ext[NP_IP6_EXT_MAX];
};

struct np_pkt_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window, checksum, urg;
	size_t hdr_len;         /* data offset * 4; 0 when unknown */
	int has_ports;          /* bytes 0-3 */
	int has_seq;            /* bytes 4-7 */
	int has_ack_flags_win;  /* bytes 8-19: ack, data offset, flags, window, sum, urgent */
	int has_options;        /* the whole data-offset area is there and was walked */
	int options_malformed;  /* an option length was 0, 1 or past the header */
	const char *options_reason;
	int mss;                /* -1 when absent */
	int wscale;             /* -1 when absent; raw value (> 14 means 14, RFC 7323 2.3) */
	int sack_perm;
	int sack_blocks;
	int has_ts;
	uint32_t tsval, tsecr;
};

struct np_pkt_udp {
	uint16_t sport, dport, len, checksum;
	int has_ports;          /* bytes 0-3 */
	int has_len_sum;        /* bytes 4-7 */
};

struct np_packet {
	int status;             /* enum np_pkt_status */
	const char *reason;     /* static text when status != NP_PKT_OK, else NULL */

	int dlt;
	int sll_pkttype;        /* NP_PKTTYPE_*, -1 unknown (only cooked captures have it) */
	int ifindex;            /* -1 unknown (only LINUX_SLL2 has it) */
	uint16_t ethertype;     /* after VLAN tags; 0 for raw IP */
	int n_vlan;
	uint16_t vlan_tci[NP_VLAN_MAX];  /* PCP(3) DEI(1) VID(12), outermost first */

	int has_ip;             /* the fixed IP header is there (ip.hdr_len tells how far the rest went) */
	struct np_pkt_ip ip;
	size_t l3_off;          /* offset of the IP header in data */

	int l4;                 /* 0 none, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	size_t l4_off;
	struct np_pkt_tcp tcp;
	struct np_pkt_udp udp;

	int icmp_type, icmp_code;  /* -1 unknown */
	int icmp_is_error;      /* one of the types that quote the packet that caused it */
	uint32_t icmp_mtu;      /* v4 3/4 next-hop MTU (RFC 1191), v6 type 2 MTU; 0 if none */
	uint32_t icmp_pointer;  /* parameter problem pointer */
	uint8_t icmp_gateway[4];/* v4 redirect */

	/* The packet an ICMP error quotes (RFC 792, RFC 1812 4.3.2.3,
	 * RFC 4443 2.4(c)): often only its IP header and 8 transport bytes. */
	int has_inner_ip;
	struct np_pkt_ip inner_ip;
	size_t inner_off;       /* offset of the quoted IP header in data */
	int inner_l4;           /* as l4, for the quote: 0 when not reached or another protocol */
	size_t inner_l4_len;    /* quoted transport bytes (when inner_l4 is set) */
	int inner_has_ports;    /* shorthand: inner_tcp or inner_udp has_ports */
	int inner_has_seq;      /* shorthand: inner_tcp.has_seq */
	struct np_pkt_tcp inner_tcp;
	struct np_pkt_udp inner_udp;
	int inner_icmp_type, inner_icmp_code;  /* -1 unknown; a quoted ICMP message */
	int inner_has_echo;     /* quoted echo request/reply: id and seq known */
	uint16_t inner_icmp_id, inner_icmp_seq;

	/* What follows the last header parsed: TCP/UDP data, an ICMP body, or
	 * an unknown protocol's payload. Captured bytes only:
	 * payload_off + payload_len <= caplen. */
	size_t payload_off, payload_len;
};

/* Dissects one captured packet. caplen bytes of data are readable; wirelen
 * is the packet's length on the wire (pcap's len; a value below caplen is
 * taken as caplen). An IP length past caplen but within wirelen is a
 * truncated capture; past wirelen, a malformed packet.
 * Returns 0 with out filled (check out->status), or NP_EINVAL for a NULL
 * argument or an unknown link type (out->status NP_PKT_UNSUPPORTED). */
int np_dissect(int dlt, const uint8_t *data, size_t caplen, size_t wirelen,
	       struct np_packet *out);

/* "SYN,ACK"; "none" for no flags. Truncates to fit len; returns buf. */
const char *np_tcp_flags_str(uint8_t flags, char *buf, size_t len);

/* The initial TTL a sender most likely used: the smallest of 32, 64, 128,
 * 255 at or above ttl. NP_EINVAL outside 0-255. */
int np_ttl_initial(int ttl);

/* Routers between the sender and us: np_ttl_initial(ttl) - ttl. */
int np_ttl_hops(int ttl);

#endif
