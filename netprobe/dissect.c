/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dissect.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "error.h"

#define ETHERTYPE_IPV4   0x0800
#define ETHERTYPE_IPV6   0x86dd
#define ETHERTYPE_8021Q  0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ   0x9100  /* pre-802.1ad QinQ, still sent by some switches */

/* A run of bytes inside data: len is what the enclosing header says it
 * holds, cap how much of that was captured (cap <= len). In a quote (the
 * packet inside an ICMP error) running out of len is normal: the sender
 * quoted only a prefix. */
struct span {
	size_t off;
	size_t len;
	size_t cap;
	int quoted;
};

enum layer { L_ETH, L_VLAN, L_SLL, L_SLL2, L_IP, L_IP4, L_IP6, L_IP6EXT, L_TCP, L_UDP, L_ICMP };

static const char *const cut_reason[] = {
	[L_ETH] = "capture ends in the Ethernet header",
	[L_VLAN] = "capture ends in a VLAN tag",
	[L_SLL] = "capture ends in the Linux cooked header",
	[L_SLL2] = "capture ends in the Linux cooked v2 header",
	[L_IP] = "capture ends before the IP header",
	[L_IP4] = "capture ends in the IPv4 header",
	[L_IP6] = "capture ends in the IPv6 header",
	[L_IP6EXT] = "capture ends in an IPv6 extension header",
	[L_TCP] = "capture ends in the TCP header",
	[L_UDP] = "capture ends in the UDP header",
	[L_ICMP] = "capture ends in the ICMP header",
};

static const char *const short_reason[] = {
	[L_ETH] = "frame shorter than an Ethernet header",
	[L_VLAN] = "frame ends in a VLAN tag",
	[L_SLL] = "packet shorter than a Linux cooked header",
	[L_SLL2] = "packet shorter than a Linux cooked v2 header",
	[L_IP] = "no IP header",
	[L_IP4] = "packet shorter than its IPv4 header",
	[L_IP6] = "packet shorter than an IPv6 header",
	[L_IP6EXT] = "IPv6 extension header past the payload length",
	[L_TCP] = "TCP header past the end of the IP packet",
	[L_UDP] = "UDP header past the end of the IP packet",
	[L_ICMP] = "ICMP header past the end of the IP packet",
};

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* The worst problem wins: a malformed header says more than a short
 * capture, and the first reason of a given severity is kept. */
static void set_status(struct np_packet *p, int status, const char *reason)
{
	if (status > p->status) {
		p->status = status;
		p->reason = reason;
	}
}

static void malformed(struct np_packet *p, const struct span *s, const char *reason,
		      const char *quoted_reason)
{
	set_status(p, NP_PKT_MALFORMED, s->quoted ? quoted_reason : reason);
}

/* Whether the first n bytes of s were captured. When not: the capture was
 * cut (truncated), or the header does not fit in what its container
 * declares (malformed), or a quote simply ends there (no problem). */
static int need(struct np_packet *p, const struct span *s, size_t n, enum layer l)
{
	if (n <= s->cap)
		return 1;
	if (n <= s->len)
		set_status(p, NP_PKT_TRUNCATED, s->quoted ? "capture ends in the ICMP quote" : cut_reason[l]);
	else if (!s->quoted)
		set_status(p, NP_PKT_MALFORMED, short_reason[l]);
	return 0;
}

static struct span sub_span(const struct span *s, size_t from, size_t len)
{
	struct span r = { s->off + from, len, 0, s->quoted };

	r.cap = s->cap > from ? min_size(s->cap - from, len) : 0;
	return r;
}

static void tcp_init(struct np_pkt_tcp *t)
{
	t->mss = -1;
	t->wscale = -1;
}

static void options_bad(struct np_pkt_tcp *t, const char *reason)
{
	if (!t->options_malformed)
		t->options_reason = reason;
	t->options_malformed = 1;
}

/* RFC 9293 3.2: kinds 0 (EOL) and 1 (NOP) are one byte, every other option
 * carries its length, and a receiver must not loop on a bad one. Each turn
 * advances at least one byte and n <= 40, so the walk ends. A known option
 * with the wrong size is skipped by its length (Linux's tcp_parse_options
 * ignores it the same way) and flagged. */
static void tcp_options(struct np_pkt_tcp *t, const uint8_t *o, size_t n)
{
	size_t i = 0;

	t->has_options = 1;
	while (i < n) {
		uint8_t kind = o[i];
		size_t len;

		if (kind == 0)
			break;          /* end of options: the rest is padding */
		if (kind == 1) {
			i++;
			continue;
		}
		if (n - i < 2) {
			options_bad(t, "TCP option length past the header");
			return;
		}
		len = o[i + 1];
		if (len < 2) {
			options_bad(t, len == 0 ? "TCP option length 0" : "TCP option length 1");
			return;
		}
		if (len > n - i) {
			options_bad(t, "TCP option past the header");
			return;
		}
		switch (kind) {
		case 2:         /* MSS, RFC 9293 3.2 */
			if (len == 4)
				t->mss = rd16(o + i + 2);
			else
				options_bad(t, "TCP MSS option length is not 4");
			break;
		case 3:         /* window scale, RFC 7323 2.2 */
			if (len == 3)
				t->wscale = o[i + 2];
			else
				options_bad(t, "TCP window scale option length is not 3");
			break;
		case 4:         /* SACK permitted, RFC 2018 2 */
			if (len == 2)
				t->sack_perm = 1;
			else
				options_bad(t, "TCP SACK-permitted option length is not 2");
			break;
		case 5:         /* SACK blocks of 8 bytes, RFC 2018 3 */
			if (len >= 10 && (len - 2) % 8 == 0)
				t->sack_blocks = (int)(len - 2) / 8;
			else
				options_bad(t, "TCP SACK option length is not 2 + 8n");
			break;
		case 8:         /* timestamps, RFC 7323 3.2 */
			if (len == 10) {
				t->has_ts = 1;
				t->tsval = rd32(o + i + 2);
				t->tsecr = rd32(o + i + 6);
			} else {
				options_bad(t, "TCP timestamps option length is not 10");
			}
			break;
		default:
			break;
		}
		i += len;
	}
}

/* Reads as much of a TCP header as s holds and records what is known. In a
 * quote, 8 bytes (RFC 792) give the ports and sequence number only. Returns
 * the header length when the whole header (options included) is there, 0
 * otherwise. */
static size_t parse_tcp(struct np_packet *p, const uint8_t *data, const struct span *s,
			struct np_pkt_tcp *t)
{
	const uint8_t *b = data + s->off;
	size_t have = s->cap, hl;

	if (have >= 4) {
		t->sport = rd16(b);
		t->dport = rd16(b + 2);
		t->has_ports = 1;
	}
	if (have >= 8) {
		t->seq = rd32(b + 4);
		t->has_seq = 1;
	}
	if (have < 13) {
		need(p, s, 20, L_TCP);
		return 0;
	}
	hl = (size_t)(b[12] >> 4) * 4;
	if (hl < 20) {
		malformed(p, s, "TCP data offset < 5", "quoted TCP data offset < 5");
		return 0;
	}
	t->hdr_len = hl;
	if (!need(p, s, 20, L_TCP))
		return 0;
	t->ack = rd32(b + 8);
	t->flags = b[13];
	t->window = rd16(b + 14);
	t->checksum = rd16(b + 16);
	t->urg = rd16(b + 18);
	t->has_ack_flags_win = 1;
	if (!need(p, s, hl, L_TCP))
		return 0;
	tcp_options(t, b + 20, hl - 20);
	return hl;
}

/* frag_first: a first fragment, whose UDP length covers fragments not here. */
static int parse_udp(struct np_packet *p, const uint8_t *data, const struct span *s,
		     struct np_pkt_udp *u, int frag_first)
{
	const uint8_t *b = data + s->off;

	if (s->cap >= 4) {
		u->sport = rd16(b);
		u->dport = rd16(b + 2);
		u->has_ports = 1;
	}
	if (!need(p, s, 8, L_UDP))
		return 0;
	u->len = rd16(b + 4);
	u->checksum = rd16(b + 6);
	u->has_len_sum = 1;
	if (s->quoted || frag_first)
		return 1;
	/* Length 0 is an IPv6 jumbogram's UDP (RFC 2675 4). Bytes past the
	 * UDP length are allowed (UDP options use them). */
	if (u->len != 0 && u->len < 8) {
		set_status(p, NP_PKT_MALFORMED, "UDP length < 8");
		return 0;
	}
	if (u->len > s->len) {
		set_status(p, NP_PKT_MALFORMED, "UDP length past the end of the IP packet");
		return 0;
	}
	return 1;
}

/* The IPv6 extension header chain after the fixed header, RFC 8200 4 and
 * RFC 7045: walk hop-by-hop, routing, fragment, destination options and AH;
 * stop at anything else (ESP, no next header, upper layers, unknown).
 * s covers the whole IPv6 packet. Returns the offset of the upper layer
 * in s, or 0 when the chain could not be walked to its end. */
static size_t ip6_ext_walk(struct np_packet *p, const uint8_t *data, const struct span *s,
			   struct np_pkt_ip *ip)
{
	const uint8_t *b = data + s->off;
	size_t off = 40;
	uint8_t nh = b[6];

	for (;;) {
		size_t len;

		ip->proto = nh;
		switch (nh) {
		case 0:
			/* RFC 8200 4.3: only immediately after the IPv6 header. */
			if (ip->n_ext != 0) {
				malformed(p, s, "IPv6 hop-by-hop header not first",
					  "quoted IPv6 hop-by-hop header not first");
				return 0;
			}
			break;
		case IPPROTO_ROUTING:
		case IPPROTO_FRAGMENT:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
			break;
		default:
			ip->proto_known = 1;
			return off;
		}
		if (ip->n_ext == NP_IP6_EXT_MAX) {
			malformed(p, s, "IPv6 extension header chain longer than 8",
				  "quoted IPv6 extension header chain longer than 8");
			return 0;
		}
		if (!need(p, s, off + 2, L_IP6EXT))
			return 0;
		if (nh == IPPROTO_FRAGMENT)
			len = 8;
		else if (nh == IPPROTO_AH)
			len = ((size_t)b[off + 1] + 2) * 4;      /* RFC 4302 2.2 */
		else
			len = ((size_t)b[off + 1] + 1) * 8;
		if (!need(p, s, off + len, L_IP6EXT))
			return 0;
		if (nh == IPPROTO_FRAGMENT) {
			uint16_t fo = rd16(b + off + 2);

			ip->is_fragment = 1;
			ip->frag_off = fo & 0xfff8;
			ip->mf = fo & 1;
			ip->id = rd32(b + off + 4);
		}
		ip->ext[ip->n_ext++] = nh;
		nh = b[off];
		off += len;
		if (ip->frag_off != 0) {
			/* A later fragment: what follows is the middle of the
			 * fragmentable part, not a header (RFC 8200 4.5). */
			ip->proto = nh;
			ip->proto_known = 1;
			return off;
		}
	}
}

/* Reads an IPv4 or IPv6 header at the start of s and sets *up to the span
 * of its payload. Returns 1 when a transport header starts there, 0 when the
 * payload is a later fragment, -1 when the headers could not be read to
 * their end (status and has_ip say how far they went). */
static int parse_ip(struct np_packet *p, const uint8_t *data, const struct span *s, int family,
		    struct np_pkt_ip *ip, int *has_ip, struct span *up)
{
	const uint8_t *b = data + s->off;
	size_t hl, ip_len;
	int v4 = family == AF_INET;

	if (!need(p, s, v4 ? 20 : 40, v4 ? L_IP4 : L_IP6))
		return -1;
	if (b[0] >> 4 != (v4 ? 4 : 6)) {
		if (v4)
			malformed(p, s, "IPv4 header version is not 4", "quoted packet is not IPv4");
		else
			malformed(p, s, "IPv6 header version is not 6", "quoted packet is not IPv6");
		return -1;
	}
	ip->family = family;
	if (v4) {
		hl = (size_t)(b[0] & 0x0f) * 4;
		if (hl < 20) {
			malformed(p, s, "IPv4 IHL < 5", "quoted IPv4 IHL < 5");
			return -1;
		}
		ip->tclass = b[1];
		ip->tot_len = rd16(b + 2);
		ip->id = rd16(b + 4);
		ip->df = (b[6] & 0x40) != 0;
		ip->mf = (b[6] & 0x20) != 0;
		ip->frag_off = (uint16_t)((rd16(b + 6) & 0x1fff) * 8);
		ip->is_fragment = ip->mf || ip->frag_off != 0;
		ip->ttl = b[8];
		ip->proto = b[9];
		ip->proto_known = 1;
		ip->checksum = rd16(b + 10);
		memcpy(ip->src, b + 12, 4);
		memcpy(ip->dst, b + 16, 4);
	} else {
		hl = 40;
		ip->tclass = (uint8_t)(rd16(b) >> 4);
		ip->flow_label = rd32(b) & 0xfffff;
		ip->tot_len = 40 + (uint32_t)rd16(b + 4);
		ip->proto = b[6];
		ip->ttl = b[7];
		memcpy(ip->src, b + 8, 16);
		memcpy(ip->dst, b + 24, 16);
	}
	ip->dscp = ip->tclass >> 2;
	ip->ecn = ip->tclass & 3;
	ip->hdr_len = hl;
	*has_ip = 1;
	if (!need(p, s, hl, L_IP4))
		return -1;

	ip_len = ip->tot_len;
	if (s->quoted) {
		/* A quote is normally a prefix of the packet, shorter than its
		 * length field; when the field is shorter it bounds the quoted
		 * transport (the rest is padding or RFC 4884 extensions). */
		if (ip_len < hl || ip_len > s->len)
			ip_len = s->len;
	} else if (v4 ? ip_len == 0 : ip_len == 40) {
		/* IPv4 total length 0 or IPv6 payload length 0: a Linux TSO or
		 * BIG TCP super-packet as the capture sees it, or an IPv6
		 * jumbogram (RFC 2675); the frame gives the length. */
		ip_len = s->len;
	} else if (ip_len < hl) {
		set_status(p, NP_PKT_MALFORMED, "IPv4 total length < header length");
		return -1;
	} else if (ip_len > s->len) {
		set_status(p, NP_PKT_MALFORMED, v4 ? "IPv4 total length past the end of the frame" :
			   "IPv6 payload length past the end of the frame");
		return -1;
	}
	if (!v4) {
		struct span whole = sub_span(s, 0, ip_len);

		hl = ip6_ext_walk(p, data, &whole, ip);
		if (hl == 0)
			return -1;
		ip->hdr_len = hl;
	}
	*up = sub_span(s, hl, ip_len - hl);
	return ip->frag_off == 0;
}

static int is_icmp_error(int family, int type)
{
	if (family == AF_INET)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

/* The packet an ICMP error quotes: its IP header (with the IPv6 extension
 * header walk) and whatever part of its transport header was quoted, each
 * field marked present only when its bytes are there. */
static void parse_quote(struct np_packet *p, const uint8_t *data, const struct span *q, int family)
{
	struct span t;
	const uint8_t *b;
	int l4;

	if (q->len == 0)
		return;
	p->inner_off = q->off;
	l4 = parse_ip(p, data, q, family, &p->inner_ip, &p->has_inner_ip, &t);
	if (l4 <= 0)
		return;
	b = data + t.off;
	switch (p->inner_ip.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((p->inner_ip.proto == IPPROTO_ICMP) != (family == AF_INET))
			return;
		break;
	default:
		return;         /* inner_ip.proto names it; nothing to read */
	}
	p->inner_l4 = p->inner_ip.proto;
	p->inner_l4_len = t.cap;
	switch (p->inner_l4) {
	case IPPROTO_TCP:
		parse_tcp(p, data, &t, &p->inner_tcp);
		p->inner_has_ports = p->inner_tcp.has_ports;
		p->inner_has_seq = p->inner_tcp.has_seq;
		break;
	case IPPROTO_UDP:
		parse_udp(p, data, &t, &p->inner_udp, 1);
		p->inner_has_ports = p->inner_udp.has_ports;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (t.cap < 2) {
			need(p, &t, 2, L_ICMP);
			break;
		}
		p->inner_icmp_type = b[0];
		p->inner_icmp_code = b[1];
		if (t.cap >= 8 && (p->inner_l4 == IPPROTO_ICMP ? b[0] == 0 || b[0] == 8 :
				   b[0] == 128 || b[0] == 129)) {
			p->inner_has_echo = 1;
			p->inner_icmp_id = rd16(b + 4);
			p->inner_icmp_seq = rd16(b + 6);
		}
		break;
	}
}

static void parse_icmp(struct np_packet *p, const uint8_t *data, const struct span *s, int family)
{
	const uint8_t *b = data + s->off;
	struct span q;
	size_t ext_len = 0;

	if (s->cap >= 2) {
		p->icmp_type = b[0];
		p->icmp_code = b[1];
		p->icmp_is_error = is_icmp_error(family, b[0]);
	}
	if (!need(p, s, 8, L_ICMP))
		return;
	p->payload_off = s->off + 8;
	p->payload_len = s->cap - 8;
	if (family == AF_INET) {
		switch (b[0]) {
		case 3:
			if (b[1] == 4)
				p->icmp_mtu = rd16(b + 6);      /* RFC 1191 4 */
			ext_len = (size_t)b[5] * 4;            /* RFC 4884 4.1 */
			break;
		case 5:
			memcpy(p->icmp_gateway, b + 4, 4);
			break;
		case 11:
			ext_len = (size_t)b[5] * 4;
			break;
		case 12:
			p->icmp_pointer = b[4];
			ext_len = (size_t)b[5] * 4;
			break;
		default:
			break;
		}
	} else {
		switch (b[0]) {
		case 1:
		case 3:
			ext_len = (size_t)b[4] * 8;            /* RFC 4884 4.2 */
			break;
		case 2:
			p->icmp_mtu = rd32(b + 4);              /* RFC 4443 3.2 */
			break;
		case 4:
			p->icmp_pointer = rd32(b + 4);
			break;
		default:
			break;
		}
	}
	if (!p->icmp_is_error)
		return;
	q = sub_span(s, 8, s->len - 8);
	/* With RFC 4884 extensions the length field bounds the quote; a
	 * value past the message is ignored, as by pre-4884 receivers. */
	if (ext_len != 0 && ext_len <= q.len) {
		q.len = ext_len;
		q.cap = min_size(q.cap, ext_len);
	}
	q.quoted = 1;
	parse_quote(p, data, &q, family);
}

static void parse_l4(struct np_packet *p, const uint8_t *data, const struct span *s, int has_l4)
{
	size_t hl;

	p->l4_off = s->off;
	p->payload_off = s->off;
	p->payload_len = s->cap;
	if (!has_l4)
		return;
	switch (p->ip.proto) {
	case IPPROTO_TCP:
		p->l4 = IPPROTO_TCP;
		hl = parse_tcp(p, data, s, &p->tcp);
		if (hl == 0) {
			/* The header is incomplete: no payload is known. */
			p->payload_off = s->off + s->cap;
			p->payload_len = 0;
			return;
		}
		p->payload_off = s->off + hl;
		p->payload_len = s->cap - hl;
		break;
	case IPPROTO_UDP:
		p->l4 = IPPROTO_UDP;
		if (!parse_udp(p, data, s, &p->udp, p->ip.is_fragment)) {
			p->payload_off = s->off + s->cap;
			p->payload_len = 0;
			return;
		}
		p->payload_off = s->off + 8;
		p->payload_len = s->cap - 8;
		if (!p->ip.is_fragment && p->udp.len >= 8)
			p->payload_len = min_size(p->payload_len, (size_t)p->udp.len - 8);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((p->ip.proto == IPPROTO_ICMP) != (p->ip.family == AF_INET))
			return;         /* ICMP in IPv6 or ICMPv6 in IPv4: just a payload */
		p->l4 = p->ip.proto;
		p->payload_off = s->off + s->cap;
		p->payload_len = 0;
		parse_icmp(p, data, s, p->ip.family);
		break;
	default:
		break;
	}
}

/* The network layer at offset off: family 0 means "by the version nibble"
 * (raw IP). */
static void parse_net(struct np_packet *p, const uint8_t *data, size_t caplen, size_t wirelen,
		      size_t off, int family)
{
	struct span s = { off, wirelen - off, caplen - off, 0 };
	struct span up;
	int has_l4;

	if (family == 0) {
		unsigned version;

		if (!need(p, &s, 1, L_IP))
			return;
		version = data[off] >> 4;
		if (version != 4 && version != 6) {
			set_status(p, NP_PKT_MALFORMED, "raw packet is neither IPv4 nor IPv6");
			return;
		}
		family = version == 4 ? AF_INET : AF_INET6;
	}
	p->l3_off = off;
	has_l4 = parse_ip(p, data, &s, family, &p->ip, &p->has_ip, &up);
	if (has_l4 < 0)
		return;
	parse_l4(p, data, &up, has_l4);
	if (up.cap < up.len)
		set_status(p, NP_PKT_TRUNCATED, "capture ends before the end of the IP packet");
}

static void init_packet(struct np_packet *p, int dlt)
{
	memset(p, 0, sizeof(*p));
	p->dlt = dlt;
	p->sll_pkttype = -1;
	p->ifindex = -1;
	p->icmp_type = -1;
	p->icmp_code = -1;
	p->inner_icmp_type = -1;
	p->inner_icmp_code = -1;
	tcp_init(&p->tcp);
	tcp_init(&p->inner_tcp);
}

int np_dissect(int dlt, const uint8_t *data, size_t caplen, size_t wirelen,
	       struct np_packet *out)
{
	struct span s;
	size_t off = 0;
	uint16_t type;

	if (!out)
		return NP_EINVAL;
	init_packet(out, dlt);
	if (!data) {
		static const uint8_t none[1];

		if (caplen > 0) {
			set_status(out, NP_PKT_MALFORMED, "no data");
			return NP_EINVAL;
		}
		data = none;    /* keeps pointer arithmetic off NULL */
	}
	if (wirelen < caplen)
		wirelen = caplen;
	s = (struct span){ 0, wirelen, caplen, 0 };

	switch (dlt) {
	case NP_DLT_EN10MB:
		if (!need(out, &s, 14, L_ETH))
			return 0;
		type = rd16(data + 12);
		off = 14;
		break;
	case NP_DLT_LINUX_SLL:
		/* pkttype, ARPHRD type, address length, 8 address bytes,
		 * protocol (libpcap's sll.h). */
		if (!need(out, &s, 16, L_SLL))
			return 0;
		out->sll_pkttype = rd16(data);
		type = rd16(data + 14);
		off = 16;
		break;
	case NP_DLT_LINUX_SLL2:
		/* protocol, reserved, interface index, ARPHRD type, pkttype,
		 * address length, 8 address bytes (libpcap's sll.h). */
		if (!need(out, &s, 20, L_SLL2))
			return 0;
		type = rd16(data);
		out->ifindex = (int)(rd32(data + 4) & 0x7fffffff);
		out->sll_pkttype = data[10];
		off = 20;
		break;
	case NP_DLT_RAW:
	case NP_DLT_RAW_LT:
		parse_net(out, data, caplen, wirelen, 0, 0);
		return 0;
	case NP_DLT_IPV4:
		parse_net(out, data, caplen, wirelen, 0, AF_INET);
		return 0;
	case NP_DLT_IPV6:
		parse_net(out, data, caplen, wirelen, 0, AF_INET6);
		return 0;
	default:
		set_status(out, NP_PKT_UNSUPPORTED, "unsupported link type");
		return NP_EINVAL;
	}

	/* 802.1Q and 802.1ad tags: TCI then the next type. libpcap puts back
	 * the tags the NIC stripped, for cooked captures too. */
	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD || type == ETHERTYPE_QINQ) {
		struct span t = sub_span(&s, off, wirelen - off);

		if (out->n_vlan == NP_VLAN_MAX) {
			set_status(out, NP_PKT_MALFORMED, "more than two VLAN tags");
			return 0;
		}
		if (!need(out, &t, 4, L_VLAN))
			return 0;
		out->vlan_tci[out->n_vlan++] = rd16(data + off);
		type = rd16(data + off + 2);
		off += 4;
	}
	out->ethertype = type;
	if (type == ETHERTYPE_IPV4) {
		parse_net(out, data, caplen, wirelen, off, AF_INET);
	} else if (type == ETHERTYPE_IPV6) {
		parse_net(out, data, caplen, wirelen, off, AF_INET6);
	} else {
		out->payload_off = off;
		out->payload_len = caplen - off;
	}
	return 0;
}

const char *np_tcp_flags_str(uint8_t flags, char *buf, size_t len)
{
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (flags == 0) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (int i = 0; i < 8; i++) {
		int n;

		if (!(flags & (1u << i)))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", names[i]);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';      /* whole names only */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}

int np_ttl_initial(int ttl)
{
	/* The initial TTLs in use: 64 (Linux, BSD, macOS), 128 (Windows),
	 * 255 (network gear, many ICMP stacks), 32 (old Windows). */
	static const int initial[] = { 32, 64, 128, 255 };

	if (ttl < 0 || ttl > 255)
		return NP_EINVAL;
	for (size_t i = 0; i < sizeof(initial) / sizeof(initial[0]); i++)
		if (ttl <= initial[i])
			return initial[i];
	return 255;
}

int np_ttl_hops(int ttl)
{
	int init = np_ttl_initial(ttl);

	return init < 0 ? init : init - ttl;
}
