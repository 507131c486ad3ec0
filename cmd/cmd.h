/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_CMD_H
#define NETPROBE_CMD_H

#include <getopt.h>
#include <stdio.h>

#include "../netprobe/run.h"
#include "../netprobe/proxy.h"
#include "../netprobe/target.h"

/* An option of one command (the shared ones live in main.c). */
struct np_cmd_opt {
	const char *name;
	int has_arg;                /* no_argument / required_argument */
	int val;                    /* >= 0x200: no short form */
	const char *arg_name;
	const char *help;
};

struct np_cmd_arg {
	int val;
	const char *arg;
};

/* Everything parsed from argv: the exec never touches argv. */
struct np_cmd_ctx {
	const struct np_cmd_entry *entry;
	struct np_opts opts;
	char **targets;
	size_t n_targets;
	size_t cap_targets;
	struct np_cmd_arg *args;    /* command-specific options, in order */
	size_t n_args;
	const char *json_path;
	const char *junit_path;
	const char *html_path;
	const char *prom_path;
	const char *pcap_path;
	size_t pcap_max;            /* bytes of packets held for --pcap */
	int no_capture;
	int capture_required;       /* the check cannot run without capture */
	size_t capture_snaplen;     /* 0: the capture's defaults */
	size_t capture_buffer;
	size_t capture_probes;      /* probes the check runs (0: two per target), for the ring */
	size_t capture_packets;     /* packets one probe exchanges (0: NP_CMD_PACKETS_PER_PROBE) */
	const char *capture_filter; /* set by a prepare step: BPF ANDed with the base */
	const char *user;           /* to change to after opening (as root) */
	int quiet;
	int no_color;
};

struct np_cmd_entry {
	const char *name;
	const char *usage;          /* after "netprobe NAME " */
	const char *summary;        /* one line for `netprobe help` */
	const char *help;           /* paragraphs for `netprobe help NAME` */
	const struct np_cmd_opt *opts;  /* ends with {0}; may be NULL */
	int min_targets;
	int max_targets;            /* -1: no limit */
	int (*exec)(struct np_cmd_ctx *ctx);
};

extern const struct np_cmd_entry np_cmd_tcp_entry;
extern const struct np_cmd_entry np_cmd_dns_entry;
extern const struct np_cmd_entry np_cmd_tls_entry;
extern const struct np_cmd_entry np_cmd_idle_entry;
extern const struct np_cmd_entry np_cmd_family_entry;
extern const struct np_cmd_entry np_cmd_explain_entry;
extern const struct np_cmd_entry np_cmd_trace_entry;
extern const struct np_cmd_entry np_cmd_responder_entry;
extern const struct np_cmd_entry np_cmd_nat_entry;
extern const struct np_cmd_entry np_cmd_run_entry;
extern const struct np_cmd_entry np_cmd_merge_entry;
extern const struct np_cmd_entry np_cmd_watch_entry;

/* The tables the help, the man page and the completion are made from
 * (main.c): every command (NULL-terminated), the options every check
 * shares, the exit statuses, and the program's one-paragraph description. */
extern const struct np_cmd_entry *const np_cmd_table[];
extern const struct np_cmd_opt np_cmd_common_opts[];
struct np_cmd_exit {
	const char *status;
	const char *meaning;
};
extern const struct np_cmd_exit np_cmd_exits[];
extern const char np_cmd_about[];

/* netprobe(1) as roff, and the bash completion script, from those tables,
 * the verdict registry and the built-in profiles (doc.c); -1 on a write
 * error. */
int np_cmd_print_man(FILE *out);
int np_cmd_print_completion(FILE *out);

/* One line naming what was wrong, on stderr: "netprobe CMD: ...". */
void np_cmd_error(const struct np_cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* An output file (- : stdout), opened before any probe; NULL after one
 * line naming the option and the error. Close checks the close. */
FILE *np_cmd_open_output(struct np_cmd_ctx *ctx, const char *opt, const char *path);
int np_cmd_close_output(struct np_cmd_ctx *ctx, const char *opt, const char *path, FILE *f);

struct np_term;
struct np_atomic;

/* The report files of a run (NULL: not asked for). */
struct np_cmd_outputs {
	FILE *json, *junit, *html;
	struct np_atomic *prom;     /* written as FILE.tmp, renamed when done */
};

/* Open every report file the options name, before any probe and while
 * privileged: 0, or 2 after one line naming the option and the error
 * (what was opened is closed again). At most one may be stdout. */
int np_cmd_open_reports(struct np_cmd_ctx *ctx, struct np_cmd_outputs *o);
/* Whether one of them is stdout (the human output then goes to stderr). */
int np_cmd_reports_on_stdout(const struct np_cmd_outputs *o);
/* Write every report from the one JSON document, close them (also on
 * failure) and name the files on the terminal. -1 after one line per
 * failure. */
int np_cmd_write_reports(struct np_cmd_ctx *ctx, struct np_term *term, const struct np_report *report,
			 struct np_cmd_outputs *o);
/* The same from a document already made (a merge: report NULL, no JUnit). */
int np_cmd_write_doc(struct np_cmd_ctx *ctx, struct np_term *term, const json_t *doc,
		     const struct np_report *report, struct np_cmd_outputs *o);
/* Close without writing (a run that stopped early); FILE.tmp is removed. */
void np_cmd_close_reports(struct np_cmd_outputs *o);

/* --proxy-auth, --proxy-keytab, --proxy-user (shared by the checks that
 * go through proxies): fills conf; 0, or -1 after the one-line error. */
struct np_pauth_conf;
int np_cmd_proxy_auth_opt(struct np_cmd_ctx *ctx, const char *opt, const char *arg, struct np_pauth_conf *conf);
/* Before the privilege drop: the Kerberos credentials into memory (see
 * np_pauth_prepare); a file that could not be read is said on stderr. */
void np_cmd_proxy_auth_prepare(struct np_cmd_ctx *ctx, struct np_pauth_conf *conf, const char *principal);

/* --proxy URL|auto|none, the nth of at most max paths; -1 after the error
 * line (credentials masked). */
/* --proxy pac: read or fetch each PAC and evaluate it for every target
 * before privileges go (-1: a PAC file that cannot be read, said). */
int np_cmd_pac_prepare(struct np_cmd_ctx *ctx, const struct np_proxy *paths, const int *path_auto, size_t n_paths,
		       const struct np_target *targets, size_t n_targets);
int np_cmd_add_proxy(struct np_cmd_ctx *ctx, const char *arg, struct np_proxy *paths, int *path_auto,
		     size_t *n, size_t max);

/* --token: 1 to 128 printable bytes without spaces or '='; -1 after the
 * error line. */
int np_cmd_check_token(struct np_cmd_ctx *ctx, const char *arg);

/* Parse every target; on a bad one print the error and return 2. */
int np_cmd_parse_targets(struct np_cmd_ctx *ctx, unsigned default_port,
			 struct np_target **out, size_t *n);
/* The same for sweeps: each target may carry a port list (host:1-1024),
 * (*ports)[i] is target i's. */
int np_cmd_parse_targets_ports(struct np_cmd_ctx *ctx, unsigned default_port, struct np_target **out,
			       struct np_portset **ports, size_t *n);

/*
 * The common path of every check: open the outputs, set up loop, report and
 * run, let plan() submit the jobs, execute with the live display, then write
 * JSON/JUnit and the summary. Returns the exit status.
 */
int np_cmd_run(struct np_cmd_ctx *ctx, const char *check,
	       int (*plan)(struct np_cmd_ctx *ctx, struct np_run *run, void *arg), void *arg);

/* The same, with a step of the check's own that runs while the program is
 * still privileged, after the capture is open and before privileges are
 * dropped: a check that sends crafted packets opens its raw sockets there.
 * A non-zero return is the exit status (after its own error line). */
int np_cmd_run_prepared(struct np_cmd_ctx *ctx, const char *check,
			int (*prepare)(struct np_cmd_ctx *ctx, void *arg),
			int (*plan)(struct np_cmd_ctx *ctx, struct np_run *run, void *arg), void *arg);

struct np_capture;
/* Open the capture while privileged (the first step of np_cmd_run_prepared):
 * 0 with *cap NULL and note saying why when there is none; an exit status
 * after its error line when the options cannot be honoured without it. */
int np_cmd_open_capture(struct np_cmd_ctx *ctx, struct np_report *report, struct np_capture **cap, char *note,
			size_t note_len);
/* After a run: read what the capture still holds, annotate the findings
 * with their frames, fill the report's capture figures, and add a finding
 * when the kernel dropped packets. */
void np_cmd_capture_finish(struct np_capture *cap, struct np_report *r, struct np_run *run);

/* A profile's checks, built for running (cmd_run.c): netprobe run runs
 * them once, netprobe watch once a cycle. */
struct np_cmd_prun;
#define NP_CMD_PRUN_MAX_SETS 64      /* the profile's variables (NP_PROFILE_MAX_VARS) */
#define NP_CMD_PRUN_MAX_ONLY 16
struct np_cmd_prun_args {
	const char *profile;        /* NAME|FILE */
	const char *sets[NP_CMD_PRUN_MAX_SETS];     /* KEY=VALUE */
	size_t n_sets;
	const char *only[NP_CMD_PRUN_MAX_ONLY];     /* tags */
	size_t n_only;
};
/* One --set (only 0) or --only (only 1) of run or watch: 0, or 2 after
 * the error line when there are too many. */
int np_cmd_prun_arg(struct np_cmd_ctx *ctx, struct np_cmd_prun_args *a, int only, const char *v);
/* Load the profile and build every selected check (CA files read now,
 * before privileges go); sets ctx's timeout to the profile's longest.
 * 0, or the exit status after its one-line error. */
int np_cmd_prun_load(struct np_cmd_ctx *ctx, const struct np_cmd_prun_args *a, struct np_cmd_prun **out);
/* The privileged step (raw sockets for trace checks): as np_cmd_run_prepared's prepare. */
int np_cmd_prun_prepare(struct np_cmd_ctx *ctx, void *prun);
/* Submit every check to run (as np_cmd_run_prepared's plan); may be
 * called once per run, for many runs. */
int np_cmd_prun_plan(struct np_cmd_ctx *ctx, struct np_run *run, void *prun);
/* One check against one of its targets (a probe on demand): module is the
 * check's index in the profile or a tag only it carries, target one of its
 * targets as the profile writes it or as findings show it. 0, or NP_EINVAL
 * (why says what) / NP_ENOMEM. */
int np_cmd_prun_plan_one(struct np_cmd_prun *r, struct np_run *run, const char *module, const char *target,
			 char *why, size_t len);
/* A watch's idle rungs, each asked on its own and again as it ends (an
 * idle track): after np_cmd_prun_idle_apart, np_cmd_prun_plan leaves the
 * idle checks out; tracks are numbered 0 .. the count returned - 1, one
 * per idle check, target and rung. */
size_t np_cmd_prun_idle_apart(struct np_cmd_prun *r);
struct np_cmd_idle_track {
	size_t check;                   /* its index in the profile */
	const char *target;             /* as findings show it */
	unsigned idle_s;
};
void np_cmd_prun_idle_track(const struct np_cmd_prun *r, size_t i, struct np_cmd_idle_track *t);
/* Submit track i's rung (every path, every connection) to run: rung
 * findings only, no overall one. 0, or NP_EINVAL/NP_ENOMEM with why. */
int np_cmd_prun_plan_rung(struct np_cmd_prun *r, struct np_run *run, size_t i, char *why, size_t len);
const char *np_cmd_prun_name(const struct np_cmd_prun *r);
void np_cmd_prun_free(struct np_cmd_prun *r);

/* A number of an option, 1 to max: "--OPT 'S': not a number [UNIT ]from 1
 * to MAX" and 2 otherwise. */
int np_cmd_parse_count(struct np_cmd_ctx *ctx, const char *opt, const char *s, long max, const char *unit,
		       long *out);

struct np_rawsend;
/* The privileged step of a check that sends crafted packets: its raw
 * sockets, or NULL with why filled, saying how to grant CAP_NET_RAW when
 * that is what is missing ("WHO sends crafted packets and needs ..."). */
struct np_rawsend *np_cmd_open_raw(struct np_cmd_ctx *ctx, const char *who, char *why, size_t len);

/* The program's own path, for "setcap cap_net_raw+ep PATH" advice. */
const char *np_cmd_self_path(void);

#endif
