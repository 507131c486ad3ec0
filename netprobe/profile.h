/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROFILE_H
#define NETPROBE_PROFILE_H

/*
 * Profiles for `netprobe run`: a YAML file (libyaml) that names the checks
 * of a sign-off run, their targets and options, what each is expected to
 * prove (allow or deny) and whether it is required. This module parses and
 * validates; it runs nothing. Every string of the model lives as long as
 * the profile; np_profile_free() releases all of it at once.
 */

#include <stddef.h>

#include "arena.h"
#include "error.h"

/* Bounds, so that hostile input costs little. Lists of options are bounded
 * as the probes take them (the parser checks these against probe_*.h). */
#define NP_PROFILE_MAX_BYTES (1024 * 1024)      /* YAML text */
#define NP_PROFILE_MAX_CHECKS 256
#define NP_PROFILE_MAX_TARGETS 1024             /* per check, after ${} lists */
#define NP_PROFILE_MAX_DEPTH 8                  /* nested lists and mappings */
#define NP_PROFILE_MAX_VALUE 4096               /* one value, after ${} */
#define NP_PROFILE_MAX_MEMORY (32 * 1024 * 1024) /* the whole model */
#define NP_PROFILE_MAX_PROXIES 8
#define NP_PROFILE_MAX_ISSUERS 16
#define NP_PROFILE_MAX_RESOLVERS 16
#define NP_PROFILE_MAX_TYPES 8
#define NP_PROFILE_MAX_LIST 64                  /* tags, internal names */
#define NP_PROFILE_MAX_RUNGS 16
#define NP_PROFILE_MAX_VARS 64                  /* --set pairs */
#define NP_PROFILE_VAR_NAME_MAX 64
#define NP_PROFILE_VAR_VALUE_MAX 1024
#define NP_PROFILE_NAME_MAX 64
#define NP_PROFILE_SECTION_MAX 120              /* a checklist heading, bytes */

enum np_check_kind {
	NP_CHECK_DNS = 0,
	NP_CHECK_TCP,
	NP_CHECK_TLS,
	NP_CHECK_HTTP,          /* plain-HTTP targets of the TLS probe */
	NP_CHECK_IDLE,
	NP_CHECK_NAT,
	NP_CHECK_FAMILY,
	NP_CHECK_TRACE,
	NP_CHECK_KINDS,
};

/* "dns", "tcp", ...; "?" out of range. */
const char *np_check_kind_name(enum np_check_kind kind);

enum np_expect {
	NP_EXPECT_ALLOW = 0,    /* the check passes when the path works */
	NP_EXPECT_DENY,         /* it passes when the path is closed (filtered, rejected) */
};

/* Why a check is to be reported `skip` rather than run. */
enum np_skip {
	NP_SKIP_NONE = 0,
	NP_SKIP_UNSET,          /* it uses ${skip_var}, which no --set gave */
	NP_SKIP_UNLESS,         /* unless_set: skip_var, and --set gave it */
};

struct np_strv {
	const char **v;
	size_t n;
};

struct np_ladder {
	unsigned s[NP_PROFILE_MAX_RUNGS];       /* seconds, ascending, distinct */
	size_t n;                               /* 0: the probe's default */
};

/*
 * Options, a small typed set per kind; a field a kind does not take stays
 * zero. Unset fields mean the probe's own default. The check's copy holds
 * what the profile's defaults gave where the check did not say.
 */
struct np_check_opts {
	double timeout_s;               /* all: seconds per probe; 0: default */
	struct np_strv proxies;         /* tls http idle: "none", "auto", http:// URLs, machine-config:, pac: */
	const char *proxy_auth;         /* tls http idle: negotiate ntlm basic any; NULL: --proxy-auth's */
	const char *ca;                 /* tls idle: CA file; NULL: the system store */
	const char *sni;                /* tls idle */
	const char *min_tls;            /* tls: "1.0" "1.1" "1.2" "1.3" */
	struct np_strv expect_issuer;   /* tls: issuer substrings */
	const char *revocation;         /* tls idle: "on" or "off" (default) */
	const char *revocation_unreachable; /* tls: "fail" (default) or "warn" */
	struct np_ladder ladder;        /* idle */
	unsigned idle_s;                /* idle: the silence required; 0: default */
	unsigned conns;                 /* idle: connections per rung */
	int tcp;                        /* dns: queries over TCP; idle: a responder's echo */
	const char *token;              /* idle nat: the responder's token */
	struct np_strv resolvers;       /* dns: ADDR[:PORT] */
	struct np_strv types;           /* dns: "A" "AAAA" "SRV" ..., upper case */
	const char *domain;             /* dns: the AD domain (its DC SRV records) */
	const char *netbios;            /* dns */
	struct np_strv internal;        /* dns: internal names */
	const char *responder;          /* nat: host:port of a netprobe responder */
	const char *stun;               /* nat: host[:port] of a STUN server */
	unsigned max_hops;              /* trace */
	unsigned probes;                /* trace: probes per hop */
	int udp;                        /* trace */
};

struct np_profile_check {
	enum np_check_kind kind;
	/* As written, ${} filled in; a list value with commas gives one target
	 * per value. http targets always carry "http://". */
	struct np_strv targets;
	struct np_check_opts opt;
	enum np_expect expect;
	int required;                   /* default 1; 0: a failure only warns */
	struct np_strv tags;
	const char *section;            /* the checklist item (section:), or NULL */
	int line, column;               /* of the check's list item, 1-based */
	enum np_skip skip;
	const char *skip_var;           /* the variable the skip names */
};

struct np_profile {
	const char *name;
	const char *description;        /* "" when none */
	const char *file;               /* the display name given to the parser */
	struct np_check_opts defaults;
	struct np_profile_check *checks;
	size_t n_checks;
	struct np_arena arena;          /* owns every string above */
};

/* --set NAME=VALUE pairs. */
struct np_vars;

/*
 * From "name=value" strings (--set): a name is [A-Za-z_][A-Za-z0-9_]*,
 * the value non-empty, without control characters; the last of two equal
 * names wins. NULL with a message naming the bad pair.
 */
struct np_vars *np_vars_new(const char *const *pairs, size_t n, char *errbuf);
void np_vars_free(struct np_vars *vars);

/* The first --set name no profile parsed with vars referred to (a typo,
 * most likely), or NULL. */
const char *np_vars_unused(const struct np_vars *vars);

/*
 * Parse a profile of len bytes (not NUL-terminated). display names the
 * input in errors: "display:line:column: path: message", e.g.
 * "lab.yaml:12:7: checks[3].tcp: unknown key 'expct'" (checks counted
 * from 0). vars may be NULL (no --set); what it holds fills ${name}, and
 * it records which names were used. NULL on error.
 */
struct np_profile *np_profile_parse(const char *buf, size_t len, const char *display,
				    struct np_vars *vars, char *errbuf);
void np_profile_free(struct np_profile *p);

/*
 * --profile NAME|FILE: a built-in profile by name, else a file (at most
 * NP_PROFILE_MAX_BYTES). A name with a '/' or ending in .yaml/.yml is
 * always a file.
 */
struct np_profile *np_profile_load(const char *name_or_file, struct np_vars *vars, char *errbuf);

/* The YAML text of a built-in profile (NUL-terminated; *len without the
 * NUL), or NULL. Built-ins are compiled from fixtures/profiles/. */
const char *np_profile_builtin(const char *name, size_t *len);

/* The i-th built-in's name, for --list-profiles; NULL past the last. */
const char *np_profile_builtin_name(size_t i);

#endif
