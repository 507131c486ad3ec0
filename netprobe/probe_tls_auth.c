/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe tls: proxy authentication in the CONNECT (netprobe/proxy_auth.h
 * does the schemes): each leg on the same connection, the 407's body
 * skipped, a new connection when the proxy closes; every leg's headers
 * (tokens masked) kept as evidence. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "capture.h"
#include "loop.h"
#include "probe_tls_int.h"

/* A line of the exchange's evidence (bounded: a long exchange keeps its
 * first legs). */
__attribute__((format(printf, 2, 3))) static void leg_note(struct attempt *a, const char *fmt, ...)
{
	size_t have = strlen(a->legs);
	va_list ap;

	if (have + 2 >= sizeof(a->legs))
		return;
	va_start(ap, fmt);
	vsnprintf(a->legs + have, sizeof(a->legs) - have, fmt, ap);
	va_end(ap);
}

/* Sends the CONNECT, with the Proxy-Authorization value the exchange is at. */
static void send_connect(struct attempt *a)
{
	struct conn *c = &a->c;
	const char *tok = strchr(a->authz, ' ');

	/* The token (Basic's credential, NTLM's response) never reaches the
	 * saved capture. */
	if (tok && tok[1])
		np_capture_add_secret(np_run_capture(a->st->run), tok + 1);
	if (a->pauth)
		leg_note(a, "%sCONNECT %s:%u, Proxy-Authorization: %.*s%s", a->legs[0] ? "\n" : "", a->t.host, a->t.port,
			 tok ? (int)(tok - a->authz) : 4, tok ? a->authz : "none", tok ? " ***" : "");
	c->out_len = np_proxy_connect_request_auth(a->authz, a->t.host, a->t.port, c->out, sizeof(c->out));
	c->out_off = 0;
	c->in_len = 0;
	np_tls_phase(a, P_PROXY_SEND);
	np_tls_want(a, NP_EV_WRITE);
}

/* The CONNECT of a new connection: the exchange's value for it. */
void np_tls_auth_connect(struct attempt *a)
{
	if (!a->authz_ready && a->pauth) {
		/* A retry after the exchange ran: begin with the scheme
		 * that worked. */
		a->authz[0] = '\0';
		if (np_pauth_scheme(a->pauth) && np_pauth_restart(a->pauth, a->authz, sizeof(a->authz)) != NP_PAUTH_SEND)
			a->authz[0] = '\0';
		else if (!np_pauth_scheme(a->pauth))
			np_pauth_first(a->pauth, a->authz, sizeof(a->authz));
	} else if (!a->pauth) {
		/* no memory for the exchange: Basic as before */
		snprintf(a->authz, sizeof(a->authz), "%s%s", a->proxy.user[0] ? "Basic " : "",
			 a->proxy.user[0] ? a->b64 : "");
	}
	a->authz_ready = 0;
	send_connect(a);
}

/* The proxy's answer head to a CONNECT: a line of evidence. */
void np_tls_auth_head(struct attempt *a)
{
	struct conn *c = &a->c;
	struct np_pauth_challenges *ch = &a->chal;

	if (!a->pauth)
		return;
	np_pauth_reset(ch);
	np_pauth_parse_head(c->in, c->head.length, ch);
	leg_note(a, " -> '%.80s'%s%s%s%s", c->head.status_line, ch->names[0] ? ", Proxy-Authenticate: " : "",
		 ch->names, ch->ntlm_token[0] || ch->nego_token[0] ? " ***" : "", c->head.close ? ", closing" : "");
}

/* The proxy closes after its 407 (or its body runs to the close): the
 * next leg on a new connection. A leg that answered a challenge token is
 * bound to the old connection (NTLM), so the exchange begins again. */
static void auth_reconnect(struct attempt *a)
{
	int r = NP_PAUTH_SEND;

	if (a->chal.ntlm_token[0] || a->chal.nego_token[0])
		r = np_pauth_restart(a->pauth, a->authz, sizeof(a->authz));
	if (r != NP_PAUTH_SEND || ++a->auth_conns > 3) {
		a->auth_outcome = r != NP_PAUTH_SEND ? r : NP_PAUTH_FAILED;
		np_tls_stop(a, 0);
		return;
	}
	a->authz_ready = 1;
	np_tls_reopen(a);
}

/* Skips the 407's body; the next leg follows on the same connection. */
static void drain_body(struct attempt *a, const char *buf, size_t len)
{
	struct conn *c = &a->c;
	size_t used = 0;
	int r = np_http_body_feed(&c->body, buf, len, &used);

	if (r < 0) {
		auth_reconnect(a);
	} else if (r > 0) {
		send_connect(a);
	} else if (c->phase != P_PROXY_DRAIN) {
		np_tls_phase(a, P_PROXY_DRAIN);
		np_tls_want(a, NP_EV_READ);
	}
}

void np_tls_auth_drain(struct attempt *a)
{
	struct conn *c = &a->c;
	ssize_t n = recv(c->fd, c->in, sizeof(c->in), 0);

	if (n < 0) {
		if (errno != EAGAIN)
			auth_reconnect(a);
		return;
	}
	if (n == 0) {
		auth_reconnect(a);
		return;
	}
	drain_body(a, c->in, (size_t)n);
}

/* A 407 to the CONNECT: the exchange's next leg, or its end. */
int np_tls_auth_407(struct attempt *a)
{
	struct conn *c = &a->c;
	int r;

	if (!a->pauth)
		return 0;
	np_pauth_reset(&a->chal);
	if (np_pauth_parse_head(c->in, c->head.length, &a->chal) < 0) {
		a->auth_outcome = NP_PAUTH_NONE;
		return 0;
	}
	r = np_pauth_step(a->pauth, &a->chal, a->authz, sizeof(a->authz));
	if (r != NP_PAUTH_SEND) {
		a->auth_outcome = r;
		return 0;
	}
	if (c->head.close || !np_http_body_init(&c->body, &c->head)) {
		auth_reconnect(a);
		return 1;
	}
	drain_body(a, c->in + c->head.length, c->in_len - c->head.length);
	return 1;
}
