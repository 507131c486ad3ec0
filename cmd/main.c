/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ares.h>
#include <jansson.h>

#include "cmd.h"
#include "../netprobe/addr.h"
#include "../netprobe/libversion.h"
#include "../netprobe/verdict.h"
#include "../tls/tls.h"

#ifndef NP_VERSION
#define NP_VERSION "unknown"
#endif

/* The command table: one entry per subcommand, each in its own file. The
 * help, the man page and the bash completion (doc.c) all read it. */
const struct np_cmd_entry *const np_cmd_table[] = {
	&np_cmd_run_entry,
	&np_cmd_watch_entry,
	&np_cmd_tcp_entry,
	&np_cmd_dns_entry,
	&np_cmd_tls_entry,
	&np_cmd_idle_entry,
	&np_cmd_family_entry,
	&np_cmd_explain_entry,
	&np_cmd_trace_entry,
	&np_cmd_nat_entry,
	&np_cmd_responder_entry,
	&np_cmd_merge_entry,
	NULL,
};

enum {
	OPT_JSON = 0x100, OPT_JUNIT, OPT_TIMEOUT, OPT_DEADLINE, OPT_PARALLEL,
	OPT_SOURCE, OPT_INTERFACE, OPT_TARGETS_FILE, OPT_NO_COLOR,
	OPT_PCAP, OPT_PCAP_MAX, OPT_NO_CAPTURE, OPT_USER, OPT_HTML, OPT_PROM,
};

/* Options every check shares, parsed here and nowhere else. */
const struct np_cmd_opt np_cmd_common_opts[] = {
	{"json", required_argument, OPT_JSON, "FILE|-", "write the JSON report to FILE (- : stdout, human output then goes to stderr)"},
	{"junit", required_argument, OPT_JUNIT, "FILE", "write a JUnit XML report to FILE"},
	{"html", required_argument, OPT_HTML, "FILE|-", "write a self-contained HTML sign-off report to FILE"},
	{"prom", required_argument, OPT_PROM, "FILE", "write Prometheus textfile metrics to FILE (via FILE.tmp, renamed)"},
	{"pcap", required_argument, OPT_PCAP, "FILE", "save every probe packet as pcapng, evidence frames commented"},
	{"pcap-max", required_argument, OPT_PCAP_MAX, "MB", "packet bytes held for --pcap (default 256); beyond it headers only"},
	{"no-capture", no_argument, OPT_NO_CAPTURE, NULL, "no packet capture: verdicts from the sockets alone"},
	{"user", required_argument, OPT_USER, "NAME", "as root, run as this user once capture is open (default nobody)"},
	{"timeout", required_argument, OPT_TIMEOUT, "SECONDS", "per-probe timeout (default 5)"},
	{"deadline", required_argument, OPT_DEADLINE, "SECONDS", "deadline for the whole run (default none)"},
	{"parallel", required_argument, OPT_PARALLEL, "N", "probes running at once (default 256)"},
	{"ipv4", no_argument, '4', NULL, "IPv4 only (-4)"},
	{"ipv6", no_argument, '6', NULL, "IPv6 only (-6)"},
	{"source", required_argument, OPT_SOURCE, "ADDR", "send from this local address"},
	{"interface", required_argument, OPT_INTERFACE, "IF", "send through this interface"},
	{"targets-file", required_argument, OPT_TARGETS_FILE, "FILE", "read targets, one per line (# comments; - : stdin)"},
	{"quiet", no_argument, 'q', NULL, "print only problems and the closing counts (-q)"},
	{"no-color", no_argument, OPT_NO_COLOR, NULL, "no colour (also when NO_COLOR is set or not a terminal)"},
	{"help", no_argument, 'h', NULL, "this help (-h)"},
	{0},
};

#define MAX_LONGOPTS 64

void np_cmd_error(const struct np_cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "netprobe%s%s: ", ctx && ctx->entry ? " " : "",
		ctx && ctx->entry ? ctx->entry->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage_line(FILE *out, const struct np_cmd_entry *e)
{
	fprintf(out, "usage: netprobe %s %s\n", e->name, e->usage);
}

static void print_opts(FILE *out, const struct np_cmd_opt *o)
{
	for (; o && o->name; o++) {
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg_name ? " " : "",
			 o->arg_name ? o->arg_name : "");
		fprintf(out, "  %-26s %s\n", left, o->help);
	}
}

static void command_help(FILE *out, const struct np_cmd_entry *e)
{
	usage_line(out, e);
	fprintf(out, "\n%s\n\n%s\n", e->summary, e->help);
	if (e->opts && e->opts->name) {
		fprintf(out, "\nOptions of %s:\n", e->name);
		print_opts(out, e->opts);
	}
	fprintf(out, "\nCommon options:\n");
	print_opts(out, np_cmd_common_opts);
}

const char np_cmd_about[] =
	"netprobe tells whether a network path is fit for a long-lived, TLS-protected\n"
	"service, and when it is not, where and how it breaks.";

const struct np_cmd_exit np_cmd_exits[] = {
	{"0", "every finding passed (warnings and skips allowed)"},
	{"1", "at least one finding failed"},
	{"2", "usage or input error: one line on stderr names it"},
	{"3", "nothing failed, but a check could not run (error findings), or an internal error"},
	{"130, 143", "interrupted by SIGINT / SIGTERM, after writing the reports with what was known"},
	{0},
};

static void general_help(FILE *out)
{
	fprintf(out, "usage: netprobe COMMAND [OPTIONS] [TARGETS]\n\n%s\n\nCommands:\n", np_cmd_about);
	for (size_t i = 0; np_cmd_table[i]; i++)
		fprintf(out, "  %-10s %s\n", np_cmd_table[i]->name, np_cmd_table[i]->summary);
	fprintf(out, "  %-10s %s\n", "help", "help [COMMAND|VERDICT]: this text, a command's, or what a verdict code means");
	fprintf(out, "\nExit status:\n");
	for (const struct np_cmd_exit *x = np_cmd_exits; x->status; x++)
		fprintf(out, "  %-10s %s\n", x->status, x->meaning);
	fprintf(out, "\nRun 'netprobe help COMMAND' for a command's options; 'man netprobe' for all.\n");
}

/* `netprobe help tls.intercepted`: a code read in a report, explained
 * from the one registry (verdict.c). */
static void verdict_help(FILE *out, const struct np_verdict *v)
{
	fprintf(out, "%s (%s): %s\n", v->code, np_status_name(v->status), v->meaning);
	if (v->advice[0])
		fprintf(out, "\n%s\n", v->advice);
}

/* The libraries as loaded now, not as built against: after an upgrade of
 * one of them this is what a bug report needs. */
static void version(void)
{
	struct np_libversion v[16];
	size_t n = np_libversion_list(v, sizeof(v) / sizeof(v[0]));

	printf("netprobe %s\n", NP_VERSION);
	for (size_t i = 0; i < n; i++) {
		printf("%-12s %s", v[i].name, v[i].version[0] ? v[i].version : "unknown");
		if (v[i].runtime)
			printf(" (run time%s%s%s)", v[i].detail[0] ? ": \"" : "", v[i].detail,
			       v[i].detail[0] ? "\"" : "");
		else
			printf(" (headers built with; the library has no run-time version call)");
		if (v[i].loaded[0])
			printf(" %s", v[i].loaded);
		putchar('\n');
	}
}

static const struct np_cmd_entry *find_command(const char *name)
{
	for (size_t i = 0; np_cmd_table[i]; i++)
		if (strcmp(np_cmd_table[i]->name, name) == 0)
			return np_cmd_table[i];
	return NULL;
}

static int parse_seconds(struct np_cmd_ctx *ctx, const char *opt, const char *s, int64_t *out_us)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 86400 * 7) {
		np_cmd_error(ctx, "--%s '%s': not a number of seconds (0 < S <= 604800)", opt, s);
		return 2;
	}
	*out_us = (int64_t)(v * 1e6);
	return 0;
}

static int add_target(struct np_cmd_ctx *ctx, const char *t)
{
	char **v = ctx->targets;

	if (ctx->n_targets == ctx->cap_targets) {
		size_t cap = ctx->cap_targets ? 2 * ctx->cap_targets : 16;

		v = realloc(ctx->targets, cap * sizeof(*v));
		if (!v)
			return -1;
		ctx->targets = v;
		ctx->cap_targets = cap;
	}
	v[ctx->n_targets] = strdup(t);
	if (!v[ctx->n_targets])
		return -1;
	ctx->n_targets++;
	return 0;
}

#define TARGET_LINE_MAX 4096
/* A rule matrix of a million destinations is well under this; /dev/zero
 * or a disk image given by mistake must end in an error, not a spin. */
#define TARGETS_FILE_MAX ((long long)64 << 20)

/* Reads one line (without its '\n') into line; returns its length, -1 at
 * the end of the file, -2 for a NUL byte, -3 for a line too long.
 * *total counts every byte read. */
static int read_target_line(FILE *f, char *line, long long *total)
{
	int c, len = 0, got = 0;

	while ((c = getc_unlocked(f)) != EOF) {   /* one reader: no lock per byte */
		got = 1;
		(*total)++;
		if (c == '\n')
			break;
		if (c == '\0')
			return -2;
		if (len >= TARGET_LINE_MAX)
			return -3;
		line[len++] = (char)c;
		if (*total > TARGETS_FILE_MAX)
			return -4;
	}
	line[len] = '\0';
	return got ? len : -1;
}

/* One target per line; '#' starts a comment; blank lines ignored. A
 * targets file is text: a NUL byte, an overlong line or a file past
 * TARGETS_FILE_MAX is an error naming file:line. */
static int read_targets_file(struct np_cmd_ctx *ctx, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	char line[TARGET_LINE_MAX + 1];
	long long total = 0;
	unsigned lineno = 0;
	int rc = 0, len;

	if (!f) {
		np_cmd_error(ctx, "--targets-file %s: %s", path, strerror(errno));
		return 2;
	}
	for (;;) {
		char *p = line, *end, *hash;

		len = read_target_line(f, line, &total);
		if (len == -1)
			break;
		lineno++;
		if (len == -2) {
			np_cmd_error(ctx, "%s:%u: NUL byte: a targets file is text, one target per line",
				     name, lineno);
			rc = 2;
			goto out;
		}
		if (len == -3) {
			np_cmd_error(ctx, "%s:%u: line longer than %d bytes", name, lineno, TARGET_LINE_MAX);
			rc = 2;
			goto out;
		}
		if (len == -4) {
			np_cmd_error(ctx, "%s:%u: file larger than %lld MiB: not a targets file", name,
				     lineno, TARGETS_FILE_MAX >> 20);
			rc = 2;
			goto out;
		}
		hash = strchr(p, '#');
		if (hash)
			*hash = '\0';
		p += strspn(p, " \t\r");
		end = p + strcspn(p, " \t\r");
		if (p == end)
			continue;
		if (end[strspn(end, " \t\r")] != '\0') {
			np_cmd_error(ctx, "%s:%u: one target per line", name, lineno);
			rc = 2;
			goto out;
		}
		*end = '\0';
		if (add_target(ctx, p) < 0) {
			np_cmd_error(ctx, "out of memory");
			rc = 3;
			goto out;
		}
	}
	if (ferror(f)) {
		np_cmd_error(ctx, "--targets-file %s: read error", path);
		rc = 2;
	}
out:
	if (f != stdin)
		fclose(f);
	return rc;
}

/* A source address must belong to this host: try to bind it now rather
 * than fail every probe later. */
static int set_source(struct np_cmd_ctx *ctx, const char *s)
{
	struct sockaddr_storage *ss = &ctx->opts.source;
	int fd;

	if (np_addr_parse(s, ss) < 0) {
		np_cmd_error(ctx, "--source '%s': not an IPv4 or IPv6 address", s);
		return 2;
	}
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)ss, np_addr_len((struct sockaddr *)ss)) < 0) {
		np_cmd_error(ctx, "--source %s: cannot send from it: %s", s, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	close(fd);
	ctx->opts.has_source = 1;
	return 0;
}

static int build_longopts(const struct np_cmd_entry *e, struct option *lo)
{
	size_t n = 0;
	const struct np_cmd_opt *sets[2] = {np_cmd_common_opts, e->opts};

	for (int s = 0; s < 2; s++)
		for (const struct np_cmd_opt *o = sets[s]; o && o->name; o++) {
			if (n + 1 >= MAX_LONGOPTS)
				return -1;
			lo[n].name = o->name;
			lo[n].has_arg = o->has_arg;
			lo[n].flag = NULL;
			lo[n].val = o->val;
			n++;
		}
	memset(&lo[n], 0, sizeof(lo[n]));
	return 0;
}

static int is_command_opt(const struct np_cmd_entry *e, int val)
{
	for (const struct np_cmd_opt *o = e->opts; o && o->name; o++)
		if (o->val == val)
			return 1;
	return 0;
}

static int parse_args(struct np_cmd_ctx *ctx, int argc, char **argv)
{
	const struct np_cmd_entry *e = ctx->entry;
	struct option lo[MAX_LONGOPTS];
	const char *targets_file = NULL;
	int family_flags = 0, c, rc;

	if (build_longopts(e, lo) < 0)
		return 3;
	opterr = 0;
	optind = 1;
	/* ':' first: a missing argument is reported as ':', not '?'. */
	while ((c = getopt_long(argc, argv, ":46qh", lo, NULL)) != -1) {
		const char *opt = argv[optind - 1];

		switch (c) {
		case OPT_JSON: ctx->json_path = optarg; break;
		case OPT_JUNIT: ctx->junit_path = optarg; break;
		case OPT_HTML: ctx->html_path = optarg; break;
		case OPT_PROM: ctx->prom_path = optarg; break;
		case OPT_PCAP: ctx->pcap_path = optarg; break;
		case OPT_NO_CAPTURE: ctx->no_capture = 1; break;
		case OPT_USER: ctx->user = optarg; break;
		case OPT_PCAP_MAX: {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 65536) {
				np_cmd_error(ctx, "--pcap-max '%s': not a number of megabytes from 1 to 65536", optarg);
				return 2;
			}
			ctx->pcap_max = (size_t)v << 20;
			break;
		}
		case OPT_TIMEOUT:
			rc = parse_seconds(ctx, "timeout", optarg, &ctx->opts.timeout_us);
			if (rc)
				return rc;
			break;
		case OPT_DEADLINE:
			rc = parse_seconds(ctx, "deadline", optarg, &ctx->opts.deadline_us);
			if (rc)
				return rc;
			break;
		case OPT_PARALLEL: {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 65536) {
				np_cmd_error(ctx, "--parallel '%s': not a number from 1 to 65536", optarg);
				return 2;
			}
			ctx->opts.parallel = (unsigned)v;
			break;
		}
		case '4': family_flags |= 1; break;
		case '6': family_flags |= 2; break;
		case OPT_SOURCE:
			rc = set_source(ctx, optarg);
			if (rc)
				return rc;
			break;
		case OPT_INTERFACE:
			if (strlen(optarg) >= sizeof(ctx->opts.interface)) {
				np_cmd_error(ctx, "--interface '%s': name too long", optarg);
				return 2;
			}
			snprintf(ctx->opts.interface, sizeof(ctx->opts.interface), "%s", optarg);
			break;
		case OPT_TARGETS_FILE: targets_file = optarg; break;
		case 'q': ctx->quiet = 1; break;
		case OPT_NO_COLOR: ctx->no_color = 1; break;
		case 'h':
			command_help(stdout, e);
			return -1;
		case ':':
			np_cmd_error(ctx, "option '%s' needs an argument", opt);
			usage_line(stderr, e);
			return 2;
		case '?':
			if (strncmp(opt, "--", 2) == 0)
				np_cmd_error(ctx, "unknown option '%.*s'", (int)strcspn(opt, "="), opt);
			else
				np_cmd_error(ctx, "unknown option '-%c'", optopt);
			usage_line(stderr, e);
			return 2;
		default:
			if (is_command_opt(e, c)) {
				struct np_cmd_arg *a = realloc(ctx->args, (ctx->n_args + 1) * sizeof(*a));

				if (!a)
					return 3;
				ctx->args = a;
				a[ctx->n_args].val = c;
				a[ctx->n_args].arg = optarg;
				ctx->n_args++;
			}
			break;
		}
	}
	if (ctx->pcap_path && ctx->no_capture) {
		np_cmd_error(ctx, "--pcap needs the capture that --no-capture turns off");
		return 2;
	}
	if (family_flags == 3) {
		np_cmd_error(ctx, "-4 and -6 exclude each other");
		return 2;
	}
	ctx->opts.family = family_flags == 1 ? AF_INET : family_flags == 2 ? AF_INET6 : AF_UNSPEC;
	if (ctx->opts.has_source) {
		int sf = ctx->opts.source.ss_family;

		if (ctx->opts.family != AF_UNSPEC && ctx->opts.family != sf) {
			np_cmd_error(ctx, "--source is an %s address but %s was given",
				     sf == AF_INET ? "IPv4" : "IPv6", sf == AF_INET ? "-6" : "-4");
			return 2;
		}
		/* The source address fixes the family of every probe. */
		ctx->opts.family = sf;
	}
	for (int i = optind; i < argc; i++)
		if (add_target(ctx, argv[i]) < 0)
			return 3;
	if (targets_file) {
		rc = read_targets_file(ctx, targets_file);
		if (rc)
			return rc;
	}
	if ((int)ctx->n_targets < e->min_targets) {
		np_cmd_error(ctx, "no target given");
		usage_line(stderr, e);
		return 2;
	}
	if (e->max_targets >= 0 && (int)ctx->n_targets > e->max_targets) {
		np_cmd_error(ctx, "at most %d target%s", e->max_targets, e->max_targets == 1 ? "" : "s");
		usage_line(stderr, e);
		return 2;
	}
	return 0;
}

static void ctx_free(struct np_cmd_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_targets; i++)
		free(ctx->targets[i]);
	free(ctx->targets);
	free(ctx->args);
}

int main(int argc, char **argv)
{
	struct np_cmd_ctx ctx;
	int rc;

	if (argc < 2) {
		general_help(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		version();
		return 0;
	}
	/* Not in the help: what the build installs beside the binary, made
	 * from the same tables as the help so neither can drift (doc.c). */
	if (strcmp(argv[1], "--man") == 0 && argc == 2)
		return np_cmd_print_man(stdout) < 0 ? 3 : 0;
	if (strcmp(argv[1], "--bash-completion") == 0 && argc == 2)
		return np_cmd_print_completion(stdout) < 0 ? 3 : 0;
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		const struct np_cmd_entry *e;

		if (argc < 3) {
			general_help(stdout);
			return 0;
		}
		e = find_command(argv[2]);
		if (!e && np_verdict_get(argv[2])) {
			verdict_help(stdout, np_verdict_get(argv[2]));
			return 0;
		}
		if (!e) {
			np_cmd_error(NULL, "unknown command or verdict code '%s'", argv[2]);
			fprintf(stderr, "usage: netprobe help [COMMAND|VERDICT]\n");
			return 2;
		}
		command_help(stdout, e);
		return 0;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.entry = find_command(argv[1]);
	if (!ctx.entry) {
		np_cmd_error(NULL, "unknown command '%s'", argv[1]);
		fprintf(stderr, "usage: netprobe COMMAND [OPTIONS] [TARGETS] (netprobe help lists commands)\n");
		return 2;
	}
	ctx.opts.timeout_us = 5 * 1000000;
	ctx.opts.parallel = 256;
	ctx.pcap_max = (size_t)256 << 20;
	ctx.user = "nobody";
	rc = parse_args(&ctx, argc - 1, argv + 1);
	if (rc == 0)
		rc = ctx.entry->exec(&ctx);
	else if (rc < 0)
		rc = 0;
	ctx_free(&ctx);
	return rc;
}
