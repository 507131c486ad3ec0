/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_dns_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "addr.h"
#include "capture.h"
#include "clock.h"
#include "dns_answer.h"
#include "dns_frames.h"
#include "dns_send.h"
#include "finding.h"
#include "flow.h"
#include "report.h"
#include "strput.h"
#include "target.h"

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;   /* FNV-1a, case-folded: DNS names */

	for (; *s; s++)
		h = (h ^ (uint32_t)np_ascii_lower((unsigned char)*s)) * 16777619u;
	return h;
}

/* One copy of each name queried (results compare names by pointer), found
 * by an open-addressing hash: ten thousand names must not cost 10^8
 * string compares. Each entry keeps its hash, for growing and for
 * comparing hashes before names. */
static const char *intern(struct dns_state *st, const char *name, int copy)
{
	uint32_t h = name_hash(name);
	size_t mask, i;

	if (st->n_names * 2 >= st->hcap) {
		size_t cap = st->hcap ? st->hcap * 2 : 1024;
		struct dns_name *t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (size_t k = 0; k < st->hcap; k++) {
			if (!st->htab[k].s)
				continue;
			for (i = st->htab[k].hash & (cap - 1); t[i].s; i = (i + 1) & (cap - 1))
				;
			t[i] = st->htab[k];
		}
		free(st->htab);
		st->htab = t;
		st->hcap = cap;
	}
	mask = st->hcap - 1;
	for (i = h & mask; st->htab[i].s; i = (i + 1) & mask)
		if (st->htab[i].hash == h && strcasecmp(st->htab[i].s, name) == 0)
			return st->htab[i].s;
	st->htab[i].s = copy ? strdup(name) : name;
	if (!st->htab[i].s)
		return NULL;
	st->htab[i].hash = h;
	st->htab[i].owned = copy;
	st->n_names++;
	return st->htab[i].s;
}

const char *np_dns_intern(struct dns_state *st, const char *name)
{
	return intern(st, name, 1);
}

const char *np_dns_intern_kept(struct dns_state *st, const char *name)
{
	return intern(st, name, 0);
}

/* --- the resolver channels and their flows ----------------------------- */

/* Every kept packet of a resolver's sockets: its DNS message indexed by
 * name, so the finding can cite it (dns_frames.h). Over TCP, a segment
 * that starts a message (its 2-byte length first, RFC 1035 4.2.2). */
static void on_dns_packet(struct np_flow *flow, const struct np_flow_pkt *p, void *arg)
{
	struct dns_res *r = arg;
	struct dns_state *st = r->st;
	struct np_flow_table *ft = np_run_flows(st->run);
	struct np_kept k;
	size_t off = p->pkt.payload_off, len;

	(void)flow;
	if (!ft || !p->frame || p->icmp || (p->pkt.l4 != IPPROTO_UDP && p->pkt.l4 != IPPROTO_TCP))
		return;
	np_flow_kept(ft, p->frame - 1, &k);
	if (off >= k.caplen)
		return;
	len = k.caplen - off < p->pkt.payload_len ? k.caplen - off : p->pkt.payload_len;
	if (p->pkt.l4 == IPPROTO_TCP) {
		if (len < 2)
			return;
		off += 2;
		len -= 2;
	}
	if (!st->frames && !(st->frames = np_dns_frames_new()))
		return;
	np_dns_frames_add(st->frames, (int)(r - st->res), p->frame, k.data + off, len);
}

static int list_icmp(const struct np_flow_pkt *p, void *arg)
{
	(void)arg;
	return p->icmp;
}

static void on_socket(int fd, int socktype, void *arg)
{
	struct dns_res *r = arg;
	struct np_flow_table *ft = np_run_flows(r->st->run);
	struct sockaddr_storage l, p;
	socklen_t ll = sizeof(l), pl = sizeof(p);

	if (getsockname(fd, (struct sockaddr *)&l, &ll) < 0)
		return;
	/* A TCP socket may still be connecting (no peer yet): its peer is the
	 * server this channel talks to. */
	if (getpeername(fd, (struct sockaddr *)&p, &pl) < 0)
		memcpy(&p, &r->addr, sizeof(p));
	if (p.ss_family != l.ss_family)
		return;
	np_run_note_source(r->st->run, (struct sockaddr *)&l);
	if (!ft)
		return;
	if (r->n_flows == r->cap_flows) {
		size_t cap = r->cap_flows ? r->cap_flows * 2 : 8;
		struct np_flow **f = realloc(r->flows, cap * sizeof(*f));
		int *t;

		if (!f)
			return;
		r->flows = f;
		t = realloc(r->flow_tcp, cap * sizeof(*t));
		if (!t)
			return;
		r->flow_tcp = t;
		r->cap_flows = cap;
	}
	r->flows[r->n_flows] = np_flow_register(ft, socktype == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP,
						(struct sockaddr *)&l, (struct sockaddr *)&p, on_dns_packet, r);
	if (!r->flows[r->n_flows])
		return;
	/* A UDP socket's queries and answers are indexed by the frames
	 * table (dns_frames.h); packet_reason() looks on its list for ICMP
	 * errors only. A TCP flow is listed whole (its SYNs and resets). */
	if (socktype != SOCK_STREAM)
		np_flow_set_list(r->flows[r->n_flows], list_icmp, NULL);
	r->flow_tcp[r->n_flows] = socktype == SOCK_STREAM;
	r->n_flows++;
}

static struct np_resolver *channel(struct dns_q *q, enum q_kind kind, char *errbuf)
{
	struct dns_res *r = &q->st->res[q->ri];
	const struct np_opts *o = np_run_opts(q->st->run);
	struct np_resolver_opts ro = {0};
	struct np_resolver **slot;

	ro.timeout_us = o->timeout_us;
	ro.servers = r->servers;
	ro.source = o->has_source ? &o->source : NULL;
	ro.interface = o->interface[0] ? o->interface : NULL;
	ro.on_socket = on_socket;
	ro.on_socket_arg = r;
	/* dns_send retransmits on its own timer (over UDP). */
	ro.once = 1;
	if (kind == Q_TC_CHECK) {
		slot = &r->ch_igntc;
		ro.ignore_tc = 1;
	} else if (kind == Q_UDP_CHECK) {
		slot = &r->ch_udp;
	} else {
		slot = &r->ch;
		ro.tcp = q->st->tcp;
	}
	if (!*slot)
		*slot = np_resolver_new(np_run_loop(q->st->run), &ro, errbuf);
	return *slot;
}

/* Each resolver's window as its queries end: what was sent, asked again,
 * lost, the most ever in flight against the ceiling, and the timer
 * (report.h's dns_windows), so a run against a production resolver shows
 * how hard it was asked. One entry a resolver, updated each time. */
static void report_windows(struct dns_state *st)
{
	struct np_report *rep = np_run_report(st->run);

	for (size_t ri = 0; ri < st->n_res; ri++) {
		struct dns_res *r = &st->res[ri];
		const struct np_dns_window *w;

		if (!r->snd)
			continue;
		if (!r->window) {
			if (!rep->dns_windows && !(rep->dns_windows = json_array()))
				return;
			if (!(r->window = json_object()) || json_array_append(rep->dns_windows, r->window) < 0)
				continue;
		}
		w = np_dns_sender_window(r->snd);
		json_object_set_new(r->window, "resolver", json_string(r->label));
		json_object_set_new(r->window, "queries", json_integer((json_int_t)w->sent));
		json_object_set_new(r->window, "answered", json_integer((json_int_t)w->answered));
		json_object_set_new(r->window, "retransmitted",
				    json_integer((json_int_t)np_dns_sender_retransmissions(r->snd)));
		json_object_set_new(r->window, "losses", json_integer((json_int_t)w->losses));
		json_object_set_new(r->window, "most_in_flight", json_integer(w->max_in_flight));
		json_object_set_new(r->window, "window", json_integer(np_dns_window_size(w)));
		json_object_set_new(r->window, "ceiling", json_integer(w->max));
		json_object_set_new(r->window, "srtt_ms", json_real(w->have_rtt ? (double)w->srtt_us / 1000.0 : 0.0));
		json_object_set_new(r->window, "rto_ms", json_real((double)np_dns_window_rto(w) / 1000.0));
	}
}

/* A query (or the plan's hold) has ended: the cross-resolver verdicts come
 * once every one has. */
static void outstanding_done(struct dns_state *st)
{
	if (--st->outstanding != 0)
		return;
	report_windows(st);
	if (!np_run_ending(st->run) && !st->aggregated)
		np_dns_aggregate(st);
}

static void q_done(struct dns_q *q)
{
	struct dns_state *st = q->st;

	np_run_job_done(st->run, &q->job);
	outstanding_done(st);
}

static void on_answer(const struct np_query_result *res, void *arg)
{
	struct dns_q *q = arg;

	switch (q->kind) {
	case Q_NORMAL:
	case Q_SRV_TARGET:
		np_dns_normal_result(q, res);
		break;
	case Q_TC_CHECK:
	case Q_UDP_CHECK:
		np_dns_check_result(q, res);
		break;
	case Q_REWRITE:
		np_dns_rewrite_result(q, res);
		break;
	case Q_DNS64:
		np_dns_dns64_result(q, res);
		break;
	}
	q_done(q);
}

static void q_start(struct np_job *job)
{
	struct dns_q *q = (struct dns_q *)job;
	char errbuf[NP_ERRBUF_SIZE];
	struct np_resolver *ch = channel(q, q->kind, errbuf);

	struct dns_res *r = &q->st->res[q->ri];
	const struct np_opts *o = np_run_opts(q->st->run);

	job->wait_until_us = job->started_us + o->timeout_us;
	/* One window per resolver, --parallel its ceiling: a resolver that
	 * starts losing queries is asked less, not more. */
	if (ch && !r->snd)
		r->snd = np_dns_sender_new(np_run_loop(q->st->run), o->parallel, o->timeout_us);
	if (!ch || !r->snd ||
	    np_dns_send(r->snd, ch, !(q->st->tcp && ch == r->ch), q->name, q->type, on_answer, q, &q->req) < 0) {
		struct np_finding *f = np_dns_new_finding(q, "dns.error", -1);

		if (f)
			np_finding_summary(f, "cannot query %s: %s", q->st->res[q->ri].label,
					   ch ? "out of memory" : errbuf);
		np_run_finding(q->st->run, f);
		q_done(q);
	}
}

static void q_cancel(struct np_job *job, const char *verdict)
{
	struct dns_q *q = (struct dns_q *)job;
	struct np_finding *f = np_dns_new_finding(q, verdict, -1);

	np_dns_send_cancel(q->req);
	if (f && q->kind == Q_REWRITE)
		np_finding_summary(f, "cannot tell whether %s rewrites NXDOMAIN: the run ended before it "
				   "answered for a name that cannot exist (%s)", q->st->res[q->ri].label, q->name);
	else if (f)
		np_finding_summary(f, job->running ? "no answer from %s before the run ended" :
				   "never asked %s", q->st->res[q->ri].label);
	np_run_finding(q->st->run, f);
	q_done(q);
}

static void q_free(struct np_job *job)
{
	free(((struct dns_q *)job)->first_error);
	free(job);
}

static const struct np_job_ops q_ops = {.start = q_start, .cancel = q_cancel, .free = q_free};

void np_dns_submit_q(struct dns_state *st, int ri, const char *name, int internal, int type,
		     enum q_kind kind, const struct dns_q *failed)
{
	struct dns_q *q = calloc(1, sizeof(*q));
	const char *n = name;

	if (!q || !n) {
		free(q);
		if (failed)
			free(failed->first_error);
		return;
	}
	if (failed)
		*q = *failed;   /* its first_error with it */
	memset(&q->job, 0, sizeof(q->job));
	q->job.ops = &q_ops;
	q->st = st;
	q->ri = ri;
	q->name = n;
	q->internal = internal;
	q->type = type;
	q->kind = kind;
	q->req = NULL;
	{
		/* "dns NAME TYPE @RESOLVER" */
		char *b = q->job.label;
		size_t bl = sizeof(q->job.label), at = np_str_put(b, bl, 0, "dns ", 4);

		at = np_str_put(b, bl, at, n, 200);
		at = np_str_put(b, bl, at, " ", 1);
		at = np_str_put(b, bl, at, np_dns_type_name(type), 16);
		at = np_str_put(b, bl, at, " @", 2);
		np_str_put(b, bl, at, st->res[ri].label, bl);
	}
	st->outstanding++;
	np_run_submit(st->run, &q->job);
}

/* --- the plan ------------------------------------------------------------- */

/* The plan's queries, made as the run has room for them (a job of jobs,
 * run.h): 24 bytes a query until then, where a queued job takes 350. Ten
 * thousand names used to be 3.5 MB of jobs, every page of it touched
 * before the first query left. */
struct planned {
	const char *name;          /* the plan's (it outlives the run), or interned */
	int type;
	uint8_t ri, internal, kind;
};

struct plan_job {
	struct np_job job;
	struct dns_state *st;
	struct planned *v;
	size_t n, cap, next;
};

static size_t plan_more(struct np_job *job, size_t want)
{
	struct plan_job *pj = (struct plan_job *)job;
	size_t made = 0;

	for (; made < want && pj->next < pj->n; made++) {
		const struct planned *e = &pj->v[pj->next++];

		np_dns_submit_q(pj->st, e->ri, np_dns_intern_kept(pj->st, e->name), e->internal, e->type,
				(enum q_kind)e->kind, NULL);
	}
	/* The last made: their own count holds the check open now. */
	if (made && pj->next == pj->n)
		outstanding_done(pj->st);
	return made;
}

static size_t plan_left(const struct np_job *job)
{
	const struct plan_job *pj = (const struct plan_job *)job;

	return pj->n - pj->next;
}

static void plan_free(struct np_job *job)
{
	free(((struct plan_job *)job)->v);
	free(job);
}

static const struct np_job_ops plan_ops = {.free = plan_free, .more = plan_more, .left = plan_left};

/* A query of the plan; a name that will not outlive the call (keep 0) is
 * interned now, any other when its query is made. */
static int plan_add(struct plan_job *pj, size_t ri, const char *name, int keep, int internal, int type,
		    enum q_kind kind)
{
	const char *n = keep ? name : np_dns_intern(pj->st, name);

	if (!n)
		return NP_ENOMEM;
	if (pj->n == pj->cap) {
		size_t cap = pj->cap ? pj->cap * 2 : 64;
		struct planned *v = realloc(pj->v, cap * sizeof(*v));

		if (!v)
			return NP_ENOMEM;
		pj->v = v;
		pj->cap = cap;
	}
	pj->v[pj->n].name = n;
	pj->v[pj->n].type = type;
	pj->v[pj->n].ri = (uint8_t)ri;
	pj->v[pj->n].internal = (uint8_t)internal;
	pj->v[pj->n].kind = (uint8_t)kind;
	pj->n++;
	return 0;
}

static void state_free(void *arg)
{
	struct dns_state *st = arg;

	for (size_t i = 0; i < st->n_res; i++) {
		/* before the channels its queries are on */
		np_dns_sender_free(st->res[i].snd);
		np_resolver_free(st->res[i].ch);
		np_resolver_free(st->res[i].ch_igntc);
		np_resolver_free(st->res[i].ch_udp);
		free(st->res[i].flows);
		free(st->res[i].flow_tcp);
		json_decref(st->res[i].window);
	}
	for (size_t i = 0; i < st->n_results; i++)
		free(st->results[i].answers);
	free(st->results);
	for (size_t i = 0; i < st->hcap; i++)
		if (st->htab[i].owned)
			free((char *)st->htab[i].s);
	free(st->htab);
	np_dns_frames_free(st->frames);
	free(st);
}

static int is_internal(const struct np_dns_plan *p, const char *name)
{
	size_t n = strlen(name), d;

	for (size_t i = 0; i < p->n_internal; i++)
		if (strcasecmp(p->internal[i], name) == 0)
			return 1;
	if (!p->domain)
		return 0;
	d = strlen(p->domain);
	return strcasecmp(name, p->domain) == 0 ||
	       (n > d && name[n - d - 1] == '.' && strcasecmp(name + n - d, p->domain) == 0);
}

/* A label nobody registered: 16 random letters under .com. */
static void random_name(char *buf, size_t len)
{
	unsigned char r[16];
	FILE *f = fopen("/dev/urandom", "r");

	if (!f || fread(r, 1, sizeof(r), f) != sizeof(r)) {
		int64_t t = np_now_us();

		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(t >> (i % 8 * 8)) ^ (unsigned char)(i * 37);
	}
	if (f)
		fclose(f);
	for (size_t i = 0; i < sizeof(r); i++)
		r[i] = (unsigned char)('a' + r[i] % 26);
	snprintf(buf, len, "np-%.16s.com", r);
}

int np_dns_submit(struct np_run *run, const struct np_dns_plan *p, char *errbuf)
{
	struct dns_state *st = calloc(1, sizeof(*st));
	struct plan_job *pj;
	char rnd[64];
	int err = 0;

	if (!st) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	st->run = run;
	st->tcp = p->tcp;
	if (np_run_at_free(run, state_free, st) < 0) {
		free(st);
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	if (p->n_resolvers == 0) {
		/* The system's resolvers, each on a channel of its own so every
		 * result is attributable to one server. */
		struct np_resolver_opts ro = {0};
		struct np_resolver *sys;
		char servers[NP_DNS_MAX_RESOLVERS][56];
		size_t n;

		ro.timeout_us = np_run_opts(run)->timeout_us;
		sys = np_resolver_new(np_run_loop(run), &ro, errbuf);
		if (!sys)
			return NP_ELIB;
		n = np_resolver_servers(sys, servers, NP_DNS_MAX_RESOLVERS);
		np_resolver_free(sys);
		for (size_t i = 0; i < n; i++) {
			/* "addr" (port 53) or "[v6]:port"/"v4:port": c-ares reads
			 * all three forms back. */
			snprintf(st->res[i].label, sizeof(st->res[i].label), "%.55s", servers[i]);
			snprintf(st->res[i].servers, sizeof(st->res[i].servers), "%.55s", servers[i]);
		}
		st->n_res = n;
	} else {
		for (size_t i = 0; i < p->n_resolvers; i++) {
			const char *s = p->resolvers[i];
			size_t n = strlen(s);

			snprintf(st->res[i].servers, sizeof(st->res[i].servers), "%s", s);
			/* Shown without ":53", as resolv.conf would. */
			if (n > 3 && strcmp(s + n - 3, ":53") == 0) {
				const char *b = s[0] == '[' ? s + 1 : s;
				size_t m = (size_t)(s + n - 3 - b) - (s[0] == '[');

				snprintf(st->res[i].label, sizeof(st->res[i].label), "%.*s", (int)m, b);
			} else {
				snprintf(st->res[i].label, sizeof(st->res[i].label), "%s", s);
			}
		}
		st->n_res = p->n_resolvers;
	}
	if (st->n_res == 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "no resolver to test (none in resolv.conf; give --resolver)");
		return NP_EINVAL;
	}
	pj = calloc(1, sizeof(*pj));
	if (!pj) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	pj->job.ops = &plan_ops;
	pj->st = st;
	random_name(rnd, sizeof(rnd));
	for (size_t ri = 0; ri < st->n_res; ri++) {
		struct np_target t;
		char eb[NP_ERRBUF_SIZE];

		st->res[ri].st = st;
		/* "addr", "addr:port", "[v6]:port": the server as a sockaddr. */
		if (np_target_parse(st->res[ri].servers, 53, &t, eb) == 0 &&
		    np_addr_parse(t.host, &st->res[ri].addr) == 0)
			np_addr_set_port((struct sockaddr *)&st->res[ri].addr, t.port);
		np_report_add_resolver(np_run_report(run), st->res[ri].label);
		for (size_t ni = 0; ni < p->n_names; ni++)
			for (size_t ti = 0; ti < p->n_types; ti++)
				err |= plan_add(pj, ri, p->names[ni], 1, is_internal(p, p->names[ni]),
						p->types[ti], Q_NORMAL);
		for (size_t ni = 0; ni < p->n_internal; ni++)
			for (size_t ti = 0; ti < p->n_types; ti++)
				err |= plan_add(pj, ri, p->internal[ni], 1, 1, p->types[ti], Q_NORMAL);
		if (p->domain && strchr(p->domain, '.')) {
			char srv[300];

			snprintf(srv, sizeof(srv), "_ldap._tcp.dc._msdcs.%.260s", p->domain);
			err |= plan_add(pj, ri, srv, 0, 1, NP_DNS_SRV, Q_NORMAL);
		}
		err |= plan_add(pj, ri, rnd, 0, 0, NP_DNS_A, Q_REWRITE);
		err |= plan_add(pj, ri, "ipv4only.arpa", 1, 0, NP_DNS_AAAA, Q_DNS64);
	}
	if (err) {
		plan_free(&pj->job);
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	/* The plan holds the check open until its last query is made. */
	st->outstanding++;
	snprintf(pj->job.label, sizeof(pj->job.label), "dns: %zu queries", pj->n);
	np_run_submit(run, &pj->job);
	return 0;
}
