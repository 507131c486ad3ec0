# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe nat in the lab: fw masquerades by destination (ports kept, or
# random), a stateless source rewrite on rtr (trace.sh's port 91), coturn
# STUN servers with two addresses, and netprobe's own responder.
# shellcheck shell=bash

# Start a responder in srv on [::]:NAT_RESP_PORT for this test (the test
# runs in a subshell: the EXIT trap stops it, by its pid).
nat_responder() {
	ip netns exec "$NS_SRV" "$NETPROBE" responder --listen "[::]:$NAT_RESP_PORT" >"$TMP/responder.log" 2>&1 &
	NAT_RESP_PID=$!
	trap 'kill "$NAT_RESP_PID" 2>/dev/null || true; wait "$NAT_RESP_PID" 2>/dev/null || true' EXIT
	for _ in $(seq 1 50); do
		ip netns exec "$NS_SRV" ss -ltnH "sport = :$NAT_RESP_PORT" | grep . >/dev/null && return 0
		sleep 0.1
	done
	fail "the responder does not listen: $(cat "$TMP/responder.log")"
}

nat_method() { # FILE PROTOCOL: that method's finding
	jq -c --arg p "$2" '[.findings[] | select(.target != "this host" and .metrics.protocol == $p)][0]' "$1"
}

test_nat_responder_sees_the_translation() {
	nat_responder
	np nplain nat --responder "$NAT_PLAIN4:$NAT_RESP_PORT"
	expect "exit status, no NAT" "$(rc_of nplain)" 0
	jqe "$TMP/nplain.json" '[.findings[] | .verdict] | all(. == "nat.none")'
	np nmasq nat --responder "$NAT_MASQ4:$NAT_RESP_PORT"
	expect "exit status, masquerade" "$(rc_of nmasq)" 1
	for p in tcp udp; do
		jq -e --arg fw "$FW4_UP" '.verdict == "nat.detected" and .metrics.method == "responder" and
			(.metrics.mapped | startswith($fw + ":")) and (.metrics.local | startswith("198.18.1.2:")) and
			.metrics.ports_preserved == 1' <<<"$(nat_method "$TMP/nmasq.json" $p)" >/dev/null ||
			fail "masquerade over $p: $(nat_method "$TMP/nmasq.json" $p)"
	done
	np nrand nat --responder "$NAT_RANDOM4:$NAT_RESP_PORT"
	jq -e '.verdict == "nat.detected" and .metrics.ports_preserved == 0' <<<"$(nat_method "$TMP/nrand.json" tcp)" \
		>/dev/null || fail "masquerade random: $(nat_method "$TMP/nrand.json" tcp)"
}

test_nat_stun_mapping_and_filtering() {
	np splain nat --stun "$STUN_PLAIN4" --timeout 2
	expect "no NAT" "$(nat_method "$TMP/splain.json" udp | jq -r .verdict)" nat.none
	np smasq nat --stun "$STUN_MASQ4" --timeout 2
	# Linux masquerade keeps the port for a new destination; conntrack
	# lets in only what the mapping was made for.
	jq -e '.verdict == "nat.detected" and .metrics.method == "stun" and .metrics.mapping == "endpoint-independent" and
		.metrics.filtering == "address-and-port-dependent" and .metrics.ports_preserved == 1' \
		<<<"$(nat_method "$TMP/smasq.json" udp)" >/dev/null || fail "masquerade: $(nat_method "$TMP/smasq.json" udp)"
	np srand nat --stun "$STUN_RANDOM4" --timeout 2
	jq -e '.verdict == "nat.detected" and .metrics.mapping == "address-and-port-dependent"' \
		<<<"$(nat_method "$TMP/srand.json" udp)" >/dev/null || fail "random: $(nat_method "$TMP/srand.json" udp)"
}

test_nat_quotes_see_a_stateless_rewrite_and_never_conclude_none() {
	np qstateless nat --via "$SRV4:$PORT_TRACE_NAT" --timeout 2
	jq -e --arg nat "$TRACE_NAT4" '.verdict == "nat.detected" and .metrics.method == "quote" and .metrics.hop == 2 and
		.metrics.mapped == $nat' <<<"$(nat_method "$TMP/qstateless.json" tcp)" >/dev/null ||
		fail "stateless: $(nat_method "$TMP/qstateless.json" tcp)"
	# conntrack NAT translates the quotes back: invisible, so undecided
	np qconn nat --via "$NAT_MASQ4:$PORT_OPEN" --timeout 2
	jq -e '.verdict == "nat.undecided" and (.summary | test("cannot decide"))' \
		<<<"$(nat_method "$TMP/qconn.json" tcp)" >/dev/null || fail "conntrack: $(nat_method "$TMP/qconn.json" tcp)"
	np qnone nat --via "$NAT_PLAIN4:$PORT_OPEN" --timeout 2
	expect "no NAT, by quotes alone" "$(nat_method "$TMP/qnone.json" tcp | jq -r .verdict)" nat.undecided
}

test_nat_methods_together_name_who_agreed() {
	nat_responder
	np nall nat --responder "$NAT_MASQ4:$NAT_RESP_PORT" --stun "$STUN_MASQ4" --via "$NAT_MASQ4:$NAT_RESP_PORT" --timeout 2
	expect "exit status" "$(rc_of nall)" 1
	jqe "$TMP/nall.json" '.findings[] | select(.target == "this host") | .verdict == "nat.detected" and
		.metrics.detected_by == "responder/tcp, responder/udp, stun/udp" and (.summary | test("undecided: quote/tcp"))'
}

# the finding of METHOD over PROTOCOL in FILE
nat_finding() {
	jq -c --arg m "$2" --arg p "$3" '[.findings[] | select(.metrics.method == $m and .metrics.protocol == $p)][0]' "$1"
}

test_nat_hostile_or_silent_far_ends() {
	# Port 7001: over TCP garbage instead of NPR/1, over UDP silence (the
	# responder and STUN both). Port 7002: over TCP half a line that never
	# ends, over UDP a datagram of garbage for each one sent (it is not
	# STUN: no magic cookie). Each a finding within the timeout, no hang,
	# and the summaries tell garbage from silence.
	ip netns exec "$NS_SRV" socat -T 5 "TCP4-LISTEN:7001,bind=$NAT_PLAIN4,reuseaddr,fork" \
		SYSTEM:'echo "HTTP/1.0 200 garbage"' >/dev/null 2>&1 &
	NAT_BAD1=$!
	ip netns exec "$NS_SRV" socat -u "UDP4-RECV:7001,bind=$NAT_PLAIN4" /dev/null >/dev/null 2>&1 &
	NAT_BAD2=$!
	# (scripts: socat's address syntax takes backslashes and quotes)
	printf '#!/bin/sh\nprintf "NPR/1 OK seen="\nsleep 4\n' >"$TMP/half-line.sh"
	printf '#!/bin/sh\nprintf "\\001\\001\\000\\000garbage, not STUN"\n' >"$TMP/not-stun.sh"
	chmod 0755 "$TMP/half-line.sh" "$TMP/not-stun.sh"
	ip netns exec "$NS_SRV" socat -T 5 "TCP4-LISTEN:7002,bind=$NAT_PLAIN4,reuseaddr,fork" \
		"EXEC:$TMP/half-line.sh" >/dev/null 2>&1 &
	NAT_BAD3=$!
	ip netns exec "$NS_SRV" socat -T 5 "UDP4-RECVFROM:7002,bind=$NAT_PLAIN4,reuseaddr,fork" \
		"EXEC:$TMP/not-stun.sh" >/dev/null 2>&1 &
	NAT_BAD4=$!
	trap 'kill "$NAT_BAD1" "$NAT_BAD2" "$NAT_BAD3" "$NAT_BAD4" 2>/dev/null || true
		wait "$NAT_BAD1" "$NAT_BAD2" "$NAT_BAD3" "$NAT_BAD4" 2>/dev/null || true' EXIT
	for _ in $(seq 1 50); do
		ip netns exec "$NS_SRV" ss -ltnH "sport = :7001" | grep . >/dev/null &&
			ip netns exec "$NS_SRV" ss -lunH "sport = :7001" | grep . >/dev/null &&
			ip netns exec "$NS_SRV" ss -ltnH "sport = :7002" | grep . >/dev/null &&
			ip netns exec "$NS_SRV" ss -lunH "sport = :7002" | grep . >/dev/null && break
		sleep 0.1
	done
	np nbad nat --responder "$NAT_PLAIN4:7001" --stun "$NAT_PLAIN4:7001" --timeout 1
	expect "exit status" "$(rc_of nbad)" 3
	jqe "$TMP/nbad.json" '[.findings[] | select(.target != "this host") | .verdict] | all(. == "nat.no_answer")'
	local o
	o=$(nat_finding "$TMP/nbad.json" responder tcp)
	jq -e --arg a "$NAT_PLAIN4:7001" '(.summary | contains("not NPR/1") and contains("21 bytes") and contains($a) and
		contains("HTTP/1.0 200 garbage\\n")) and .metrics.bytes_received == 21' <<<"$o" >/dev/null || fail "garbage: $o"
	for m in "responder udp" "stun udp"; do
		# shellcheck disable=SC2086
		o=$(nat_finding "$TMP/nbad.json" $m)
		jq -e '(.summary | contains("did not answer")) and .metrics.bytes_received == 0' <<<"$o" >/dev/null ||
			fail "silence ($m): $o"
	done
	jqe "$TMP/nbad.json" '.duration_ms < 3500'

	np nbad2 nat --responder "$NAT_PLAIN4:7002" --stun "$NAT_PLAIN4:7002" --timeout 1
	expect "exit status" "$(rc_of nbad2)" 3
	jqe "$TMP/nbad2.json" '[.findings[] | select(.target != "this host") | .verdict] | all(. == "nat.no_answer")'
	o=$(nat_finding "$TMP/nbad2.json" stun udp)
	jq -e --arg a "$NAT_PLAIN4:7002" '(.summary | contains("not STUN") and contains("magic cookie") and
		contains("21 bytes") and contains($a) and (contains("did not answer") | not)) and
		.metrics.bytes_received == 21 and .metrics.answer_from == $a and
		(.metrics.first_bytes | startswith("'"'"'\\x01\\x01\\x00\\x00garbage"))' <<<"$o" >/dev/null ||
		fail "STUN garbage: $o"
	o=$(nat_finding "$TMP/nbad2.json" responder udp)
	jq -e '(.summary | contains("not NPR/1") and contains("21 bytes") and (contains("did not answer") | not))' \
		<<<"$o" >/dev/null || fail "responder UDP garbage: $o"
	o=$(nat_finding "$TMP/nbad2.json" responder tcp)
	jq -e '(.summary | contains("no complete line") and contains("14 bytes") and contains("NPR/1 OK seen=") and
		(contains("did not answer") | not)) and .metrics.bytes_received == 14' <<<"$o" >/dev/null ||
		fail "half a line: $o"
	jqe "$TMP/nbad2.json" '.duration_ms < 3500'
}
