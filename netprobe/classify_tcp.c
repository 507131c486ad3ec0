/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "classify_tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

#define TCPF_SYN NP_TCP_SYN
#define TCPF_RST NP_TCP_RST
#define TCPF_ACK NP_TCP_ACK

/* RFC 792 / RFC 1812 5.2.7.1 (v4 codes 9, 10, 13), RFC 4443 3.1 (v6 codes
 * 1, 5, 6 are policy). */
enum np_icmp_kind np_icmp_kind(const struct np_packet *p)
{
	if (!p->icmp_is_error)
		return NP_ICMP_NOT_ERROR;
	if (p->l4 == IPPROTO_ICMP) {
		if (p->icmp_type == 11)
			return NP_ICMP_EXCEEDED;
		if (p->icmp_type != 3)
			return NP_ICMP_IGNORED;
		switch (p->icmp_code) {
		case 9: case 10: case 13: return NP_ICMP_PROHIBITED;
		case 3: return NP_ICMP_PORT_UNREACH;
		case 4: return NP_ICMP_IGNORED;     /* fragmentation needed */
		default: return NP_ICMP_UNREACH;
		}
	}
	if (p->icmp_type == 3)
		return NP_ICMP_EXCEEDED;
	if (p->icmp_type != 1)
		return NP_ICMP_IGNORED;
	switch (p->icmp_code) {
	case 1: case 5: case 6: return NP_ICMP_PROHIBITED;
	case 4: return NP_ICMP_PORT_UNREACH;
	default: return NP_ICMP_UNREACH;
	}
}

/* A TCP segment whose flags were captured (a cut capture may lack them). */
static int has_flags(const struct np_flow_pkt *p)
{
	return p->pkt.l4 == IPPROTO_TCP && p->pkt.tcp.has_ack_flags_win;
}

static void ip_str(const struct np_pkt_ip *ip, char *buf, size_t len)
{
	if (!inet_ntop(ip->family, ip->src, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static int is_target(const struct np_pkt_ip *ip, const struct sockaddr *target)
{
	if (target->sa_family == AF_INET && ip->family == AF_INET)
		return memcmp(ip->src, &((const struct sockaddr_in *)target)->sin_addr, 4) == 0;
	if (target->sa_family == AF_INET6 && ip->family == AF_INET6)
		return memcmp(ip->src, &((const struct sockaddr_in6 *)target)->sin6_addr, 16) == 0;
	return 0;
}

/* Times on the wire: from our first SYN as the capture saw it (both
 * stamps from the same clock), else from the connect() call. */
static double rel_ms(const struct np_tcp_input *in, const struct np_flow_pkt *p)
{
	int64_t base = in->t0_us;

	for (size_t i = 0; i < in->n_pkts; i++)
		if (in->pkts[i]->outgoing && !in->pkts[i]->icmp) {
			base = in->pkts[i]->mono_us;
			break;
		}
	return (double)(p->mono_us - base) / 1000.0;
}

static void add_ev(struct np_tcp_result *r, uint32_t frame, double ms, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_ev(struct np_tcp_result *r, uint32_t frame, double ms, const char *fmt, ...)
{
	va_list ap;

	if (r->n_ev == NP_TCP_EVIDENCE_MAX)
		return;
	r->ev[r->n_ev].frame = frame;
	r->ev[r->n_ev].time_ms = ms;
	va_start(ap, fmt);
	vsnprintf(r->ev[r->n_ev].text, sizeof(r->ev[0].text), fmt, ap);
	va_end(ap);
	r->n_ev++;
}

/* "TTL 63, initial 64: hop 2" — hop 1 is the first router. */
static int hop_of(int ttl)
{
	return np_ttl_hops(ttl) + 1;
}

const char *np_icmp_name(const struct np_packet *p)
{
	switch (np_icmp_kind(p)) {
	case NP_ICMP_PROHIBITED: return "administratively prohibited";
	case NP_ICMP_PORT_UNREACH: return "port unreachable";
	case NP_ICMP_EXCEEDED: return "time exceeded";
	case NP_ICMP_UNREACH:
		if (p->l4 == IPPROTO_ICMP)
			return p->icmp_code == 0 ? "network unreachable" :
			       p->icmp_code == 1 ? "host unreachable" : "destination unreachable";
		return p->icmp_code == 0 ? "no route to destination" :
		       p->icmp_code == 3 ? "address unreachable" : "destination unreachable";
	default: return "error";
	}
}

/* The SYNs we sent: evidence for every verdict, the whole story of a
 * filtered port. */
static size_t syn_evidence(const struct np_tcp_input *in, struct np_tcp_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < in->n_pkts; i++) {
		const struct np_flow_pkt *p = in->pkts[i];

		if (!p->outgoing || p->icmp || !has_flags(p) ||
		    (p->pkt.tcp.flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN)
			continue;
		add_ev(r, p->frame, rel_ms(in, p), n == 0 ? "SYN sent (TTL %d)" :
		       "SYN retransmitted (TTL %d)", p->pkt.ip.ttl);
		n++;
	}
	return n;
}

static void from_reset(const struct np_tcp_input *in, const struct np_flow_pkt *p,
		       struct np_tcp_result *r)
{
	int ttl = p->pkt.ip.ttl, d = np_ttl_hops(ttl), tmin = 0;
	char tgt[INET6_ADDRSTRLEN];

	np_addr_str(in->target, tgt, sizeof(tgt));
	r->reply_ttl = ttl;
	r->decided_ms = rel_ms(in, p);
	r->decided_frame = (int)p->frame;
	add_ev(r, p->frame, r->decided_ms, "reset from %s (TTL %d, initial %d: hop %d)",
	       tgt, ttl, np_ttl_initial(ttl), d + 1);
	if (in->series_len == 0) {
		/* A reset forged by a firewall carries the target's address: only
		 * where it comes from tells them apart. Ask with TTL-limited
		 * connects up to just past the distance its TTL implies. */
		r->needs_series = 1;
		r->series_max = d + 2 < NP_TTL_SERIES_MAX ? d + 2 : NP_TTL_SERIES_MAX;
		r->verdict = "tcp.refused";
		return;
	}
	switch (np_tcp_reset_origin(ttl, in->series, in->series_len, &tmin)) {
	case NP_RESET_TARGET:
		r->verdict = "tcp.refused";
		r->sender_hop = d + 1;
		r->target_ttl = ttl;
		snprintf(r->sender, sizeof(r->sender), "%s", tgt);
		add_ev(r, in->series[tmin - 1].frame, in->series[tmin - 1].time_ms,
		       "TTL-limited SYN with TTL %d draws the reset: the sender is the host at hop %d", tmin, tmin);
		snprintf(r->summary, sizeof(r->summary),
			 "refused by the target itself after %.2f ms: its reset comes from hop %d "
			 "(TTL %d, initial %d), where the target is", r->decided_ms, d + 1, ttl,
			 np_ttl_initial(ttl));
		return;
	case NP_RESET_PATH: {
		const struct np_ttl_probe *te = &in->series[d];   /* TTL d + 1 */

		r->verdict = "tcp.rejected";
		r->sender_hop = d + 1;
		if (te->outcome == NP_SERIES_EXCEEDED) {
			snprintf(r->sender, sizeof(r->sender), "%s", te->from);
			add_ev(r, te->frame, te->time_ms, "time exceeded from %s for the SYN with TTL %d: "
			       "the device at hop %d", te->from, d + 1, d + 1);
		}
		add_ev(r, in->series[tmin - 1].frame, in->series[tmin - 1].time_ms,
		       "the reset is drawn only from TTL %d on: a device at hop %d sends it", tmin, d + 1);
		snprintf(r->summary, sizeof(r->summary),
			 "rejected after %.2f ms by a device on the path: a reset carrying the target's "
			 "address was sent %d hop%s away (TTL %d, initial %d)%s%s%s; the target itself was not reached",
			 r->decided_ms, d + 1, d ? "s" : "", ttl, np_ttl_initial(ttl),
			 r->sender[0] ? " by " : "", r->sender, r->sender[0] ? "" : ", device address unknown");
		return;
	}
	case NP_RESET_UNDECIDED:
		break;
	}
	r->verdict = "tcp.refused";
	snprintf(r->summary, sizeof(r->summary),
		 "refused after %.2f ms by a reset, origin undetermined: its TTL (%d) puts the sender at "
		 "hop %d, but %s", r->decided_ms, ttl, d + 1,
		 tmin ? "a TTL-limited SYN draws it already from a closer hop" :
		 "no TTL-limited SYN drew a reset (the return path may differ from the forward path)");
}

static void from_icmp(const struct np_tcp_input *in, const struct np_flow_pkt *p,
		      struct np_tcp_result *r)
{
	enum np_icmp_kind k = np_icmp_kind(&p->pkt);
	int ttl = p->pkt.ip.ttl;
	int own = is_target(&p->pkt.ip, in->target);

	ip_str(&p->pkt.ip, r->sender, sizeof(r->sender));
	r->reply_ttl = ttl;
	r->sender_hop = hop_of(ttl);
	r->decided_ms = rel_ms(in, p);
	r->decided_frame = (int)p->frame;
	if (own)
		r->target_ttl = ttl;
	add_ev(r, p->frame, r->decided_ms, "ICMP%s %s from %s (TTL %d, initial %d: hop %d)",
	       p->pkt.l4 == IPPROTO_ICMPV6 ? "v6" : "", np_icmp_name(&p->pkt), r->sender, ttl,
	       np_ttl_initial(ttl), r->sender_hop);
	if (k == NP_ICMP_PORT_UNREACH && own) {
		r->verdict = "tcp.refused";
		snprintf(r->summary, sizeof(r->summary), "refused after %.2f ms: the target answered "
			 "ICMP port unreachable (hop %d)", r->decided_ms, r->sender_hop);
	} else if (k == NP_ICMP_PROHIBITED || k == NP_ICMP_PORT_UNREACH) {
		r->verdict = "tcp.rejected";
		snprintf(r->summary, sizeof(r->summary), "rejected after %.2f ms by %s at hop %d "
			 "(%s): ICMP%s %s", r->decided_ms, own ? "the target's own filter" : "a device",
			 r->sender_hop, r->sender, p->pkt.l4 == IPPROTO_ICMPV6 ? "v6" : "",
			 np_icmp_name(&p->pkt));
	} else {
		r->verdict = "tcp.unreachable";
		snprintf(r->summary, sizeof(r->summary), "%s after %.2f ms, reported by %s at hop %d%s",
			 np_icmp_name(&p->pkt), r->decided_ms, r->sender, r->sender_hop,
			 k == NP_ICMP_EXCEEDED ? " (the SYN's TTL ran out: a routing loop?)" : "");
	}
}

void np_tcp_classify_packets(const struct np_tcp_input *in, struct np_tcp_result *r)
{
	char sock_summary[512];
	const char *sock_verdict = np_tcp_classify(&in->obs, sock_summary, sizeof(sock_summary));
	size_t n_syn;

	memset(r, 0, sizeof(*r));
	r->reply_ttl = r->target_ttl = r->sender_hop = -1;
	r->verdict = sock_verdict;
	r->decided_ms = in->obs.elapsed_ms;
	snprintf(r->summary, sizeof(r->summary), "%s", sock_summary);
	if (!in->have_capture)
		return;
	n_syn = syn_evidence(in, r);
	/* The first answer decides; later ones are evidence too. */
	for (size_t i = 0; i < in->n_pkts; i++) {
		const struct np_flow_pkt *p = in->pkts[i];

		if (p->outgoing)
			continue;
		if (p->icmp) {
			enum np_icmp_kind k = np_icmp_kind(&p->pkt);

			if (k == NP_ICMP_NOT_ERROR || k == NP_ICMP_IGNORED)
				continue;
			from_icmp(in, p, r);
			return;
		}
		if (!has_flags(p))
			continue;
		if (p->pkt.tcp.flags & TCPF_RST) {
			from_reset(in, p, r);
			return;
		}
		if ((p->pkt.tcp.flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK)) {
			int ttl = p->pkt.ip.ttl;

			r->verdict = "tcp.ok";
			r->reply_ttl = r->target_ttl = ttl;
			r->sender_hop = hop_of(ttl);
			np_addr_str(in->target, r->sender, sizeof(r->sender));
			r->decided_ms = rel_ms(in, p);
			r->decided_frame = (int)p->frame;
			add_ev(r, p->frame, r->decided_ms, "SYN-ACK from the target (TTL %d, initial %d: hop %d)",
			       ttl, np_ttl_initial(ttl), r->sender_hop);
			snprintf(r->summary, sizeof(r->summary), "connected in %.2f ms; the target is at hop %d "
				 "(TTL %d, initial %d)", r->decided_ms, r->sender_hop, ttl, np_ttl_initial(ttl));
			return;
		}
	}
	/* Nothing came back. */
	if (in->obs.timed_out || in->obs.err == ETIMEDOUT) {
		snprintf(r->summary, sizeof(r->summary), "no answer to %zu SYN%s within %.1f s: the flow is "
			 "silently dropped", n_syn, n_syn == 1 ? "" : "s", in->obs.elapsed_ms / 1000.0);
	}
}

enum np_reset_origin np_tcp_reset_origin(int ttl, const struct np_ttl_probe *series, int len, int *tmin)
{
	int d = np_ttl_hops(ttl);

	*tmin = 0;
	for (int t = 1; t <= len; t++)
		if (series[t - 1].outcome == NP_SERIES_RESET) {
			*tmin = t;
			break;
		}
	/* The smallest TTL that reaches the sender equals its distance: it is
	 * the end host, the target itself. */
	if (*tmin && *tmin == d + 1)
		return NP_RESET_TARGET;
	/* A SYN must pass the sender's own TTL check before a forwarding
	 * firewall rejects it, so the first TTL that draws its reset is one
	 * more than its hop; that hop's time exceeded names it. The series
	 * must reach TTL d + 1 for that hop to have been asked. */
	if (*tmin >= d + 2 && len > d)
		return NP_RESET_PATH;
	return NP_RESET_UNDECIDED;
}

enum np_series_outcome np_tcp_series_outcome(const struct np_flow_pkt *p, char *from, size_t len)
{
	if (p->outgoing)
		return NP_SERIES_NONE;
	if (p->icmp) {
		enum np_icmp_kind k = np_icmp_kind(&p->pkt);

		if (k == NP_ICMP_NOT_ERROR || k == NP_ICMP_IGNORED)
			return NP_SERIES_NONE;
		ip_str(&p->pkt.ip, from, len);
		return k == NP_ICMP_EXCEEDED ? NP_SERIES_EXCEEDED : NP_SERIES_OTHER;
	}
	if (!has_flags(p))
		return NP_SERIES_NONE;
	ip_str(&p->pkt.ip, from, len);
	if (p->pkt.tcp.flags & TCPF_RST)
		return NP_SERIES_RESET;
	if ((p->pkt.tcp.flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
		return NP_SERIES_OTHER;
	return NP_SERIES_NONE;
}
