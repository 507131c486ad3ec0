/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redact.h"

#include <stdlib.h>
#include <string.h>

char *np_redact_url(const char *url)
{
	const char *auth = strstr(url, "://");
	const char *auth_end, *at = NULL, *colon;
	size_t head, tail;
	char *out;

	auth = auth ? auth + 3 : url;
	auth_end = auth + strcspn(auth, "/?#");
	/* The last '@' ends the userinfo: a password may contain '@' when
	 * it was not percent-encoded (RFC 3986 3.2.1 says it must be, users
	 * don't always). */
	for (const char *p = auth; p < auth_end; p++)
		if (*p == '@')
			at = p;
	/* An unencoded '/' in a password ends the authority early
	 * ("http://u:pa/ss@host"): then the userinfo runs to the last '@'
	 * before any query or fragment. This may mask a port when a path
	 * holds '@', but never leaks a secret; an '@' in a query is not
	 * userinfo. */
	if (!at) {
		const char *q = auth + strcspn(auth, "?#");

		for (const char *p = auth; p < q; p++)
			if (*p == '@')
				at = p;
	}
	if (!at)
		return strdup(url);
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (!colon)
		return strdup(url);
	head = (size_t)(colon + 1 - url);
	tail = strlen(at);
	out = malloc(head + 3 + tail + 1);
	if (!out)
		return NULL;
	memcpy(out, url, head);
	memcpy(out + head, "***", 3);
	memcpy(out + head + 3, at, tail + 1);
	return out;
}
