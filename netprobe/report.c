/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "error.h"
#include "redact.h"

static int strlist_add_unique(struct np_strlist *l, const char *s)
{
	char **v;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 0;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return NP_ENOMEM;
	l->v = v;
	v[l->n] = strdup(s);
	if (!v[l->n])
		return NP_ENOMEM;
	l->n++;
	return 0;
}

static void strlist_free(struct np_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The variables curl and most agents read; lowercase first as curl does. */
static const char *const proxy_vars[] = {
	"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
	"all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
};

struct np_report *np_report_new(const char *command)
{
	struct np_report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->command = strdup(command);
	if (!r->command)
		goto fail;
	clock_gettime(CLOCK_REALTIME, &r->started);
	r->started_us = np_now_us();
	if (gethostname(r->hostname, sizeof(r->hostname) - 1) < 0)
		strcpy(r->hostname, "unknown");
	for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++) {
		const char *v = getenv(proxy_vars[i]);
		char *masked, *entry;
		int err;

		if (!v)
			continue;
		masked = np_redact_url(v);
		if (!masked || asprintf(&entry, "%s=%s", proxy_vars[i], masked) < 0) {
			free(masked);
			goto fail;
		}
		free(masked);
		err = strlist_add_unique(&r->proxy_env, entry);
		free(entry);
		if (err < 0)
			goto fail;
	}
	return r;
fail:
	np_report_free(r);
	return NULL;
}

void np_report_free(struct np_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_findings; i++)
		np_finding_free(r->findings[i]);
	free(r->findings);
	strlist_free(&r->sources);
	strlist_free(&r->resolvers);
	strlist_free(&r->proxy_env);
	strlist_free(&r->sections);
	free(r->capture.file);
	free(r->capture.unavailable);
	free(r->capture.format);
	json_decref(r->connections);
	json_decref(r->dns_windows);
	free(r->command);
	free(r);
}

int np_report_add(struct np_report *r, struct np_finding *f)
{
	if (r->n_findings == r->cap_findings) {
		size_t cap = r->cap_findings ? r->cap_findings * 2 : 64;
		struct np_finding **v = realloc(r->findings, cap * sizeof(*v));

		if (!v) {
			np_finding_free(f);
			return NP_ENOMEM;
		}
		r->findings = v;
		r->cap_findings = cap;
	}
	r->findings[r->n_findings++] = f;
	return 0;
}

int np_report_add_source(struct np_report *r, const char *addr)
{
	return strlist_add_unique(&r->sources, addr);
}

int np_report_add_resolver(struct np_report *r, const char *addr)
{
	return strlist_add_unique(&r->resolvers, addr);
}

int np_report_add_section(struct np_report *r, const char *name)
{
	return strlist_add_unique(&r->sections, name);
}

void np_report_finish(struct np_report *r)
{
	r->duration_us = np_now_us() - r->started_us;
}

void np_report_counts(const struct np_report *r, size_t counts[NP_STATUS_COUNT])
{
	memset(counts, 0, NP_STATUS_COUNT * sizeof(counts[0]));
	for (size_t i = 0; i < r->n_findings; i++)
		counts[r->findings[i]->status]++;
}

int np_report_exit_status(const struct np_report *r)
{
	size_t c[NP_STATUS_COUNT];

	if (r->signal)
		return 128 + r->signal;
	np_report_counts(r, c);
	if (c[NP_FAIL])
		return 1;
	if (c[NP_ERROR])
		return 3;
	return 0;
}
