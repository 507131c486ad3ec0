# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe tcp --syn in the lab: a half-open sweep of the server's ports,
# each port in the state the lab's firewall and nginx give it.
# Uses np, rc_of (test_tcp.sh), frame_has (test_capture.sh) and
# usage_error (test_cli.sh).
# shellcheck shell=bash

# listening ADDR: the ports srv's sockets listen on for ADDR (its own or a
# wildcard address), as a JSON array.
listening() {
	ip netns exec "$NS_SRV" ss -ltnH | awk -v a="$1" '{
		n = split($4, x, ":"); p = x[n]; h = substr($4, 1, length($4) - length(p) - 1)
		gsub(/[][]/, "", h); sub(/%.*/, "", h)
		if (h == a || h == "0.0.0.0" || h == "*" || h == "::") print p }' | sort -nu | jq -s -c .
}

# half_open ADDR: connections srv holds in SYN-RECV from ADDR.
half_open() {
	ip netns exec "$NS_SRV" ss -tanH state syn-recv | grep -cF "$1" || true
}

# The lab's scenario ports, each where it belongs: open (nginx), closed
# (84: the server's own reset), filtered (fw drops 81 and 20000-20999),
# rejected (fw: 82 a forged reset, 83 admin-prohibited, 85 port unreachable).
test_syn_states_ipv4() {
	local f
	np st4 tcp --syn "$SRV4:79-86,443,8080,20000-20009" --pcap "$TMP/st4.pcapng"
	expect "exit status" "$(rc_of st4)" 1
	jqe "$TMP/st4.json" '[.findings[] | select(.verdict == "tcp.sweep")] | length == 1'
	jqe "$TMP/st4.json" ".findings[0] | .verdict == \"tcp.sweep\" and .status == \"fail\" and .target == \"$SRV4:79-86,443,8080,20000-20009\" and .address == \"$SRV4\""
	jqe "$TMP/st4.json" '.findings[0].metrics | .ports == 20 and .open == [80, 86, 443, 8080] and .open_ranges == "80,86,443,8080"'
	jqe "$TMP/st4.json" '.findings[0].metrics | .closed_ranges == "79,84" and .filtered_ranges == "81,20000-20009" and .rejected_ranges == "82-83,85"'
	jqe "$TMP/st4.json" '.findings[0].metrics | .reached_ranges == "79-80,84,86,443,8080" and .blocked_ranges == "81-83,85,20000-20009"'
	jqe "$TMP/st4.json" '.findings[0].metrics | .counts == {"open": 4, "closed": 2, "filtered": 11, "rejected": 3, "unreachable": 0, "not_decided": 0}'
	jqe "$TMP/st4.json" '.findings[0].metrics | .target_ttl == 61 and .target_hop == 4 and .retransmitted == 11 and .mode == "syn"'
	jqe "$TMP/st4.json" ".findings[0].metrics.rejected_by == [
		{\"sender\": \"$FW4\", \"hop\": 2, \"answer\": \"reset\", \"ports\": \"82\", \"count\": 1},
		{\"sender\": \"$FW4\", \"hop\": 2, \"answer\": \"prohibited\", \"ports\": \"83\", \"count\": 1},
		{\"sender\": \"$FW4\", \"hop\": 2, \"answer\": \"port-unreachable\", \"ports\": \"85\", \"count\": 1}]"
	# One finding per open port and per rejected port, none per closed or
	# filtered one.
	jqe "$TMP/st4.json" "[.findings[] | select(.verdict == \"tcp.ok\") | .target] == [\"$SRV4:80\", \"$SRV4:86\", \"$SRV4:443\", \"$SRV4:8080\"]"
	jqe "$TMP/st4.json" '[.findings[] | select(.verdict == "tcp.ok") | .status == "pass" and .metrics.sender_hop == 4 and .metrics.reply_ttl == 61] | all'
	jqe "$TMP/st4.json" "[.findings[] | select(.verdict == \"tcp.rejected\") | [.target, .metrics.sender, .metrics.sender_hop]] == [[\"$SRV4:82\", \"$FW4\", 2], [\"$SRV4:83\", \"$FW4\", 2], [\"$SRV4:85\", \"$FW4\", 2]]"
	jqe "$TMP/st4.json" ".findings[] | select(.target == \"$SRV4:82\") | .summary | test(\"reset carrying the target's address was sent 2 hops away \\\\(TTL 63, initial 64\\\\) by $FW4\")"
	jqe "$TMP/st4.json" ".findings[] | select(.target == \"$SRV4:83\") | .summary | test(\"administratively prohibited\")"
	jqe "$TMP/st4.json" '.findings | length == 8'
	# The pcapng: the deciding frames commented, the reset that keeps the
	# sweep half-open, a filtered port's retransmission.
	f=$(jq -r ".findings[] | select(.target == \"$SRV4:80\") | .evidence[0].frame" "$TMP/st4.json")
	frame_has "$TMP/st4.pcapng" "$f" "tcp.flags.syn == 1 && tcp.flags.ack == 1 && ip.src == $SRV4 && tcp.srcport == 80 && frame.comment contains \"tcp.ok\""
	f=$(jq -r ".findings[] | select(.target == \"$SRV4:80\") | .evidence[1].frame" "$TMP/st4.json")
	frame_has "$TMP/st4.pcapng" "$f" "tcp.flags.reset == 1 && ip.dst == $SRV4 && tcp.dstport == 80 && frame.comment contains \"half-open\""
	f=$(jq -r ".findings[] | select(.target == \"$SRV4:82\") | .evidence[0].frame" "$TMP/st4.json")
	frame_has "$TMP/st4.pcapng" "$f" "tcp.flags.reset == 1 && ip.src == $SRV4 && ip.ttl == 63 && frame.comment contains \"tcp.rejected\""
	f=$(jq -r ".findings[] | select(.target == \"$SRV4:82\") | .evidence[] | select(.text | test(\"time exceeded\")) | .frame" "$TMP/st4.json")
	frame_has "$TMP/st4.pcapng" "$f" "icmp.type == 11 && ip.src == $FW4"
	f=$(jq -r ".findings[] | select(.target == \"$SRV4:83\") | .evidence[0].frame" "$TMP/st4.json")
	frame_has "$TMP/st4.pcapng" "$f" "icmp.type == 3 && icmp.code == 13 && ip.src == $FW4"
	f=$(jq -r '.findings[0].evidence[] | select(.text | test("^port 81:")) | .frame' "$TMP/st4.json")
	frame_has "$TMP/st4.pcapng" "$f" "tcp.flags.syn == 1 && tcp.dstport == 81 && frame.comment contains \"filtered\""
	# Every SYN from one source port.
	expect "source ports" "$(tshark -r "$TMP/st4.pcapng" -Y "!icmp && ip.src == $CLI4" -T fields -e tcp.srcport 2>/dev/null | sort -u | wc -l)" 1
}

test_syn_states_ipv6() {
	np st6 tcp --syn "[$SRV6]:79-86,443,20000-20004"
	expect "exit status" "$(rc_of st6)" 1
	jqe "$TMP/st6.json" ".findings[0] | .verdict == \"tcp.sweep\" and .address == \"$SRV6\""
	jqe "$TMP/st6.json" '.findings[0].metrics | .open == [80, 86, 443] and .closed_ranges == "79,84" and .filtered_ranges == "81,20000-20004" and .rejected_ranges == "82-83,85"'
	jqe "$TMP/st6.json" "[.findings[] | select(.verdict == \"tcp.rejected\") | [.target, .metrics.sender, .metrics.sender_hop]] == [[\"[$SRV6]:82\", \"$FW6\", 2], [\"[$SRV6]:83\", \"$FW6\", 2], [\"[$SRV6]:85\", \"$FW6\", 2]]"
	jqe "$TMP/st6.json" ".findings[] | select(.target == \"[$SRV6]:83\") | .summary | test(\"administratively prohibited\")"
	jqe "$TMP/st6.json" ".host.sources == [\"$CLI6\"]"
}

# Without a SYN-ACK to compare with, the TTL series alone says whose
# resets they are: the server's own (84) or the firewall's (82).
test_syn_resets_placed_without_open_ports() {
	np rst tcp --syn "$SRV4:82,84"
	jqe "$TMP/rst.json" '.findings[0].metrics | .closed_ranges == "84" and .rejected_ranges == "82" and .target_ttl == null'
	jqe "$TMP/rst.json" "[.findings[] | select(.verdict == \"tcp.rejected\") | [.target, .metrics.sender]] == [[\"$SRV4:82\", \"$FW4\"]]"
	jqe "$TMP/rst.json" '[.findings[0].evidence[] | select(.text | test("TTL-limited SYN"))] | length >= 5'
}

# All 65,535 ports at the benchmark's rate: no packet lost by the kernel,
# the open ports exactly those srv listens on, the filtered ones exactly
# the firewall's, and no half-open connection left behind.
test_syn_full_sweep() {
	local want
	np full tcp --syn "$SRV4:1-65535" --rate 50000 --pcap "$TMP/full.pcapng" -q
	jqe "$TMP/full.json" '.capture | .active and .dropped == 0 and .kernel_dropped == 0 and .interface_dropped == 0'
	want=$(listening "$SRV4")
	[ "$want" != "[]" ] || fail "srv listens on nothing for $SRV4"
	jqe "$TMP/full.json" ".findings[0].metrics.open == $want"
	jqe "$TMP/full.json" '.findings[0].metrics | .ports == 65535 and .filtered_ranges == "81,20000-20999" and .rejected_ranges == "82-83,85" and .counts.not_decided == 0'
	jqe "$TMP/full.json" '[.findings[] | select(.verdict == "capture.dropped")] | length == 0'
	# The capture keeps what proves something, not 130,000 packets.
	jqe "$TMP/full.json" '.capture.received > 130000 and .capture.packets < 2000'
	[ "$(stat -c %s "$TMP/full.pcapng")" -lt 1000000 ] || fail "the pcapng is $(stat -c %s "$TMP/full.pcapng") bytes"
	expect "half-open connections on srv from $CLI4" "$(half_open "$CLI4")" 0
}

test_syn_full_sweep_ipv6() {
	np full6 tcp --syn "[$SRV6]:1-65535" --rate 50000 -q
	jqe "$TMP/full6.json" '.capture.dropped == 0'
	jqe "$TMP/full6.json" ".findings[0].metrics.open == $(listening "$SRV6")"
	expect "half-open connections on srv from $CLI6" "$(half_open "$CLI6")" 0
}

# A name: every address swept; the same address twice waits its turn (one
# source port for all).
test_syn_names_and_repeats() {
	np names tcp --syn server.lab:80-81 "$SRV4:81" "$SRV4:80,84" --deadline 20
	jqe "$TMP/names.json" "[.findings[] | select(.verdict == \"tcp.sweep\") | [.target, .address]] | sort == ([[\"server.lab:80-81\", \"$SRV4\"], [\"server.lab:80-81\", \"$SRV6\"], [\"$SRV4:81\", \"$SRV4\"], [\"$SRV4:80,84\", \"$SRV4\"]] | sort)"
	jqe "$TMP/names.json" "[.findings[] | select(.verdict == \"tcp.sweep\") | .metrics | [.open_ranges, .closed_ranges, .filtered_ranges]] | sort == [[\"\", \"\", \"81\"], [\"80\", \"\", \"81\"], [\"80\", \"\", \"81\"], [\"80\", \"84\", \"\"]]"
}

test_syn_bad_input() {
	usage_error tcp --syn "$SRV4:1-" | grep "target '$SRV4:1-': port list element '1-': a port is missing" >/dev/null
	usage_error tcp --syn "$SRV4:90-80" | grep "port range 90-80 runs backwards" >/dev/null
	usage_error tcp --syn "$SRV4:0-10" | grep "port 0 out of range" >/dev/null
	usage_error tcp --syn "$SRV4:80,,81" | grep "empty element" >/dev/null
	usage_error tcp --syn "$SRV4:65536" | grep "out of range (1-65535)" >/dev/null
	usage_error tcp --syn "$SRV4:" | grep "empty port list" >/dev/null
	usage_error tcp --syn "$SRV4:http" | grep "not a port or a range" >/dev/null
	usage_error tcp --syn --rate 0 "$SRV4:80" | grep -- "--rate '0': not a number of SYNs per second from 1 to 1000000" >/dev/null
	usage_error tcp --syn --rate 1000001 "$SRV4:80" | grep -- "--rate '1000001'" >/dev/null
	usage_error tcp --syn --rate x "$SRV4:80" >/dev/null
	usage_error tcp --rate 100 "$SRV4:80" | grep -- "--rate .* needs --syn" >/dev/null
	usage_error tcp "$SRV4:80-90" | grep "a list of ports needs 'netprobe tcp --syn'" >/dev/null
	usage_error tcp --syn --no-capture "$SRV4:80" | grep "packet capture" >/dev/null
	usage_error tcp --syn -6 "$SRV4:80" | grep "IPv4 address" >/dev/null
}

# Without CAP_NET_RAW nothing can be sent: an error finding says how to
# grant it (exit 3).
test_syn_needs_net_raw() {
	local rc=0
	"$LAB" exec cli runuser -u nobody -- "$NETPROBE" tcp --syn "$SRV4:80-82" --json - \
		>"$TMP/noraw.json" 2>"$TMP/noraw.err" || rc=$?
	expect "exit status without CAP_NET_RAW" "$rc" 3
	jqe "$TMP/noraw.json" '.findings | length == 1'
	jqe "$TMP/noraw.json" '.findings[0] | .verdict == "tcp.error" and .status == "error" and (.summary | test("SYN sweep .*needs CAP_NET_RAW.*setcap cap_net_raw\\+ep"))'
}
