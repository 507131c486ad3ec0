/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_REPORT_DOC_H
#define NETPROBE_REPORT_DOC_H

#include <jansson.h>

#include "verdict.h"

/*
 * Reading a JSON report document (what --json writes, or a merge of them)
 * as the HTML and Prometheus writers and the merge do: every accessor
 * checks the type it reads, because a merge reads files from anywhere.
 */

/* The string at key, or "" when missing or not a string. */
const char *np_doc_str(const json_t *o, const char *key);
/* 1 and *v when the value at key is a number, else 0. */
int np_doc_num(const json_t *o, const char *key, double *v);
/* The finding's metrics object, or NULL. */
const json_t *np_doc_metrics(const json_t *finding);
/* A metric's string (metrics.NAME), or "". */
const char *np_doc_metric_str(const json_t *finding, const char *name);
int np_doc_metric_num(const json_t *finding, const char *name, double *v);
/* The finding's status, NP_STATUS_COUNT when unknown. */
enum np_status np_doc_status(const json_t *finding);
/* How bad a status is, for "worst first": fail 4, error 3, warn 2, skip 1,
 * pass 0, unknown -1. */
int np_doc_severity(enum np_status s);
/* The document's start as seconds since the epoch (from "started"), or
 * -1 when it does not parse. */
double np_doc_started(const json_t *doc);

/* 0 when doc is a report of schema NP_REPORT_SCHEMA with a host and a
 * findings array of objects that name their check, target, status and
 * verdict; else NP_EINVAL and errbuf says what is wrong. */
int np_doc_check_report(const json_t *doc, char *errbuf);

#endif
