/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "verdict.h"

#include <stdlib.h>
#include <string.h>

/* The one registry of verdict codes: every probe and every output reads
 * codes, default statuses, meanings and advice from here. */
static const struct np_verdict verdicts[] = {
	{"tcp.ok", NP_PASS,
	 "the TCP handshake completed",
	 ""},
	{"tcp.refused", NP_FAIL,
	 "the target answered the SYN with a reset (or an ICMP port unreachable): nothing accepts connections on this port",
	 "Check that the service runs and listens on this address and port."},
	{"tcp.filtered", NP_FAIL,
	 "the SYN was never answered before the timeout: the flow is silently dropped",
	 "A firewall on the path (or on the target) drops this flow. Ask for a rule that allows TCP from this "
	 "source address to the target address and port."},
	{"tcp.rejected", NP_FAIL,
	 "a device on the path refused the connection on the target's behalf: a reset or an ICMP "
	 "prohibited/port-unreachable that did not come from the target",
	 "A firewall at the hop named in the summary rejects this flow. Ask its owners for a rule that "
	 "allows TCP from this source address to the target address and port. Hops are counted on the "
	 "way back, which may differ from the way out."},
	{"tcp.unreachable", NP_FAIL,
	 "an ICMP unreachable came back: a router has no route to the network or host",
	 "Check the routes toward the target from this source, and firewall rules that reject with ICMP."},
	{"tcp.reset_by_path", NP_FAIL,
	 "an established connection was reset by a device on the path: the reset's TTL is not that of "
	 "the end whose address it carries",
	 "An IPS, firewall or load balancer at the hop named in the summary sent it: a rule matched the "
	 "traffic (mid-stream, or while the real end's packets went on), or it forgot the connection "
	 "during the silence named there (its idle timeout is shorter than that silence). Check that "
	 "device's log for this flow at that time. Hops are counted on the way back."},
	{"tcp.reset_by_peer", NP_WARN,
	 "an end itself reset an established connection while data was unacknowledged: the reset has "
	 "that end's own TTL",
	 "Not the network: the application or host at that end aborted the connection with data in "
	 "flight (it crashed or restarted, hit a limit, closed with unread data, or closed while a "
	 "request was on its way). Check that end's logs; an end that closes idle keep-alive "
	 "connections races the next request, which the client must then retry."},
	{"tcp.reset", NP_WARN,
	 "an established connection was reset while data was unacknowledged; where the reset came from "
	 "cannot be told",
	 "The end whose address the reset carries sent no other packet to compare its TTL with, or its "
	 "TTLs have an initial value that cannot be told. Capture longer (from before the connection "
	 "began) or on the other side to tell the end from a device on the path."},
	{"tcp.retransmit_timeout", NP_FAIL,
	 "data was retransmitted and never acknowledged until its sender gave up (reset) or the "
	 "connection showed nothing more: the connection died",
	 "The data or its acknowledgements are lost on the way, or the other end is gone: a firewall "
	 "that dropped the connection's state or blocks it mid-stream (an IPS, a DPI rule), a path MTU "
	 "black hole for large segments, or a host that went away. `netprobe tcp` and `netprobe trace` "
	 "toward the same port tell which."},
	{"tcp.error", NP_ERROR,
	 "the connection could not be attempted from this host",
	 "The summary names the system error; it concerns this host (source address, interface, local "
	 "firewall, resources), not the path."},
	/* The summary of a half-open sweep (tcp --syn): its status is set
	 * by the sweep (fail when a port swept is not open, as tcp would
	 * say of each). */
	{"tcp.sweep", NP_PASS,
	 "the ports of a target swept with half-open SYNs (tcp --syn): counts and port ranges per state; it "
	 "fails when a port swept is not open",
	 "Compare reached_ranges (open or closed: the path lets these through) and blocked_ranges (filtered, "
	 "rejected, unreachable) in the finding's metrics with the rule matrix; rejected_by names who rejects "
	 "what. `netprobe trace HOST:PORT` finds the hop where a filtered port dies."},
	{"tls.ok", NP_PASS,
	 "the TLS handshake completed with a trusted, valid certificate for the name and a current protocol",
	 ""},
	{"tls.intercepted", NP_FAIL,
	 "the certificate comes from a CA that is not the endpoint's: TLS inspection on the path",
	 "The service does not support TLS inspection: exempt these endpoints from inspection on the "
	 "proxy or firewall named (issuer shown)."},
	{"tls.untrusted", NP_FAIL,
	 "the certificate chain does not lead to a trusted root",
	 "The summary names the verify error. Install the missing CA, or fix the server's chain."},
	{"tls.revoked", NP_FAIL,
	 "a certificate of the chain is revoked: its CA's OCSP responder, its CRL or the server's stapled "
	 "OCSP response says so (tls --revocation on)",
	 "The summary names the certificate and the source. Replace the certificate on the server (or the "
	 "device presenting it); Windows clients refuse it."},
	{"tls.incomplete_chain", NP_FAIL,
	 "the server leaves out an intermediate certificate: OpenSSL-based clients fail; the summary says "
	 "whether the certificate's caIssuers URL is reachable through this path, i.e. whether a Windows "
	 "client completes the chain (tls --revocation on)",
	 "Have the server send its whole chain (leaf and intermediates). Until then, Windows clients need "
	 "the caIssuers URL reachable on their path."},
	{"tls.revocation_unreachable", NP_FAIL,
	 "no CRL or OCSP source answered for a certificate of the chain through this path (tls "
	 "--revocation on): Windows stalls the handshake for its retrieval timeout, then fails or goes on "
	 "without the check",
	 "Allow the URLs named in the summary (port 80, plain HTTP) through this path: the firewall for "
	 "direct clients, the proxy's rules for proxied ones."},
	{"tls.expired", NP_FAIL,
	 "a certificate of the chain has expired",
	 "Renew the certificate on the server (or the device presenting it)."},
	{"tls.not_yet_valid", NP_FAIL,
	 "a certificate of the chain is not valid yet",
	 "Check this host's clock and the certificate's validity dates."},
	{"tls.hostname_mismatch", NP_FAIL,
	 "the certificate is not for the name asked",
	 "The name resolves to a server that holds another name's certificate: check DNS and the server's "
	 "certificate (or a device answering in its place)."},
	{"tls.old_protocol", NP_FAIL,
	 "the server negotiated a protocol below the one required (--min-tls, default TLS 1.2)",
	 "Enable TLS 1.2 or later on the server (or the device terminating TLS)."},
	{"tls.alert", NP_FAIL,
	 "the server or a middlebox ended the handshake with a TLS alert (in a capture read by explain: "
	 "either side, named)",
	 "The alert named in the summary says why (protocol version, handshake failure, unrecognized name, "
	 "unknown CA from a client that refuses the certificate)."},
	{"tls.reset_after_hello", NP_FAIL,
	 "a reset came right after the ClientHello: the signature of SNI or DPI filtering",
	 "A firewall filtering TLS by server name (the hop is named when capture places it) blocks this "
	 "endpoint: ask for it to be allowed."},
	{"tls.dropped_after_hello", NP_FAIL,
	 "the ClientHello was acknowledged, then nothing came back: the signature of silent SNI/DPI filtering",
	 "A firewall filtering TLS by server name drops this endpoint's traffic: ask for it to be allowed."},
	{"path.mtu_blackhole", NP_FAIL,
	 "large packets vanish on the path: the handshake works only with a small MSS",
	 "A link with a smaller MTU sits on the path and its ICMP fragmentation-needed / packet-too-big "
	 "messages are dropped. Let those ICMP messages through (RFC 4890), or clamp the MSS on that link."},
	{"tls.failed", NP_FAIL,
	 "the TLS handshake failed (see the summary)",
	 "The summary says how it ended; a capture (--pcap) shows where."},
	{"http.ok", NP_PASS,
	 "the HTTP server answered (any status below 500 proves it is reached)",
	 ""},
	{"http.error", NP_FAIL,
	 "the HTTP server answered with a server error (5xx), or gave no valid HTTP answer",
	 "The server (or a proxy in front of it) is reached but fails: check its health."},
	{"proxy.auth_required", NP_FAIL,
	 "the proxy wants authentication (407) and no scheme it offers could be used: the schemes offered and "
	 "why each could not (no Kerberos ticket, no password, not allowed by --proxy-auth)",
	 "Give credentials for a scheme the proxy offers: a Kerberos ticket (kinit, KRB5CCNAME) or a client "
	 "keytab (--proxy-keytab, KRB5_CLIENT_KTNAME) for Negotiate; user:pass@ in the proxy URL, or "
	 "--proxy-user with NETPROBE_PROXY_PASSWORD, for NTLM and Basic."},
	{"proxy.auth_failed", NP_FAIL,
	 "a credential exists for a scheme the proxy offered, but authentication did not complete: refused by "
	 "the proxy, or no service ticket from the KDC (metrics.proxy_auth_scheme, metrics.reason)",
	 "The reason says which: the proxy's SPN missing from the KDC (setspn/ktpass on the proxy's account), "
	 "clock skew (fix NTP), an expired ticket (kinit), no KDC reachable (tcp/udp 88), or a wrong NTLM/Basic "
	 "password."},
	{"proxy.denied", NP_FAIL,
	 "the proxy refuses to connect to this target (403)",
	 "Ask the proxy's owners to allow this destination (and port) for this host."},
	{"proxy.failed", NP_FAIL,
	 "the proxy failed: an error status, an answer that is not a complete valid HTTP answer, or it "
	 "could not be reached",
	 "The summary quotes what the proxy said."},
	{"proxy.timeout", NP_FAIL,
	 "nothing at all came back from the proxy to the CONNECT within the timeout",
	 "The proxy could not reach the target in time, or is overloaded: check its access to the target."},
	{"dns.ok", NP_PASS,
	 "the name resolved",
	 ""},
	{"dns.nxdomain", NP_FAIL,
	 "the name does not exist (NXDOMAIN)",
	 "Check the spelling of the name, and that the resolvers this host uses can resolve it."},
	/* A warning: NODATA is a good answer (an IPv4-only name has no AAAA);
	 * a probe that needed the address makes its finding fail. */
	{"dns.nodata", NP_WARN,
	 "the name exists but has no record of the type asked (NODATA)",
	 "If this host needs that record type (AAAA on an IPv6-only host, SRV for a service), have it added."},
	{"dns.servfail", NP_FAIL,
	 "the resolver answered SERVFAIL: it could not get an answer",
	 "The resolver failed to reach the authoritative servers or to validate the answer; check its "
	 "forwarding and its access to the outside."},
	{"dns.refused", NP_FAIL,
	 "the resolver refused the query",
	 "The resolver does not serve this host (ACL) or does not recurse; use a resolver that does."},
	{"dns.timeout", NP_FAIL,
	 "queries were sent and no answer came back before the timeout",
	 "DNS to the resolver is dropped on the way, or the resolver is down. Check UDP and TCP port 53 "
	 "from this host to its resolvers."},
	{"dns.dropped_by_host", NP_FAIL,
	 "the resolver answered (the capture holds its answer) but the answer never reached netprobe: this "
	 "host dropped it on the way in",
	 "Not the resolver nor the path: this host's inbound rules (nftables or iptables INPUT, Windows "
	 "Defender Firewall, endpoint protection) drop DNS answers from the resolver's port 53, or the "
	 "socket's receive buffer overflowed (RcvbufErrors in /proc/net/snmp). Allow the answers in."},
	{"dns.unreachable", NP_FAIL,
	 "an ICMP error came back for the query: no DNS server there, or blocked on the way",
	 "Check that the resolver address is right and that UDP and TCP port 53 to it are allowed."},
	{"dns.malformed", NP_FAIL,
	 "the resolver answered with something that is not a well-formed DNS answer to the question asked: "
	 "the summary names the defect (metrics.defect) and the server",
	 "The resolver, or a device on the way (a DNS proxy, a firewall or load balancer inspecting DNS, a "
	 "captive portal), mangles answers, and resolver libraries drop or reject them. Have its owners fix "
	 "it, or use another resolver; a capture (--pcap) keeps the bytes as proof."},
	{"dns.error", NP_ERROR,
	 "the name could not be looked up: the resolver configuration or the name is unusable",
	 "The summary names the resolver library's error; check /etc/resolv.conf and the name."},
	{"dns.nxdomain_rewritten", NP_FAIL,
	 "a name that cannot exist got an answer: the resolver rewrites NXDOMAIN",
	 "Typos and retired names resolve to the rewriter's address instead of failing; services that "
	 "fall back on NXDOMAIN break. Use a resolver that returns NXDOMAIN (turn off its ad/search redirect)."},
	{"dns.rewrite_unknown", NP_WARN,
	 "whether the resolver rewrites NXDOMAIN could not be told: the name that cannot exist got no usable "
	 "answer (metrics.reason: timeout, dropped_by_host, servfail, refused, malformed, unreachable, error)",
	 "The resolver answers (or fails) the names asked but not a name that does not exist: it may forward "
	 "unknown names to an upstream that is slow, unreachable or broken, which also makes clients hang on "
	 "typos and retired names. Check its forwarding, or run again with a longer --timeout."},
	{"dns.inconsistent", NP_WARN,
	 "resolvers give different answers for the same name and type",
	 "Split-brain DNS or a stale resolver: the host reaches different servers depending on which "
	 "resolver answers. Make every resolver the host uses give the same answer."},
	{"dns.tcp_blocked", NP_FAIL,
	 "DNS over TCP fails: a truncated UDP answer cannot be fetched over TCP (or --tcp fails while UDP works)",
	 "Large answers (many records, DNSSEC, long TXT) need TCP port 53 (RFC 7766). Allow TCP/53 from "
	 "this host to its resolvers."},
	{"dns.dns64", NP_WARN,
	 "the resolver synthesizes AAAA records (DNS64): this host sits in an IPv6-only network with NAT64",
	 "IPv4-only endpoints are reached through the NAT64 prefix shown. Services that need IPv4 "
	 "(or reject NAT between networks) should run where IPv4 is native."},
	{"dns.no_external", NP_FAIL,
	 "internal names resolve but public ones do not: the resolver does not reach the outside",
	 "Let the resolver forward or recurse to the internet (or point the host at one that does): "
	 "cloud endpoints must resolve."},
	{"dns.single_label_domain", NP_WARN,
	 "the AD domain name has a single label (no dot)",
	 "Single-label domain names are a special case for directory sync and many DNS resolvers; see the "
	 "product's guidance before going live."},
	{"dns.netbios_dotted", NP_WARN,
	 "the NetBIOS domain name contains a dot",
	 "A dotted NetBIOS name is a special case for directory sync; see the product's guidance."},
	{"idle.dropped", NP_FAIL,
	 "state was lost silently while the connection sat idle: data sent after the silence was "
	 "retransmitted and never acknowledged",
	 "A firewall, NAT or load balancer on the path forgets idle connections and then drops their "
	 "packets without a word. Raise its idle (TCP established) timeout above the application's "
	 "longest silence (at least 300 s for a sync service), or have the application send TCP "
	 "keepalives more often than that timeout."},
	{"idle.reset_by_path", NP_FAIL,
	 "a reset ended the connection after it sat idle, and its TTL says a device on the path sent "
	 "it, not the far end",
	 "A firewall or NAT at the hop named in the summary forgets idle connections and resets them "
	 "on the next packet. Raise its idle (TCP established) timeout above the application's longest "
	 "silence (at least 300 s for a sync service), or have the application send TCP keepalives more "
	 "often than that timeout. Hops are counted on the way back."},
	{"idle.reset_by_peer", NP_FAIL,
	 "a reset ended the connection after it sat idle, and its TTL is that of the far end's own "
	 "packets: the far end reset it",
	 "The far end, or something at the same distance (its host firewall, a load balancer in front "
	 "of it), drops idle connections. Check its idle and keepalive settings, or have the "
	 "application reconnect after a silence."},
	{"idle.reset", NP_FAIL,
	 "a reset ended the connection after it sat idle; where it came from cannot be told",
	 "Capture on this side as well (netprobe's own capture, or tcpdump), so the reset's TTL can be "
	 "compared with the far end's own packets."},
	{"idle.closed_by_peer", NP_WARN,
	 "the far end itself closed the idle connection (FIN, a reset with its own TTL, or HTTP 408): "
	 "a server-side timeout, not the network",
	 "This is the server's own idle limit, not a firewall: do not file a firewall change for it. "
	 "Raise the server's keep-alive / idle timeout if you own it (at least 300 s for a sync "
	 "service), or accept that it closes idle connections and have the application reconnect. To "
	 "measure the network itself, run `netprobe responder` beyond the firewall (it never closes an "
	 "idle connection) and probe it with `netprobe idle --tcp`."},
	{"idle.closed_by_proxy", NP_WARN,
	 "the proxy closed the idle tunnel (FIN or a reset from the proxy itself)",
	 "The proxy's idle (read) timeout is shorter than the silence. Raise it above the application's "
	 "longest silence: 360 s (6 minutes) is recommended for a sync service, and at least 300 s is "
	 "required (squid: read_timeout and client_idle_pconn_timeout; tinyproxy: Timeout)."},
	{"idle.survived", NP_PASS,
	 "the connection survived the silence: the request after it was answered",
	 ""},
	{"idle.no_connection", NP_ERROR,
	 "no connection could be set up to hold idle (connect, proxy, TLS or the first request failed)",
	 "Run `netprobe tcp` or `netprobe tls` against the same target and path: their verdicts say "
	 "why the connection fails."},
	{"family.dual_stack", NP_PASS,
	 "IPv4 and IPv6 both work: global addresses and default routes for each (host), or a connect over "
	 "each (target)",
	 ""},
	{"family.ipv4_only", NP_PASS,
	 "IPv4 only: no global IPv6 address or IPv6 default route (host), or no AAAA (target); the service "
	 "needs IPv4, which works",
	 ""},
	{"family.ipv6_only", NP_FAIL,
	 "IPv6 only, without NAT64: the service needs IPv4",
	 "Give this host an IPv4 address and default route (the sync service does not support IPv6-only "
	 "hosts), or reach the target over IPv4."},
	{"family.nat64", NP_WARN,
	 "IPv6 only, IPv4 reached through NAT64 (a DNS64 prefix from ipv4only.arpa)",
	 "The sync service needs IPv4 and does not support NAT between the networks it joins: NAT64 is "
	 "translation. Give the host native IPv4 before going live."},
	{"family.ipv6_broken", NP_FAIL,
	 "the target has AAAA and this host an IPv6 route, but IPv6 connects fail or are far slower than "
	 "IPv4: clients stall before falling back",
	 "Fix the IPv6 path (a firewall that drops IPv6, a broken tunnel or router advertisement), or "
	 "remove the IPv6 default route so clients do not try it; the summary gives both families' "
	 "results."},
	{"family.unreachable", NP_FAIL,
	 "neither IPv4 nor IPv6 connects to the target",
	 "Run `netprobe tcp` and `netprobe dns` against the target: their verdicts say why."},
	{"family.offline", NP_FAIL,
	 "this host has no global address with a default route in either family",
	 "Configure an IPv4 address and default route (the sync service needs IPv4)."},
	{"nat.none", NP_PASS,
	 "no address translation: the far side saw this host's own address and port",
	 ""},
	{"nat.detected", NP_FAIL,
	 "this host's traffic is translated on the way (NAT): the far side saw another address or port",
	 "The sync service does not support NAT between the networks it joins. Route between them "
	 "without translation (exempt these flows from the NAT rule), or place the server on the same "
	 "side; the summary names the translated address, who saw it and from which hop."},
	{"nat.undecided", NP_WARN,
	 "the method could not decide whether there is NAT (a NAT that also translates the headers "
	 "quoted in ICMP errors is invisible to traces)",
	 "Run netprobe responder on the far side and use --responder, or a STUN server with --stun: "
	 "they see the translated address directly."},
	{"nat.no_answer", NP_ERROR,
	 "the responder or STUN server did not answer, or answered something unusable",
	 "Check that it runs and that this host may reach it (TCP and UDP on its port: netprobe tcp "
	 "tells); with a responder started with --token, give the same --token."},
	{"profile.skipped", NP_SKIP,
	 "a check of the profile was not run: it uses a variable no --set gave (or is skipped when one is given)",
	 "Give the variable with --set NAME=VALUE to run it; optional parts of a profile need not run."},
	{"explain.clean", NP_PASS,
	 "the capture shows no failed handshake, no connection reset by the path or with data in "
	 "flight, none left unacknowledged and none that died after sitting idle",
	 ""},
	{"explain.one_sided", NP_WARN,
	 "some connections were captured in one direction only: nothing is concluded from their missing "
	 "direction",
	 "The other direction took another path (asymmetric routing) or the tap, SPAN port or filter saw "
	 "one direction. Capture on a host of the connection, or where both directions pass, or merge "
	 "the two directions' captures (mergecap) before reading them; the connections named are not "
	 "judged."},
	{"explain.partial", NP_WARN,
	 "the capture was not read to its end, frames were left out, or not every finding is listed: the "
	 "analysis covers part of it",
	 "The file is cut short or damaged after the frame named in the summary (a capture stopped "
	 "abruptly, or copied while still being written), or a frame's timestamp is out of range; record "
	 "again, or cut it to its good part with editcap, to analyse the rest. For findings beyond the "
	 "limit, narrow the file with a BPF filter."},
	{"trace.reached", NP_PASS,
	 "the trace reached the target: it answered the probe on its service port (SYN-ACK, its own "
	 "reset, or for UDP an ICMP port unreachable)",
	 ""},
	{"trace.blocked_at_hop", NP_FAIL,
	 "the probes die on the way: the summary names the last hop that answered and how the flow "
	 "then dies (silence, a reset whose TTL places it on the path, an ICMP prohibited or unreachable)",
	 "The device at or just after the hop named blocks this flow. Ask its owners for a rule that "
	 "allows it from this source address to the target address and port. Hops are counted on the "
	 "way out; a reset is placed by its TTL, counted on the way back."},
	{"trace.max_hops", NP_FAIL,
	 "the target was not reached within --max-hops: routers still answered at the last hop probed",
	 "Raise --max-hops (up to 64). Addresses that repeat in the hops are a routing loop: check "
	 "the routes of the routers named."},
	{"trace.modified", NP_WARN,
	 "a device on the path rewrites header fields of the flow: the quotes of the hops show which "
	 "and from which hop (NAT, MSS clamping, TCP options stripped, DSCP/ECN remarked)",
	 "Rewriting is often intended (NAT, MSS clamping on tunnels). Services that reject NAT between "
	 "networks, or need TCP options end to end (window scaling, SACK, timestamps for throughput), "
	 "need the device before the hop named configured to leave them alone."},
	{"trace.error", NP_ERROR,
	 "the trace could not be run from this host",
	 "The summary says why. A trace sends crafted packets and reads the answers from the packet "
	 "capture: it needs CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on the program)."},
	{"capture.dropped", NP_WARN,
	 "the kernel or the interface dropped captured packets: some evidence may be missing",
	 "Fewer probes at once (--parallel) or a quieter moment gives a complete capture."},
	/* An error, not a skip: a run cut short must not exit 0 in a pipeline. */
	{"run.deadline", NP_ERROR,
	 "the run's --deadline passed before this probe finished",
	 "Raise --deadline, or lower --timeout, so every probe has time to finish."},
	{"run.interrupted", NP_SKIP,
	 "the run was interrupted before this probe finished",
	 ""},
};

#define N_VERDICTS (sizeof(verdicts) / sizeof(verdicts[0]))

static int by_code(const void *a, const void *b)
{
	return strcmp((*(const struct np_verdict *const *)a)->code, (*(const struct np_verdict *const *)b)->code);
}

static int code_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct np_verdict *const *)elem)->code);
}

/* Every finding looks its code up: a run of 10,000 findings would walk
 * the table 10,000 times, so the codes are sorted once and searched. */
const struct np_verdict *np_verdict_get(const char *code)
{
	static const struct np_verdict *sorted[N_VERDICTS];
	static int ready;
	const struct np_verdict *const *hit;

	if (!ready) {
		for (size_t i = 0; i < N_VERDICTS; i++)
			sorted[i] = &verdicts[i];
		qsort(sorted, N_VERDICTS, sizeof(sorted[0]), by_code);
		ready = 1;
	}
	hit = bsearch(code, sorted, N_VERDICTS, sizeof(sorted[0]), code_cmp);
	return hit ? *hit : NULL;
}

const struct np_verdict *np_verdict_table(size_t *count)
{
	*count = sizeof(verdicts) / sizeof(verdicts[0]);
	return verdicts;
}

const char *np_status_name(enum np_status s)
{
	static const char *const names[NP_STATUS_COUNT] = {
		"pass", "warn", "fail", "error", "skip"
	};

	return (unsigned)s < NP_STATUS_COUNT ? names[s] : "unknown";
}
