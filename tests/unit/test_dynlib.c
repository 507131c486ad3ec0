/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Libraries opened when first needed: what the user reads when one is
 * missing, and that the functions found are the library's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "netprobe/dynlib.h"
#include "netprobe/error.h"

static void missing_library_names_it_and_its_package(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	void *fn = NULL;
	const struct np_dynsym syms[] = {{"anything", &fn}};
	struct np_dynlib lib = {"libnetprobe-absent.so.9", "libnetprobe-absent9", syms, 1, 0};

	(void)state;
	assert_int_equal(np_dynlib_load(&lib, eb), NP_EINVAL);
	assert_false(lib.loaded);
	assert_non_null(strstr(eb, "libnetprobe-absent.so.9 cannot be loaded ("));
	assert_non_null(strstr(eb, "): install libnetprobe-absent9"));
	assert_null(fn);
}

static void missing_symbol_is_named(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	__typeof__(cbrt) *root = NULL;
	void *absent = NULL;
	const struct np_dynsym syms[] = {{"cbrt", &root}, {"np_no_such_function", &absent}};
	struct np_dynlib lib = {"libm.so.6", "libc6", syms, 2, 0};

	(void)state;
	assert_int_equal(np_dynlib_load(&lib, eb), NP_EINVAL);
	assert_false(lib.loaded);
	assert_string_equal(eb, "libm.so.6 has no np_no_such_function: install libc6 as Debian 12 ships it");
}

static void functions_found_are_the_librarys(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	__typeof__(cbrt) *root = NULL;
	__typeof__(hypot) *hyp = NULL;
	const struct np_dynsym syms[] = {{"cbrt", &root}, {"hypot", &hyp}};
	struct np_dynlib lib = {"libm.so.6", "libc6", syms, 2, 0};

	(void)state;
	assert_int_equal(np_dynlib_load(&lib, eb), 0);
	assert_true(lib.loaded);
	assert_true(fabs(root(27.0) - 3.0) < 1e-12);
	assert_true(hyp(3.0, 4.0) == 5.0);
	/* Loaded once: a second call changes nothing and says nothing. */
	root = NULL;
	eb[0] = '\0';
	assert_int_equal(np_dynlib_load(&lib, eb), 0);
	assert_null(root);
	assert_string_equal(eb, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(missing_library_names_it_and_its_package),
		cmocka_unit_test(missing_symbol_is_named),
		cmocka_unit_test(functions_found_are_the_librarys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
