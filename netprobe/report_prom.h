/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_REPORT_PROM_H
#define NETPROBE_REPORT_PROM_H

#include <stdio.h>

#include <jansson.h>

/*
 * A JSON report document (np_report_json) as Prometheus text exposition
 * (version 0.0.4) for the node exporter's textfile collector: one
 * netprobe_check_success series per finding, labelled so that every
 * series is unique, timing gauges in seconds, idle survival per path, and
 * the run's own time and duration. No sample timestamps (the collector
 * refuses them). The caller makes the write atomic (FILE.tmp, rename).
 * 0, NP_EINVAL for a document that is not a report, NP_ENOMEM, NP_EIO.
 */
int np_report_write_prom(const json_t *doc, FILE *out);

/* s as a label value between double quotes: backslash, double quote and
 * line feed escaped, as the exposition format wants. */
void np_prom_label_value(FILE *out, const char *s);

#endif
