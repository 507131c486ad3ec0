/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_WATCH_REPORT_H
#define NETPROBE_WATCH_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "error.h"

/*
 * netprobe watch report: the whole period of a watch, replayed from its
 * event log (watch_log.h). Each finding's status in a cycle is the last
 * change logged for it at or before that cycle; cycles cut short are not
 * counted. An idle rung asked on its own (a "rung" line) counts once per
 * asking, not per cycle. The document ("kind": "watch"):
 *
 *   period      first and last cycle start, cycles, cycles cut short,
 *               rungs asked and rungs cut short, starts
 *   checks[]    per finding key: check, target, address, times asked
 *               (cycles, or a rung's askings) and failed, availability
 *               (0..1), last status and verdict
 *   failures[]  every failure: from (cycle start, or the end of the rung
 *               that failed), to (when it was next seen recovered, null
 *               while it lasts), asked (times it was seen failing),
 *               verdict, summary, evidence of its first sighting
 *   idle[]      per idle rung (target, path, idle_s): times asked and
 *               survived, survival (0..1)
 *
 * At most NP_WATCH_REPORT_MAX_FAILURES failures are listed (the rest
 * counted in failures_not_listed). NULL with errbuf on a log that cannot
 * be read.
 */
#define NP_WATCH_REPORT_MAX_FAILURES 10000

json_t *np_watch_report_doc(int dirfd, char *errbuf);

/* The document as one self-contained XHTML page (the run report's style):
 * availability table, failures, a timeline of failures by time of day
 * (UTC) as SVG, idle survival per rung. 0, or NP_EIO. */
int np_watch_report_write_html(const json_t *doc, FILE *out);

#endif
