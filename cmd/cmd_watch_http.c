/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch --listen: /metrics (the last cycle as --prom writes it,
 * and counters since start) and a blackbox-exporter compatible /probe
 * that runs one check of the profile on demand. */

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch_int.h"
#include "../netprobe/capture.h"
#include "../netprobe/clock.h"
#include "../netprobe/report_prom.h"
#include "../netprobe/watch_http.h"

#define PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Probes on demand at once: a scraper retrying in a loop cannot pile up
 * runs on the watch. */
/* Without X-Prometheus-Scrape-Timeout-Seconds, Prometheus' own default. */
#define DEFAULT_SCRAPE_S 10.0

struct watch_probe {
	struct watch *w;
	struct np_http_req *req;
	struct np_run *run;
	struct np_report *report;
	struct np_capture *cap;         /* its session of the watch's capture */
	int64_t t0;
	struct watch_probe *prev, *next;
};

int np_cmd_watch_parse_listen(struct np_cmd_ctx *ctx, const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64] = "";
	const char *port_s = s, *colon;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		port_s = rb + 2;
	} else if ((colon = strrchr(s, ':')) != NULL) {
		if ((size_t)(colon - s) >= sizeof(host))
			goto bad;
		memcpy(host, s, (size_t)(colon - s));
		port_s = colon + 1;
	}
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (errno || end == port_s || *end || port == 0 || port > 65535)
		goto bad;
	if (!*host)
		snprintf(host, sizeof(host), "127.0.0.1");
	{
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
			a4->sin_family = AF_INET;
			a4->sin_port = htons((uint16_t)port);
			*len = sizeof(*a4);
			if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127 && !ctx->quiet)
				fprintf(stderr, "netprobe watch: --listen %s is not loopback: whoever reaches it reads "
					"the metrics and runs the profile's checks\n", s);
		} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
			a6->sin6_family = AF_INET6;
			a6->sin6_port = htons((uint16_t)port);
			*len = sizeof(*a6);
			if (!IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr) && !ctx->quiet)
				fprintf(stderr, "netprobe watch: --listen %s is not loopback: whoever reaches it reads "
					"the metrics and runs the profile's checks\n", s);
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	np_cmd_error(ctx, "--listen '%s': give ADDR:PORT, [ADDR6]:PORT or PORT (then 127.0.0.1), with a numeric "
		     "address", s);
	return 2;
}

void np_cmd_watch_note_findings(struct watch *w, const struct np_report *r, int whole_cycle)
{
	if (!w->http)
		return;
	if (!w->failures)
		w->failures = json_object();
	for (size_t i = 0; w->failures && i < r->n_findings; i++) {
		const struct np_finding *f = r->findings[i];
		char key[200];

		if (f->status != NP_FAIL && f->status != NP_ERROR)
			continue;
		snprintf(key, sizeof(key), "%s %s", f->check, f->verdict->code);
		json_object_set_new(w->failures, key,
				    json_integer(json_integer_value(json_object_get(w->failures, key)) + 1));
	}
	if (!whole_cycle)
		return;
	json_decref(w->latest);
	w->latest = np_report_json(r);
}

static void reply_text(struct np_http_req *req, int status, const char *msg)
{
	char *b = strdup(msg);

	np_http_reply(req, status, NULL, b, b ? strlen(b) : 0);
}

static void metrics(struct watch *w, struct np_http_req *req)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *key;
	json_t *v;
	int ok;

	if (!f) {
		np_http_reply(req, 500, NULL, NULL, 0);
		return;
	}
	/* The last whole cycle, exactly as --prom writes a run. */
	if (w->latest)
		np_report_write_prom(w->latest, f);
	fprintf(f, "# HELP netprobe_watch_cycles_total Cycles this watch has run.\n"
		   "# TYPE netprobe_watch_cycles_total counter\nnetprobe_watch_cycles_total %llu\n",
		(unsigned long long)w->cycles);
	np_cmd_watch_tracks_metrics(w, f);
	fprintf(f, "# HELP netprobe_watch_failures_total Findings that failed or could not run since the watch "
		   "started, by check and verdict.\n# TYPE netprobe_watch_failures_total counter\n");
	json_object_foreach(w->failures, key, v) {
		const char *sp = strchr(key, ' ');

		fprintf(f, "netprobe_watch_failures_total{check=\"%.*s\",verdict=\"", (int)(sp - key), key);
		np_prom_label_value(f, sp + 1);
		fprintf(f, "\"} %lld\n", (long long)json_integer_value(v));
	}
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok) {
		free(buf);
		np_http_reply(req, 500, NULL, NULL, 0);
		return;
	}
	np_http_reply(req, 200, PROM_TYPE, buf, len);
}

/* --- /probe --------------------------------------------------------------------------- */

static void probe_unlink(struct watch_probe *p)
{
	struct watch *w = p->w;

	if (p->prev)
		p->prev->next = p->next;
	else
		w->probes = p->next;
	if (p->next)
		p->next->prev = p->prev;
	w->n_probes--;
}

static void probe_free(struct watch_probe *p)
{
	np_run_free(p->run);
	np_report_free(p->report);
	np_capture_free(p->cap);
	free(p);
}

/* probe_success and probe_duration_seconds as blackbox_exporter names them
 * (the verdict a label of probe_success: the first failing finding's, or
 * the first finding's), then the run as --prom writes it. */
static void probe_done(struct np_run *run, void *arg)
{
	struct watch_probe *p = arg;
	const struct np_report *r = p->report;
	const struct np_finding *shown;
	json_t *doc;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int success;

	/* Evidence frames and the capture's figures, as a run's. */
	if (p->cap)
		np_cmd_capture_finish(p->cap, p->report, run);
	shown = r->n_findings ? r->findings[0] : NULL;
	doc = np_report_json(r);
	f = open_memstream(&buf, &len);
	success = r->n_findings > 0;
	for (size_t i = 0; i < r->n_findings; i++) {
		if (r->findings[i]->status == NP_FAIL || r->findings[i]->status == NP_ERROR) {
			if (success)
				shown = r->findings[i];
			success = 0;
		}
	}
	if (f) {
		fprintf(f, "# HELP probe_success Whether the probe succeeded (no finding failed or could not run).\n"
			   "# TYPE probe_success gauge\nprobe_success{verdict=\"");
		np_prom_label_value(f, shown ? shown->verdict->code : "none");
		fprintf(f, "\"} %d\n# HELP probe_duration_seconds How long the probe took.\n"
			   "# TYPE probe_duration_seconds gauge\nprobe_duration_seconds %.6f\n", success,
			(double)(np_now_us() - p->t0) / 1e6);
		if (doc)
			np_report_write_prom(doc, f);
		if (fclose(f) != 0) {
			free(buf);
			buf = NULL;
		}
	}
	json_decref(doc);
	np_http_reply(p->req, buf ? 200 : 500, PROM_TYPE, buf, buf ? len : 0);
	probe_unlink(p);
	probe_free(p);
}

static void probe(struct watch *w, struct np_http_req *req)
{
	const char *module = np_http_arg(req, "module"), *target = np_http_arg(req, "target");
	const char *to = np_http_header(req, "X-Prometheus-Scrape-Timeout-Seconds");
	struct np_opts opts = w->ctx->opts;
	char errbuf[NP_ERRBUF_SIZE], why[NP_ERRBUF_SIZE + 64];
	struct watch_probe *p;
	double scrape = DEFAULT_SCRAPE_S;
	int e;

	if (!module || !*module || !target) {
		reply_text(req, 400, "give module=CHECK (a check's index in the profile, or its tag) and target=T\n");
		return;
	}
	if (to) {
		char *end;

		errno = 0;
		scrape = strtod(to, &end);
		if (errno || end == to || *end || !isfinite(scrape) || scrape <= 0 || scrape > 3600) {
			reply_text(req, 400, "X-Prometheus-Scrape-Timeout-Seconds: not a number of seconds\n");
			return;
		}
	}
	if (w->n_probes >= NP_WATCH_MAX_PROBES) {
		reply_text(req, 429, "too many probes running at once\n");
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		np_http_reply(req, 500, NULL, NULL, 0);
		return;
	}
	p->w = w;
	p->req = req;
	p->t0 = np_now_us();
	p->report = np_report_new("probe");
	/* The answer must reach Prometheus before it gives up: the run ends
	 * half a second early (blackbox_exporter's margin), its findings
	 * then saying run.deadline. */
	opts.deadline_us = (int64_t)((scrape > 1.0 ? scrape - 0.5 : scrape * 0.5) * 1e6);
	if (p->report)
		p->run = np_run_new(w->loop, &opts, p->report, errbuf);
	if (!p->run) {
		probe_free(p);
		np_http_reply(req, 500, NULL, NULL, 0);
		return;
	}
	/* Its own session of the capture: its verdicts read the packets as a
	 * cycle's do (who sent the reset), whatever the cycles reset meanwhile.
	 * Nothing of it is saved. */
	if (w->cap && !(p->cap = np_capture_session(w->cap, w->session_budget, errbuf))) {
		probe_free(p);
		np_http_reply(req, 500, NULL, NULL, 0);
		return;
	}
	np_run_set_capture(p->run, p->cap, w->note);
	e = np_cmd_prun_plan_one(w->prun, p->run, module, target, why, sizeof(why));
	if (e == 0)
		e = np_run_start(p->run, probe_done, p);
	if (e < 0) {
		probe_free(p);
		if (e == NP_EINVAL) {
			strcat(why, "\n");
			reply_text(req, 400, why);
		} else {
			np_http_reply(req, 500, NULL, NULL, 0);
		}
		return;
	}
	p->next = w->probes;
	if (w->probes)
		w->probes->prev = p;
	w->probes = p;
	w->n_probes++;
}

void np_cmd_watch_probes_stop(struct watch *w)
{
	while (w->probes) {
		struct watch_probe *p = w->probes;

		probe_unlink(p);
		np_http_reply(p->req, 503, NULL, strdup("netprobe watch is stopping\n"), strlen("netprobe watch is stopping\n"));
		np_run_cancel(p->run, "run.interrupted");
		probe_free(p);
	}
}

void np_cmd_watch_on_http(struct np_http_req *req, void *arg)
{
	struct watch *w = arg;
	const char *path = np_http_path(req);

	if (strcmp(path, "/metrics") == 0)
		metrics(w, req);
	else if (strcmp(path, "/probe") == 0)
		probe(w, req);
	else
		reply_text(req, 404, "not found: netprobe watch serves /metrics and /probe only\n");
}
