/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Recorded packets for unit tests: fixtures/packets/NAME.hex, where '#'
 * lines are comments ("# dlt: N" and "# wirelen: N" are read) and the rest
 * are hex bytes. Include after cmocka.h. */
#ifndef NETPROBE_TESTS_FIXTURE_H
#define NETPROBE_TESTS_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE_MAX 4096

struct fixture {
	char name[64];
	int dlt;
	size_t wirelen;
	size_t len;
	uint8_t data[FIXTURE_MAX];
};

static const char *fixture_dir(void)
{
	const char *d = getenv("NP_FIXTURES");

	return d && *d ? d : "fixtures/packets";
}

/* A fixture: '#' lines are comments, of which "# dlt: N" and
 * "# wirelen: N" are read; other lines are hex bytes. */
static void load(const char *name, struct fixture *f)
{
	char path[512], line[512];
	FILE *fp;

	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s.hex", fixture_dir(), name);
	fp = fopen(path, "r");
	if (!fp)
		fail_msg("%s: %s (run from the top of the tree or set NP_FIXTURES)", path, strerror(errno));
	f->dlt = -1;
	while (fgets(line, sizeof(line), fp)) {
		const char *p = line;

		if (line[0] == '#') {
			sscanf(line, "# dlt: %d", &f->dlt);
			sscanf(line, "# wirelen: %zu", &f->wirelen);
			continue;
		}
		for (;;) {
			unsigned v;
			int n;

			while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				p++;
			if (!*p)
				break;
			if (sscanf(p, "%2x%n", &v, &n) != 1 || n != 2)
				fail_msg("%s: bad hex near '%.10s'", path, p);
			if (f->len == FIXTURE_MAX)
				fail_msg("%s: longer than %d bytes", path, FIXTURE_MAX);
			f->data[f->len++] = (uint8_t)v;
			p += n;
		}
	}
	fclose(fp);
	if (f->dlt < 0 || f->wirelen < f->len)
		fail_msg("%s: missing dlt or wirelen header", path);
}

/* np_dissect on an exact-size heap copy, so that under ASan a read one
 * byte past caplen is caught. */
static int dis(int dlt, const uint8_t *data, size_t caplen, size_t wirelen, struct np_packet *p)
{
	uint8_t *copy = NULL;
	int rc;

	if (caplen > 0) {
		copy = malloc(caplen);
		assert_non_null(copy);
		memcpy(copy, data, caplen);
	}
	rc = np_dissect(dlt, copy, caplen, wirelen, p);
	free(copy);
	return rc;
}

#endif
