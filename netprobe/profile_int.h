/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROFILE_INT_H
#define NETPROBE_PROFILE_INT_H

/* Inside the profile parser: shared by profile.c (documents, checks),
 * profile_opts.c (typed values, options, defaults) and profile_vars.c
 * (--set, ${} and the arena). */

#include <stdint.h>
#include <yaml.h>

#include "profile.h"

/* --- built-in profiles, compiled from fixtures/profiles (embed.sh) ------ */

struct np_profile_blob {
	const char *name;
	const char *text;               /* NUL-terminated */
	size_t len;                     /* without the NUL */
};

/* Ends with a NULL name. */
extern const struct np_profile_blob np_profile_blobs[];

/* --- ${name} ----------------------------------------------------------- */

/*
 * Fill ${name} in text[0..len) from vars ("$$" is a "$"). With split (a
 * list), a value with commas gives one output per value, and several such
 * variables their product. Returns the number of outputs put in out[]
 * (at most room), or a negative NP_E* with a message in msg. When text
 * uses a variable vars does not set, *unset names it and out[0] is the
 * text as written.
 */
int np_vars_expand(struct np_arena *a, struct np_vars *vars, const char *text, size_t len,
		   int split, const char **out, size_t room, const char **unset, char *msg);

/* Is vars setting name? Marks it used. */
int np_vars_has(struct np_vars *vars, const char *name);

/* [A-Za-z_][A-Za-z0-9_]*, at most NP_PROFILE_VAR_NAME_MAX bytes. */
int np_var_name_ok(const char *s, size_t len);

/* --- the parser's state ------------------------------------------------ */

struct np_pp {
	yaml_parser_t yp;
	yaml_event_t ev;                /* the current event */
	int have_ev;
	int depth;
	const char *buf;                /* the YAML text */
	size_t len;
	char file[72];                  /* display name, its end kept if long */
	char *errbuf;
	int failed;
	struct np_profile *p;
	struct np_vars *vars;
	enum np_check_kind kind;        /* of the check being read */
	/* The keys the defaults and each check gave, and the unset variable
	 * behind each default. */
	uint64_t def_given;
	const char *def_unset[64];
	uint64_t check_given[NP_PROFILE_MAX_CHECKS];
	const char *scratch[NP_PROFILE_MAX_TARGETS];
};

/* Advance to the next event; NP_EINVAL (with the message) on a YAML
 * error, an alias, a tag, or nesting past NP_PROFILE_MAX_DEPTH. */
int np_pp_next(struct np_pp *ps);

/* Record the first error: "file:line:column: path: message". */
int np_pp_error(struct np_pp *ps, const yaml_mark_t *m, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* What the current event is, for messages: "a list", "a mapping", ... */
const char *np_pp_what(const struct np_pp *ps);

/* Is the current event a null scalar (empty, ~, null)? */
int np_pp_is_null(const struct np_pp *ps);

/* Checks each value of a list as it is read; NULL for none. */
typedef int (*np_pp_check_fn)(struct np_pp *ps, const char **value, const yaml_mark_t *m,
			      const char *path);

/*
 * Readers of the current event's value (a reader leaves the value's last
 * event current). A string: ${} filled, *unset set when it uses an unset
 * variable (the value then kept as written). A list: a scalar is a list
 * of one; max bounds it after ${} lists (mode NP_PP_FILL, split at commas).
 */
int np_pp_string(struct np_pp *ps, const char *path, const char **out, const char **unset);
enum { NP_PP_FILL = 1, NP_PP_LITERAL = 2 };     /* a list's values: ${} filled, or as written */
int np_pp_list(struct np_pp *ps, const char *path, int mode, size_t max, np_pp_check_fn check,
	       struct np_strv *out, const char **unset);
int np_pp_bool(struct np_pp *ps, const char *path, int *out);

/* --- options (profile_opts.c) ------------------------------------------ */

/* The index of an option key, or -1. */
int np_pp_opt_find(const char *name);
/* Does the option apply to kind / may it be a default? */
int np_pp_opt_for(int idx, enum np_check_kind kind);
int np_pp_opt_default_ok(int idx);

/* Read option idx's value (the current event) into o. */
int np_pp_opt_read(struct np_pp *ps, int idx, struct np_check_opts *o, const char *path,
		   const char **unset);

/* Copy the defaults into each check where it did not say, for the options
 * of its kind; an unset variable behind a default skips the check. */
void np_pp_merge_defaults(struct np_pp *ps);

#endif
