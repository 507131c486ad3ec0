# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe tls --revocation on in the lab: a two-level PKI made here, CRLs
# and the intermediate served by nginx, a real OCSP responder, a hostile
# server, and a CRL host that fw drops on the direct path only
# (fixtures/lab/pki.sh).
# shellcheck shell=bash

REVOC_DIR=$TMP/revoc
# shellcheck source=../../fixtures/lab/pki.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../fixtures/lab/pki.sh"

# Built once, by the first test of the group that needs it.
revoc_ready() {
	[ -f "$REVOC_DIR/up" ] && return 0
	mkdir -p "$REVOC_DIR"
	revoc_up "$REVOC_DIR" || fail "the revocation lab did not come up"
	touch "$REVOC_DIR/up"
}

# the one finding of TARGET (and PATH, default direct) in FILE, one line of JSON
revoc_finding() {
	jq -c --arg t "$2" --arg p "${3:-direct}" '[.findings[] | select(.target == $t and .metrics.path == $p)] | if length == 1 then .[0] else "\(length) findings" end' "$1"
}

revoc_np() {
	local name=$1
	shift
	np "$name" tls --ca "$REVOC_DIR/root.pem" --revocation on --timeout 2 -4 "$@"
}

test_revoc_good_chain() {
	revoc_ready
	revoc_np good 198.19.4.140
	expect "exit status" "$(rc_of good)" 0
	local f
	f=$(revoc_finding "$TMP/good.json" 198.19.4.140:443)
	expect "verdict" "$(jq -r .verdict <<<"$f")" tls.ok
	# the leaf by OCSP and CRL, the intermediate by the root's CRL
	jq -e '[.metrics.revocation[] | select(.status == "good")] | length == 3' <<<"$f" >/dev/null || fail "not 3 good answers: $f"
	jq -e '.metrics.revocation | any(.source == "ocsp" and (.certificate | test("good.revoc.lab")) and (.url | test(":8888/")) and (.ms | type) == "number")' <<<"$f" >/dev/null || fail "no OCSP answer for the leaf: $f"
	jq -e '.metrics.revocation | any(.source == "crl" and (.certificate | test("revoc lab intermediate")) and (.url | test("root.crl")))' <<<"$f" >/dev/null || fail "no CRL answer for the intermediate: $f"
	jq -e '.metrics.ca_issuers == []' <<<"$f" >/dev/null || fail "caIssuers fetched for a complete chain: $f"
	# off (the command line's default): nothing fetched, no such metrics
	np goodoff tls --ca "$REVOC_DIR/root.pem" --timeout 2 -4 198.19.4.140
	jqe "$TMP/goodoff.json" '.findings[0].verdict == "tls.ok" and (.findings[0].metrics | has("revocation") | not)'
}

test_revoc_revoked_by_crl_and_by_ocsp() {
	revoc_ready
	revoc_np revoked 198.19.4.142 198.19.4.143
	expect "exit status" "$(rc_of revoked)" 1
	local f
	f=$(revoc_finding "$TMP/revoked.json" 198.19.4.142:443)
	jq -e '.verdict == "tls.revoked" and .status == "fail" and (.summary | test("crlrevoked.revoc.lab.*is revoked: crl http://198.19.4.141/crl/int.crl says listed: revoked .*keyCompromise"))' <<<"$f" >/dev/null || fail "CRL: $f"
	f=$(revoc_finding "$TMP/revoked.json" 198.19.4.143:443)
	jq -e '.verdict == "tls.revoked" and (.summary | test("ocsprevoked.revoc.lab.*is revoked: ocsp http://198.19.4.141:8888/ says revoked"))' <<<"$f" >/dev/null || fail "OCSP: $f"
	jq -e '.metrics.revocation | any(.source == "ocsp" and .status == "revoked" and (.certificate | test("ocsprevoked")))' <<<"$f" >/dev/null || fail "OCSP metrics: $f"
}

test_revoc_paths_disagree() {
	revoc_ready
	revoc_np paths 198.19.4.144 --proxy none --proxy "$PROXY_AUTH"
	local f
	f=$(revoc_finding "$TMP/paths.json" 198.19.4.144:443)
	jq -e '.verdict == "tls.revocation_unreachable" and .status == "fail" and (.summary | test("crlblocked.revoc.lab.*crl http://198.19.4.146/crl/int.crl: connecting to 198.19.4.146:80: no answer within 2.0 s \\(filtered\\)"))' <<<"$f" >/dev/null || fail "direct: $f"
	jq -e '.metrics.revocation | any(.source == "crl" and .status == "unreachable" and (.certificate | test("crlblocked")))' <<<"$f" >/dev/null || fail "direct metrics: $f"
	f=$(revoc_finding "$TMP/paths.json" 198.19.4.144:443 "http://$PROXY_USER:***@$PROXY_AUTH4:$PROXY_PORT")
	jq -e '.verdict == "tls.ok" and (.metrics.revocation | any(.source == "crl" and .status == "good" and .url == "http://198.19.4.146/crl/int.crl"))' <<<"$f" >/dev/null || fail "through the proxy: $f"
	# the proxy was asked with the same credentials (tinyproxy logs the request)
	grep -q "GET http://198.19.4.146/crl/int.crl" "$LAB_DIR/tls/auth.log" || fail "the proxy never saw the CRL request"
}

test_revoc_incomplete_chain() {
	revoc_ready
	revoc_np noint 198.19.4.145 198.19.4.147
	local f
	f=$(revoc_finding "$TMP/noint.json" 198.19.4.145:443)
	jq -e '.verdict == "tls.incomplete_chain" and .status == "fail" and (.summary | test("did not send the issuer of .*noint.revoc.lab.*http://198.19.4.141/certs/int.der is reachable through this path and completes the chain"))' <<<"$f" >/dev/null || fail "reachable: $f"
	jq -e '.metrics.ca_issuers == [{"url": "http://198.19.4.141/certs/int.der", "reachable": true, "reason": .metrics.ca_issuers[0].reason}]' <<<"$f" >/dev/null || fail "ca_issuers: $f"
	# once completed, the leaf's CRL is checked against the fetched issuer
	jq -e '.metrics.revocation | any(.source == "crl" and .status == "good" and (.certificate | test("noint.revoc.lab")))' <<<"$f" >/dev/null || fail "completed chain not checked: $f"
	f=$(revoc_finding "$TMP/noint.json" 198.19.4.147:443)
	jq -e '.verdict == "tls.incomplete_chain" and (.summary | test("http://198.19.4.146/certs/int.der is not reachable through this path .*filtered.*cannot complete"))' <<<"$f" >/dev/null || fail "not reachable: $f"
	jq -e '.metrics.ca_issuers[0].reachable == false' <<<"$f" >/dev/null || fail "ca_issuers: $f"
	# without revocation checks it stays what OpenSSL says
	np nointoff tls --ca "$REVOC_DIR/root.pem" --timeout 2 -4 198.19.4.145
	jqe "$TMP/nointoff.json" '.findings[0].verdict == "tls.untrusted"'
}

test_revoc_stapled() {
	revoc_ready
	revoc_np staple 198.19.4.148 198.19.4.149
	local f
	f=$(revoc_finding "$TMP/staple.json" 198.19.4.148:443)
	jq -e '.verdict == "tls.ok" and (.metrics.revocation | any(.source == "staple" and .status == "good" and .url == null))' <<<"$f" >/dev/null || fail "good staple: $f"
	# revoked in the staple, the responder unreachable: still revoked
	f=$(revoc_finding "$TMP/staple.json" 198.19.4.149:443)
	jq -e '.verdict == "tls.revoked" and (.summary | test("staplerevoked.revoc.lab.*staple \\(stapled by the server\\) says revoked"))' <<<"$f" >/dev/null || fail "revoked staple: $f"
	jq -e '.metrics.revocation | any(.source == "ocsp" and .status == "unreachable")' <<<"$f" >/dev/null || fail "the unreachable responder is not listed: $f"
}

test_revoc_hostile_server() {
	revoc_ready
	local t0 t1
	t0=$(date +%s)
	revoc_np hostile 198.19.4.150
	t1=$(date +%s)
	local f
	f=$(revoc_finding "$TMP/hostile.json" 198.19.4.150:443)
	jq -e '.verdict == "tls.revocation_unreachable"' <<<"$f" >/dev/null || fail "verdict: $f"
	jq -e '.metrics.revocation | any(.url == "http://198.19.4.151/huge" and .status == "unreachable" and (.reason | test("too large")))' <<<"$f" >/dev/null || fail "huge: $f"
	jq -e '.metrics.revocation | any(.url == "http://198.19.4.151/slow" and .status == "unreachable" and (.reason | test("timed out after 2.0 s")))' <<<"$f" >/dev/null || fail "slow: $f"
	jq -e '.metrics.revocation | any(.url == "http://198.19.4.151/garbage" and .status == "malformed" and (.reason | test("not an OCSP response")))' <<<"$f" >/dev/null || fail "garbage: $f"
	# decided within twice the timeout, by netprobe's own clock; the wall
	# time (start-up and handshake on a loaded machine) only guards a hang
	jq -e '.metrics.revocation_ms < 4000' <<<"$f" >/dev/null || fail "revocation took too long: $f"
	[ $((t1 - t0)) -le 12 ] || fail "took $((t1 - t0)) s"
}

test_revoc_fetched_once_per_run() {
	revoc_ready
	local before after
	before=$(grep -c "GET /crl/int.crl" "$REVOC_DIR/nginx/access.log" || true)
	revoc_np once 198.19.4.140 198.19.4.142 198.19.4.145
	after=$(grep -c "GET /crl/int.crl" "$REVOC_DIR/nginx/access.log" || true)
	expect "CRL downloads for 3 endpoints" "$((after - before))" 1
}

test_revoc_profile_warns() {
	revoc_ready
	cat >"$TMP/revoc.yaml" <<EOF
name: revoc
defaults:
  ca: $REVOC_DIR/root.pem
  timeout: 2
  revocation: "on"
  revocation_unreachable: warn
checks:
  - tls:
      targets: [198.19.4.144]
EOF
	np prof run --profile "$TMP/revoc.yaml" -4
	jqe "$TMP/prof.json" '[.findings[] | select(.verdict == "tls.revocation_unreachable")] | length == 1 and .[0].status == "warn"'
}

test_revoc_idle_reports_revocation() {
	revoc_ready
	np idle idle --ca "$REVOC_DIR/root.pem" --revocation on --ladder 1 --idle 1 --timeout 2 -4 198.19.4.142:443
	local f
	f=$(jq -c '[.findings[] | select(.metrics.scope == "overall")] | .[0]' "$TMP/idle.json")
	# idle judges the silence, not the certificate: said beside it
	jq -e '.verdict == "idle.survived" and .metrics.revocation_verdict == "tls.revoked" and (.summary | test("revocation \\(as a Windows client checks it\\): tls.revoked: .*crlrevoked.revoc.lab.*is revoked: crl"))' <<<"$f" >/dev/null || fail "idle: $f"
	jq -e '.metrics.revocation | any(.source == "crl" and .status == "revoked")' <<<"$f" >/dev/null || fail "idle metrics: $f"
	np idleoff idle --ca "$REVOC_DIR/root.pem" --ladder 1 --idle 1 --timeout 2 -4 198.19.4.142:443
	jqe "$TMP/idleoff.json" '[.findings[] | select(.metrics.scope == "overall")] | .[0].metrics | has("revocation") | not'
}

# Certificates that name no CRL, OCSP or caIssuers URL (the lab's usual
# ones): nothing to fetch, verdicts unchanged, empty lists.
test_revoc_no_sources_unchanged() {
	np nosrc tls --ca "$LAB_CA" --revocation on -4 "$TLS_GOOD_NAME" "$TLS_SELF_NAME" "$TLS_EXPIRED_NAME"
	jqe "$TMP/nosrc.json" '[.findings[] | [.verdict, .metrics.revocation, .metrics.ca_issuers]] | sort == [["tls.expired", [], []], ["tls.ok", [], []], ["tls.untrusted", [], []]]'
}

# Last (tests run in name order): the servers stopped by pid, the fw table gone.
test_revoc_zz_down() {
	[ -f "$REVOC_DIR/pids" ] || return 0
	revoc_down "$REVOC_DIR"
	local pid i
	while read -r pid; do
		# a wait, not an assertion: openssl ocsp ends its request first
		for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		! kill -0 "$pid" 2>/dev/null || fail "pid $pid still runs"
	done <"$REVOC_DIR/pids"
	! ip netns exec "$NS_FW" nft list table inet netprobe_revoc >/dev/null 2>&1 || fail "the fw table is still there"
	rm -f "$REVOC_DIR/up"
}
