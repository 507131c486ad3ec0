/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "term.h"
#include "../netprobe/explain.h"

enum { OPT_MIN_IDLE = 0x300, OPT_CONNECTIONS };

#define JSON_BUFFER (1 << 20)

static const struct np_cmd_opt explain_opts[] = {
	{"min-idle", required_argument, OPT_MIN_IDLE, "SECONDS",
	 "a silence at least this long is an idle gap (default 30): it names ends idle.*, "
	 "never hides them"},
	{"connections", no_argument, OPT_CONNECTIONS, NULL,
	 "list every connection (endpoints, first/last frame, longest silence, bytes each way, "
	 "how it ended), also as the JSON's connections array"},
	{0},
};

/* The filter words joined as tcpdump joins them. */
static char *join_filter(const struct np_cmd_ctx *ctx)
{
	size_t len = 1;
	char *s;

	for (size_t i = 1; i < ctx->n_targets; i++)
		len += strlen(ctx->targets[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (size_t i = 1; i < ctx->n_targets; i++) {
		if (i > 1)
			strcat(s, " ");
		strcat(s, ctx->targets[i]);
	}
	return s;
}

static int parse_opts(struct np_cmd_ctx *ctx, struct np_explain_opts *o)
{
	for (size_t i = 0; i < ctx->n_args; i++) {
		const char *a = ctx->args[i].arg;
		char *end;
		double v;

		if (ctx->args[i].val == OPT_CONNECTIONS)
			o->connections = 1;
		if (ctx->args[i].val != OPT_MIN_IDLE)
			continue;
		errno = 0;
		v = strtod(a, &end);
		if (errno || end == a || *end || !isfinite(v) || v <= 0 || v > 86400 * 7) {
			np_cmd_error(ctx, "--min-idle '%s': not a number of seconds (0 < S <= 604800)", a);
			return 2;
		}
		o->min_idle_s = v;
	}
	if (ctx->pcap_path || ctx->no_capture) {
		np_cmd_error(ctx, "%s: explain reads a capture, it does not make one",
			     ctx->pcap_path ? "--pcap" : "--no-capture");
		return 2;
	}
	return 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

static double jreal(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static long long jint(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* The connection table, one line a connection, columns as wide as their
 * widest cell. */
static void print_connections(FILE *out, const struct np_report *r)
{
	const json_t *a = r->connections, *c;
	int wc = (int)strlen("CLIENT"), ws = (int)strlen("SERVER");
	size_t i;

	if (!a)
		return;
	json_array_foreach(a, i, c) {
		int lc = (int)strlen(jstr(c, "client")), ls = (int)strlen(jstr(c, "server"));

		wc = lc > wc ? lc : wc;
		ws = ls > ws ? ls : ws;
	}
	fprintf(out, "\n%-*s  %-*s  %17s  %17s  %9s  %11s  %11s  %s\n", wc, "CLIENT", ws, "SERVER",
		"FIRST frame@s", "LAST frame@s", "SILENCE", "BYTES C>S", "BYTES S>C", "ENDED");
	json_array_foreach(a, i, c) {
		const json_t *f = json_object_get(c, "first"), *l = json_object_get(c, "last");
		const char *by = jstr(c, "ended_by");
		char first[32], last[32], ended[48];

		snprintf(first, sizeof(first), "%lld@%.3f", jint(f, "frame"), jreal(f, "since_start_s"));
		snprintf(last, sizeof(last), "%lld@%.3f", jint(l, "frame"), jreal(l, "since_start_s"));
		if (strcmp(jstr(c, "ended"), "reset_by_path") == 0)
			snprintf(ended, sizeof(ended), "reset by the path");
		else if (by[0])
			snprintf(ended, sizeof(ended), "%s (%s)", jstr(c, "ended"), by);
		else
			snprintf(ended, sizeof(ended), "%s", strcmp(jstr(c, "ended"), "open") == 0 ?
				 "open at end of capture" : jstr(c, "ended"));
		fprintf(out, "%-*s  %-*s  %17s  %17s  %8.1fs  %11lld  %11lld  %s\n", wc, jstr(c, "client"),
			ws, jstr(c, "server"), first, last, jreal(c, "longest_silence_s"),
			jint(c, "bytes_client_to_server"), jint(c, "bytes_server_to_client"), ended);
	}
	if (r->connections_unlisted)
		fprintf(out, "(%llu more connections not listed: at most %d are)\n",
			(unsigned long long)r->connections_unlisted, NP_EXPLAIN_MAX_CONNECTIONS);
}

static int explain_exec(struct np_cmd_ctx *ctx)
{
	struct np_explain_opts o = {0};
	struct np_explain_stats st;
	struct np_explain *e = NULL;
	struct np_report *report = NULL;
	struct np_term *term = NULL;
	struct np_cmd_outputs outs = {0};
	char errbuf[NP_ERRBUF_SIZE], *filter = NULL, *jsonbuf = NULL;
	int rc, err;

	rc = parse_opts(ctx, &o);
	if (rc)
		return rc;
	rc = 3;
	filter = join_filter(ctx);
	if (!filter) {
		np_cmd_error(ctx, "out of memory");
		goto out;
	}
	o.filter = filter;
	/* The file and the filter first: either wrong is a usage error. */
	err = np_explain_open(ctx->targets[0], &o, &e, errbuf);
	if (err < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		rc = err == NP_EINVAL ? 2 : 3;
		goto out;
	}
	if (np_cmd_open_reports(ctx, &outs)) {
		rc = 2;
		goto out;
	}
	/* A report of thousands of findings is written in small pieces. */
	jsonbuf = outs.json && outs.json != stdout ? malloc(JSON_BUFFER) : NULL;
	if (jsonbuf)
		setvbuf(outs.json, jsonbuf, _IOFBF, JSON_BUFFER);
	term = np_term_new(np_cmd_reports_on_stdout(&outs) ? stderr : stdout, ctx->quiet, ctx->no_color);
	report = np_report_new("explain");
	if (!term || !report) {
		np_cmd_error(ctx, "out of memory");
		goto out;
	}
	err = np_explain_run(e, report);
	if (err < 0) {
		np_cmd_error(ctx, "%s: %s", ctx->targets[0], np_strerror(err));
		goto out;
	}
	np_report_finish(report);
	np_explain_get_stats(e, &st);
	rc = np_report_exit_status(report);
	if (!ctx->quiet)
		np_term_note(term, "%s: %llu frame%s%s%s%s, %llu TCP connection%s, %llu with findings",
			     ctx->targets[0], (unsigned long long)st.frames, st.frames == 1 ? "" : "s",
			     filter[0] ? " (filter '" : "", filter, filter[0] ? "')" : "",
			     (unsigned long long)st.flows, st.flows == 1 ? "" : "s",
			     (unsigned long long)st.problems);
	if (o.connections)
		print_connections(np_cmd_reports_on_stdout(&outs) ? stderr : stdout, report);
	np_term_summary(term, report);
	if (np_cmd_write_reports(ctx, term, report, &outs) < 0)
		rc = 3;
out:
	np_cmd_close_reports(&outs);
	np_explain_free(e);
	np_report_free(report);
	np_term_free(term);
	free(filter);
	free(jsonbuf);      /* after the stream that used it is closed */
	return rc;
}

const struct np_cmd_entry np_cmd_explain_entry = {
	.name = "explain",
	.usage = "[OPTIONS] FILE [BPF FILTER...]",
	.summary = "read a capture (pcap/pcapng): connections that died and who killed them, failed handshakes",
	.help =
	"FILE is a capture taken with tcpdump, Wireshark or netprobe --pcap (pcap or pcapng;\n"
	"Ethernet, Linux cooked or raw IP). The words after it form a BPF filter, as for\n"
	"tcpdump. Every TCP connection in it is rebuilt, and those that went wrong are\n"
	"named with the probes' verdicts, with frame numbers of FILE as evidence:\n"
	"\n"
	"  idle.reset_by_path   reset after an idle gap, TTL not the far end's: a middlebox\n"
	"  idle.reset_by_peer   reset after an idle gap by the far end itself\n"
	"  idle.reset           reset after an idle gap, origin undecidable\n"
	"  idle.closed_by_peer  FIN after an idle gap: an end's own idle limit\n"
	"  idle.dropped         data after an idle gap retransmitted, never acknowledged\n"
	"  tcp.reset_by_path    any other reset whose TTL is not its claimed end's: an IPS,\n"
	"                       or a firewall that forgot the connection in a shorter silence\n"
	"  tcp.reset_by_peer    an end's own reset with data in flight (tcp.reset: origin unknown)\n"
	"  tcp.retransmit_timeout  data retransmitted, never acknowledged, until the end\n"
	"  tcp.filtered, tcp.refused, tcp.rejected, tcp.unreachable   failed handshakes\n"
	"  tls.alert            a TLS alert ended the connection: which, from which side, when\n"
	"  explain.one_sided    connections captured in one direction only: not judged\n"
	"  explain.clean        none of these (how many connections were read)\n"
	"  explain.partial      the file was not read whole (what was wrong, and where)\n"
	"\n"
	"An idle gap is a silence of --min-idle seconds or more with nothing outstanding\n"
	"(no data, SYN or FIN unacknowledged) and not ended by a retransmission.\n"
	"Which end is the client: the one that sent the SYN; without one in the capture the\n"
	"higher port (metrics.client_known is 0). Memory stays bounded on large files.\n"
	"--connections lists every connection, failed or not (at most 20000; the JSON's\n"
	"connections array: endpoints, first/last frame and time, longest silence, bytes\n"
	"each way, ended: fin, half_closed, reset (by client/server), reset_by_path,\n"
	"timeout, refused, icmp or open at the end of the capture).\n"
	"\n"
	"Example:\n"
	"  tcpdump -i eth0 -w sync.pcap 'tcp port 443'\n"
	"  netprobe explain sync.pcap --min-idle 60 host 198.51.100.7 --json report.json",
	.opts = explain_opts,
	.min_targets = 1,
	.max_targets = -1,
	.exec = explain_exec,
};
