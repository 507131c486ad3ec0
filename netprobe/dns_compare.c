/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dns_compare.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_answer.h"

static int definitive(const char *v)
{
	return strcmp(v, "dns.ok") == 0 || strcmp(v, "dns.nxdomain") == 0 || strcmp(v, "dns.nodata") == 0;
}

static const struct np_dns_result *sort_res;

/* Results of one (name, type) together, in the order they came. */
static int cmp_group(const void *pa, const void *pb)
{
	const struct np_dns_result *a = &sort_res[*(const size_t *)pa];
	const struct np_dns_result *b = &sort_res[*(const size_t *)pb];

	if (a->name != b->name)
		return (uintptr_t)a->name < (uintptr_t)b->name ? -1 : 1;
	if (a->type != b->type)
		return a->type - b->type;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

struct pending {
	size_t first;
	struct np_finding *f;
};

static int cmp_pending(const void *pa, const void *pb)
{
	const struct pending *a = pa, *b = pb;

	return a->first < b->first ? -1 : a->first > b->first;
}

/* dns.inconsistent for one group idx[0..n) of (name, type) results. */
static struct np_finding *inconsistent(const struct np_dns_result *results, const size_t *idx, size_t n)
{
	const struct np_dns_result *a = &results[idx[0]];
	char target[300], says[600];
	struct np_finding *f;
	size_t w = 0;
	json_t *per;
	int differ = 0;

	for (size_t k = 1; k < n; k++) {
		const struct np_dns_result *b = &results[idx[k]];

		if (strcmp(a->verdict, b->verdict) != 0 ||
		    strcmp(a->answers ? a->answers : "", b->answers ? b->answers : "") != 0)
			differ = 1;
	}
	if (!differ)
		return NULL;
	snprintf(target, sizeof(target), "%.260s %s", a->name, np_dns_type_name(a->type));
	f = np_finding_new("dns", target, "", "dns.inconsistent");
	if (!f)
		return NULL;
	per = json_object();
	says[0] = '\0';
	for (size_t k = 0; k < n; k++) {
		const struct np_dns_result *b = &results[idx[k]];
		/* Answers as a list per resolver; a verdict code when it had
		 * none (nxdomain, nodata). */
		const char *what = strcmp(b->verdict, "dns.ok") == 0 && b->answers ? b->answers : b->verdict;
		json_t *list = json_array();

		for (const char *p = what; *p;) {
			size_t m = strcspn(p, "\n");

			json_array_append_new(list, json_stringn(p, m));
			p += m + (p[m] == '\n');
		}
		json_object_set_new(per, b->resolver, list);
		if (w + 8 < sizeof(says))
			w += (size_t)snprintf(says + w, sizeof(says) - w, "%s%s says %.80s", w ? "; " : "",
					      b->resolver, what);
	}
	for (char *c = says; *c; c++)
		if (*c == '\n')
			*c = ',';
	np_finding_summary(f, "resolvers disagree on %s %s: %s", a->name, np_dns_type_name(a->type), says);
	np_finding_metric_json(f, "answers_by_resolver", per);
	return f;
}

struct np_finding **np_dns_inconsistent(const struct np_dns_result *results, size_t n_res, size_t *n_out)
{
	size_t *idx = calloc(n_res + 1, sizeof(*idx));
	struct pending *out = calloc(n_res + 1, sizeof(*out));
	struct np_finding **list = calloc(n_res + 1, sizeof(*list));
	size_t n = 0, n_pend = 0;
	struct np_finding *f;

	*n_out = 0;
	if (!idx || !out || !list) {
		free(list);
		list = NULL;
		goto done;
	}
	/* Sorting groups each (name, type): n log n, not n^2, for ten
	 * thousand names. */
	for (size_t i = 0; i < n_res; i++)
		if (definitive(results[i].verdict))
			idx[n++] = i;
	sort_res = results;
	qsort(idx, n, sizeof(*idx), cmp_group);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && results[idx[j]].name == results[idx[i]].name &&
		       results[idx[j]].type == results[idx[i]].type)
			j++;
		if (j - i > 1) {
			f = inconsistent(results, idx + i, j - i);
			if (f) {
				out[n_pend].first = idx[i];
				out[n_pend++].f = f;
			}
		}
		i = j;
	}
	qsort(out, n_pend, sizeof(*out), cmp_pending);
	for (size_t i = 0; i < n_pend; i++)
		list[i] = out[i].f;
	*n_out = n_pend;
done:
	free(idx);
	free(out);
	return list;
}
