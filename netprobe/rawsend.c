/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "rawsend.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <libnet.h>

#include "clock.h"

/* What the pblocks of a context hold now: rebuilding the same kind of
 * packet reuses them in place (libnet's ptags); another kind clears them. */
enum kind { K_NONE, K_TCP, K_UDP };

struct ctx {
	libnet_t *l;
	enum kind kind;
	size_t opt_len;
	libnet_ptag_t opt, l4, ip;
	char why[NP_ERRBUF_SIZE];   /* why there is no socket, when l is NULL */
};

struct np_rawsend {
	struct ctx v4, v6;
};

static int open_ctx(struct ctx *c, int type, const char *device, const char *name, int *perm)
{
	char err[LIBNET_ERRBUF_SIZE] = "";

	errno = 0;
	c->l = libnet_init(type, device, err);
	if (!c->l) {
		/* libnet may call more after the socket() that failed: its
		 * message says why as well. */
		if (errno == EPERM || errno == EACCES || strstr(err, strerror(EPERM)) ||
		    strstr(err, strerror(EACCES)))
			*perm = 1;
		err[strcspn(err, "\n")] = '\0';
		snprintf(c->why, sizeof(c->why), "no raw %s socket: %.200s", name, err);
		return NP_ESYS;
	}
	/* libnet 1.1.6 binds only its IPv4 socket to the device. */
	if (device && setsockopt(libnet_getfd(c->l), SOL_SOCKET, SO_BINDTODEVICE, device,
				 (socklen_t)strlen(device)) < 0) {
		snprintf(c->why, sizeof(c->why), "raw %s socket: cannot bind to %.40s: %s", name, device,
			 strerror(errno));
		libnet_destroy(c->l);
		c->l = NULL;
		return NP_ESYS;
	}
	return 0;
}

struct np_rawsend *np_rawsend_open(const char *device, char *errbuf, int *perm)
{
	struct np_rawsend *r = calloc(1, sizeof(*r));
	int p4 = 0, p6 = 0;

	*perm = 0;
	if (!r) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "raw sockets: out of memory");
		return NULL;
	}
	if (device && !device[0])
		device = NULL;
	open_ctx(&r->v4, LIBNET_RAW4, device, "IPv4", &p4);
	open_ctx(&r->v6, LIBNET_RAW6, device, "IPv6", &p6);
	if (!r->v4.l && !r->v6.l) {
		*perm = p4;
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", r->v4.why);
		np_rawsend_free(r);
		return NULL;
	}
	return r;
}

void np_rawsend_free(struct np_rawsend *r)
{
	if (!r)
		return;
	if (r->v4.l)
		libnet_destroy(r->v4.l);
	if (r->v6.l)
		libnet_destroy(r->v6.l);
	free(r);
}

const char *np_rawsend_unavailable(const struct np_rawsend *r, int family)
{
	const struct ctx *c = family == AF_INET6 ? &r->v6 : &r->v4;

	return c->l ? NULL : c->why;
}

static int fail(struct ctx *c, char *errbuf, const char *what)
{
	snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %.200s", what, libnet_geterror(c->l));
	/* Whatever was half built is dropped; the next packet starts over. */
	libnet_clear_packet(c->l);
	c->kind = K_NONE;
	return NP_ESYS;
}

static void set_kind(struct ctx *c, enum kind k, size_t opt_len)
{
	if (c->kind == k && c->opt_len == opt_len)
		return;
	libnet_clear_packet(c->l);
	c->kind = k;
	c->opt_len = opt_len;
	c->opt = c->l4 = c->ip = 0;
}

/* The transport header, innermost first; *len is its length. */
static int build_l4(struct ctx *c, const struct np_trace_hdr *h, uint32_t *len, char *errbuf)
{
	uint8_t opts[NP_TRACE_TCP_OPTIONS_MAX];
	size_t n;

	if (h->proto == IPPROTO_UDP) {
		set_kind(c, K_UDP, 0);
		*len = (uint32_t)(LIBNET_UDP_H + h->payload_len);
		/* The checksum was chosen (np_trace_udp_fill): non-zero, so
		 * libnet leaves it as it is. */
		c->l4 = libnet_build_udp(h->sport, h->dport, (uint16_t)*len, h->udp_sum, h->payload,
					 (uint32_t)h->payload_len, c->l, c->l4);
		return c->l4 < 0 ? fail(c, errbuf, "building the UDP header") : 0;
	}
	n = np_trace_tcp_options(h, opts, sizeof(opts));
	set_kind(c, K_TCP, n);
	if (n) {
		c->opt = libnet_build_tcp_options(opts, (uint32_t)n, c->l, c->opt);
		if (c->opt < 0)
			return fail(c, errbuf, "building the TCP options");
	}
	*len = (uint32_t)(LIBNET_TCP_H + n);
	/* Checksum 0: libnet computes it over the pseudo-header. */
	c->l4 = libnet_build_tcp(h->sport, h->dport, h->seq, h->ack, h->flags, h->window, 0, 0,
				 (uint16_t)*len, NULL, 0, c->l, c->l4);
	return c->l4 < 0 ? fail(c, errbuf, "building the TCP header") : 0;
}

static int send_v4(struct ctx *c, const struct np_trace_hdr *h, uint32_t l4len, char *errbuf)
{
	uint32_t src, dst;

	memcpy(&src, h->src, 4);
	memcpy(&dst, h->dst, 4);
	c->ip = libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + l4len), h->tclass, h->ip_id, IP_DF, h->ttl,
				  (uint8_t)h->proto, 0, src, dst, NULL, 0, c->l, c->ip);
	if (c->ip < 0)
		return fail(c, errbuf, "building the IPv4 header");
	if (libnet_write(c->l) < 0)
		return fail(c, errbuf, "sending");
	return 0;
}

static int send_v6(struct ctx *c, const struct np_trace_hdr *h, uint32_t l4len, char *errbuf)
{
	struct libnet_in6_addr src, dst;

	if (np_rawsend_flow_label(h->flow_label) != h->flow_label) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "flow label 0x%05x cannot be sent through libnet", h->flow_label);
		return NP_EINVAL;
	}
	memcpy(&src, h->src, 16);
	memcpy(&dst, h->dst, 16);
	c->ip = libnet_build_ipv6(h->tclass, h->flow_label, (uint16_t)l4len, (uint8_t)h->proto, h->ttl,
				  src, dst, NULL, 0, c->l, c->ip);
	if (c->ip < 0)
		return fail(c, errbuf, "building the IPv6 header");
	if (libnet_write(c->l) < 0)
		return fail(c, errbuf, "sending");
	return 0;
}

static void copy_addr(const struct sockaddr *sa, uint8_t addr[16], uint16_t *port)
{
	if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		*port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	}
}

void np_rawsend_base(struct np_trace_hdr *h, int proto, const struct sockaddr *src,
		     const struct sockaddr *dst, int mtu)
{
	int fam = dst->sa_family;

	memset(h, 0, sizeof(*h));
	h->family = fam;
	h->proto = proto;
	copy_addr(src, h->src, &h->sport);
	copy_addr(dst, h->dst, &h->dport);
	h->ip_id = (uint16_t)np_rawsend_random32();
	h->flow_label = np_rawsend_flow_label(np_rawsend_random32() | 1);
	h->mss = mtu - (fam == AF_INET ? 40 : 60);
	if (h->mss < 536 || h->mss > 65495)
		h->mss = fam == AF_INET ? 1460 : 1440;
	h->window = (uint16_t)(65535 / h->mss * h->mss);
	h->wscale = 7;
	h->sack_perm = 1;
	h->ts = 1;
	h->tsval = np_rawsend_random32();
	h->flags = NP_TCP_SYN;
	h->seq = np_rawsend_random32();
}

uint32_t np_rawsend_random32(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint32_t)np_now_us() * 2654435761u;
	return v;
}

/* libnet 1.1.6 writes "fl & 0x0FF00 >> 8" into the label's middle byte
 * (libnet_build_ipv6(): >> binds first), that is its low byte: a label
 * goes out as given only when those two bytes are equal. */
uint32_t np_rawsend_flow_label(uint32_t v)
{
	return (v & 0xf0000) | (v & 0xff) << 8 | (v & 0xff);
}

int np_rawsend_send(struct np_rawsend *r, const struct np_trace_hdr *h, char *errbuf)
{
	struct ctx *c = h->family == AF_INET6 ? &r->v6 : &r->v4;
	uint32_t l4len;

	if (!c->l) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", c->why);
		return NP_ESYS;
	}
	if (build_l4(c, h, &l4len, errbuf) < 0)
		return NP_ESYS;
	return h->family == AF_INET6 ? send_v6(c, h, l4len, errbuf) : send_v4(c, h, l4len, errbuf);
}
