/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain --connections: every connection of the capture, not
 * only the failed ones, so a user sees that thirty connections to the
 * same service lived for hours and the three that died all died the same
 * way. One fixed-size row per connection, kept up to a bound (the rest
 * counted), turned into the report's "connections" array at the end. */
#include "explain_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "report.h"
#include "tcp_events.h"

#define NONE 2      /* end_by: no side */

/* A reset's end: that side's own, or a device's on the path when its TTL
 * is not that side's (the verdicts' rule, np_explain_reset_match). */
static void reset_end(const struct np_explain *e, const struct np_explain_flow *f,
		      const struct np_tcp_reset *r, struct np_explain_conn *c)
{
	const struct np_ttl_ref *ref;
	int elsewhere;

	if (np_explain_reset_match(e, f, r, &ref, &elsewhere) == NP_TTL_OTHER) {
		c->end = NP_EXPLAIN_END_RESET_PATH;
		c->end_by = NONE;
	} else {
		c->end = NP_EXPLAIN_END_RESET;
		c->end_by = (uint8_t)r->dir;
	}
}

static void how_it_ended(const struct np_explain *e, const struct np_explain_flow *f,
			 struct np_explain_conn *c)
{
	const struct np_tcp_track *t = &f->trk;
	struct np_tcp_reset rs[4], r;
	size_t n;

	c->end_by = NONE;
	switch ((enum np_explain_outcome)f->outcome) {
	case NP_EXPLAIN_OUT_ICMP:
		c->end = NP_EXPLAIN_END_ICMP;
		return;
	case NP_EXPLAIN_OUT_FILTERED:
		c->end = NP_EXPLAIN_END_TIMEOUT;
		c->end_by = (uint8_t)t->syn_dir;
		return;
	case NP_EXPLAIN_OUT_HS_RESET:
		c->end = NP_EXPLAIN_END_REFUSED;
		c->end_by = (uint8_t)!t->syn_dir;
		return;
	case NP_EXPLAIN_OUT_IDLE_DROPPED:
	case NP_EXPLAIN_OUT_RTX_TIMEOUT: {
		struct np_tcp_unacked u;
		int d = np_tcp_unacked_retransmitted(t, f->outcome == NP_EXPLAIN_OUT_IDLE_DROPPED, &u);

		c->end = NP_EXPLAIN_END_TIMEOUT;
		c->end_by = d >= 0 ? (uint8_t)d : NONE;
		return;
	}
	case NP_EXPLAIN_OUT_IDLE_RESET:
		if (np_tcp_first_reset(t, 1, &r)) {
			reset_end(e, f, &r, c);
			return;
		}
		break;
	case NP_EXPLAIN_OUT_RST_PATH:
	case NP_EXPLAIN_OUT_RST_PEER:
	case NP_EXPLAIN_OUT_RST:
		n = np_tcp_resets(t, rs);
		if (f->rst_pick < n) {
			c->end = f->outcome == NP_EXPLAIN_OUT_RST_PATH ? NP_EXPLAIN_END_RESET_PATH :
				 NP_EXPLAIN_END_RESET;
			c->end_by = f->outcome == NP_EXPLAIN_OUT_RST_PATH ? NONE : (uint8_t)rs[f->rst_pick].dir;
			return;
		}
		break;
	default:
		break;
	}
	/* No verdict decided it: the packets' own end, a reset before a
	 * FIN, both FINs before one. */
	if (np_tcp_first_reset(t, 0, &r)) {
		reset_end(e, f, &r, c);
		return;
	}
	if (t->side[0].fin.frame && t->side[1].fin.frame) {
		c->end = NP_EXPLAIN_END_FIN;
		c->end_by = t->side[0].fin.t_ns <= t->side[1].fin.t_ns ? 0 : 1;
		return;
	}
	for (int d = 0; d < 2; d++)
		if (t->side[d].fin.frame) {
			c->end = NP_EXPLAIN_END_HALF;
			c->end_by = (uint8_t)d;
			return;
		}
	c->end = NP_EXPLAIN_END_OPEN;
}

int np_explain_conn_note(struct np_explain *e, const struct np_explain_flow *f)
{
	struct np_explain_conn *c;
	int known;

	if (e->n_conns >= e->max_conns) {
		e->conns_unlisted++;
		return 0;
	}
	if (e->n_conns == e->cap_conns) {
		size_t cap = e->cap_conns ? e->cap_conns * 2 : 256;
		struct np_explain_conn *v;

		if (cap > e->max_conns)
			cap = e->max_conns;
		v = realloc(e->conns, cap * sizeof(*v));
		if (!v)
			return NP_ENOMEM;
		e->conns = v;
		e->cap_conns = cap;
	}
	c = &e->conns[e->n_conns++];
	memset(c, 0, sizeof(*c));
	c->key = f->key;
	c->first = f->trk.first;
	c->last = f->trk.last;
	c->max_gap_ns = f->trk.max_gap_ns;
	for (int d = 0; d < 2; d++) {
		c->bytes[d] = f->bytes[d];
		c->pkts[d] = f->trk.side[d].pkts;
	}
	c->client = (uint8_t)np_explain_client_side(f, &known);
	c->known = (uint8_t)known;
	c->outcome = f->outcome;
	how_it_ended(e, f, c);
	return 0;
}

static const char *const end_names[] = {
	[NP_EXPLAIN_END_OPEN] = "open",
	[NP_EXPLAIN_END_FIN] = "fin",
	[NP_EXPLAIN_END_HALF] = "half_closed",
	[NP_EXPLAIN_END_RESET] = "reset",
	[NP_EXPLAIN_END_RESET_PATH] = "reset_by_path",
	[NP_EXPLAIN_END_TIMEOUT] = "timeout",
	[NP_EXPLAIN_END_REFUSED] = "refused",
	[NP_EXPLAIN_END_ICMP] = "icmp",
};

static void endpoint(const struct np_explain_key *k, int d, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(k->family, k->addr[d], a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (k->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, k->port[d]);
	else
		snprintf(buf, len, "%s:%u", a, k->port[d]);
}

static json_t *when_json(const struct np_explain *e, const struct np_tcp_mark *m)
{
	json_t *o = json_object();
	time_t s = (time_t)(m->t_ns / 1000000000);
	char ts[32], iso[48];
	struct tm tm;

	if (!o)
		return NULL;
	gmtime_r(&s, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(iso, sizeof(iso), "%s.%06lldZ", ts, (long long)(m->t_ns % 1000000000) / 1000);
	if (json_object_set_new(o, "frame", json_integer((json_int_t)m->frame)) < 0 ||
	    json_object_set_new(o, "time", json_string(iso)) < 0 ||
	    json_object_set_new(o, "since_start_s", json_real((double)(m->t_ns - e->t0_ns) / 1e9)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *conn_json(const struct np_explain *e, const struct np_explain_conn *c)
{
	json_t *o = json_object();
	char client[NP_ADDR_STR_MAX], server[NP_ADDR_STR_MAX];
	int cs = c->client, ss = !c->client;
	const char *by = c->end_by == NONE ? NULL : c->end_by == cs ? "client" : "server";
	int bad = 0;

	if (!o)
		return NULL;
	endpoint(&c->key, cs, client, sizeof(client));
	endpoint(&c->key, ss, server, sizeof(server));
	bad |= json_object_set_new(o, "client", json_string(client));
	bad |= json_object_set_new(o, "server", json_string(server));
	bad |= json_object_set_new(o, "client_known", json_boolean(c->known));
	bad |= json_object_set_new(o, "first", when_json(e, &c->first));
	bad |= json_object_set_new(o, "last", when_json(e, &c->last));
	bad |= json_object_set_new(o, "duration_s", json_real((double)(c->last.t_ns - c->first.t_ns) / 1e9));
	bad |= json_object_set_new(o, "longest_silence_s", json_real((double)c->max_gap_ns / 1e9));
	bad |= json_object_set_new(o, "bytes_client_to_server", json_integer((json_int_t)c->bytes[cs]));
	bad |= json_object_set_new(o, "bytes_server_to_client", json_integer((json_int_t)c->bytes[ss]));
	bad |= json_object_set_new(o, "packets_client_to_server", json_integer((json_int_t)c->pkts[cs]));
	bad |= json_object_set_new(o, "packets_server_to_client", json_integer((json_int_t)c->pkts[ss]));
	bad |= json_object_set_new(o, "ended", json_string(end_names[c->end]));
	bad |= json_object_set_new(o, "ended_by", by ? json_string(by) :
				   c->end == NP_EXPLAIN_END_RESET_PATH ? json_string("path") : json_null());
	bad |= json_object_set_new(o, "finding", json_boolean(c->outcome != NP_EXPLAIN_OUT_NONE));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int by_first(const void *a, const void *b)
{
	const struct np_explain_conn *x = a, *y = b;

	return x->first.frame < y->first.frame ? -1 : x->first.frame > y->first.frame;
}

int np_explain_conns_report(struct np_explain *e, struct np_report *r)
{
	json_t *a = json_array();

	if (!a)
		return NP_ENOMEM;
	if (e->n_conns)
		qsort(e->conns, e->n_conns, sizeof(*e->conns), by_first);
	for (size_t i = 0; i < e->n_conns; i++) {
		json_t *o = conn_json(e, &e->conns[i]);

		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NP_ENOMEM;
		}
	}
	json_decref(r->connections);
	r->connections = a;
	r->connections_unlisted = e->conns_unlisted;
	return 0;
}
