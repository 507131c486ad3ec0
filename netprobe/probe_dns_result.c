/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_dns_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "capture.h"
#include "dns_answer.h"
#include "dns_frames.h"
#include "finding.h"
#include "flow.h"
#include "strput.h"

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

/* The query's messages (every attempt, and every answer to any of them),
 * from the saved frames: what the finding's verdict rests on. */
#define CITE_MAX 8

static const char *rcode_text(unsigned rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

	return rcode < 6 ? names[rcode] : "RCODE>5";
}

static void cite_messages(struct dns_q *q, struct np_finding *f, const char *verdict)
{
	struct np_flow_table *ft = np_run_flows(q->st->run);
	struct np_dns_frame m[CITE_MAX];
	char text[400], note[480];
	size_t n;

	if (!q->st->frames || !ft)
		return;
	n = np_dns_frames_find(q->st->frames, q->ri, q->name, q->type, m, CITE_MAX);
	if (n == 0 || !m[(n < CITE_MAX ? n : CITE_MAX) - 1].answer) {
		/* The answer's packet may still wait in the capture's ring:
		 * c-ares can read it before the capture does. */
		np_capture_drain(np_run_capture(q->st->run));
		n = np_dns_frames_find(q->st->frames, q->ri, q->name, q->type, m, CITE_MAX);
	}
	/* Put together by hand: 20,000 of these in a run of 10,000 names. */
	for (size_t i = 0; i < n && i < CITE_MAX; i++) {
		static const char hex[] = "0123456789abcdef";
		char id[8] = {'0', 'x', hex[m[i].id >> 12], hex[m[i].id >> 8 & 15], hex[m[i].id >> 4 & 15],
			      hex[m[i].id & 15], ':', '\0'};
		size_t at = np_str_put(text, sizeof(text), 0, m[i].answer ? "answer ID " : "query ID ", 10);

		at = np_str_put(text, sizeof(text), at, id, sizeof(id));
		at = np_str_put(text, sizeof(text), at, " ", 1);
		if (m[i].answer) {
			at = np_str_put(text, sizeof(text), at, rcode_text(m[i].rcode), 16);
			at = np_str_put(text, sizeof(text), at, ", ", 2);
			at = np_str_put_uint(text, sizeof(text), at, m[i].ancount);
			np_str_put(text, sizeof(text), at, m[i].ancount == 1 ? " answer record" : " answer records", 16);
		} else {
			at = np_str_put(text, sizeof(text), at, q->name, 300);
			at = np_str_put(text, sizeof(text), at, " ", 1);
			np_str_put(text, sizeof(text), at, np_dns_type_name(q->type), 16);
		}
		np_finding_evidence(f, m[i].frame, 0, "%s", text);
		/* The saved capture says the same at the frame. */
		at = np_str_put(note, sizeof(note), 0, "netprobe: ", 10);
		at = np_str_put(note, sizeof(note), at, verdict, 64);
		at = np_str_put(note, sizeof(note), at, ": ", 2);
		np_str_put(note, sizeof(note), at, text, sizeof(text));
		np_flow_comment(ft, m[i].frame, note);
	}
	if (n > CITE_MAX)
		np_finding_evidence(f, 0, 0, "%zu more messages for %s %s", n - CITE_MAX, q->name,
				    np_dns_type_name(q->type));
}

/* --- findings ------------------------------------------------------------ */

static void record(struct dns_q *q, const char *verdict, const struct np_dns_answer *a)
{
	struct dns_state *st = q->st;
	struct np_dns_result *v;

	/* Every outcome is kept for the cross-checks, however many names: a
	 * disagreement on the 9,000th name is as real as on the first (the
	 * outcomes are bounded by the queries planned, and cost less than
	 * their findings). With one resolver there is nothing to cross. */
	if (st->n_res < 2)
		return;
	if (st->n_results == 0 || (st->n_results >= 16 && !(st->n_results & (st->n_results - 1)))) {
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

/* The capture holds an answer to the last query sent for q (same ID, from
 * its resolver, not truncated) that never reached netprobe: this host
 * dropped it on the way in (its firewall, or a full socket buffer: the
 * capture sees packets before either). 0 when not, or without capture. */
static int answer_on_wire(struct dns_q *q, struct np_dns_frame *ans)
{
	struct np_dns_frame m[32];
	size_t n;
	int last = -1;

	if (!q->st->frames)
		return 0;
	np_capture_drain(np_run_capture(q->st->run));
	n = np_dns_frames_find(q->st->frames, q->ri, q->name, q->type, m, sizeof(m) / sizeof(m[0]));
	if (n > sizeof(m) / sizeof(m[0]))
		n = sizeof(m) / sizeof(m[0]);
	for (size_t i = 0; i < n; i++)
		if (!m[i].answer)
			last = (int)i;
	for (size_t i = last < 0 ? n : (size_t)last + 1; i < n; i++) {
		if (m[i].answer && !m[i].tc && m[i].id == m[last].id) {
			*ans = m[i];
			return 1;
		}
	}
	return 0;
}

struct np_finding *np_dns_new_finding(struct dns_q *q, const char *verdict, double ms)
{
	struct dns_res *r = &q->st->res[q->ri];
	char target[300];
	struct np_finding *f;
	size_t at = np_str_put(target, sizeof(target), 0, q->name, 260);

	at = np_str_put(target, sizeof(target), at, " ", 1);
	np_str_put(target, sizeof(target), at, np_dns_type_name(q->type), 16);
	f = np_finding_new("dns", target, r->label, verdict);
	if (!f)
		return NULL;
	cite_messages(q, f, verdict);
	np_finding_metric_str(f, "resolver", r->label);
	np_finding_metric_str(f, "type", np_dns_type_name(q->type));
	if (ms >= 0)
		np_finding_metric_real(f, "dns_ms", ms);
	return f;
}

/* The answers of an answer without any: one empty array that every such
 * finding shares (10,000 NXDOMAINs hold one, not 10,000). Never appended
 * to; its own reference keeps it. */
static json_t *no_answers(void)
{
	static json_t *empty;

	if (!empty)
		empty = json_array();
	return json_incref(empty);
}

static void add_answers(struct np_finding *f, const struct np_dns_answer *a)
{
	json_t *arr = a->n ? json_array() : no_answers();

	for (size_t i = 0; arr && i < a->n; i++)
		json_array_append_new(arr, json_string(a->rr[i]));
	if (arr)
		np_finding_metric_json(f, "answers", arr);
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

/* The verdict of a plain query, and its finding. */
void np_dns_normal_result(struct dns_q *q, const struct np_query_result *res)
{
	struct dns_state *st = q->st;
	struct dns_res *r = &st->res[q->ri];
	struct np_dns_answer a;
	const char *verdict;
	struct np_finding *f;
	char list[400], why[200];
	int have = res->abuf && np_dns_parse_checked(res->abuf, (size_t)res->alen, q->name, q->type, res->sound, &a) == 0;
	const char *malformed, *defect;
	struct np_dns_frame dropped;

	if (!have)
		memset(&a, 0, sizeof(a));
	/* A malformed answer is a failure of its own, whatever its RCODE says
	 * (its records cannot be trusted to be all there is). Without an
	 * answer, c-ares may have dropped malformed ones and timed out: the
	 * resolver did answer, wrongly. */
	malformed = have && a.defect ? a.why : res->malformed;
	defect = have && a.defect ? np_dns_defect_name(a.defect) : res->defect;
	if (malformed)
		verdict = "dns.malformed";
	else
		verdict = res->status == ARES_SUCCESS ? (a.n ? "dns.ok" : "dns.nodata") :
			  np_resolve_verdict(res->status);
	/* Answered on the wire, yet nothing reached the socket: not the
	 * resolver's failure, nor the path's. */
	if (!malformed && res->status == ARES_ETIMEOUT && answer_on_wire(q, &dropped))
		verdict = "dns.dropped_by_host";
	/* A failure that may hide a truncated answer whose TCP retry failed
	 * (or, with --tcp, a TCP path that fails while UDP works): ask again
	 * the other way before deciding. */
	else if (!malformed && (res->status == ARES_ETIMEOUT || res->status == ARES_ECONNREFUSED) &&
	    (q->kind == Q_NORMAL || q->kind == Q_SRV_TARGET) && !np_run_ending(st->run)) {
		struct dns_q probe = *q;

		probe.first_verdict = verdict;
		probe.first_error = strdup(res->error ? res->error : "");   /* the check query's */
		probe.first_ms = res->ms;
		np_dns_submit_q(st, q->ri, q->name, q->internal, q->type, st->tcp ? Q_UDP_CHECK : Q_TC_CHECK, &probe);
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
	f = np_dns_new_finding(q, verdict, res->ms);
	if (f) {
		if (have) {
			add_answers(f, &a);
			np_finding_metric_int(f, "size", res->alen);
		}
		answers_text(&a, list, sizeof(list));
		if (malformed) {
			np_finding_metric_str(f, "defect", defect);
			if (have)
				np_finding_summary(f, "%s sent a malformed answer for %s %s: %s", r->label, q->name,
						   np_dns_type_name(q->type), malformed);
			else
				np_finding_summary(f, "%s sent only malformed answers for %s %s (none usable in "
						   "%.1f ms): %s", res->from ? res->from : r->label, q->name,
						   np_dns_type_name(q->type), res->ms, malformed);
		} else if (strcmp(verdict, "dns.ok") == 0)
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
		else if (strcmp(verdict, "dns.dropped_by_host") == 0)
			np_finding_summary(f, "%s answered (frame %u, ID 0x%04x: %s) but no answer reached netprobe "
					   "in %.1f ms: this host dropped it on the way in", r->label,
					   (unsigned)dropped.frame, (unsigned)dropped.id, rcode_text(dropped.rcode),
					   res->ms);
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
			const char *target = strrchr(a.rr[i], ' '), *name;
			char host[260];
			size_t n;

			if (!target)
				continue;
			snprintf(host, sizeof(host), "%s", target + 1);
			n = strlen(host);
			if (n > 1 && host[n - 1] == '.')
				host[n - 1] = '\0';
			name = np_dns_intern(st, host);
			np_dns_submit_q(st, q->ri, name, 1, NP_DNS_A, Q_SRV_TARGET, NULL);
			np_dns_submit_q(st, q->ri, name, 1, NP_DNS_AAAA, Q_SRV_TARGET, NULL);
		}
	}
	np_dns_answer_free(&a);
}

/* After a failure: a truncated UDP answer means the failure was the TCP
 * retry (dns.tcp_blocked); with --tcp, a UDP answer means the same. */
void np_dns_check_result(struct dns_q *q, const struct np_query_result *res)
{
	struct dns_state *st = q->st;
	struct dns_res *r = &st->res[q->ri];
	struct np_dns_answer a;
	int have = res->abuf && np_dns_parse_checked(res->abuf, (size_t)res->alen, q->name, q->type, res->sound, &a) == 0;
	int blocked = q->kind == Q_TC_CHECK ? have && a.tc : res->status == ARES_SUCCESS ||
		      res->status == ARES_ENODATA || res->status == ARES_ENOTFOUND;
	const char *verdict = blocked ? "dns.tcp_blocked" : q->first_verdict;
	struct np_finding *f = np_dns_new_finding(q, verdict, q->first_ms);
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

/* Why the random name says nothing about rewriting; NULL when it does
 * (NXDOMAIN, or an answer read as one). */
static const char *rewrite_unknown(const struct np_query_result *res, const struct np_dns_answer *a,
				   int have, char *detail, size_t len)
{
	if ((have && a->defect) || (!res->abuf && res->malformed)) {
		snprintf(detail, len, "the answer is malformed: %s", have && a->defect ? a->why : res->malformed);
		return "malformed";
	}
	switch (res->status) {
	case ARES_SUCCESS:
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
		return NULL;
	case ARES_ETIMEOUT:
		snprintf(detail, len, "no answer came in %.1f ms", res->ms);
		return "timeout";
	case ARES_ESERVFAIL:
		snprintf(detail, len, "it answered SERVFAIL");
		return "servfail";
	case ARES_EREFUSED:
		snprintf(detail, len, "it refused the query");
		return "refused";
	case ARES_ECONNREFUSED:
		snprintf(detail, len, "an ICMP error came back");
		return "unreachable";
	}
	snprintf(detail, len, "the query failed: %s", res->error);
	return "error";
}

/* The name that cannot exist: an address for it is NXDOMAIN rewriting;
 * no usable answer leaves the question open, and the user is told why
 * (else a resolver that drops it costs the run its timeout, unexplained). */
void np_dns_rewrite_result(struct dns_q *q, const struct np_query_result *res)
{
	struct dns_res *r = &q->st->res[q->ri];
	struct np_dns_answer a;
	struct np_finding *f;
	char list[400], detail[300];
	int have = res->abuf && np_dns_parse_checked(res->abuf, (size_t)res->alen, q->name, q->type, res->sound, &a) == 0;
	const char *reason;

	if (!have)
		memset(&a, 0, sizeof(a));
	if (res->status == ARES_SUCCESS && a.n > 0) {
		f = np_dns_new_finding(q, "dns.nxdomain_rewritten", res->ms);
		if (f) {
			add_answers(f, &a);
			answers_text(&a, list, sizeof(list));
			np_finding_summary(f, "%s answers a name that cannot exist (%s) with %s: it rewrites "
					   "NXDOMAIN", r->label, q->name, list);
		}
		np_run_finding(q->st->run, f);
	} else if ((reason = rewrite_unknown(res, &a, have, detail, sizeof(detail)))) {
		struct np_dns_frame dropped;

		if (strcmp(reason, "timeout") == 0 && answer_on_wire(q, &dropped)) {
			reason = "dropped_by_host";
			snprintf(detail, sizeof(detail), "its answer (frame %u, ID 0x%04x: %s) reached this host "
				 "but not netprobe in %.1f ms: this host dropped it on the way in",
				 (unsigned)dropped.frame, (unsigned)dropped.id, rcode_text(dropped.rcode), res->ms);
		}
		f = np_dns_new_finding(q, "dns.rewrite_unknown", res->ms);
		if (f) {
			np_finding_metric_str(f, "reason", reason);
			if (strcmp(reason, "malformed") == 0)
				np_finding_metric_str(f, "defect", have && a.defect ? np_dns_defect_name(a.defect) :
						      res->defect);
			np_finding_summary(f, "cannot tell whether %s rewrites NXDOMAIN: asked for a name that "
					   "cannot exist (%s), %s", r->label, q->name, detail);
		}
		np_run_finding(q->st->run, f);
	}
	np_dns_answer_free(&a);
}

void np_dns_dns64_result(struct dns_q *q, const struct np_query_result *res)
{
	struct dns_res *r = &q->st->res[q->ri];
	struct np_dns_answer a;
	struct np_finding *f;
	char prefix[64];
	int plen = -1;

	if (res->status != ARES_SUCCESS || !res->abuf ||
	    np_dns_parse(res->abuf, (size_t)res->alen, q->name, NP_DNS_AAAA, &a) < 0)
		return;
	for (size_t i = 0; i < a.n && plen < 0; i++)
		plen = np_dns64_prefix(a.addr[i], prefix, sizeof(prefix));
	if (plen > 0) {
		f = np_dns_new_finding(q, "dns.dns64", res->ms);
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

void np_dns_aggregate(struct dns_state *st)
{
	struct np_finding **inc = NULL;
	struct np_finding *f;
	size_t n = 0;

	st->aggregated = 1;
	/* Resolvers that disagree take two: one resolver asked a name twice
	 * (a name listed twice) is no dns.inconsistent. */
	if (st->n_res > 1)
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
