/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "evidence.h"

/* A finding cites a handful of frames from one or two flows. */
#define NP_EVIDENCE_FLOWS 16

static void annotate(const struct np_flow_table *t, struct np_finding *f)
{
	const struct np_flow *seen[NP_EVIDENCE_FLOWS];
	size_t n_seen = 0, n_ev = f->n_evidence;
	uint64_t dropped = 0, not_kept = 0, not_kept_bytes = 0;

	/* Only the evidence the finding came with: the lines added below
	 * have no frame. */
	for (size_t i = 0; i < n_ev; i++) {
		const struct np_flow *fl = f->evidence[i].frame > 0 ?
			np_flow_of_frame(t, (uint64_t)f->evidence[i].frame) : NULL;
		struct np_flow_stats st;
		size_t k;

		if (!fl)
			continue;
		for (k = 0; k < n_seen && seen[k] != fl; k++)
			;
		if (k < n_seen || n_seen == NP_EVIDENCE_FLOWS)
			continue;
		seen[n_seen++] = fl;
		np_flow_stats(fl, &st);
		dropped += st.kernel_dropped;
		not_kept += st.not_kept;
		not_kept_bytes += st.not_kept_bytes;
	}
	if (dropped) {
		np_finding_metric_int(f, "capture_dropped", (int64_t)dropped);
		np_finding_evidence(f, 0, 0, "the kernel dropped %llu captured packet%s while its flows were "
				    "open: this evidence may be incomplete", (unsigned long long)dropped,
				    dropped == 1 ? "" : "s");
	}
	if (not_kept) {
		np_finding_metric_int(f, "not_kept", (int64_t)not_kept);
		np_finding_evidence(f, 0, 0, "%llu packet%s of its flows (%llu bytes) counted but not kept: "
				    "past their share of the evidence budget (--pcap-max)",
				    (unsigned long long)not_kept, not_kept == 1 ? "" : "s",
				    (unsigned long long)not_kept_bytes);
	}
}

void np_evidence_annotate(const struct np_flow_table *t, struct np_report *r)
{
	for (size_t i = 0; t && i < r->n_findings; i++)
		annotate(t, r->findings[i]);
}
