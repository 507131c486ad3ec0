/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe idle: proxy authentication in the CONNECT of each connection
 * (netprobe/proxy_auth.h does the schemes). The exchange's state lives
 * only while the tunnel is being set up: ten thousand silent connections
 * hold none of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "probe_idle_int.h"
#include "proxy_auth.h"

#define AUTH_OUT (NP_PAUTH_TOKEN_MAX * 2 + 512)

struct np_idle_auth {
	struct np_pauth *s;
	struct np_pauth_challenges chal;
	struct np_http_body body;
	int draining;
	char authz[NP_PAUTH_TOKEN_MAX * 2 + 32];
};

void np_idle_auth_free(struct iconn *r)
{
	if (!r->auth)
		return;
	np_pauth_free(r->auth->s);
	free(r->auth);
	r->auth = NULL;
}

/* The CONNECT, with the exchange's current value, into r->out (grown to
 * hold a Kerberos token). 0, or -1 out of memory. */
static int build(struct iconn *r)
{
	struct idle_state *st = r->p->st;
	const char *v = r->auth ? r->auth->authz : "", *tok = strchr(v, ' ');
	char *out = realloc(r->out, AUTH_OUT);

	if (!out)
		return -1;
	r->out = out;
	if (tok && tok[1])
		np_capture_add_secret(np_run_capture(st->run), tok + 1);
	r->out_len = np_proxy_connect_request_auth(v, st->plan.target.host, st->plan.target.port, r->out, AUTH_OUT);
	r->out_off = 0;
	r->in_len = 0;
	return r->out_len ? 0 : -1;
}

int np_idle_auth_connect(struct iconn *r)
{
	struct np_idle_auth *a = r->auth;

	if (!a) {
		a = r->auth = calloc(1, sizeof(*a));
		if (a)
			a->s = np_pauth_new(r->p->proxy.host, r->p->proxy.user, r->p->proxy.pass);
		if (a && a->s && r->p->proxy.auth_set)
			np_pauth_set_allowed(a->s, r->p->proxy.auth_allowed);
		if (!a || !a->s) {
			np_idle_auth_free(r);
			return -1;
		}
	}
	a->authz[0] = '\0';
	np_pauth_first(a->s, a->authz, sizeof(a->authz));
	return build(r);
}

int np_idle_auth_read(struct iconn *r, char *why, size_t whylen)
{
	struct np_idle_auth *a = r->auth;
	struct np_http_head h;
	size_t used = 0;
	int k;

	if (!a)
		return 0;
	if (a->draining) {
		k = np_http_body_feed(&a->body, r->in, r->in_len, &used);
		r->in_len = 0;
		if (k < 0) {
			snprintf(why, whylen, "proxy: its 407 body could not be skipped (malformed or over %d bytes)",
				 NP_HTTP_BODY_MAX);
			return -1;
		}
		if (k == 0)
			return 1;
		a->draining = 0;
		return build(r) < 0 ? (snprintf(why, whylen, "out of memory"), -1) : 2;
	}
	if (np_http_head_parse(r->in, r->in_len, &h) <= 0)
		return 0;
	if (h.status == 200) {
		if (a->authz[0])
			r->p->auth_used = np_pauth_scheme(a->s) ? np_pauth_scheme(a->s) : NP_PAUTH_BASIC;
		np_idle_auth_free(r);
		return 0;
	}
	if (h.status != 407)
		return 0;
	np_pauth_reset(&a->chal);
	if (np_pauth_parse_head(r->in, h.length, &a->chal) < 0) {
		snprintf(why, whylen, "proxy answered CONNECT with '%.100s': %s", h.status_line, a->chal.why);
		return -1;
	}
	k = np_pauth_step(a->s, &a->chal, a->authz, sizeof(a->authz));
	if (k == NP_PAUTH_FAILED || k == NP_PAUTH_NONE) {
		/* the verdict tls gives: the rung never had a tunnel to hold idle */
		r->proxy_verdict = k == NP_PAUTH_FAILED ? "proxy.auth_failed" : "proxy.auth_required";
		r->auth_scheme = k == NP_PAUTH_FAILED ? np_pauth_scheme(a->s) : 0;
		free(r->auth_schemes);
		free(r->auth_reason);
		r->auth_schemes = strdup(a->chal.names);
		r->auth_reason = np_pauth_why(a->s)[0] ? strdup(np_pauth_why(a->s)) : NULL;
	}
	if (k == NP_PAUTH_FAILED) {
		snprintf(why, whylen, "proxy answered CONNECT with '%.80s': %s authentication failed: %.400s",
			 h.status_line, np_pauth_scheme_name(np_pauth_scheme(a->s)), np_pauth_why(a->s));
		return -1;
	}
	if (k == NP_PAUTH_NONE) {
		snprintf(why, whylen, "proxy answered CONNECT with '%.80s': it wants authentication (%s): %.400s",
			 h.status_line, a->chal.names, np_pauth_why(a->s));
		return -1;
	}
	if (h.close || !np_http_body_init(&a->body, &h)) {
		snprintf(why, whylen, "proxy: it closes the connection after its 407, and the %s exchange needs one "
			 "connection", np_pauth_scheme_name(np_pauth_scheme(a->s)));
		return -1;
	}
	k = np_http_body_feed(&a->body, r->in + h.length, r->in_len - h.length, &used);
	r->in_len = 0;
	if (k < 0) {
		snprintf(why, whylen, "proxy: its 407 body could not be skipped");
		return -1;
	}
	if (k == 0) {
		a->draining = 1;
		return 1;
	}
	return build(r) < 0 ? (snprintf(why, whylen, "out of memory"), -1) : 2;
}
