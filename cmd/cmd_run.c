/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe run: every check of a profile in one event loop and one capture,
 * each check's expectation (allow or deny, required or not) applied to its
 * findings as they come. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "run_int.h"
#include "../netprobe/proxy_auth.h"
#include "../netprobe/probe_dns.h"
#include "../netprobe/probe_family.h"
#include "../netprobe/probe_idle.h"
#include "../netprobe/probe_nat.h"
#include "../netprobe/probe_tcp.h"
#include "../netprobe/probe_tls.h"
#include "../netprobe/probe_trace.h"
#include "../netprobe/profile.h"
#include "../netprobe/rawsend.h"
#include "../netprobe/dns_answer.h"

enum { OPT_PROFILE = 0x400, OPT_SET, OPT_ONLY, OPT_LIST, OPT_SHOW };

static const struct np_cmd_opt run_opts[] = {
	{"profile", required_argument, OPT_PROFILE, "NAME|FILE", "the profile: a built-in name (--list-profiles) or a YAML file"},
	{"set", required_argument, OPT_SET, "KEY=VALUE", "fill ${KEY} in the profile (repeat); checks that use an unset one are skipped"},
	{"only", required_argument, OPT_ONLY, "TAG", "run only the checks with this tag (repeat: any of them)"},
	{"list-profiles", no_argument, OPT_LIST, NULL, "list the built-in profiles and exit"},
	{"show-profile", required_argument, OPT_SHOW, "NAME", "print a built-in profile's YAML (to copy and edit) and exit"},
	{0},
};

static uint16_t default_port(enum np_check_kind k)
{
	return k == NP_CHECK_HTTP ? 80 : k == NP_CHECK_DNS ? 53 : 443;
}

/* --- attribution: which check a finding belongs to ----------------------------------- */

static enum np_check_kind kind_of(const char *check)
{
	static const char *const names[] = {"dns", "tcp", "tls", "http", "idle", "nat", "family", "trace"};

	for (int k = 0; k < NP_CHECK_KINDS; k++)
		if (strcmp(check, names[k]) == 0)
			return (enum np_check_kind)k;
	return NP_CHECK_KINDS;
}

static int check_has_target(const struct rcheck *c, const char *target)
{
	for (size_t i = 0; i < c->n_targets; i++) {
		size_t n = strlen(c->shown[i]);

		if (strcmp(c->shown[i], target) == 0 ||
		    (c->pc->kind == NP_CHECK_DNS && strncmp(target, c->shown[i], n) == 0 && target[n] == ' '))
			return 1;
	}
	return 0;
}

static const char *metric(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = np_finding_metric(f, name);

	return m && m->kind == NP_METRIC_STR ? m->v.s : NULL;
}

/* The finding's path (tls, http, idle) or resolver (dns) is one the check
 * names, or the check leaves it open. */
static int check_has_path(const struct rcheck *c, const struct np_finding *f)
{
	const char *path = metric(f, "path"), *res = metric(f, "resolver");

	if (path && c->n_paths) {
		for (size_t i = 0; i < c->n_paths; i++)
			if (strcmp(c->paths[i], path) == 0 || strcmp(c->paths[i], "auto") == 0)
				return 1;
		return 0;
	}
	if (res && c->pc->kind == NP_CHECK_DNS && c->dns.n_resolvers) {
		size_t n = strlen(res);

		for (size_t i = 0; i < c->dns.n_resolvers; i++)
			if (strcmp(c->dns.resolvers[i], res) == 0 ||
			    (strncmp(c->dns.resolvers[i], res, n) == 0 && c->dns.resolvers[i][n] == ':'))
				return 1;
		return 0;
	}
	return 1;
}

/* Which check a finding belongs to: of its kind, naming its target and
 * path. Two checks may probe the same thing (an allow and a deny row of a
 * matrix): identical probes give identical findings, so they are shared
 * out, each check taking its turn. */
static struct rcheck *attribute(struct np_cmd_prun *r, const struct np_finding *f)
{
	enum np_check_kind k = kind_of(f->check);
	struct rcheck *best = NULL, *open = NULL, *only = NULL;
	size_t n_kind = 0;

	struct rcheck *named = NULL;

	for (size_t i = 0; i < r->n_checks; i++) {
		struct rcheck *c = &r->checks[i];

		if (!c->selected || c->pc->skip != NP_SKIP_NONE || c->pc->kind != k)
			continue;
		n_kind++;
		only = c;
		if (!check_has_path(c, f))
			continue;
		if (check_has_target(c, f->target)) {
			if (!best || c->attributed < best->attributed)
				best = c;
		} else if (!c->n_targets && !open) {
			open = c;       /* a check without targets (a dns domain, nat) */
		} else if (!named && ((k == NP_CHECK_DNS && metric(f, "resolver") && c->dns.n_resolvers) ||
				      (k == NP_CHECK_FAMILY && strcmp(f->target, "this host") == 0 &&
				       !c->family.no_host))) {
			/* A finding of the check's own making: the probe of a
			 * resolver it names (NXDOMAIN rewriting), the host's
			 * readiness its family check reports. */
			named = c;
		}
	}
	if (!best)
		best = open ? open : named ? named : n_kind == 1 ? only : NULL;
	if (best)
		best->attributed++;
	return best;
}

static int is_closed_verdict(const char *v)
{
	return strcmp(v, "tcp.filtered") == 0 || strcmp(v, "tcp.rejected") == 0 || strcmp(v, "tcp.unreachable") == 0 ||
	       strcmp(v, "dns.nxdomain") == 0 || strcmp(v, "dns.nodata") == 0 || strcmp(v, "proxy.denied") == 0 ||
	       strcmp(v, "tls.reset_after_hello") == 0 || strcmp(v, "tls.dropped_after_hello") == 0 ||
	       strcmp(v, "trace.blocked_at_hop") == 0;
}

/* Deny: a closed path passes, an open one fails; a port nothing listens
 * on behind no firewall rule only warns. Not required: a failure warns. */
void np_cmd_prun_apply(struct np_finding *f, void *arg)
{
	struct np_cmd_prun *r = arg;
	const struct rcheck *c;

	if (strcmp(f->verdict->code, "profile.skipped") == 0)
		return;         /* named by skipped() itself */
	c = attribute(r, f);
	const char *v = f->verdict->code;
	json_t *tags;

	if (!c)
		return;
	np_finding_metric_int(f, "profile_check", (int64_t)c->index);
	if (c->pc->expect == NP_EXPECT_DENY) {
		np_finding_metric_str(f, "expect", "deny");
		if (is_closed_verdict(v))
			f->status = NP_PASS;
		else if (strcmp(v, "tcp.refused") == 0)
			f->status = NP_WARN;
		else if (f->status == NP_PASS)
			f->status = NP_FAIL;
		if (f->summary) {
			char *s = strdup(f->summary);

			np_finding_summary(f, "expected closed: %s", s ? s : "");
			free(s);
		}
	}
	if (!c->pc->required) {
		np_finding_metric_int(f, "required", 0);
		if (f->status == NP_FAIL)
			f->status = NP_WARN;
	}
	np_finding_metric_str(f, "section", c->section);
	tags = json_array();
	for (size_t i = 0; tags && i < c->pc->tags.n; i++)
		json_array_append_new(tags, json_string(c->pc->tags.v[i]));
	if (tags)
		np_finding_metric_json(f, "tags", tags);
}

/* --- building the plans -------------------------------------------------------------- */

static int fail(struct np_cmd_ctx *ctx, const struct rcheck *c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One line naming the check by its place in the profile; exit status 2. */
static int fail(struct np_cmd_ctx *ctx, const struct rcheck *c, const char *fmt, ...)
{
	char msg[NP_ERRBUF_SIZE + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	np_cmd_error(ctx, "%s:%d:%d: checks[%zu].%s: %s", c->file, c->pc->line, c->pc->column, c->index,
		     np_check_kind_name(c->pc->kind), msg);
	return 2;
}

/* a profile's proxy_auth (checked when the profile was read) */
static unsigned auth_scheme(const char *v)
{
	int s = np_pauth_scheme_parse(strcmp(v, "any") == 0 ? "auto" : v);

	return s < 0 ? NP_PAUTH_AUTO : (unsigned)s;
}

static int set_paths(struct np_cmd_ctx *ctx, struct rcheck *c, const struct np_strv *proxies,
		     struct np_proxy *paths, int *path_auto, size_t *n_paths, size_t max)
{
	char errbuf[NP_ERRBUF_SIZE];

	*n_paths = 0;
	c->n_paths = 0;
	for (size_t i = 0; i < proxies->n && i < max; i++) {
		if (strcmp(proxies->v[i], "auto") == 0)
			path_auto[*n_paths] = 1;
		else if (np_proxy_parse(proxies->v[i], &paths[*n_paths], errbuf) < 0)
			return fail(ctx, c, "proxy: %s", errbuf);
		else if (paths[*n_paths].pac[0] && np_pac_load(paths[*n_paths].pac, errbuf) < 0)
			return fail(ctx, c, "proxy: pac:%s: %s", paths[*n_paths].pac, errbuf);
		snprintf(c->path_buf[c->n_paths], NP_TARGET_STR_MAX, "%s", path_auto[*n_paths] ? "auto" :
			 paths[*n_paths].none ? "direct" : paths[*n_paths].shown);
		c->paths[c->n_paths] = c->path_buf[c->n_paths];
		c->n_paths++;
		(*n_paths)++;
	}
	return 0;
}

static int build(struct np_cmd_ctx *ctx, struct np_cmd_prun *r, struct rcheck *c)
{
	const struct np_profile_check *pc = c->pc;
	const struct np_check_opts *o = &pc->opt;
	char errbuf[NP_ERRBUF_SIZE];
	int rc;

	if (pc->kind == NP_CHECK_NAT) {
		struct np_nat_plan *n = &c->nat;

		if (o->responder && np_target_parse(o->responder, 0, &n->responder, errbuf) == 0 && n->responder.port)
			n->has_responder = 1;
		else if (o->responder)
			return fail(ctx, c, "responder: %s", "give host:port");
		if (o->stun && np_target_parse(o->stun, 3478, &n->stun, errbuf) == 0)
			n->has_stun = 1;
		else if (o->stun)
			return fail(ctx, c, "stun: %s", errbuf);
		n->token = o->token;
		if (!n->has_responder && !n->has_stun)
			return fail(ctx, c, "%s", "nat needs responder or stun");
	}
	c->n_targets = pc->targets.n;
	if (c->n_targets) {
		c->targets = calloc(c->n_targets, sizeof(*c->targets));
		c->shown = calloc(c->n_targets, sizeof(*c->shown));
		if (!c->targets || !c->shown)
			return fail(ctx, c, "%s", "out of memory");
	}
	for (size_t i = 0; i < c->n_targets; i++) {
		if (pc->kind == NP_CHECK_DNS) {
			snprintf(c->shown[i], NP_TARGET_STR_MAX, "%s", pc->targets.v[i]);
			continue;
		}
		if (np_target_parse(pc->targets.v[i], default_port(pc->kind), &c->targets[i], errbuf) < 0)
			return fail(ctx, c, "target: %s", errbuf);
		np_target_str(&c->targets[i], c->shown[i], NP_TARGET_STR_MAX);
	}
	switch (pc->kind) {
	case NP_CHECK_DNS: {
		struct np_dns_plan *d = &c->dns;

		c->resolvers = calloc(o->resolvers.n ? o->resolvers.n : 1, sizeof(*c->resolvers));
		if (!c->resolvers)
			return fail(ctx, c, "%s", "out of memory");
		for (size_t i = 0; i < o->resolvers.n && i < NP_DNS_MAX_RESOLVERS; i++) {
			struct np_target t;

			if (np_target_parse(o->resolvers.v[i], 53, &t, errbuf) < 0)
				return fail(ctx, c, "resolver: %s", errbuf);
			np_target_str(&t, c->resolvers[i], NP_TARGET_STR_MAX);
			d->resolvers[d->n_resolvers++] = c->resolvers[i];
		}
		d->names = pc->targets.v;
		d->n_names = pc->targets.n;
		d->internal = o->internal.v;
		d->n_internal = o->internal.n;
		for (size_t i = 0; i < o->types.n && i < NP_DNS_MAX_TYPES; i++)
			d->types[d->n_types++] = np_dns_type_parse(o->types.v[i]);
		if (!d->n_types) {
			d->types[d->n_types++] = NP_DNS_A;
			d->types[d->n_types++] = NP_DNS_AAAA;
		}
		d->domain = o->domain;
		d->netbios = o->netbios;
		d->tcp = o->tcp;
		return 0;
	}
	case NP_CHECK_TLS:
	case NP_CHECK_HTTP: {
		struct np_tls_plan *t = &c->tls;

		rc = set_paths(ctx, c, &o->proxies, t->paths, t->path_auto, &t->n_paths, NP_TLS_MAX_PATHS);
		if (rc)
			return rc;
		t->ca_file = o->ca;
		t->sni = o->sni;
		t->min_tls = o->min_tls ? 10 + (o->min_tls[2] - '0') : 12;
		for (size_t i = 0; i < o->expect_issuer.n && i < NP_TLS_MAX_EXPECT; i++)
			t->expect_issuer[t->n_expect++] = o->expect_issuer.v[i];
		t->revocation = o->revocation && strcmp(o->revocation, "on") == 0 && pc->kind == NP_CHECK_TLS;
		t->revocation_warn = o->revocation_unreachable && strcmp(o->revocation_unreachable, "warn") == 0;
		t->targets = c->targets;
		t->n_targets = c->n_targets;
		if (o->proxy_auth) {
			t->auth_set = 1;
			t->auth_allowed = auth_scheme(o->proxy_auth);
		}
		/* a PAC evaluated for every target before privileges go */
		if (np_cmd_pac_prepare(ctx, t->paths, t->path_auto, t->n_paths, t->targets, t->n_targets) < 0)
			return 2;
		/* The CA file is read now, before privileges go. */
		if (np_tls_plan_ctx(t, errbuf) < 0)
			return fail(ctx, c, "%s", errbuf);
		return 0;
	}
	case NP_CHECK_IDLE:
		c->idle = calloc(c->n_targets ? c->n_targets : 1, sizeof(*c->idle));
		if (!c->idle)
			return fail(ctx, c, "%s", "out of memory");
		for (size_t i = 0; i < c->n_targets; i++) {
			struct np_idle_plan *p = &c->idle[i];

			p->target = c->targets[i];
			p->target_str = c->shown[i];
			rc = set_paths(ctx, c, &o->proxies, p->paths, p->path_auto, &p->n_paths, NP_IDLE_MAX_PATHS);
			if (rc)
				return rc;
			np_idle_parse_ladder(NP_IDLE_DEFAULT_LADDER, p, errbuf);
			if (o->ladder.n) {
				memcpy(p->ladder, o->ladder.s, o->ladder.n * sizeof(p->ladder[0]));
				p->n_rungs = o->ladder.n;
			}
			p->required_s = o->idle_s ? o->idle_s : NP_IDLE_DEFAULT_REQUIRED;
			p->conns = o->conns;
			p->tcp = o->tcp;
			p->token = o->token;
			p->ca_file = o->ca;
			p->sni = o->sni;
			if (o->proxy_auth) {
				p->auth_set = 1;
				p->auth_allowed = auth_scheme(o->proxy_auth);
			}
			if (np_cmd_pac_prepare(ctx, p->paths, p->path_auto, p->n_paths, &p->target, 1) < 0)
				return 2;
			p->revocation = o->revocation && strcmp(o->revocation, "on") == 0;
			if (np_idle_plan_ctx(p, errbuf) < 0)
				return fail(ctx, c, "%s", errbuf);
		}
		return 0;
	case NP_CHECK_FAMILY:
		c->family.targets = c->targets;
		c->family.n_targets = c->n_targets;
		/* this host's readiness once per run, not once per check */
		c->family.no_host = r->family_host;
		r->family_host = 1;
		return 0;
	case NP_CHECK_TRACE:
		c->trace.max_hops = o->max_hops ? (int)o->max_hops : 30;
		c->trace.probes = o->probes ? (int)o->probes : 3;
		c->trace.udp = o->udp;
		r->need_raw = 1;
		return 0;
	case NP_CHECK_TCP:
	case NP_CHECK_NAT:
	case NP_CHECK_KINDS:
		return 0;
	}
	return 0;
}

/* The checklist item of a check: its section:, else its tags as its
 * author grouped them, else its kind. */
static void set_section(struct rcheck *c)
{
	const struct np_profile_check *pc = c->pc;
	size_t len = 0;

	if (pc->section) {
		snprintf(c->section, sizeof(c->section), "%s", pc->section);
		return;
	}
	snprintf(c->section, sizeof(c->section), "%s", np_check_kind_name(pc->kind));
	for (size_t i = 0; i < pc->tags.n && len < sizeof(c->section); i++) {
		int n = snprintf(c->section + len, sizeof(c->section) - len, "%s%s", i ? ", " : "", pc->tags.v[i]);

		len += n > 0 ? (size_t)n : 0;
	}
}

static int selected(const struct np_cmd_prun *r, const struct np_profile_check *pc)
{
	if (!r->n_only)
		return 1;
	for (size_t i = 0; i < r->n_only; i++)
		for (size_t k = 0; k < pc->tags.n; k++)
			if (strcmp(r->only[i], pc->tags.v[k]) == 0)
				return 1;
	return 0;
}

/* --- running ------------------------------------------------------------------------- */

int np_cmd_prun_prepare(struct np_cmd_ctx *ctx, void *arg)
{
	struct np_cmd_prun *r = arg;
	char errbuf[NP_ERRBUF_SIZE];
	int perm = 0;

	if (!r->need_raw)
		return 0;
	r->raw = np_rawsend_open(ctx->opts.interface, errbuf, &perm);
	if (!r->raw)
		snprintf(r->raw_unavailable, sizeof(r->raw_unavailable), perm ?
			 "a trace sends crafted packets and needs CAP_NET_RAW: run as root, or: setcap "
			 "cap_net_raw+ep %.200s" : "%.200s", perm ? np_cmd_self_path() : errbuf);
	return 0;
}

static void skipped(struct np_run *run, const struct rcheck *c)
{
	const struct np_profile_check *pc = c->pc;
	struct np_finding *f = np_finding_new(np_check_kind_name(pc->kind),
					      pc->targets.n ? pc->targets.v[0] : "(no target)", "", "profile.skipped");

	if (!f)
		return;
	if (pc->skip == NP_SKIP_UNSET)
		np_finding_summary(f, "check %zu (line %d) uses ${%s}, which no --set gave", c->index, pc->line,
				   pc->skip_var);
	else
		np_finding_summary(f, "check %zu (line %d) is skipped because --set gave %s", c->index, pc->line,
				   pc->skip_var);
	np_finding_metric_int(f, "profile_check", (int64_t)c->index);
	np_finding_metric_str(f, "section", c->section);
	np_finding_metric_str(f, "variable", pc->skip_var ? pc->skip_var : "");
	np_run_finding(run, f);
}

int np_cmd_prun_submit(struct np_cmd_prun *r, struct np_run *run, struct rcheck *c, size_t first, size_t n,
		       int on_demand, char *errbuf)
{
	size_t end = first + n;
	int e = 0;

	errbuf[0] = '\0';
	switch (c->pc->kind) {
	case NP_CHECK_DNS: {
		struct np_dns_plan d = c->dns;  /* copied by the probe */

		d.names = c->pc->targets.v ? c->pc->targets.v + first : NULL;
		d.n_names = n;
		e = np_dns_submit(run, &d, errbuf);
		break;
	}
	case NP_CHECK_TCP:
		for (size_t i = first; e == 0 && i < end; i++)
			e = np_tcp_submit(run, &c->targets[i]);
		break;
	case NP_CHECK_TLS:
	case NP_CHECK_HTTP: {
		struct np_tls_plan t = c->tls;   /* copied by the probe */

		t.targets = c->targets ? c->targets + first : NULL;
		t.n_targets = n;
		/* A submit takes the plan's TLS context (read before privileges
		 * went); one on demand leaves it to the check's runs and makes
		 * its own. */
		if (on_demand)
			t.ctx = NULL;
		e = np_tls_submit(run, &t, errbuf);
		if (!on_demand)
			c->tls.ctx = t.ctx;
		break;
	}
	case NP_CHECK_IDLE:
		/* As the TLS check's: a watch submits once a cycle and the later
		 * ones read the CA file again (as tls does), as the user the
		 * watch runs as. */
		for (size_t i = first; e == 0 && i < end; i++)
			if (c->idle[i].ctx || (e = np_idle_plan_ctx(&c->idle[i], errbuf)) == 0)
				e = np_idle_submit(run, &c->idle[i], errbuf);
		break;
	case NP_CHECK_FAMILY:
		e = np_family_submit(run, &c->family, errbuf);
		break;
	case NP_CHECK_TRACE:
		c->trace.raw = r->raw;
		snprintf(c->trace.unavailable, sizeof(c->trace.unavailable), "%s", r->raw_unavailable);
		for (size_t i = first; e == 0 && i < end; i++)
			e = np_trace_submit(run, &c->trace, &c->targets[i]);
		break;
	case NP_CHECK_NAT:
		e = np_nat_submit(run, &c->nat, errbuf);
		break;
	case NP_CHECK_KINDS:
		break;
	}
	/* (a probe that sets no text of its own: what kind of failure) */
	if (e < 0 && (e == NP_ENOMEM || !errbuf[0]))
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", np_strerror(e));
	return e;
}

static int submit(struct np_cmd_ctx *ctx, struct np_cmd_prun *r, struct np_run *run, struct rcheck *c)
{
	char errbuf[NP_ERRBUF_SIZE];
	int e = np_cmd_prun_submit(r, run, c, 0, c->n_targets, 0, errbuf);

	if (e < 0) {
		np_cmd_error(ctx, "check %zu: %s", c->index, errbuf);
		return e == NP_EINVAL ? 2 : 3;
	}
	return 0;
}

int np_cmd_prun_plan(struct np_cmd_ctx *ctx, struct np_run *run, void *arg)
{
	struct np_cmd_prun *r = arg;
	int rc;

	np_run_set_finding_filter(run, np_cmd_prun_apply, r);
	for (size_t i = 0; i < r->n_checks; i++) {
		struct rcheck *c = &r->checks[i];

		if (!c->selected || (r->idle_apart && c->pc->kind == NP_CHECK_IDLE && c->pc->skip == NP_SKIP_NONE))
			continue;
		/* The checklist lists the prerequisites in the profile's order,
		 * whatever order their findings come in. */
		if (np_report_add_section(np_run_report(run), c->section) < 0) {
			np_cmd_error(ctx, "out of memory");
			return 3;
		}
		if (c->pc->skip != NP_SKIP_NONE) {
			skipped(run, c);
			continue;
		}
		if ((rc = submit(ctx, r, run, c)))
			return rc;
	}
	return 0;
}

void np_cmd_prun_free(struct np_cmd_prun *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->checks && i < r->n_checks; i++) {
		struct rcheck *c = &r->checks[i];

		np_tls_plan_release(&c->tls);
		for (size_t k = 0; c->idle && k < c->n_targets; k++)
			np_idle_plan_release(&c->idle[k]);
		free(c->idle);
		free(c->targets);
		free(c->shown);
		free(c->resolvers);
	}
	free(r->checks);
	np_rawsend_free(r->raw);
	np_profile_free(r->profile);
	np_vars_free(r->vars);
	free(r);
}

const char *np_cmd_prun_name(const struct np_cmd_prun *r)
{
	return r->profile->file;
}

static int list_profiles(void)
{
	const char *name;

	for (size_t i = 0; (name = np_profile_builtin_name(i)) != NULL; i++)
		printf("%s\n", name);
	return 0;
}

static int show_profile(struct np_cmd_ctx *ctx, const char *name)
{
	size_t len;
	const char *text = np_profile_builtin(name, &len);

	if (!text) {
		np_cmd_error(ctx, "--show-profile '%s': no such built-in profile (see --list-profiles)", name);
		return 2;
	}
	fwrite(text, 1, len, stdout);
	return fflush(stdout) == 0 ? 0 : 3;
}

int np_cmd_prun_load(struct np_cmd_ctx *ctx, const struct np_cmd_prun_args *a, struct np_cmd_prun **out)
{
	struct np_cmd_prun *r = calloc(1, sizeof(*r));
	char errbuf[NP_ERRBUF_SIZE];
	double timeout = 0;
	int rc = 2;

	*out = NULL;
	if (!r) {
		np_cmd_error(ctx, "out of memory");
		return 3;
	}
	for (size_t i = 0; i < a->n_only; i++)
		r->only[r->n_only++] = a->only[i];
	if (!a->profile) {
		np_cmd_error(ctx, "give --profile NAME|FILE (built-in: netprobe run --list-profiles)");
		goto out;
	}
	r->vars = np_vars_new(a->sets, a->n_sets, errbuf);
	if (!r->vars) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	r->profile = np_profile_load(a->profile, r->vars, errbuf);
	if (!r->profile) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	if (np_vars_unused(r->vars)) {
		np_cmd_error(ctx, "--set %s: the profile has no ${%s}", np_vars_unused(r->vars), np_vars_unused(r->vars));
		goto out;
	}
	r->n_checks = r->profile->n_checks;
	r->checks = calloc(r->n_checks ? r->n_checks : 1, sizeof(*r->checks));
	if (!r->checks) {
		np_cmd_error(ctx, "out of memory");
		rc = 3;
		goto out;
	}
	for (size_t i = 0; i < r->n_checks; i++) {
		struct rcheck *c = &r->checks[i];

		c->pc = &r->profile->checks[i];
		c->file = r->profile->file;
		c->index = i;
		c->selected = selected(r, c->pc);
		set_section(c);
		if (c->pc->opt.timeout_s > timeout)
			timeout = c->pc->opt.timeout_s;
		if (!c->selected || c->pc->skip != NP_SKIP_NONE)
			continue;
		if ((rc = build(ctx, r, c)))
			goto out;
	}
	rc = 2;
	/* One timeout for the run: the profile's longest. */
	if (timeout > 0)
		ctx->opts.timeout_us = (int64_t)(timeout * 1e6);
	if (r->need_raw && ctx->no_capture) {
		np_cmd_error(ctx, "the profile has trace checks, which read the packet capture: --no-capture cannot be used");
		goto out;
	}
	{
		/* Proxied checks answer 407s with the user's own Kerberos
		 * ticket: read it before the privilege drop, as tls does. */
		static struct np_pauth_conf auth;

		np_cmd_proxy_auth_prepare(ctx, &auth, NULL);
	}
	*out = r;
	r = NULL;
	rc = 0;
out:
	np_cmd_prun_free(r);
	return rc;
}

int np_cmd_prun_arg(struct np_cmd_ctx *ctx, struct np_cmd_prun_args *a, int only, const char *v)
{
	size_t *n = only ? &a->n_only : &a->n_sets;
	size_t max = only ? NP_CMD_PRUN_MAX_ONLY : NP_CMD_PRUN_MAX_SETS;

	if (*n == max) {
		np_cmd_error(ctx, "--%s: at most %zu", only ? "only" : "set", max);
		return 2;
	}
	(only ? a->only : a->sets)[(*n)++] = v;
	return 0;
}

static int run_exec(struct np_cmd_ctx *ctx)
{
	struct np_cmd_prun_args a = {0};
	struct np_cmd_prun *r = NULL;
	int rc;

	for (size_t i = 0; i < ctx->n_args; i++) {
		const char *v = ctx->args[i].arg;

		switch (ctx->args[i].val) {
		case OPT_LIST:
			return list_profiles();
		case OPT_SHOW:
			return show_profile(ctx, v);
		case OPT_PROFILE:
			a.profile = v;
			break;
		case OPT_SET:
		case OPT_ONLY:
			if ((rc = np_cmd_prun_arg(ctx, &a, ctx->args[i].val == OPT_ONLY, v)))
				return rc;
			break;
		}
	}
	rc = np_cmd_prun_load(ctx, &a, &r);
	if (rc)
		return rc;
	rc = np_cmd_run_prepared(ctx, "run", np_cmd_prun_prepare, np_cmd_prun_plan, r);
	np_cmd_prun_free(r);
	return rc;
}

const struct np_cmd_entry np_cmd_run_entry = {
	.name = "run",
	.usage = "[OPTIONS] --profile NAME|FILE [--set KEY=VALUE]... [--only TAG]... | --list-profiles | --show-profile NAME",
	.summary = "the sign-off run: every check of a profile at once, in one loop and one capture",
	.help =
	"A profile (YAML: README, \"Profiles\") names checks (dns, tcp, tls, http, idle, nat,\n"
	"family, trace) with their targets and options, what each must prove (expect: allow,\n"
	"or deny for a rule matrix: then a closed path passes and an open one fails) and\n"
	"whether it is required (a failure of an optional check warns). All checks run at\n"
	"once: a whole sign-off takes about the longest idle rung. ${KEY} in the profile is\n"
	"filled from --set KEY=VALUE; a check that uses one left unset is reported as skip.\n"
	"\n"
	"Built-in: aadconnect (Entra Connect / Azure AD Connect network prerequisites).\n"
	"\n"
	"Example:\n"
	"  netprobe run --profile aadconnect --set dc=dc01.corp.example --json signoff.json --pcap signoff.pcapng",
	.opts = run_opts,
	.min_targets = 0,
	.max_targets = 0,
	.exec = run_exec,
};
