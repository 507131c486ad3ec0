/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "atomic.h"
#include "cmd.h"
#include "term.h"
#include "../netprobe/capture.h"
#include "../netprobe/evidence.h"
#include "../netprobe/flow.h"
#include "../netprobe/heap.h"
#include "../netprobe/loop.h"
#include "../netprobe/privdrop.h"
#include "../netprobe/rawsend.h"
#include "../netprobe/proxy_auth.h"
#include "../netprobe/redact.h"
#include "../netprobe/report_html.h"
#include "../netprobe/report_prom.h"

/* From this many targets a run's heap is taken in huge pages, with room
 * for this much a target (a DNS name's finding, its evidence and packets:
 * some 2 KiB; with --json, its JSON too: 6 KiB). Address space, not
 * memory, until used. */
#define NP_CMD_HUGE_TARGETS 1024
#define NP_CMD_HEAP_PER_TARGET 8192

/* Packets one probe exchanges in a burst, for the capture ring's size. */
#define NP_CMD_PACKETS_PER_PROBE 16

int np_cmd_add_proxy(struct np_cmd_ctx *ctx, const char *arg, struct np_proxy *paths, int *path_auto,
		     size_t *n, size_t max)
{
	char errbuf[NP_ERRBUF_SIZE];

	if (*n == max) {
		np_cmd_error(ctx, "--proxy: at most %zu", max);
		return -1;
	}
	if (strcmp(arg, "auto") == 0) {
		path_auto[(*n)++] = 1;
		return 0;
	}
	if (np_proxy_parse(arg, &paths[*n], errbuf) < 0) {
		char *shown = np_redact_url(arg);

		np_cmd_error(ctx, "--proxy '%s': %s", shown ? shown : "?", errbuf);
		free(shown);
		return -1;
	}
	(*n)++;
	return 0;
}

int np_cmd_pac_prepare(struct np_cmd_ctx *ctx, const struct np_proxy *paths, const int *path_auto, size_t n_paths,
		       const struct np_target *targets, size_t n_targets)
{
	char errbuf[NP_ERRBUF_SIZE];

	/* The PAC fetched and evaluated now, while the evaluator can still be
	 * given a network namespace of its own (root) and the answers kept;
	 * a PAC URL that cannot be fetched becomes each target's finding. */
	for (size_t k = 0; k < n_paths; k++) {
		if (path_auto[k] || !paths[k].pac[0])
			continue;
		if (np_pac_load(paths[k].pac, errbuf) < 0) {
			np_cmd_error(ctx, "--proxy pac:%s: %s", paths[k].pac, errbuf);
			return -1;
		}
		for (size_t i = 0; i < n_targets; i++) {
			struct np_proxy p = paths[k];

			np_proxy_apply_bypass(&p, &targets[i]);
			np_pac_apply(&p, &targets[i], errbuf);
		}
	}
	return 0;
}

int np_cmd_proxy_auth_opt(struct np_cmd_ctx *ctx, const char *opt, const char *arg, struct np_pauth_conf *conf)
{
	if (strcmp(opt, "proxy-auth") == 0) {
		int s = np_pauth_scheme_parse(arg);

		if (s < 0) {
			np_cmd_error(ctx, "--proxy-auth '%.60s': give negotiate, ntlm, basic or auto", arg);
			return -1;
		}
		conf->allowed = (unsigned)s;
	} else if (strcmp(opt, "proxy-keytab") == 0) {
		conf->keytab = arg;
	} else if (strcmp(opt, "proxy-user") == 0) {
		/* the password never on the command line (ps): the environment */
		if (strchr(arg, ':')) {
			np_cmd_error(ctx, "--proxy-user: give the user only; the password goes in NETPROBE_PROXY_PASSWORD");
			return -1;
		}
		conf->user = arg;
		conf->password = getenv("NETPROBE_PROXY_PASSWORD");
	}
	return 0;
}

void np_cmd_proxy_auth_prepare(struct np_cmd_ctx *ctx, struct np_pauth_conf *conf, const char *principal)
{
	char note[400];

	np_pauth_prepare(conf, principal, note, sizeof(note));
	if (note[0] && !ctx->quiet)
		fprintf(stderr, "netprobe %s: %s (before dropping privileges)\n", ctx->entry->name, note);
}

int np_cmd_check_token(struct np_cmd_ctx *ctx, const char *arg)
{
	if (!*arg || strpbrk(arg, " \t\r\n=") || strlen(arg) > 128) {
		np_cmd_error(ctx, "--token: 1 to 128 characters, no spaces or '='");
		return -1;
	}
	return 0;
}

/* One target: plain, or with a port list when ports is not NULL. */
static int parse_one(struct np_cmd_ctx *ctx, const char *text, unsigned default_port, struct np_target *t,
		     struct np_portset *ports)
{
	char errbuf[NP_ERRBUF_SIZE];
	int err = ports ? np_target_parse_sweep(text, (uint16_t)default_port, t, ports, errbuf) :
		  np_target_parse(text, (uint16_t)default_port, t, errbuf);

	if (err < 0) {
		char *shown = np_redact_url(text);
		struct np_portset *ps = ports ? NULL : malloc(sizeof(*ps));

		/* A port list where one port is taken: say what takes lists. */
		if (ps && np_target_parse_sweep(text, (uint16_t)default_port, t, ps, errbuf) == 0 && ps->count > 1)
			snprintf(errbuf, sizeof(errbuf), "a list of ports needs 'netprobe tcp --syn'");
		free(ps);
		np_cmd_error(ctx, "target '%s': %s", shown ? shown : "?", errbuf);
		free(shown);
		return 2;
	}
	if (t->family != AF_UNSPEC && ctx->opts.family != AF_UNSPEC && t->family != ctx->opts.family) {
		np_cmd_error(ctx, "target '%s' is an %s address, but only %s was asked for", text,
			     t->family == AF_INET ? "IPv4" : "IPv6", ctx->opts.family == AF_INET ? "IPv4" : "IPv6");
		return 2;
	}
	return 0;
}

int np_cmd_parse_targets_ports(struct np_cmd_ctx *ctx, unsigned default_port, struct np_target **out,
			       struct np_portset **ports, size_t *n)
{
	size_t k = ctx->n_targets ? ctx->n_targets : 1;
	struct np_target *v = calloc(k, sizeof(*v));
	struct np_portset *ps = ports ? calloc(k, sizeof(*ps)) : NULL;
	int rc = 0;

	if (!v || (ports && !ps)) {
		np_cmd_error(ctx, "out of memory");
		rc = 3;
	}
	for (size_t i = 0; !rc && i < ctx->n_targets; i++)
		rc = parse_one(ctx, ctx->targets[i], default_port, &v[i], ps ? &ps[i] : NULL);
	if (rc) {
		free(v);
		free(ps);
		return rc;
	}
	*out = v;
	if (ports)
		*ports = ps;
	*n = ctx->n_targets;
	return 0;
}

int np_cmd_parse_targets(struct np_cmd_ctx *ctx, unsigned default_port,
			 struct np_target **out, size_t *n)
{
	return np_cmd_parse_targets_ports(ctx, default_port, out, NULL, n);
}

int np_cmd_parse_count(struct np_cmd_ctx *ctx, const char *opt, const char *s, long max, const char *unit,
		       long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		np_cmd_error(ctx, "--%s '%s': not a number %s%sfrom 1 to %ld", opt, s, unit ? unit : "",
			     unit ? " " : "", max);
		return 2;
	}
	*out = v;
	return 0;
}

struct np_rawsend *np_cmd_open_raw(struct np_cmd_ctx *ctx, const char *who, char *why, size_t len)
{
	char errbuf[NP_ERRBUF_SIZE];
	int perm = 0;
	struct np_rawsend *raw = np_rawsend_open(ctx->opts.interface, errbuf, &perm);

	if (raw)
		return raw;
	if (perm)
		snprintf(why, len, "%s sends crafted packets and needs CAP_NET_RAW: run as root, or: "
			 "setcap cap_net_raw+ep %.200s", who, np_cmd_self_path());
	else
		snprintf(why, len, "%s", errbuf);
	return NULL;
}

const char *np_cmd_self_path(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return "$(command -v netprobe)";
	path[n] = '\0';
	return path;
}

FILE *np_cmd_open_output(struct np_cmd_ctx *ctx, const char *opt, const char *path)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdout;
	f = fopen(path, "w");
	if (!f)
		np_cmd_error(ctx, "--%s %s: %s", opt, path, strerror(errno));
	return f;
}

int np_cmd_close_output(struct np_cmd_ctx *ctx, const char *opt, const char *path, FILE *f)
{
	if (!f || f == stdout)
		return 0;
	if (fclose(f) != 0) {
		np_cmd_error(ctx, "--%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Open the capture while privileged. Without CAP_NET_RAW the run goes on
 * from the sockets alone, and says once how to grant it; --pcap without
 * capture cannot be honoured and is an error. */
int np_cmd_open_capture(struct np_cmd_ctx *ctx, struct np_report *report,
			struct np_capture **cap, char *note, size_t note_len)
{
	struct np_capture_params cp = {ctx->pcap_max, ctx->capture_snaplen, ctx->capture_buffer, 0};
	char errbuf[NP_ERRBUF_SIZE];
	size_t probes = ctx->capture_probes ? ctx->capture_probes :
			ctx->n_targets ? 2 * ctx->n_targets : ctx->opts.parallel;
	int perm = 0;

	/* The ring holds what every probe running at once exchanges: a TLS
	 * probe's handshake and request are 13 packets (measured: 3,900 for
	 * 300 endpoints), a DNS query over TCP about 10; each target may have
	 * an address of each family. */
	cp.burst = (probes < ctx->opts.parallel ? probes : ctx->opts.parallel) *
		   (ctx->capture_packets ? ctx->capture_packets : NP_CMD_PACKETS_PER_PROBE);
	*cap = NULL;
	if (ctx->no_capture) {
		snprintf(note, note_len, "packet evidence unavailable: capture turned off (--no-capture)");
		return 0;
	}
	report->capture.attempted = 1;
	if (ctx->pcap_path)
		report->capture.file = strdup(ctx->pcap_path);
	*cap = np_capture_open(&cp, errbuf, &perm);
	if (*cap) {
		report->capture.active = 1;
		return 0;
	}
	report->capture.unavailable = strdup(errbuf);
	if (perm)
		snprintf(note, note_len, "packet evidence unavailable: no packet capture without CAP_NET_RAW "
			 "(run as root, or: setcap cap_net_raw+ep %.200s)", np_cmd_self_path());
	else
		snprintf(note, note_len, "packet evidence unavailable: %s", errbuf);
	if (ctx->pcap_path) {
		np_cmd_error(ctx, "--pcap %s: %s", ctx->pcap_path, note + strlen("packet evidence unavailable: "));
		return 3;
	}
	return 0;
}

void np_cmd_capture_finish(struct np_capture *cap, struct np_report *r, struct np_run *run)
{
	struct np_capture_stats st;
	struct np_finding *f;

	np_capture_drain(cap);
	np_flow_flush(np_capture_flows(cap));
	np_evidence_annotate(np_capture_flows(cap), r);
	if (np_capture_stats(cap, &st) < 0)
		return;
	r->capture.received = st.received;
	r->capture.kernel_dropped = st.dropped;
	r->capture.if_dropped = st.if_dropped;
	r->capture.kept = st.kept;
	r->capture.truncated = st.truncated;
	r->capture.not_kept = st.not_kept;
	r->capture.budget = st.budget;
	r->capture.held_peak = st.held_peak;
	r->capture.snaplen = st.snaplen;
	r->capture.ring_bytes = st.ring_bytes;
	r->capture.ring_slots = st.ring_slots;
	if (st.dropped + st.if_dropped == 0)
		return;
	/* A drop is never silent: it is a finding of its own. */
	f = np_finding_new("capture", "any", "", "capture.dropped");
	if (!f)
		return;
	np_finding_summary(f, "%llu packet%s dropped by the kernel and %llu by the interface, of %llu "
			   "received: evidence may be missing", (unsigned long long)st.dropped,
			   st.dropped == 1 ? "" : "s", (unsigned long long)st.if_dropped,
			   (unsigned long long)st.received);
	np_finding_metric_int(f, "kernel_dropped", (int64_t)st.dropped);
	np_finding_metric_int(f, "interface_dropped", (int64_t)st.if_dropped);
	np_run_finding(run, f);
}

int np_cmd_open_reports(struct np_cmd_ctx *ctx, struct np_cmd_outputs *o)
{
	const char *const paths[] = {ctx->json_path, ctx->junit_path, ctx->html_path};
	const char *const names[] = {"--json", "--junit", "--html"};
	char errbuf[NP_ERRBUF_SIZE];
	int on_stdout = -1;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < 3; i++) {
		if (!paths[i] || strcmp(paths[i], "-") != 0)
			continue;
		if (on_stdout >= 0) {
			np_cmd_error(ctx, "%s and %s cannot both write to stdout", names[on_stdout], names[i]);
			return 2;
		}
		on_stdout = i;
	}
	if (ctx->prom_path && strcmp(ctx->prom_path, "-") == 0) {
		np_cmd_error(ctx, "--prom needs a file name (it is written to FILE.tmp, then renamed)");
		return 2;
	}
	if ((ctx->json_path && !(o->json = np_cmd_open_output(ctx, "json", ctx->json_path))) ||
	    (ctx->junit_path && !(o->junit = np_cmd_open_output(ctx, "junit", ctx->junit_path))) ||
	    (ctx->html_path && !(o->html = np_cmd_open_output(ctx, "html", ctx->html_path))))
		goto fail;
	if (ctx->prom_path) {
		o->prom = np_atomic_open(ctx->prom_path, errbuf, sizeof(errbuf));
		if (!o->prom) {
			np_cmd_error(ctx, "--prom %s: %s", ctx->prom_path, errbuf);
			goto fail;
		}
	}
	return 0;
fail:
	np_cmd_close_reports(o);
	return 2;
}

int np_cmd_reports_on_stdout(const struct np_cmd_outputs *o)
{
	return o->json == stdout || o->junit == stdout || o->html == stdout;
}

void np_cmd_close_reports(struct np_cmd_outputs *o)
{
	FILE *files[] = {o->json, o->junit, o->html};

	for (int i = 0; i < 3; i++)
		if (files[i] && files[i] != stdout)
			fclose(files[i]);
	np_atomic_free(o->prom);
	memset(o, 0, sizeof(*o));
}

/* One writer of the document: 0, or -1 after a line naming the option. */
static int write_one(struct np_cmd_ctx *ctx, const char *opt, const char *path, FILE *f,
		     int (*writer)(const json_t *doc, FILE *out), const json_t *doc)
{
	int err;

	if (!f)
		return 0;
	err = doc ? writer(doc, f) : NP_ENOMEM;
	if (err < 0) {
		np_cmd_error(ctx, "--%s %s: %s", opt, path, err == NP_EIO ? "write failed" : np_strerror(err));
		return -1;
	}
	return 0;
}

int np_cmd_write_doc(struct np_cmd_ctx *ctx, struct np_term *term, const json_t *doc,
		     const struct np_report *report, struct np_cmd_outputs *o)
{
	char errbuf[NP_ERRBUF_SIZE];
	int err = 0;

	if (write_one(ctx, "json", ctx->json_path, o->json, np_report_write_doc, doc) < 0)
		err = -1;
	if (o->junit && (!report || np_report_write_junit(report, o->junit) < 0)) {
		np_cmd_error(ctx, "--junit %s: write failed", ctx->junit_path);
		err = -1;
	}
	if (write_one(ctx, "html", ctx->html_path, o->html, np_report_write_html, doc) < 0)
		err = -1;
	if (o->prom) {
		if (write_one(ctx, "prom", ctx->prom_path, np_atomic_file(o->prom), np_report_write_prom, doc) < 0) {
			err = -1;
		} else if (np_atomic_commit(o->prom, errbuf, sizeof(errbuf)) < 0) {
			np_cmd_error(ctx, "--prom %s: %s", ctx->prom_path, errbuf);
			err = -1;
		}
	}
	/* Each closed whatever the others did. */
	if ((np_cmd_close_output(ctx, "json", ctx->json_path, o->json) < 0) |
	    (np_cmd_close_output(ctx, "junit", ctx->junit_path, o->junit) < 0) |
	    (np_cmd_close_output(ctx, "html", ctx->html_path, o->html) < 0))
		err = -1;
	np_atomic_free(o->prom);
	memset(o, 0, sizeof(*o));
	if (ctx->json_path && strcmp(ctx->json_path, "-") != 0)
		np_term_note(term, "JSON report: %s", ctx->json_path);
	if (ctx->junit_path && strcmp(ctx->junit_path, "-") != 0)
		np_term_note(term, "JUnit report: %s", ctx->junit_path);
	if (ctx->html_path && strcmp(ctx->html_path, "-") != 0)
		np_term_note(term, "HTML report: %s", ctx->html_path);
	if (ctx->prom_path && !err)
		np_term_note(term, "Prometheus metrics: %s", ctx->prom_path);
	return err;
}

int np_cmd_write_reports(struct np_cmd_ctx *ctx, struct np_term *term, const struct np_report *report,
			 struct np_cmd_outputs *o)
{
	/* One document for every format: --html and --prom show exactly
	 * what --json holds. */
	json_t *doc = o->json || o->html || o->prom ? np_report_json(report) : NULL;
	int err = np_cmd_write_doc(ctx, term, doc, report, o);

	json_decref(doc);
	return err;
}

int np_cmd_run(struct np_cmd_ctx *ctx, const char *check,
	       int (*plan)(struct np_cmd_ctx *ctx, struct np_run *run, void *arg), void *arg)
{
	return np_cmd_run_prepared(ctx, check, NULL, plan, arg);
}

int np_cmd_run_prepared(struct np_cmd_ctx *ctx, const char *check,
			int (*prepare)(struct np_cmd_ctx *ctx, void *arg),
			int (*plan)(struct np_cmd_ctx *ctx, struct np_run *run, void *arg), void *arg)
{
	char errbuf[NP_ERRBUF_SIZE], note[NP_ERRBUF_SIZE + 128] = "";
	struct np_loop *loop = NULL;
	struct np_report *report = NULL;
	struct np_run *run = NULL;
	struct np_term *term = NULL;
	struct np_capture *cap = NULL;
	struct np_cmd_outputs outs = {0};
	FILE *pcap = NULL;
	int rc = 3, err;

	/* Open every output first: a bad path is a usage error now, not after
	 * a 300-second wait, and they must be open before privileges go. */
	rc = np_cmd_open_reports(ctx, &outs);
	if (rc)
		goto out;
	rc = 3;
	if (ctx->pcap_path && strcmp(ctx->pcap_path, "-") == 0) {
		np_cmd_error(ctx, "--pcap needs a file name");
		rc = 2;
		goto out;
	}
	if (ctx->pcap_path && !(pcap = np_cmd_open_output(ctx, "pcap", ctx->pcap_path))) {
		rc = 2;
		goto out;
	}
	/* With the report on stdout, stdout carries nothing else. */
	term = np_term_new(np_cmd_reports_on_stdout(&outs) ? stderr : stdout, ctx->quiet, ctx->no_color);
	report = np_report_new(check);
	if (!term || !report) {
		np_cmd_error(ctx, "out of memory");
		goto out;
	}
	rc = np_cmd_open_capture(ctx, report, &cap, note, sizeof(note));
	if (rc)
		goto out;
	/* Frame comments are for the saved capture alone (10,000 DNS names
	 * make 20,000 of them). */
	if (cap && !ctx->pcap_path)
		np_flow_set_comments(np_capture_flows(cap), 0);
	/* The check's own privileged step (raw sockets), before they go. */
	if (prepare) {
		rc = prepare(ctx, arg);
		if (rc)
			goto out;
	}
	if (cap && ctx->capture_filter && np_capture_set_filter(cap, ctx->capture_filter) < 0) {
		np_cmd_error(ctx, "out of memory");
		rc = 3;
		goto out;
	}
	rc = 3;
	/* --prom is renamed into place at the end, as the user: as root, a
	 * helper keeps the right to. */
	if (np_atomic_keep_rename(outs.prom, errbuf, sizeof(errbuf)) < 0) {
		np_cmd_error(ctx, "--prom %s: %s", ctx->prom_path, errbuf);
		goto out;
	}
	/* Everything privileged is open: drop to the user (as root) or clear
	 * the file capabilities, and prove it. */
	if (np_priv_drop(ctx->user, errbuf) < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	loop = np_loop_new(errbuf);
	if (!loop) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	if (cap && np_capture_start(cap, loop, errbuf) < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	run = np_run_new(loop, &ctx->opts, report, errbuf);
	if (!run) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	np_run_set_capture(run, cap, note);
	if (!cap && note[0] && !ctx->no_capture && !ctx->quiet)
		np_term_note(term, "netprobe: %s; %s", note + strlen("packet evidence unavailable: "),
			     ctx->capture_required ? "this check cannot run without it." :
			     "verdicts come from the sockets alone.");
	/* Thousands of targets: their findings and evidence are megabytes of
	 * heap, taken in huge pages (heap.h). */
	if (ctx->n_targets >= NP_CMD_HUGE_TARGETS)
		np_heap_reserve(ctx->n_targets * NP_CMD_HEAP_PER_TARGET);
	rc = plan(ctx, run, arg);
	if (rc)
		goto out;
	np_term_attach(term, run);
	err = np_run_execute(run);
	np_term_detach(term);
	if (err < 0) {
		np_cmd_error(ctx, "event loop failed: %s", strerror(errno));
		rc = 3;
		goto out;
	}
	if (cap)
		np_cmd_capture_finish(cap, report, run);
	rc = np_report_exit_status(report);
	np_term_summary(term, report);
	if (pcap) {
		err = np_capture_save(cap, pcap, errbuf);
		pcap = NULL;   /* closed by the writer, also on failure */
		if (err < 0) {
			np_cmd_error(ctx, "--pcap %s: %s", ctx->pcap_path, errbuf);
			rc = 3;
		}
	}
	if (ctx->pcap_path)
		np_term_note(term, "Capture (pcapng): %s", ctx->pcap_path);
	if (np_cmd_write_reports(ctx, term, report, &outs) < 0)
		rc = 3;
out:
	np_cmd_close_reports(&outs);
	if (pcap)
		fclose(pcap);
	np_run_free(run);
	np_capture_free(cap);
	np_report_free(report);
	np_loop_free(loop);
	np_term_free(term);
	return rc;
}
