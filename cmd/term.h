/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TERM_H
#define NETPROBE_TERM_H

#include <stdio.h>

#include "../netprobe/report.h"
#include "../netprobe/run.h"

struct np_term;

/* Human output on out: live lines on a terminal, a line per finding
 * otherwise; colour only on a terminal, never with NO_COLOR. */
struct np_term *np_term_new(FILE *out, int quiet, int no_color);
void np_term_free(struct np_term *t);
/* Hook the display to the run (events and a redraw timer on its loop). */
void np_term_attach(struct np_term *t, struct np_run *run);
void np_term_detach(struct np_term *t);
/* The closing summary: findings grouped by status, failures first. */
void np_term_summary(struct np_term *t, const struct np_report *r);
/* A closing note line ("JSON report: FILE"). */
void np_term_note(struct np_term *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
