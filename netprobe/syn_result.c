/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "syn_result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect.h"

static const char *const state_names[NP_ST_COUNT] = {
	"open", "closed", "filtered", "rejected", "unreachable",
};

const char *np_syn_state_name(enum np_syn_tally_state s)
{
	return s < NP_ST_COUNT ? state_names[s] : "?";
}

const char *np_syn_how_name(enum np_syn_how how)
{
	switch (how) {
	case NP_SYN_HOW_SYNACK: return "syn-ack";
	case NP_SYN_HOW_RESET: return "reset";
	case NP_SYN_HOW_PROHIBITED: return "prohibited";
	case NP_SYN_HOW_PORT_UNREACH: return "port-unreachable";
	case NP_SYN_HOW_UNREACH: return "unreachable";
	case NP_SYN_HOW_EXCEEDED: return "time-exceeded";
	default: return "silence";
	}
}

int np_syn_class_needs_series(const struct np_syn_class *c, int target_ttl)
{
	return !c->series_started && !(target_ttl >= 0 && c->ttl == target_ttl);
}

/* Who sends the resets of one class. */
static void place_class(struct np_syn_class *c, int target_ttl, const char *target)
{
	int d = np_ttl_hops(c->ttl);

	c->hop = d + 1;
	c->device[0] = '\0';
	c->origin = NP_RESET_UNDECIDED;
	if (target_ttl >= 0 && c->ttl == target_ttl)
		c->origin = NP_RESET_TARGET;
	else if (c->series_len > 0)
		c->origin = np_tcp_reset_origin(c->ttl, c->series, c->series_len, &c->tmin);
	/* The target's SYN-ACKs come from another distance: a reset of this
	 * TTL is not its own, even where the series could not say more. */
	if (c->origin == NP_RESET_UNDECIDED && target_ttl >= 0)
		c->origin = NP_RESET_PATH;
	if (c->origin == NP_RESET_TARGET)
		snprintf(c->device, sizeof(c->device), "%s", target);
	else if (c->origin == NP_RESET_PATH && c->series_len > d &&
		 c->series[d].outcome == NP_SERIES_EXCEEDED)
		snprintf(c->device, sizeof(c->device), "%s", c->series[d].from);
}

void np_syn_resolve(struct np_syn_port *ports, size_t n, struct np_syn_class *cls, size_t n_cls,
		    int target_ttl, const char *target)
{
	int no_route = 0;

	for (size_t i = 0; i < n_cls; i++)
		place_class(&cls[i], target_ttl, target);
	for (size_t i = 0; i < n; i++)
		no_route |= ports[i].how == NP_SYN_HOW_UNREACH;
	for (size_t i = 0; i < n; i++) {
		struct np_syn_port *p = &ports[i];

		/* A net or host unreachable speaks for the address, not the
		 * port: its silent ports met the same router, whose ICMP
		 * errors are rate-limited (Linux: one a second per source). */
		if (no_route && p->state == NP_SYN_FILTERED)
			p->state = NP_SYN_UNREACHABLE;
		if (p->state != NP_SYN_RESET)
			continue;
		/* A reset of no class (too many TTLs) is read as `tcp` reads a
		 * reset it cannot place: the target's. */
		p->state = p->who < n_cls && cls[p->who].origin == NP_RESET_PATH ? NP_SYN_REJECTED : NP_SYN_CLOSED;
	}
}

static int tally_state(const struct np_syn_port *p)
{
	switch (p->state) {
	case NP_SYN_OPEN: return NP_ST_OPEN;
	case NP_SYN_RESET:
	case NP_SYN_CLOSED: return NP_ST_CLOSED;
	case NP_SYN_REJECTED: return NP_ST_REJECTED;
	case NP_SYN_UNREACHABLE: return NP_ST_UNREACHABLE;
	case NP_SYN_FILTERED: return NP_ST_FILTERED;
	default: return -1;
	}
}

void np_syn_tally(const struct np_syn_port *ports, size_t n, struct np_syn_tally *t)
{
	memset(t, 0, sizeof(*t));
	t->ports = n;
	for (size_t i = 0; i < n; i++) {
		int s = tally_state(&ports[i]);

		if (s < 0) {
			t->pending++;
			continue;
		}
		t->n[s]++;
		if (s == NP_ST_UNREACHABLE && ports[i].how == NP_SYN_HOW_NONE)
			t->unreachable_silent++;
		np_portset_add(&t->set[s], ports[i].port);
	}
}

/* " (81, 20000-20999)": the first ranges of a set, cut after about 60
 * bytes. */
static void some_ports(const struct np_portset *ps, char *buf, size_t len)
{
	char *r = np_portset_ranges(ps);
	size_t off = 0;

	buf[0] = '\0';
	/* Past 60 bytes one more range (11 bytes at most) and " ...)". */
	if (!r || len < 96)
		goto out;
	off = (size_t)snprintf(buf, len, " (");
	for (const char *c = r; *c; c++) {
		if (*c == ',' && off > 60) {
			snprintf(buf + off, len - off, " ...");
			off += 4;
			break;
		}
		buf[off++] = *c;
		if (*c == ',')
			buf[off++] = ' ';
	}
	snprintf(buf + off, len - off, ")");
out:
	free(r);
}

void np_syn_summary(const struct np_syn_tally *t, double secs, char *buf, size_t len)
{
	size_t off, reached, blocked;
	int first = 1;

	off = (size_t)snprintf(buf, len, "%zu port%s in %.2f s:", t->ports, t->ports == 1 ? "" : "s", secs);
	for (int s = 0; s < NP_ST_COUNT && off < len; s++) {
		char list[96] = "";

		if (!t->n[s])
			continue;
		if (s != NP_ST_CLOSED)
			some_ports(&t->set[s], list, sizeof(list));
		off += (size_t)snprintf(buf + off, len - off, "%s %zu %s%s", first ? "" : ",", t->n[s],
					state_names[s], list);
		first = 0;
	}
	if (t->pending && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%s %zu not decided", first ? "" : ",", t->pending);
	reached = t->n[NP_ST_OPEN] + t->n[NP_ST_CLOSED];
	blocked = t->n[NP_ST_FILTERED] + t->n[NP_ST_REJECTED] + t->n[NP_ST_UNREACHABLE];
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, "; %zu reach%s the target (open or closed), %zu %s "
					"blocked on the path", reached, reached == 1 ? "es" : "", blocked,
					blocked == 1 ? "is" : "are");
	if (t->unreachable_silent && off < len)
		snprintf(buf + off, len - off, "; %zu silent port%s count as unreachable: a router answered others "
			 "of the address with net/host unreachable", t->unreachable_silent,
			 t->unreachable_silent == 1 ? "" : "s");
}

static int set_ranges(json_t *o, const char *key, const struct np_portset *ps)
{
	char *r = np_portset_ranges(ps);
	int err;

	if (!r)
		return -1;
	err = json_object_set_new(o, key, json_string(r));
	free(r);
	return err;
}

json_t *np_syn_tally_json(const struct np_syn_tally *t)
{
	json_t *o = json_object(), *open = json_array(), *counts = json_object();
	struct np_portset *u = malloc(sizeof(*u));
	char key[32];
	int err = !o || !open || !counts || !u;

	for (unsigned p = np_portset_next(&t->set[NP_ST_OPEN], 1); !err && p;
	     p = p < 65535 ? np_portset_next(&t->set[NP_ST_OPEN], p + 1) : 0)
		err = json_array_append_new(open, json_integer(p));
	for (int s = 0; s < NP_ST_COUNT && !err; s++) {
		err = json_object_set_new(counts, state_names[s], json_integer((json_int_t)t->n[s]));
		snprintf(key, sizeof(key), "%s_ranges", state_names[s]);
		err = err || set_ranges(o, key, &t->set[s]);
	}
	if (!err) {
		err = json_object_set_new(counts, "not_decided", json_integer((json_int_t)t->pending)) ||
		      json_object_set_new(o, "unreachable_silent", json_integer((json_int_t)t->unreachable_silent)) ||
		      json_object_set(o, "open", open) || json_object_set(o, "counts", counts);
		/* What a rule matrix speaks of: let through, or not. */
		*u = t->set[NP_ST_OPEN];
		np_portset_merge(u, &t->set[NP_ST_CLOSED]);
		err = err || set_ranges(o, "reached_ranges", u);
		*u = t->set[NP_ST_FILTERED];
		np_portset_merge(u, &t->set[NP_ST_REJECTED]);
		np_portset_merge(u, &t->set[NP_ST_UNREACHABLE]);
		err = err || set_ranges(o, "blocked_ranges", u);
	}
	json_decref(open);
	json_decref(counts);
	free(u);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* One device and kind of answer: which rejected port is its. */
static int group_of(const struct np_syn_port *p, int how, int who)
{
	return p->state == NP_SYN_REJECTED && p->how == how && p->who == who;
}

static int add_group(json_t *a, const struct np_syn_port *ports, size_t n, int how, int who,
		     const char *sender, int hop, struct np_portset *ps)
{
	json_t *g;
	char *r;

	np_portset_clear(ps);
	for (size_t i = 0; i < n; i++)
		if (group_of(&ports[i], how, who))
			np_portset_add(ps, ports[i].port);
	if (!ps->count)
		return 0;
	r = np_portset_ranges(ps);
	g = json_pack("{s:s?, s:i, s:s, s:s, s:I}", "sender", sender && *sender ? sender : NULL, "hop", hop,
		      "answer", np_syn_how_name((enum np_syn_how)how), "ports", r ? r : "", "count",
		      (json_int_t)ps->count);
	free(r);
	return g ? json_array_append_new(a, g) : -1;
}

json_t *np_syn_rejected_by(const struct np_syn_port *ports, size_t n, const struct np_syn_class *cls,
			   const struct np_syn_sender *senders)
{
	static const int icmp_hows[] = {NP_SYN_HOW_PROHIBITED, NP_SYN_HOW_PORT_UNREACH};
	struct np_portset *ps = malloc(sizeof(*ps));
	json_t *a = json_array();
	int err = !ps || !a;

	for (int c = 0; c < NP_SYN_CLASSES_MAX && !err && cls[c].ttl; c++)
		err = add_group(a, ports, n, NP_SYN_HOW_RESET, c, cls[c].device, cls[c].hop, ps);
	for (int s = 0; s < NP_SYN_SENDERS_MAX && !err && senders[s].addr[0]; s++)
		for (size_t k = 0; k < 2 && !err; k++)
			err = add_group(a, ports, n, icmp_hows[k], s, senders[s].addr,
					np_ttl_hops(senders[s].ttl) + 1, ps);
	free(ps);
	if (err) {
		json_decref(a);
		return NULL;
	}
	return a;
}
