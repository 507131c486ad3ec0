/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_REPORT_H
#define NETPROBE_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "finding.h"

#define NP_REPORT_SCHEMA 1

struct np_strlist {
	char **v;
	size_t n;
};

/* What the packet capture did; the JSON has null when none was tried. */
struct np_report_capture {
	int attempted;
	int active;
	char *file;                     /* --pcap, or NULL */
	char *unavailable;              /* why there was none, or NULL */
	uint64_t received, kernel_dropped, if_dropped, kept, truncated;
	uint64_t not_kept;              /* matched to a flow, counted, not kept */
	size_t budget, held_peak;       /* evidence budget (--pcap-max), the most held */
	size_t snaplen, ring_bytes, ring_slots;
	/* A file read (explain): its format, copies of one packet folded
	 * (pktmon's packet ids), records that are not packets, packets of a
	 * link type the dissector does not read. */
	char *format;
	uint64_t copies_folded, not_packets, other_link;
};

/* The whole run: where it ran from, and every finding in arrival order. */
struct np_report {
	char *command;
	struct timespec started;        /* wall clock, for the timestamp only */
	int64_t started_us;             /* monotonic */
	int64_t duration_us;
	char hostname[256];
	struct np_strlist sources;      /* local addresses the probes used */
	struct np_strlist resolvers;
	struct np_strlist proxy_env;    /* "NAME=value", passwords masked */
	struct np_strlist sections;     /* checklist items in the profile's order */
	int signal;                     /* SIGINT/SIGTERM that ended the run, or 0 */
	struct np_report_capture capture;
	/* explain --connections: every connection of the file (a JSON array,
	 * owned), NULL when not asked for; connections_unlisted: past its
	 * bound, counted only */
	json_t *connections;
	uint64_t connections_unlisted;
	/* dns: each resolver's query window as the run ended (a JSON array,
	 * owned; NULL when no DNS query was sent) */
	json_t *dns_windows;
	struct np_finding **findings;
	size_t n_findings, cap_findings;
};

struct np_report *np_report_new(const char *command);
void np_report_free(struct np_report *r);
/* Takes ownership of f, also on failure. */
int np_report_add(struct np_report *r, struct np_finding *f);
int np_report_add_source(struct np_report *r, const char *addr);
int np_report_add_resolver(struct np_report *r, const char *addr);
/* A checklist item (a profile's section), in order; once each. */
int np_report_add_section(struct np_report *r, const char *name);
void np_report_finish(struct np_report *r);
void np_report_counts(const struct np_report *r, size_t counts[NP_STATUS_COUNT]);
/* 1 if any finding failed, else 3 if any could not run, else 0;
 * 128+signal when interrupted. */
int np_report_exit_status(const struct np_report *r);

/* The report as the JSON document --json writes (a new reference, NULL
 * when memory runs out): the HTML and Prometheus writers render it, so one
 * renderer serves a single run and a merge of many. */
json_t *np_report_json(const struct np_report *r);
/* Just the checklist the JSON's summary.checklist holds (checklist.h),
 * read from the findings without building the document, and without the
 * items' finding ids (the terminal's). NULL when memory runs out. */
json_t *np_report_checklist(const struct np_report *r);

/* Writers check every write and the final flush; NP_EIO on failure. */
int np_report_write_json(const struct np_report *r, FILE *out);
/* Any document (a report, a merge) written as --json writes a report. */
int np_report_write_doc(const json_t *doc, FILE *out);
int np_report_write_junit(const struct np_report *r, FILE *out);

#endif
