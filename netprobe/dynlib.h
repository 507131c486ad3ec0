/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_DYNLIB_H
#define NETPROBE_DYNLIB_H

#include <stddef.h>

/* A library opened when a feature first needs it rather than at every
 * start. libxml2 is one: it brings ICU and libstdc++ with it, whose
 * loading and constructors cost each run about 13 ms (two fifths of
 * netprobe's start) for the one option that reads XML (--proxy
 * machine-config:FILE). The header gives the types (__typeof__ of each
 * function), dlsym the addresses. */
struct np_dynsym {
	const char *name;
	void *slot;                     /* where the address goes: &fn_pointer */
};

/* Opens soname (once; later calls say what the first said) and fills
 * every slot. On failure a one-line error naming the library and what
 * is missing ("libxml2.so.2: cannot be loaded (...): install libxml2"),
 * and NP_EINVAL. pkg is the Debian package that ships it. */
int np_dynlib_open(const char *soname, const char *pkg, const struct np_dynsym *syms, size_t n,
		   char *errbuf);

#endif
