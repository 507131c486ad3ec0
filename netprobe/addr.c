/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

socklen_t np_addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

const char *np_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a = sa->sa_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *np_addr_port_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned port;

	np_addr_str(sa, a, sizeof(a));
	if (sa->sa_family == AF_INET6) {
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
		snprintf(buf, len, "%s:%u", a, port);
	}
	return buf;
}

void np_addr_set_port(struct sockaddr *sa, unsigned port)
{
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
}

int np_addr_parse(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return NP_EINVAL;
}

int np_addr_parse_port(const char *text, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN];
	const char *hs = text, *he, *port;
	unsigned long v = 0;

	if (*text == '[') {
		hs = text + 1;
		he = strchr(hs, ']');
		if (!he || he[1] != ':')
			return NP_EINVAL;
		port = he + 2;
	} else {
		/* Without brackets only IPv4: an IPv6 address has colons of its own. */
		he = strchr(text, ':');
		if (!he || strchr(he + 1, ':'))
			return NP_EINVAL;
		port = he + 1;
	}
	if (he == hs || (size_t)(he - hs) >= sizeof(host) || *port == '\0' || strlen(port) > 5)
		return NP_EINVAL;
	for (const char *p = port; *p; p++) {
		if (*p < '0' || *p > '9')
			return NP_EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return NP_EINVAL;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (np_addr_parse(host, ss) < 0 || (*text == '[') != (ss->ss_family == AF_INET6))
		return NP_EINVAL;
	np_addr_set_port((struct sockaddr *)ss, (unsigned)v);
	return 0;
}

void np_addr_unmap(const struct sockaddr *sa, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	struct sockaddr_in *sin = (struct sockaddr_in *)out;

	memset(out, 0, sizeof(*out));
	if (sa->sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memcpy(out, sa, np_addr_len(sa));
		return;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = sin6->sin6_port;
	memcpy(&sin->sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
}
