/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Proxy authentication: credentials (read before the privilege drop) and
 * one proxy's exchange, whichever scheme it runs. */
#include "proxy_auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "krb_lib.h"
#include "../tls/tls_b64.h"

/* A proxy that keeps answering 407 with new tokens is not let run on:
 * Negotiate takes one or two legs, NTLM two, Basic one. */
#define MAX_LEGS 6

static struct np_pauth_conf conf;
static char krb_note[300];     /* why no Kerberos credential was loaded, "" when nothing to say */
static krb5_error_code krb_kt_err; /* a client keytab's ticket request failed with this */

static char orig_cc[300];

const struct np_pauth_conf *np_pauth_conf(void)
{
	return &conf;
}

const char *np_pauth_cache_name(void)
{
	return orig_cc;
}

/* Fills mem (a new MEMORY: cache) from the ticket cache, or from a
 * client keytab; returns 0 or a krb5 error code with note set. */
static krb5_error_code load_ccache(krb5_context kc, krb5_ccache mem, const char *keytab, const char *principal,
				   char *note, size_t notelen)
{
	krb5_ccache src = NULL;
	krb5_principal me = NULL;
	krb5_keytab kt = NULL;
	krb5_creds creds;
	krb5_error_code e;
	const char *m;

	memset(&creds, 0, sizeof(creds));
	if (!keytab) {
		e = np_krb.krb5_cc_default(kc, &src);
		if (!e) {
			char *full = NULL;

			if (np_krb.krb5_cc_get_full_name(kc, src, &full) == 0) {
				snprintf(orig_cc, sizeof(orig_cc), "%s", full);
				np_krb.krb5_free_string(kc, full);
			}
			e = np_krb.krb5_cc_get_principal(kc, src, &me);
		}
		if (!e)
			e = np_krb.krb5_cc_initialize(kc, mem, me);
		if (!e)
			e = np_krb.krb5_cc_copy_creds(kc, src, mem);
		if (e) {
			const char *env = getenv("KRB5CCNAME");

			m = np_krb.krb5_get_error_message(kc, e);
			/* Only an explicitly named cache that exists is worth a
			 * note: having none is the common case. */
			if (env && e != KRB5_FCC_NOFILE && e != KRB5_CC_NOTFOUND)
				snprintf(note, notelen, "the ticket cache %.120s could not be read: %.120s", env, m);
			np_krb.krb5_free_error_message(kc, m);
		}
		goto out;
	}
	e = np_krb.krb5_kt_resolve(kc, keytab, &kt);
	if (!e && principal && principal[0])
		e = np_krb.krb5_parse_name(kc, principal, &me);
	else if (!e) {
		/* No principal given: the keytab's first entry, as kinit -k. */
		krb5_kt_cursor cur;
		krb5_keytab_entry ent;

		e = np_krb.krb5_kt_start_seq_get(kc, kt, &cur);
		if (!e) {
			e = np_krb.krb5_kt_next_entry(kc, kt, &ent, &cur);
			if (!e) {
				e = np_krb.krb5_copy_principal(kc, ent.principal, &me);
				np_krb.krb5_free_keytab_entry_contents(kc, &ent);
			}
			np_krb.krb5_kt_end_seq_get(kc, kt, &cur);
		}
	}
	if (!e)
		e = np_krb.krb5_get_init_creds_keytab(kc, &creds, me, kt, 0, NULL, NULL);
	if (!e)
		e = np_krb.krb5_cc_initialize(kc, mem, me);
	if (!e)
		e = np_krb.krb5_cc_store_cred(kc, mem, &creds);
	if (e) {
		m = np_krb.krb5_get_error_message(kc, e);
		krb_kt_err = e;
		if (e == KRB5KRB_AP_ERR_SKEW)
			snprintf(note, notelen, "clock skew: the KDC refused a ticket for the keytab %.120s because this "
				 "host's clock and the KDC's differ by more than krb5 allows (5 minutes by default)", keytab);
		else if (e == KRB5_KDC_UNREACH) {
			char kdcs[400];
			int k = snprintf(note, notelen, "no KDC reachable for a ticket from the keytab %.60s (%.100s)",
					 keytab, m);

			np_pauth_kdc_probe(kdcs, sizeof(kdcs));
			if (kdcs[0] && k > 0 && (size_t)k + 3 < notelen) {
				size_t room = notelen - (size_t)k - 3, kl = strlen(kdcs);

				memcpy(note + k, ": ", 2);
				memcpy(note + k + 2, kdcs, kl < room ? kl : room);
				note[k + 2 + (kl < room ? kl : room)] = '\0';
			}
		} else
			snprintf(note, notelen, "the keytab %.120s gave no ticket: %.140s", keytab, m);
		np_krb.krb5_free_error_message(kc, m);
	}
out:
	np_krb.krb5_free_cred_contents(kc, &creds);
	if (me)
		np_krb.krb5_free_principal(kc, me);
	if (kt)
		np_krb.krb5_kt_close(kc, kt);
	if (src)
		np_krb.krb5_cc_close(kc, src);
	return e;
}

void np_pauth_prepare(const struct np_pauth_conf *c, const char *principal, char *note, size_t notelen)
{
	static krb5_context kc;
	static krb5_ccache mem;
	const char *keytab = c->keytab ? c->keytab : getenv("KRB5_CLIENT_KTNAME");
	char name[300], err[NP_ERRBUF_SIZE];

	conf = *c;
	note[0] = krb_note[0] = '\0';
	if (kc)
		return;
	if (np_krb_load(err) < 0) {
		snprintf(note, notelen, "no Kerberos: %s", err);
		return;
	}
	if (np_krb.krb5_init_context(&kc))
		return;
	/* The ticket cache first (what the user holds), then a keytab:
	 * --proxy-keytab wins over both. */
	if (np_krb.krb5_cc_new_unique(kc, "MEMORY", NULL, &mem))
		return;
	if (load_ccache(kc, mem, c->keytab, principal, krb_note, sizeof(krb_note)) != 0 && !c->keytab && keytab)
		load_ccache(kc, mem, keytab, principal, krb_note, sizeof(krb_note));
	/* The MEMORY: cache stays open for the life of the process; every
	 * later GSSAPI call finds it through KRB5CCNAME. */
	snprintf(name, sizeof(name), "MEMORY:%s", np_krb.krb5_cc_get_name(kc, mem));
	setenv("KRB5CCNAME", name, 1);
	snprintf(note, notelen, "%s", krb_note);
}

/* --- one proxy's exchange ------------------------------------------------ */

struct np_pauth {
	char host[300];
	char user[256], pass[256];
	unsigned scheme;           /* chosen, 0 until a 407 */
	unsigned allowed;          /* --proxy-auth, or the profile's proxy_auth */
	int legs, legs_total;
	int have_krb;              /* -1 unknown */
	char krb_why[300];
	struct np_pauth_gss *gss;
	char spn[300];
	char why[600];
};

struct np_pauth *np_pauth_new(const char *proxy_host, const char *user, const char *pass)
{
	struct np_pauth *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	snprintf(s->host, sizeof(s->host), "%s", proxy_host);
	if (user && user[0]) {
		snprintf(s->user, sizeof(s->user), "%s", user);
		snprintf(s->pass, sizeof(s->pass), "%s", pass ? pass : "");
	} else if (conf.user && conf.user[0]) {
		snprintf(s->user, sizeof(s->user), "%s", conf.user);
		snprintf(s->pass, sizeof(s->pass), "%s", conf.password ? conf.password : "");
	}
	s->have_krb = -1;
	s->allowed = conf.allowed;
	return s;
}

void np_pauth_set_allowed(struct np_pauth *s, unsigned allowed)
{
	if (s)
		s->allowed = allowed;
}

void np_pauth_free(struct np_pauth *s)
{
	if (!s)
		return;
	np_pauth_gss_free(s->gss);
	explicit_bzero(s->pass, sizeof(s->pass));
	free(s);
}

static size_t basic_value(struct np_pauth *s, char *val, size_t len)
{
	char cred[520], b64[720];
	int n = snprintf(cred, sizeof(cred), "%s:%s", s->user, s->pass);
	size_t r = 0;

	if (n > 0 && (size_t)n < sizeof(cred) && np_tls_base64(cred, (size_t)n, b64, sizeof(b64)) &&
	    (size_t)snprintf(val, len, "Basic %s", b64) < len)
		r = strlen(val);
	explicit_bzero(cred, sizeof(cred));
	return r;
}

size_t np_pauth_first(struct np_pauth *s, char *val, size_t len)
{
	if (len)
		val[0] = '\0';
	/* Pre-emptive Basic only when asked for by name: in auto mode the
	 * password is not sent in the clear to a proxy that may want
	 * Negotiate (curl's --proxy-anyauth does the same). */
	if (s->allowed == NP_PAUTH_BASIC && s->user[0]) {
		s->scheme = NP_PAUTH_BASIC;
		s->legs = s->legs_total = 1;
		return basic_value(s, val, len);
	}
	return 0;
}

__attribute__((format(printf, 2, 3))) static int fail(struct np_pauth *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return NP_PAUTH_FAILED;
}

static int gss_leg(struct np_pauth *s, const char *token, char *val, size_t len)
{
	const char *name = np_pauth_scheme_name(s->scheme);
	char out[NP_PAUTH_TOKEN_MAX * 4];
	int r;

	if (s->legs > 0 && !token[0]) {
		np_pauth_gss_free(s->gss);
		s->gss = NULL;
		if (s->scheme == NP_PAUTH_NTLM)
			return fail(s, "the proxy refused the NTLM answer after the full exchange (user %s: wrong "
				    "password, or an unknown user)", s->user);
		return fail(s, "the proxy refused the %s answer (407 again, without a token)%s", name,
			    s->scheme == NP_PAUTH_NEGOTIATE ? ": the proxy would not take the Kerberos ticket (its clock "
			    "and the KDC's differ, or its keytab does not match the KDC's key)" : "");
	}
	r = np_pauth_gss_step(&s->gss, s->scheme, s->host, s->user, s->pass, token, out, sizeof(out), s->spn,
			      sizeof(s->spn), s->why, sizeof(s->why));
	if (r < 0)
		return NP_PAUTH_FAILED;
	if (r == 0)
		return fail(s, "the proxy answered 407 to a completed %s exchange", name);
	if ((size_t)snprintf(val, len, "%s %s", name, out) >= len)
		return fail(s, "the %s token is too long to send", name);
	s->legs++;
	s->legs_total++;
	return NP_PAUTH_SEND;
}

int np_pauth_step(struct np_pauth *s, const struct np_pauth_challenges *c, char *val, size_t len)
{
	if (len)
		val[0] = '\0';
	if (s->legs_total >= MAX_LEGS)
		return fail(s, "no end to the %s exchange (407 after 407)", np_pauth_scheme_name(s->scheme));
	if (!s->scheme || !(c->offered & s->scheme)) {
		unsigned have = 0;
		const char *missing[3];
		static const char *const nopass =
			"no user and password (user:pass@ in the proxy URL, or --proxy-user with NETPROBE_PROXY_PASSWORD)";

		if (s->user[0])
			have |= NP_PAUTH_BASIC | NP_PAUTH_NTLM;
		if ((c->offered & NP_PAUTH_NEGOTIATE) && s->have_krb < 0) {
			s->have_krb = np_pauth_gss_have_krb(s->krb_why, sizeof(s->krb_why));
			if (krb_note[0] && !s->have_krb)
				snprintf(s->krb_why, sizeof(s->krb_why), "%s", krb_note);
		}
		if (s->have_krb > 0)
			have |= NP_PAUTH_NEGOTIATE;
		/* A keytab was there but the KDC gave no ticket for it: a
		 * credential exists, authentication failed (clock skew, no KDC). */
		if (!s->have_krb && krb_kt_err && (c->offered & NP_PAUTH_NEGOTIATE) &&
		    (s->allowed == NP_PAUTH_AUTO || s->allowed == NP_PAUTH_NEGOTIATE) &&
		    !(have & c->offered & (s->allowed ? s->allowed : 7u))) {
			s->scheme = NP_PAUTH_NEGOTIATE;
			return fail(s, "%s", krb_note);
		}
		missing[0] = missing[1] = nopass;
		missing[2] = s->krb_why[0] ? s->krb_why : "no Kerberos ticket";
		s->scheme = np_pauth_choose(c->offered, have, s->allowed, missing, s->why, sizeof(s->why));
		s->legs = 0;
		if (!s->scheme)
			return NP_PAUTH_NONE;
	}
	if (s->scheme == NP_PAUTH_BASIC) {
		if (s->legs > 0)
			return fail(s, "the proxy refused the Basic credentials of user %s", s->user);
		s->legs++;
		s->legs_total++;
		return basic_value(s, val, len) ? NP_PAUTH_SEND : fail(s, "the Basic credentials are too long");
	}
	return gss_leg(s, s->scheme == NP_PAUTH_NTLM ? c->ntlm_token : c->nego_token, val, len);
}

int np_pauth_restart(struct np_pauth *s, char *val, size_t len)
{
	struct np_pauth_challenges c;

	np_pauth_gss_free(s->gss);
	s->gss = NULL;
	s->legs = 0;
	np_pauth_reset(&c);
	c.offered = s->scheme;
	return np_pauth_step(s, &c, val, len);
}

unsigned np_pauth_scheme(const struct np_pauth *s)
{
	return s->scheme;
}

const char *np_pauth_why(const struct np_pauth *s)
{
	return s->why;
}

const char *np_pauth_spn(const struct np_pauth *s)
{
	return s->spn;
}
