/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "report_prom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "report_doc.h"

/* One finding's series: its labels, "name=\"value\",..." without braces. */
struct series {
	const json_t *f;
	char *labels;
	size_t idx;
};

/* A gauge family; its HELP and TYPE lines come with its first sample, so
 * a family with no sample is not written at all. */
struct family {
	const char *name;
	const char *help;
	int started;
};

/* A figure of a finding's metrics exported as a gauge. */
struct figure {
	const char *key;            /* in metrics */
	double scale;               /* to the base unit (seconds) */
	const char *extra;          /* a label added to the finding's, or NULL */
	const char *scope;          /* only findings of this metrics.scope, or NULL */
};

void np_prom_label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': fputs("\\\\", out); break;
		case '"': fputs("\\\"", out); break;
		case '\n': fputs("\\n", out); break;
		default: fputc(*s, out);
		}
	}
}

static void label(FILE *m, int *first, const char *name, const char *value)
{
	fprintf(m, "%s%s=\"", *first ? "" : ",", name);
	np_prom_label_value(m, value);
	fputc('"', m);
	*first = 0;
}

/* The labels that tell findings apart: the six every series has, then the
 * DNS record type and the idle scope and rung where the finding has them
 * (an A and an AAAA query of one name, the rungs of one ladder). */
static char *finding_labels(const json_t *f)
{
	static const char *const opt[] = {"type", "scope"};
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int first = 1;
	double idle;

	if (!m)
		return NULL;
	label(m, &first, "check", np_doc_str(f, "check"));
	label(m, &first, "target", np_doc_str(f, "target"));
	label(m, &first, "address", np_doc_str(f, "address"));
	label(m, &first, "path", np_doc_metric_str(f, "path"));
	label(m, &first, "resolver", np_doc_metric_str(f, "resolver"));
	label(m, &first, "verdict", np_doc_str(f, "verdict"));
	label(m, &first, "status", np_doc_str(f, "status"));
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
		if (np_doc_metric_str(f, opt[i])[0])
			label(m, &first, opt[i], np_doc_metric_str(f, opt[i]));
	if (strcmp(np_doc_metric_str(f, "scope"), "rung") == 0 && np_doc_metric_num(f, "idle_s", &idle))
		fprintf(m, ",idle_s=\"%.0f\"", idle);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int by_labels(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	int c = strcmp(x->labels, y->labels);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int by_idx(const void *a, const void *b)
{
	const struct series *x = a, *y = b;

	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Findings that still share every label (explain can see one connection
 * twice) get dup="2", "3"... in report order, so no two series collide.
 * The first of each run of equal labels keeps its text: the others are
 * compared with it. */
static int make_unique(struct series *s, size_t n)
{
	size_t first = 0;

	qsort(s, n, sizeof(*s), by_labels);
	for (size_t i = 1; i < n; i++) {
		char *more;

		if (strcmp(s[i].labels, s[first].labels) != 0) {
			first = i;
			continue;
		}
		if (asprintf(&more, "%s,dup=\"%zu\"", s[i].labels, i - first + 1) < 0)
			return NP_ENOMEM;
		free(s[i].labels);
		s[i].labels = more;
	}
	qsort(s, n, sizeof(*s), by_idx);
	return 0;
}

static void sample(FILE *out, struct family *fam, const char *labels, const char *extra, double v)
{
	if (!fam->started) {
		fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", fam->name, fam->help, fam->name);
		fam->started = 1;
	}
	/* 15 digits: a timestamp keeps its milliseconds, 0.67 ms stays 0.00067. */
	fprintf(out, "%s{%s%s%s} %.15g\n", fam->name, labels, extra ? "," : "", extra ? extra : "", v);
}

static void figures(FILE *out, struct family *fam, const struct figure *fig, size_t n_fig,
		    const struct series *s, size_t n)
{
	for (size_t k = 0; k < n_fig; k++)
		for (size_t i = 0; i < n; i++) {
			double v;

			if (fig[k].scope && strcmp(np_doc_metric_str(s[i].f, "scope"), fig[k].scope) != 0)
				continue;
			if (np_doc_metric_num(s[i].f, fig[k].key, &v) && isfinite(v))
				sample(out, fam, s[i].labels, fig[k].extra, v * fig[k].scale);
		}
}

/* The run's own series, labelled by command: the textfile collector reads
 * every file of its directory, one per command run, and two series may
 * not collide across them. */
static int run_series(FILE *out, const json_t *doc, const struct series *s, size_t n)
{
	struct family fam_findings = {"netprobe_findings", "Findings of the last run by status.", 0};
	struct family fam_ts = {"netprobe_run_timestamp_seconds",
				"When the last run started, in seconds since the epoch.", 0};
	struct family fam_dur = {"netprobe_run_duration_seconds", "How long the last run took.", 0};
	size_t counts[NP_STATUS_COUNT + 1] = {0};
	char *cmd = NULL, *lab = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&cmd, &len);
	double v;
	int first = 1;

	if (!m)
		return NP_ENOMEM;
	label(m, &first, "command", np_doc_str(doc, "command"));
	if (fclose(m) != 0) {
		free(cmd);
		return NP_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		counts[np_doc_status(s[i].f)]++;
	for (int st = 0; st < NP_STATUS_COUNT; st++) {
		if (asprintf(&lab, "status=\"%s\"", np_status_name((enum np_status)st)) < 0) {
			free(cmd);
			return NP_ENOMEM;
		}
		sample(out, &fam_findings, cmd, lab, (double)counts[st]);
		free(lab);
	}
	v = np_doc_started(doc);
	if (v >= 0)
		sample(out, &fam_ts, cmd, NULL, v);
	if (np_doc_num(doc, "duration_ms", &v))
		sample(out, &fam_dur, cmd, NULL, v / 1000.0);
	free(cmd);
	return 0;
}

static void finding_series(FILE *out, const struct series *s, size_t n)
{
	struct family success = {"netprobe_check_success",
				 "1 when the finding passed or only warned, 0 when it failed, could not run "
				 "or was skipped; the labels name the finding.", 0};
	struct family dns = {"netprobe_dns_seconds", "Time to resolve the target's name, or the query's answer time.", 0};
	struct family conn = {"netprobe_connect_seconds", "TCP handshake time (to the proxy when there is one).", 0};
	struct family proxy = {"netprobe_proxy_seconds", "Time for the proxy to answer the CONNECT.", 0};
	struct family tls = {"netprobe_tls_handshake_seconds", "TLS handshake time.", 0};
	struct family total = {"netprobe_probe_duration_seconds", "Whole probe time, name lookup to last answer.", 0};
	struct family idle_req = {"netprobe_idle_required_seconds",
				  "Idle time the application needs a connection to survive (--idle).", 0};
	struct family idle_kept = {"netprobe_idle_survived_seconds",
				   "Longest idle rung the network kept the connection through (0: none).", 0};
	struct family idle_lost = {"netprobe_idle_lost_seconds",
				   "Shortest idle rung the network lost the connection in (absent: none).", 0};
	struct family idle_closed = {"netprobe_idle_closed_after_seconds",
				     "Seconds into the silence a rung's connection was ended.", 0};
	static const struct figure f_dns[] = {{"dns_ms", 1e-3, NULL, NULL}};
	static const struct figure f_conn[] = {
		{"connect_ms", 1e-3, NULL, NULL},
		{"ipv4_connect_ms", 1e-3, "family=\"ipv4\"", NULL},
		{"ipv6_connect_ms", 1e-3, "family=\"ipv6\"", NULL},
	};
	static const struct figure f_proxy[] = {{"proxy_ms", 1e-3, NULL, NULL}};
	static const struct figure f_tls[] = {{"tls_ms", 1e-3, NULL, NULL}};
	static const struct figure f_total[] = {{"total_ms", 1e-3, NULL, NULL}};
	static const struct figure f_req[] = {{"required_s", 1, NULL, "overall"}};
	static const struct figure f_kept[] = {{"survived_s", 1, NULL, "overall"}};
	static const struct figure f_lost[] = {{"lost_s", 1, NULL, "overall"}};
	static const struct figure f_closed[] = {{"closed_after_s", 1, NULL, "rung"}};

	for (size_t i = 0; i < n; i++) {
		enum np_status st = np_doc_status(s[i].f);

		sample(out, &success, s[i].labels, NULL, st == NP_PASS || st == NP_WARN);
	}
	figures(out, &dns, f_dns, 1, s, n);
	figures(out, &conn, f_conn, 3, s, n);
	figures(out, &proxy, f_proxy, 1, s, n);
	figures(out, &tls, f_tls, 1, s, n);
	figures(out, &total, f_total, 1, s, n);
	figures(out, &idle_req, f_req, 1, s, n);
	figures(out, &idle_kept, f_kept, 1, s, n);
	figures(out, &idle_lost, f_lost, 1, s, n);
	figures(out, &idle_closed, f_closed, 1, s, n);
}

int np_report_write_prom(const json_t *doc, FILE *out)
{
	const json_t *findings = json_object_get(doc, "findings");
	char errbuf[NP_ERRBUF_SIZE];
	struct series *s = NULL;
	size_t n = 0;
	int err;

	if (np_doc_check_report(doc, errbuf) < 0)
		return NP_EINVAL;
	n = json_array_size(findings);
	s = calloc(n ? n : 1, sizeof(*s));
	if (!s)
		return NP_ENOMEM;
	err = NP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		s[i].f = json_array_get(findings, i);
		s[i].idx = i;
		s[i].labels = finding_labels(s[i].f);
		if (!s[i].labels)
			goto out;
	}
	if (make_unique(s, n) < 0)
		goto out;
	finding_series(out, s, n);
	err = run_series(out, doc, s, n);
	if (err == 0 && (fflush(out) == EOF || ferror(out)))
		err = NP_EIO;
out:
	for (size_t i = 0; i < n; i++)
		free(s[i].labels);
	free(s);
	return err;
}
