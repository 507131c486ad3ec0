/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain: what the application on a connection's Windows end
 * saw. The sync server whose connections drop is a Windows host; the line
 * the user holds is its event log's Winsock error, so each finding names
 * it, and names Windows's own retransmission and SYN-retry schedules when
 * the packets follow them.
 *
 * Winsock errors (Windows Sockets error codes, WinError.h / winsock2.h):
 *   10053 WSAECONNABORTED  the local end aborted the connection
 *   10054 WSAECONNRESET    a reset came in on an established connection
 *   10060 WSAETIMEDOUT     connect() got no answer, or data retransmission
 *                          gave up (TcpMaxDataRetransmissions)
 *   10061 WSAECONNREFUSED  a reset answered the SYN
 * Windows TCP (as NOTES.md and the Windows fixtures' README record them):
 * initial TTL 128; up to 5 data retransmissions, the RTO doubling from
 * about 300 ms (its minimum RTO), then a reset; 2 SYN retransmissions 3 s
 * then 6 s apart (older builds, initial RTO 3 s: RFC 1122's) or 4 from 1 s
 * (newer builds, RFC 6298's 1 s). */
#include "explain_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "tcp_events.h"

#define WSAECONNABORTED 10053
#define WSAECONNRESET   10054
#define WSAETIMEDOUT    10060
#define WSAECONNREFUSED 10061

#define WIN_DATA_RTX    5       /* TcpMaxDataRetransmissions' default */
#define WIN_MIN_RTO_S   0.3     /* the first RTO on a LAN/short-RTT path */

static const char *wsa_name(int code)
{
	switch (code) {
	case WSAECONNABORTED: return "WSAECONNABORTED";
	case WSAECONNRESET: return "WSAECONNRESET";
	case WSAETIMEDOUT: return "WSAETIMEDOUT";
	case WSAECONNREFUSED: return "WSAECONNREFUSED";
	default: return "";
	}
}

/* Side d's own packets start at TTL 128: Windows's default (Linux and
 * the BSDs use 64, network gear 255). A TTL that cannot be placed
 * (np_tcp_ttl_hops) does not count. */
static int ttl_windows(const struct np_ttl_ref *r)
{
	for (unsigned i = 0; i < r->n && i < NP_TTL_REF_MAX; i++)
		if (np_tcp_ttl_hops(r->ttl[i]) >= 0 && np_ttl_initial(r->ttl[i]) == 128)
			return 1;
	return 0;
}

/* Why side d is taken for Windows, or NULL when it is not known to be. */
static const char *windows_why(const struct np_explain *e, const struct np_explain_flow *x, int d)
{
	if (ttl_windows(&x->trk.side[d].ttl))
		return "its packets start at TTL 128";
	if (e->windows_tool && (x->outbound & (1 << d)))
		return "captured on it by pktmon/netsh";
	return NULL;
}

/* Side d's sent data went unacknowledged and was retransmitted as
 * Windows does: five times, doubling from about 300 ms. Only the first
 * transmission and the last retransmission are kept, so the span is what
 * is checked: a doubling RTO from r over n tries spans r (2^n - 1). */
static int win_rtx_schedule(const struct np_tcp_unacked *u, double *rto0)
{
	double span = (double)(u->last_rtx.t_ns - u->first.t_ns) / 1e9;

	if (u->rtx != WIN_DATA_RTX)
		return 0;
	*rto0 = span / ((1 << WIN_DATA_RTX) - 1);
	return *rto0 >= 0.2 && *rto0 <= 0.6;
}

/* The SYNs follow one of Windows's two connect schedules: 1 older
 * (2 retries, 3 s then 6 s), 2 newer (4 retries, 1, 2, 4, 8 s), else 0. */
static int win_syn_schedule(const struct np_tcp_track *t)
{
	double first;

	if (t->n_syn < 2)
		return 0;
	first = (double)(t->syn[1].t_ns - t->syn[0].t_ns) / 1e9;
	if (t->n_syn == 3 && fabs(first - 3.0) < 0.5)
		return 1;
	if (t->n_syn == 5 && fabs(first - 1.0) < 0.3)
		return 2;
	return 0;
}

struct note {
	int side;                   /* the Windows end the note is about */
	int code;                   /* its Winsock error, 0 none */
	char text[320];             /* what its application saw */
};

/* A reset r carrying side r_dir's address, genuinely that end's own
 * (same) or not: the Windows end that received it saw 10054; a Windows
 * end that sent it itself aborted (10053). */
static int reset_note(const struct np_explain *e, const struct np_explain_flow *x,
		      const struct np_explain_names *nm, int r_dir, int same, struct note *n)
{
	const char *who;

	(void)nm;
	if (windows_why(e, x, !r_dir)) {
		n->side = !r_dir;
		n->code = WSAECONNRESET;
		snprintf(n->text, sizeof(n->text), "its next socket call failed with Winsock error 10054 "
			 "(WSAECONNRESET, \"an existing connection was forcibly closed by the remote host\")");
		return 1;
	}
	if (same && windows_why(e, x, r_dir)) {
		n->side = r_dir;
		n->code = WSAECONNABORTED;
		who = "the Windows end itself sent the reset";
		snprintf(n->text, sizeof(n->text), "%s: its application saw Winsock error 10053 "
			 "(WSAECONNABORTED, the connection aborted by the local host)", who);
		return 1;
	}
	return 0;
}

static int timeout_note(const struct np_explain *e, const struct np_explain_flow *x, int d,
			const struct np_tcp_unacked *u, int gave_up, struct note *n)
{
	double rto0;

	if (!windows_why(e, x, d))
		return 0;
	n->side = d;
	n->code = WSAETIMEDOUT;
	if (win_rtx_schedule(u, &rto0))
		snprintf(n->text, sizeof(n->text), "it gave up after %d retransmissions, doubling from "
			 "%.1f s, as Windows does%s: its application saw Winsock error 10060 "
			 "(WSAETIMEDOUT)", WIN_DATA_RTX, rto0, gave_up ? ", then reset the connection" : "");
	else
		snprintf(n->text, sizeof(n->text), "%u retransmissions, not the 5 doubling from 0.3 s "
			 "Windows makes before it gives up%s; when it does, its application sees Winsock "
			 "error 10060 (WSAETIMEDOUT)", u->rtx,
			 u->rtx < WIN_DATA_RTX ? " (the capture may have stopped first)" : "");
	return 1;
}

int np_explain_windows_note(const struct np_explain *e, const struct np_explain_flow *x,
			    const struct np_explain_names *nm, struct np_finding *f)
{
	const struct np_tcp_track *t = &x->trk;
	struct note n = {.side = -1};
	struct np_tcp_reset rs[4], r;
	struct np_tcp_unacked u;
	const char *why;
	int ok = 0, d, sched;
	size_t nr;

	switch ((enum np_explain_outcome)x->outcome) {
	case NP_EXPLAIN_OUT_FILTERED:
		if (t->syn_dir < 0 || !windows_why(e, x, t->syn_dir))
			break;
		ok = 1;
		n.side = t->syn_dir;
		n.code = WSAETIMEDOUT;
		sched = win_syn_schedule(t);
		snprintf(n.text, sizeof(n.text), "%sconnect() failed with Winsock error 10060 (WSAETIMEDOUT)",
			 sched == 1 ? "2 SYN retries from 3 s, as older Windows builds make them: " :
			 sched == 2 ? "4 SYN retries from 1 s, as newer Windows builds make them: " : "");
		break;
	case NP_EXPLAIN_OUT_HS_RESET:
		if (t->syn_dir < 0 || !windows_why(e, x, t->syn_dir))
			break;
		ok = 1;
		n.side = t->syn_dir;
		n.code = WSAECONNREFUSED;
		snprintf(n.text, sizeof(n.text), "connect() failed with Winsock error 10061 "
			 "(WSAECONNREFUSED)");
		break;
	case NP_EXPLAIN_OUT_IDLE_RESET:
		if (np_tcp_first_reset(t, 1, &r))
			ok = reset_note(e, x, nm, r.dir, r.match == NP_TTL_SAME, &n);
		break;
	case NP_EXPLAIN_OUT_RST_PATH:
	case NP_EXPLAIN_OUT_RST_PEER:
	case NP_EXPLAIN_OUT_RST:
		nr = np_tcp_resets(t, rs);
		if (x->rst_pick < nr)
			ok = reset_note(e, x, nm, rs[x->rst_pick].dir,
					x->outcome == NP_EXPLAIN_OUT_RST_PEER, &n);
		break;
	case NP_EXPLAIN_OUT_IDLE_DROPPED:
	case NP_EXPLAIN_OUT_RTX_TIMEOUT:
		d = np_tcp_unacked_retransmitted(t, x->outcome == NP_EXPLAIN_OUT_IDLE_DROPPED, &u);
		if (d >= 0)
			ok = timeout_note(e, x, d, &u, np_tcp_first_reset(t, 0, &r) && r.dir == d, &n);
		break;
	case NP_EXPLAIN_OUT_IDLE_FIN:
		d = t->seg.fin.dir;
		if (!windows_why(e, x, !d))
			break;
		/* A FIN is an orderly close: recv() returns 0, no error. */
		ok = 1;
		n.side = !d;
		n.code = 0;
		snprintf(n.text, sizeof(n.text), "recv() returned 0 (an orderly close by the peer), no "
			 "Winsock error");
		break;
	case NP_EXPLAIN_OUT_TLS_ALERT:
		/* The alert is TLS's: TCP itself reported nothing. */
		d = x->tls.alert.mark.dir;
		if (!windows_why(e, x, !d))
			break;
		ok = 1;
		n.side = !d;
		n.code = 0;
		snprintf(n.text, sizeof(n.text), "no Winsock error: its TLS layer (Schannel) failed the "
			 "handshake on the alert");
		break;
	default:
		break;
	}
	if (!ok)
		return 0;
	why = windows_why(e, x, n.side);
	if (np_finding_summary(f, "%s; on the Windows end (the %s: %s), %s", f->summary,
			       n.side == nm->client ? "client" : "server", why, n.text) < 0 ||
	    np_finding_metric_str(f, "windows_end", n.side == nm->client ? "client" : "server") < 0 ||
	    np_finding_metric_int(f, "winsock_error", n.code) < 0 ||
	    np_finding_metric_opt_str(f, "winsock_name", wsa_name(n.code)) < 0)
		return NP_ENOMEM;
	return 0;
}
