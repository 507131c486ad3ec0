#include "flow.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NP_FLOW_BUCKETS 4096
/* Past the memory bound a packet keeps only its headers: enough for every
 * classifier and for Wireshark to dissect, never the payload. */
#define NP_FLOW_HEADER_BYTES 128
/* A flow lists at most this many packets for its classifier; later ones
 * are still saved to the file. */
#define NP_FLOW_MAX_LISTED 8192

struct flow_key {
	uint8_t proto;
	uint8_t family;
	uint16_t lport, rport;
	uint8_t laddr[16], raddr[16];
};

struct np_flow {
	struct flow_key key;
	np_flow_cb cb;
	void *arg;
	np_flow_keep_cb keep;
	void *keep_arg;
	struct np_flow_pkt *pkts;
	size_t n, cap;
	struct np_flow *next;       /* bucket chain */
	struct np_flow *all_next;   /* every flow, for freeing */
};

struct kept {
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	uint8_t *data;
	char *comment;
};

struct np_flow_table {
	struct np_flow *buckets[NP_FLOW_BUCKETS];
	struct np_flow *all;
	struct kept *kept;
	size_t n_kept, cap_kept;
	size_t max_bytes, bytes;
	uint64_t truncated;
};

struct np_flow_table *np_flow_table_new(size_t max_bytes, char *errbuf)
{
	struct np_flow_table *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "flow table: out of memory");
		return NULL;
	}
	t->max_bytes = max_bytes;
	return t;
}

void np_flow_table_free(struct np_flow_table *t)
{
	if (!t)
		return;
	while (t->all) {
		struct np_flow *f = t->all;

		t->all = f->all_next;
		free(f->pkts);
		free(f);
	}
	for (size_t i = 0; i < t->n_kept; i++) {
		free(t->kept[i].data);
		free(t->kept[i].comment);
	}
	free(t->kept);
	free(t);
}

static uint32_t key_hash(const struct flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h % NP_FLOW_BUCKETS;
}

static int sockaddr_key(const struct sockaddr *sa, uint8_t addr[16], uint16_t *port)
{
	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		memcpy(addr, &s->sin_addr, 4);
		*port = ntohs(s->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		memcpy(addr, &s->sin6_addr, 16);
		*port = ntohs(s->sin6_port);
		return 0;
	}
	return NP_EINVAL;
}

struct np_flow *np_flow_register(struct np_flow_table *t, int proto,
				 const struct sockaddr *local,
				 const struct sockaddr *remote,
				 np_flow_cb cb, void *arg)
{
	struct np_flow *f;
	uint32_t h;

	if (local->sa_family != remote->sa_family)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key.proto = (uint8_t)proto;
	f->key.family = (uint8_t)local->sa_family;
	if (sockaddr_key(local, f->key.laddr, &f->key.lport) < 0 ||
	    sockaddr_key(remote, f->key.raddr, &f->key.rport) < 0) {
		free(f);
		return NULL;
	}
	f->cb = cb;
	f->arg = arg;
	h = key_hash(&f->key);
	/* Newest first: a reused 5-tuple belongs to the latest flow. */
	f->next = t->buckets[h];
	t->buckets[h] = f;
	f->all_next = t->all;
	t->all = f;
	return f;
}

void np_flow_detach(struct np_flow *flow)
{
	if (!flow)
		return;
	flow->cb = NULL;
	flow->arg = NULL;
	flow->keep = NULL;
	flow->keep_arg = NULL;
}

void np_flow_set_keep(struct np_flow *flow, np_flow_keep_cb keep, void *arg)
{
	flow->keep = keep;
	flow->keep_arg = arg;
}

size_t np_flow_count(const struct np_flow *flow)
{
	return flow->n;
}

const struct np_flow_pkt *np_flow_packet(const struct np_flow *flow, size_t i)
{
	return i < flow->n ? &flow->pkts[i] : NULL;
}

static struct np_flow *lookup_exact(struct np_flow_table *t, const struct flow_key *k)
{
	for (struct np_flow *f = t->buckets[key_hash(k)]; f; f = f->next)
		if (memcmp(&f->key, k, sizeof(*k)) == 0)
			return f;
	return NULL;
}

/* The flow of a 5-tuple, else the one registered for any remote port of
 * that address. */
static struct np_flow *lookup(struct np_flow_table *t, const struct flow_key *k)
{
	struct np_flow *f = lookup_exact(t, k);
	struct flow_key any;

	if (f || k->rport == 0)
		return f;
	any = *k;
	any.rport = 0;
	return lookup_exact(t, &any);
}

static void make_key(struct flow_key *k, int proto, const struct np_pkt_ip *ip,
		     uint16_t sport, uint16_t dport, int reverse)
{
	size_t alen = ip->family == AF_INET ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->proto = (uint8_t)proto;
	k->family = (uint8_t)ip->family;
	memcpy(k->laddr, reverse ? ip->dst : ip->src, alen);
	memcpy(k->raddr, reverse ? ip->src : ip->dst, alen);
	k->lport = reverse ? dport : sport;
	k->rport = reverse ? sport : dport;
}

/* Find the flow of a packet: sent by us (src is local), received (dst is
 * local), or an ICMP error quoting a packet we sent. */
static struct np_flow *match(struct np_flow_table *t, const struct np_packet *p,
			     int *outgoing, int *icmp)
{
	struct flow_key k;
	struct np_flow *f;

	*icmp = 0;
	if (!p->has_ip)
		return NULL;
	if ((p->l4 == IPPROTO_TCP && p->tcp.has_ports) || (p->l4 == IPPROTO_UDP && p->udp.has_ports)) {
		uint16_t sp = p->l4 == IPPROTO_TCP ? p->tcp.sport : p->udp.sport;
		uint16_t dp = p->l4 == IPPROTO_TCP ? p->tcp.dport : p->udp.dport;

		make_key(&k, p->l4, &p->ip, sp, dp, 0);
		f = lookup(t, &k);
		if (f) {
			*outgoing = 1;
			return f;
		}
		make_key(&k, p->l4, &p->ip, sp, dp, 1);
		f = lookup(t, &k);
		*outgoing = 0;
		return f;
	}
	if ((p->l4 == IPPROTO_ICMP || p->l4 == IPPROTO_ICMPV6) && p->icmp_is_error &&
	    p->has_inner_ip && p->inner_has_ports &&
	    (p->inner_l4 == IPPROTO_TCP || p->inner_l4 == IPPROTO_UDP)) {
		uint16_t sp = p->inner_l4 == IPPROTO_TCP ? p->inner_tcp.sport : p->inner_udp.sport;
		uint16_t dp = p->inner_l4 == IPPROTO_TCP ? p->inner_tcp.dport : p->inner_udp.dport;

		make_key(&k, p->inner_l4, &p->inner_ip, sp, dp, 0);
		f = lookup(t, &k);
		if (!f) {
			/* The quoted source was rewritten on the way (NAT): the
			 * flow registered with no local address and port, if
			 * any, takes it. */
			memset(k.laddr, 0, sizeof(k.laddr));
			k.lport = 0;
			f = lookup(t, &k);
		}
		*outgoing = 0;
		*icmp = f != NULL;
		return f;
	}
	return NULL;
}

static int keep(struct np_flow_table *t, uint64_t ts_ns, const uint8_t *data,
		uint32_t caplen, uint32_t wirelen)
{
	struct kept *k;
	uint32_t n = caplen;

	if (t->n_kept == t->cap_kept) {
		size_t cap = t->cap_kept ? t->cap_kept * 2 : 1024;
		struct kept *v = realloc(t->kept, cap * sizeof(*v));

		if (!v)
			return NP_ENOMEM;
		t->kept = v;
		t->cap_kept = cap;
	}
	if (t->bytes + n > t->max_bytes) {
		if (n > NP_FLOW_HEADER_BYTES)
			n = NP_FLOW_HEADER_BYTES;
		t->truncated++;
	}
	k = &t->kept[t->n_kept];
	k->data = malloc(n ? n : 1);
	if (!k->data)
		return NP_ENOMEM;
	memcpy(k->data, data, n);
	k->ts_ns = ts_ns;
	k->caplen = n;
	k->wirelen = wirelen;
	k->comment = NULL;
	t->bytes += n;
	t->n_kept++;
	return 0;
}

uint32_t np_flow_input(struct np_flow_table *t, int dlt, uint64_t ts_ns, int64_t mono_us,
		       const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct np_flow_pkt fp;
	struct np_flow *f;
	int outgoing = 0, icmp = 0;

	memset(&fp, 0, sizeof(fp));
	np_dissect(dlt, data, caplen, wirelen, &fp.pkt);
	f = match(t, &fp.pkt, &outgoing, &icmp);
	if (!f)
		return 0;
	fp.mono_us = mono_us;
	fp.outgoing = outgoing;
	fp.icmp = icmp;
	if (f->keep && !f->keep(&fp, f->keep_arg)) {
		if (f->cb)
			f->cb(f, &fp, f->arg);
		return 0;
	}
	if (keep(t, ts_ns, data, caplen, wirelen) < 0)
		return 0;
	fp.frame = (uint32_t)t->n_kept;
	if (f->n < NP_FLOW_MAX_LISTED) {
		if (f->n == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 8;
			struct np_flow_pkt *v = realloc(f->pkts, cap * sizeof(*v));

			if (!v)
				return fp.frame;
			f->pkts = v;
			f->cap = cap;
		}
		f->pkts[f->n++] = fp;
	}
	if (f->cb)
		f->cb(f, &fp, f->arg);
	return fp.frame;
}

int np_flow_comment(struct np_flow_table *t, uint32_t frame, const char *text)
{
	struct kept *k;
	char *c;

	if (frame == 0 || frame > t->n_kept)
		return NP_EINVAL;
	k = &t->kept[frame - 1];
	if (k->comment) {
		if (asprintf(&c, "%s; %s", k->comment, text) < 0)
			return NP_ENOMEM;
		free(k->comment);
	} else {
		c = strdup(text);
		if (!c)
			return NP_ENOMEM;
	}
	k->comment = c;
	return 0;
}

size_t np_flow_kept_count(const struct np_flow_table *t)
{
	return t->n_kept;
}

void np_flow_kept(const struct np_flow_table *t, size_t i, struct np_kept *out)
{
	const struct kept *k = &t->kept[i];

	out->ts_ns = k->ts_ns;
	out->caplen = k->caplen;
	out->wirelen = k->wirelen;
	out->data = k->data;
	out->comment = k->comment;
}

uint64_t np_flow_truncated(const struct np_flow_table *t)
{
	return t->truncated;
}
