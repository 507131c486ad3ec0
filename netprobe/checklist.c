/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The checklist: items, their status, and who must act (checklist.h). */
#include "checklist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_doc.h"
#include "strput.h"
#include "verdict.h"

/* Hops a path knows (a trace's, a reject's sender), per address family. */
#define HOPS_MAX 128
/* Traces that ended at a hop, for drops that name no hop themselves. */
#define BLOCKED_MAX 64
/* Problems one line names before "and N more". */
#define LINE_GROUPS 3

struct hopmap {
	struct { int v6, hop; const char *addr; } h[HOPS_MAX];
	size_t n;
	struct { const char *target, *address, *hop_addr; int hop; } b[BLOCKED_MAX];
	size_t nb;
	const struct np_cl_finding *v;
	size_t nv;
};

/* A metric of a finding, as a string ("" when absent or not one). */
static const char *mstr(const struct np_cl_finding *f, const char *name)
{
	return f->native ? np_finding_metric_text(f->native, name) : np_doc_str(f->metrics, name);
}

static int mnum(const struct np_cl_finding *f, const char *name, double *d)
{
	return f->native ? np_finding_metric_num(f->native, name, d) : np_doc_num(f->metrics, name, d);
}

static int is_v6(const char *addr)
{
	return strchr(addr, ':') != NULL;
}

static int metric_int(const struct np_cl_finding *f, const char *name, int *v)
{
	double d;

	if (!mnum(f, name, &d) || d < 0 || d > 255)
		return 0;
	*v = (int)d;
	return 1;
}

static void hop_add(struct hopmap *m, const char *addr, int hop)
{
	if (!addr[0] || hop <= 0 || m->n == HOPS_MAX)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (m->h[i].hop == hop && m->h[i].v6 == is_v6(addr))
			return;         /* the first one learnt stands */
	m->h[m->n].v6 = is_v6(addr);
	m->h[m->n].hop = hop;
	m->h[m->n].addr = addr;
	m->n++;
}

/* What the report's findings say about the path: each hop's address (a
 * trace's hops, the sender of a reject or reset that is not the target),
 * and where each trace's flow died. */
static void hopmap_build(struct hopmap *m, const struct np_cl_finding *v, size_t nv)
{
	const json_t *h;
	size_t k;

	memset(m, 0, sizeof(*m));
	m->v = v;
	m->nv = nv;
	for (size_t i = 0; i < nv; i++) {
		const struct np_cl_finding *f = &v[i];
		const char *sender = mstr(f, "sender");
		int hop;

		if (sender[0] && strcmp(sender, f->address) != 0 && metric_int(f, "sender_hop", &hop))
			hop_add(m, sender, hop);
		const json_t *hops = f->native ? np_finding_metric_value(f->native, "hops") :
				     json_object_get(f->metrics, "hops");

		json_array_foreach(hops, k, h) {
			double d;

			if (np_doc_num(h, "hop", &d) && d > 0 && d < 256)
				hop_add(m, np_doc_str(h, "address"), (int)d);
		}
		if (strcmp(f->verdict, "trace.blocked_at_hop") == 0 && m->nb < BLOCKED_MAX &&
		    metric_int(f, "last_hop", &hop)) {
			m->b[m->nb].target = f->target;
			m->b[m->nb].address = f->address;
			m->b[m->nb].hop_addr = mstr(f, "last_hop_address");
			m->b[m->nb].hop = hop;
			m->nb++;
		}
	}
}

static const char *hop_addr(const struct hopmap *m, int v6, int hop)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->h[i].hop == hop && m->h[i].v6 == v6)
			return m->h[i].addr;
	return "";
}

static int in(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return 1;
	return 0;
}

static const char *say(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static const char *say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	np_str_vformat(buf, size, fmt, ap);
	va_end(ap);
	return buf;
}

/* A proxy as its users know it: host:port, without scheme or user. */
static void proxy_name(const char *url, char *out, size_t size)
{
	const char *p = strstr(url, "://"), *at;

	out[0] = '\0';
	if (!url[0])
		return;
	p = p ? p + 3 : url;
	at = strchr(p, '@');
	if (at)
		p = at + 1;
	snprintf(out, size, "%.*s", (int)strcspn(p, "/"), p);
}

/* The device at a hop, its address from the finding or the path. */
static const char *at_hop(const struct hopmap *m, const struct np_cl_finding *f, const char *device, int hop,
			  const char *addr, char *buf, size_t size)
{
	const char *target = f->address[0] ? f->address : f->target;

	if (hop > 0 && !addr[0])
		addr = hop_addr(m, is_v6(target), hop);
	if (hop > 0 && addr[0])
		return say(buf, size, "the %s at hop %d (%s)", device, hop, addr);
	if (hop > 0)
		return say(buf, size, "the %s at hop %d on the path to %s", device, hop, target);
	return say(buf, size, "a %s on the path to %s (netprobe trace names the hop)", device, target);
}

/* The hop a finding of the same verdict, target and address names: an
 * idle ladder's overall finding sums up rungs that each name it. */
static int sibling_hop(const struct hopmap *m, const struct np_cl_finding *f)
{
	int hop;

	for (size_t i = 0; i < m->nv; i++) {
		const struct np_cl_finding *g = &m->v[i];

		if (g != f && strcmp(g->verdict, f->verdict) == 0 && strcmp(g->target, f->target) == 0 &&
		    strcmp(g->address, f->address) == 0 && strcmp(mstr(g, "path"), mstr(f, "path")) == 0 &&
		    metric_int(g, "hop", &hop))
			return hop;
	}
	return 0;
}

static const char *actor(const struct np_cl_finding *f, const struct hopmap *m, char *buf, size_t size)
{
	/* The device is where the finding's own packets say it is. */
	static const char *const by_device[] = {
		"tcp.rejected", "tcp.reset_by_path", "idle.reset_by_path", "tls.reset_after_hello",
		"trace.blocked_at_hop", "trace.max_hops", NULL,
	};
	/* Silence: no packet names the device; a trace of the same flow may. */
	static const char *const silent[] = {
		"tcp.filtered", "idle.dropped", "tls.dropped_after_hello", "tcp.retransmit_timeout",
		"family.ipv6_broken", "path.mtu_blackhole", NULL,
	};
	static const char *const endpoint[] = {
		"tls.expired", "tls.not_yet_valid", "tls.hostname_mismatch", "tls.old_protocol", "tls.alert",
		"tls.failed", "http.error", "tcp.refused", "tcp.reset_by_peer", "idle.closed_by_peer",
		"idle.reset_by_peer", "family.unreachable", NULL,
	};
	const char *v = f->verdict, *target = f->target;
	const char *addr = f->address, *path = mstr(f, "path");
	const char *where = addr[0] ? addr : target;
	char proxy[NP_CHECKLIST_ACTOR_MAX / 2];
	int hop = 0;

	if (f->status == NP_PASS)
		return say(buf, size, "%s", "");
	if (strcmp(v, "profile.skipped") == 0)
		return say(buf, size, "whoever runs netprobe (--set %s=...)", mstr(f, "variable"));
	if (strcmp(mstr(f, "expect"), "deny") == 0 && f->status == NP_FAIL)
		return say(buf, size, "the firewall on the path to %s (it must close this flow)", where);
	proxy_name(path, proxy, sizeof(proxy));
	if (strncmp(v, "proxy.", 6) == 0 || strcmp(v, "idle.closed_by_proxy") == 0 ||
	    (strcmp(v, "tls.intercepted") == 0 && strstr(path, "://")))
		return say(buf, size, "the proxy %s", proxy[0] ? proxy : where);
	if (strncmp(v, "dns.", 4) == 0) {
		const char *res = mstr(f, "resolver");

		if (!res[0])
			res = addr[0] ? addr : "of this server";
		if (strcmp(v, "dns.tcp_blocked") == 0)
			return say(buf, size, "the firewall on the path to the DNS resolver %s (TCP port 53)", res);
		if (strcmp(v, "dns.dropped_by_host") == 0 ||
		    (strcmp(v, "dns.rewrite_unknown") == 0 && strcmp(mstr(f, "reason"), "dropped_by_host") == 0))
			return say(buf, size, "this host's firewall (its inbound rules for DNS answers from %s)", res);
		if (strcmp(v, "dns.single_label_domain") == 0 || strcmp(v, "dns.netbios_dotted") == 0)
			return say(buf, size, "%s", "the directory's administrators (the domain's name)");
		if (strcmp(v, "dns.error") == 0)
			return say(buf, size, "%s", "this server's configuration");
		return say(buf, size, "the DNS resolver %s", res);
	}
	if (in(v, by_device)) {
		const char *sender = mstr(f, "sender");

		if (!metric_int(f, "sender_hop", &hop) && !metric_int(f, "hop", &hop) &&
		    !metric_int(f, "last_hop", &hop))
			hop = sibling_hop(m, f);
		if (strcmp(sender, addr) == 0)
			sender = "";
		if (strncmp(v, "trace.", 6) == 0)
			sender = mstr(f, "last_hop_address");
		return at_hop(m, f, "firewall", hop, sender, buf, size);
	}
	if (in(v, silent)) {
		for (size_t i = 0; i < m->nb; i++)
			if (strcmp(m->b[i].target, target) == 0 && strcmp(m->b[i].address, addr) == 0)
				return at_hop(m, f, "firewall", m->b[i].hop, m->b[i].hop_addr, buf, size);
		return at_hop(m, f, strcmp(v, "path.mtu_blackhole") == 0 ? "device" : "firewall", 0, "", buf, size);
	}
	if (strcmp(v, "trace.modified") == 0)
		return at_hop(m, f, "device", metric_int(f, "last_hop", &hop) ? hop : 0, "", buf, size);
	if (strcmp(v, "tcp.unreachable") == 0)
		return say(buf, size, "the network's routing to %s", where);
	if (strcmp(v, "tls.intercepted") == 0)
		return say(buf, size, "the TLS inspection on the path to %s, or its operator", target);
	if (strcmp(v, "tls.untrusted") == 0)
		return say(buf, size, "this server's trust store, or the TLS inspection on the path to %s", target);
	if (strcmp(v, "idle.reset") == 0 || strcmp(v, "tcp.reset") == 0)
		return say(buf, size, "a device on the path to %s, or its operator", target);
	if (strcmp(v, "nat.detected") == 0)
		return say(buf, size, "the NAT device between this server and %s", where);
	if (in(v, endpoint))
		return say(buf, size, "the operator of %s", target);
	return say(buf, size, "%s", "this server's configuration");
}

/* A finding of a document (--json's shape, checked by np_doc_check or
 * not at all: absent or mistyped fields read as ""). */
static void view_of(const json_t *f, struct np_cl_finding *v)
{
	v->check = np_doc_str(f, "check");
	v->target = np_doc_str(f, "target");
	v->address = np_doc_str(f, "address");
	v->verdict = np_doc_str(f, "verdict");
	v->status = np_doc_status(f);
	v->metrics = np_doc_metrics(f);
	v->native = NULL;
}

static struct np_cl_finding *views_of(const json_t *findings, size_t *n)
{
	struct np_cl_finding *v;
	const json_t *f;
	size_t i;

	*n = json_array_size(findings);
	v = calloc(*n ? *n : 1, sizeof(*v));
	json_array_foreach(findings, i, f)
		if (v)
			view_of(f, &v[i]);
	return v;
}

const char *np_checklist_actor(const json_t *finding, const json_t *findings, char *buf, size_t size)
{
	struct hopmap *m = calloc(1, sizeof(*m));
	struct np_cl_finding *v = NULL, one;
	const struct np_cl_finding *f = &one;
	size_t n = 0;

	if (!m || (findings && !(v = views_of(findings, &n)))) {
		free(m);
		return say(buf, size, "%s", "this server's configuration");
	}
	hopmap_build(m, v, n);
	view_of(finding, &one);
	/* One of the findings is itself (sibling_hop tells it by its place). */
	for (size_t i = 0; i < n; i++)
		if (json_array_get(findings, i) == finding)
			f = &v[i];
	actor(f, m, buf, size);
	free(v);
	free(m);
	return buf;
}

const char *np_checklist_item_of(const json_t *finding)
{
	const char *s = np_doc_metric_str(finding, "section");

	return s[0] ? s : np_doc_str(finding, "check");
}

void np_checklist_id(size_t index, char *buf, size_t size)
{
	snprintf(buf, size, "f%zu", index + 1);
}

/* --- building the list --------------------------------------------------------- */

/* One problem of an item: findings of one verdict that one actor must
 * act on. */
struct group {
	const char *verdict, *target;
	char who[NP_CHECKLIST_ACTOR_MAX];
	int severity;
	size_t n, first;
};

struct item {
	const char *name;
	json_t *ids, *problems, *who;
	int severity;                   /* the worst of its findings */
	size_t n, n_pass;
	struct group *g;
	size_t n_g, cap_g;
};

static int group_add(struct item *it, const struct np_cl_finding *f, size_t idx, const char *who)
{
	const char *v = f->verdict;
	int sev = np_doc_severity(f->status);
	struct group *g;

	for (size_t i = 0; i < it->n_g; i++)
		if (strcmp(it->g[i].verdict, v) == 0 && strcmp(it->g[i].who, who) == 0) {
			it->g[i].n++;
			if (sev > it->g[i].severity)
				it->g[i].severity = sev;
			return 0;
		}
	if (it->n_g == it->cap_g) {
		size_t cap = it->cap_g ? it->cap_g * 2 : 4;

		g = realloc(it->g, cap * sizeof(*g));
		if (!g)
			return -1;
		it->g = g;
		it->cap_g = cap;
	}
	g = &it->g[it->n_g++];
	g->verdict = v;
	g->target = f->target;
	snprintf(g->who, sizeof(g->who), "%s", who);
	g->severity = sev;
	g->n = 1;
	g->first = idx;
	return 0;
}

/* Worst first, then in order of the first finding. */
static int group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->severity != y->severity)
		return y->severity - x->severity;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Append to line[] without overflowing it; the end is marked "...". */
static void put(char *line, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(char *line, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= NP_CHECKLIST_LINE_MAX - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + *len, NP_CHECKLIST_LINE_MAX - *len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*len += (size_t)n;
	if (*len >= NP_CHECKLIST_LINE_MAX - 1) {
		*len = NP_CHECKLIST_LINE_MAX - 1;
		memcpy(line + NP_CHECKLIST_LINE_MAX - 4, "...", 4);
	}
}

static const char *const severity_status[] = {"skip", "warn", "error", "fail"};

static json_t *item_json(struct item *it)
{
	char line[NP_CHECKLIST_LINE_MAX];
	size_t len = 0, shown = 0;
	const char *status;

	line[0] = '\0';
	if (it->n_g)
		qsort(it->g, it->n_g, sizeof(*it->g), group_cmp);
	if (it->n_g == 0) {
		status = "pass";
		put(line, &len, "%s %zu finding%s pass%s", it->n == 1 ? "its" : "all", it->n, it->n == 1 ? "" : "s",
		    it->n == 1 ? "es" : "");
	} else {
		status = it->severity >= 1 && it->severity <= 4 ? severity_status[it->severity - 1] : "fail";
		/* Nothing ran: the variables it waits for say why. */
		if (it->severity == 1 && it->n_pass == 0)
			put(line, &len, "not run: ");
		for (; shown < it->n_g && shown < LINE_GROUPS; shown++) {
			const struct group *g = &it->g[shown];

			put(line, &len, "%s%s must act", shown ? "; " : "", g->who);
			/* The variable the check waits for is all there is to say;
			 * an operator's target is in its name already. */
			if (strcmp(g->verdict, "profile.skipped") != 0)
			{
				if (strstr(g->who, g->target))
					put(line, &len, ": %s", g->verdict);
				else
					put(line, &len, ": %s at %s", g->verdict, g->target);
			}
			if (g->n > 1)
				put(line, &len, " (%zu findings)", g->n);
		}
		if (shown < it->n_g)
			put(line, &len, "; and %zu more problem%s", it->n_g - shown, it->n_g - shown == 1 ? "" : "s");
		if (it->n_pass)
			put(line, &len, " (%zu of %zu findings pass)", it->n_pass, it->n);
	}
	for (size_t i = 0; i < it->n_g; i++) {
		size_t k;
		const json_t *w;

		json_array_foreach(it->who, k, w)
			if (strcmp(json_string_value(w), it->g[i].who) == 0)
				break;
		if (k == json_array_size(it->who))
			json_array_append_new(it->who, json_string(it->g[i].who));
	}
	return json_pack("{s:s, s:s, s:s, s:O, s:O, s:O}", "item", it->name, "status", status, "line", line,
			 "who", it->who, "findings", it->ids, "problems", it->problems);
}

static struct item *item_find(struct item *items, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].name, name) == 0)
			return &items[i];
	return NULL;
}

/* A new item at the end of items[] (zeroed), growing it; NULL when out of
 * memory. An item is a section or a check: a handful, not one a finding. */
static struct item *item_add(struct item **items, size_t *n, size_t *cap, const char *name)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct item *v = realloc(*items, c * sizeof(*v));

		if (!v)
			return NULL;
		memset(v + *n, 0, (c - *n) * sizeof(*v));
		*items = v;
		*cap = c;
	}
	(*items)[*n].name = name;
	return &(*items)[(*n)++];
}

json_t *np_checklist_of(const struct np_cl_finding *v, size_t n, const json_t *order, int flags)
{
	size_t n_items = 0, cap_items = 0, i;
	struct item *items = NULL;
	struct hopmap *m = calloc(1, sizeof(*m));
	json_t *out = json_array(), *o;
	int failed = !m || !out;

	if (failed)
		goto out;
	hopmap_build(m, v, n);
	/* The profile's order first, then the items it does not name. */
	json_array_foreach(order, i, o)
		if (json_is_string(o) && !item_find(items, n_items, json_string_value(o)) &&
		    !item_add(&items, &n_items, &cap_items, json_string_value(o))) {
			failed = 1;
			goto out;
		}
	for (i = 0; i < n; i++) {
		const struct np_cl_finding *f = &v[i];
		const char *name = mstr(f, "section")[0] ? mstr(f, "section") : f->check;
		struct item *it = item_find(items, n_items, name);
		int sev = np_doc_severity(f->status);
		char id[32], who[NP_CHECKLIST_ACTOR_MAX];

		if (!it && !(it = item_add(&items, &n_items, &cap_items, name))) {
			failed = 1;
			goto out;
		}
		if (!it->ids) {
			it->ids = json_array();
			it->problems = json_array();
			it->who = json_array();
			it->severity = -1;
			if (!it->ids || !it->problems || !it->who) {
				failed = 1;
				goto out;
			}
		}
		/* Ids only where they are shown: the terminal's summary of
		 * 10,000 findings links to none. */
		if (flags & NP_CHECKLIST_IDS) {
			np_checklist_id(i, id, sizeof(id));
			json_array_append_new(it->ids, json_string_nocheck(id));
		}
		it->n++;
		if (sev > it->severity)
			it->severity = sev;
		if (sev <= 0) {
			it->n_pass++;
			continue;
		}
		if (flags & NP_CHECKLIST_IDS)
			json_array_append_new(it->problems, json_string_nocheck(id));
		if (group_add(it, f, i, actor(f, m, who, sizeof(who))) < 0) {
			failed = 1;
			goto out;
		}
	}
	for (i = 0; i < n_items; i++) {
		/* An item of the profile whose checks did not run (--only). */
		if (!items[i].ids)
			continue;
		o = item_json(&items[i]);
		if (!o || json_array_append_new(out, o) < 0) {
			failed = 1;
			goto out;
		}
	}
out:
	for (i = 0; items && i < n_items; i++) {
		json_decref(items[i].ids);
		json_decref(items[i].problems);
		json_decref(items[i].who);
		free(items[i].g);
	}
	free(items);
	free(m);
	if (failed) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *np_checklist_build(const json_t *findings, const json_t *order)
{
	size_t n;
	struct np_cl_finding *v = views_of(findings, &n);
	json_t *list = v ? np_checklist_of(v, n, order, NP_CHECKLIST_IDS) : NULL;

	free(v);
	return list;
}
