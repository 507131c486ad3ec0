# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe trace in the lab: cli -> rtr -> fw -> edge -> srv, hops named by
# their time exceeded, the flow's death placed, rewrites found in quotes.
# Uses np, rc_of (test_tcp.sh), frame_has (test_capture.sh) and usage_error
# (test_cli.sh).
# shellcheck shell=bash

# hops_are FILE JSON_ARRAY: the first finding's hop addresses.
hops_are() {
	jqe "$1" "[.findings[0].metrics.hops[].address] == $2"
}

test_trace_reached_ipv4() {
	np r4 trace "$SRV4:$PORT_OPEN" --pcap "$TMP/r4.pcapng"
	expect "exit status" "$(rc_of r4)" 0
	jqe "$TMP/r4.json" '.findings | length == 1'
	jqe "$TMP/r4.json" '.findings[0] | .check == "trace" and .verdict == "trace.reached" and .status == "pass"'
	jqe "$TMP/r4.json" '.findings[0].metrics | .hop_count == 4 and .answer == "syn-ack" and .protocol == "tcp" and .probes == 3'
	hops_are "$TMP/r4.json" "[\"$RTR4\", \"$FW4\", \"$EDGE4\", \"$SRV4\"]"
	# Every hop: its number, every probe's RTT, what changed and what the
	# quote did not show; a SYN-ACK quotes nothing.
	jqe "$TMP/r4.json" '[.findings[0].metrics.hops[] | (.rtt_ms | length == 3 and all(type == "number")) and (.changed == [])] | all'
	jqe "$TMP/r4.json" '[.findings[0].metrics.hops[].hop] == [1, 2, 3, 4]'
	jqe "$TMP/r4.json" '[.findings[0].metrics.hops[:3][] | .answer == "time-exceeded" and .unknown == []] | all'
	jqe "$TMP/r4.json" '.findings[0].metrics.hops[3] | .answer == "syn-ack" and (.unknown | index("tcp_mss"))'
	jqe "$TMP/r4.json" ".host.sources == [\"$CLI4\"]"
}

test_trace_reached_ipv6() {
	np r6 trace "[$SRV6]:$PORT_OPEN" --probes 2
	expect "exit status" "$(rc_of r6)" 0
	jqe "$TMP/r6.json" '.findings[0] | .verdict == "trace.reached" and .metrics.hop_count == 4'
	hops_are "$TMP/r6.json" "[\"$RTR6\", \"$FW6\", \"$EDGE6\", \"$SRV6\"]"
	jqe "$TMP/r6.json" '[.findings[0].metrics.hops[] | .rtt_ms | length == 2] | all'
}

test_trace_name_traces_every_address() {
	np names trace server.lab:"$PORT_OPEN" --max-hops 8
	jqe "$TMP/names.json" "[.findings[] | select(.verdict == \"trace.reached\") | .address] | sort == ([\"$SRV4\", \"$SRV6\"] | sort)"
}

# tcptraceroute, run in the same namespace, names the same hops.
test_trace_same_hops_as_tcptraceroute() {
	local theirs
	np cross trace "$SRV4:$PORT_OPEN"
	theirs=$("$LAB" exec cli tcptraceroute -n -q 1 -w 2 "$SRV4" "$PORT_OPEN" 2>/dev/null |
		awk '$1 ~ /^[0-9]+$/ { printf "%s\"%s\"", n++ ? "," : "[", $2 } END { print "]" }')
	[ "$theirs" != "]" ] || fail "tcptraceroute printed no hop"
	hops_are "$TMP/cross.json" "$theirs"
	expect "tcptraceroute's hops" "$theirs" "[\"$RTR4\",\"$FW4\",\"$EDGE4\",\"$SRV4\"]"
}

# Port 81: fw drops the SYN; hops 1 and 2 still answer (a router's TTL
# check comes before its forward hook), then silence.
test_trace_blocked_silence() {
	np drop trace --timeout 1 "$SRV4:$PORT_DROP" "[$SRV6]:$PORT_DROP"
	expect "exit status" "$(rc_of drop)" 1
	jqe "$TMP/drop.json" '[.findings[] | select(.verdict == "trace.blocked_at_hop" and .status == "fail" and .metrics.answer == "silence" and .metrics.last_hop == 2)] | length == 2'
	jqe "$TMP/drop.json" ".findings[] | select(.address == \"$SRV4\") | .metrics.last_hop_address == \"$FW4\" and (.summary | test(\"after hop 2 \\\\($FW4\\\\) in silence\"))"
	jqe "$TMP/drop.json" ".findings[] | select(.address == \"$SRV6\") | .metrics.last_hop_address == \"$FW6\""
	# Probing stopped a few silent hops past fw, not at --max-hops.
	jqe "$TMP/drop.json" '[.findings[] | .metrics.hops | length < 10 and .[2].address == null] | all'
	jqe "$TMP/drop.json" '.duration_ms < 3000'
}

# Port 82: fw forges the target's reset; its TTL (63) places it at hop 2.
test_trace_blocked_reset_by_ttl() {
	np rst trace "$SRV4:$PORT_RESET" "[$SRV6]:$PORT_RESET"
	expect "exit status" "$(rc_of rst)" 1
	jqe "$TMP/rst.json" '[.findings[] | select(.verdict == "trace.blocked_at_hop" and .metrics.answer == "reset" and .metrics.answer_hop == 2 and .metrics.last_hop == 2)] | length == 2'
	jqe "$TMP/rst.json" ".findings[] | select(.address == \"$SRV4\") | .summary | test(\"TTL \\\\(63, initial 64\\\\) says it was sent from hop 2 \\\\($FW4\\\\)\")"
	# The reset is hop 3's answer, from the target's address.
	jqe "$TMP/rst.json" ".findings[] | select(.address == \"$SRV4\") | .metrics.hops[2] | .address == \"$SRV4\" and .answer == \"reset\""
}

# Port 84: the server's own reset (TTL 61, hop 4): reached, port closed.
test_trace_reached_closed_port() {
	np closed trace "$SRV4:$PORT_CLOSED"
	jqe "$TMP/closed.json" '.findings[0] | .verdict == "trace.reached" and .metrics.answer == "reset" and .metrics.hop_count == 4 and (.summary | test("port closed"))'
}

# Port 83: fw answers ICMP / ICMPv6 administratively prohibited.
test_trace_blocked_icmp_prohibited() {
	np prohib trace "$SRV4:$PORT_ICMP" "[$SRV6]:$PORT_ICMP"
	expect "exit status" "$(rc_of prohib)" 1
	jqe "$TMP/prohib.json" '[.findings[] | select(.verdict == "trace.blocked_at_hop" and .metrics.answer == "prohibited" and .metrics.answer_hop == 2 and .metrics.last_hop == 2)] | length == 2'
	jqe "$TMP/prohib.json" ".findings[] | select(.address == \"$SRV4\") | .summary | test(\"administratively prohibited from $FW4 \\\\(hop 2\\\\)\")"
	jqe "$TMP/prohib.json" ".findings[] | select(.address == \"$SRV6\") | .summary | test(\"ICMPv6 administratively prohibited from $FW6\")"
}

# No route at edge (hop 3): its ICMP unreachable ends the flow there.
test_trace_blocked_no_route() {
	np unr trace "$NOROUTE4:80" "[$NOROUTE6]:80"
	expect "exit status" "$(rc_of unr)" 1
	jqe "$TMP/unr.json" '[.findings[] | select(.verdict == "trace.blocked_at_hop" and .metrics.answer == "unreachable" and .metrics.answer_hop == 3 and .metrics.last_hop == 3)] | length == 2'
	jqe "$TMP/unr.json" ".findings[] | select(.address == \"$NOROUTE4\") | .metrics.last_hop_address == \"$EDGE4\" and (.summary | test(\"at hop 3 \\\\($EDGE4\\\\): ICMP network unreachable\"))"
	jqe "$TMP/unr.json" ".findings[] | select(.address == \"$NOROUTE6\") | .metrics.last_hop_address == \"$EDGE6\""
}

# Port 90: rtr remarks DSCP (first quoted by hop 2), fw clamps the MSS
# (first quoted by hop 3).
test_trace_modified_mss_and_dscp() {
	np mod trace "$SRV4:$PORT_TRACE_MOD" "[$SRV6]:$PORT_TRACE_MOD"
	expect "exit status (a warning)" "$(rc_of mod)" 0
	jqe "$TMP/mod.json" '[.findings[] | select(.verdict == "trace.reached")] | length == 2'
	jqe "$TMP/mod.json" '[.findings[] | select(.verdict == "trace.modified" and .status == "warn")] | length == 2'
	jqe "$TMP/mod.json" ".findings[] | select(.verdict == \"trace.modified\" and .address == \"$SRV4\") | .metrics.modified == [
		{\"field\": \"dscp\", \"hop\": 2, \"address\": \"$FW4\", \"sent\": 0, \"seen\": $TRACE_DSCP},
		{\"field\": \"tcp_mss\", \"hop\": 3, \"address\": \"$EDGE4\", \"sent\": 1460, \"seen\": $TRACE_MSS}]"
	jqe "$TMP/mod.json" ".findings[] | select(.verdict == \"trace.modified\" and .address == \"$SRV4\") | .summary | test(\"MSS.* 1460 -> $TRACE_MSS first seen at hop 3 \\\\($EDGE4\\\\)\")"
	jqe "$TMP/mod.json" ".findings[] | select(.verdict == \"trace.modified\" and .address == \"$SRV6\") | [.metrics.modified[] | [.field, .hop, .seen]] == [[\"dscp\", 2, $TRACE_DSCP], [\"tcp_mss\", 3, $TRACE_MSS]]"
	# Per hop: hop 1 quotes the probe as sent, hop 3 both rewrites.
	jqe "$TMP/mod.json" ".findings[] | select(.verdict == \"trace.reached\" and .address == \"$SRV4\") | [.metrics.hops[:3][].changed] == [[], [\"dscp\"], [\"dscp\", \"tcp_mss\"]]"
}

# Port 91: rtr rewrites the source statelessly: quotes from hop 2 on carry
# the translated address (they reach the trace all the same).
test_trace_modified_source_nat() {
	np nat trace "$SRV4:$PORT_TRACE_NAT"
	jqe "$TMP/nat.json" '.findings[0] | .verdict == "trace.reached" and .metrics.hop_count == 4'
	jqe "$TMP/nat.json" ".findings[1] | .verdict == \"trace.modified\" and .metrics.modified == [{\"field\": \"source_address\", \"hop\": 2, \"address\": \"$FW4\", \"sent\": \"$CLI4\", \"seen\": \"$TRACE_NAT4\"}]"
}

# UDP probes: the target's port unreachable ends the trace; the checksum
# sits in the 8 quoted bytes, so UDP fields are never unknown at a router.
test_trace_udp() {
	np udp trace --udp "$SRV4:33434" "[$SRV6]:$PORT_TRACE_MOD"
	expect "exit status" "$(rc_of udp)" 0
	jqe "$TMP/udp.json" "[.findings[] | select(.verdict == \"trace.reached\" and .metrics.protocol == \"udp\" and .metrics.answer == \"port-unreachable\" and .metrics.hop_count == 4)] | length == 2"
	jqe "$TMP/udp.json" ".findings[] | select(.verdict == \"trace.reached\" and .address == \"$SRV4\") | [.metrics.hops[].address] == [\"$RTR4\", \"$FW4\", \"$EDGE4\", \"$SRV4\"]"
	jqe "$TMP/udp.json" '[.findings[] | select(.verdict == "trace.reached") | .metrics.hops[] | .unknown == []] | all'
	jqe "$TMP/udp.json" ".findings[] | select(.verdict == \"trace.modified\") | .address == \"$SRV6\" and ([.metrics.modified[] | [.field, .hop]] == [[\"dscp\", 2]])"
}

# The saved capture: the probes, every hop's answer and the SYN-ACK
# commented, and the reset netprobe sent so the server keeps no half-open
# connection.
test_trace_pcap_evidence() {
	local f n
	np ev trace "$SRV4:$PORT_OPEN" --probes 1 --pcap "$TMP/ev.pcapng"
	[ -s "$TMP/ev.pcapng" ] || fail "no capture file"
	for f in $(jq -r '.findings[0].evidence[] | select(.text | test("^hop [123]:")) | .frame' "$TMP/ev.json"); do
		frame_has "$TMP/ev.pcapng" "$f" "icmp.type == 11 && frame.comment contains \"netprobe: trace hop\""
	done
	expect "hop frames" "$(jq '[.findings[0].evidence[] | select(.text | test("^hop [123]:"))] | length' "$TMP/ev.json")" 3
	f=$(jq -r '.findings[0].evidence[] | select(.text | test("^hop 4: syn-ack")) | .frame' "$TMP/ev.json")
	frame_has "$TMP/ev.pcapng" "$f" "tcp.flags.syn == 1 && tcp.flags.ack == 1 && ip.src == $SRV4 && frame.comment contains \"trace.reached\""
	f=$(jq -r '.findings[0].evidence[] | select(.text | test("sent by netprobe")) | .frame' "$TMP/ev.json" | head -1)
	frame_has "$TMP/ev.pcapng" "$f" "tcp.flags.reset == 1 && ip.dst == $SRV4 && frame.comment contains \"reset sent\""
	# One 5-tuple for every probe (Paris traceroute), TTL 1 to 4, each a
	# real client's SYN.
	n=$(tshark -r "$TMP/ev.pcapng" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0 && frame.comment contains \"trace probe\"" \
		-T fields -e tcp.srcport -e ip.ttl -e tcp.options.mss_val -e tcp.options.wscale.shift -e tcp.options.sack_perm 2>/dev/null |
		awk '{ print $1 }' | sort -u | wc -l)
	expect "source ports of the probes" "$n" 1
	n=$(tshark -r "$TMP/ev.pcapng" -Y "!icmp && tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.options.mss_val == 1460 && tcp.options.wscale.shift == 7 && tcp.options.sack_perm && tcp.options.timestamp.tsval" 2>/dev/null | wc -l)
	expect "SYNs with MSS, window scale, SACK and timestamps" "$n" 4
}

test_trace_bad_input() {
	usage_error trace --max-hops 0 127.0.0.1:80 | grep -- "--max-hops '0': not a number from 1 to 64" >/dev/null
	usage_error trace --max-hops 65 127.0.0.1:80 | grep -- "--max-hops '65'" >/dev/null
	usage_error trace --probes 0 127.0.0.1:80 | grep -- "--probes '0': not a number from 1 to 10" >/dev/null
	usage_error trace --probes 11 127.0.0.1:80 | grep -- "--probes '11'" >/dev/null
	usage_error trace --probes x 127.0.0.1:80 >/dev/null
	usage_error trace 127.0.0.1:0 | grep "target '127.0.0.1:0'" >/dev/null
	usage_error trace '[2001:db8::1' | grep "unbalanced" >/dev/null
	usage_error trace | grep "no target given" >/dev/null
	usage_error trace --no-capture 127.0.0.1:80 | grep "packet capture" >/dev/null
}

# Without CAP_NET_RAW nothing can be sent: an error finding says how to
# grant it (exit 3). With the file capability alone, as a plain user, the
# trace runs.
test_trace_needs_net_raw() {
	local d rc=0
	"$LAB" exec cli runuser -u nobody -- "$NETPROBE" trace "$SRV4:$PORT_OPEN" --json - \
		>"$TMP/noraw.json" 2>"$TMP/noraw.err" || rc=$?
	expect "exit status without CAP_NET_RAW" "$rc" 3
	jqe "$TMP/noraw.json" '.findings[0] | .verdict == "trace.error" and .status == "error" and (.summary | test("CAP_NET_RAW.*setcap cap_net_raw\\+ep"))'
	command -v setcap >/dev/null || return 0
	d=$(mktemp -d /tmp/netprobe-trace-cap.XXXXXX)
	chmod 755 "$d"
	cp "$NETPROBE" "$d/netprobe"
	setcap cap_net_raw+ep "$d/netprobe"
	rc=0
	"$LAB" exec cli runuser -u nobody -- "$d/netprobe" trace "$SRV4:$PORT_OPEN" --json - \
		>"$TMP/capraw.json" 2>/dev/null || rc=$?
	rm -rf -- "$d"
	expect "exit status with cap_net_raw+ep" "$rc" 0
	jqe "$TMP/capraw.json" '.findings[0] | .verdict == "trace.reached" and .metrics.hop_count == 4'
}

test_trace_max_hops_reached_before_the_target() {
	# the server is hop 4: with --max-hops 2 routers still answer at the limit
	np maxh trace "$SRV4:$PORT_OPEN" --max-hops 2 --timeout 1
	jqe "$TMP/maxh.json" ".findings[0] | .verdict == \"trace.max_hops\" and (.metrics.hops | length) == 2 and .metrics.hops[1].address == \"$FW4\""
}
