/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "trace_quote.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "error.h"

static const char *const field_names[NP_TF_COUNT] = {
	"source_address", "source_port", "dscp", "ecn",
	"tcp_seq", "tcp_mss", "tcp_options", "udp_checksum",
};

const char *np_trace_field_name(unsigned field)
{
	for (unsigned i = 0; i < NP_TF_COUNT; i++)
		if (field == 1u << i)
			return field_names[i];
	return NULL;
}

unsigned np_trace_hdr_options(const struct np_trace_hdr *h)
{
	return (h->sack_perm ? NP_TOPT_SACK_PERM : 0) | (h->ts ? NP_TOPT_TS : 0) |
	       (h->wscale >= 0 ? NP_TOPT_WSCALE : 0);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* Linux's SYN layout (tcp_options_write()): the timestamps option follows
 * SACK-permitted in one aligned word pair, else NOPs pad each option. */
size_t np_trace_tcp_options(const struct np_trace_hdr *h, uint8_t *buf, size_t len)
{
	uint8_t o[NP_TRACE_TCP_OPTIONS_MAX];
	size_t n = 0;

	if (h->mss >= 0) {
		o[n++] = 2;
		o[n++] = 4;
		put16(o + n, (uint16_t)h->mss);
		n += 2;
	}
	if (h->ts) {
		if (h->sack_perm) {
			o[n++] = 4;
			o[n++] = 2;
		} else {
			o[n++] = 1;
			o[n++] = 1;
		}
		o[n++] = 8;
		o[n++] = 10;
		put32(o + n, h->tsval);
		put32(o + n + 4, 0);
		n += 8;
	} else if (h->sack_perm) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 4;
		o[n++] = 2;
	}
	if (h->wscale >= 0) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = (uint8_t)h->wscale;
	}
	if (n > len)
		return 0;
	memcpy(buf, o, n);
	return n;
}

/* The ones' complement sum of the pseudo-header, the UDP header with a
 * zero checksum and the payload, folded, not complemented (RFC 1071). */
static uint16_t udp_sum(const struct np_trace_hdr *h)
{
	uint8_t b[40 + 8 + NP_TRACE_UDP_PAYLOAD + 1];
	size_t alen = h->family == AF_INET ? 4 : 16, n = 0;
	uint16_t ulen = (uint16_t)(8 + h->payload_len);
	uint32_t sum = 0;

	memset(b, 0, sizeof(b));
	memcpy(b, h->src, alen);
	memcpy(b + alen, h->dst, alen);
	n = 2 * alen;
	if (h->family == AF_INET) {
		b[n + 1] = IPPROTO_UDP;     /* zero, protocol, UDP length */
		put16(b + n + 2, ulen);
		n += 4;
	} else {
		put32(b + n, ulen);         /* length, 3 zero bytes, next header */
		b[n + 7] = IPPROTO_UDP;
		n += 8;
	}
	put16(b + n, h->sport);
	put16(b + n + 2, h->dport);
	put16(b + n + 4, ulen);
	n += 8;
	memcpy(b + n, h->payload, h->payload_len);
	n += h->payload_len;
	for (size_t i = 0; i < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);   /* b[n] is the zero pad */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t np_trace_udp_checksum(const struct np_trace_hdr *h)
{
	uint16_t c = (uint16_t)~udp_sum(h);

	return c == 0 ? 0xffff : c;     /* RFC 768: a computed zero is sent as all ones */
}

int np_trace_udp_fill(struct np_trace_hdr *h)
{
	uint32_t w;
	uint16_t s;

	if (h->udp_sum == 0 || h->udp_sum == 0xffff)
		return NP_EINVAL;
	h->payload_len = NP_TRACE_UDP_PAYLOAD;
	memset(h->payload, 0, sizeof(h->payload));
	s = udp_sum(h);
	/* ~(s + w) = want, so w = ~want - s: in ones' complement, adding ~s
	 * subtracts s. */
	w = (uint32_t)(uint16_t)~h->udp_sum + (uint16_t)~s;
	w = (w & 0xffff) + (w >> 16);
	put16(h->payload, (uint16_t)w);
	return np_trace_udp_checksum(h) == h->udp_sum ? 0 : NP_EINVAL;
}

static unsigned quoted_options(const struct np_pkt_tcp *t)
{
	return (t->sack_perm ? NP_TOPT_SACK_PERM : 0) | (t->has_ts ? NP_TOPT_TS : 0) |
	       (t->wscale >= 0 ? NP_TOPT_WSCALE : 0);
}

/* A field the quote holds: known, and changed when it differs. */
static void known_field(struct np_trace_diff *d, unsigned *known, unsigned field, uint32_t seen, uint32_t sent)
{
	*known |= field;
	if (seen != sent)
		d->changed |= field;
}

/* The TCP part of the quote past the ports: the sequence number in its
 * first 8 bytes, options only when the whole header was quoted. */
static void diff_tcp(const struct np_trace_hdr *s, const struct np_pkt_tcp *t,
		     struct np_trace_diff *d, unsigned *known)
{
	if (t->has_seq) {
		d->seq = t->seq;
		known_field(d, known, NP_TF_TCP_SEQ, t->seq, s->seq);
	}
	if (!t->has_options)
		return;
	d->mss = t->mss;
	d->options = quoted_options(t);
	d->wscale = t->wscale;
	known_field(d, known, NP_TF_TCP_MSS, (uint32_t)t->mss, (uint32_t)s->mss);
	*known |= NP_TF_TCP_OPTIONS;
	if (d->options != np_trace_hdr_options(s) ||
	    (s->wscale >= 0 && t->wscale >= 0 && t->wscale != s->wscale) ||
	    (s->ts && t->has_ts && t->tsval != s->tsval))
		d->changed |= NP_TF_TCP_OPTIONS;
}

int np_trace_quote_diff(const struct np_trace_hdr *s, const struct np_packet *p,
			struct np_trace_diff *d)
{
	const struct np_pkt_ip *q = &p->inner_ip;
	unsigned all = s->proto == IPPROTO_TCP ? NP_TF_TCP_ALL : NP_TF_UDP_ALL, known = 0;
	size_t alen = s->family == AF_INET ? 4 : 16;

	memset(d, 0, sizeof(*d));
	d->mss = -1;
	d->wscale = -1;
	if (!p->icmp_is_error || !p->has_inner_ip || q->family != s->family ||
	    !q->proto_known || q->proto != s->proto)
		return NP_EINVAL;
	/* The IP header is always quoted whole (RFC 792, RFC 4443 2.4(c)). */
	memcpy(d->src, q->src, alen);
	d->dscp = q->dscp;
	d->ecn = q->ecn;
	known |= NP_TF_SRC_ADDR;
	if (memcmp(q->src, s->src, alen) != 0)
		d->changed |= NP_TF_SRC_ADDR;
	known_field(d, &known, NP_TF_DSCP, q->dscp, (uint32_t)s->tclass >> 2);
	known_field(d, &known, NP_TF_ECN, q->ecn, s->tclass & 3u);
	if (p->inner_l4 == s->proto && p->inner_has_ports) {
		d->sport = s->proto == IPPROTO_TCP ? p->inner_tcp.sport : p->inner_udp.sport;
		known_field(d, &known, NP_TF_SRC_PORT, d->sport, s->sport);
	}
	if (p->inner_l4 == s->proto && s->proto == IPPROTO_TCP) {
		diff_tcp(s, &p->inner_tcp, d, &known);
	} else if (p->inner_l4 == s->proto && p->inner_udp.has_len_sum) {
		d->udp_sum = p->inner_udp.checksum;
		known_field(d, &known, NP_TF_UDP_CHECKSUM, d->udp_sum, s->udp_sum);
	}
	d->unknown = all & ~known;
	d->changed &= known;
	return 0;
}

static const char *options_str(unsigned opts, int wscale, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", opts & NP_TOPT_SACK_PERM ? "sack_perm," : "",
		 opts & NP_TOPT_TS ? "timestamps," : "", opts & NP_TOPT_WSCALE ? "wscale," : "");
	if (!buf[0])
		snprintf(buf, len, "none");
	else
		buf[strlen(buf) - 1] = '\0';
	if ((opts & NP_TOPT_WSCALE) && wscale >= 0 && strlen(buf) + 8 < len)
		snprintf(buf + strlen(buf), len - strlen(buf), " %d", wscale);
	return buf;
}

static const char *value_str(int family, unsigned field, const uint8_t *src, unsigned num,
			     int mss, unsigned opts, int wscale, char *buf, size_t len)
{
	switch (field) {
	case NP_TF_SRC_ADDR:
		if (!inet_ntop(family, src, buf, (socklen_t)len))
			snprintf(buf, len, "?");
		return buf;
	case NP_TF_TCP_MSS:
		if (mss < 0)
			snprintf(buf, len, "none");
		else
			snprintf(buf, len, "%d", mss);
		return buf;
	case NP_TF_TCP_OPTIONS:
		return options_str(opts, wscale, buf, len);
	case NP_TF_UDP_CHECKSUM:
		snprintf(buf, len, "0x%04x", num);
		return buf;
	default:
		snprintf(buf, len, "%u", num);
		return buf;
	}
}

static unsigned sent_num(const struct np_trace_hdr *s, unsigned field)
{
	switch (field) {
	case NP_TF_SRC_PORT: return s->sport;
	case NP_TF_DSCP: return s->tclass >> 2;
	case NP_TF_ECN: return s->tclass & 3;
	case NP_TF_TCP_SEQ: return s->seq;
	case NP_TF_UDP_CHECKSUM: return s->udp_sum;
	default: return 0;
	}
}

static unsigned diff_num(const struct np_trace_diff *d, unsigned field)
{
	switch (field) {
	case NP_TF_SRC_PORT: return d->sport;
	case NP_TF_DSCP: return d->dscp;
	case NP_TF_ECN: return d->ecn;
	case NP_TF_TCP_SEQ: return d->seq;
	case NP_TF_UDP_CHECKSUM: return d->udp_sum;
	default: return 0;
	}
}

const char *np_trace_diff_value(const struct np_trace_hdr *sent, const struct np_trace_diff *d,
				unsigned field, char *buf, size_t len)
{
	return value_str(sent->family, field, d->src, diff_num(d, field), d->mss, d->options,
			 d->wscale, buf, len);
}

const char *np_trace_sent_value(const struct np_trace_hdr *sent, unsigned field, char *buf, size_t len)
{
	return value_str(sent->family, field, sent->src, sent_num(sent, field), sent->mss,
			 np_trace_hdr_options(sent), sent->wscale, buf, len);
}
