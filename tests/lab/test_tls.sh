# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe tls in the lab: real nginx TLS servers with lab-made certificates,
# proxies, an SNI filter and an MTU black hole.
# shellcheck shell=bash

# v TARGET: the one verdict netprobe gives for it in FILE.
tls_one() {
	jq -r --arg t "$2" '[.findings[] | select(.target == $t) | .verdict] | if length == 1 then .[0] else "\(length) findings" end' "$1"
}

test_tls_certificate_verdicts() {
	np certs tls --ca "$LAB_CA" "$TLS_GOOD_NAME" "$TLS_EXPIRED_NAME" "$TLS_NOTYET_NAME" "$TLS_WRONG_NAME" \
		"$TLS_SELF_NAME" "$TLS_INSPECT_NAME" "$TLS_OLD_NAME" -4 --pcap "$TMP/certs.pcapng"
	expect "tls.lab" "$(tls_one "$TMP/certs.json" "$TLS_GOOD_NAME:443")" tls.ok
	expect "expired" "$(tls_one "$TMP/certs.json" "$TLS_EXPIRED_NAME:443")" tls.expired
	expect "not yet" "$(tls_one "$TMP/certs.json" "$TLS_NOTYET_NAME:443")" tls.not_yet_valid
	expect "wrong host" "$(tls_one "$TMP/certs.json" "$TLS_WRONG_NAME:443")" tls.hostname_mismatch
	expect "self-signed" "$(tls_one "$TMP/certs.json" "$TLS_SELF_NAME:443")" tls.untrusted
	expect "inspection CA" "$(tls_one "$TMP/certs.json" "$TLS_INSPECT_NAME:443")" tls.untrusted
	expect "old server" "$(tls_one "$TMP/certs.json" "$TLS_OLD_NAME:443")" tls.old_protocol
	jqe "$TMP/certs.json" ".findings[] | select(.target == \"$TLS_GOOD_NAME:443\") | .metrics.version == \"TLSv1.3\" and (.metrics.chain | length) >= 1 and .metrics.leaf_days_left > 0 and .metrics.path == \"direct\" and (.metrics.tls_ms | type) == \"number\""
	jqe "$TMP/certs.json" ".findings[] | select(.target == \"$TLS_OLD_NAME:443\") | .metrics.version | test(\"TLSv1.[01]\")"
	jqe "$TMP/certs.json" ".findings[] | select(.target == \"$TLS_EXPIRED_NAME:443\") | .metrics.problems | length >= 1"
	expect "exit status" "$(rc_of certs)" 1
}

test_tls_expected_issuer_and_inspection() {
	# Trusting both CAs, only the expected issuer is accepted.
	cat "$LAB_CA" "$LAB_INSPECTION_CA" >"$TMP/both.pem"
	np insp tls --ca "$TMP/both.pem" --expect-issuer "netprobe lab CA" "$TLS_GOOD_NAME" "$TLS_INSPECT_NAME" -4
	expect "good" "$(tls_one "$TMP/insp.json" "$TLS_GOOD_NAME:443")" tls.ok
	expect "inspected" "$(tls_one "$TMP/insp.json" "$TLS_INSPECT_NAME:443")" tls.intercepted
	jqe "$TMP/insp.json" ".findings[] | select(.target == \"$TLS_INSPECT_NAME:443\") | .summary | test(\"inspection CA\")"
}

test_tls_plain_http() {
	np http tls "http://$TLS_GOOD_NAME/" "http://$TLS_GOOD_NAME/404" "http://$TLS_GOOD_NAME/500" -4
	jqe "$TMP/http.json" "[.findings[] | [.verdict, .metrics.http_status]] | sort == [[\"http.error\", 500], [\"http.ok\", 200], [\"http.ok\", 404]]"
}

test_tls_direct_and_proxied_in_one_report() {
	np prox tls --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --proxy none --proxy "$PROXY_AUTH" --pcap "$TMP/prox.pcapng"
	expect "exit status" "$(rc_of prox)" 0
	jqe "$TMP/prox.json" "[.findings[] | select(.verdict == \"tls.ok\") | .metrics.path] | sort == ([\"direct\", \"http://$PROXY_USER:***@$PROXY_AUTH4:$PROXY_PORT\"] | sort)"
	# The password never reaches an output, nor the capture.
	! grep -q "$PROXY_PASS" "$TMP/prox.json" || fail "password in the JSON"
	! grep -q "$(printf '%s' "$PROXY_USER:$PROXY_PASS" | base64)" "$TMP/prox.pcapng" || fail "credential in the pcapng"
	tshark -r "$TMP/prox.pcapng" -Y 'http.request.method == "CONNECT"' -T fields -e http.proxy_authorization 2>/dev/null |
		grep -q '^Basic \*\*\*' || fail "the masked Proxy-Authorization is not in the capture"
}

# the finding of the proxy path $2 in FILE (one line of JSON)
proxy_path() {
	jq -c --arg p "$2" '[.findings[] | select(.metrics.path == $p)] | if length == 1 then .[0] else "\(length) findings" end' "$1"
}

test_tls_proxy_verdicts() {
	np pv tls --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --timeout 2 --proxy "$PROXY_AUTH_NOCREDS" --proxy "$PROXY_DENY" \
		--proxy "$PROXY_BROKEN" --proxy "$PROXY_SILENT" --proxy "$PROXY_SLOW" --proxy "$PROXY_GARBAGE"
	jqe "$TMP/pv.json" ".findings[] | select(.metrics.path == \"$PROXY_AUTH_NOCREDS\") | .verdict == \"proxy.auth_required\" and (.metrics.auth_schemes | test(\"Basic\"))"
	jqe "$TMP/pv.json" ".findings[] | select(.metrics.path == \"$PROXY_DENY\") | .verdict == \"proxy.denied\""
	# Whatever is not a complete, valid answer is proxy.failed, quoting
	# what came back (escaped, cut) and how much; proxy.timeout is only for
	# a proxy from which nothing at all came back.
	local o
	o=$(proxy_path "$TMP/pv.json" "$PROXY_BROKEN")
	jq -e '.verdict == "proxy.failed" and .metrics.bytes_received == 16384 and
		(.summary | contains("16384 bytes") and contains("X-Lab-Endless: xxx"))' <<<"$o" >/dev/null ||
		fail "endless header: $o"
	o=$(proxy_path "$TMP/pv.json" "$PROXY_SLOW")
	jq -e '.verdict == "proxy.failed" and .metrics.bytes_received > 37 and
		(.metrics.first_bytes | startswith("'"'"'HTTP/1.1 200 Connection established\\r\\nX-Lab-Slow-1: x\\r\\n")) and
		(.summary | contains("no complete answer")) and (.summary | contains("did not answer") | not)' <<<"$o" >/dev/null ||
		fail "header lines forever: $o"
	o=$(proxy_path "$TMP/pv.json" "$PROXY_GARBAGE")
	jq -e '.verdict == "proxy.failed" and .metrics.bytes_received == 17 and .metrics.total_ms < 1000 and
		(.summary | contains("not HTTP") and contains("17 bytes") and contains("\\x15\\x03\\x01\\x00"))' \
		<<<"$o" >/dev/null || fail "binary garbage: $o"
	o=$(proxy_path "$TMP/pv.json" "$PROXY_SILENT")
	jq -e '.verdict == "proxy.timeout" and .metrics.bytes_received == 0 and (.summary | contains("nothing came back"))' \
		<<<"$o" >/dev/null || fail "silent: $o"
	# Every wait has its deadline: the silent and the slow proxies cost
	# one timeout, the others none.
	jqe "$TMP/pv.json" '.duration_ms < 4000'
	# A plain-HTTP target through the garbage proxy: said at once, and
	# not as a connection that closed.
	np pvh tls "http://$TLS_GOOD_NAME/" -4 --timeout 2 --proxy "$PROXY_GARBAGE"
	jqe "$TMP/pvh.json" '.findings[0] | .verdict == "http.error" and .metrics.bytes_received == 17 and
		(.summary | contains("not HTTP") and contains("\\x15\\x03")) and .metrics.total_ms < 1000'
}

test_tls_sni_reset_is_placed_on_the_path() {
	np snir tls --ca "$LAB_CA" "$SNI_BLOCKED" -4 --timeout 3 --pcap "$TMP/snir.pcapng"
	jqe "$TMP/snir.json" ".findings[0] | .verdict == \"tls.reset_after_hello\" and .metrics.sender_hop == 2 and .metrics.retry_other_sni_ok == 1 and .metrics.retry_small_mss_ok == 0"
	jqe "$TMP/snir.json" '.findings[0].summary | test("device at hop 2") and test("the name is filtered")'
	local f
	f=$(jq -r '.findings[0].evidence[] | select(.text | test("^reset")) | .frame' "$TMP/snir.json")
	[ "$(tshark -r "$TMP/snir.pcapng" -Y "frame.number == $f && tcp.flags.reset == 1 && frame.comment contains \"tls.reset_after_hello\"" 2>/dev/null | wc -l)" = 1 ] ||
		fail "frame $f is not the commented reset"
}

test_tls_sni_drop() {
	np snid tls --ca "$LAB_CA" "$SNI_DROPPED" -4 --timeout 2
	jqe "$TMP/snid.json" '.findings[0] | .verdict == "tls.dropped_after_hello" and .metrics.retry_other_sni_ok == 1'
}

test_tls_mtu_blackhole() {
	np mtu tls --ca "$LAB_CA" "$MTU_HOLE_NAME" -4 --timeout 2 --pcap "$TMP/mtu.pcapng"
	jqe "$TMP/mtu.json" '.findings[0] | .verdict == "path.mtu_blackhole" and .metrics.retry_small_mss_ok == 1 and .metrics.retry_other_sni_ok == 0'
}

test_tls_ipv6_too() {
	# By address: the certificates name hosts, not addresses. Every problem
	# is listed; the verdict follows the precedence (expired before mismatch).
	np v6 tls --ca "$LAB_CA" "[$TLS_GOOD6]:443" "[$TLS_EXPIRED6]:443"
	expect "good by address" "$(tls_one "$TMP/v6.json" "[$TLS_GOOD6]:443")" tls.hostname_mismatch
	expect "expired by address" "$(tls_one "$TMP/v6.json" "[$TLS_EXPIRED6]:443")" tls.expired
	jqe "$TMP/v6.json" ".findings[] | select(.target == \"[$TLS_EXPIRED6]:443\") | .metrics.problems == [\"IP address mismatch\", \"certificate has expired\"]"
}

test_tls_locally_added_root_is_interception() {
	# The system store (no --ca) holds the inspection CA, as a host with an
	# inspection root installed does: the chain verifies, but its root is
	# none the OS ships. SSL_CERT_FILE stands in for the host's store; the
	# file is readable by root only, and is read before privileges go.
	install -m 0600 "$LAB_INSPECTION_CA" "$TMP/store.pem"
	local rc=0
	ip netns exec "$NS_CLI" env SSL_CERT_FILE="$TMP/store.pem" "$NETPROBE" tls "$TLS_INSPECT_NAME" -4 \
		--json "$TMP/local.json" >/dev/null 2>&1 || rc=$?
	expect "exit status" "$rc" 1
	jqe "$TMP/local.json" '.findings[0] | .verdict == "tls.intercepted" and (.summary | test("a root added to this host")) and (.metrics.anchor | test("inspection CA"))'
}

test_tls_alert_is_named() {
	np alert tls --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_ALERT" -4
	jqe "$TMP/alert.json" '.findings[0] | .verdict == "tls.alert" and (.summary | test("unrecognized name \\(112\\)"))'
}

test_tls_inspecting_proxy_vs_direct() {
	# Both CAs trusted, no expected issuer: each path verifies on its own.
	# Only the comparison shows that the proxy re-signs the server.
	cat "$LAB_CA" "$LAB_INSPECTION_CA" >"$TMP/both-mitm.pem"
	np mitm tls --ca "$TMP/both-mitm.pem" "$TLS_GOOD_NAME" -4 --proxy none --proxy "$PROXY_INSPECT"
	expect "exit status" "$(rc_of mitm)" 1
	jqe "$TMP/mitm.json" "[.findings[] | select(.verdict == \"tls.ok\") | .metrics.path] | sort == ([\"direct\", \"$PROXY_INSPECT\"] | sort)"
	jqe "$TMP/mitm.json" "[.findings[] | select(.verdict == \"tls.intercepted\")] | length == 1 and .[0].metrics.path == \"$PROXY_INSPECT\" and (.[0].metrics.issuer | test(\"inspection CA\")) and (.[0].metrics.issuer_direct | test(\"netprobe lab CA\")) and (.[0].summary | test(\"the proxy inspects TLS\"))"
}

test_tls_sni_names_the_certificate_to_verify() {
	# One front-end address of a service, as a firewall rule lists it,
	# tested with the service's name: the certificate is verified against
	# that name (as curl --connect-to does), not against the address.
	np snia tls --ca "$LAB_CA" --sni "$TLS_GOOD_NAME" "$TLS_GOOD4" "[$TLS_GOOD6]"
	expect "exit status" "$(rc_of snia)" 0
	jqe "$TMP/snia.json" "[.findings[] | select(.verdict == \"tls.ok\" and .metrics.sni == \"$TLS_GOOD_NAME\" and .metrics.verified_name == \"$TLS_GOOD_NAME\")] | length == 2"
	# A name the certificate is not for: the mismatch names it.
	np snib tls --ca "$LAB_CA" --sni "$TLS_WRONG_CERT_NAME" "$TLS_GOOD4"
	jqe "$TMP/snib.json" ".findings[0] | .verdict == \"tls.hostname_mismatch\" and .metrics.verified_name == \"$TLS_WRONG_CERT_NAME\" and (.summary | contains(\"'$TLS_WRONG_CERT_NAME'\"))"
	# Without --sni the address is what is verified, and the summary says
	# how to give the name.
	np snic tls --ca "$LAB_CA" "$TLS_GOOD4"
	jqe "$TMP/snic.json" ".findings[0] | .verdict == \"tls.hostname_mismatch\" and .metrics.verified_name == \"$TLS_GOOD4\" and .metrics.sni == null and (.summary | contains(\"--sni\"))"
	# curl --connect-to draws the same line.
	"$LAB" exec cli curl -sS -o /dev/null --cacert "$LAB_CA" --connect-to "$TLS_GOOD_NAME:443:$TLS_GOOD4:443" \
		"https://$TLS_GOOD_NAME/" || fail "curl --connect-to $TLS_GOOD_NAME does not verify either"
	! "$LAB" exec cli curl -sS -o /dev/null --cacert "$LAB_CA" \
		--connect-to "$TLS_WRONG_CERT_NAME:443:$TLS_GOOD4:443" "https://$TLS_WRONG_CERT_NAME/" 2>/dev/null ||
		fail "curl verifies $TLS_WRONG_CERT_NAME at $TLS_GOOD4"
}
