/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_LIBVERSION_H
#define NETPROBE_LIBVERSION_H

#include <stddef.h>

/*
 * The versions of the libraries netprobe runs with, for `netprobe
 * --version` and bug reports: what each library says of itself at run
 * time (a program built against one version may run with another after
 * an upgrade). Libraries with no run-time version call (MIT krb5,
 * libwiretap, libcap-ng) give the version of the headers netprobe was
 * built with, and the shared object actually loaded, which is what the
 * dynamic linker chose, not what the build saw.
 */
struct np_libversion {
	const char *name;           /* "OpenSSL", "c-ares", ... */
	char version[32];           /* dotted, "3.0.19"; "" when it cannot be told */
	int runtime;                /* 1: from the library at run time; 0: its headers at build time */
	char detail[96];            /* the library's own words when they say more ("with TPACKET_V3") */
	char loaded[256];           /* the shared object file loaded, "" when not found */
};

/* Fills up to max entries and returns how many. */
size_t np_libversion_list(struct np_libversion *out, size_t max);

/* The real path of the loaded shared object whose file name begins with
 * prefix ("libgssapi_krb5.so"), into buf; -1 when none is loaded. */
int np_libversion_loaded(const char *prefix, char *buf, size_t len);

/* The first dotted version number (digits and dots, at least one dot) in
 * s, into buf; -1 when there is none. */
int np_libversion_dotted(const char *s, char *buf, size_t len);

#endif
