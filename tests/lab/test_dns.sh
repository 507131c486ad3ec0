# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe dns in the lab: real unbound servers, every verdict produced for real.
# shellcheck shell=bash

# finding FILE NAME TYPE RESOLVER: the one finding for that query.
finding() {
	jq -c --arg t "$2 $3" --arg r "$4" '[.findings[] | select(.target == $t and .address == $r)] | if length == 1 then .[0] else error("\(length) findings for \($t) @\($r)") end' "$1"
}

test_dns_ok_answers_and_nodata() {
	np dnsok dns www.example.net login.example.net --resolver "$DNS_GOOD4"
	local f
	f=$(finding "$TMP/dnsok.json" www.example.net A "$DNS_GOOD4")
	jq -e '.verdict == "dns.ok" and .status == "pass" and .metrics.answers == ["198.19.5.10"] and .metrics.resolver == "'"$DNS_GOOD4"'" and (.metrics.dns_ms | type) == "number" and .metrics.ttl > 0' <<<"$f" >/dev/null || fail "$f"
	f=$(finding "$TMP/dnsok.json" www.example.net AAAA "$DNS_GOOD4")
	# NODATA is a good answer (an IPv4-only name): a warning, the run passes.
	jq -e '.verdict == "dns.nodata" and .status == "warn"' <<<"$f" >/dev/null || fail "$f"
	f=$(finding "$TMP/dnsok.json" login.example.net AAAA "$DNS_GOOD4")
	jq -e '.verdict == "dns.ok" and .metrics.answers == ["2001:db8:5::11"]' <<<"$f" >/dev/null || fail "$f"
	expect "exit status" "$(rc_of dnsok)" 0
	# A clean resolver: no rewriting, no DNS64 finding.
	jqe "$TMP/dnsok.json" '[.findings[] | select(.verdict == "dns.nxdomain_rewritten" or .verdict == "dns.dns64")] | length == 0'
}

test_dns_each_system_resolver_on_its_own() {
	np dnssys dns login.example.net
	expect "exit status" "$(rc_of dnssys)" 0
	jqe "$TMP/dnssys.json" ".host.resolvers == [\"$DNS_GOOD4\", \"$DNS_GOOD6\"]"
	jqe "$TMP/dnssys.json" "[.findings[] | select(.verdict == \"dns.ok\") | .address] | sort == ([\"$DNS_GOOD4\", \"$DNS_GOOD4\", \"$DNS_GOOD6\", \"$DNS_GOOD6\"] | sort)"
}

test_dns_types_and_cname() {
	np dnstypes dns example.net alias.example.net --type MX,TXT,NS,SOA,CNAME --resolver "$DNS_GOOD4"
	jqe "$TMP/dnstypes.json" '.findings[] | select(.target == "example.net MX") | .verdict == "dns.ok" and .metrics.answers == ["10 mx.example.net."]'
	jqe "$TMP/dnstypes.json" '.findings[] | select(.target == "example.net TXT") | .metrics.answers == ["v=spf1 -all"]'
	jqe "$TMP/dnstypes.json" '.findings[] | select(.target == "alias.example.net CNAME") | .metrics.answers == ["www.example.net."]'
	jqe "$TMP/dnstypes.json" '.findings[] | select(.target == "example.net SOA") | .verdict == "dns.ok"'
}

test_dns_nxdomain() {
	np dnsnx dns nope.example.net --type A --resolver "$DNS_GOOD4"
	jqe "$TMP/dnsnx.json" '[.findings[] | select(.verdict == "dns.nxdomain" and .status == "fail" and .target == "nope.example.net A")] | length == 1'
}

test_dns_refused() {
	np dnsref dns www.example.net --type A --resolver "$DNS_REFUSE"
	jqe "$TMP/dnsref.json" '[.findings[] | select(.target == "www.example.net A") | .verdict] == ["dns.refused"]'
}

test_dns_timeout_when_udp_is_dropped() {
	np dnsto dns www.example.net --type A --resolver "$DNS_UDP_DROP" --timeout 1
	jqe "$TMP/dnsto.json" '[.findings[] | select(.target == "www.example.net A") | .verdict] == ["dns.timeout"]'
	# The window says what happened: every query asked again on its
	# timer, each a loss, none answered, the window shrunk below its start.
	jqe "$TMP/dnsto.json" ".dns_windows | length == 1 and (.[0] | .resolver == \"$DNS_UDP_DROP\" and
		.answered == 0 and .retransmitted > 0 and .losses > 0 and .window < 10 and .most_in_flight <= .ceiling)"
}

# The report's window of a resolver that answers everything: as many
# queries as names (and the two probes), none asked again, the window at
# its ceiling, never more in flight than it.
test_dns_window_is_reported() {
	local i
	for i in $(seq 1 300); do echo "w$i.bench.example.net"; done >"$TMP/dnswin.txt"
	np dnswin dns --targets-file "$TMP/dnswin.txt" --type A --resolver "$DNS_GOOD4" --parallel 32
	jqe "$TMP/dnswin.json" ".dns_windows | length == 1 and (.[0] | .resolver == \"$DNS_GOOD4\" and
		.queries == 302 and .answered == 302 and .retransmitted == 0 and .losses == 0 and .ceiling == 32 and
		.most_in_flight == 32 and .window == 32 and .srtt_ms > 0)"
}

# A run that ends before its names are asked: the queries are made only
# as there is room for them, yet every name still gets its one finding,
# the running ones "no answer ... before the run ended", the rest "never
# asked".
test_dns_deadline_reports_every_name_once() {
	local i
	for i in $(seq 1 40); do echo "d$i.example.net"; done >"$TMP/dnsdl.txt"
	np dnsdl dns --targets-file "$TMP/dnsdl.txt" --type A --resolver "$DNS_UDP_DROP" --timeout 5 \
		--parallel 4 --deadline 1
	jqe "$TMP/dnsdl.json" '[.findings[] | select(.target | test("^d[0-9]+\\.example\\.net A$")) | .target] | (length == 40 and (unique | length) == 40)'
	jqe "$TMP/dnsdl.json" '[.findings[] | select(.target | test("^d[0-9]+\\.")) | select(.verdict == "run.deadline" and (.summary | test("before the run ended")))] | length == 4'
	jqe "$TMP/dnsdl.json" '[.findings[] | select(.target | test("^d[0-9]+\\.")) | select(.verdict == "run.deadline" and (.summary | test("^never asked")))] | length == 36'
}

test_dns_unreachable_names_the_sender() {
	np dnsunr dns www.example.net --type A --resolver "$DNS_NONE"
	jqe "$TMP/dnsunr.json" ".findings[] | select(.target == \"www.example.net A\") | .verdict == \"dns.unreachable\" and .metrics.sender == \"$DNS_NONE\" and (.summary | test(\"no DNS server\"))"
}

test_dns_truncated_answer_comes_over_tcp() {
	np dnsbig dns big.example.net --type TXT --resolver "$DNS_GOOD4"
	# The whole 2 KB answer came (over TCP); the text kept is bounded.
	jqe "$TMP/dnsbig.json" '.findings[] | select(.target == "big.example.net TXT") | .verdict == "dns.ok" and .metrics.size > 2000 and (.metrics.answers[0] | length) < 512'
}

test_dns_tcp_blocked_by_drop_and_by_reject() {
	np dnstcpd dns big.example.net --type TXT --resolver "$DNS_TCP_DROP" --timeout 2
	jqe "$TMP/dnstcpd.json" '.findings[] | select(.target == "big.example.net TXT") | .verdict == "dns.tcp_blocked" and (.summary | test("truncated")) and (.summary | test("unanswered"))'
	jqe "$TMP/dnstcpd.json" '.findings[] | select(.target == "big.example.net TXT") | [.evidence[].text | test("SYN")] | any'
	np dnstcpr dns big.example.net --type TXT --resolver "$DNS_TCP_REJECT" --timeout 2
	jqe "$TMP/dnstcpr.json" ".findings[] | select(.target == \"big.example.net TXT\") | .verdict == \"dns.tcp_blocked\" and .metrics.sender == \"$FW4\""
}

# This host's own firewall drops the resolver's answers on the way in:
# the capture (which sees packets before the firewall) holds them, the
# socket never gets them. Not the resolver's failure: dns.dropped_by_host,
# the answer's frame cited, this host's firewall named to act; the name
# that cannot exist says the same (metrics.reason dropped_by_host).
test_dns_answers_dropped_by_this_host() {
	ip netns exec "$NS_CLI" nft delete table inet np_test_dnsin 2>/dev/null || true
	ip netns exec "$NS_CLI" nft -f - <<NFT || fail "cannot drop the answers"
table inet np_test_dnsin {
	chain in {
		type filter hook input priority 0;
		ip saddr $DNS_GOOD4 udp sport 53 drop
	}
}
NFT
	np dnsin dns www.example.net --type A --resolver "$DNS_GOOD4" --timeout 2 --pcap "$TMP/dnsin.pcapng"
	ip netns exec "$NS_CLI" nft delete table inet np_test_dnsin || fail "cannot remove the drop rule"
	local f frame
	f=$(finding "$TMP/dnsin.json" www.example.net A "$DNS_GOOD4")
	jqe <(echo "$f") '.verdict == "dns.dropped_by_host" and .status == "fail" and
		(.summary | test("answered \\(frame [0-9]+, ID 0x[0-9a-f]{4}: NOERROR\\) but no answer reached netprobe"))'
	# the frame cited is the resolver's answer, in the saved capture
	frame=$(echo "$f" | jq -r '.summary | capture("frame (?<n>[0-9]+)").n')
	expect "cited frame is an answer from the resolver" \
		"$(tshark -r "$TMP/dnsin.pcapng" -Y "frame.number == $frame" -T fields -e ip.src -e dns.flags.response 2>/dev/null)" \
		"$DNS_GOOD4	1"
	jqe "$TMP/dnsin.json" '.findings[] | select(.verdict == "dns.rewrite_unknown") | .metrics.reason == "dropped_by_host"'
	jqe "$TMP/dnsin.json" ".summary.checklist[0].who == [\"this host's firewall (its inbound rules for DNS answers from $DNS_GOOD4)\"]"
	# without the rule, the same query is answered
	np dnsin2 dns www.example.net --type A --resolver "$DNS_GOOD4"
	jqe <(finding "$TMP/dnsin2.json" www.example.net A "$DNS_GOOD4") '.verdict == "dns.ok"'
}

test_dns_tcp_option_finds_tcp_blocked() {
	np dnstcpo dns www.example.net --type A --tcp --resolver "$DNS_TCP_DROP" --timeout 2
	jqe "$TMP/dnstcpo.json" '.findings[] | select(.target == "www.example.net A") | .verdict == "dns.tcp_blocked" and (.summary | test("UDP but not over TCP"))'
	np dnstcpok dns www.example.net --type A --tcp --resolver "$DNS_GOOD4"
	jqe "$TMP/dnstcpok.json" '.findings[] | select(.target == "www.example.net A") | .verdict == "dns.ok"'
}

test_dns_nxdomain_rewriting() {
	np dnsrw dns www.example.net --type A --resolver "$DNS_REWRITE"
	jqe "$TMP/dnsrw.json" "[.findings[] | select(.verdict == \"dns.nxdomain_rewritten\" and .address == \"$DNS_REWRITE\" and .metrics.answers == [\"198.19.4.99\"] and (.target | test(\"^np-[a-z]{16}[.]com A\$\")))] | length == 1"
	expect "exit status" "$(rc_of dnsrw)" 1
}

test_dns_dns64_prefix() {
	np dns64 dns www.example.net --type AAAA --resolver "$DNS_DNS64"
	jqe "$TMP/dns64.json" "[.findings[] | select(.verdict == \"dns.dns64\" and .status == \"warn\" and .metrics.nat64_prefix == \"$DNS64_PREFIX\")] | length == 1"
	jqe "$TMP/dns64.json" ".findings[] | select(.target == \"www.example.net AAAA\") | .metrics.answers == [\"$PUBLIC_NAME_DNS64\"]"
}

test_dns_inconsistent_resolvers() {
	np dnsinc dns www.example.net --type AAAA --resolver "$DNS_GOOD4" --resolver "$DNS_DNS64"
	jqe "$TMP/dnsinc.json" "[.findings[] | select(.verdict == \"dns.inconsistent\" and .target == \"www.example.net AAAA\" and .status == \"warn\" and (.metrics.answers_by_resolver | keys | length == 2))] | length == 1"
	# Same answers in another order are not inconsistent.
	np dnscons dns login.example.net --type A --resolver "$DNS_GOOD4" --resolver "$DNS_GOOD6"
	jqe "$TMP/dnscons.json" '[.findings[] | select(.verdict == "dns.inconsistent")] | length == 0'
}

# The cross-check sees every outcome, however many names: two resolvers
# that disagree on the last of 4,401 names (8,802 outcomes; 8,192 were
# kept once, and the rest silently left out of the comparison).
test_dns_inconsistent_resolvers_past_eight_thousand_outcomes() {
	local i
	for i in $(seq 1 4400); do echo "b$i.bench.example.net"; done >"$TMP/dnsmany.txt"
	echo www.example.net >>"$TMP/dnsmany.txt"
	np dnsmany dns --targets-file "$TMP/dnsmany.txt" --type AAAA --resolver "$DNS_GOOD4" --resolver "$DNS_DNS64"
	jqe "$TMP/dnsmany.json" '[.findings[] | select(.verdict == "dns.nxdomain")] | length == 8800'
	jqe "$TMP/dnsmany.json" '[.findings[] | select(.verdict == "dns.inconsistent" and .target == "www.example.net AAAA")] | length == 1'
}

test_dns_no_external_and_domain_controllers() {
	np dnsint dns www.example.net login.example.net --domain "$AD_DOMAIN" --resolver "$DNS_INTERNAL"
	jqe "$TMP/dnsint.json" "[.findings[] | select(.verdict == \"dns.no_external\" and .address == \"$DNS_INTERNAL\")] | length == 1"
	jqe "$TMP/dnsint.json" '.findings[] | select(.target == "_ldap._tcp.dc._msdcs.'"$AD_DOMAIN"' SRV") | .verdict == "dns.ok" and (.metrics.answers | length) == 2'
	jqe "$TMP/dnsint.json" '.findings[] | select(.target == "dc1.'"$AD_DOMAIN"' A") | .verdict == "dns.ok" and .metrics.answers == ["198.19.4.61"]'
	# A resolver that reaches both: no dns.no_external.
	np dnsint2 dns www.example.net --domain "$AD_DOMAIN" --resolver "$DNS_GOOD4"
	jqe "$TMP/dnsint2.json" '[.findings[] | select(.verdict == "dns.no_external")] | length == 0'
	jqe "$TMP/dnsint2.json" '.findings[] | select(.target == "dc2.'"$AD_DOMAIN"' A") | .verdict == "dns.ok"'
}

test_dns_ad_name_warnings() {
	np dnsad dns --domain corp --netbios CORP.X --resolver "$DNS_GOOD4" --type A
	jqe "$TMP/dnsad.json" '[.findings[] | select(.verdict == "dns.single_label_domain" and .status == "warn")] | length == 1'
	jqe "$TMP/dnsad.json" '[.findings[] | select(.verdict == "dns.netbios_dotted" and .status == "warn")] | length == 1'
}

test_dns_servfail() {
	np dnssf dns "$SERVFAIL_NAME" --type A --resolver "$DNS_GOOD4"
	jqe "$TMP/dnssf.json" "[.findings[] | select(.target == \"$SERVFAIL_NAME A\") | .verdict] == [\"dns.servfail\"]"
	jqe "$TMP/dnssf.json" '.findings[] | select(.verdict == "dns.servfail") | .summary | test("SERVFAIL")'
}

# --- a server of malformed answers (fixtures/lab/dns_hostile.py) ----------------

# hostile_start PORT:MODE...: run dns_hostile.py in srv on $DNS_HOSTILE, its
# pid in HOSTILE_PID (lab exec execs into it), until hostile_stop (by pid;
# the calling test's EXIT trap too).
hostile_start() {
	local out=$TMP/hostile.$BASHPID.out i py=/usr/bin/python3
	# Debian's own python3 (deps.sh) starts fastest; else the one on PATH.
	[ -x "$py" ] || py=python3
	"$LAB" exec srv "$py" "$DNS_HOSTILE_PY" "$DNS_HOSTILE" "$@" >"$out" 2>&1 &
	HOSTILE_PID=$!
	trap hostile_stop EXIT
	for i in $(seq 1 200); do
		grep -qx ready "$out" 2>/dev/null && return 0
		kill -0 "$HOSTILE_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "dns_hostile.py did not start: $(cat "$out")"
}

hostile_stop() {
	[ -n "${HOSTILE_PID:-}" ] || return 0
	kill "$HOSTILE_PID" 2>/dev/null || true
	wait "$HOSTILE_PID" 2>/dev/null || true
	HOSTILE_PID=
}

# np_resolver NAME RESOLVER ARGS...: np with RESOLVER as the only nameserver
# in /etc/resolv.conf, bind-mounted in a mount namespace of this run only.
np_resolver() {
	local name=$1 rs=$2 rc=0
	shift 2
	printf 'nameserver %s\n' "$rs" >"$TMP/$name.resolv.conf"
	"$LAB" exec cli unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh \
		"$TMP/$name.resolv.conf" "$NETPROBE" "$@" --json "$TMP/$name.json" >"$TMP/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$TMP/$name.rc"
	jq -e .schema "$TMP/$name.json" >/dev/null || fail "no JSON report; output: $(cat "$TMP/$name.out")"
}

test_dns_malformed_answers_fail_tcp_and_tls_targets() {
	hostile_start 53:drop
	# What c-ares rejects (loop, cut, count, RDLENGTH) and what it drops
	# and waits on (another question, 7 bytes) alike: the defect and the
	# server, not "Misformatted DNS reply" or a timeout.
	np_resolver dnsbadtcp "$DNS_HOSTILE" tcp --timeout 2 loop.bad:80 cut.bad:80 count.bad:80 rdlen.bad:80 \
		question.bad:80 short.bad:80 ok.bad:80
	expect "exit status" "$(rc_of dnsbadtcp)" 1
	local n re
	for n in "loop.bad a compression pointer loop in the owner name of answer record 1" \
		"cut.bad the message ends inside answer record 1" \
		"count.bad the header counts 65535 answer records, the message holds 0" \
		"rdlen.bad answer record 1's RDLENGTH 300 runs past the end of the message" \
		"question.bad its question is other.bad (A|AAAA), not the question.bad (A|AAAA) asked" \
		"short.bad 7 bytes, shorter than a DNS header"; do
		re="^cannot resolve ${n%% *}: malformed answer from $DNS_HOSTILE: ${n#* }"
		jqe "$TMP/dnsbadtcp.json" "[.findings[] | select(.target == \"${n%% *}:80\")] | length == 1 and .[0].verdict == \"dns.malformed\" and .[0].status == \"fail\" and (.[0].summary | test(\"$re\"))"
	done
	# A good answer from the same server still connects.
	jqe "$TMP/dnsbadtcp.json" "[.findings[] | select(.target == \"ok.bad:80\") | .verdict] | length == 1"
	jqe "$TMP/dnsbadtcp.json" '[.findings[] | select(.target == "ok.bad:80") | .verdict | startswith("dns.")] == [false]'
	np_resolver dnsbadtls "$DNS_HOSTILE" tls --timeout 2 loop.bad
	jqe "$TMP/dnsbadtls.json" '.findings[] | select(.target == "loop.bad:443") | .verdict == "dns.malformed" and (.summary | test("pointer loop"))'
	hostile_stop
}

test_dns_malformed_answers_name_the_defect() {
	hostile_start 53:drop
	np dnsbad dns loop.bad cut.bad count.bad rdlen.bad question.bad short.bad ok.bad --type A \
		--resolver "$DNS_HOSTILE" --timeout 2
	expect "exit status" "$(rc_of dnsbad)" 1
	local c name defect why f
	for c in "loop.bad pointer_loop a compression pointer loop in the owner name of answer record 1" \
		"cut.bad cut_short the message ends inside answer record 1" \
		"count.bad count_mismatch the header counts 65535 answer records, the message holds 0" \
		"rdlen.bad rdlength_overrun answer record 1's RDLENGTH 300 runs past the end of the message" \
		"question.bad question_mismatch its question is other.bad A, not the question.bad A asked" \
		"short.bad short_header 7 bytes, shorter than a DNS header"; do
		read -r name defect why <<<"$c"
		f=$(finding "$TMP/dnsbad.json" "$name" A "$DNS_HOSTILE")
		jq -e --arg d "$defect" --arg w "$why" --arg r "$DNS_HOSTILE" \
			'.verdict == "dns.malformed" and .status == "fail" and .metrics.defect == $d and (.summary | startswith($r + " sent ") and contains($w))' \
			<<<"$f" >/dev/null || fail "$name: $f"
	done
	f=$(finding "$TMP/dnsbad.json" ok.bad A "$DNS_HOSTILE")
	jq -e '.verdict == "dns.ok" and .metrics.answers == ["198.19.4.100"]' <<<"$f" >/dev/null || fail "$f"
	# Over TCP too (RFC 1035 4.2.2 framing): what c-ares drops is seen there.
	np dnsbadvc dns question.bad loop.bad --type A --tcp --resolver "$DNS_HOSTILE" --timeout 2
	f=$(finding "$TMP/dnsbadvc.json" question.bad A "$DNS_HOSTILE")
	jq -e '.verdict == "dns.malformed" and .metrics.defect == "question_mismatch"' <<<"$f" >/dev/null || fail "$f"
	f=$(finding "$TMP/dnsbadvc.json" loop.bad A "$DNS_HOSTILE")
	jq -e '.verdict == "dns.malformed" and .metrics.defect == "pointer_loop"' <<<"$f" >/dev/null || fail "$f"
	hostile_stop
}

# The random name of the NXDOMAIN-rewriting probe (np-<16 letters>.com A).
RANDOM_TARGET='^np-[a-z]{16}[.]com A$'

test_dns_rewrite_unknown_says_why() {
	hostile_start 53:drop 5301:servfail 5302:refused 5303:malformed
	# Real names answered, the random one dropped: a warning that says so,
	# and the run ends within its own timeout (2 s), not later.
	np dnsrwu dns ok.bad --type A --resolver "$DNS_HOSTILE" --timeout 2
	expect "exit status" "$(rc_of dnsrwu)" 0
	jqe "$TMP/dnsrwu.json" "[.findings[] | select(.verdict == \"dns.rewrite_unknown\")] | length == 1 and (.[0] | .status == \"warn\" and .address == \"$DNS_HOSTILE\" and .metrics.reason == \"timeout\" and (.target | test(\"$RANDOM_TARGET\")) and (.summary | test(\"^cannot tell whether $DNS_HOSTILE rewrites NXDOMAIN: .*no answer came in [0-9.]+ ms\")))"
	jqe "$TMP/dnsrwu.json" '.duration_ms < 2500'
	# SERVFAIL, REFUSED, a malformed answer for it: each named.
	np dnsrwu2 dns ok.bad --type A --resolver "$DNS_HOSTILE:5301" --resolver "$DNS_HOSTILE:5302" \
		--resolver "$DNS_HOSTILE:5303" --timeout 2
	local c port reason why
	for c in "5301 servfail SERVFAIL" "5302 refused refused" "5303 malformed malformed: the header counts 65535"; do
		read -r port reason why <<<"$c"
		jqe "$TMP/dnsrwu2.json" "[.findings[] | select(.verdict == \"dns.rewrite_unknown\" and .address == \"$DNS_HOSTILE:$port\")] | length == 1 and (.[0] | .metrics.reason == \"$reason\" and (.summary | contains(\"$why\")))"
	done
	hostile_stop
	# A resolver that answers nothing at all: the same, beside its timeouts.
	np dnsrwu3 dns www.example.net --type A --resolver "$DNS_UDP_DROP" --timeout 1
	jqe "$TMP/dnsrwu3.json" "[.findings[] | select(.verdict == \"dns.rewrite_unknown\" and .metrics.reason == \"timeout\" and (.target | test(\"$RANDOM_TARGET\")))] | length == 1"
}
