# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe through the corporate proxies of fixtures/lab/auth.sh: Negotiate
# (Kerberos) with a ticket, a client keytab, none, a missing SPN, a skewed
# KDC and an expired ticket; NTLM with a good and a bad password; Basic; a
# proxy offering all three. netprobe runs as root and drops to nobody, while
# the ticket caches and keytabs here are root's 0600 files: the credentials
# must be read before the drop. Cross-checked with curl.
# shellcheck shell=bash

# netprobe in the client with Kerberos config CONF and cache $TMP/CC.cc:
# pa_np NAME CONF CC ARGS... (report in $TMP/NAME.json)
pa_np() {
	local name=$1 conf=$2 cc=$3
	shift 3
	ip netns exec "$NS_CLI" env KRB5_CONFIG="$conf" KRB5CCNAME="FILE:$TMP/$cc.cc" "$NETPROBE" "$@" \
		--json "$TMP/$name.json" >"$TMP/$name.out" 2>&1 || true
	jq -e .schema "$TMP/$name.json" >/dev/null || fail "no JSON report; output: $(cat "$TMP/$name.out")"
}

# netprobe tls to the lab's good server through PROXY: pa_tls NAME CONF CC PROXY [ARGS...]
pa_tls() {
	local name=$1 conf=$2 cc=$3 proxy=$4
	shift 4
	pa_np "$name" "$conf" "$cc" tls --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --timeout 5 --proxy "$proxy" "$@"
}

# the NTLM proxy URL with user (DOMAIN\user, %5C-escaped) and password
pa_ntlm_url() {
	printf 'http://%s:%s@%s:3128' "${AUTH_NTLM_USER//\\/%5C}" "$2" "$1"
}

# kinit into $TMP/NAME.cc (0600, root's), with config CONF: pa_kinit CONF NAME [ARGS...]
pa_kinit() {
	al_kinit "$@" || fail "kinit: $(cat "$TMP/$2.kinit")"
	chmod 0600 "$TMP/$2.cc"
}

test_proxyauth_negotiate_with_a_ticket() {
	local log="$NP_LAB/auth/squid-krb/access.log" before

	before=$(grep -c "CONNECT.*alice@LAB.EXAMPLE" "$log" || true)
	pa_kinit "$AUTH_KRB5_CONFIG" tkt
	pa_tls tkt "$AUTH_KRB5_CONFIG" tkt "$PROXY_KRB"
	jqe "$TMP/tkt.json" '.findings | length == 1 and .[0].verdict == "tls.ok" and .[0].metrics.proxy_auth_scheme == "Negotiate" and .[0].metrics.proxy_auth_spn == "HTTP@proxy-krb.lab"'
	# the same cache works for curl too, and squid logged alice on both
	expect "curl" "$(al_curl tkt "$PROXY_KRB" "$TLS_GOOD_NAME" --proxy-negotiate -U :)" "200 200"
	[ "$(($(grep -c "CONNECT.*alice@LAB.EXAMPLE" "$log") - before))" -ge 2 ] ||
		fail "squid did not log alice twice: $(tail -3 "$log")"
}

test_proxyauth_negotiate_with_a_keytab() {
	local kt="$TMP/alice.keytab"

	cp "$AUTH_USER_KEYTAB" "$kt"
	chmod 0600 "$kt"
	# --proxy-keytab, the principal from the proxy URL's user part
	pa_tls ktopt "$AUTH_KRB5_CONFIG" nocache "http://${AUTH_PRINCIPAL/@/%40}@proxy-krb.lab:3128" --proxy-keytab "$kt"
	jqe "$TMP/ktopt.json" '.findings[0].verdict == "tls.ok" and .findings[0].metrics.proxy_auth_scheme == "Negotiate"'
	# KRB5_CLIENT_KTNAME, as MIT's GSSAPI reads it
	pa_np ktenv "$AUTH_KRB5_CONFIG" nocache2 tls --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --timeout 5 \
		--proxy "$PROXY_KRB"
	jqe "$TMP/ktenv.json" '.findings[0].verdict == "proxy.auth_required"'
	ip netns exec "$NS_CLI" env KRB5_CONFIG="$AUTH_KRB5_CONFIG" KRB5CCNAME="FILE:$TMP/nocache3.cc" \
		KRB5_CLIENT_KTNAME="$kt" "$NETPROBE" tls --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --timeout 5 \
		--proxy "$PROXY_KRB" --json "$TMP/ktenv2.json" >/dev/null 2>&1 || true
	jqe "$TMP/ktenv2.json" '.findings[0].verdict == "tls.ok" and .findings[0].metrics.proxy_auth_scheme == "Negotiate"'
}

test_proxyauth_negotiate_without_a_ticket() {
	pa_tls none "$AUTH_KRB5_CONFIG" none "$PROXY_KRB"
	jqe "$TMP/none.json" '.findings[0].verdict == "proxy.auth_required" and .findings[0].metrics.auth_schemes == "Negotiate" and (.findings[0].summary | test("Negotiate: no Kerberos ticket in FILE:"))'
	expect "curl" "$(al_curl none "$PROXY_KRB" "$TLS_GOOD_NAME" --proxy-negotiate -U :)" "407 000"
}

test_proxyauth_negotiate_spn_missing() {
	pa_kinit "$AUTH_KRB5_CONFIG" spn
	pa_tls spn "$AUTH_KRB5_CONFIG" spn "$PROXY_NOSPN"
	jqe "$TMP/spn.json" ".findings[0].verdict == \"proxy.auth_failed\" and .findings[0].metrics.proxy_auth_scheme == \"Negotiate\" and (.findings[0].summary | contains(\"the KDC does not know $PROXY_NOSPN_SPN\"))"
}

test_proxyauth_kdc_clock_skew() {
	local kt="$TMP/alice-skew.keytab"

	cp "$AUTH_USER_KEYTAB" "$kt"
	chmod 0600 "$kt"
	# the KDC refuses this host's clock: no ticket from the keytab
	pa_tls skew "$AUTH_KRB5_CONFIG_SKEW" skewcc "$PROXY_KRB" --proxy-keytab "$kt"
	jqe "$TMP/skew.json" '.findings[0].verdict == "proxy.auth_failed" and .findings[0].metrics.proxy_auth_scheme == "Negotiate" and (.findings[0].summary | test("clock skew"))'
	# a ticket in the KDC's time (timesync): the proxy refuses it
	pa_kinit "$AUTH_KRB5_CONFIG_SKEW_SYNC" sync
	pa_tls sync "$AUTH_KRB5_CONFIG_SKEW_SYNC" sync "$PROXY_KRB"
	jqe "$TMP/sync.json" '.findings[0].verdict == "proxy.auth_failed" and (.findings[0].summary | test("the proxy refused the Negotiate answer"))'
}

test_proxyauth_expired_ticket() {
	pa_kinit "$AUTH_KRB5_CONFIG" exp -l 2s
	sleep 3
	pa_tls exp "$AUTH_KRB5_CONFIG" exp "$PROXY_KRB"
	jqe "$TMP/exp.json" '.findings[0].verdict == "proxy.auth_failed" and .findings[0].metrics.proxy_auth_scheme == "Negotiate" and (.findings[0].summary | test("expired"))'
}

test_proxyauth_ntlm() {
	pa_tls ntlm "$AUTH_KRB5_CONFIG" none "$(pa_ntlm_url proxy-ntlm.lab "$AUTH_PASS")" --pcap "$TMP/ntlm.pcapng"
	jqe "$TMP/ntlm.json" '.findings[0].verdict == "tls.ok" and .findings[0].metrics.proxy_auth_scheme == "NTLM"'
	# three legs on one connection, each evidence, the tokens masked in
	# the report and in the saved capture
	jqe "$TMP/ntlm.json" '[.findings[0].evidence[] | select(.text | test("^proxy authentication: CONNECT"))] | length == 3 and (.[1].text | test("Proxy-Authorization: NTLM \\*\\*\\*")) and (.[2].text | test("200"))'
	[ "$(tshark -r "$TMP/ntlm.pcapng" -Y http.proxy_authorization -T fields -e http.proxy_authorization 2>/dev/null |
		grep -c '^NTLM \*\**$')" -eq 2 ] || fail "NTLM tokens not masked in the capture"
	tshark -r "$TMP/ntlm.pcapng" -Y frame.comment -T fields -e frame.comment 2>/dev/null |
		grep -q "proxy authentication:" || fail "no capture comment for the legs"
	# the password never reaches the report or the output
	! grep -q "$AUTH_PASS" "$TMP/ntlm.json" "$TMP/ntlm.out" || fail "the password is in the report"
	pa_tls ntlmbad "$AUTH_KRB5_CONFIG" none "$(pa_ntlm_url proxy-ntlm.lab wrong)"
	jqe "$TMP/ntlmbad.json" '.findings[0].verdict == "proxy.auth_failed" and .findings[0].metrics.proxy_auth_scheme == "NTLM" and (.findings[0].summary | test("after the full exchange"))'
	expect "curl, wrong password" "$(al_curl ntlmc "$PROXY_NTLM" "$TLS_GOOD_NAME" --proxy-ntlm -U "$AUTH_NTLM_USER:wrong")" "407 000"
	# --proxy-user with the password from the environment (not in ps)
	NETPROBE_PROXY_PASSWORD=$AUTH_PASS pa_tls ntlmenv "$AUTH_KRB5_CONFIG" none "$PROXY_NTLM" --proxy-user "$AUTH_NTLM_USER"
	jqe "$TMP/ntlmenv.json" '.findings[0].verdict == "tls.ok" and .findings[0].metrics.proxy_auth_scheme == "NTLM"'
}

test_proxyauth_all_three_and_basic() {
	pa_kinit "$AUTH_KRB5_CONFIG" all
	# Negotiate first, with a ticket and a password both at hand
	pa_tls allneg "$AUTH_KRB5_CONFIG" all "$(pa_ntlm_url proxy-all.lab "$AUTH_PASS")"
	jqe "$TMP/allneg.json" '.findings[0].verdict == "tls.ok" and .findings[0].metrics.proxy_auth_scheme == "Negotiate"'
	pa_tls allntlm "$AUTH_KRB5_CONFIG" all "$(pa_ntlm_url proxy-all.lab "$AUTH_PASS")" --proxy-auth ntlm
	jqe "$TMP/allntlm.json" '.findings[0].verdict == "tls.ok" and .findings[0].metrics.proxy_auth_scheme == "NTLM"'
	# no ticket and no password: each scheme offered says what it lacks
	pa_tls allnone "$AUTH_KRB5_CONFIG" none "$PROXY_ALL"
	jqe "$TMP/allnone.json" '.findings[0].verdict == "proxy.auth_required" and .findings[0].metrics.auth_schemes == "Negotiate, NTLM, Basic" and (.findings[0].summary | test("NTLM: no user and password"))'
	NETPROBE_PROXY_PASSWORD=$AUTH_PASS pa_tls allbasic "$AUTH_KRB5_CONFIG" all "$PROXY_ALL" --proxy-auth basic \
		--proxy-user "$AUTH_USER"
	jqe "$TMP/allbasic.json" '.findings[0].verdict == "tls.ok" and .findings[0].metrics.proxy_auth_scheme == "Basic"'
	# the Basic-only proxy (tinyproxy): answered after its 407
	pa_tls basic "$AUTH_KRB5_CONFIG" none "$PROXY_AUTH"
	jqe "$TMP/basic.json" '.findings[0].verdict == "tls.ok" and .findings[0].metrics.proxy_auth_scheme == "Basic"'
}

# netprobe idle through the authenticated tunnels: the sync server's case
# (an idle connection through the corporate proxy, with its own credentials)
test_proxyauth_idle_through_krb_and_ntlm() {
	pa_kinit "$AUTH_KRB5_CONFIG" idle
	pa_np ikrb "$AUTH_KRB5_CONFIG" idle idle --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --ladder 2 --idle 2 --timeout 5 \
		--proxy "$PROXY_KRB"
	jqe "$TMP/ikrb.json" '[.findings[] | select(.verdict == "idle.survived" and .metrics.proxy_auth_scheme == "Negotiate")] | length == 2'
	pa_np intlm "$AUTH_KRB5_CONFIG" none idle --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --ladder 2 --idle 2 --timeout 5 \
		--proxy "$(pa_ntlm_url proxy-ntlm.lab "$AUTH_PASS")"
	jqe "$TMP/intlm.json" '[.findings[] | select(.verdict == "idle.survived" and .metrics.proxy_auth_scheme == "NTLM")] | length == 2'
	# no ticket: no tunnel, and every finding says why as tls does
	# (proxy.auth_required, not idle.no_connection)
	pa_np inone "$AUTH_KRB5_CONFIG" none idle --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --ladder 2 --idle 2 --timeout 5 \
		--proxy "$PROXY_KRB"
	jqe "$TMP/inone.json" '(.findings | length == 2) and all(.findings[]; .verdict == "proxy.auth_required" and .status == "fail" and (.summary | test("Negotiate: no Kerberos ticket")) and .metrics.auth_schemes == "Negotiate")'
}

# An idle rung whose tunnel the proxy refuses after the exchange is
# proxy.auth_failed with the scheme and the reason, as netprobe tls says it
test_proxyauth_idle_auth_failed() {
	pa_np ibad "$AUTH_KRB5_CONFIG" none idle --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --ladder 1,2 --idle 2 --timeout 5 \
		--proxy "$(pa_ntlm_url proxy-ntlm.lab wrong-password)"
	jqe "$TMP/ibad.json" '(.findings | length == 3) and all(.findings[]; .verdict == "proxy.auth_failed" and .metrics.proxy_auth_scheme == "NTLM" and (.metrics.reason | test("refused the NTLM answer after the full exchange")))'
	jqe "$TMP/ibad.json" '[.findings[] | select(.metrics.scope == "overall")] | length == 1'
	pa_kinit "$AUTH_KRB5_CONFIG" ispn
	pa_np ispn "$AUTH_KRB5_CONFIG" ispn idle --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --ladder 1 --idle 1 --timeout 5 \
		--proxy "$PROXY_NOSPN"
	jqe "$TMP/ispn.json" 'all(.findings[]; .verdict == "proxy.auth_failed" and .metrics.proxy_auth_scheme == "Negotiate" and (.metrics.reason | test("SPN is missing")))'
}

# --proxy machine-config:FILE: the proxy the .NET service is told to use,
# with its bypass list; Negotiate through it (useDefaultCredentials)
test_proxyauth_machine_config() {
	pa_kinit "$AUTH_KRB5_CONFIG" mc
	pa_np mc "$AUTH_KRB5_CONFIG" mc tls --ca "$LAB_CA" "$TLS_GOOD_NAME" "$PAC_PROXY_HOST" -4 --timeout 5 \
		--proxy "machine-config:$MACHINE_CONFIG"
	jqe "$TMP/mc.json" ".findings[] | select(.target == \"$TLS_GOOD_NAME:443\") | .verdict == \"tls.ok\" and (.metrics.path | test(\"^direct .machine-config .* bypasses $TLS_GOOD_NAME\"))"
	jqe "$TMP/mc.json" ".findings[] | select(.target == \"$PAC_PROXY_HOST:443\") | .verdict == \"tls.ok\" and (.metrics.path | startswith(\"$PROXY_KRB (machine-config\")) and .metrics.proxy_auth_scheme == \"Negotiate\""
}

# --proxy pac:URL: the PAC served by the lab, evaluated per target: tls.lab
# DIRECT, blocked.lab through the Kerberos proxy (direct, the SNI filter
# resets it), dropped.lab through the dead proxy first, then proxy-all
test_proxyauth_pac() {
	pa_kinit "$AUTH_KRB5_CONFIG" pac
	pa_np pac "$AUTH_KRB5_CONFIG" pac tls --ca "$LAB_CA" "$PAC_DIRECT_HOST" "$PAC_PROXY_HOST" "$PAC_FAILOVER_HOST" \
		-4 --timeout 5 --proxy "pac:$PAC_URL"
	jqe "$TMP/pac.json" "(.findings | length == 3) and all(.findings[]; .verdict == \"tls.ok\" and .metrics.proxy_source == \"pac\" and .metrics.pac_url == \"$PAC_URL\")"
	sel() { printf '.findings[] | select(.target == "%s:443")' "$1"; }
	jqe "$TMP/pac.json" "$(sel "$PAC_DIRECT_HOST") | .metrics.pac_result == \"DIRECT\" and .metrics.path == \"direct (pac $PAC_URL)\""
	jqe "$TMP/pac.json" "$(sel "$PAC_PROXY_HOST") | .metrics.pac_result == \"PROXY $PROXY_KRB_NAME:3128\" and .metrics.path == \"$PROXY_KRB (pac $PAC_URL)\" and .metrics.proxy_auth_scheme == \"Negotiate\""
	jqe "$TMP/pac.json" "$(sel "$PAC_FAILOVER_HOST") | .metrics.pac_result == \"PROXY $PROXY_DEAD_NAME:3128; PROXY $PROXY_ALL_NAME:3128\" and .metrics.path == \"$PROXY_ALL (pac $PAC_URL)\" and (.metrics.pac_tried | startswith(\"PROXY $PROXY_DEAD_NAME:3128 (refused\"))"
	# netprobe idle through the proxy the PAC chose
	pa_np ipac "$AUTH_KRB5_CONFIG" pac idle --ca "$LAB_CA" "$PAC_PROXY_HOST" -4 --ladder 2 --idle 2 --timeout 5 \
		--proxy "pac:$PAC_URL"
	jqe "$TMP/ipac.json" "[.findings[] | select(.verdict == \"idle.survived\" and .metrics.proxy_auth_scheme == \"Negotiate\" and .metrics.proxy_source == \"pac\" and .metrics.path == \"$PROXY_KRB (pac $PAC_URL)\")] | length == 2"
	# the same from the file
	pa_np pacfile "$AUTH_KRB5_CONFIG" pac tls --ca "$LAB_CA" "$PAC_PROXY_HOST" -4 --timeout 5 --proxy "pac:$PAC_FILE"
	jqe "$TMP/pacfile.json" ".findings[0].verdict == \"tls.ok\" and .findings[0].metrics.path == \"$PROXY_KRB (pac $PAC_FILE)\""
}

# Hostile PACs: an endless loop (the lab's), a syntax error, an answer of
# megabytes, unreachable: each a proxy.failed finding that says so, in
# seconds, never a hang; a PAC file that cannot be read is bad input
test_proxyauth_pac_hostile() {
	local t0 ms
	t0=$(date +%s%N)
	pa_np hostile "$AUTH_KRB5_CONFIG" none tls --ca "$LAB_CA" "$PAC_DIRECT_HOST" -4 --timeout 5 --proxy "pac:$PAC_HOSTILE_URL"
	ms=$((($(date +%s%N) - t0) / 1000000))
	jqe "$TMP/hostile.json" '.findings | length == 1 and .[0].verdict == "proxy.failed" and (.[0].summary | test("endless loop")) and .[0].metrics.pac_url != null'
	[ "$ms" -lt 10000 ] || fail "the endless PAC took $ms ms"
	pa_np ihostile "$AUTH_KRB5_CONFIG" none idle --ca "$LAB_CA" "$PAC_DIRECT_HOST" -4 --ladder 2 --idle 2 --timeout 5 \
		--proxy "pac:$PAC_HOSTILE_URL"
	jqe "$TMP/ihostile.json" '.findings[0].verdict == "idle.no_connection" and (.findings[0].summary | test("endless loop")) and .findings[0].metrics.proxy_source == "pac"'
	printf 'function FindProxyForURL(url, host) { return "DIRECT"\n' >"$TMP/syntax.pac"
	pa_np syntax "$AUTH_KRB5_CONFIG" none tls --ca "$LAB_CA" "$PAC_DIRECT_HOST" -4 --timeout 5 --proxy "pac:$TMP/syntax.pac"
	jqe "$TMP/syntax.json" '.findings[0].verdict == "proxy.failed" and (.findings[0].summary | test("not valid JavaScript.*SyntaxError"))'
	printf 'function FindProxyForURL(url, host) { var s = "PROXY a:1;"; while (s.length < 4000000) s += s; return s; }\n' >"$TMP/huge.pac"
	pa_np huge "$AUTH_KRB5_CONFIG" none tls --ca "$LAB_CA" "$PAC_DIRECT_HOST" -4 --timeout 5 --proxy "pac:$TMP/huge.pac"
	jqe "$TMP/huge.json" '.findings[0].verdict == "proxy.failed" and (.findings[0].summary | test("over 512 bytes"))'
	# dnsResolve() has no network in the evaluator (a PAC cannot send
	# anything), though the lab's resolver knows the name
	expect "resolver" "$(ip netns exec "$NS_CLI" getent ahostsv4 "$PUBLIC_NAME" | awk 'NR == 1 {print $1}')" "$PUBLIC_NAME4"
	printf 'function FindProxyForURL(url, host) { return "PROXY " + (dnsResolve("%s") || "none.invalid") + ":3128; DIRECT /* " + myIpAddress() + " */"; }\n' \
		"$PUBLIC_NAME" >"$TMP/dns.pac"
	pa_np dns "$AUTH_KRB5_CONFIG" none tls --ca "$LAB_CA" "$PAC_DIRECT_HOST" -4 --timeout 5 --proxy "pac:$TMP/dns.pac"
	jqe "$TMP/dns.json" ".findings[0].metrics.pac_result | startswith(\"PROXY none.invalid:3128; DIRECT\")"
	pa_np unreach "$AUTH_KRB5_CONFIG" none tls --ca "$LAB_CA" "$PAC_DIRECT_HOST" -4 --timeout 5 --proxy "pac:http://$PROXY_DEAD_NAME:3128/proxy.pac"
	jqe "$TMP/unreach.json" '.findings[0].verdict == "proxy.failed" and (.findings[0].summary | test("could not be fetched: Connection refused"))'
	local rc=0
	ip netns exec "$NS_CLI" "$NETPROBE" tls "$PAC_DIRECT_HOST" --proxy "pac:$TMP/missing.pac" >"$TMP/missing.out" 2>&1 || rc=$?
	expect "unreadable PAC exit" "$rc" 2
	grep -q "pac:$TMP/missing.pac: No such file" "$TMP/missing.out" || fail "$(cat "$TMP/missing.out")"
}

# Profiles: proxy_auth per check, and the proxy a PAC or a machine.config
# names (as the sync server's own configuration says)
test_proxyauth_profile() {
	pa_kinit "$AUTH_KRB5_CONFIG" prof
	cat >"$TMP/corp.yaml" <<YAML
name: corp
defaults:
  ca: "$LAB_CA"
  timeout: 5
  proxy: "pac:$PAC_URL"
checks:
  - tls: {targets: [$PAC_PROXY_HOST], proxy_auth: negotiate}
  - tls: {targets: [$PAC_PROXY_HOST], proxy_auth: ntlm}
  - tls: {targets: [$PAC_PROXY_HOST], proxy: "machine-config:$MACHINE_CONFIG", proxy_auth: any}
  - idle: {target: $PAC_PROXY_HOST, proxy_auth: negotiate, idle: 1, ladder: [1]}
YAML
	pa_np prof "$AUTH_KRB5_CONFIG" prof run --profile "$TMP/corp.yaml" -4
	# (three checks of one target: told apart by what they found)
	jqe "$TMP/prof.json" "[.findings[] | select(.check == \"tls\")] | length == 3"
	jqe "$TMP/prof.json" "[.findings[] | select(.check == \"tls\" and .verdict == \"tls.ok\" and .metrics.proxy_source == \"pac\")] | length == 1 and .[0].metrics.proxy_auth_scheme == \"Negotiate\" and .[0].metrics.path == \"$PROXY_KRB (pac $PAC_URL)\""
	jqe "$TMP/prof.json" "[.findings[] | select(.check == \"tls\" and .verdict == \"proxy.auth_required\")] | length == 1 and (.[0].summary | test(\"Negotiate: not allowed\")) and .[0].metrics.proxy_source == \"pac\""
	jqe "$TMP/prof.json" "[.findings[] | select(.check == \"tls\" and .verdict == \"tls.ok\" and (.metrics.path | startswith(\"$PROXY_KRB (machine-config\")))] | length == 1"
	jqe "$TMP/prof.json" "[.findings[] | select(.check == \"idle\" and .metrics.scope == \"overall\")] | length == 1 and .[0].verdict == \"idle.survived\" and .[0].metrics.proxy_source == \"pac\" and .[0].metrics.proxy_auth_scheme == \"Negotiate\""
	# a PAC file that cannot be read: bad input, named at its line
	printf 'name: bad\nchecks:\n  - tls: {targets: [a.lab], proxy: "pac:%s/missing.pac"}\n' "$TMP" >"$TMP/bad.yaml"
	local rc=0
	ip netns exec "$NS_CLI" "$NETPROBE" run --profile "$TMP/bad.yaml" >"$TMP/bad.out" 2>&1 || rc=$?
	expect "unreadable PAC exit" "$rc" 2
	grep -q "bad.yaml:3:5: checks\[0\].tls: proxy: pac:$TMP/missing.pac: No such file" "$TMP/bad.out" || fail "$(cat "$TMP/bad.out")"
}

# No KDC reachable (the KDC's tcp/udp 88 dropped from the client): the
# reason names the realm's KDCs from krb5.conf, their addresses and what
# tcp/88 and udp/88 did, in netprobe tls and netprobe idle. krb5 takes
# some 16 s to give up, holding the loop: the second target's 407 came
# meanwhile and is read, not judged a proxy timeout (its --timeout is
# 5 s), and krb5 is not asked again for it.
test_proxyauth_no_kdc_reachable() {
	pa_kinit "$AUTH_KRB5_CONFIG" nokdc
	ip netns exec "$NS_CLI" nft -f - <<NFT || fail "cannot block the KDC"
table inet np_test_kdcblock {
	chain out {
		type filter hook output priority 0;
		ip daddr $KDC4 meta l4proto { tcp, udp } th dport $KDC_PORT drop
		ip6 daddr $KDC6 meta l4proto { tcp, udp } th dport $KDC_PORT drop
	}
}
NFT
	pa_np nokdc "$AUTH_KRB5_CONFIG" nokdc tls --ca "$LAB_CA" "$TLS_GOOD_NAME" "$TLS_GOOD_NAME:8443" -4 --timeout 5 \
		--proxy "$PROXY_KRB"
	pa_np inokdc "$AUTH_KRB5_CONFIG" nokdc idle --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --ladder 1 --idle 1 --timeout 5 \
		--proxy "$PROXY_KRB"
	ip netns exec "$NS_CLI" nft delete table inet np_test_kdcblock
	local want="no KDC reachable for the realm .*$KDC_NAME \\\\($KDC4:$KDC_PORT\\\\): tcp no answer within 1 s, udp blocked by this host's firewall"
	jqe "$TMP/nokdc.json" ".findings | length == 2 and all(.[]; .verdict == \"proxy.auth_failed\" and .metrics.proxy_auth_scheme == \"Negotiate\" and (.metrics.reason | test(\"$want\")) and (.metrics.reason | contains(\"[$KDC6]:$KDC_PORT\")))"
	jqe "$TMP/nokdc.json" '[.findings[].metrics.reason | test("krb5 not asked again for 30 s")] | sort == [false, true]'
	jqe "$TMP/inokdc.json" "all(.findings[]; .verdict == \"proxy.auth_failed\" and (.metrics.reason | test(\"$want\")))"
	# with the KDC back, the same ticket works
	pa_tls okkdc "$AUTH_KRB5_CONFIG" nokdc "$PROXY_KRB"
	jqe "$TMP/okkdc.json" '.findings[0].verdict == "tls.ok"'
}

# Revocation through the Kerberos proxy: the CRLs the chain names are
# fetched through the same proxy with the same ticket as the handshake's
# CONNECT (Windows fetches them with its default credentials), not
# reported unreachable on the proxy's 407. The PKI of fixtures/lab/pki.sh,
# in a directory of its own, stopped by pid at the end.
test_proxyauth_revocation_through_negotiate() {
	local d=$TMP/revoc-krb log="$NP_LAB/auth/squid-krb/access.log"
	mkdir -p "$d"
	# shellcheck disable=SC2064
	trap "revoc_down '$d'" EXIT
	revoc_up "$d" || fail "the revocation lab did not come up"
	pa_kinit "$AUTH_KRB5_CONFIG" rkrb
	pa_np rkrb "$AUTH_KRB5_CONFIG" rkrb tls --ca "$d/root.pem" --revocation on --timeout 3 -4 198.19.4.140 \
		--proxy "$PROXY_KRB"
	jq -e '.findings | length == 1 and .[0].verdict == "tls.ok" and
		.[0].metrics.proxy_auth_scheme == "Negotiate" and
		(.[0].metrics.revocation | any(.source == "crl" and .status == "good" and (.url | test("^http://198.19.4.141/crl/"))))' \
		"$TMP/rkrb.json" >/dev/null ||
		fail "not tls.ok with a CRL through the proxy: $(jq -c '.findings[] | {verdict, summary, r: .metrics.revocation}' "$TMP/rkrb.json")"
	grep -q "GET http://198.19.4.141/crl/.*alice@LAB.EXAMPLE" "$log" ||
		fail "squid did not log alice's CRL request: $(grep crl "$log" | tail -3)"
}
