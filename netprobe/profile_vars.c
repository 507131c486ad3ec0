/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --set NAME=VALUE and ${name} in profile values. */
#include "profile_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- variables ------------------------------------------------------------- */

struct np_var {
	char *name;
	char *value;
	int used;
};

struct np_vars {
	struct np_var v[NP_PROFILE_MAX_VARS];
	size_t n;
};

int np_var_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > NP_PROFILE_VAR_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static struct np_var *find(struct np_vars *vars, const char *name, size_t len)
{
	if (!vars)
		return NULL;
	for (size_t i = 0; i < vars->n; i++)
		if (strlen(vars->v[i].name) == len && memcmp(vars->v[i].name, name, len) == 0)
			return &vars->v[i];
	return NULL;
}

struct np_vars *np_vars_new(const char *const *pairs, size_t n, char *errbuf)
{
	struct np_vars *vars = calloc(1, sizeof(*vars));

	if (!vars) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(pairs[i], '=');
		size_t nlen = eq ? (size_t)(eq - pairs[i]) : 0;
		struct np_var *v;

		if (!eq) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "--set '%.40s': NAME=VALUE expected", pairs[i]);
			goto fail;
		}
		if (!np_var_name_ok(pairs[i], nlen)) {
			snprintf(errbuf, NP_ERRBUF_SIZE,
				 "--set '%.40s': a name is letters, digits and '_', not first a digit", pairs[i]);
			goto fail;
		}
		if (!eq[1] || strlen(eq + 1) > NP_PROFILE_VAR_VALUE_MAX) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "--set %.*s: the value must be 1 to %d bytes",
				 (int)nlen, pairs[i], NP_PROFILE_VAR_VALUE_MAX);
			goto fail;
		}
		for (const char *c = eq + 1; *c; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				snprintf(errbuf, NP_ERRBUF_SIZE, "--set %.*s: a control character in the value",
					 (int)nlen, pairs[i]);
				goto fail;
			}
		}
		/* As a shell assignment: the last one wins. */
		v = find(vars, pairs[i], nlen);
		if (!v) {
			if (vars->n == NP_PROFILE_MAX_VARS) {
				snprintf(errbuf, NP_ERRBUF_SIZE, "--set: at most %d names", NP_PROFILE_MAX_VARS);
				goto fail;
			}
			v = &vars->v[vars->n++];
			v->name = strndup(pairs[i], nlen);
			if (!v->name)
				goto nomem;
		}
		free(v->value);
		v->value = strdup(eq + 1);
		if (!v->value)
			goto nomem;
	}
	return vars;
nomem:
	snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
fail:
	np_vars_free(vars);
	return NULL;
}

void np_vars_free(struct np_vars *vars)
{
	if (!vars)
		return;
	for (size_t i = 0; i < vars->n; i++) {
		free(vars->v[i].name);
		free(vars->v[i].value);
	}
	free(vars);
}

const char *np_vars_unused(const struct np_vars *vars)
{
	for (size_t i = 0; vars && i < vars->n; i++)
		if (!vars->v[i].used)
			return vars->v[i].name;
	return NULL;
}

int np_vars_has(struct np_vars *vars, const char *name)
{
	struct np_var *v = find(vars, name, strlen(name));

	if (v)
		v->used = 1;
	return v != NULL;
}

/* --- ${name} ------------------------------------------------------------- */

#define MAX_PIECES 33                   /* 16 variables and the text around them */

/* A piece of a value: literal text, or a variable's value (n parts). */
struct piece {
	const char *s;
	size_t len;
	int var;
	size_t n;
};

/* The k-th comma-separated part of s (blanks around it trimmed, empty
 * parts dropped); with count, how many there are. */
static size_t part(const char *s, size_t k, const char **p, size_t *l)
{
	size_t i = 0;

	for (;;) {
		const char *e = s + strcspn(s, ",");
		const char *b = s, *t = e;

		while (b < t && (*b == ' ' || *b == '\t'))
			b++;
		while (t > b && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		if (t > b) {
			if (i == k && p) {
				*p = b;
				*l = (size_t)(t - b);
			}
			i++;
		}
		if (!*e)
			return i;
		s = e + 1;
	}
}

/* Cut text into literal pieces and variables. Returns the number of
 * pieces, or NP_EINVAL; *un names the first variable vars lacks. */
static int cut(struct np_vars *vars, const char *text, size_t len, int split, struct piece *pcs,
	       const char **un, size_t *unlen, char *msg)
{
	size_t n = 0, i = 0, lit = 0;

	*un = NULL;
	for (;;) {
		const char *name, *close;
		struct np_var *v;
		size_t nl;

		if (i < len && !(text[i] == '$' && i + 1 < len && (text[i + 1] == '{' || text[i + 1] == '$'))) {
			i++;
			continue;
		}
		if (i > lit) {
			if (n == MAX_PIECES)
				goto too_many;
			pcs[n++] = (struct piece){.s = text + lit, .len = i - lit};
		}
		if (i == len)
			return (int)n;
		if (text[i + 1] == '$') {
			/* "$$" is one "$": the next literal run starts at the second */
			lit = i + 1;
			i += 2;
			continue;
		}
		name = text + i + 2;
		close = memchr(name, '}', len - (size_t)(name - text));
		if (!close) {
			snprintf(msg, NP_ERRBUF_SIZE, "'${' without '}'");
			return NP_EINVAL;
		}
		nl = (size_t)(close - name);
		if (!np_var_name_ok(name, nl)) {
			snprintf(msg, NP_ERRBUF_SIZE, "bad variable name '${%.*s}'", nl > 40 ? 40 : (int)nl, name);
			return NP_EINVAL;
		}
		v = find(vars, name, nl);
		if (v) {
			if (n == MAX_PIECES)
				goto too_many;
			v->used = 1;
			pcs[n++] = (struct piece){.s = v->value, .len = strlen(v->value), .var = 1,
						  .n = split ? part(v->value, 0, NULL, NULL) : 1};
		} else if (!*un) {
			*un = name;
			*unlen = nl;
		}
		i = (size_t)(close - text) + 1;
		lit = i;
	}
too_many:
	snprintf(msg, NP_ERRBUF_SIZE, "more than %d variables in one value", MAX_PIECES / 2);
	return NP_EINVAL;
}

int np_vars_expand(struct np_arena *a, struct np_vars *vars, const char *text, size_t len,
		   int split, const char **out, size_t room, const char **unset, char *msg)
{
	struct piece pcs[MAX_PIECES];
	const char *un = NULL;
	size_t unlen = 0, total = 1;
	char *buf = NULL;
	int n, rc;

	*unset = NULL;
	n = memchr(text, '$', len) ? cut(vars, text, len, split, pcs, &un, &unlen, msg) : 0;
	if (n < 0)
		return n;
	if (n == 0 || un) {
		/* No variable; or one is unset: kept as written, and the check
		 * is skipped, naming it. */
		out[0] = np_arena_strndup(a, text, len);
		if (un)
			*unset = np_arena_strndup(a, un, unlen);
		if (!out[0] || (un && !*unset))
			goto nomem;
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (!pcs[i].var)
			continue;
		if (pcs[i].n == 0) {
			snprintf(msg, NP_ERRBUF_SIZE, "a value of the list is empty");
			return NP_EINVAL;
		}
		if (total * pcs[i].n > room) {
			snprintf(msg, NP_ERRBUF_SIZE, "its variables give more values than the list takes");
			return NP_ERANGE;
		}
		total *= pcs[i].n;
	}
	buf = malloc(NP_PROFILE_MAX_VALUE);
	if (!buf)
		goto nomem;
	/* Every combination, the first variable's values varying slowest. */
	for (size_t k = 0; k < total; k++) {
		size_t w = 0, rest = k, div = total;

		for (int i = 0; i < n; i++) {
			const char *s = pcs[i].s;
			size_t l = pcs[i].len;

			if (pcs[i].var && split) {
				div /= pcs[i].n;
				part(pcs[i].s, rest / div, &s, &l);
				rest %= div;
			}
			if (w + l > NP_PROFILE_MAX_VALUE) {
				snprintf(msg, NP_ERRBUF_SIZE, "longer than %d bytes with its variables",
					 NP_PROFILE_MAX_VALUE);
				rc = NP_ERANGE;
				goto out;
			}
			memcpy(buf + w, s, l);
			w += l;
		}
		out[k] = np_arena_strndup(a, buf, w);
		if (!out[k]) {
			free(buf);
			goto nomem;
		}
	}
	rc = (int)total;
out:
	free(buf);
	return rc;
nomem:
	snprintf(msg, NP_ERRBUF_SIZE, "profile too large");
	return NP_ENOMEM;
}
