/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_TCP_H
#define NETPROBE_PROBE_TCP_H

#include <stddef.h>

#include "target.h"

struct np_run;

/* What one TCP connect attempt showed. The socket's word comes first;
 * packet evidence, when captured, will refine it here. */
struct np_tcp_obs {
	int err;            /* errno of connect()/SO_ERROR; 0 = connected */
	int local;          /* connect() itself failed: nothing left the host */
	int timed_out;      /* no outcome before the probe's timeout */
	double elapsed_ms;  /* connect() to outcome */
	double timeout_ms;
};

/* Pure: the verdict code for obs and a one-line summary in buf. */
const char *np_tcp_classify(const struct np_tcp_obs *obs, char *summary, size_t len);

/* Queue the probe of one target: resolve (unless a literal), then one
 * connect per address. */
int np_tcp_submit(struct np_run *run, const struct np_target *t);

#endif
