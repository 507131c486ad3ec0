/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the profile parser: a profile is a file a user
 * hands over, so its YAML is outside input. Each input is parsed twice:
 * without --set, and with variables that fill lists (so ${} expansion and
 * the skip paths both run). Invariants: every bound of profile.h holds on
 * success, a message fits its buffer on failure. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/profile.h"

static void check(const struct np_profile *p, const char *eb)
{
	if (!p) {
		if (!eb[0] || strlen(eb) >= NP_ERRBUF_SIZE)
			abort();
		return;
	}
	if (!p->name || !p->description || p->n_checks == 0 || p->n_checks > NP_PROFILE_MAX_CHECKS)
		abort();
	for (size_t i = 0; i < p->n_checks; i++) {
		const struct np_profile_check *c = &p->checks[i];
		const struct np_check_opts *o = &c->opt;

		if ((unsigned)c->kind >= NP_CHECK_KINDS || c->line < 1 || c->column < 1)
			abort();
		if (c->targets.n > NP_PROFILE_MAX_TARGETS || o->proxies.n > NP_PROFILE_MAX_PROXIES ||
		    o->expect_issuer.n > NP_PROFILE_MAX_ISSUERS || o->resolvers.n > NP_PROFILE_MAX_RESOLVERS ||
		    o->types.n > NP_PROFILE_MAX_TYPES || c->tags.n > NP_PROFILE_MAX_LIST ||
		    o->ladder.n > NP_PROFILE_MAX_RUNGS)
			abort();
		if ((c->skip == NP_SKIP_NONE) != (c->skip_var == NULL))
			abort();
		for (size_t k = 0; k < c->targets.n; k++)
			if (strlen(c->targets.v[k]) > NP_PROFILE_MAX_VALUE + 7)      /* + "http://" */
				abort();
		for (size_t k = 1; k < o->ladder.n; k++)
			if (o->ladder.s[k] <= o->ladder.s[k - 1])
				abort();
		if (o->timeout_s < 0 || o->timeout_s > 3600)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sets[] = {"dc=dc1.example,dc2.example", "port=1,2,3", "responder=r.example:7",
					   "lab_ca=/ca.pem"};
	static struct np_vars *vars;
	char eb[NP_ERRBUF_SIZE];
	struct np_profile *p;
	char *copy;

	if (!vars)
		vars = np_vars_new(sets, sizeof(sets) / sizeof(sets[0]), eb);
	/* An exact-size copy, not NUL-terminated, so a read one byte past
	 * the end is caught. */
	copy = malloc(size ? size : 1);
	if (size)
		memcpy(copy, data, size);
	eb[0] = '\0';
	p = np_profile_parse(copy, size, "fuzz.yaml", NULL, eb);
	check(p, eb);
	np_profile_free(p);
	eb[0] = '\0';
	p = np_profile_parse(copy, size, "fuzz.yaml", vars, eb);
	check(p, eb);
	np_profile_free(p);
	free(copy);
	return 0;
}
