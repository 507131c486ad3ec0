/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Proxy-Authenticate challenges and the choice of a scheme: pure parsing,
 * no I/O and no crypto (the fuzz target links this file alone). */
#include "proxy_auth.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void np_pauth_reset(struct np_pauth_challenges *c)
{
	memset(c, 0, sizeof(*c));
}

/* RFC 9110 5.6.2 tchar */
static int is_tchar(unsigned char ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* RFC 9110 11.2 token68, without its trailing "=" */
static int is_t68(unsigned char ch)
{
	return isalnum(ch) || (ch && strchr("-._~+/", ch));
}

static size_t skip_ws(const char *v, size_t i, size_t n)
{
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	return i;
}

static int refuse(struct np_pauth_challenges *c, const char *why)
{
	c->why = why;
	return NP_EINVAL;
}

static unsigned scheme_bit(const char *s, size_t n)
{
	if (n == 9 && strncasecmp(s, "Negotiate", 9) == 0)
		return NP_PAUTH_NEGOTIATE;
	if (n == 4 && strncasecmp(s, "NTLM", 4) == 0)
		return NP_PAUTH_NTLM;
	if (n == 5 && strncasecmp(s, "Basic", 5) == 0)
		return NP_PAUTH_BASIC;
	return 0;
}

/* The proxy's bytes in a list shown to the user: printable, bounded. */
static void add_name(struct np_pauth_challenges *c, const char *s, size_t n)
{
	size_t have = strlen(c->names);

	if (have + n + 3 >= sizeof(c->names))
		return;
	if (have) {
		memcpy(c->names + have, ", ", 2);
		have += 2;
	}
	for (size_t i = 0; i < n; i++)
		c->names[have++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	c->names[have] = '\0';
}

/* quoted-string (RFC 9110 5.6.4) or token at v[*i]; the value's
 * unescaped bytes go to out (masked, truncated) when out is not NULL. */
static int param_value(const char *v, size_t *i, size_t n, char *out, size_t outlen,
		       struct np_pauth_challenges *c)
{
	size_t w = 0, k = *i;

	if (k < n && v[k] == '"') {
		for (k++;; k++) {
			unsigned char ch;

			if (k >= n)
				return refuse(c, "an unterminated quoted string in Proxy-Authenticate");
			ch = (unsigned char)v[k];
			if (ch == '"')
				break;
			if (ch == '\\') {
				if (++k >= n)
					return refuse(c, "an unterminated quoted string in Proxy-Authenticate");
				ch = (unsigned char)v[k];
			}
			if (out && w + 1 < outlen)
				out[w++] = isprint(ch) ? (char)ch : '?';
		}
		k++;
	} else {
		size_t s = k;

		while (k < n && is_tchar((unsigned char)v[k]))
			k++;
		if (k == s)
			return refuse(c, "an auth-param without a value in Proxy-Authenticate");
		for (size_t j = s; j < k && out && w + 1 < outlen; j++)
			out[w++] = v[j];
	}
	if (out)
		out[w] = '\0';
	*i = k;
	return 0;
}

/* name BWS "=" BWS value, at v[*i] (name already known to be a token). */
static int auth_param(const char *v, size_t *i, size_t n, unsigned scheme, struct np_pauth_challenges *c)
{
	size_t k = *i, s = k;
	int realm;

	while (k < n && is_tchar((unsigned char)v[k]))
		k++;
	realm = k - s == 5 && strncasecmp(v + s, "realm", 5) == 0 && scheme == NP_PAUTH_BASIC;
	k = skip_ws(v, k, n);
	if (k >= n || v[k] != '=')
		return refuse(c, "a malformed auth-param in Proxy-Authenticate");
	k = skip_ws(v, k + 1, n);
	if (param_value(v, &k, n, realm ? c->realm : NULL, sizeof(c->realm), c) < 0)
		return NP_EINVAL;
	*i = k;
	return 0;
}

static int store_token(struct np_pauth_challenges *c, unsigned scheme, const char *t, size_t n)
{
	char *dst = scheme == NP_PAUTH_NTLM ? c->ntlm_token : scheme == NP_PAUTH_NEGOTIATE ? c->nego_token : NULL;

	if (!dst)
		return 0;
	if (n >= NP_PAUTH_TOKEN_MAX)
		return refuse(c, "a Proxy-Authenticate token longer than 4095 bytes");
	memcpy(dst, t, n);
	dst[n] = '\0';
	return 0;
}

/*
 * RFC 9110 11.6.1: Proxy-Authenticate = #challenge, challenge =
 * auth-scheme [ 1*SP ( token68 / #auth-param ) ]. A list element that is
 * "name=value" belongs to the challenge before it; a bare token starts a
 * new challenge. "Basic realm="a, b"" has a comma inside quotes, and
 * "Negotiate abc==" ends in "=": both are told apart by what follows.
 */
int np_pauth_parse_value(const char *v, size_t n, struct np_pauth_challenges *c)
{
	size_t i = 0;
	unsigned cur = 0;
	int in_challenge = 0;

	while (i < n) {
		size_t s, j;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		if (i >= n)
			break;
		s = i;
		while (i < n && is_tchar((unsigned char)v[i]))
			i++;
		if (i == s)
			return refuse(c, "a malformed challenge in Proxy-Authenticate");
		j = skip_ws(v, i, n);
		if (j < n && v[j] == '=' && in_challenge) {
			/* "name=value": a parameter of the current challenge,
			 * unless "name=" then nothing or a comma: a token68
			 * cannot follow a parameter, so that is malformed too. */
			i = s;
			if (auth_param(v, &i, n, cur, c) < 0)
				return NP_EINVAL;
		} else {
			/* a new challenge */
			if (c->n >= NP_PAUTH_MAX_CHALLENGES)
				return refuse(c, "more than 16 challenges in Proxy-Authenticate");
			c->n++;
			cur = scheme_bit(v + s, i - s);
			c->offered |= cur;
			add_name(c, v + s, i - s);
			in_challenge = 1;
			if (j < n && v[j] != ',' && j > i) {
				size_t k = j, e;

				while (k < n && is_t68((unsigned char)v[k]))
					k++;
				e = k;
				while (e < n && v[e] == '=')
					e++;
				e = skip_ws(v, e, n);
				if (k > j && (e >= n || v[e] == ',')) {
					/* token68, padded or not */
					size_t t_end = k;

					while (t_end < n && v[t_end] == '=')
						t_end++;
					if (store_token(c, cur, v + j, t_end - j) < 0)
						return NP_EINVAL;
					i = e;
				} else {
					i = j;
					if (!is_tchar((unsigned char)v[i]))
						return refuse(c, "a malformed challenge in Proxy-Authenticate");
					if (auth_param(v, &i, n, cur, c) < 0)
						return NP_EINVAL;
				}
			} else {
				i = j;
			}
		}
		i = skip_ws(v, i, n);
		if (i < n && v[i] != ',')
			return refuse(c, "a malformed challenge in Proxy-Authenticate");
	}
	return 0;
}

int np_pauth_parse_head(const char *head, size_t len, struct np_pauth_challenges *c)
{
	size_t off = 0;

	while (off < len) {
		const char *line = head + off, *lf = memchr(line, '\n', len - off);
		size_t l = lf ? (size_t)(lf - line) : len - off;

		if (l && line[l - 1] == '\r')
			l--;
		if (l > 19 && strncasecmp(line, "Proxy-Authenticate:", 19) == 0 &&
		    np_pauth_parse_value(line + 19, l - 19, c) < 0)
			return NP_EINVAL;
		if (!lf)
			break;
		off = (size_t)(lf - head) + 1;
	}
	return 0;
}

int np_pauth_scheme_parse(const char *s)
{
	if (strcasecmp(s, "auto") == 0 || strcasecmp(s, "any") == 0)
		return NP_PAUTH_AUTO;
	if (strcasecmp(s, "negotiate") == 0 || strcasecmp(s, "kerberos") == 0)
		return NP_PAUTH_NEGOTIATE;
	if (strcasecmp(s, "ntlm") == 0)
		return NP_PAUTH_NTLM;
	if (strcasecmp(s, "basic") == 0)
		return NP_PAUTH_BASIC;
	return -1;
}

const char *np_pauth_scheme_name(unsigned scheme)
{
	switch (scheme) {
	case NP_PAUTH_NEGOTIATE:
		return "Negotiate";
	case NP_PAUTH_NTLM:
		return "NTLM";
	case NP_PAUTH_BASIC:
		return "Basic";
	default:
		return "none";
	}
}

unsigned np_pauth_choose(unsigned offered, unsigned have, unsigned allowed, const char *const missing[3],
			 char *why, size_t whylen)
{
	/* Strongest first, as curl's CURLAUTH_ANY picks (and Windows'
	 * WinHTTP): Negotiate, NTLM, Basic. */
	static const unsigned order[3] = {NP_PAUTH_NEGOTIATE, NP_PAUTH_NTLM, NP_PAUTH_BASIC};
	size_t w = 0;

	if (whylen)
		why[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		unsigned s = order[i];

		if ((offered & s) && (have & s) && (allowed == NP_PAUTH_AUTO || allowed == s))
			return s;
	}
	if (!offered) {
		snprintf(why, whylen, "no scheme netprobe speaks (Negotiate, NTLM, Basic) was offered");
		return 0;
	}
	for (size_t i = 0; i < 3; i++) {
		unsigned s = order[i];
		const char *m = missing ? missing[s == NP_PAUTH_BASIC ? 0 : s == NP_PAUTH_NTLM ? 1 : 2] : NULL;
		int n;

		if (!(offered & s))
			continue;
		if (allowed != NP_PAUTH_AUTO && allowed != s)
			m = NULL;
		n = snprintf(why + w, whylen > w ? whylen - w : 0, "%s%s: %s", w ? "; " : "", np_pauth_scheme_name(s),
			     allowed != NP_PAUTH_AUTO && allowed != s ? "not allowed by --proxy-auth (or the profile's proxy_auth)" :
			     m ? m : "no credentials");
		if (n > 0)
			w += (size_t)n;
		if (w >= whylen)
			break;
	}
	if (allowed != NP_PAUTH_AUTO && !(offered & allowed) && w < whylen)
		snprintf(why + w, whylen - w, "; --proxy-auth %s is not offered", np_pauth_scheme_name(allowed));
	return 0;
}
