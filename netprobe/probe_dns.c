#include "probe_dns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ares.h>

#include "addr.h"
#include "capture.h"
#include "clock.h"
#include "dns_answer.h"
#include "dns_compare.h"
#include "finding.h"
#include "resolve.h"
#include "run.h"
#include "target.h"

#define MAX_FLOWS 32              /* sockets one resolver channel opens */
#define MAX_RESULTS 8192          /* query outcomes kept for cross-checks */

enum q_kind {
	Q_NORMAL,                 /* a name the user asked for */
	Q_REWRITE,                /* a random name that cannot exist */
	Q_DNS64,                  /* AAAA ipv4only.arpa (RFC 7050) */
	Q_SRV_TARGET,             /* A/AAAA of a domain controller from SRV */
	Q_TC_CHECK,               /* after a failure: was the UDP answer truncated? */
	Q_UDP_CHECK,              /* after a --tcp failure: does UDP work? */
};

struct dns_res {
	char label[64];           /* the resolver as the user reads it */
	char servers[80];         /* c-ares server string */
	struct np_resolver *ch, *ch_igntc, *ch_udp;
	struct np_flow *flows[MAX_FLOWS];
	int flow_tcp[MAX_FLOWS];
	struct sockaddr_storage addr;   /* the server, with its port */
	size_t n_flows;
	int public_ok, public_failed, internal_ok;
	struct dns_state *st;
};


struct dns_state {
	struct np_run *run;
	struct dns_res res[NP_DNS_MAX_RESOLVERS];
	size_t n_res;
	int tcp;
	char **htab;              /* every name queried, owned, hashed */
	size_t hcap, n_names;
	struct np_dns_result *results;
	size_t n_results;
	size_t outstanding;
	int aggregated;
};

struct dns_q {
	struct np_job job;
	struct dns_state *st;
	int ri;
	const char *name;
	int internal;
	int type;
	enum q_kind kind;
	struct np_resolve_req *req;
	/* For Q_TC_CHECK / Q_UDP_CHECK: the failure being explained. */
	const char *first_verdict;
	char first_error[96];
	double first_ms;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;   /* FNV-1a, case-folded: DNS names */

	for (; *s; s++)
		h = (h ^ (uint32_t)tolower((unsigned char)*s)) * 16777619u;
	return h;
}

/* One copy of each name queried (results compare names by pointer), found
 * by an open-addressing hash: ten thousand names must not cost 10^8
 * string compares. */
static const char *intern(struct dns_state *st, const char *name)
{
	size_t mask, i;

	if (st->n_names * 2 >= st->hcap) {
		size_t cap = st->hcap ? st->hcap * 2 : 1024;
		char **t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (size_t k = 0; k < st->hcap; k++) {
			if (!st->htab[k])
				continue;
			for (i = name_hash(st->htab[k]) & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
				;
			t[i] = st->htab[k];
		}
		free(st->htab);
		st->htab = t;
		st->hcap = cap;
	}
	mask = st->hcap - 1;
	for (i = name_hash(name) & mask; st->htab[i]; i = (i + 1) & mask)
		if (strcasecmp(st->htab[i], name) == 0)
			return st->htab[i];
	st->htab[i] = strdup(name);
	if (!st->htab[i])
		return NULL;
	st->n_names++;
	return st->htab[i];
}

/* --- the resolver channels and their flows ----------------------------- */

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
	if (!ft || r->n_flows == MAX_FLOWS)
		return;
	r->flows[r->n_flows] = np_flow_register(ft, socktype == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP,
						(struct sockaddr *)&l, (struct sockaddr *)&p, NULL, NULL);
	if (!r->flows[r->n_flows])
		return;
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

/* --- evidence from packets ---------------------------------------------- */

static int ip_equal(const struct np_pkt_ip *ip, const uint8_t *a, int family)
{
	return ip->family == family && memcmp(ip->src, a, family == AF_INET ? 4 : 16) == 0;
}

/* Why a resolver did not answer, from the packets of its sockets: an ICMP
 * error (from the resolver itself or from a router), or TCP SYNs that went
 * unanswered or were reset. Appends to f's evidence; writes a clause for
 * the summary into buf ("" when the packets say nothing). */
static void packet_reason(struct dns_q *q, struct np_finding *f, int want_tcp, char *buf, size_t len)
{
	struct dns_res *r = &q->st->res[q->ri];
	struct np_flow_table *ft = np_run_flows(q->st->run);
	struct sockaddr_storage srv;
	uint8_t srv_addr[16] = {0};
	int syns = 0, decided = 0;

	buf[0] = '\0';
	if (!ft) {
		np_finding_evidence(f, 0, 0, "%s", np_run_capture_note(q->st->run));
		return;
	}
	np_capture_drain(np_run_capture(q->st->run));
	/* The resolver's address, to tell its own answers from a router's. */
	srv = r->addr;
	if (srv.ss_family == AF_INET)
		memcpy(srv_addr, &((struct sockaddr_in *)&srv)->sin_addr, 4);
	else if (srv.ss_family == AF_INET6)
		memcpy(srv_addr, &((struct sockaddr_in6 *)&srv)->sin6_addr, 16);
	for (size_t i = 0; i < r->n_flows && !decided; i++) {
		if (r->flow_tcp[i] != want_tcp)
			continue;
		for (size_t k = 0; k < np_flow_count(r->flows[i]) && !decided; k++) {
			const struct np_flow_pkt *p = np_flow_packet(r->flows[i], k);
			char from[INET6_ADDRSTRLEN];
			int hop;

			if (p->outgoing && want_tcp && p->pkt.l4 == IPPROTO_TCP && p->pkt.tcp.has_ack_flags_win &&
			    (p->pkt.tcp.flags & (NP_TCP_SYN | NP_TCP_ACK)) == NP_TCP_SYN) {
				syns++;
				np_finding_evidence(f, p->frame, 0, "TCP SYN to port 53");
				continue;
			}
			if (p->outgoing)
				continue;
			inet_ntop(p->pkt.ip.family, p->pkt.ip.src, from, sizeof(from));
			hop = np_ttl_hops(p->pkt.ip.ttl) + 1;
			if (p->icmp) {
				int own = ip_equal(&p->pkt.ip, srv_addr, p->pkt.ip.family);

				np_finding_evidence(f, p->frame, 0, "ICMP%s type %d code %d from %s (hop %d)",
						    p->pkt.l4 == IPPROTO_ICMPV6 ? "v6" : "", p->pkt.icmp_type,
						    p->pkt.icmp_code, from, hop);
				snprintf(buf, len, own ? "; ICMP unreachable from the resolver's address itself: "
					 "no DNS server listens there" :
					 "; ICMP unreachable from %s at hop %d: blocked on the way", from, hop);
				np_finding_metric_str(f, "sender", from);
				np_finding_metric_int(f, "sender_hop", hop);
				decided = 1;
			} else if (want_tcp && p->pkt.l4 == IPPROTO_TCP && p->pkt.tcp.has_ack_flags_win &&
				   (p->pkt.tcp.flags & NP_TCP_RST)) {
				np_finding_evidence(f, p->frame, 0, "reset to the TCP SYN (TTL %d: hop %d)",
						    p->pkt.ip.ttl, hop);
				snprintf(buf, len, "; TCP port 53 answered with a reset (TTL %d: hop %d)",
					 p->pkt.ip.ttl, hop);
				decided = 1;
			}
		}
	}
	if (!decided && want_tcp && syns > 0) {
		struct np_flow_stats fs, most = {0};

		for (size_t i = 0; i < r->n_flows; i++) {
			np_flow_stats(r->flows[i], &fs);
			if (r->flow_tcp[i] && fs.rx_bytes > most.rx_bytes)
				most = fs;
		}
		/* More than one message can hold (a 2-byte length and at most
		 * 65,535 bytes, RFC 1035 4.2.2), still coming at the timeout. */
		if (most.rx_bytes > 65537)
			snprintf(buf, len, "; the TCP answer never ended: %llu bytes in %.1f s, still coming at the timeout",
				 (unsigned long long)most.rx_bytes, (double)(most.rx_last_us - most.rx_first_us) / 1e6);
		else
			snprintf(buf, len, "; %d TCP SYN%s to port 53 went unanswered", syns, syns == 1 ? "" : "s");
	}
}

/* --- findings ------------------------------------------------------------ */

static void record(struct dns_q *q, const char *verdict, const struct np_dns_answer *a)
{
	struct dns_state *st = q->st;
	struct np_dns_result *v;

	if (st->n_results == MAX_RESULTS)
		return;
	if (!(st->n_results & (st->n_results - 1)) || st->n_results == 0) {
		size_t cap = st->n_results ? st->n_results * 2 : 16;

		v = realloc(st->results, cap * sizeof(*v));
		if (!v)
			return;
		st->results = v;
	}
	v = &st->results[st->n_results++];
	v->ri = q->ri;
	v->type = q->type;
	v->name = q->name;
	v->verdict = verdict;
	v->answers = a ? np_dns_answers_key(a) : NULL;
	v->resolver = st->res[q->ri].label;
}

static struct np_finding *new_finding(struct dns_q *q, const char *verdict, double ms)
{
	struct dns_res *r = &q->st->res[q->ri];
	char target[300];
	struct np_finding *f;

	snprintf(target, sizeof(target), "%.260s %s", q->name, np_dns_type_name(q->type));
	f = np_finding_new("dns", target, r->label, verdict);
	if (!f)
		return NULL;
	np_finding_metric_str(f, "resolver", r->label);
	np_finding_metric_str(f, "type", np_dns_type_name(q->type));
	if (ms >= 0)
		np_finding_metric_real(f, "dns_ms", ms);
	return f;
}

static void add_answers(struct np_finding *f, const struct np_dns_answer *a)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < a->n; i++)
		json_array_append_new(arr, json_string(a->rr[i]));
	if (arr)
		json_object_set_new(f->metrics, "answers", arr);
	if (a->min_ttl >= 0)
		np_finding_metric_int(f, "ttl", a->min_ttl);
	if (a->cname)
		np_finding_metric_str(f, "cname", a->cname);
}

static void answers_text(const struct np_dns_answer *a, char *buf, size_t len)
{
	size_t w = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < a->n && i < 3 && w + 4 < len; i++)
		w += (size_t)snprintf(buf + w, len - w, "%s%.64s%s", i ? ", " : "", a->rr[i],
				      strlen(a->rr[i]) > 64 ? "..." : "");
	if (a->n > 3 && w + 8 < len)
		snprintf(buf + w, len - w, ", +%zu more", a->n - 3);
}

static void submit_q(struct dns_state *st, int ri, const char *name, int internal, int type,
		     enum q_kind kind, const struct dns_q *failed);

/* The verdict of a plain query, and its finding. */
static void normal_result(struct dns_q *q, const struct np_query_result *res)
{
	struct dns_state *st = q->st;
	struct dns_res *r = &st->res[q->ri];
	struct np_dns_answer a;
	const char *verdict;
	struct np_finding *f;
	char list[400], why[200];
	int have = res->abuf && np_dns_parse(res->abuf, (size_t)res->alen, q->type, &a) == 0;

	if (!have)
		memset(&a, 0, sizeof(a));
	verdict = res->status == ARES_SUCCESS ? (a.n ? "dns.ok" : "dns.nodata") :
		  np_resolve_verdict(res->status);
	/* A failure that may hide a truncated answer whose TCP retry failed
	 * (or, with --tcp, a TCP path that fails while UDP works): ask again
	 * the other way before deciding. */
	if ((res->status == ARES_ETIMEOUT || res->status == ARES_ECONNREFUSED) &&
	    (q->kind == Q_NORMAL || q->kind == Q_SRV_TARGET) && !np_run_ending(st->run)) {
		struct dns_q probe = *q;

		probe.first_verdict = verdict;
		snprintf(probe.first_error, sizeof(probe.first_error), "%s", res->error);
		probe.first_ms = res->ms;
		submit_q(st, q->ri, q->name, q->internal, q->type, st->tcp ? Q_UDP_CHECK : Q_TC_CHECK, &probe);
		np_dns_answer_free(&a);
		return;
	}
	record(q, verdict, have ? &a : NULL);
	if (q->internal && strcmp(verdict, "dns.ok") == 0)
		r->internal_ok++;
	else if (!q->internal && strcmp(verdict, "dns.ok") == 0)
		r->public_ok++;
	else if (!q->internal && strcmp(verdict, "dns.nxdomain") != 0 && strcmp(verdict, "dns.nodata") != 0)
		r->public_failed++;
	f = new_finding(q, verdict, res->ms);
	if (f) {
		if (have) {
			add_answers(f, &a);
			np_finding_metric_int(f, "size", res->alen);
		}
		answers_text(&a, list, sizeof(list));
		if (strcmp(verdict, "dns.ok") == 0)
			np_finding_summary(f, "%zu answer%s from %s in %.1f ms: %s (TTL %d)", a.n,
					   a.n == 1 ? "" : "s", r->label, res->ms, list, a.min_ttl);
		else if (strcmp(verdict, "dns.nxdomain") == 0)
			np_finding_summary(f, "%s says %s does not exist (NXDOMAIN)", r->label, q->name);
		else if (strcmp(verdict, "dns.nodata") == 0)
			np_finding_summary(f, "%s exists but has no %s record (answer from %s)", q->name,
					   np_dns_type_name(q->type), r->label);
		else if (strcmp(verdict, "dns.servfail") == 0)
			np_finding_summary(f, "%s answered SERVFAIL for %s after %.1f ms", r->label, q->name, res->ms);
		else if (strcmp(verdict, "dns.refused") == 0)
			np_finding_summary(f, "%s refused the query for %s", r->label, q->name);
		else if (strcmp(verdict, "dns.timeout") == 0 || strcmp(verdict, "dns.unreachable") == 0) {
			packet_reason(q, f, st->tcp, why, sizeof(why));
			np_finding_summary(f, "%s: %s after %.1f ms%s", r->label,
					   strcmp(verdict, "dns.timeout") == 0 ? "no answer" :
					   "an ICMP error came back", res->ms, why);
		} else
			np_finding_summary(f, "query to %s failed: %s", r->label, res->error);
	}
	np_run_finding(st->run, f);
	/* The domain controllers the SRV record names, each resolved too. */
	if (q->type == NP_DNS_SRV && strcmp(verdict, "dns.ok") == 0 && q->kind == Q_NORMAL && q->internal) {
		for (size_t i = 0; i < a.n; i++) {
			const char *target = strrchr(a.rr[i], ' ');
			char host[260];
			size_t n;

			if (!target)
				continue;
			snprintf(host, sizeof(host), "%s", target + 1);
			n = strlen(host);
			if (n > 1 && host[n - 1] == '.')
				host[n - 1] = '\0';
			submit_q(st, q->ri, host, 1, NP_DNS_A, Q_SRV_TARGET, NULL);
			submit_q(st, q->ri, host, 1, NP_DNS_AAAA, Q_SRV_TARGET, NULL);
		}
	}
	np_dns_answer_free(&a);
}

/* After a failure: a truncated UDP answer means the failure was the TCP
 * retry (dns.tcp_blocked); with --tcp, a UDP answer means the same. */
static void check_result(struct dns_q *q, const struct np_query_result *res)
{
	struct dns_state *st = q->st;
	struct dns_res *r = &st->res[q->ri];
	struct np_dns_answer a;
	int have = res->abuf && np_dns_parse(res->abuf, (size_t)res->alen, q->type, &a) == 0;
	int blocked = q->kind == Q_TC_CHECK ? have && a.tc : res->status == ARES_SUCCESS ||
		      res->status == ARES_ENODATA || res->status == ARES_ENOTFOUND;
	const char *verdict = blocked ? "dns.tcp_blocked" : q->first_verdict;
	struct np_finding *f = new_finding(q, verdict, q->first_ms);
	char why[200];

	if (!have)
		memset(&a, 0, sizeof(a));
	record(q, verdict, NULL);
	if (!q->internal)
		r->public_failed++;
	if (f) {
		packet_reason(q, f, blocked || st->tcp, why, sizeof(why));
		if (blocked && q->kind == Q_TC_CHECK)
			np_finding_summary(f, "%s's UDP answer is truncated (%d bytes, TC set) and the retry over "
					   "TCP failed: %s%s", r->label, res->alen, q->first_error, why);
		else if (blocked)
			np_finding_summary(f, "%s answers over UDP but not over TCP: %s%s", r->label,
					   q->first_error, why);
		else
			np_finding_summary(f, "%s: %s after %.1f ms%s", r->label,
					   strcmp(verdict, "dns.timeout") == 0 ? "no answer" :
					   "an ICMP error came back", q->first_ms, why);
	}
	np_run_finding(st->run, f);
	np_dns_answer_free(&a);
}

static void rewrite_result(struct dns_q *q, const struct np_query_result *res)
{
	struct dns_res *r = &q->st->res[q->ri];
	struct np_dns_answer a;
	struct np_finding *f;
	char list[400];

	if (res->status != ARES_SUCCESS || !res->abuf ||
	    np_dns_parse(res->abuf, (size_t)res->alen, q->type, &a) < 0)
		return;
	if (a.n > 0) {
		f = new_finding(q, "dns.nxdomain_rewritten", res->ms);
		if (f) {
			add_answers(f, &a);
			answers_text(&a, list, sizeof(list));
			np_finding_summary(f, "%s answers a name that cannot exist (%s) with %s: it rewrites "
					   "NXDOMAIN", r->label, q->name, list);
		}
		np_run_finding(q->st->run, f);
	}
	np_dns_answer_free(&a);
}

static void dns64_result(struct dns_q *q, const struct np_query_result *res)
{
	struct dns_res *r = &q->st->res[q->ri];
	struct np_dns_answer a;
	struct np_finding *f;
	char prefix[64];
	int plen = -1;

	if (res->status != ARES_SUCCESS || !res->abuf ||
	    np_dns_parse(res->abuf, (size_t)res->alen, NP_DNS_AAAA, &a) < 0)
		return;
	for (size_t i = 0; i < a.n && plen < 0; i++)
		plen = np_dns64_prefix(a.addr[i], prefix, sizeof(prefix));
	if (plen > 0) {
		f = new_finding(q, "dns.dns64", res->ms);
		if (f) {
			add_answers(f, &a);
			np_finding_metric_str(f, "nat64_prefix", prefix);
			np_finding_summary(f, "%s synthesizes AAAA records (DNS64): ipv4only.arpa has %s, "
					   "NAT64 prefix %s", r->label, a.rr[0], prefix);
		}
		np_run_finding(q->st->run, f);
	}
	np_dns_answer_free(&a);
}

/* --- cross-resolver verdicts ----------------------------------------------- */

static void aggregate(struct dns_state *st)
{
	struct np_finding **inc;
	struct np_finding *f;
	size_t n = 0;

	st->aggregated = 1;
	inc = np_dns_inconsistent(st->results, st->n_results, &n);
	for (size_t i = 0; inc && i < n; i++)
		np_run_finding(st->run, inc[i]);
	free(inc);
	/* dns.no_external: public names all fail, internal ones resolve. */
	for (size_t ri = 0; ri < st->n_res; ri++) {
		struct dns_res *r = &st->res[ri];

		if (!(r->internal_ok > 0 && r->public_ok == 0 && r->public_failed > 0))
			continue;
		f = np_finding_new("dns", "external names", r->label, "dns.no_external");
		if (!f)
			continue;
		np_finding_metric_str(f, "resolver", r->label);
		np_finding_metric_int(f, "public_failed", r->public_failed);
		np_finding_metric_int(f, "internal_ok", r->internal_ok);
		np_finding_summary(f, "%s resolves internal names (%d) but no public one (%d failed): it does "
				   "not reach the outside", r->label, r->internal_ok, r->public_failed);
		np_run_finding(st->run, f);
	}
}

static void q_done(struct dns_q *q)
{
	struct dns_state *st = q->st;

	np_run_job_done(st->run, &q->job);
	if (--st->outstanding == 0 && !np_run_ending(st->run) && !st->aggregated)
		aggregate(st);
}

static void on_answer(const struct np_query_result *res, void *arg)
{
	struct dns_q *q = arg;

	switch (q->kind) {
	case Q_NORMAL:
	case Q_SRV_TARGET:
		normal_result(q, res);
		break;
	case Q_TC_CHECK:
	case Q_UDP_CHECK:
		check_result(q, res);
		break;
	case Q_REWRITE:
		rewrite_result(q, res);
		break;
	case Q_DNS64:
		dns64_result(q, res);
		break;
	}
	q_done(q);
}

static void q_start(struct np_job *job)
{
	struct dns_q *q = (struct dns_q *)job;
	char errbuf[NP_ERRBUF_SIZE];
	struct np_resolver *ch = channel(q, q->kind, errbuf);

	job->wait_until_us = job->started_us + np_run_opts(q->st->run)->timeout_us;
	if (!ch || np_resolver_query(ch, q->name, q->type, on_answer, q, &q->req) < 0) {
		struct np_finding *f = new_finding(q, "dns.error", -1);

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
	struct np_finding *f = new_finding(q, verdict, -1);

	np_resolve_cancel(q->req);
	if (f)
		np_finding_summary(f, job->running ? "no answer from %s before the run ended" :
				   "never asked %s", q->st->res[q->ri].label);
	np_run_finding(q->st->run, f);
	q_done(q);
}

static void q_free(struct np_job *job)
{
	free(job);
}

static const struct np_job_ops q_ops = {q_start, q_cancel, q_free};

static void submit_q(struct dns_state *st, int ri, const char *name, int internal, int type,
		     enum q_kind kind, const struct dns_q *failed)
{
	struct dns_q *q = calloc(1, sizeof(*q));
	const char *n = intern(st, name);

	if (!q || !n) {
		free(q);
		return;
	}
	if (failed)
		*q = *failed;
	memset(&q->job, 0, sizeof(q->job));
	q->job.ops = &q_ops;
	q->st = st;
	q->ri = ri;
	q->name = n;
	q->internal = internal;
	q->type = type;
	q->kind = kind;
	q->req = NULL;
	snprintf(q->job.label, sizeof(q->job.label), "dns %.200s %s @%s", n, np_dns_type_name(type),
		 st->res[ri].label);
	st->outstanding++;
	np_run_submit(st->run, &q->job);
}

/* --- the plan ------------------------------------------------------------- */

static void state_free(void *arg)
{
	struct dns_state *st = arg;

	for (size_t i = 0; i < st->n_res; i++) {
		np_resolver_free(st->res[i].ch);
		np_resolver_free(st->res[i].ch_igntc);
		np_resolver_free(st->res[i].ch_udp);
	}
	for (size_t i = 0; i < st->n_results; i++)
		free(st->results[i].answers);
	free(st->results);
	for (size_t i = 0; i < st->hcap; i++)
		free(st->htab[i]);
	free(st->htab);
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
	char rnd[64];

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
				submit_q(st, (int)ri, p->names[ni], is_internal(p, p->names[ni]), p->types[ti],
					 Q_NORMAL, NULL);
		for (size_t ni = 0; ni < p->n_internal; ni++)
			for (size_t ti = 0; ti < p->n_types; ti++)
				submit_q(st, (int)ri, p->internal[ni], 1, p->types[ti], Q_NORMAL, NULL);
		if (p->domain && strchr(p->domain, '.')) {
			char srv[300];

			snprintf(srv, sizeof(srv), "_ldap._tcp.dc._msdcs.%.260s", p->domain);
			submit_q(st, (int)ri, srv, 1, NP_DNS_SRV, Q_NORMAL, NULL);
		}
		submit_q(st, (int)ri, rnd, 0, NP_DNS_A, Q_REWRITE, NULL);
		submit_q(st, (int)ri, "ipv4only.arpa", 0, NP_DNS_AAAA, Q_DNS64, NULL);
	}
	return 0;
}
