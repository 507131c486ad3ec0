/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Built-in profiles (compiled from fixtures/profiles/ by the Makefile, so
 * that a user can copy one and edit it) and --profile NAME|FILE. */
#include "profile_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *np_profile_builtin(const char *name, size_t *len)
{
	for (const struct np_profile_blob *b = np_profile_blobs; b->name; b++) {
		if (strcmp(b->name, name) == 0) {
			if (len)
				*len = b->len;
			return b->text;
		}
	}
	return NULL;
}

const char *np_profile_builtin_name(size_t i)
{
	for (size_t k = 0; np_profile_blobs[k].name; k++)
		if (k == i)
			return np_profile_blobs[k].name;
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The whole file, at most NP_PROFILE_MAX_BYTES (one byte more is read to
 * tell a larger file). */
static char *read_file(const char *path, size_t *len, int *missing, char *errbuf)
{
	char *buf = malloc(NP_PROFILE_MAX_BYTES + 1);
	size_t n = 0;
	FILE *fp;

	if (!buf) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NULL;
	}
	fp = fopen(path, "rb");
	if (!fp) {
		*missing = errno == ENOENT;
		snprintf(errbuf, NP_ERRBUF_SIZE, "%.150s: %s", path, strerror(errno));
		goto fail;
	}
	n = fread(buf, 1, NP_PROFILE_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%.150s: read error", path);
		fclose(fp);
		goto fail;
	}
	fclose(fp);
	if (n > NP_PROFILE_MAX_BYTES) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%.150s: larger than %d bytes", path, NP_PROFILE_MAX_BYTES);
		goto fail;
	}
	*len = n;
	return buf;
fail:
	free(buf);
	return NULL;
}

struct np_profile *np_profile_load(const char *name_or_file, struct np_vars *vars, char *errbuf)
{
	const char *arg = name_or_file;
	int is_file = strchr(arg, '/') || ends_with(arg, ".yaml") || ends_with(arg, ".yml");
	struct np_profile *p;
	char display[NP_PROFILE_NAME_MAX + 8];
	const char *text;
	size_t len;
	int missing = 0;
	char *buf;

	if (!is_file) {
		text = np_profile_builtin(arg, &len);
		if (text) {
			/* Named as its source, where its lines are. */
			snprintf(display, sizeof(display), "%.*s.yaml", NP_PROFILE_NAME_MAX, arg);
			return np_profile_parse(text, len, display, vars, errbuf);
		}
	}
	buf = read_file(arg, &len, &missing, errbuf);
	if (!buf) {
		if (!is_file && missing)
			snprintf(errbuf, NP_ERRBUF_SIZE, "no built-in profile '%.64s' and no such file "
				 "(netprobe run --list-profiles)", arg);
		return NULL;
	}
	p = np_profile_parse(buf, len, arg, vars, errbuf);
	free(buf);
	return p;
}
