# SPDX-License-Identifier: GPL-3.0-or-later
# The corporate-proxy lab (fixtures/lab/auth.sh) checked with reference
# clients: MIT kinit/kvno, curl --proxy-negotiate / --proxy-ntlm /
# --proxy-basic, pactester (libpacparser) and xmllint. Each scenario that
# netprobe's proxy authentication will meet is shown to be what it claims.
# shellcheck shell=bash

# Run CMD in the client namespace with Kerberos config CONF and the
# credential cache $TMP/NAME.cc: al_krb CONF NAME CMD...
al_krb() {
	local conf=$1 cc=$2
	shift 2
	ip netns exec "$NS_CLI" env KRB5_CONFIG="$conf" KRB5CCNAME="FILE:$TMP/$cc.cc" "$@"
}

# kinit as the lab user with the password on stdin: al_kinit CONF NAME [ARGS...]
al_kinit() {
	local conf=$1 cc=$2
	shift 2
	printf '%s\n' "$AUTH_PASS" | al_krb "$conf" "$cc" kinit "$@" "$AUTH_PRINCIPAL" >"$TMP/$cc.kinit" 2>&1
}

# curl through a proxy to https://HOST/ from the client, with the lab's
# Kerberos config and cache NAME: al_curl NAME PROXY HOST CURL-ARGS...
# Prints "<CONNECT status> <HTTP status>" (000 for none); curl -v output in
# $TMP/NAME.curl.
al_curl() {
	local cc=$1 proxy=$2 host=$3
	shift 3
	al_krb "${AL_KRB5:-$AUTH_KRB5_CONFIG}" "$cc" curl -sS -v --max-time 20 -o /dev/null \
		-w '%{http_connect} %{http_code}' --cacert "$LAB_CA" -x "$proxy" "$@" "https://$host/" \
		2>"$TMP/$cc.curl" || true
}

# the Proxy-Authenticate headers of the responses in $TMP/NAME.curl, one a line
al_challenges() {
	sed -n 's/^< [Pp]roxy-[Aa]uthenticate: *//p' "$TMP/$1.curl" | tr -d '\r'
}

test_authlab_negotiate_with_a_ticket() {
	al_kinit "$AUTH_KRB5_CONFIG" tkt || fail "kinit: $(cat "$TMP/tkt.kinit")"
	expect "through $PROXY_KRB" "$(al_curl tkt "$PROXY_KRB" "$TLS_GOOD_NAME" --proxy-negotiate -U :)" "200 200"
	# Kerberos did it: a service ticket for the proxy's SPN is in the cache,
	# and squid logged the tunnel under the Kerberos name
	al_krb "$AUTH_KRB5_CONFIG" tkt klist | grep -qF "$PROXY_KRB_SPN" || fail "no ticket for $PROXY_KRB_SPN"
	grep -q "TCP_TUNNEL/200 .* CONNECT $TLS_GOOD_NAME:443 $AUTH_PRINCIPAL " "$AUTH_DIR/squid-krb/access.log" ||
		fail "squid did not log a tunnel for $AUTH_PRINCIPAL"
}

test_authlab_negotiate_without_a_ticket() {
	expect "no ticket" "$(al_curl none "$PROXY_KRB" "$TLS_GOOD_NAME" --proxy-negotiate -U :)" "407 000"
	expect "offered" "$(al_challenges none | sort -u)" "Negotiate"
	grep -q "gss_init_sec_context() failed: No credentials were supplied" "$TMP/none.curl" ||
		fail "curl did not fail for want of credentials: $(grep -i gss "$TMP/none.curl")"
}

test_authlab_negotiate_with_the_client_keytab() {
	# kinit from the keytab (no password)
	al_krb "$AUTH_KRB5_CONFIG" kt kinit -k -t "$AUTH_USER_KEYTAB" "$AUTH_PRINCIPAL" 2>"$TMP/kt.err" ||
		fail "kinit -k: $(cat "$TMP/kt.err")"
	expect "kinit -k" "$(al_curl kt "$PROXY_KRB" "$TLS_GOOD_NAME" --proxy-negotiate -U :)" "200 200"
	# no kinit at all: GSSAPI gets the initial ticket from the client keytab
	[ ! -e "$TMP/ckt.cc" ] || fail "a cache exists before the test"
	expect "KRB5_CLIENT_KTNAME" "$(KRB5_CLIENT_KTNAME=$AUTH_USER_KEYTAB al_curl ckt "$PROXY_KRB" "$TLS_GOOD_NAME" \
		--proxy-negotiate -U :)" "200 200"
	al_krb "$AUTH_KRB5_CONFIG" ckt klist | grep -qF "$PROXY_KRB_SPN" ||
		fail "no ticket for $PROXY_KRB_SPN from the client keytab"
}

test_authlab_negotiate_spn_missing() {
	al_kinit "$AUTH_KRB5_CONFIG" spn || fail "kinit: $(cat "$TMP/spn.kinit")"
	# the KDC knows proxy-krb's SPN, not proxy-nospn's
	al_krb "$AUTH_KRB5_CONFIG" spn kvno "$PROXY_KRB_SPN" >/dev/null 2>"$TMP/spn.kvno1" ||
		fail "kvno $PROXY_KRB_SPN: $(cat "$TMP/spn.kvno1")"
	! al_krb "$AUTH_KRB5_CONFIG" spn kvno "$PROXY_NOSPN_SPN" >/dev/null 2>"$TMP/spn.kvno2" ||
		fail "kvno found $PROXY_NOSPN_SPN"
	grep -q "Server .*not found in Kerberos database" "$TMP/spn.kvno2" || fail "kvno: $(cat "$TMP/spn.kvno2")"
	expect "through $PROXY_NOSPN" "$(al_curl spn "$PROXY_NOSPN" "$TLS_GOOD_NAME" --proxy-negotiate -U :)" "407 000"
	expect "offered" "$(al_challenges spn | sort -u)" "Negotiate"
	grep -q "gss_init_sec_context() failed: Server $PROXY_NOSPN_SPN not found in Kerberos database" "$TMP/spn.curl" ||
		fail "curl: $(grep -i gss "$TMP/spn.curl")"
}

test_authlab_kdc_clock_skew() {
	# A client that keeps its own clock: the KDC an hour ahead refuses the
	# pre-authentication timestamp, password or keytab alike.
	! al_kinit "$AUTH_KRB5_CONFIG_SKEW" skew || fail "kinit worked against the skewed KDC"
	grep -q "Clock skew too great" "$TMP/skew.kinit" || fail "kinit: $(cat "$TMP/skew.kinit")"
	! al_krb "$AUTH_KRB5_CONFIG_SKEW" skew kinit -k -t "$AUTH_USER_KEYTAB" "$AUTH_PRINCIPAL" 2>"$TMP/skew.kt" ||
		fail "kinit -k worked against the skewed KDC"
	grep -q "Clock skew too great" "$TMP/skew.kt" || fail "kinit -k: $(cat "$TMP/skew.kt")"
	# A client that adopts the KDC's clock (krb5's default kdc_timesync)
	# gets tickets, which the proxy, whose clock is right, refuses.
	al_kinit "$AUTH_KRB5_CONFIG_SKEW_SYNC" sync || fail "kinit (timesync): $(cat "$TMP/sync.kinit")"
	expect "skewed ticket" "$(AL_KRB5=$AUTH_KRB5_CONFIG_SKEW_SYNC al_curl sync "$PROXY_KRB" "$TLS_GOOD_NAME" \
		--proxy-negotiate -U :)" "407 000"
	grep -q "Ticket not yet valid" "$AUTH_DIR/squid-krb/cache.log" ||
		fail "squid's helper did not refuse a ticket from the future"
	# the KDC's log shows the requests came to the skewed KDC
	grep -q "AS_REQ .*$AUTH_PRINCIPAL" "$AUTH_DIR/kdc-skew.log" || fail "nothing in kdc-skew.log"
}

test_authlab_negotiate_expired_ticket() {
	al_kinit "$AUTH_KRB5_CONFIG" exp -l 2s || fail "kinit -l: $(cat "$TMP/exp.kinit")"
	local _
	for _ in $(seq 1 50); do
		al_krb "$AUTH_KRB5_CONFIG" exp klist -s || break
		sleep 0.2
	done
	! al_krb "$AUTH_KRB5_CONFIG" exp klist -s || fail "the ticket did not expire"
	# klist counts the last second as expired, GSSAPI as still valid
	sleep 1.2
	expect "expired ticket" "$(al_curl exp "$PROXY_KRB" "$TLS_GOOD_NAME" --proxy-negotiate -U :)" "407 000"
	grep -q "gss_init_sec_context() failed: Ticket expired" "$TMP/exp.curl" ||
		fail "curl: $(grep -i gss "$TMP/exp.curl")"
}

test_authlab_ntlm_verifies_the_password() {
	expect "good password" "$(al_curl ntlm "$PROXY_NTLM" "$TLS_GOOD_NAME" --proxy-ntlm \
		-U "$AUTH_NTLM_USER:$AUTH_PASS")" "200 200"
	# curl sends its NEGOTIATE at once; the helper's CHALLENGE comes back
	al_challenges ntlm | head -n 1 | grep -q '^NTLM TlRMTVNTUAACAAAA' ||
		fail "no CHALLENGE message: $(al_challenges ntlm)"
	grep -qF "TCP_TUNNEL/200 " "$AUTH_DIR/squid-ntlm/access.log" || fail "no tunnel in squid's log"
	# the helper's DOMAIN\user, its backslash escaped in squid's log
	grep -qF " $AUTH_NTLM_DOMAIN\\\\$AUTH_USER HIER_DIRECT" "$AUTH_DIR/squid-ntlm/access.log" ||
		fail "squid did not log $AUTH_NTLM_USER"
	expect "bad password" "$(al_curl ntlmbad "$PROXY_NTLM" "$TLS_GOOD_NAME" --proxy-ntlm \
		-U "$AUTH_NTLM_USER:not-$AUTH_PASS")" "407 000"
	expect "unknown user" "$(al_curl ntlmwho "$PROXY_NTLM" "$TLS_GOOD_NAME" --proxy-ntlm \
		-U "$AUTH_NTLM_DOMAIN\\mallory:$AUTH_PASS")" "407 000"
	# NTLM only: no Negotiate, no Basic
	expect "no credentials" "$(al_curl ntlmnone "$PROXY_NTLM" "$TLS_GOOD_NAME")" "407 000"
	expect "offered" "$(al_challenges ntlmnone)" "NTLM"
}

test_authlab_proxy_offering_all_three() {
	expect "no credentials" "$(al_curl all "$PROXY_ALL" "$TLS_GOOD_NAME")" "407 000"
	expect "schemes" "$(al_challenges all | tr '\n' '|')" 'Negotiate|NTLM|Basic realm="netprobe lab"|'
	expect "Basic" "$(al_curl allb "$PROXY_ALL" "$TLS_GOOD_NAME" --proxy-basic -U "$AUTH_USER:$AUTH_PASS")" "200 200"
	expect "Basic, bad password" "$(al_curl allbb "$PROXY_ALL" "$TLS_GOOD_NAME" --proxy-basic \
		-U "$AUTH_USER:not-$AUTH_PASS")" "407 000"
	expect "NTLM" "$(al_curl alln "$PROXY_ALL" "$TLS_GOOD_NAME" --proxy-ntlm -U "$AUTH_NTLM_USER:$AUTH_PASS")" "200 200"
	al_kinit "$AUTH_KRB5_CONFIG" allk || fail "kinit: $(cat "$TMP/allk.kinit")"
	expect "Negotiate" "$(al_curl allk "$PROXY_ALL" "$TLS_GOOD_NAME" --proxy-negotiate -U :)" "200 200"
	al_krb "$AUTH_KRB5_CONFIG" allk klist | grep -qF "$PROXY_ALL_SPN" || fail "no ticket for $PROXY_ALL_SPN"
}

test_authlab_basic_only_proxy() {
	expect "no credentials" "$(al_curl bo "$PROXY_BASIC" "$TLS_GOOD_NAME")" "407 000"
	expect "offered" "$(al_challenges bo)" 'Basic realm="Tinyproxy"'
	expect "Basic" "$(al_curl bok "$PROXY_BASIC" "$TLS_GOOD_NAME" -U "$PROXY_USER:$PROXY_PASS")" "200 200"
}

test_authlab_pac_file() {
	local body
	body=$(ip netns exec "$NS_CLI" curl -sS --max-time 10 -D "$TMP/pac.head" "$PAC_URL") || fail "cannot fetch $PAC_URL"
	expect "PAC" "$body" "$(cat "$PAC_FILE")"
	grep -qi '^content-type: application/x-ns-proxy-autoconfig' "$TMP/pac.head" || fail "$(cat "$TMP/pac.head")"
	expect "WPAD" "$(ip netns exec "$NS_CLI" curl -sS --max-time 10 "$WPAD_URL")" "$body"
	# what the PAC file chooses (pactester evaluates it like a browser)
	expect "direct host" "$(pactester -p "$PAC_FILE" -u "https://$PAC_DIRECT_HOST/")" "DIRECT"
	expect "proxied host" "$(pactester -p "$PAC_FILE" -u "https://$PAC_PROXY_HOST/")" \
		"PROXY $PROXY_KRB_NAME:$PROXY_PORT"
	expect "failover host" "$(pactester -p "$PAC_FILE" -u "https://$PAC_FAILOVER_HOST/")" \
		"PROXY $PROXY_DEAD_NAME:$PROXY_PORT; PROXY $PROXY_ALL_NAME:$PROXY_PORT"
	# and each choice is the one that works: direct for tls.lab ...
	expect "direct" "$(ip netns exec "$NS_CLI" curl -sS --max-time 10 -o /dev/null -w '%{http_code}' \
		--cacert "$LAB_CA" "https://$PAC_DIRECT_HOST/")" "200"
	# ... proxy-krb for blocked.lab (the direct path is reset by the SNI filter)
	! ip netns exec "$NS_CLI" curl -sS --max-time 5 -o /dev/null --cacert "$LAB_CA" "https://$PAC_PROXY_HOST/" \
		2>/dev/null || fail "$PAC_PROXY_HOST works direct"
	al_kinit "$AUTH_KRB5_CONFIG" pac || fail "kinit: $(cat "$TMP/pac.kinit")"
	expect "via $PROXY_KRB_NAME" "$(al_curl pac "$PROXY_KRB" "$PAC_PROXY_HOST" --proxy-negotiate -U :)" "200 200"
	# ... and for dropped.lab the first proxy is dead, the second works
	expect "dead proxy" "$(al_curl dead "$PROXY_DEAD" "$PAC_FAILOVER_HOST")" "000 000"
	grep -q "Could not connect\|Couldn't connect\|Connection refused" "$TMP/dead.curl" ||
		fail "dead proxy: $(tail -n 2 "$TMP/dead.curl")"
	expect "via $PROXY_ALL_NAME" "$(al_curl fo "$PROXY_ALL" "$PAC_FAILOVER_HOST" --proxy-basic \
		-U "$AUTH_USER:$AUTH_PASS")" "200 200"
}

test_authlab_hostile_pac_file() {
	ip netns exec "$NS_CLI" curl -sS --max-time 10 -o "$TMP/hostile.pac" "$PAC_HOSTILE_URL" ||
		fail "cannot fetch $PAC_HOSTILE_URL"
	cmp -s "$TMP/hostile.pac" "$PAC_HOSTILE_FILE" || fail "served hostile PAC differs"
	# a valid script (pactester would stop at once on a syntax error) that
	# never returns: still evaluating when the deadline ends it
	local rc=0
	timeout 2 pactester -p "$PAC_HOSTILE_FILE" -u "https://$TLS_GOOD_NAME/" >/dev/null 2>&1 || rc=$?
	expect "pactester" "$rc" 124
}

test_authlab_machine_config() {
	xmllint --noout "$MACHINE_CONFIG" || fail "not well-formed"
	local dp=/configuration/system.net/defaultProxy
	expect "credentials" "$(xmllint --xpath "string($dp/@useDefaultCredentials)" "$MACHINE_CONFIG")" "true"
	expect "proxy" "$(xmllint --xpath "string($dp/proxy/@proxyaddress)" "$MACHINE_CONFIG")" "$PROXY_KRB"
	expect "bypassonlocal" "$(xmllint --xpath "string($dp/proxy/@bypassonlocal)" "$MACHINE_CONFIG")" "true"
	# bypass entries are .NET regular expressions: tls.lab matches, blocked.lab not
	local re
	re=$(xmllint --xpath "string($dp/bypasslist/add[1]/@address)" "$MACHINE_CONFIG")
	grep -qE "^($re)\$" <<<"$PAC_DIRECT_HOST" || fail "bypass '$re' does not match $PAC_DIRECT_HOST"
	! grep -qE "^($re)\$" <<<"$PAC_PROXY_HOST" || fail "bypass '$re' matches $PAC_PROXY_HOST"
	# the proxy it names takes the logged-on user's Kerberos ticket
	al_kinit "$AUTH_KRB5_CONFIG" mc || fail "kinit: $(cat "$TMP/mc.kinit")"
	expect "via the configured proxy" "$(al_curl mc "$(xmllint --xpath "string($dp/proxy/@proxyaddress)" \
		"$MACHINE_CONFIG")" "$PAC_PROXY_HOST" --proxy-negotiate -U :)" "200 200"
}

# The NTLM helper reads what clients send (squid passes their tokens on):
# malformed requests and tokens each get one answer line, the helper goes
# on, and a good NEGOTIATE still gets a challenge at the end.
test_authlab_ntlm_helper_hostile_input() {
	local t1 in=$TMP/hostile.in
	t1=$(printf 'NTLMSSP\0\1\0\0\0\6\202\10\0' | head -c 32 | base64 -w0)
	{
		echo "XX hello"
		echo "KK $t1"
		echo "YR !!!!"
		printf 'YR %s\n' "$(printf 'NTLMSSP\0\1\0\0\0' | base64 -w0)"
		# AUTHENTICATE with a field far past its end
		printf 'YR %s\nKK %s\n' "$t1" "$({ printf 'NTLMSSP\0\3\0\0\0\30\0\30\0\360\377\377\377'; head -c 60 /dev/zero; } | base64 -w0)"
		# older layout with overlapping fields and a garbage response
		printf 'YR %s\nKK %s\n' "$t1" "$({ printf 'NTLMSSP\0\3\0\0\0'
			for _ in 1 2 3 4 5 6; do printf '\10\0\10\0\100\0\0\0'; done
			printf '\6\202\10\2'; head -c 8 /dev/urandom; } | base64 -w0)"
		head -c 40000 /dev/zero | tr '\0' A
		echo
		printf 'YR \0\0\0\n'
		printf 'KK %s\n' "$(head -c 3000 /dev/urandom | base64 -w0)"
		echo "YR $t1"
	} >"$in"
	timeout 20 "$AUTH_DIR/ntlm_auth_helper" --users "$AUTH_NTLM_USERS" --domain "$AUTH_NTLM_DOMAIN" \
		--computer LAB-TEST <"$in" >"$TMP/hostile.out" 2>"$TMP/hostile.err" || fail "exit status $?: $(cat "$TMP/hostile.err")"
	expect "answers" "$(wc -l <"$TMP/hostile.out")" "$(wc -l <"$in")"
	expect "codes" "$(cut -d' ' -f1 "$TMP/hostile.out" | tr '\n' ' ')" "BH BH NA NA TT NA TT NA BH NA BH TT "
}
