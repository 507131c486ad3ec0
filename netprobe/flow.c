/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "flow.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "clock.h"
#include "tcp_events.h"

#define NP_FLOW_BUCKETS 4096
/* A flow lists at most this many packets for its classifier; later ones
 * are still saved to the file. */
#define NP_FLOW_MAX_LISTED 8192
/* The budget's parts (flow.h): a flow's share of whole packets is B/8,
 * the last B/8 is kept for proof, of which one flow takes at most B/64. */
#define NP_FLOW_SHARE_DIV 8
#define NP_FLOW_PROOF_DIV 8
/* The first packets of every flow prove its start (handshake, first
 * request and answer). */
#define NP_FLOW_FIRST 8
/* Record arrays grow by doubling, but never by more than this at once,
 * so their slack stays small next to the budget. */
#define NP_FLOW_GROW_KEPT 4096
#define NP_FLOW_GROW_LISTED 256

struct flow_key {
	uint8_t proto;
	uint8_t family;
	uint16_t lport, rport;
	uint8_t laddr[16], raddr[16];
};

/* The last packet a flow could not keep, held back (headers only) so that
 * the one before a reset, a FIN or the end is saved after all. */
struct tail {
	int full;
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	struct np_flow_pkt fp;
	uint8_t data[NP_FLOW_HEADER_BYTES];
};

struct np_flow {
	struct flow_key key;
	np_flow_cb cb;
	void *arg;
	np_flow_keep_cb keep;
	void *keep_arg;
	np_flow_keep_cb list;       /* which kept packets go on its list (all when NULL) */
	void *list_arg;
	struct np_flow_pkt *pkts;
	size_t n, cap;
	struct np_flow *next;       /* bucket chain */
	struct np_flow *all_next;   /* every flow, for freeing */
	struct np_flow_table *t;
	int64_t registered_us, detached_us;
	size_t held;                /* budget bytes held, whole packets */
	size_t proof_held;          /* ... and headers past its share */
	int over;                   /* went past its share once */
	uint32_t seq_hi[2];         /* highest sequence sent, each way (0 this host) */
	int have_seq[2];
	struct tail *tail;
	struct np_flow_stats st;
};

struct kept {
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	uint8_t *data;              /* in the table's arena, as the comment */
	char *comment;
	struct np_flow *flow;
};

struct np_flow_table {
	struct np_flow *buckets[NP_FLOW_BUCKETS];
	struct np_flow *all;
	struct kept *kept;
	size_t n_kept, cap_kept;
	size_t budget, held, peak;
	uint64_t truncated, not_kept, flows_over;
	struct np_arena mem;        /* the kept packets' bytes and comments */
	int no_comments;
};

/* What malloc(n) takes from the heap (glibc: 8 bytes of header, 16-byte
 * chunks of at least 32), so the budget counts what is really held. */
static size_t alloc_cost(size_t n)
{
	size_t c = (n + 8 + 15) & ~(size_t)15;

	return c < 32 ? 32 : c;
}

static void charge(struct np_flow_table *t, size_t n)
{
	t->held += n;
	if (t->held > t->peak)
		t->peak = t->held;
}

struct np_flow_table *np_flow_table_new(size_t max_bytes, char *errbuf)
{
	struct np_flow_table *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "flow table: out of memory");
		return NULL;
	}
	t->budget = max_bytes ? max_bytes : NP_FLOW_DEFAULT_BUDGET;
	np_arena_init(&t->mem, NULL, 0, 0);
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
		free(f->tail);
		free(f);
	}
	np_arena_release(&t->mem);
	free(t->kept);
	free(t);
}

/* Eight bytes at a time (every packet looks up its flow once or twice):
 * a multiply-xorshift mix of the key's bytes. */
static uint32_t key_hash(const struct flow_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 0x9e3779b97f4a7c15u, w;
	size_t i = 0;

	for (; i + 8 <= sizeof(*k); i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p + i, sizeof(*k) - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	h ^= h >> 29;
	return (uint32_t)(h % NP_FLOW_BUCKETS);
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
	f->t = t;
	f->registered_us = np_now_us();
	h = key_hash(&f->key);
	/* Newest first: a reused 5-tuple belongs to the latest flow. */
	f->next = t->buckets[h];
	t->buckets[h] = f;
	f->all_next = t->all;
	t->all = f;
	return f;
}

static void commit_tail(struct np_flow *f);

void np_flow_detach(struct np_flow *flow)
{
	if (!flow)
		return;
	flow->cb = NULL;
	flow->arg = NULL;
	flow->keep = NULL;
	flow->keep_arg = NULL;
	if (!flow->detached_us)
		flow->detached_us = np_now_us();
	commit_tail(flow);
}

void np_flow_set_keep(struct np_flow *flow, np_flow_keep_cb keep, void *arg)
{
	flow->keep = keep;
	flow->keep_arg = arg;
}

void np_flow_set_list(struct np_flow *flow, np_flow_keep_cb list, void *arg)
{
	flow->list = list;
	flow->list_arg = arg;
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

/* Payload bytes on the wire: a packet cut short by the snapshot length
 * still counts whole. */
static uint32_t payload_wire(const struct np_packet *p, uint32_t wirelen)
{
	if (p->l4 == IPPROTO_TCP)
		return np_tcp_seg_len(p, wirelen);
	if (p->l4 == IPPROTO_UDP && p->udp.has_len_sum && p->udp.len >= 8 && !p->ip.is_fragment)
		return p->udp.len - 8u;
	return (uint32_t)p->payload_len;
}

/* Whether a packet proves something on its own (flow.h): the flow's first
 * packets, SYN/FIN/RST, ICMP errors, and TCP segments that do not carry
 * new data (retransmissions, keepalives: RFC 9293 3.8.1, RFC 1122
 * 4.2.3.6). Also moves the flow's highest sequence on. */
static int proves(struct np_flow *f, const struct np_flow_pkt *fp, uint32_t len)
{
	const struct np_packet *p = &fp->pkt;
	int dir = fp->outgoing ? 0 : 1, old = 0;
	uint32_t end;

	if (!fp->icmp && p->l4 == IPPROTO_TCP && p->tcp.has_ack_flags_win) {
		if (p->tcp.flags & (NP_TCP_SYN | NP_TCP_FIN | NP_TCP_RST))
			old = 1;
		end = p->tcp.seq + len;
		if (f->have_seq[dir] && (int32_t)(end - f->seq_hi[dir]) <= 0 &&
		    (len > 0 || p->tcp.seq + 1 == f->seq_hi[dir]))
			old = 1;
		if (!f->have_seq[dir] || (int32_t)(end - f->seq_hi[dir]) > 0) {
			f->seq_hi[dir] = end;
			f->have_seq[dir] = 1;
		}
	}
	return old || fp->icmp || f->st.packets <= NP_FLOW_FIRST;
}

/* The budget's view of one packet to keep: bytes it adds to its flow and
 * to the table, and the record arrays' sizes after it. */
struct cost {
	size_t flow, table;
	size_t kcap, fcap;
	uint32_t n;                 /* bytes of it saved */
	int headers;                /* cut to its headers (past the share) */
};

/* The kept-records array is the table's: growing it counts against the
 * whole budget. A flow's list grows by doubling, by at most
 * NP_FLOW_GROW_LISTED; list_step 0 leaves the packet off the list (still
 * saved), as past NP_FLOW_MAX_LISTED. */
static void cost_of(const struct np_flow_table *t, const struct np_flow *f, uint32_t n, size_t list_step,
		    struct cost *c)
{
	c->n = n;
	c->kcap = t->cap_kept;
	c->fcap = f->cap;
	c->flow = alloc_cost(n) + sizeof(struct kept);
	c->table = alloc_cost(n);
	if (t->n_kept == t->cap_kept) {
		c->kcap += t->cap_kept ? (t->cap_kept < NP_FLOW_GROW_KEPT ? t->cap_kept : NP_FLOW_GROW_KEPT) : 64;
		c->table += (c->kcap - t->cap_kept) * sizeof(struct kept);
	}
	if (f->n == f->cap && f->n < NP_FLOW_MAX_LISTED && list_step) {
		c->fcap += list_step;
		c->flow += list_step * sizeof(struct np_flow_pkt);
		c->table += list_step * sizeof(struct np_flow_pkt);
	}
}

/* Whether the budget lets f keep a packet (caplen bytes; proof: it proves
 * something), and at what cost: whole within the flow's share and the
 * pool, else its headers if it proves something and the flow's proof
 * allowance has room. A flow whose list cannot grow within the budget
 * still saves the packet, unlisted. */
static int budget_for(struct np_flow_table *t, struct np_flow *f, uint32_t caplen, int proof, int listed,
		      struct cost *c)
{
	size_t share = t->budget / NP_FLOW_SHARE_DIV;
	size_t reserve = t->budget / NP_FLOW_PROOF_DIV;
	uint32_t h = caplen < NP_FLOW_HEADER_BYTES ? caplen : NP_FLOW_HEADER_BYTES;
	size_t big = f->cap < NP_FLOW_GROW_LISTED ? (f->cap ? f->cap : 8) : NP_FLOW_GROW_LISTED;
	const size_t steps[] = {big, 8, 0};

	/* Unlisted: the last step (saved, not on the list) is the only one. */
	for (size_t i = listed ? 0 : 2; i < sizeof(steps) / sizeof(steps[0]); i++) {
		cost_of(t, f, caplen, steps[i], c);
		c->headers = 0;
		if (f->held + c->flow <= share && t->held + c->table <= t->budget - reserve)
			return 1;
	}
	if (!f->over) {
		f->over = 1;
		t->flows_over++;
	}
	for (size_t i = listed ? 0 : 2; proof && i < sizeof(steps) / sizeof(steps[0]); i++) {
		cost_of(t, f, h, steps[i], c);
		c->headers = 1;
		if (f->proof_held + c->flow <= reserve / NP_FLOW_PROOF_DIV && t->held + c->table <= t->budget)
			return 1;
	}
	return 0;
}

/* Save a packet as the next frame and list it on its flow; returns the
 * frame, 0 when the budget or memory says no. */
static uint32_t keep(struct np_flow *f, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		     uint32_t wirelen, struct np_flow_pkt *fp, int proof)
{
	struct np_flow_table *t = f->t;
	int listed = !f->list || f->list(fp, f->list_arg);
	struct cost c;
	struct kept *k;
	uint8_t *copy;

	if (!budget_for(t, f, caplen, proof, listed, &c))
		return 0;
	if (c.kcap != t->cap_kept) {
		struct kept *v = realloc(t->kept, c.kcap * sizeof(*v));

		if (!v)
			return 0;
		charge(t, (c.kcap - t->cap_kept) * sizeof(*v));
		t->kept = v;
		t->cap_kept = c.kcap;
	}
	if (c.fcap != f->cap) {
		struct np_flow_pkt *v = realloc(f->pkts, c.fcap * sizeof(*v));

		if (!v)
			return 0;
		charge(t, (c.fcap - f->cap) * sizeof(*v));
		*(c.headers ? &f->proof_held : &f->held) += (c.fcap - f->cap) * sizeof(*v);
		f->pkts = v;
		f->cap = c.fcap;
	}
	copy = np_arena_alloc(&t->mem, c.n);
	if (!copy)
		return 0;
	memcpy(copy, data, c.n);
	k = &t->kept[t->n_kept++];
	k->data = copy;
	k->ts_ns = ts_ns;
	k->caplen = c.n;
	k->wirelen = wirelen;
	k->comment = NULL;
	k->flow = f;
	charge(t, alloc_cost(c.n));
	*(c.headers ? &f->proof_held : &f->held) += alloc_cost(c.n) + sizeof(struct kept);
	if (c.n < caplen) {
		t->truncated++;
		f->st.truncated++;
	}
	fp->frame = (uint32_t)t->n_kept;
	if (listed && f->n < f->cap)
		f->pkts[f->n++] = *fp;
	return fp->frame;
}

/* Save the packet held back as the flow's last, if any: before a packet
 * that proves something, and when the flow or the table is done. */
static void commit_tail(struct np_flow *f)
{
	struct tail *tl = f->tail;

	if (!tl || !tl->full)
		return;
	tl->full = 0;
	if (keep(f, tl->ts_ns, tl->data, tl->caplen, tl->wirelen, &tl->fp, 1)) {
		f->st.not_kept--;
		f->st.not_kept_bytes -= tl->wirelen;
		f->t->not_kept--;
	}
}

/* A packet the budget does not let f keep: counted, and held back as the
 * flow's last until a later one takes its place. */
static void refuse(struct np_flow *f, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		   uint32_t wirelen, const struct np_flow_pkt *fp)
{
	struct np_flow_table *t = f->t;
	uint32_t n = caplen < NP_FLOW_HEADER_BYTES ? caplen : NP_FLOW_HEADER_BYTES;

	f->st.not_kept++;
	f->st.not_kept_bytes += wirelen;
	t->not_kept++;
	if (!f->tail) {
		size_t cost = alloc_cost(sizeof(*f->tail));

		/* Its room comes out of the flow's proof allowance. */
		if (f->proof_held + cost > t->budget / NP_FLOW_PROOF_DIV / NP_FLOW_PROOF_DIV ||
		    t->held + cost > t->budget)
			return;
		f->tail = calloc(1, sizeof(*f->tail));
		if (!f->tail)
			return;
		f->proof_held += cost;
		charge(t, cost);
	}
	f->tail->full = 1;
	f->tail->ts_ns = ts_ns;
	f->tail->caplen = n;
	f->tail->wirelen = wirelen;
	f->tail->fp = *fp;
	f->tail->fp.frame = 0;
	memcpy(f->tail->data, data, n);
}

static void count(struct np_flow *f, const struct np_flow_pkt *fp, uint32_t len)
{
	struct np_flow_stats *st = &f->st;

	st->packets++;
	if (!st->first_us)
		st->first_us = fp->mono_us;
	st->last_us = fp->mono_us;
	if (fp->icmp || len == 0)
		return;
	if (fp->outgoing) {
		st->tx_bytes += len;
		return;
	}
	st->rx_bytes += len;
	if (!st->rx_first_us)
		st->rx_first_us = fp->mono_us;
	st->rx_last_us = fp->mono_us;
}

uint32_t np_flow_input(struct np_flow_table *t, int dlt, uint64_t ts_ns, int64_t mono_us,
		       const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct np_flow_pkt fp;
	struct np_flow *f;
	int outgoing = 0, icmp = 0, proof;
	uint32_t len;

	memset(&fp, 0, sizeof(fp));
	np_dissect(dlt, data, caplen, wirelen, &fp.pkt);
	f = match(t, &fp.pkt, &outgoing, &icmp);
	if (!f)
		return 0;
	fp.mono_us = mono_us;
	fp.outgoing = outgoing;
	fp.icmp = icmp;
	len = icmp ? 0 : payload_wire(&fp.pkt, wirelen);
	count(f, &fp, len);
	proof = proves(f, &fp, len);
	if (f->keep && !f->keep(&fp, f->keep_arg)) {
		if (f->cb)
			f->cb(f, &fp, f->arg);
		return 0;
	}
	if (proof)
		commit_tail(f);
	if (!keep(f, ts_ns, data, caplen, wirelen, &fp, proof))
		refuse(f, ts_ns, data, caplen, wirelen, &fp);
	if (f->cb)
		f->cb(f, &fp, f->arg);
	return fp.frame;
}

void np_flow_set_comments(struct np_flow_table *t, int keep)
{
	t->no_comments = !keep;
}

int np_flow_comment(struct np_flow_table *t, uint32_t frame, const char *text)
{
	struct kept *k;
	char *c;

	if (frame == 0 || frame > t->n_kept)
		return NP_EINVAL;
	if (t->no_comments)
		return 0;
	k = &t->kept[frame - 1];
	if (k->comment) {
		/* The old text stays in the arena, still counted: a frame is
		 * commented by a finding or two. */
		c = np_arena_printf(&t->mem, "%s; %s", k->comment, text);
	} else {
		c = np_arena_strdup(&t->mem, text);
	}
	if (!c)
		return NP_ENOMEM;
	/* Comments come from findings, never from peers: counted, not refused. */
	charge(t, alloc_cost(strlen(c) + 1));
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

void np_flow_stats(const struct np_flow *flow, struct np_flow_stats *st)
{
	*st = flow->st;
	st->held = flow->held + flow->proof_held;
}

void np_flow_budget(const struct np_flow_table *t, struct np_flow_budget *out)
{
	out->budget = t->budget;
	out->held = t->held;
	out->peak = t->peak;
	out->not_kept = t->not_kept;
	out->flows_over = t->flows_over;
}

void np_flow_note_drops(struct np_flow_table *t, uint64_t n, int64_t from_us, int64_t to_us)
{
	for (struct np_flow *f = t->all; f; f = f->all_next)
		if (f->registered_us <= to_us && (!f->detached_us || f->detached_us >= from_us))
			f->st.kernel_dropped += n;
}

struct np_flow *np_flow_of_frame(const struct np_flow_table *t, uint64_t frame)
{
	return frame >= 1 && frame <= t->n_kept ? t->kept[frame - 1].flow : NULL;
}

void np_flow_flush(struct np_flow_table *t)
{
	for (struct np_flow *f = t->all; f; f = f->all_next)
		commit_tail(f);
}
