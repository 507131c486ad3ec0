/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PRIVDROP_H
#define NETPROBE_PRIVDROP_H

#include "error.h"

/*
 * Called once the capture, raw sockets and output files are open.
 * As root: change to user (tcpdump -Z style), keep no capability, and
 * prove it by trying to get root back. With file capabilities as a normal
 * user: clear every capability. Returns 0, or NP_ESYS with errbuf filled
 * (the caller must then stop: running on with privileges it meant to drop
 * is worse than not running).
 */
int np_priv_drop(const char *user, char *errbuf);

/*
 * For a helper process that stays root only to put an output file in
 * place once the run is over (a rename needs write access to the
 * directory at the time of the rename, long after the drop): keep
 * CAP_DAC_OVERRIDE and CAP_FOWNER (a sticky directory), nothing else, in
 * the bounding set too. 0, or NP_ESYS with errbuf.
 */
int np_priv_keep_file_caps(char *errbuf);

/* 1 if the process holds CAP_NET_RAW now (effective or permitted). */
int np_priv_have_net_raw(void);

#endif
