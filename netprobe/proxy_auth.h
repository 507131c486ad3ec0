/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROXY_AUTH_H
#define NETPROBE_PROXY_AUTH_H

/*
 * Proxy authentication, curl's lib/vauth/ shape: the schemes (Negotiate and
 * NTLM through GSSAPI, Basic) behind one interface. The CONNECT code asks
 * for the next Proxy-Authorization value and hands over the proxy's 407
 * challenges; this module never touches a socket.
 */

#include <stddef.h>

#include "error.h"

/* Schemes, as bits (what a 407 offers, what credentials exist). */
enum {
	NP_PAUTH_AUTO = 0,       /* --proxy-auth auto: the best one offered */
	NP_PAUTH_BASIC = 1,
	NP_PAUTH_NTLM = 2,
	NP_PAUTH_NEGOTIATE = 4,
};

/* A token68 bound: a Kerberos AP-REQ with a Windows PAC runs to ~12 KB of
 * base64, but a proxy's challenge (NTLM's type 2, SPNEGO's reply) stays
 * well under this; a longer one is refused, not truncated. */
#define NP_PAUTH_TOKEN_MAX 4096
#define NP_PAUTH_MAX_CHALLENGES 16

/* Every challenge of a 407's Proxy-Authenticate headers (RFC 9110 11.6.1,
 * 11.7.1). */
struct np_pauth_challenges {
	unsigned offered;                    /* NP_PAUTH_* bits */
	char names[160];                     /* the schemes as offered, "Negotiate, NTLM, Basic" */
	char realm[128];                     /* Basic's realm, masked to printable ASCII */
	char ntlm_token[NP_PAUTH_TOKEN_MAX]; /* the NTLM challenge's token68, "" when none */
	char nego_token[NP_PAUTH_TOKEN_MAX]; /* Negotiate's, "" when none */
	size_t n;                            /* challenges seen (bounded) */
	const char *why;                     /* on NP_EINVAL: what is malformed */
};

/* One Proxy-Authenticate field value, added to c (call np_pauth_reset
 * first). 0, or NP_EINVAL with c->why: a malformed challenge, an
 * unterminated quoted string, a token longer than NP_PAUTH_TOKEN_MAX. */
int np_pauth_parse_value(const char *v, size_t n, struct np_pauth_challenges *c);

/* Every Proxy-Authenticate header of a complete response head (as
 * np_http_head_parse accepted it: lines end in CR LF or LF). */
int np_pauth_parse_head(const char *head, size_t len, struct np_pauth_challenges *c);

void np_pauth_reset(struct np_pauth_challenges *c);

/* "negotiate", "ntlm", "basic", "auto" -> NP_PAUTH_*, or -1. */
int np_pauth_scheme_parse(const char *s);
/* "Negotiate", "NTLM", "Basic", "none" */
const char *np_pauth_scheme_name(unsigned scheme);

/*
 * The scheme to answer with: Negotiate, then NTLM, then Basic, among
 * those offered that have credentials (have), or only `allowed` when it is
 * not NP_PAUTH_AUTO. 0 when none fits; why then says, per scheme offered,
 * why it could not be used (missing[] indexes 0 Basic, 1 NTLM, 2
 * Negotiate: what is missing for each, or NULL for "not allowed").
 */
unsigned np_pauth_choose(unsigned offered, unsigned have, unsigned allowed, const char *const missing[3],
			 char *why, size_t whylen);

/* --- credentials (process-wide, prepared before the privilege drop) --- */

struct np_pauth_conf {
	unsigned allowed;          /* --proxy-auth */
	const char *keytab;        /* --proxy-keytab, or NULL */
	const char *user;          /* --proxy-user, or NULL */
	const char *password;      /* NETPROBE_PROXY_PASSWORD, or NULL */
};

/*
 * Before the privilege drop: read the user's Kerberos credentials (the
 * ticket cache KRB5CCNAME names, or a client keytab: --proxy-keytab with
 * principal, else KRB5_CLIENT_KTNAME) into a MEMORY: cache the process
 * keeps, so an unprivileged netprobe can still use root's 0600 files.
 * principal: the proxy URL's user part, or NULL. note gets what was done
 * or why it could not be ("" when nothing to say). Never fails the run.
 */
void np_pauth_prepare(const struct np_pauth_conf *conf, const char *principal, char *note, size_t notelen);
const struct np_pauth_conf *np_pauth_conf(void);
/* The ticket cache the user had (before the MEMORY: copy), "" if none. */
const char *np_pauth_cache_name(void);

/* --- one proxy's exchange --- */

struct np_pauth;

/* user/pass from the proxy URL ("" when none); --proxy-user and the
 * password variable apply when the URL has none. */
struct np_pauth *np_pauth_new(const char *proxy_host, const char *user, const char *pass);
void np_pauth_free(struct np_pauth *s);
/* The schemes this exchange may use (a profile check's proxy_auth), in
 * place of the process-wide --proxy-auth. */
void np_pauth_set_allowed(struct np_pauth *s, unsigned allowed);

/* After krb5 found no KDC: the realm's KDCs (krb5.conf) and what tcp/88
 * and udp/88 of each address did, probed at once within 1 s, in words
 * (netprobe/proxy_auth_kdc.c). */
void np_pauth_kdc_probe(char *out, size_t len);

enum { NP_PAUTH_SEND = 1, NP_PAUTH_NONE = 0, NP_PAUTH_FAILED = -1 };

/*
 * The Proxy-Authorization value for the first request ("" unless Basic
 * is sent pre-emptively: --proxy-auth basic). Returns its length.
 */
size_t np_pauth_first(struct np_pauth *s, char *val, size_t len);

/*
 * After a 407 with challenges c: NP_PAUTH_SEND with val the next value
 * (for the same connection, or a new one after np_pauth_restart);
 * NP_PAUTH_NONE when no scheme offered can be used (np_pauth_why says
 * why); NP_PAUTH_FAILED when the chosen scheme's exchange failed or the
 * proxy refused its final answer (np_pauth_why, np_pauth_scheme).
 */
int np_pauth_step(struct np_pauth *s, const struct np_pauth_challenges *c, char *val, size_t len);

/* The proxy closed the connection mid-exchange: the value to begin again
 * with on a new one (the scheme already chosen); returns as np_pauth_step. */
int np_pauth_restart(struct np_pauth *s, char *val, size_t len);

unsigned np_pauth_scheme(const struct np_pauth *s);
const char *np_pauth_why(const struct np_pauth *s);
/* The service principal name used ("HTTP@proxy.example"), "" before Negotiate ran. */
const char *np_pauth_spn(const struct np_pauth *s);

/* --- the GSSAPI mechanisms (proxy_auth_gss.c) --- */

struct np_pauth_gss;

/* 1 if a Kerberos credential can be had (why says otherwise). */
int np_pauth_gss_have_krb(char *why, size_t whylen);

/*
 * One leg of Negotiate (SPNEGO over Kerberos) or NTLM (gss-ntlmssp) toward
 * HTTP@host: in_b64 the proxy's token ("" on the first leg), out_b64 the
 * answer's. 1 a token to send, 0 the context is complete with nothing to
 * send, NP_EINVAL (why: the reason in words) on failure.
 */
int np_pauth_gss_step(struct np_pauth_gss **g, unsigned scheme, const char *host, const char *user,
		      const char *pass, const char *in_b64, char *out_b64, size_t outlen, char *spn,
		      size_t spnlen, char *why, size_t whylen);
void np_pauth_gss_free(struct np_pauth_gss *g);

#endif
