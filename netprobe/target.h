/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TARGET_H
#define NETPROBE_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "portset.h"

enum np_scheme {
	NP_SCHEME_NONE = 0,   /* host or host:port */
	NP_SCHEME_HTTP,
	NP_SCHEME_HTTPS,
};

#define NP_HOST_MAX 253       /* RFC 1035 2.3.4, without the trailing dot */
#define NP_LABEL_MAX 63
#define NP_PATH_MAX 1024

struct np_target {
	char host[NP_HOST_MAX + 2];   /* name or address, no brackets */
	uint16_t port;
	enum np_scheme scheme;
	int family;                   /* AF_INET/AF_INET6 for literals, else AF_UNSPEC */
	char path[NP_PATH_MAX + 1];   /* "/..." for URLs, "" otherwise */
};

/*
 * Parse host, host:port, 1.2.3.4:port, [v6]:port, bare v6, and
 * http(s)://host[:port][/path]. default_port applies when neither a port
 * nor a scheme gives one. On error returns NP_EINVAL and writes a message
 * (without the input; the caller names it) to errbuf.
 */
int np_target_parse(const char *text, uint16_t default_port,
		    struct np_target *t, char *errbuf);

/*
 * A target of a port sweep: as above, but the port may be a list of ports
 * and ranges, "host:22,80,8000-8100", "[2001:db8::1]:1-65535" (a bare
 * IPv6 address takes no list: it needs brackets). ports gets the list, or
 * the one port np_target_parse() gives; t->port is its lowest port.
 */
int np_target_parse_sweep(const char *text, uint16_t default_port, struct np_target *t,
			  struct np_portset *ports, char *errbuf);

/* "host:port", "[v6]:port" or the URL form; buf of NP_TARGET_STR_MAX. */
#define NP_TARGET_STR_MAX (NP_HOST_MAX + NP_PATH_MAX + 32)
const char *np_target_str(const struct np_target *t, char *buf, size_t len);

/* Validate a DNS name: length, label lengths, characters. */
int np_hostname_check(const char *name, char *errbuf);

#endif
