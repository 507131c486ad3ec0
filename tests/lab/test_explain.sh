# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe explain: captures recorded now, in the lab, with tcpdump in the
# client namespace (fixtures/captures/record.sh), read offline; and its
# input errors, on the recorded fixtures (test_cli_explain_*, no lab).
# shellcheck shell=bash

# $here: tests/lab, set by run.sh, which sources this file
# shellcheck source=fixtures/captures/record.sh disable=SC2154
. "$here/../../fixtures/captures/record.sh"
EXPLAIN_FIXTURES=$here/../../fixtures/captures

# ex NAME FILE ARGS...: netprobe explain FILE ARGS --json $TMP/NAME.json;
# the exit status goes to $TMP/NAME.rc.
ex() {
	local name=$1 file=$2 rc=0
	shift 2
	"$NETPROBE" explain "$file" "$@" --json "$TMP/$name.json" >"$TMP/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$TMP/$name.rc"
	jq -e .schema "$TMP/$name.json" >/dev/null || fail "no JSON report; output: $(cat "$TMP/$name.out")"
}

# is_frame FILE FRAME FILTER: tshark's display filter holds for that frame.
is_frame() {
	local n
	if [ -z "$2" ] || [ "$2" = null ]; then fail "no frame number"; fi
	n=$(tshark -r "$1" -Y "frame.number == $2 && ($3)" 2>/dev/null | wc -l)
	[ "$n" = 1 ] || fail "frame $2 of $1 does not match '$3'"
}

# The deciding (last) evidence frame of the finding for ADDRESS and VERDICT.
deciding() {
	jq -r --arg a "$2" --arg v "$3" \
		'[.findings[] | select(.address == $a and .verdict == $v)][0].evidence[-1].frame' "$1"
}

test_explain_idle_reset_by_firewall() {
	# nginx answers on PORT_IDLE_RESET, but the firewall forgets the flow
	# after 3 s: the request sent after 5 s draws a reset it forges.
	rec_idle_reset "$TMP"
	local f=$TMP/idle_reset_path.pcap fr
	ex idle "$f" --min-idle 4
	expect "exit status" "$(cat "$TMP/idle.rc")" 1
	jqe "$TMP/idle.json" '[.findings[] | select(.verdict == "idle.reset_by_path" and .status == "fail" and .check == "explain")] | length == 2'
	jqe "$TMP/idle.json" '[.findings[] | .metrics | .gap_s >= 4 and .reply_ttl == 63 and .peer_ttl == 61 and .sender_hop == 2 and .reset_from == "server"] | all'
	jqe "$TMP/idle.json" "[.findings[].address] | sort == ([\"$SRV4\", \"$SRV6\"] | sort)"
	jqe "$TMP/idle.json" "[.findings[].target | test(\":[0-9]+ -> .*:$PORT_IDLE_RESET\$\")] | all"
	# The deciding frames really are the resets, from the firewall's distance.
	fr=$(deciding "$TMP/idle.json" "$SRV4" idle.reset_by_path)
	is_frame "$f" "$fr" "tcp.flags.reset == 1 && ip.src == $SRV4 && ip.ttl == 63"
	fr=$(deciding "$TMP/idle.json" "$SRV6" idle.reset_by_path)
	is_frame "$f" "$fr" "tcp.flags.reset == 1 && ipv6.src == $SRV6 && ipv6.hlim == 63"
	# The first evidence frame is the last packet before the silence.
	fr=$(jq -r "[.findings[] | select(.address == \"$SRV4\")][0].evidence[0].frame" "$TMP/idle.json")
	is_frame "$f" "$fr" "tcp.port == $PORT_IDLE_RESET && tcp.flags.reset == 0"
	# With the default --min-idle (30 s) five seconds are no idle gap, but
	# the firewall still reset both connections: never explain.clean.
	ex idle30 "$f"
	expect "exit status at 30 s" "$(cat "$TMP/idle30.rc")" 1
	jqe "$TMP/idle30.json" '[.findings[].verdict] == ["tcp.reset_by_path", "tcp.reset_by_path"]'
	jqe "$TMP/idle30.json" '[.findings[] | .status == "fail" and .metrics.sender_hop == 2 and .metrics.peer_ttl == 61 and .metrics.quiet_s >= 4] | all'
	fr=$(deciding "$TMP/idle30.json" "$SRV4" tcp.reset_by_path)
	is_frame "$f" "$fr" "tcp.flags.reset == 1 && ip.src == $SRV4 && ip.ttl == 63"
}

test_explain_closed_normally_is_clean() {
	rec_closed_normally "$TMP"
	ex closed "$TMP/closed_normally.pcapng" --min-idle 1
	expect "exit status" "$(cat "$TMP/closed.rc")" 0
	jqe "$TMP/closed.json" '[.findings[] | select(.status == "fail")] | length == 0'
	jqe "$TMP/closed.json" '.findings[0].verdict == "explain.clean" and .findings[0].metrics.flows == 2'
	jqe "$TMP/closed.json" ".capture.file == \"$TMP/closed_normally.pcapng\" and .capture.received > 0"
}

test_explain_syns_to_a_dropped_port_are_filtered() {
	rec_syn_dropped "$TMP"
	local f=$TMP/syn_dropped.pcap fr
	ex syns "$f"
	expect "exit status" "$(cat "$TMP/syns.rc")" 1
	jqe "$TMP/syns.json" '[.findings[] | select(.verdict == "tcp.filtered" and .metrics.syn_count >= 3)] | length == 2'
	for fr in $(jq -r '.findings[].evidence[].frame' "$TMP/syns.json"); do
		is_frame "$f" "$fr" "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == $PORT_DROP"
	done
}

test_explain_refused_vs_rejected() {
	# 84: the server's own reset (TTL 61, as its port-80 packets); 82: a
	# reset forged by the firewall (TTL 63).
	rec_handshakes "$TMP"
	local f=$TMP/handshakes.pcap a
	ex hs "$f"
	expect "exit status" "$(cat "$TMP/hs.rc")" 1
	jqe "$TMP/hs.json" "[.findings[] | select(.target | endswith(\":$PORT_RESET\")) | select(.verdict == \"tcp.rejected\" and .metrics.reply_ttl == 63 and .metrics.target_ttl == 61 and .metrics.sender_hop == 2)] | length == 2"
	jqe "$TMP/hs.json" "[.findings[] | select(.target | endswith(\":$PORT_CLOSED\")) | select(.verdict == \"tcp.refused\" and .metrics.reply_ttl == 61 and .metrics.sender_hop == 4)] | length == 2"
	jqe "$TMP/hs.json" "[.findings[] | select(.target | endswith(\":$PORT_OPEN\"))] | length == 0"
	for a in "$SRV4" "$SRV6"; do
		is_frame "$f" "$(deciding "$TMP/hs.json" "$a" tcp.rejected)" "tcp.flags.reset == 1 && tcp.srcport == $PORT_RESET"
		is_frame "$f" "$(deciding "$TMP/hs.json" "$a" tcp.refused)" "tcp.flags.reset == 1 && tcp.srcport == $PORT_CLOSED"
	done
	# Filtered to the failed ports only, the server's own TTL is unknown:
	# refused, origin undetermined, with the file's frame numbers.
	ex hsf "$f" tcp port "$PORT_RESET" or tcp port "$PORT_CLOSED"
	jqe "$TMP/hsf.json" '[.findings[] | select(.verdict == "tcp.refused" and (.summary | test("origin undetermined")))] | length == 4'
	is_frame "$f" "$(deciding "$TMP/hsf.json" "$SRV4" tcp.refused)" "tcp.flags.reset == 1"
}

test_explain_icmp_errors_name_the_sender() {
	rec_icmp_errors "$TMP"
	ex icmp "$TMP/icmp_errors.pcap"
	jqe "$TMP/icmp.json" "[.findings[] | select(.verdict == \"tcp.rejected\" and .metrics.sender_hop == 2)] | length == 3"
	jqe "$TMP/icmp.json" "[.findings[] | select(.verdict == \"tcp.rejected\") | .metrics.sender] | sort == ([\"$FW4\", \"$FW4\", \"$FW6\"] | sort)"
	jqe "$TMP/icmp.json" "[.findings[] | select(.verdict == \"tcp.unreachable\" and .address == \"$NOROUTE4\" and .metrics.sender == \"$EDGE4\")] | length == 1"
	is_frame "$TMP/icmp_errors.pcap" "$(deciding "$TMP/icmp.json" "$SRV4" tcp.rejected)" "icmp.type == 3 && ip.src == $FW4"
}

test_explain_reads_netprobe_own_pcapng() {
	# netprobe tcp's --pcap file (its TTL series included) read back: the
	# firewall's reset is named again, the TTL-limited SYNs' time-exceeded
	# answers are not mistaken for failures.
	"$LAB" exec cli "$NETPROBE" tcp "$SRV4:$PORT_RESET" "$SRV4:$PORT_OPEN" -q \
		--pcap "$TMP/own.pcapng" --json "$TMP/own-tcp.json" >/dev/null 2>&1 || true
	[ -s "$TMP/own.pcapng" ] || fail "no pcapng from netprobe tcp"
	ex own "$TMP/own.pcapng"
	jqe "$TMP/own.json" "[.findings[] | select(.verdict == \"tcp.rejected\" and .metrics.reply_ttl == 63 and .metrics.target_ttl == 61)] | length >= 1"
	jqe "$TMP/own.json" '[.findings[] | select(.verdict == "tcp.unreachable")] | length == 0'
}

test_explain_tls_alerts_name_side_and_frame() {
	# The lab's alerting server (nginx ssl_reject_handshake) on v4 and v6,
	# a TLS 1.2 client refusing a self-signed certificate, and two sessions
	# that work (TLS 1.2 with its encrypted close_notify, TLS 1.3).
	rec_tls_alerts "$TMP"
	local f=$TMP/tls_alerts.pcap fr
	ex tlsa "$f"
	expect "exit status" "$(cat "$TMP/tlsa.rc")" 1
	# (what it found instead, and what was recorded, when it is not that)
	[ "$(jq -c '[.findings[].verdict]' "$TMP/tlsa.json")" = '["tls.alert","tls.alert","tls.alert"]' ] ||
		fail "findings: $(jq -c '[.findings[] | "\(.verdict) \(.target) [\(.address)]: \(.summary)"]' "$TMP/tlsa.json");" \
			"recorded: $(tshark -r "$f" -q -z conv,tcp 2>/dev/null | grep -c '<->') TCP conversations"
	jqe "$TMP/tlsa.json" "[.findings[] | select(.address == \"$TLS_GOOD4\" or .address == \"$TLS_GOOD6\") | .metrics | .alert_from == \"server\" and .alert_description == 112 and .alert_level == \"fatal\" and .stage == \"client_hello\"] == [true, true]"
	jqe "$TMP/tlsa.json" "[.findings[] | select(.address == \"$TLS_SELF4\") | .metrics | .alert_from == \"client\" and .alert_description == 48 and (.sender | startswith(\"$CLI4:\"))] == [true]"
	jqe "$TMP/tlsa.json" '[.findings[] | .summary | test("sent a fatal TLS alert, (unrecognized name \\(112\\)|unknown CA \\(48\\))")] | all'
	# Each deciding frame is the alert tshark reads there, from that side.
	fr=$(deciding "$TMP/tlsa.json" "$TLS_GOOD4" tls.alert)
	is_frame "$f" "$fr" "tls.alert_message.desc == 112 && ip.src == $TLS_GOOD4"
	fr=$(deciding "$TMP/tlsa.json" "$TLS_GOOD6" tls.alert)
	is_frame "$f" "$fr" "tls.alert_message.desc == 112 && ipv6.src == $TLS_GOOD6"
	fr=$(deciding "$TMP/tlsa.json" "$TLS_SELF4" tls.alert)
	is_frame "$f" "$fr" "tls.alert_message.desc == 48 && ip.src == $CLI4"
	# tshark also shows the TLS 1.2 session's encrypted alert: its
	# close_notify, after the handshake, which is no failure.
	[ "$(tshark -r "$f" -Y 'tls.record.content_type == 21 && ip.src == '"$CLI4"' && tcp.dstport == '"$PORT_TLS"' && !tls.alert_message.desc' 2>/dev/null | wc -l)" -ge 1 ] ||
		fail "no encrypted alert in the recorded TLS 1.2 session"
}

test_cli_explain_input_errors() {
	local rc
	rc=0; "$NETPROBE" explain "$EXPLAIN_FIXTURES/syn_dropped.pcap" tcp port nonsense >"$TMP/e1.out" 2>&1 || rc=$?
	expect "bad filter" "$rc" 2
	expect "one line" "$(wc -l <"$TMP/e1.out")" 1
	grep -q "filter 'tcp port nonsense'" "$TMP/e1.out" || fail "$(cat "$TMP/e1.out")"
	rc=0; "$NETPROBE" explain "$TMP/nonexistent.pcap" >"$TMP/e2.out" 2>&1 || rc=$?
	expect "missing file" "$rc" 2
	grep -q "nonexistent.pcap" "$TMP/e2.out" || fail "$(cat "$TMP/e2.out")"
	head -c 100 /dev/zero >"$TMP/zero.pcap"
	rc=0; "$NETPROBE" explain "$TMP/zero.pcap" >"$TMP/e3.out" 2>&1 || rc=$?
	expect "not a capture" "$rc" 2
	expect "one line" "$(wc -l <"$TMP/e3.out")" 1
	rc=0; "$NETPROBE" explain "$EXPLAIN_FIXTURES/syn_dropped.pcap" --min-idle -3 >/dev/null 2>&1 || rc=$?
	expect "bad --min-idle" "$rc" 2
	rc=0; "$NETPROBE" explain "$EXPLAIN_FIXTURES/syn_dropped.pcap" --pcap "$TMP/x.pcapng" >/dev/null 2>&1 || rc=$?
	expect "--pcap" "$rc" 2
	rc=0; "$NETPROBE" explain >/dev/null 2>&1 || rc=$?
	expect "no file" "$rc" 2
}

test_cli_explain_outputs_and_cut_file() {
	local rc f=$EXPLAIN_FIXTURES/idle_reset_path.pcap
	rc=0; "$NETPROBE" explain "$f" --min-idle 4 --json - --junit "$TMP/x.xml" >"$TMP/o.json" 2>"$TMP/o.err" || rc=$?
	expect "exit status" "$rc" 1
	jqe "$TMP/o.json" '.command == "explain" and ([.findings[].verdict] == ["idle.reset_by_path", "idle.reset_by_path"])'
	xmllint --noout "$TMP/x.xml" || fail "JUnit not well-formed"
	grep -q "idle.reset_by_path" "$TMP/o.err" || fail "no summary on stderr"
	# Cut in the middle of a record: the frames before it, and a warning.
	head -c 1500 "$f" >"$TMP/cut.pcap"
	rc=0; "$NETPROBE" explain "$TMP/cut.pcap" --json "$TMP/cut.json" >/dev/null 2>&1 || rc=$?
	expect "exit status of a cut file" "$rc" 0
	jqe "$TMP/cut.json" '[.findings[] | select(.verdict == "explain.partial" and .status == "warn" and (.summary | test("truncated")))] | length == 1'
	jqe "$TMP/cut.json" '[.findings[] | select(.verdict == "explain.clean")] | length == 0'
	# Garbage after a valid file header: no frame read, and it says so.
	{ head -c 24 "$f"; printf 'garbage garbage garbage garbage\n%.0s' 1 2 3; } >"$TMP/garbage.pcap"
	rc=0; "$NETPROBE" explain "$TMP/garbage.pcap" --json "$TMP/garbage.json" >/dev/null 2>&1 || rc=$?
	expect "exit status of a file of garbage records" "$rc" 0
	jqe "$TMP/garbage.json" '[.findings[].verdict] == ["explain.partial"] and (.findings[0].summary | test("no frame could be read: .*bigger than maximum"))'
	# One frame and no frame at all.
	head -c 24 "$f" >"$TMP/empty.pcap"
	rc=0; "$NETPROBE" explain "$TMP/empty.pcap" --json "$TMP/empty.json" >/dev/null 2>&1 || rc=$?
	expect "header-only file" "$rc" 0
	jqe "$TMP/empty.json" '.findings[0].verdict == "explain.clean" and .findings[0].metrics.frames == 0'
}

test_cli_explain_connections_table() {
	local rc w=$EXPLAIN_FIXTURES/windows
	# A clean session logged three times a packet by pktmon: one row.
	rc=0; "$NETPROBE" explain "$w/clean_session.pktmon.pcapng" --connections --json "$TMP/c.json" >"$TMP/c.out" 2>&1 || rc=$?
	expect "exit status" "$rc" 0
	jqe "$TMP/c.json" '(.connections | length) == 1 and .connections_unlisted == 0'
	jqe "$TMP/c.json" '.connections[0] | .client == "198.18.10.5:50417" and .server == "198.19.20.7:443" and .ended == "fin" and .ended_by == "client" and .first.frame == 1 and .last.frame == 48 and .bytes_client_to_server == 877 and .bytes_server_to_client == 4555'
	grep -q "^CLIENT .*SERVER .*ENDED" "$TMP/c.out" || fail "no table header: $(cat "$TMP/c.out")"
	grep -Eq "^198\.18\.10\.5:50417 +198\.19\.20\.7:443 +1@0\.000 +48@2\.063 .* 877 +4555 +fin \(client\)$" "$TMP/c.out" ||
		fail "no row: $(cat "$TMP/c.out")"
	# The firewall's reset, and SYNs into silence.
	"$NETPROBE" explain "$w/idle_reset_fw.pktmon.pcapng" --connections >"$TMP/r.out" 2>&1 || true
	grep -q "reset by the path$" "$TMP/r.out" || fail "$(cat "$TMP/r.out")"
	"$NETPROBE" explain "$w/syn_unanswered.pcap" --connections --json "$TMP/s.json" >/dev/null 2>&1 || true
	jqe "$TMP/s.json" '[.connections[] | .ended == "timeout" and .ended_by == "client"] == [true, true]'
	# Not asked for: no table.
	"$NETPROBE" explain "$w/clean_session.pcap" --json "$TMP/n.json" >"$TMP/n.out" 2>&1 || true
	jqe "$TMP/n.json" 'has("connections") | not'
	! grep -q "^CLIENT " "$TMP/n.out" || fail "a table nobody asked for"
}
