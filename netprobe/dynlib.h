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

struct np_dynlib {
	const char *soname;
	const char *pkg;                /* the Debian package that ships it */
	const struct np_dynsym *syms;
	size_t n_syms;
	int loaded;                     /* every slot filled */
};

/* Opens lib->soname and fills every slot; once that has worked, returns 0
 * at once. On failure a one-line error naming the library and what is
 * missing ("libxml2.so.2 cannot be loaded (...): install libxml2"), and
 * NP_EINVAL; a later call tries again. */
int np_dynlib_load(struct np_dynlib *lib, char *errbuf);

#endif
