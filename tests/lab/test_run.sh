# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe run in the lab: the lab profile end to end (every check kind,
# passing and failing expectations), --only, and the built-in aadconnect
# profile, which in the lab (no internet) must fail cleanly and fast.
# shellcheck shell=bash

LAB_PROFILE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/fixtures/profiles/lab.yaml"

# statuses of the findings of the checks tagged TAG, sorted and unique
run_statuses() {
	jq -r --arg t "$2" '[.findings[] | select((.metrics.tags // []) | index($t)) | .status] | unique | join(",")' "$1"
}

test_run_lab_profile_end_to_end() {
	np lab run --profile "$LAB_PROFILE" --set lab_ca="$LAB_CA" --pcap "$TMP/lab.pcapng" --junit "$TMP/lab.xml" \
		--html "$TMP/lab.html" --prom "$TMP/lab.prom"
	expect "exit status" "$(rc_of lab)" 1
	# Every check kind ran.
	jqe "$TMP/lab.json" '[.findings[].check] | unique == ["dns", "family", "http", "idle", "nat", "tcp", "tls", "trace"]'
	# What each check is tagged to come to, it comes to.
	expect "lab-pass checks" "$(run_statuses "$TMP/lab.json" lab-pass)" "pass,warn"
	[[ "$(run_statuses "$TMP/lab.json" lab-fail)" == *fail* ]] || fail "a lab-fail check did not fail"
	expect "lab-warn checks" "$(run_statuses "$TMP/lab.json" lab-warn)" "pass,warn"
	# deny rows of the matrix: closed ports pass, an open one fails
	jqe "$TMP/lab.json" '[.findings[] | select(.metrics.expect == "deny" and .check == "tcp") | [.verdict, .status]] | unique == [["tcp.filtered", "pass"], ["tcp.ok", "fail"], ["tcp.rejected", "pass"]]'
	# not required: a failure only warns
	jqe "$TMP/lab.json" '[.findings[] | select(.metrics.required == 0 and .verdict == "tcp.rejected")] | length >= 1 and all(.status == "warn")'
	# an unset variable skips its check and names it
	jqe "$TMP/lab.json" '[.findings[] | select(.verdict == "profile.skipped") | .metrics.variable] | sort == ["ad_domain", "dc", "responder", "responder"]'
	# this host's address-family readiness once, though two checks ask
	jqe "$TMP/lab.json" '[.findings[] | select(.check == "family" and .target == "this host")] | length == 1'
	# one capture for everything, nothing dropped; one idle period, not the sum
	jqe "$TMP/lab.json" '.capture.dropped == 0 and .duration_ms < 15000'
	xmllint --noout "$TMP/lab.xml" || fail "the JUnit report is not well-formed"
	# the sign-off formats (test_reports.sh's checks)
	html_ok "$TMP/lab.html"
	grep 'class="ladder"\|Idle ladder' "$TMP/lab.html" >/dev/null || fail "no idle ladder in the HTML report"
	prom_ok "$TMP/lab.prom"
	screenshot "$TMP/lab.html" "$TMP/lab.png"
}

test_run_only_a_tag() {
	np only run --profile "$LAB_PROFILE" --set lab_ca="$LAB_CA" --only lab-pass
	expect "exit status" "$(rc_of only)" 0
	jqe "$TMP/only.json" '[.findings[] | .metrics.tags // [] | index("lab-pass")] | all(. != null)'
}

test_run_aadconnect_without_internet_fails_cleanly_and_fast() {
	np aad run --profile aadconnect
	expect "exit status" "$(rc_of aad)" 1
	jqe "$TMP/aad.json" '[.findings[] | select(.check == "dns" and .verdict != "profile.skipped") | .verdict] | length > 10 and all(startswith("dns."))'
	jqe "$TMP/aad.json" '[.findings[] | select(.verdict == "profile.skipped") | .metrics.variable] | index("ad_domain") != null'
	jqe "$TMP/aad.json" '.duration_ms < 10000'
}

test_run_profile_sni_is_the_name_verified() {
	# A profile's sni: on checks by address (front ends as a firewall rule
	# lists them): the certificate is verified against that name.
	cat >"$TMP/sni.yaml" <<YAML
name: sni
defaults:
  ca: "$LAB_CA"
  timeout: 3
checks:
  - tls:
      targets: ["$TLS_GOOD4", "[$TLS_GOOD6]"]
      sni: $TLS_GOOD_NAME
  - tls:
      targets: ["$TLS_GOOD4"]
      sni: $TLS_WRONG_CERT_NAME
      tags: [wrong]
  - idle:
      target: "$TLS_GOOD4:$PORT_IDLE_OPEN"
      sni: $TLS_GOOD_NAME
      idle: 1
      ladder: [1]
YAML
	np psni run --profile "$TMP/sni.yaml"
	jqe "$TMP/psni.json" "[.findings[] | select(.check == \"tls\" and (.metrics.tags // [] | index(\"wrong\") | not))] | length == 2 and all(.verdict == \"tls.ok\" and .metrics.verified_name == \"$TLS_GOOD_NAME\")"
	jqe "$TMP/psni.json" "[.findings[] | select(.metrics.tags // [] | index(\"wrong\"))] | length == 1 and .[0].verdict == \"tls.hostname_mismatch\" and (.[0].summary | contains(\"'$TLS_WRONG_CERT_NAME'\"))"
	jqe "$TMP/psni.json" "[.findings[] | select(.check == \"idle\" and .metrics.scope == \"overall\")] | length == 1 and .[0].verdict == \"idle.survived\" and .[0].metrics.verified_name == \"$TLS_GOOD_NAME\" and .[0].metrics.certificate_problems == []"
}
