/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text helpers of the report tests: a whole stream as a string, counting
 * occurrences, and an outside checker (xmllint, promtool) run on a text.
 * Include after cmocka.h. */
#ifndef NETPROBE_TESTS_TEXT_H
#define NETPROBE_TESTS_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Everything written to f, from its start. */
static char *slurp(FILE *f)
{
	long n;
	char *s;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	return s;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The exit status of the shell command cmd followed by the name of a file
 * holding text ("xmllint --noout ", "promtool check metrics <"); -1 if it
 * did not exit. */
static int tool_status(const char *cmd, const char *text)
{
	char path[] = "/tmp/np-test-text-XXXXXX", line[256];
	int fd = mkstemp(path), st;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(line, sizeof(line), "%s%s", cmd, path);
	st = system(line);
	unlink(path);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
