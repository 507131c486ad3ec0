/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int np_dynlib_load(struct np_dynlib *lib, char *errbuf)
{
	void *h;

	if (lib->loaded)
		return 0;
	/* RTLD_NOW: a symbol missing is said here, not at its first call. */
	h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();

		snprintf(errbuf, NP_ERRBUF_SIZE, "%s cannot be loaded (%.200s): install %s", lib->soname,
			 e ? e : "not found", lib->pkg);
		return NP_EINVAL;
	}
	for (size_t i = 0; i < lib->n_syms; i++) {
		void *a = dlsym(h, lib->syms[i].name);

		if (!a) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "%s has no %s: install %s as Debian 12 ships it",
				 lib->soname, lib->syms[i].name, lib->pkg);
			return NP_EINVAL;
		}
		/* A function's address into a function pointer: POSIX allows
		 * it, ISO C says nothing; memcpy says it without a cast. */
		memcpy(lib->syms[i].slot, &a, sizeof(a));
	}
	/* The handle stays open for the life of the process: the slots
	 * point into it. */
	lib->loaded = 1;
	return 0;
}
