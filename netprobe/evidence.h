/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_EVIDENCE_H
#define NETPROBE_EVIDENCE_H

#include "flow.h"
#include "report.h"

/*
 * What a finding's packets lost. A finding names its evidence by frame;
 * each frame belongs to a flow, and a flow knows how many of its packets
 * the kernel may have dropped while it was open and how many its evidence
 * budget counted without keeping. A finding whose flows lost some says
 * so: metrics capture_dropped and not_kept, and a line of evidence each.
 * Findings without frames are left as they are (the run's
 * capture.dropped finding speaks for them).
 */
void np_evidence_annotate(const struct np_flow_table *t, struct np_report *r);

#endif
