/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Profiles: YAML read with libyaml's event API, in recursive descent over
 * the schema. Each reader takes the value it expects and refuses anything
 * else at once, so nesting never runs deeper than the schema (and
 * np_pp_next bounds it anyway), and the first error stops the parse with
 * file:line:column, the path of the key and what was wrong.
 */
#include "profile_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

static const char *const kind_names[NP_CHECK_KINDS] = {
	"dns", "tcp", "tls", "http", "idle", "nat", "family", "trace",
};

const char *np_check_kind_name(enum np_check_kind kind)
{
	return (unsigned)kind < NP_CHECK_KINDS ? kind_names[kind] : "?";
}

/* --- events and errors --------------------------------------------------- */

int np_pp_error(struct np_pp *ps, const yaml_mark_t *m, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return NP_EINVAL;
	ps->failed = 1;
	n = snprintf(ps->errbuf, NP_ERRBUF_SIZE, "%s:%lu:%lu: ", ps->file, (unsigned long)m->line + 1,
		     (unsigned long)m->column + 1);
	if (path && *path && n >= 0 && n < NP_ERRBUF_SIZE)
		n += snprintf(ps->errbuf + n, NP_ERRBUF_SIZE - (size_t)n, "%s: ", path);
	if (n >= 0 && n < NP_ERRBUF_SIZE) {
		va_start(ap, fmt);
		vsnprintf(ps->errbuf + n, NP_ERRBUF_SIZE - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return NP_EINVAL;
}

int np_pp_next(struct np_pp *ps)
{
	const yaml_event_t *e = &ps->ev;

	if (ps->have_ev)
		yaml_event_delete(&ps->ev);
	ps->have_ev = 0;
	if (!yaml_parser_parse(&ps->yp, &ps->ev)) {
		yaml_mark_t m = ps->yp.problem_mark;

		/* The reader (bad UTF-8, control characters) gives a byte
		 * offset only: count the lines up to it. */
		if (ps->yp.error == YAML_READER_ERROR) {
			memset(&m, 0, sizeof(m));
			for (size_t i = 0; i < ps->yp.problem_offset && i < ps->len; i++, m.column++) {
				if (ps->buf[i] == '\n') {
					m.line++;
					m.column = (size_t)-1;
				}
			}
		}
		return np_pp_error(ps, &m, "", "YAML: %.80s%s%.80s", ps->yp.problem ? ps->yp.problem : "error",
				   ps->yp.context ? " " : "", ps->yp.context ? ps->yp.context : "");
	}
	ps->have_ev = 1;
	switch (e->type) {
	case YAML_ALIAS_EVENT:
		return np_pp_error(ps, &e->start_mark, "", "aliases (*name) are not supported");
	case YAML_SCALAR_EVENT:
		if (e->data.scalar.tag)
			return np_pp_error(ps, &e->start_mark, "", "YAML tags (!name) are not supported");
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (e->type == YAML_SEQUENCE_START_EVENT ? e->data.sequence_start.tag != NULL
							 : e->data.mapping_start.tag != NULL)
			return np_pp_error(ps, &e->start_mark, "", "YAML tags (!name) are not supported");
		if (++ps->depth > NP_PROFILE_MAX_DEPTH)
			return np_pp_error(ps, &e->start_mark, "", "nested deeper than %d levels",
					   NP_PROFILE_MAX_DEPTH);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		ps->depth--;
		break;
	default:
		break;
	}
	return 0;
}

int np_pp_is_null(const struct np_pp *ps)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (ps->ev.type != YAML_SCALAR_EVENT || ps->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp((const char *)ps->ev.data.scalar.value, nulls[i]) == 0)
			return 1;
	return 0;
}

const char *np_pp_what(const struct np_pp *ps)
{
	switch (ps->ev.type) {
	case YAML_SCALAR_EVENT:
		return np_pp_is_null(ps) ? "nothing" : "a string";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	default:
		return "the end of a block";
	}
}

/* --- scalars and lists ------------------------------------------------------ */

/* The current scalar into out[]: mode 0, one value with ${} filled;
 * NP_PP_FILL, a list's value (a variable with commas gives several);
 * NP_PP_LITERAL, as written. */
static int scalar(struct np_pp *ps, const char *path, int mode, const char **out, size_t room,
		  const char **unset)
{
	const char *text = (const char *)ps->ev.data.scalar.value;
	size_t len = ps->ev.data.scalar.length;
	char msg[NP_ERRBUF_SIZE];
	int rc;

	if (memchr(text, '\0', len))
		return np_pp_error(ps, &ps->ev.start_mark, path, "a NUL byte in the value");
	if (len > NP_PROFILE_MAX_VALUE)
		return np_pp_error(ps, &ps->ev.start_mark, path, "longer than %d bytes", NP_PROFILE_MAX_VALUE);
	if (mode == NP_PP_LITERAL) {
		out[0] = np_arena_strndup(&ps->p->arena, text, len);
		return out[0] ? 1 : np_pp_error(ps, &ps->ev.start_mark, path, "profile too large");
	}
	rc = np_vars_expand(&ps->p->arena, ps->vars, text, len, mode == NP_PP_FILL, out, room, unset, msg);
	if (rc < 0)
		return np_pp_error(ps, &ps->ev.start_mark, path, "%s", msg);
	return rc;
}

int np_pp_string(struct np_pp *ps, const char *path, const char **out, const char **unset)
{
	const char *un = NULL;
	int rc;

	if (ps->ev.type != YAML_SCALAR_EVENT || np_pp_is_null(ps))
		return np_pp_error(ps, &ps->ev.start_mark, path, "expected a string, not %s", np_pp_what(ps));
	rc = scalar(ps, path, 0, out, 1, &un);
	if (rc < 0)
		return rc;
	if (un && !*unset)
		*unset = un;
	return 0;
}

/* One scalar of a list into ps->scratch[*n...], each value checked. */
static int list_item(struct np_pp *ps, const char *path, int mode, size_t max, np_pp_check_fn check,
		     size_t *n, const char **unset)
{
	yaml_mark_t m = ps->ev.start_mark;
	const char *un = NULL;
	int rc;

	if (*n == max)
		return np_pp_error(ps, &m, path, "more than %zu values", max);
	rc = scalar(ps, path, mode, ps->scratch + *n, max - *n, &un);
	if (rc < 0)
		return rc;
	for (int i = 0; i < rc; i++) {
		/* A value that waits for a variable is not checked yet: the
		 * check will be skipped. */
		if (!un && check && check(ps, &ps->scratch[*n + (size_t)i], &m, path) < 0)
			return NP_EINVAL;
	}
	*n += (size_t)rc;
	if (un && !*unset)
		*unset = un;
	return 0;
}

int np_pp_list(struct np_pp *ps, const char *path, int mode, size_t max, np_pp_check_fn check,
	       struct np_strv *out, const char **unset)
{
	char ipath[128];
	size_t n = 0;

	if (ps->ev.type == YAML_SCALAR_EVENT && !np_pp_is_null(ps)) {
		if (list_item(ps, path, mode, max, check, &n, unset) < 0)
			return NP_EINVAL;
	} else if (ps->ev.type == YAML_SEQUENCE_START_EVENT) {
		for (size_t i = 0;; i++) {
			if (np_pp_next(ps) < 0)
				return NP_EINVAL;
			if (ps->ev.type == YAML_SEQUENCE_END_EVENT)
				break;
			snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
			if (ps->ev.type != YAML_SCALAR_EVENT || np_pp_is_null(ps))
				return np_pp_error(ps, &ps->ev.start_mark, ipath, "expected a string, not %s",
						   np_pp_what(ps));
			if (list_item(ps, ipath, mode, max, check, &n, unset) < 0)
				return NP_EINVAL;
		}
	} else {
		return np_pp_error(ps, &ps->ev.start_mark, path, "expected a list, not %s", np_pp_what(ps));
	}
	out->n = n;
	out->v = np_arena_alloc(&ps->p->arena, (n ? n : 1) * sizeof(*out->v));
	if (!out->v)
		return np_pp_error(ps, &ps->ev.start_mark, path, "profile too large");
	memcpy(out->v, ps->scratch, n * sizeof(*out->v));
	return 0;
}

int np_pp_bool(struct np_pp *ps, const char *path, int *out)
{
	static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False", "FALSE"};

	if (ps->ev.type == YAML_SCALAR_EVENT) {
		const char *t = (const char *)ps->ev.data.scalar.value;

		for (size_t i = 0; i < 3; i++) {
			if (strcmp(t, yes[i]) == 0 || strcmp(t, no[i]) == 0) {
				*out = strcmp(t, yes[i]) == 0;
				return 0;
			}
		}
		return np_pp_error(ps, &ps->ev.start_mark, path, "expected true or false, not '%.40s'", t);
	}
	return np_pp_error(ps, &ps->ev.start_mark, path, "expected true or false, not %s", np_pp_what(ps));
}

/* --- targets ---------------------------------------------------------------- */

/* A target of the check being read (ps->kind), as its command takes it. */
static int check_target(struct np_pp *ps, const char **value, const yaml_mark_t *m, const char *path)
{
	enum np_check_kind kind = ps->kind;
	char eb[NP_ERRBUF_SIZE];
	struct np_target t;
	char *url;

	if (kind == NP_CHECK_DNS) {
		if (np_hostname_check(*value, eb) < 0)
			return np_pp_error(ps, m, path, "'%.60s': %s", *value, eb);
		return 0;
	}
	/* A trace goes to a service port: it has no default. */
	if (np_target_parse(*value, kind == NP_CHECK_TRACE ? 0 : kind == NP_CHECK_HTTP ? 80 : 443, &t, eb) < 0)
		return np_pp_error(ps, m, path, "'%.60s': %s", *value, eb);
	if (t.scheme == NP_SCHEME_HTTPS && kind == NP_CHECK_HTTP)
		return np_pp_error(ps, m, path, "'%.60s': an https:// target belongs in a tls check", *value);
	if (t.scheme == NP_SCHEME_HTTP && kind == NP_CHECK_TLS)
		return np_pp_error(ps, m, path, "'%.60s': an http:// target belongs in an http check", *value);
	if (t.scheme != NP_SCHEME_NONE && kind != NP_CHECK_TLS && kind != NP_CHECK_HTTP &&
	    kind != NP_CHECK_IDLE)
		return np_pp_error(ps, m, path, "'%.60s': %s takes host[:port], not a URL", *value,
				   np_check_kind_name(kind));
	/* http: the TLS probe takes plain-HTTP targets as URLs. */
	if (kind == NP_CHECK_HTTP && t.scheme == NP_SCHEME_NONE) {
		size_t n = strlen(*value);

		url = np_arena_alloc(&ps->p->arena, n + 8);
		if (!url)
			return np_pp_error(ps, m, path, "profile too large");
		memcpy(url, "http://", 7);
		memcpy(url + 7, *value, n + 1);
		*value = url;
	}
	return 0;
}

/* --- checks ------------------------------------------------------------------- */

/* Keys of a check's mapping besides its options. */
enum { CK_TARGET, CK_TARGETS, CK_EXPECT, CK_REQUIRED, CK_TAGS, CK_UNLESS, CK_SECTION, CK_N };
static const char *const check_keys[CK_N] = {
	"target", "targets", "expect", "required", "tags", "unless_set", "section",
};

/* The checklist item a check belongs to: a heading the reader reads, so
 * printable text of a line's length, as written (no ${}). */
static int section_read(struct np_pp *ps, struct np_profile_check *c, const char *path)
{
	const char *v = (const char *)ps->ev.data.scalar.value;
	size_t n;

	if (ps->ev.type != YAML_SCALAR_EVENT || np_pp_is_null(ps))
		return np_pp_error(ps, &ps->ev.start_mark, path, "expected a heading, not %s", np_pp_what(ps));
	n = ps->ev.data.scalar.length;
	if (n == 0 || n > NP_PROFILE_SECTION_MAX)
		return np_pp_error(ps, &ps->ev.start_mark, path, "a heading of 1 to %d bytes",
				   NP_PROFILE_SECTION_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return np_pp_error(ps, &ps->ev.start_mark, path, "a control character in the heading");
	c->section = np_arena_strndup(&ps->p->arena, v, n);
	return c->section ? 0 : np_pp_error(ps, &ps->ev.start_mark, path, "profile too large");
}

static int tag_ok(struct np_pp *ps, const char **v, const yaml_mark_t *m, const char *path)
{
	size_t n = strlen(*v);

	if (n == 0 || n > NP_PROFILE_NAME_MAX || strspn(*v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						      "0123456789_.:-") != n)
		return np_pp_error(ps, m, path, "tag '%.40s': letters, digits and _.:- only", *v);
	return 0;
}

/* The next key of a mapping into key[size]: 1, 0 at the mapping's end,
 * or NP_EINVAL. */
static int next_key(struct np_pp *ps, const char *path, char *key, size_t size, yaml_mark_t *km)
{
	if (np_pp_next(ps) < 0)
		return NP_EINVAL;
	if (ps->ev.type == YAML_MAPPING_END_EVENT)
		return 0;
	*km = ps->ev.start_mark;
	if (ps->ev.type != YAML_SCALAR_EVENT)
		return np_pp_error(ps, km, path, "a key is a string, not %s", np_pp_what(ps));
	snprintf(key, size, "%s", (const char *)ps->ev.data.scalar.value);
	return 1;
}

/* The long form: targets, options, and what the check must prove. */
static int check_mapping(struct np_pp *ps, struct np_profile_check *c, uint64_t *given, const char *path,
			 const char **unset)
{
	int had_target = 0;

	for (;;) {
		char key[48], kpath[160];
		yaml_mark_t km;
		int id = -1, opt = -1;
		uint64_t bit;
		int rc = next_key(ps, path, key, sizeof(key), &km);

		if (rc <= 0)
			return rc;
		for (int i = 0; i < CK_N; i++)
			if (strcmp(key, check_keys[i]) == 0)
				id = i;
		if (id < 0) {
			opt = np_pp_opt_find(key);
			if (opt < 0)
				return np_pp_error(ps, &km, path, "unknown key '%.40s'", key);
			if (!np_pp_opt_for(opt, c->kind))
				return np_pp_error(ps, &km, path, "'%s' is not an option of %s", key,
						   np_check_kind_name(c->kind));
			id = CK_N;
		}
		/* Options have the low bits (as in defaults), these the high. */
		bit = opt >= 0 ? 1ull << opt : 1ull << (32 + id);
		if (*given & bit)
			return np_pp_error(ps, &km, path, "duplicate key '%s'", key);
		*given |= bit;
		if ((id == CK_TARGET || id == CK_TARGETS) && had_target++)
			return np_pp_error(ps, &km, path, "'target' and 'targets' both given");
		snprintf(kpath, sizeof(kpath), "%s.%s", path, key);
		if (np_pp_next(ps) < 0)
			return NP_EINVAL;
		switch (id) {
		case CK_TARGET:
			if (ps->ev.type != YAML_SCALAR_EVENT || np_pp_is_null(ps))
				return np_pp_error(ps, &ps->ev.start_mark, kpath, "expected one target, not %s",
						   np_pp_what(ps));
			/* fall through */
		case CK_TARGETS:
			if (np_pp_list(ps, kpath, NP_PP_FILL, NP_PROFILE_MAX_TARGETS, check_target, &c->targets,
				       unset) < 0)
				return NP_EINVAL;
			break;
		case CK_EXPECT: {
			const char *v = (const char *)ps->ev.data.scalar.value;

			if (ps->ev.type != YAML_SCALAR_EVENT || (strcmp(v, "allow") != 0 && strcmp(v, "deny") != 0))
				return np_pp_error(ps, &ps->ev.start_mark, kpath, "expected allow or deny, not %s%.40s%s",
						   ps->ev.type == YAML_SCALAR_EVENT ? "'" : np_pp_what(ps),
						   ps->ev.type == YAML_SCALAR_EVENT ? v : "",
						   ps->ev.type == YAML_SCALAR_EVENT ? "'" : "");
			c->expect = strcmp(v, "deny") == 0 ? NP_EXPECT_DENY : NP_EXPECT_ALLOW;
			/* deny proves a closed path: meaningless for a wait, a NAT
			 * test or the address families. */
			if (c->expect == NP_EXPECT_DENY &&
			    (c->kind == NP_CHECK_IDLE || c->kind == NP_CHECK_NAT || c->kind == NP_CHECK_FAMILY))
				return np_pp_error(ps, &ps->ev.start_mark, kpath, "%s checks cannot expect deny",
						   np_check_kind_name(c->kind));
			break;
		}
		case CK_REQUIRED:
			if (np_pp_bool(ps, kpath, &c->required) < 0)
				return NP_EINVAL;
			break;
		case CK_TAGS:
			/* Labels, not values: no ${}. */
			if (np_pp_list(ps, kpath, NP_PP_LITERAL, NP_PROFILE_MAX_LIST, tag_ok, &c->tags, unset) < 0)
				return NP_EINVAL;
			break;
		case CK_SECTION:
			if (section_read(ps, c, kpath) < 0)
				return NP_EINVAL;
			break;
		case CK_UNLESS: {
			const char *v = (const char *)ps->ev.data.scalar.value;

			if (ps->ev.type != YAML_SCALAR_EVENT || !np_var_name_ok(v, strlen(v)))
				return np_pp_error(ps, &ps->ev.start_mark, kpath, "expected a variable name");
			if (np_vars_has(ps->vars, v)) {
				c->skip = NP_SKIP_UNLESS;
				c->skip_var = np_arena_strndup(&ps->p->arena, v, strlen(v));
				if (!c->skip_var)
					return np_pp_error(ps, &ps->ev.start_mark, kpath, "profile too large");
			}
			break;
		}
		default:
			if (np_pp_opt_read(ps, opt, &c->opt, kpath, unset) < 0)
				return NP_EINVAL;
			break;
		}
	}
}

/* What each kind needs once its options are in. */
static int check_complete(struct np_pp *ps, const struct np_profile_check *c, const yaml_mark_t *m,
			  const char *path)
{
	const struct np_check_opts *o = &c->opt;

	switch (c->kind) {
	case NP_CHECK_DNS:
		if (!c->targets.n && !o->domain)
			return np_pp_error(ps, m, path, "no names to look up (targets, or domain)");
		break;
	case NP_CHECK_NAT:
		if (!c->targets.n && !o->responder && !o->stun)
			return np_pp_error(ps, m, path, "needs a responder, a stun server or targets");
		break;
	case NP_CHECK_FAMILY:
		break;          /* without targets: this host's readiness alone */
	case NP_CHECK_IDLE:
		for (size_t i = 0; o->tcp && c->skip != NP_SKIP_UNSET && i < c->targets.n; i++)
			if (strstr(c->targets.v[i], "://"))
				return np_pp_error(ps, m, path, "with tcp: true, targets are a responder's "
						   "host:port, not URLs");
		/* fall through */
	default:
		if (!c->targets.n)
			return np_pp_error(ps, m, path, "no targets");
		break;
	}
	return 0;
}

/* One item of checks: a mapping of one key, the kind, whose value is its
 * targets (short form) or a mapping of targets and options (long form). */
static int parse_check(struct np_pp *ps, size_t idx)
{
	struct np_profile *p = ps->p;
	struct np_profile_check *c;
	char path[32], cpath[96], key[48];
	const char *unset = NULL;
	yaml_mark_t item;
	int kind = -1;

	snprintf(path, sizeof(path), "checks[%zu]", idx);
	item = ps->ev.start_mark;
	if (ps->ev.type != YAML_MAPPING_START_EVENT)
		return np_pp_error(ps, &item, path, "expected a mapping such as 'tcp: [host:port]', not %s",
				   np_pp_what(ps));
	if (idx == NP_PROFILE_MAX_CHECKS)
		return np_pp_error(ps, &item, path, "more than %d checks", NP_PROFILE_MAX_CHECKS);
	c = &p->checks[p->n_checks];
	memset(c, 0, sizeof(*c));
	c->required = 1;
	c->line = (int)item.line + 1;
	c->column = (int)item.column + 1;
	if (np_pp_next(ps) < 0)
		return NP_EINVAL;
	if (ps->ev.type != YAML_SCALAR_EVENT)
		return np_pp_error(ps, &ps->ev.start_mark, path, "expected a check kind (dns, tcp, tls, http, "
				   "idle, nat, family, trace), not %s", np_pp_what(ps));
	snprintf(key, sizeof(key), "%s", (const char *)ps->ev.data.scalar.value);
	for (int i = 0; i < NP_CHECK_KINDS; i++)
		if (strcmp(key, kind_names[i]) == 0)
			kind = i;
	if (kind < 0)
		return np_pp_error(ps, &ps->ev.start_mark, path, "unknown check kind '%.40s' (dns, tcp, tls, "
				   "http, idle, nat, family, trace)", key);
	c->kind = (enum np_check_kind)kind;
	ps->kind = c->kind;
	snprintf(cpath, sizeof(cpath), "%s.%s", path, key);
	if (np_pp_next(ps) < 0)
		return NP_EINVAL;
	if (ps->ev.type == YAML_MAPPING_START_EVENT) {
		if (check_mapping(ps, c, &ps->check_given[idx], cpath, &unset) < 0)
			return NP_EINVAL;
	} else if (!np_pp_is_null(ps)) {
		if (np_pp_list(ps, cpath, NP_PP_FILL, NP_PROFILE_MAX_TARGETS, check_target, &c->targets, &unset) < 0)
			return NP_EINVAL;
	}
	if (np_pp_next(ps) < 0)
		return NP_EINVAL;
	if (ps->ev.type != YAML_MAPPING_END_EVENT) {
		const char *k = ps->ev.type == YAML_SCALAR_EVENT ? (const char *)ps->ev.data.scalar.value : "";

		return np_pp_error(ps, &ps->ev.start_mark, path, "key '%.40s' beside '%s': options go under "
				   "%s:, one check per item", k, key, key);
	}
	if (unset && c->skip == NP_SKIP_NONE) {
		c->skip = NP_SKIP_UNSET;
		c->skip_var = unset;
	}
	p->n_checks++;
	return 0;
}

static int parse_checks(struct np_pp *ps)
{
	if (ps->ev.type != YAML_SEQUENCE_START_EVENT)
		return np_pp_error(ps, &ps->ev.start_mark, "checks", "expected a list of checks, not %s",
				   np_pp_what(ps));
	for (size_t i = 0;; i++) {
		if (np_pp_next(ps) < 0)
			return NP_EINVAL;
		if (ps->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (parse_check(ps, i) < 0)
			return NP_EINVAL;
	}
}

/* --- defaults and the document ------------------------------------------------ */

static int parse_defaults(struct np_pp *ps)
{
	if (ps->ev.type != YAML_MAPPING_START_EVENT)
		return np_pp_error(ps, &ps->ev.start_mark, "defaults", "expected a mapping, not %s", np_pp_what(ps));
	for (;;) {
		char key[48], kpath[64];
		yaml_mark_t km;
		int opt, rc = next_key(ps, "defaults", key, sizeof(key), &km);

		if (rc <= 0)
			return rc;
		opt = np_pp_opt_find(key);
		if (opt < 0)
			return np_pp_error(ps, &km, "defaults", "unknown key '%.40s'", key);
		if (!np_pp_opt_default_ok(opt))
			return np_pp_error(ps, &km, "defaults", "'%s' is set per check, not in defaults", key);
		if (ps->def_given & (1ull << opt))
			return np_pp_error(ps, &km, "defaults", "duplicate key '%s'", key);
		ps->def_given |= 1ull << opt;
		snprintf(kpath, sizeof(kpath), "defaults.%s", key);
		if (np_pp_next(ps) < 0 || np_pp_opt_read(ps, opt, &ps->p->defaults, kpath, &ps->def_unset[opt]) < 0)
			return NP_EINVAL;
	}
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= NP_PROFILE_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

enum { TOP_NAME, TOP_DESCRIPTION, TOP_DEFAULTS, TOP_CHECKS, TOP_N };
static const char *const top_keys[TOP_N] = {"name", "description", "defaults", "checks"};

static int parse_document(struct np_pp *ps)
{
	struct np_profile *p = ps->p;
	yaml_mark_t top;
	unsigned seen = 0;

	if (np_pp_next(ps) < 0 || np_pp_next(ps) < 0)       /* stream start, document start */
		return NP_EINVAL;
	if (ps->ev.type == YAML_STREAM_END_EVENT)
		return np_pp_error(ps, &ps->ev.start_mark, "", "empty profile");
	if (np_pp_next(ps) < 0)
		return NP_EINVAL;
	top = ps->ev.start_mark;
	if (ps->ev.type != YAML_MAPPING_START_EVENT)
		return np_pp_error(ps, &top, "", "a profile is a mapping (name, description, defaults, checks), "
				   "not %s", np_pp_what(ps));
	for (;;) {
		char key[48];
		yaml_mark_t km;
		int id = -1, rc = next_key(ps, "", key, sizeof(key), &km);

		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
		for (int i = 0; i < TOP_N; i++)
			if (strcmp(key, top_keys[i]) == 0)
				id = i;
		if (id < 0)
			return np_pp_error(ps, &km, "", "unknown key '%.40s'", key);
		if (seen & (1u << id))
			return np_pp_error(ps, &km, "", "duplicate key '%s'", key);
		seen |= 1u << id;
		if (np_pp_next(ps) < 0)
			return NP_EINVAL;
		switch (id) {
		case TOP_NAME:
			/* Names and descriptions are text, not filled from --set. */
			if (ps->ev.type != YAML_SCALAR_EVENT || !name_ok((const char *)ps->ev.data.scalar.value))
				return np_pp_error(ps, &ps->ev.start_mark, "name", "1 to %d letters, digits, "
						   "'_', '.' or '-'", NP_PROFILE_NAME_MAX);
			p->name = np_arena_strndup(&p->arena, (const char *)ps->ev.data.scalar.value,
						   ps->ev.data.scalar.length);
			break;
		case TOP_DESCRIPTION:
			if (ps->ev.type != YAML_SCALAR_EVENT || ps->ev.data.scalar.length > NP_PROFILE_MAX_VALUE)
				return np_pp_error(ps, &ps->ev.start_mark, "description", "expected text of at most "
						   "%d bytes", NP_PROFILE_MAX_VALUE);
			p->description = np_arena_strndup(&p->arena, (const char *)ps->ev.data.scalar.value,
							  strlen((const char *)ps->ev.data.scalar.value));
			break;
		case TOP_DEFAULTS:
			if (parse_defaults(ps) < 0)
				return NP_EINVAL;
			break;
		case TOP_CHECKS:
			if (parse_checks(ps) < 0)
				return NP_EINVAL;
			break;
		}
		if ((id == TOP_NAME && !p->name) || (id == TOP_DESCRIPTION && !p->description))
			return np_pp_error(ps, &km, "", "profile too large");
	}
	if (!(seen & (1u << TOP_NAME)))
		return np_pp_error(ps, &top, "", "missing key 'name'");
	if (!p->n_checks)
		return np_pp_error(ps, &top, "", (seen & (1u << TOP_CHECKS)) ? "no checks" : "missing key 'checks'");
	if (np_pp_next(ps) < 0 || np_pp_next(ps) < 0)       /* document end, then the stream's */
		return NP_EINVAL;
	if (ps->ev.type != YAML_STREAM_END_EVENT)
		return np_pp_error(ps, &ps->ev.start_mark, "", "one document per profile");
	return 0;
}

static void set_display(struct np_pp *ps, const char *display)
{
	size_t n = strlen(display);

	/* The end of a long path says more than its start. */
	if (n < sizeof(ps->file))
		snprintf(ps->file, sizeof(ps->file), "%s", display);
	else
		snprintf(ps->file, sizeof(ps->file), "...%s", display + n - (sizeof(ps->file) - 4));
}

struct np_profile *np_profile_parse(const char *buf, size_t len, const char *display,
				    struct np_vars *vars, char *errbuf)
{
	struct np_profile *p = NULL;
	struct np_pp *ps;
	int ok = 0;

	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NULL;
	}
	set_display(ps, display ? display : "profile");
	ps->errbuf = errbuf;
	ps->vars = vars;
	if (len > NP_PROFILE_MAX_BYTES) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: larger than %d bytes", ps->file, NP_PROFILE_MAX_BYTES);
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (p)
		np_arena_init(&p->arena, NULL, 0, NP_PROFILE_MAX_MEMORY);
	if (p)
		p->checks = calloc(NP_PROFILE_MAX_CHECKS, sizeof(*p->checks));
	if (!p || !p->checks || !yaml_parser_initialize(&ps->yp)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		goto out;
	}
	ps->p = p;
	p->file = np_arena_strndup(&p->arena, ps->file, strlen(ps->file));
	p->description = "";
	ps->buf = buf;
	ps->len = len;
	yaml_parser_set_input_string(&ps->yp, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&ps->yp, YAML_UTF8_ENCODING);
	if (p->file && parse_document(ps) == 0) {
		np_pp_merge_defaults(ps);
		ok = 1;
		for (size_t i = 0; i < p->n_checks && ok; i++) {
			struct np_profile_check *c = &p->checks[i];
			yaml_mark_t m = {.line = (size_t)c->line - 1, .column = (size_t)c->column - 1};
			char path[48];

			snprintf(path, sizeof(path), "checks[%zu].%s", i, np_check_kind_name(c->kind));
			ok = check_complete(ps, c, &m, path) == 0;
		}
	} else if (!p->file) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
	}
	if (ps->have_ev)
		yaml_event_delete(&ps->ev);
	yaml_parser_delete(&ps->yp);
out:
	free(ps);
	if (!ok) {
		np_profile_free(p);
		return NULL;
	}
	return p;
}

void np_profile_free(struct np_profile *p)
{
	if (!p)
		return;
	np_arena_release(&p->arena);
	free(p->checks);
	free(p);
}
