/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_CHECKLIST_H
#define NETPROBE_CHECKLIST_H

#include <stddef.h>

#include <jansson.h>

#include "finding.h"

/*
 * The checklist a report opens with: the question a change board asks
 * ("are the prerequisites met, and if not which, and who must act?")
 * answered from the findings. An item is a prerequisite as the profile's
 * author grouped the checks (each finding's metrics.section: the check's
 * section:, else its tags), or the check kind for a single command. Each
 * item has the worst status of its findings, one line that says what is
 * wrong and who must act, and the ids of its findings. Every writer
 * (terminal, HTML, JSON summary.checklist, JUnit suites) renders this one
 * list; none derives its own. Reads JSON finding objects as --json writes
 * them, checking every type (a merge reads files from anywhere).
 */

/* Room for one actor ("the firewall at hop 2 (198.18.2.2)"). */
#define NP_CHECKLIST_ACTOR_MAX 320
/* The one line of an item, at most (longer is cut with "..."). */
#define NP_CHECKLIST_LINE_MAX 1024

/* What the checklist reads of a finding: a report's own findings, or a
 * document's (np_checklist_build). Strings never NULL ("" when none). */
struct np_cl_finding {
	const char *check, *target, *address, *verdict;
	enum np_status status;
	const json_t *metrics;          /* a document's: an object, or NULL */
	const struct np_finding *native;  /* a report's own: its metrics are read there */
};

/* The item a finding belongs to: metrics.section, else its check. */
const char *np_checklist_item_of(const json_t *finding);

/* The id a finding is linked by, from its 0-based place in the report's
 * findings: "f1", "f2"... (the HTML anchors and summary.checklist). */
void np_checklist_id(size_t index, char *buf, size_t size);

/*
 * Who must act on a finding that did not pass, from the evidence it and
 * the report's other findings carry: "the firewall at hop 2
 * (198.18.2.2)" (a hop's address learnt from a trace or a reject when
 * the finding knows only the hop), "the proxy 198.51.100.7:3128", "the
 * DNS resolver 10.0.0.53", "the operator of expired.example:443", "this
 * server's configuration". "" for a finding that passed. findings may be
 * NULL (then nothing is learnt from the others). Returns buf.
 */
const char *np_checklist_actor(const json_t *finding, const json_t *findings, char *buf, size_t size);

/*
 * The checklist of a report's findings array: an array of
 *   {"item", "status", "line", "who": [actors], "findings": [ids],
 *    "problems": [ids of those that did not pass]}
 * in the order order (an array of item names, the profile's; may be NULL)
 * gives, then items it does not name in order of their first finding.
 * Items of order with no finding are left out (their checks did not run:
 * --only). NULL when memory runs out.
 */
json_t *np_checklist_build(const json_t *findings, const json_t *order);

/* The same from n findings as the checklist reads them; without
 * NP_CHECKLIST_IDS each item's "findings" and "problems" stay empty (the
 * terminal shows items and lines only: 10,000 findings need no ids). */
#define NP_CHECKLIST_IDS 1
json_t *np_checklist_of(const struct np_cl_finding *v, size_t n, const json_t *order, int flags);

#endif
