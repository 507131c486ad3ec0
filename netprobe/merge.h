/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_MERGE_H
#define NETPROBE_MERGE_H

#include <jansson.h>

#include "error.h"

/*
 * Many hosts' JSON reports as one document, for a sign-off from several
 * sites (netprobe merge). Layout (documented in the README):
 *
 *   { "schema": 1, "command": "merge", "version", "created",
 *     "hosts":   [ { "hostname", "sources": [...], "reports": [i...] } ],
 *     "rows":    [ { "check", "target", "path",
 *                    "cells": [ { "status", "verdicts", "addresses",
 *                                 "findings" } | null, ... one per host ] } ],
 *     "summary": { "pass", "warn", "fail", "error", "skip", "total" },
 *     "reports": [ { "file", "host": i, "report": { ...as --json wrote it } } ] }
 *
 * Reports share a host column when their host names are equal and their
 * source addresses overlap (or one has none): two namespaces of one
 * machine, with different addresses, are two columns.
 */

struct np_merge;

struct np_merge *np_merge_new(void);
void np_merge_free(struct np_merge *m);

/* Read one file: a netprobe JSON report, or a merged document whose
 * reports are taken one by one. NP_EINVAL (not JSON, not a report, wrong
 * schema) or NP_ESYS (cannot read) with errbuf naming the file; NP_ENOMEM. */
int np_merge_add_file(struct np_merge *m, const char *path, char *errbuf);
/* A report already in memory, under the name given; it takes a reference. */
int np_merge_add(struct np_merge *m, json_t *report, const char *name, char *errbuf);
size_t np_merge_count(const struct np_merge *m);

/* The merged document (a new reference), NULL when memory runs out. */
json_t *np_merge_document(const struct np_merge *m);

/* 0 when doc is a merged document whose every report is a report; else
 * NP_EINVAL with errbuf. */
int np_merge_check(const json_t *doc, char *errbuf);

#endif
