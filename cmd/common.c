#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd.h"
#include "term.h"
#include "../netprobe/capture.h"
#include "../netprobe/loop.h"
#include "../netprobe/privdrop.h"
#include "../netprobe/rawsend.h"
#include "../netprobe/redact.h"

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
static int open_capture(struct np_cmd_ctx *ctx, struct np_report *report,
			struct np_capture **cap, char *note, size_t note_len)
{
	struct np_capture_params cp = {ctx->pcap_max, ctx->capture_snaplen, ctx->capture_buffer};
	char errbuf[NP_ERRBUF_SIZE];
	int perm = 0;

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

static void capture_finish(struct np_capture *cap, struct np_report *r, struct np_run *run)
{
	struct np_capture_stats st;
	struct np_finding *f;

	np_capture_drain(cap);
	if (np_capture_stats(cap, &st) < 0)
		return;
	r->capture.received = st.received;
	r->capture.kernel_dropped = st.dropped;
	r->capture.if_dropped = st.if_dropped;
	r->capture.kept = st.kept;
	r->capture.truncated = st.truncated;
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

int np_cmd_write_reports(struct np_cmd_ctx *ctx, struct np_term *term, const struct np_report *report,
			 FILE *json, FILE *junit)
{
	int err = 0;

	if (json && np_report_write_json(report, json) < 0) {
		np_cmd_error(ctx, "--json %s: write failed", ctx->json_path);
		err = -1;
	}
	if (junit && np_report_write_junit(report, junit) < 0) {
		np_cmd_error(ctx, "--junit %s: write failed", ctx->junit_path);
		err = -1;
	}
	if (np_cmd_close_output(ctx, "json", ctx->json_path, json) < 0 ||
	    np_cmd_close_output(ctx, "junit", ctx->junit_path, junit) < 0)
		err = -1;
	if (ctx->json_path && strcmp(ctx->json_path, "-") != 0)
		np_term_note(term, "JSON report: %s", ctx->json_path);
	if (ctx->junit_path && strcmp(ctx->junit_path, "-") != 0)
		np_term_note(term, "JUnit report: %s", ctx->junit_path);
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
	FILE *json = NULL, *junit = NULL, *pcap = NULL;
	int rc = 3, err;

	if (ctx->json_path && ctx->junit_path && strcmp(ctx->json_path, "-") == 0 &&
	    strcmp(ctx->junit_path, "-") == 0) {
		np_cmd_error(ctx, "--json and --junit cannot both write to stdout");
		return 2;
	}
	/* Open every output first: a bad path is a usage error now, not after
	 * a 300-second wait, and they must be open before privileges go. */
	if (ctx->json_path && !(json = np_cmd_open_output(ctx, "json", ctx->json_path))) {
		rc = 2;
		goto out;
	}
	if (ctx->junit_path && !(junit = np_cmd_open_output(ctx, "junit", ctx->junit_path))) {
		rc = 2;
		goto out;
	}
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
	term = np_term_new(json == stdout || junit == stdout ? stderr : stdout, ctx->quiet,
			   ctx->no_color);
	report = np_report_new(check);
	if (!term || !report) {
		np_cmd_error(ctx, "out of memory");
		goto out;
	}
	rc = open_capture(ctx, report, &cap, note, sizeof(note));
	if (rc)
		goto out;
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
		capture_finish(cap, report, run);
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
	if (np_cmd_write_reports(ctx, term, report, json, junit) < 0)
		rc = 3;
	json = junit = NULL;
out:
	if (json && json != stdout)
		fclose(json);
	if (junit && junit != stdout)
		fclose(junit);
	if (pcap)
		fclose(pcap);
	np_run_free(run);
	np_capture_free(cap);
	np_report_free(report);
	np_loop_free(loop);
	np_term_free(term);
	return rc;
}
