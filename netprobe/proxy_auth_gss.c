/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Negotiate (SPNEGO over Kerberos, RFC 4559) and NTLM (the gss-ntlmssp
 * mechanism) through MIT krb5's GSSAPI: no hand-written crypto. */
#include "proxy_auth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "krb_lib.h"
#include "../tls/tls_b64.h"

/* 1.3.6.1.5.5.2 (RFC 4178), 1.2.840.113554.1.2.2 (RFC 1964) and
 * 1.3.6.1.4.1.311.2.2.10 (MS-NLMP, gss-ntlmssp's mechanism). */
static gss_OID_desc oid_spnego = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
static gss_OID_desc oid_krb5 = {9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
static gss_OID_desc oid_ntlm = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

struct np_pauth_gss {
	gss_ctx_id_t ctx;
	gss_cred_id_t cred;
	gss_name_t target;
	unsigned scheme;
};

/* The status text of one kind (GSS major or mechanism minor). */
static void status_text(OM_uint32 code, int type, gss_OID mech, char *out, size_t len)
{
	OM_uint32 more = 0, min;
	size_t w = 0;

	out[0] = '\0';
	do {
		gss_buffer_desc b = GSS_C_EMPTY_BUFFER;

		if (GSS_ERROR(np_krb.gss_display_status(&min, code, type, mech, &more, &b)))
			break;
		if (w + 3 < len) {
			int n = snprintf(out + w, len - w, "%s%.*s", w ? "; " : "", (int)b.length, (char *)b.value);

			if (n > 0)
				w += (size_t)n < len - w ? (size_t)n : len - w - 1;
		}
		np_krb.gss_release_buffer(&min, &b);
	} while (more);
}

/*
 * The reason in words for a failed leg. The Kerberos mechanism's minor
 * codes are krb5 error codes (SPNEGO passes them through): the ones a
 * proxy user meets get a sentence; others are quoted as GSSAPI says them.
 */
static int explain(OM_uint32 maj, OM_uint32 min, gss_OID mech, const char *spn, char *why, size_t whylen)
{
	char mt[200], nt[300];
	krb5_error_code k = (krb5_error_code)min;

	status_text(min, GSS_C_MECH_CODE, mech, nt, sizeof(nt));
	status_text(maj, GSS_C_GSS_CODE, GSS_C_NO_OID, mt, sizeof(mt));
	/* SPNEGO maps the Kerberos minor codes to its own: the mechanism's
	 * text is matched as well (krb5's error table wording). */
	if (k == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN || strstr(nt, "not found in Kerberos database")) {
		/* "Server HTTP/proxy.lab@REALM not found in Kerberos database" */
		const char *s = strstr(nt, "Server "), *e = s ? strstr(s, " not found") : NULL;

		if (s && e)
			snprintf(why, whylen, "the KDC does not know %.*s (the proxy's SPN is missing)",
				 (int)(e - s - 7), s + 7);
		else
			snprintf(why, whylen, "the KDC does not know the proxy's principal %s (the SPN is missing)", spn);
	} else if (k == KRB5KRB_AP_ERR_SKEW || strstr(nt, "Clock skew too great")) {
		snprintf(why, whylen, "clock skew: this host's clock and the KDC's differ by more than krb5 allows "
			 "(5 minutes by default)");
	} else if (k == KRB5KRB_AP_ERR_TKT_EXPIRED || GSS_ROUTINE_ERROR(maj) == GSS_S_CREDENTIALS_EXPIRED ||
		   strstr(nt, "Ticket expired") || strstr(nt, "credentials have expired")) {
		snprintf(why, whylen, "the Kerberos ticket has expired (kinit again)");
	} else if (k == KRB5_KDC_UNREACH || k == KRB5_REALM_CANT_RESOLVE || strstr(nt, "Cannot contact any KDC") ||
		   strstr(nt, "Cannot find KDC")) {
		char kdcs[480];

		np_pauth_kdc_probe(kdcs, sizeof(kdcs));
		snprintf(why, whylen, "no KDC reachable for the realm (%.150s)%s%s", nt[0] ? nt : mt, kdcs[0] ? ": " : "",
			 kdcs);
		return 1;
	} else if (k == KRB5_FCC_NOFILE || k == KRB5_CC_NOTFOUND || k == KRB5_CC_NOSUPP ||
		   GSS_ROUTINE_ERROR(maj) == GSS_S_NO_CRED) {
		const char *cc = np_pauth_cache_name();

		snprintf(why, whylen, "no Kerberos ticket%s%s%s (kinit, or a client keytab)", cc[0] ? " in " : "", cc,
			 "");
	} else {
		snprintf(why, whylen, "GSSAPI: %s%s%s", mt, nt[0] ? ": " : "", nt);
	}
	return 0;
}

/*
 * "No KDC reachable", as the last Negotiate step for a service principal
 * found it. krb5 takes seconds to find that out (it retries every KDC of
 * the realm), and the loop waits for it: a run of 300 targets through one
 * proxy must not ask 300 times in a row. A step for the same principal
 * within NO_KDC_KEEP_US gives the same reason at once; a watch's later
 * cycles ask again.
 */
#define NO_KDC_MAX 8
#define NO_KDC_KEEP_US (INT64_C(30) * 1000000)

static struct {
	char spn[260];
	char why[600];               /* as np_pauth keeps its reason */
	int64_t at_us;
} no_kdc[NO_KDC_MAX];

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int no_kdc_known(const char *spn, char *why, size_t whylen)
{
	int64_t now = mono_us();

	for (size_t i = 0; i < NO_KDC_MAX; i++)
		if (no_kdc[i].at_us && now - no_kdc[i].at_us < NO_KDC_KEEP_US && strcmp(no_kdc[i].spn, spn) == 0) {
			snprintf(why, whylen, "%s (found %.0f s earlier for %s; krb5 not asked again for %d s)",
				 no_kdc[i].why, (double)(now - no_kdc[i].at_us) / 1e6, spn,
				 (int)(NO_KDC_KEEP_US / 1000000));
			return 1;
		}
	return 0;
}

static void no_kdc_note(const char *spn, const char *why)
{
	size_t k = 0;

	/* its own entry, else the oldest */
	for (size_t i = 0; i < NO_KDC_MAX; i++) {
		if (strcmp(no_kdc[i].spn, spn) == 0) {
			k = i;
			break;
		}
		if (no_kdc[i].at_us < no_kdc[k].at_us)
			k = i;
	}
	snprintf(no_kdc[k].spn, sizeof(no_kdc[k].spn), "%s", spn);
	snprintf(no_kdc[k].why, sizeof(no_kdc[k].why), "%s", why);
	no_kdc[k].at_us = mono_us();
}

int np_pauth_gss_have_krb(char *why, size_t whylen)
{
	OM_uint32 maj, min;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	gss_OID_set_desc mechs = {1, &oid_krb5};
	OM_uint32 life = 0;
	char err[NP_ERRBUF_SIZE];

	if (np_krb_load(err) < 0) {
		snprintf(why, whylen, "%s", err);
		return 0;
	}
	maj = np_krb.gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &cred, NULL, &life);
	if (GSS_ERROR(maj)) {
		explain(maj, min, &oid_krb5, "", why, whylen);
		return 0;
	}
	np_krb.gss_release_cred(&min, &cred);
	return 1;
}

static int acquire(struct np_pauth_gss *g, const char *user, const char *pass, char *why, size_t whylen)
{
	OM_uint32 maj, min;

	if (g->scheme == NP_PAUTH_NTLM) {
		gss_OID_set_desc mechs = {1, &oid_ntlm};
		gss_buffer_desc nb = {strlen(user), (void *)user}, pb = {strlen(pass), (void *)pass};
		gss_name_t name = GSS_C_NO_NAME;

		maj = np_krb.gss_import_name(&min, &nb, &np_krb_nt_user_name, &name);
		if (!GSS_ERROR(maj))
			maj = np_krb.gss_acquire_cred_with_password(&min, name, &pb, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
							     &g->cred, NULL, NULL);
		np_krb.gss_release_name(&min, &name);
		if (GSS_ERROR(maj)) {
			explain(maj, min, &oid_ntlm, "", why, whylen);
			return NP_EINVAL;
		}
		return 0;
	} else {
		/* SPNEGO, but only over Kerberos: NTLM inside Negotiate would
		 * hide which scheme ran, and --proxy-auth ntlm asks for it by
		 * name. */
		gss_OID_set_desc mechs = {1, &oid_spnego}, neg = {1, &oid_krb5};

		maj = np_krb.gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &g->cred, NULL,
				       NULL);
		if (!GSS_ERROR(maj))
			maj = np_krb.gss_set_neg_mechs(&min, g->cred, &neg);
		if (GSS_ERROR(maj)) {
			explain(maj, min, &oid_krb5, "", why, whylen);
			return NP_EINVAL;
		}
		return 0;
	}
}

int np_pauth_gss_step(struct np_pauth_gss **gp, unsigned scheme, const char *host, const char *user,
		      const char *pass, const char *in_b64, char *out_b64, size_t outlen, char *spn,
		      size_t spnlen, char *why, size_t whylen)
{
	struct np_pauth_gss *g = *gp;
	OM_uint32 maj, min, flags = 0;
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_OID mech = scheme == NP_PAUTH_NTLM ? &oid_ntlm : &oid_spnego;
	unsigned char *raw = NULL;
	int rc = NP_EINVAL;

	snprintf(spn, spnlen, "HTTP@%s", host);
	if (!g && np_krb_load(why) < 0)
		return NP_EINVAL;
	if (!g) {
		gss_buffer_desc nb;

		g = *gp = calloc(1, sizeof(*g));
		if (!g) {
			snprintf(why, whylen, "out of memory");
			return NP_ENOMEM;
		}
		g->scheme = scheme;
		g->ctx = GSS_C_NO_CONTEXT;
		g->cred = GSS_C_NO_CREDENTIAL;
		g->target = GSS_C_NO_NAME;
		if (acquire(g, user, pass, why, whylen) < 0)
			goto out;
		/* RFC 4559 4.1: the service principal is HTTP@<the proxy's
		 * name as the user wrote it>. */
		nb.value = spn;
		nb.length = strlen(spn);
		maj = np_krb.gss_import_name(&min, &nb, &np_krb_nt_hostbased_service, &g->target);
		if (GSS_ERROR(maj)) {
			explain(maj, min, mech, spn, why, whylen);
			goto out;
		}
	}
	if (in_b64 && in_b64[0]) {
		size_t cap = strlen(in_b64) / 4 * 3 + 3;
		long n;

		raw = malloc(cap);
		n = raw ? np_tls_unbase64(in_b64, raw, cap) : -1;
		if (n < 0) {
			snprintf(why, whylen, "the proxy's %s token is not base64", np_pauth_scheme_name(scheme));
			goto out;
		}
		in.value = raw;
		in.length = (size_t)n;
	} else if (g->ctx != GSS_C_NO_CONTEXT) {
		snprintf(why, whylen, "the proxy refused the %s answer (407 without a token)",
			 np_pauth_scheme_name(scheme));
		goto out;
	}
	/* (a first leg only: a later one answers the proxy's token) */
	if (scheme != NP_PAUTH_NTLM && g->ctx == GSS_C_NO_CONTEXT && no_kdc_known(spn, why, whylen))
		goto out;
	maj = np_krb.gss_init_sec_context(&min, g->cred, &g->ctx, g->target, mech,
				   scheme == NP_PAUTH_NTLM ? 0 : GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS, &in,
				   NULL, &out, &flags, NULL);
	if (GSS_ERROR(maj)) {
		if (explain(maj, min, scheme == NP_PAUTH_NTLM ? &oid_ntlm : &oid_krb5, spn, why, whylen) &&
		    scheme != NP_PAUTH_NTLM)
			no_kdc_note(spn, why);
		goto out;
	}
	if (out.length == 0) {
		rc = 0;
		goto out;
	}
	if (np_tls_base64(out.value, out.length, out_b64, outlen) == 0) {
		snprintf(why, whylen, "the %s token is too long to send", np_pauth_scheme_name(scheme));
		goto out;
	}
	rc = 1;
out:
	np_krb.gss_release_buffer(&min, &out);
	free(raw);
	return rc;
}

void np_pauth_gss_free(struct np_pauth_gss *g)
{
	OM_uint32 min;

	if (!g)
		return;
	if (g->ctx != GSS_C_NO_CONTEXT)
		np_krb.gss_delete_sec_context(&min, &g->ctx, GSS_C_NO_BUFFER);
	if (g->cred != GSS_C_NO_CREDENTIAL)
		np_krb.gss_release_cred(&min, &g->cred);
	if (g->target != GSS_C_NO_NAME)
		np_krb.gss_release_name(&min, &g->target);
	free(g);
}
