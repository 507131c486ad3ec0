/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain: reading frames into the connection table, finishing
 * connections, the public API. What a finished connection says is
 * explain_findings.c's. */
#include "explain.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capfile.h"
#include "capture.h"
#include "dissect.h"
#include "explain_int.h"
#include "finding.h"
#include "tcp_events.h"

#define MIN_BUCKETS 4096
#define MAX_HOSTS 65536
#define SPARE_MAX 1024

/* --- small helpers ------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static size_t key_hash(const struct np_explain_key *k, size_t n_buckets)
{
	uint64_t w[5], h = 0;

	memcpy(w, k, sizeof(w));
	for (int i = 0; i < 5; i++)
		h = mix(h, w[i]);
	return (size_t)(h & (n_buckets - 1));
}

_Static_assert(sizeof(struct np_explain_key) == 40, "the key is hashed as five 64-bit words");
_Static_assert(NP_EXPLAIN_OUT_TLS_ALERT < sizeof(((struct np_explain *)0)->n_kind) / sizeof(size_t),
	       "a count per outcome");

/* The canonical key of a packet from (src, sport) to (dst, dport); *dir
 * is the side that sent it. */
static void make_key(struct np_explain_key *k, int family, const uint8_t *src, uint16_t sport,
		     const uint8_t *dst, uint16_t dport, int *dir)
{
	size_t alen = family == AF_INET ? 4 : 16;
	int c = memcmp(src, dst, alen);

	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)family;
	*dir = c > 0 || (c == 0 && sport > dport);
	memcpy(k->addr[*dir], src, alen);
	memcpy(k->addr[!*dir], dst, alen);
	k->port[*dir] = sport;
	k->port[!*dir] = dport;
}

/* --- the connection table ----------------------------------------------- */

static void list_unlink(struct np_explain_list *l, struct np_explain_flow *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		l->head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NULL;
}

static void list_append(struct np_explain_list *l, struct np_explain_flow *f)
{
	f->next = NULL;
	f->prev = l->tail;
	if (l->tail)
		l->tail->next = f;
	else
		l->head = f;
	l->tail = f;
}

static struct np_explain_flow *lookup(struct np_explain *e, const struct np_explain_key *k)
{
	for (struct np_explain_flow *f = e->buckets[key_hash(k, e->n_buckets)]; f; f = f->hnext)
		if (memcmp(&f->key, k, sizeof(*k)) == 0)
			return f;
	return NULL;
}

static void hash_remove(struct np_explain *e, struct np_explain_flow *f)
{
	struct np_explain_flow **pp = &e->buckets[key_hash(&f->key, e->n_buckets)];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
}

/* Doubles the buckets while the table grows (at most one per flow). */
static void hash_grow(struct np_explain *e)
{
	size_t n = e->n_buckets * 2;
	struct np_explain_flow **b;

	if (e->n_flows < e->n_buckets || e->n_buckets >= e->max_flows)
		return;
	b = calloc(n, sizeof(*b));
	if (!b)
		return;     /* longer chains, still correct */
	for (size_t i = 0; i < e->n_buckets; i++) {
		struct np_explain_flow *f = e->buckets[i], *next;

		for (; f; f = next) {
			size_t h = key_hash(&f->key, n);

			next = f->hnext;
			f->hnext = b[h];
			b[h] = f;
		}
	}
	free(e->buckets);
	e->buckets = b;
	e->n_buckets = n;
}

/* --- hosts -------------------------------------------------------------- */

static size_t host_slot(const struct np_explain *e, int family, const uint8_t *addr)
{
	uint64_t w[2] = {0, 0};
	size_t mask = e->cap_hosts - 1, i;

	memcpy(w, addr, family == AF_INET ? 4 : 16);
	i = (size_t)mix(mix((uint64_t)family, w[0]), w[1]) & mask;
	while (e->hosts[i].used && (e->hosts[i].family != family ||
				    memcmp(e->hosts[i].addr, addr, family == AF_INET ? 4 : 16) != 0))
		i = (i + 1) & mask;
	return i;
}

const struct np_explain_host *np_explain_host_get(const struct np_explain *e, int family,
						  const uint8_t *addr)
{
	size_t i;

	if (!e->hosts)
		return NULL;
	i = host_slot(e, family, addr);
	return e->hosts[i].used && e->hosts[i].ref.n ? &e->hosts[i] : NULL;
}

static void host_note(struct np_explain *e, int family, const uint8_t *addr,
		      const struct np_tcp_side *s)
{
	struct np_explain_host *h;
	size_t i;

	if (!s->ttl.n)
		return;
	if (!e->hosts || (e->n_hosts + 1) * 2 > e->cap_hosts) {
		/* Open addressing, kept at most half full. */
		size_t cap = e->cap_hosts ? e->cap_hosts * 2 : 1024;
		struct np_explain_host *old = e->hosts;
		size_t old_cap = e->cap_hosts;

		if (e->n_hosts >= MAX_HOSTS)
			return;
		e->hosts = calloc(cap, sizeof(*e->hosts));
		if (!e->hosts) {
			e->hosts = old;
			return;
		}
		e->cap_hosts = cap;
		for (size_t j = 0; j < old_cap; j++)
			if (old[j].used)
				e->hosts[host_slot(e, old[j].family, old[j].addr)] = old[j];
		free(old);
	}
	i = host_slot(e, family, addr);
	h = &e->hosts[i];
	if (!h->used) {
		memset(h, 0, sizeof(*h));
		h->used = 1;
		h->family = (uint8_t)family;
		memcpy(h->addr, addr, family == AF_INET ? 4 : 16);
		np_ttl_ref_init(&h->ref);
		e->n_hosts++;
	}
	np_ttl_ref_merge(&h->ref, &s->ttl);
}

/* --- finishing connections ---------------------------------------------- */

static void flow_free(struct np_explain *e, struct np_explain_flow *f)
{
	list_unlink(f->closed ? &e->closed : &e->open, f);
	hash_remove(e, f);
	e->n_flows--;
	/* Keep a few for the connections to come: a busy capture opens and
	 * finishes them by the thousand. */
	if (e->n_spare < SPARE_MAX) {
		f->hnext = e->spare;
		e->spare = f;
		e->n_spare++;
		return;
	}
	free(f);
}

/* A connection is done (closed and quiet, pushed out by the bound, or the
 * file ended): learn its ends' distances, keep it if it has a story. */
static void finish_flow(struct np_explain *e, struct np_explain_flow *f)
{
	enum np_explain_outcome oc;

	for (int d = 0; d < 2; d++)
		host_note(e, f->key.family, f->key.addr[d], &f->trk.side[d]);
	if (f->trk.max_gap_ns > e->st.longest_gap_ns)
		e->st.longest_gap_ns = f->trk.max_gap_ns;
	e->st.idle_survived += f->trk.n_idle - (f->trk.n_idle && !f->trk.seg.revived ? 1 : 0);
	oc = np_explain_outcome(e, f);
	f->outcome = (uint8_t)oc;
	np_explain_tally(e, f, oc);
	if (e->want_conns && np_explain_conn_note(e, f) < 0)
		e->err = NP_ENOMEM;
	if (oc != NP_EXPLAIN_OUT_NONE) {
		e->st.problems++;
		/* Each kind keeps its first ones, so a flood of one kind
		 * (a scan's refusals) does not hide the others. */
		if (e->n_kind[oc] >= e->max_findings) {
			e->st.unlisted++;
		} else {
			if (e->n_out == e->cap_out) {
				size_t cap = e->cap_out ? e->cap_out * 2 : 64;
				struct np_explain_flow *v = realloc(e->out, cap * sizeof(*v));

				if (!v) {
					e->err = NP_ENOMEM;
					flow_free(e, f);
					return;
				}
				e->out = v;
				e->cap_out = cap;
			}
			e->out[e->n_out] = *f;
			e->out[e->n_out].hnext = e->out[e->n_out].prev = e->out[e->n_out].next = NULL;
			e->n_out++;
			e->n_kind[oc]++;
		}
	}
	flow_free(e, f);
}

static struct np_explain_flow *flow_new(struct np_explain *e, const struct np_explain_key *k)
{
	struct np_explain_flow *f;
	size_t h;

	if (e->n_flows >= e->max_flows) {
		/* The bound: finish the least recently active connection,
		 * a closed one first. */
		struct np_explain_flow *old = e->closed.head ? e->closed.head : e->open.head;

		if (old) {
			e->st.flows_early++;
			finish_flow(e, old);
		}
	}
	f = e->spare;
	if (f) {
		e->spare = f->hnext;
		e->n_spare--;
	} else {
		f = malloc(sizeof(*f));
	}
	if (!f) {
		e->err = NP_ENOMEM;
		return NULL;
	}
	memset(f, 0, offsetof(struct np_explain_flow, trk));
	f->key = *k;
	np_tcp_track_init(&f->trk, e->min_idle_ns);
	h = key_hash(k, e->n_buckets);
	f->hnext = e->buckets[h];
	e->buckets[h] = f;
	list_append(&e->open, f);
	e->n_flows++;
	e->st.flows++;
	if (e->n_flows > e->st.flows_peak)
		e->st.flows_peak = e->n_flows;
	hash_grow(e);
	return f;
}

/* Closed connections quiet for longer than the linger time are done; the
 * closed list is in order of last activity. */
static void expire(struct np_explain *e)
{
	while (e->closed.head && e->now_ns - e->closed.head->last_ns > e->linger_ns)
		finish_flow(e, e->closed.head);
}

static void touch(struct np_explain *e, struct np_explain_flow *f)
{
	const struct np_tcp_track *t = &f->trk;
	int closed = t->side[0].rst.frame || t->side[1].rst.frame ||
		     (t->side[0].fin.frame && t->side[1].fin.frame);

	list_unlink(f->closed ? &e->closed : &e->open, f);
	f->closed = (uint8_t)closed;
	list_append(closed ? &e->closed : &e->open, f);
	f->last_ns = e->now_ns;
}

/* --- packets ------------------------------------------------------------ */

static void tcp_segment(struct np_explain *e, const struct np_packet *p, const uint8_t *data,
			uint32_t wirelen)
{
	struct np_tcp_pkt tp;
	struct np_explain_key k;
	struct np_explain_flow *f;
	int dir;

	make_key(&k, p->ip.family, p->ip.src, p->tcp.sport, p->ip.dst, p->tcp.dport, &dir);
	f = lookup(e, &k);
	if (f && (p->tcp.flags & (NP_TCP_SYN | NP_TCP_ACK)) == NP_TCP_SYN) {
		const struct np_tcp_track *t = &f->trk;

		/* A new SYN on a known 5-tuple: the port was reused for a new
		 * connection, unless it is the same SYN again, or the SYN that
		 * the other side's SYN-ACK, captured first, acknowledged. */
		int reordered = t->syn_dir < 0 && t->side[dir].have_una && !f->closed &&
				t->side[dir].snd_una == p->tcp.seq + 1;

		if (!reordered &&
		    (t->syn_dir < 0 || f->closed || t->syn_seq != p->tcp.seq || t->syn_dir != dir)) {
			finish_flow(e, f);
			f = NULL;
		}
	}
	if (!f) {
		f = flow_new(e, &k);
		if (!f)
			return;
	}
	tp.frame = e->frame;
	tp.t_ns = e->now_ns;
	tp.dir = (uint8_t)dir;
	tp.flags = p->tcp.flags;
	tp.ttl = p->ip.ttl;
	tp.seq = p->tcp.seq;
	tp.ack = p->tcp.ack;
	tp.len = np_tcp_seg_len(p, wirelen);
	tp.win0 = p->tcp.window == 0 && !(p->tcp.flags & (NP_TCP_SYN | NP_TCP_RST));
	f->bytes[dir] += tp.len;
	if (e->cur_dir == NP_CAPFILE_DIR_OUT)
		f->outbound |= (uint8_t)(1 << dir);
	np_tcp_track_add(&f->trk, &tp);
	np_explain_tls_segment(&f->tls, &tp, data + p->payload_off, p->payload_len);
	if ((f->tls.cut & (1 << dir)) && !f->cut_frame[dir]) {
		f->cut_frame[dir] = e->frame;
		f->cut_kept[dir] = (uint32_t)p->payload_len;
		f->cut_len[dir] = tp.len;
	}
	e->st.tcp++;
	touch(e, f);
}

static enum np_explain_icmp_kind icmp_kind(const struct np_packet *p)
{
	if (p->l4 == IPPROTO_ICMP) {
		if (p->icmp_type == 11)
			return NP_EXPLAIN_ICMP_EXCEEDED;
		if (p->icmp_type != 3)
			return NP_EXPLAIN_ICMP_OTHER;
		switch (p->icmp_code) {
		case 9: case 10: case 13: return NP_EXPLAIN_ICMP_PROHIBITED;
		case 3: return NP_EXPLAIN_ICMP_PORT_UNREACH;
		case 4: return NP_EXPLAIN_ICMP_OTHER;      /* fragmentation needed */
		default: return NP_EXPLAIN_ICMP_UNREACH;
		}
	}
	if (p->icmp_type == 3)
		return NP_EXPLAIN_ICMP_EXCEEDED;
	if (p->icmp_type != 1)
		return NP_EXPLAIN_ICMP_OTHER;
	switch (p->icmp_code) {
	case 1: case 5: case 6: return NP_EXPLAIN_ICMP_PROHIBITED;
	case 4: return NP_EXPLAIN_ICMP_PORT_UNREACH;
	default: return NP_EXPLAIN_ICMP_UNREACH;
	}
}

/* An ICMP error quoting a segment of a known connection: its first one
 * about reachability is kept. */
static void icmp_error(struct np_explain *e, const struct np_packet *p)
{
	enum np_explain_icmp_kind kind = icmp_kind(p);
	struct np_explain_key k;
	struct np_explain_flow *f;
	int dir;

	if (kind == NP_EXPLAIN_ICMP_OTHER || p->inner_ip.family != p->ip.family)
		return;
	make_key(&k, p->inner_ip.family, p->inner_ip.src, p->inner_tcp.sport,
		 p->inner_ip.dst, p->inner_tcp.dport, &dir);
	f = lookup(e, &k);
	if (!f)
		return;
	e->st.icmp++;
	if (!f->has_icmp) {
		f->has_icmp = 1;
		f->icmp.mark.frame = e->frame;
		f->icmp.mark.t_ns = e->now_ns;
		f->icmp.mark.ttl = p->ip.ttl;
		f->icmp.kind = (uint8_t)kind;
		f->icmp.type = (uint8_t)p->icmp_type;
		f->icmp.code = (uint8_t)p->icmp_code;
		f->icmp.v6 = p->l4 == IPPROTO_ICMPV6;
		f->icmp.quoted_dir = (uint8_t)dir;
		memcpy(f->icmp.from, p->ip.src, sizeof(f->icmp.from));
	}
	touch(e, f);
}

static void frame_time(struct np_explain *e, int64_t ts_ns)
{
	e->frame++;
	e->st.frames++;
	if (!e->have_t0) {
		e->t0_ns = ts_ns;
		e->have_t0 = 1;
	}
	e->now_ns = ts_ns;
}

void np_explain_skip(struct np_explain *e, int64_t ts_ns)
{
	frame_time(e, ts_ns);
}

/* A record whose time cannot be held (capture.c's bound): it takes its
 * number, and nothing else of it is used. Giving it a time of its own
 * would put a silence of centuries into its connection. */
void np_explain_bad_time(struct np_explain *e)
{
	e->frame++;
	e->st.frames++;
	e->st.bad_time++;
	if (!e->st.bad_time_frame)
		e->st.bad_time_frame = e->frame;
}

/* A dissected packet (frame_time already counted it). */
int np_explain_packet(struct np_explain *e, const struct np_packet *p, const uint8_t *data,
			  uint32_t wirelen)
{
	e->st.matched++;
	/* An atomic fragment (offset 0, no more: RFC 6946) is a whole segment. */
	if (p->has_ip && !(p->ip.is_fragment && (p->ip.mf || p->ip.frag_off)) && p->l4 == IPPROTO_TCP &&
	    p->tcp.has_ack_flags_win)
		tcp_segment(e, p, data, wirelen);
	else if (p->has_ip && (p->l4 == IPPROTO_ICMP || p->l4 == IPPROTO_ICMPV6) && p->icmp_is_error &&
		 p->has_inner_ip && p->inner_l4 == IPPROTO_TCP && p->inner_has_ports)
		icmp_error(e, p);
	expire(e);
	return e->err;
}

int np_explain_frame(struct np_explain *e, int dlt, int64_t ts_ns, const uint8_t *data,
		     uint32_t caplen, uint32_t wirelen)
{
	struct np_packet p;

	frame_time(e, ts_ns);
	np_dissect(dlt, data, caplen, wirelen, &p);
	return np_explain_packet(e, &p, data, wirelen);
}

/* --- the end ------------------------------------------------------------ */

int np_explain_partial(const struct np_explain *e)
{
	return e->st.partial || e->st.bad_time;
}

/* explain.partial, after the other findings: what was not read or not
 * listed, and, when nothing else was found, what the frames read show (a
 * file not read whole gets no explain.clean). */
static int add_partial(struct np_explain *e, struct np_report *r)
{
	const struct np_explain_stats *st = &e->st;
	char text[3 * NP_ERRBUF_SIZE];
	size_t n = 0;
	struct np_finding *f;

	if (!np_explain_partial(e) && !st->unlisted)
		return 0;
	f = np_finding_new("explain", e->name ? e->name : "capture", "", "explain.partial");
	if (!f)
		return NP_ENOMEM;
	text[0] = '\0';
	if (st->partial && st->frames == 0)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "no frame could be read: %s",
				      st->partial_reason);
	else if (st->partial)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "read up to frame %llu only: %s",
				      (unsigned long long)st->frames, st->partial_reason);
	if (st->bad_time && n < sizeof(text))
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%llu frame%s left out (frame %llu%s): "
				      "%s timestamp is past April 2262, beyond what nanoseconds since 1970 "
				      "hold in 64 bits", n ? "; " : "", (unsigned long long)st->bad_time,
				      st->bad_time == 1 ? "" : "s", (unsigned long long)st->bad_time_frame,
				      st->bad_time == 1 ? "" : " the first", st->bad_time == 1 ? "its" : "their");
	if (st->unlisted && n < sizeof(text))
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%llu more connection%s with findings "
				      "are not listed (at most %zu of each kind are)", n ? "; " : "",
				      (unsigned long long)st->unlisted, st->unlisted == 1 ? "" : "s",
				      e->max_findings);
	if (np_explain_partial(e) && st->frames > st->bad_time && n < sizeof(text)) {
		if (st->problems)
			snprintf(text + n, sizeof(text) - n, "; the findings cover the frames read");
		else
			snprintf(text + n, sizeof(text) - n, "; the frames read show %llu TCP connection%s "
				 "and no failure", (unsigned long long)st->flows, st->flows == 1 ? "" : "s");
	}
	np_finding_summary(f, "%s", text);
	np_finding_metric_int(f, "frames", (int64_t)st->frames);
	np_finding_metric_int(f, "flows", (int64_t)st->flows);
	np_finding_metric_int(f, "unlisted", (int64_t)st->unlisted);
	np_finding_metric_int(f, "bad_time_frames", (int64_t)st->bad_time);
	if (st->bad_time)
		np_finding_metric_int(f, "first_bad_time_frame", (int64_t)st->bad_time_frame);
	if (st->partial)
		np_finding_metric_str(f, "reason", st->partial_reason);
	return np_report_add(r, f);
}

int np_explain_finish(struct np_explain *e, struct np_report *r)
{
	if (e->finished)
		return NP_EINVAL;
	e->finished = 1;
	/* Every connection's ends are known before any verdict reads them. */
	while (e->closed.head)
		finish_flow(e, e->closed.head);
	while (e->open.head)
		finish_flow(e, e->open.head);
	if (e->err)
		return e->err;
	e->err = np_explain_add_findings(e, r);
	if (!e->err)
		e->err = add_partial(e, r);
	if (!e->err && e->want_conns)
		e->err = np_explain_conns_report(e, r);
	return e->err;
}

/* --- setup and the file --------------------------------------------------- */

struct np_explain *np_explain_new(const struct np_explain_opts *o, char *errbuf)
{
	struct np_explain *e = calloc(1, sizeof(*e));
	double idle = o && o->min_idle_s > 0 ? o->min_idle_s : NP_EXPLAIN_MIN_IDLE_S;
	double linger = o && o->linger_s > 0 ? o->linger_s : NP_EXPLAIN_LINGER_S;

	if (!e)
		goto oom;
	e->min_idle_ns = (int64_t)(idle * 1e9);
	e->linger_ns = (int64_t)(linger * 1e9);
	e->max_flows = o && o->max_flows ? o->max_flows : NP_EXPLAIN_MAX_FLOWS;
	e->max_findings = o && o->max_findings ? o->max_findings : NP_EXPLAIN_MAX_FINDINGS;
	e->want_conns = o && o->connections;
	e->max_conns = o && o->max_connections ? o->max_connections : NP_EXPLAIN_MAX_CONNECTIONS;
	e->n_buckets = MIN_BUCKETS;
	e->buckets = calloc(e->n_buckets, sizeof(*e->buckets));
	if (!e->buckets)
		goto oom;
	return e;
oom:
	np_explain_free(e);
	snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
	return NULL;
}

void np_explain_free(struct np_explain *e)
{
	if (!e)
		return;
	while (e->open.head)
		flow_free(e, e->open.head);
	while (e->closed.head)
		flow_free(e, e->closed.head);
	while (e->spare) {
		struct np_explain_flow *f = e->spare;

		e->spare = f->hnext;
		free(f);
	}
	free(e->buckets);
	free(e->hosts);
	free(e->out);
	free(e->conns);
	np_capfile_close(e->pf);
	free(e->name);
	free(e);
}

void np_explain_get_stats(const struct np_explain *e, struct np_explain_stats *st)
{
	*st = e->st;
}
