/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_CMD_ATOMIC_H
#define NETPROBE_CMD_ATOMIC_H

#include <stdio.h>

/*
 * An output that appears whole or not at all, as a Prometheus textfile
 * collector wants (it may read the file at any moment): FILE.tmp is
 * opened now (before any probe, while privileged) and renamed over FILE
 * when the run is written. Renaming needs write access to the directory
 * at that moment, after netprobe has changed to --user: as root, a helper
 * process forked before the change keeps only the capabilities to rename
 * (and, if the run fails, to remove FILE.tmp) and does it when asked.
 */
struct np_atomic;

/* NULL with errbuf (the errno text) when FILE.tmp cannot be created. */
struct np_atomic *np_atomic_open(const char *path, char *errbuf, size_t errlen);
FILE *np_atomic_file(struct np_atomic *a);
/* Before changing user as root; nothing to do otherwise. 0 or -1. */
int np_atomic_keep_rename(struct np_atomic *a, char *errbuf, size_t errlen);
/* Flush, sync, close and rename FILE.tmp to FILE. 0 or -1 with errbuf. */
int np_atomic_commit(struct np_atomic *a, char *errbuf, size_t errlen);
/* Frees; FILE.tmp is removed unless it was committed. Safe on NULL. */
void np_atomic_free(struct np_atomic *a);

#endif
