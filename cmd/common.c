#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "term.h"
#include "../netprobe/loop.h"
#include "../netprobe/redact.h"

int np_cmd_parse_targets(struct np_cmd_ctx *ctx, unsigned default_port,
			 struct np_target **out, size_t *n)
{
	struct np_target *v = calloc(ctx->n_targets ? ctx->n_targets : 1, sizeof(*v));
	char errbuf[NP_ERRBUF_SIZE];

	if (!v) {
		np_cmd_error(ctx, "out of memory");
		return 3;
	}
	for (size_t i = 0; i < ctx->n_targets; i++) {
		if (np_target_parse(ctx->targets[i], (uint16_t)default_port, &v[i], errbuf) < 0) {
			char *shown = np_redact_url(ctx->targets[i]);

			np_cmd_error(ctx, "target '%s': %s", shown ? shown : "?", errbuf);
			free(shown);
			free(v);
			return 2;
		}
		if (v[i].family != AF_UNSPEC && ctx->opts.family != AF_UNSPEC &&
		    v[i].family != ctx->opts.family) {
			np_cmd_error(ctx, "target '%s' is an %s address, but only %s was asked for",
				     ctx->targets[i], v[i].family == AF_INET ? "IPv4" : "IPv6",
				     ctx->opts.family == AF_INET ? "IPv4" : "IPv6");
			free(v);
			return 2;
		}
	}
	*out = v;
	*n = ctx->n_targets;
	return 0;
}

static FILE *open_output(struct np_cmd_ctx *ctx, const char *opt, const char *path)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdout;
	f = fopen(path, "w");
	if (!f)
		np_cmd_error(ctx, "--%s %s: %s", opt, path, strerror(errno));
	return f;
}

static int close_output(struct np_cmd_ctx *ctx, const char *opt, const char *path, FILE *f)
{
	if (!f || f == stdout)
		return 0;
	if (fclose(f) != 0) {
		np_cmd_error(ctx, "--%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	return 0;
}

int np_cmd_run(struct np_cmd_ctx *ctx, const char *check,
	       int (*plan)(struct np_cmd_ctx *ctx, struct np_run *run, void *arg), void *arg)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_loop *loop = NULL;
	struct np_report *report = NULL;
	struct np_run *run = NULL;
	struct np_term *term = NULL;
	FILE *json = NULL, *junit = NULL;
	int rc = 3;

	if (ctx->json_path && ctx->junit_path && strcmp(ctx->json_path, "-") == 0 &&
	    strcmp(ctx->junit_path, "-") == 0) {
		np_cmd_error(ctx, "--json and --junit cannot both write to stdout");
		return 2;
	}
	/* Open outputs first: a bad path is a usage error now, not after a
	 * 300-second wait. */
	if (ctx->json_path && !(json = open_output(ctx, "json", ctx->json_path))) {
		rc = 2;
		goto out;
	}
	if (ctx->junit_path && !(junit = open_output(ctx, "junit", ctx->junit_path))) {
		rc = 2;
		goto out;
	}
	/* With the report on stdout, stdout carries nothing else. */
	term = np_term_new(json == stdout || junit == stdout ? stderr : stdout, ctx->quiet,
			   ctx->no_color);
	loop = np_loop_new(errbuf);
	report = np_report_new(check);
	if (!term || !loop || !report) {
		np_cmd_error(ctx, "%s", loop ? "out of memory" : errbuf);
		goto out;
	}
	run = np_run_new(loop, &ctx->opts, report, errbuf);
	if (!run) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	rc = plan(ctx, run, arg);
	if (rc)
		goto out;
	np_term_attach(term, run);
	if (np_run_execute(run) < 0) {
		np_term_detach(term);
		np_cmd_error(ctx, "event loop failed: %s", strerror(errno));
		rc = 3;
		goto out;
	}
	np_term_detach(term);
	rc = np_report_exit_status(report);
	np_term_summary(term, report);
	if (json && np_report_write_json(report, json) < 0) {
		np_cmd_error(ctx, "--json %s: write failed", ctx->json_path);
		rc = 3;
	}
	if (junit && np_report_write_junit(report, junit) < 0) {
		np_cmd_error(ctx, "--junit %s: write failed", ctx->junit_path);
		rc = 3;
	}
	if (close_output(ctx, "json", ctx->json_path, json) < 0 ||
	    close_output(ctx, "junit", ctx->junit_path, junit) < 0)
		rc = 3;
	json = junit = NULL;
	if (ctx->json_path && strcmp(ctx->json_path, "-") != 0)
		np_term_note(term, "JSON report: %s", ctx->json_path);
	if (ctx->junit_path && strcmp(ctx->junit_path, "-") != 0)
		np_term_note(term, "JUnit report: %s", ctx->junit_path);
out:
	if (json && json != stdout)
		fclose(json);
	if (junit && junit != stdout)
		fclose(junit);
	np_run_free(run);
	np_report_free(report);
	np_loop_free(loop);
	np_term_free(term);
	return rc;
}
