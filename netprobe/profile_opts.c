/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The options of a check, one table: which kinds take each, whether the
 * profile's defaults may give it, its type, bounds and the check of its
 * values; and the defaults copied into the checks. */
#include "profile_int.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_dns.h"
#include "probe_idle.h"
#include "probe_tls.h"
#include "proxy.h"
#include "target.h"

/* What a profile allows must fit what the probes take. */
_Static_assert(NP_PROFILE_MAX_PROXIES <= NP_TLS_MAX_PATHS && NP_PROFILE_MAX_PROXIES <= NP_IDLE_MAX_PATHS,
	       "proxies per check");
_Static_assert(NP_PROFILE_MAX_ISSUERS <= NP_TLS_MAX_EXPECT, "expected issuers");
_Static_assert(NP_PROFILE_MAX_RESOLVERS <= NP_DNS_MAX_RESOLVERS, "resolvers");
_Static_assert(NP_PROFILE_MAX_TYPES <= NP_DNS_MAX_TYPES, "query types");
_Static_assert(NP_PROFILE_MAX_RUNGS <= NP_IDLE_MAX_RUNGS, "idle rungs");

enum vtype {
	V_STR,
	V_LIST,         /* a list of strings, or one */
	V_UINT,
	V_LADDER,       /* a list of seconds, or one */
	V_BOOL,
	V_SECONDS,      /* a positive number, fractions allowed */
};

#define K(kind) (1u << NP_CHECK_##kind)
#define ALL ((1u << NP_CHECK_KINDS) - 1)
#define MAX_TIMEOUT_S 3600

static int check_proxy(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_host(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_proxy_auth(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_min_tls(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_resolver(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_type(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_hostport(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_stun(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_onoff(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_failwarn(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);
static int check_rung(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path);

static const struct optdef {
	const char *name;
	enum vtype type;
	unsigned kinds;                 /* mask of the kinds that take it */
	int in_defaults;
	size_t off;                     /* in struct np_check_opts */
	unsigned min, max;              /* numbers: range; lists: at most max values */
	np_pp_check_fn check;           /* each string value */
} opts[] = {
#define O(name, type, kinds, def, field, min, max, check) \
	{name, type, kinds, def, offsetof(struct np_check_opts, field), min, max, check}
	O("timeout", V_SECONDS, ALL, 1, timeout_s, 0, MAX_TIMEOUT_S, NULL),
	O("proxy", V_LIST, K(TLS) | K(HTTP) | K(IDLE), 1, proxies, 0, NP_PROFILE_MAX_PROXIES, check_proxy),
	O("proxy_auth", V_STR, K(TLS) | K(HTTP) | K(IDLE), 1, proxy_auth, 0, 0, check_proxy_auth),
	O("ca", V_STR, K(TLS) | K(IDLE), 1, ca, 0, 0, NULL),
	O("sni", V_STR, K(TLS) | K(IDLE), 0, sni, 0, 0, check_host),
	O("min_tls", V_STR, K(TLS), 1, min_tls, 0, 0, check_min_tls),
	O("expect_issuer", V_LIST, K(TLS), 1, expect_issuer, 0, NP_PROFILE_MAX_ISSUERS, NULL),
	O("revocation", V_STR, K(TLS) | K(IDLE), 1, revocation, 0, 0, check_onoff),
	O("revocation_unreachable", V_STR, K(TLS), 1, revocation_unreachable, 0, 0, check_failwarn),
	O("ladder", V_LADDER, K(IDLE), 1, ladder, 1, NP_IDLE_MAX_S, check_rung),
	O("idle", V_UINT, K(IDLE), 1, idle_s, 1, NP_IDLE_MAX_S, NULL),
	O("conns", V_UINT, K(IDLE), 0, conns, 1, 1024, NULL),
	O("tcp", V_BOOL, K(DNS) | K(IDLE), 0, tcp, 0, 0, NULL),
	O("token", V_STR, K(IDLE) | K(NAT), 0, token, 0, 0, NULL),
	O("resolver", V_LIST, K(DNS), 1, resolvers, 0, NP_PROFILE_MAX_RESOLVERS, check_resolver),
	O("type", V_LIST, K(DNS), 0, types, 0, NP_PROFILE_MAX_TYPES, check_type),
	O("domain", V_STR, K(DNS), 0, domain, 0, 0, check_host),
	O("netbios", V_STR, K(DNS), 0, netbios, 0, 0, NULL),
	O("internal", V_LIST, K(DNS), 0, internal, 0, NP_PROFILE_MAX_LIST, check_host),
	O("responder", V_STR, K(NAT), 0, responder, 0, 0, check_hostport),
	O("stun", V_STR, K(NAT), 0, stun, 0, 0, check_stun),
	O("max_hops", V_UINT, K(TRACE), 0, max_hops, 1, 64, NULL),
	O("probes", V_UINT, K(TRACE), 0, probes, 1, 10, NULL),
	O("udp", V_BOOL, K(TRACE), 0, udp, 0, 0, NULL),
#undef O
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))
/* Options take the low 32 bits of a check's given mask (profile.c). */
_Static_assert(N_OPTS <= 32, "options fit the given masks");
_Static_assert(N_OPTS <= sizeof(((struct np_pp *)0)->def_unset) / sizeof(const char *), "def_unset");

int np_pp_opt_find(const char *name)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (strcmp(opts[i].name, name) == 0)
			return (int)i;
	return -1;
}

int np_pp_opt_for(int idx, enum np_check_kind kind)
{
	return (opts[idx].kinds >> kind) & 1;
}

int np_pp_opt_default_ok(int idx)
{
	return opts[idx].in_defaults;
}

/* --- values ------------------------------------------------------------------ */

static int check_proxy(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_proxy p;

	/* The proxy's own message never repeats a password. */
	if (strcmp(*v, "auto") != 0 && np_proxy_parse(*v, &p, eb) < 0)
		return np_pp_error(ps, m, path,
				   "%s (none, auto, http://[user:pass@]host:port, machine-config:FILE or pac:URL|FILE)", eb);
	return 0;
}

/* The proxy authentication schemes a check may use (as --proxy-auth;
 * "any" is its "auto"). */
static int check_proxy_auth(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	static const char *const ok[] = {"negotiate", "ntlm", "basic", "any", "auto"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(*v, ok[i]) == 0)
			return 0;
	return np_pp_error(ps, m, path, "'%.60s': give negotiate, ntlm, basic or any", *v);
}

static int check_host(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	char eb[NP_ERRBUF_SIZE];

	if (np_hostname_check(*v, eb) < 0)
		return np_pp_error(ps, m, path, "'%.60s': %s", *v, eb);
	return 0;
}

static int check_min_tls(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	if (strcmp(*v, "1.0") && strcmp(*v, "1.1") && strcmp(*v, "1.2") && strcmp(*v, "1.3"))
		return np_pp_error(ps, m, path, "'%.20s': expected 1.0, 1.1, 1.2 or 1.3", *v);
	return 0;
}

static int check_onoff(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	if (strcmp(*v, "on") && strcmp(*v, "off"))
		return np_pp_error(ps, m, path, "'%.20s': expected on or off", *v);
	return 0;
}

static int check_failwarn(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	if (strcmp(*v, "fail") && strcmp(*v, "warn"))
		return np_pp_error(ps, m, path, "'%.20s': expected fail or warn", *v);
	return 0;
}

/* An address, host:port or host: port parse, no URL. */
static int target_like(struct np_pp *ps, const char *v, uint16_t port, int need_port, const yaml_mark_t *m,
		       const char *path)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_target t;

	if (np_target_parse(v, port, &t, eb) < 0)
		return np_pp_error(ps, m, path, "'%.60s': %s", v, eb);
	if (t.scheme != NP_SCHEME_NONE)
		return np_pp_error(ps, m, path, "'%.60s': host[:port], not a URL", v);
	if (need_port && t.port == 0)
		return np_pp_error(ps, m, path, "'%.60s': host:port expected", v);
	return 0;
}

static int check_resolver(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	return target_like(ps, *v, 53, 0, m, path);
}

static int check_hostport(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	return target_like(ps, *v, 0, 1, m, path);
}

static int check_stun(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	return target_like(ps, *v, 3478, 0, m, path);      /* RFC 8489 18.7 */
}

/* Query types as netprobe dns names them, stored in upper case. */
static int check_type(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	static const char *const types[] = {"A", "AAAA", "SRV", "TXT", "CNAME", "MX", "NS", "SOA"};
	char up[8];
	size_t n = strlen(*v);

	for (size_t i = 0; i < n && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)(*v)[i]);
	up[n < sizeof(up) - 1 ? n : sizeof(up) - 1] = '\0';
	for (size_t i = 0; n < sizeof(up) && i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(up, types[i]) == 0) {
			*v = types[i];
			return 0;
		}
	}
	return np_pp_error(ps, m, path, "'%.20s': expected A, AAAA, SRV, TXT, CNAME, MX, NS or SOA", *v);
}

/* Whole numbers only: no sign, no exponent, no hex (strtoul takes them). */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
		return -1;
	v = strtoul(s, &end, 10);
	if (v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int check_rung(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	unsigned s;

	if (parse_uint(*v, 1, NP_IDLE_MAX_S, &s) < 0)
		return np_pp_error(ps, m, path, "'%.20s': seconds from 1 to %d expected", *v, NP_IDLE_MAX_S);
	return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* The ladder's rungs, ascending and distinct, as netprobe idle has them. */
static int read_ladder(struct np_pp *ps, const struct optdef *d, struct np_ladder *l, const char *path,
		       const char **unset)
{
	const char *un = NULL;
	struct np_strv sv;
	size_t w = 0;

	if (np_pp_list(ps, path, NP_PP_FILL, NP_PROFILE_MAX_RUNGS, d->check, &sv, &un) < 0)
		return NP_EINVAL;
	memset(l, 0, sizeof(*l));
	if (un) {
		if (!*unset)
			*unset = un;
		return 0;
	}
	for (size_t i = 0; i < sv.n; i++)
		parse_uint(sv.v[i], d->min, d->max, &l->s[i]);
	qsort(l->s, sv.n, sizeof(l->s[0]), cmp_unsigned);
	for (size_t i = 0; i < sv.n; i++)
		if (w == 0 || l->s[i] != l->s[w - 1])
			l->s[w++] = l->s[i];
	l->n = w;
	if (w == 0)
		return np_pp_error(ps, &ps->ev.start_mark, path, "an empty ladder");
	return 0;
}

/* A number, plain or from a variable. */
static int read_number(struct np_pp *ps, const struct optdef *d, void *field, const char *path,
		       const char **unset)
{
	yaml_mark_t m = ps->ev.start_mark;
	const char *un = NULL, *s;

	if (ps->ev.type != YAML_SCALAR_EVENT || np_pp_is_null(ps))
		return np_pp_error(ps, &m, path, "expected a number, not %s", np_pp_what(ps));
	if (np_pp_string(ps, path, &s, &un) < 0)
		return NP_EINVAL;
	if (un) {
		if (!*unset)
			*unset = un;
		return 0;
	}
	if (d->type == V_UINT) {
		if (parse_uint(s, d->min, d->max, field) < 0)
			return np_pp_error(ps, &m, path, "'%.20s': a whole number from %u to %u expected", s, d->min,
					   d->max);
	} else {
		/* Digits with at most one point: strtod alone takes "inf",
		 * "nan" and hex. */
		size_t digits = strspn(s, "0123456789.");
		const char *dot = strchr(s, '.');
		double v;

		v = strtod(s, NULL);
		if (!*s || digits != strlen(s) || (dot && strchr(dot + 1, '.')) || !(v > 0) || v > d->max)
			return np_pp_error(ps, &m, path, "'%.20s': seconds above 0, at most %u, expected", s,
					   d->max);
		*(double *)field = v;
	}
	return 0;
}

int np_pp_opt_read(struct np_pp *ps, int idx, struct np_check_opts *o, const char *path,
		   const char **unset)
{
	const struct optdef *d = &opts[idx];
	void *field = (char *)o + d->off;
	yaml_mark_t m = ps->ev.start_mark;
	const char *un = NULL;

	switch (d->type) {
	case V_STR:
		if (np_pp_string(ps, path, field, &un) < 0)
			return NP_EINVAL;
		if (!un && d->check && d->check(ps, field, &m, path) < 0)
			return NP_EINVAL;
		break;
	case V_LIST:
		if (np_pp_list(ps, path, NP_PP_FILL, d->max, d->check, field, &un) < 0)
			return NP_EINVAL;
		break;
	case V_BOOL:
		return np_pp_bool(ps, path, field);
	case V_LADDER:
		return read_ladder(ps, d, field, path, unset);
	case V_UINT:
	case V_SECONDS:
		return read_number(ps, d, field, path, unset);
	}
	if (un && !*unset)
		*unset = un;
	return 0;
}

/* --- defaults ------------------------------------------------------------------ */

static size_t field_size(enum vtype t)
{
	switch (t) {
	case V_STR:
		return sizeof(const char *);
	case V_LIST:
		return sizeof(struct np_strv);
	case V_UINT:
		return sizeof(unsigned);
	case V_LADDER:
		return sizeof(struct np_ladder);
	case V_BOOL:
		return sizeof(int);
	case V_SECONDS:
		return sizeof(double);
	}
	return 0;
}

void np_pp_merge_defaults(struct np_pp *ps)
{
	struct np_profile *p = ps->p;

	for (size_t i = 0; i < p->n_checks; i++) {
		struct np_profile_check *c = &p->checks[i];

		for (size_t k = 0; k < N_OPTS; k++) {
			const struct optdef *d = &opts[k];

			if (!(ps->def_given >> k & 1) || ps->check_given[i] >> k & 1 || !(d->kinds >> c->kind & 1))
				continue;
			/* An idle check over plain TCP (a responder) has no TLS: a
			 * default CA must not skip it for want of a variable. */
			if (c->kind == NP_CHECK_IDLE && c->opt.tcp && d->off == offsetof(struct np_check_opts, ca))
				continue;
			memcpy((char *)&c->opt + d->off, (const char *)&p->defaults + d->off, field_size(d->type));
			if (ps->def_unset[k] && c->skip == NP_SKIP_NONE) {
				c->skip = NP_SKIP_UNSET;
				c->skip_var = ps->def_unset[k];
			}
		}
	}
}
