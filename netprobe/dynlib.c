/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int np_dynlib_open(const char *soname, const char *pkg, const struct np_dynsym *syms, size_t n,
		   char *errbuf)
{
	/* RTLD_NOW: a symbol missing is said here, not at its first call. */
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(errbuf, NP_ERRBUF_SIZE, "%s cannot be loaded (%.200s): install %s", soname,
			 e ? e : "not found", pkg);
		return NP_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		void *a = dlsym(h, syms[i].name);

		if (!a) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "%s has no %s: install %s as Debian 12 ships it", soname,
				 syms[i].name, pkg);
			return NP_EINVAL;
		}
		/* A function's address into a function pointer: POSIX allows
		 * it, ISO C says nothing; memcpy says it without a cast. */
		memcpy(syms[i].slot, &a, sizeof(a));
	}
	/* The handle stays open for the life of the process: the slots
	 * point into it. */
	return 0;
}
