/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * "No KDC reachable" in words a network team can act on: which KDCs the
 * realm has (krb5.conf's [realms] kdc entries, as krb5 reads them) and what
 * tcp/88 and udp/88 (RFC 4120 7.2.1, 7.2.2) of each address did, probed at
 * once with a one-second bound. Called only after krb5 itself gave up.
 */
#include "proxy_auth.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "error.h"
#include "krb_lib.h"
#include "target.h"

#define KDC_MAX_ADDRS 8
#define KDC_PROBE_MS 1000

struct kdc_probe {
	char name[128];
	char addr[NP_ADDR_STR_MAX];
	int tcp, udp;           /* sockets, -1 when done */
	const char *tcp_r, *udp_r;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The realm whose KDCs matter: the ticket's client's, else the default. */
static char *realm_of(krb5_context kc)
{
	krb5_ccache cc = NULL;
	krb5_principal me = NULL;
	char *realm = NULL;

	if (np_krb.krb5_cc_default(kc, &cc) == 0 && np_krb.krb5_cc_get_principal(kc, cc, &me) == 0)
		realm = strndup(me->realm.data, me->realm.length);
	if (me)
		np_krb.krb5_free_principal(kc, me);
	if (cc)
		np_krb.krb5_cc_close(kc, cc);
	if (!realm) {
		char *d = NULL;

		if (np_krb.krb5_get_default_realm(kc, &d) == 0) {
			realm = strdup(d);
			np_krb.krb5_free_default_realm(kc, d);
		}
	}
	return realm;
}

static const char *why(int e)
{
	/* EPERM from connect/send: a rule of this host's own firewall */
	return e == ECONNREFUSED ? "refused" : e == EPERM ? "blocked by this host's firewall" : strerror(e);
}

/* Start both probes of one address: a TCP connect, and an empty UDP
 * datagram on a connected socket (an ICMP port unreachable comes back as
 * ECONNREFUSED; a KDC ignores it). */
static void start(struct kdc_probe *p, const struct sockaddr *sa, socklen_t len)
{
	p->tcp = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	p->tcp_r = "no answer within 1 s";
	if (p->tcp >= 0 && connect(p->tcp, sa, len) < 0 && errno != EINPROGRESS) {
		p->tcp_r = why(errno);
		close(p->tcp);
		p->tcp = -1;
	}
	p->udp = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	p->udp_r = "no ICMP error within 1 s (open, or dropped)";
	if (p->udp >= 0 && (connect(p->udp, sa, len) < 0 || send(p->udp, "", 0, 0) < 0)) {
		p->udp_r = errno == ECONNREFUSED ? "port unreachable" : why(errno);
		close(p->udp);
		p->udp = -1;
	}
}

static void wait_all(struct kdc_probe *p, size_t n)
{
	int64_t end = now_ms() + KDC_PROBE_MS;

	for (;;) {
		struct pollfd fds[KDC_MAX_ADDRS * 2];
		size_t nf = 0;
		int64_t left = end - now_ms();

		for (size_t i = 0; i < n; i++) {
			if (p[i].tcp >= 0)
				fds[nf++] = (struct pollfd){p[i].tcp, POLLOUT, 0};
			if (p[i].udp >= 0)
				fds[nf++] = (struct pollfd){p[i].udp, POLLIN, 0};
		}
		if (nf == 0 || left <= 0 || poll(fds, nf, (int)left) <= 0)
			break;
		for (size_t i = 0; i < n; i++) {
			int e = 0;
			socklen_t el = sizeof(e);
			char b[1];

			if (p[i].tcp >= 0 && poll(&(struct pollfd){p[i].tcp, POLLOUT, 0}, 1, 0) == 1) {
				getsockopt(p[i].tcp, SOL_SOCKET, SO_ERROR, &e, &el);
				p[i].tcp_r = e == 0 ? "open" : why(e);
				close(p[i].tcp);
				p[i].tcp = -1;
			}
			if (p[i].udp >= 0 && poll(&(struct pollfd){p[i].udp, POLLIN, 0}, 1, 0) == 1) {
				ssize_t r = recv(p[i].udp, b, sizeof(b), 0);

				p[i].udp_r = r >= 0 ? "answered" : errno == ECONNREFUSED ? "port unreachable" : why(errno);
				close(p[i].udp);
				p[i].udp = -1;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i].tcp >= 0)
			close(p[i].tcp);
		if (p[i].udp >= 0)
			close(p[i].udp);
	}
}

void np_pauth_kdc_probe(char *out, size_t len)
{
	krb5_context kc = NULL;
	profile_t prof = NULL;
	char **kdcs = NULL, *realm = NULL;
	struct kdc_probe p[KDC_MAX_ADDRS];
	size_t n = 0, w = 0;

	char err[NP_ERRBUF_SIZE];

	out[0] = '\0';
	if (np_krb_load(err) < 0 || np_krb.krb5_init_context(&kc) != 0)
		return;
	realm = realm_of(kc);
	if (!realm || np_krb.krb5_get_profile(kc, &prof) != 0)
		goto out;
	{
		const char *names[] = {"realms", realm, "kdc", NULL};

		if (np_krb.profile_get_values(prof, names, &kdcs) != 0 || !kdcs || !kdcs[0]) {
			snprintf(out, len, "realm %s: no kdc in krb5.conf (DNS SRV _kerberos._udp/_tcp.%s, if "
				 "dns_lookup_kdc, not probed)", realm, realm);
			goto out;
		}
	}
	for (size_t i = 0; kdcs[i] && n < KDC_MAX_ADDRS; i++) {
		struct np_target t;
		char eb[NP_ERRBUF_SIZE], port[8];
		struct addrinfo hints = {0}, *ai = NULL;

		/* "host", "host:port", "[v6]:port" */
		if (np_target_parse(kdcs[i], 88, &t, eb) < 0)
			continue;
		snprintf(port, sizeof(port), "%u", t.port);
		hints.ai_socktype = SOCK_DGRAM;
		if (getaddrinfo(t.host, port, &hints, &ai) != 0) {
			int k = snprintf(out + w, len - w, "%s%s: cannot resolve", w ? "; " : "", kdcs[i]);

			w += k > 0 && (size_t)k < len - w ? (size_t)k : 0;
			continue;
		}
		for (struct addrinfo *a = ai; a && n < KDC_MAX_ADDRS; a = a->ai_next) {
			snprintf(p[n].name, sizeof(p[n].name), "%.120s", t.host);
			np_addr_port_str(a->ai_addr, p[n].addr, sizeof(p[n].addr));
			start(&p[n], a->ai_addr, a->ai_addrlen);
			n++;
		}
		freeaddrinfo(ai);
	}
	wait_all(p, n);
	for (size_t i = 0; i < n && w < len; i++) {
		int k = snprintf(out + w, len - w, "%s%s (%s): tcp %s, udp %s", w ? "; " : "", p[i].name, p[i].addr,
				 p[i].tcp_r, p[i].udp_r);

		if (k < 0)
			break;
		w += (size_t)k < len - w ? (size_t)k : len - w - 1;
	}
out:
	if (kdcs)
		np_krb.profile_free_list(kdcs);
	if (prof)
		np_krb.profile_release(prof);
	free(realm);
	np_krb.krb5_free_context(kc);
}
