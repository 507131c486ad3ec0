/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A temporary directory of certificates for the TLS tests, made at test
 * time by a shell script that runs the openssl command (gen.sh, with an
 * optional ca.cnf beside it). Include after cmocka.h. */
#ifndef NETPROBE_TESTS_CERTDIR_H
#define NETPROBE_TESTS_CERTDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[64];

/* dir/name, from a small ring so a call can take several. */
static const char *in_dir(const char *name)
{
	static char ring[6][256];
	static unsigned n;
	char *p = ring[n++ % 6];

	snprintf(p, sizeof(ring[0]), "%s/%s", dir, name);
	return p;
}

static int write_file(const char *name, const char *text)
{
	FILE *fp = fopen(in_dir(name), "w");

	if (!fp)
		return -1;
	if (fputs(text, fp) < 0) {
		fclose(fp);
		return -1;
	}
	return fclose(fp) == 0 ? 0 : -1;
}

/* A fresh directory $TMPDIR/PREFIX-XXXXXX, ca.cnf (when cnf is not NULL)
 * and gen.sh written in it, gen.sh run there (its log shown if it fails);
 * 0 if then the file `made` exists. */
static int certdir_make(const char *prefix, const char *cnf, const char *gen_sh, const char *made)
{
	char cmd[512];

	snprintf(dir, sizeof(dir), "%s/%s-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", prefix);
	if (!mkdtemp(dir))
		return -1;
	if ((cnf && write_file("ca.cnf", cnf) < 0) || write_file("gen.sh", gen_sh) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "cd '%s' && sh gen.sh >gen.log 2>&1 || cat gen.log >&2", dir);
	if (system(cmd) != 0)
		return -1;
	return access(in_dir(made), R_OK);
}

/* Group teardown: the directory goes. */
static int certdir_remove(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
