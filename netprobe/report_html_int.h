/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_REPORT_HTML_INT_H
#define NETPROBE_REPORT_HTML_INT_H

/* Shared by report_html.c (the page, tables) and report_svg.c (the
 * drawings): not part of the engine's API. */

#include <stdio.h>

#include <jansson.h>

#include "verdict.h"

/* The page's start (doctype, title, the one stylesheet) and end: every
 * page netprobe writes looks the same. */
void np_html_head(FILE *out, const char *title, const char *host);
void np_html_foot(FILE *out, const char *what);
/* A status as a coloured badge. */
void np_html_badge(FILE *out, enum np_status s);

/* The CSS class of a status ("st-fail"...), "st-unknown" if none. */
const char *np_html_status_class(enum np_status s);

/* The idle ladder of every (target, address, path) as an SVG timeline:
 * each rung a bar, where it ended and who ended it. Nothing when the
 * findings have no idle rung. h is the heading level of the section. */
void np_html_idle_section(FILE *out, const json_t *findings, int h);
/* dns/connect/proxy/TLS time of every endpoint as stacked SVG bars. */
void np_html_timing_section(FILE *out, const json_t *findings, int h);
/* Each trace finding's hops (metrics.hops) as a table. */
void np_html_trace_section(FILE *out, const json_t *findings, int h);

#endif
