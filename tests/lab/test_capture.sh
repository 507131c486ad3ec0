# SPDX-License-Identifier: GPL-3.0-or-later
# Packet evidence in the lab: who answered the SYN, from how far, with the
# frames in the saved pcapng to prove it.
# shellcheck shell=bash

# cap NAME ARGS...: netprobe in the client namespace with --json and --pcap.
cap() {
	local name=$1
	shift
	np "$name" "$@" --pcap "$TMP/$name.pcapng"
	[ -s "$TMP/$name.pcapng" ] || fail "no capture file"
}

# frame_has FILE FRAME FILTER: tshark's display filter holds for that frame.
frame_has() {
	local n
	n=$(tshark -r "$1" -Y "frame.number == $2 && ($3)" 2>/dev/null | wc -l)
	[ "$n" = 1 ] || fail "frame $2 of $1 does not match '$3'"
}

# The frame the finding for ADDRESS was decided by (its comment names the verdict).
deciding_frame() {
	jq -r --arg a "$2" '.findings[] | select(.address == $a) | .evidence[] | select(.text | test("^(reset|ICMP|SYN-ACK)")) | .frame' "$1" | head -1
}

test_capture_reset_by_firewall_is_rejected() {
	cap rst tcp "$SRV4:$PORT_RESET" "[$SRV6]:$PORT_RESET"
	expect "exit status" "$(rc_of rst)" 1
	jqe "$TMP/rst.json" "[.findings[] | select(.verdict == \"tcp.rejected\" and .metrics.sender_hop == 2 and .metrics.reply_ttl == 63)] | length == 2"
	jqe "$TMP/rst.json" ".findings[] | select(.address == \"$SRV4\") | .metrics.sender == \"$FW4\" and (.summary | test(\"2 hops away\"))"
	jqe "$TMP/rst.json" ".findings[] | select(.address == \"$SRV6\") | .metrics.sender == \"$FW6\""
	# The reset frame carries the target's address and the verdict's comment.
	local f
	f=$(deciding_frame "$TMP/rst.json" "$SRV4")
	frame_has "$TMP/rst.pcapng" "$f" "tcp.flags.reset == 1 && ip.src == $SRV4 && ip.ttl == 63 && frame.comment contains \"tcp.rejected\""
	# The TTL series: time exceeded from the firewall at hop 2 names it.
	f=$(jq -r '.findings[] | select(.address == "'"$SRV4"'") | .evidence[] | select(.text | test("time exceeded")) | .frame' "$TMP/rst.json")
	frame_has "$TMP/rst.pcapng" "$f" "icmp.type == 11 && ip.src == $FW4"
}

test_capture_icmp_prohibited_is_rejected() {
	cap prohib tcp "$SRV4:$PORT_ICMP" "[$SRV6]:$PORT_ICMP"
	jqe "$TMP/prohib.json" "[.findings[] | select(.verdict == \"tcp.rejected\" and .metrics.sender_hop == 2)] | length == 2"
	jqe "$TMP/prohib.json" ".findings[] | select(.address == \"$SRV4\") | .metrics.sender == \"$FW4\" and (.summary | test(\"administratively prohibited\"))"
	jqe "$TMP/prohib.json" ".findings[] | select(.address == \"$SRV6\") | .metrics.sender == \"$FW6\""
	frame_has "$TMP/prohib.pcapng" "$(deciding_frame "$TMP/prohib.json" "$SRV4")" "icmp.type == 3 && icmp.code == 13 && ip.src == $FW4"
	frame_has "$TMP/prohib.pcapng" "$(deciding_frame "$TMP/prohib.json" "$SRV6")" "icmpv6.type == 1 && icmpv6.code == 1 && ipv6.src == $FW6"
}

test_capture_port_unreachable_from_router_is_rejected() {
	cap punr tcp "$SRV4:$PORT_PORTUNREACH" "[$SRV6]:$PORT_PORTUNREACH"
	jqe "$TMP/punr.json" "[.findings[] | select(.verdict == \"tcp.rejected\" and .metrics.sender_hop == 2 and (.summary | test(\"port unreachable\")))] | length == 2"
	jqe "$TMP/punr.json" ".findings[] | select(.address == \"$SRV4\") | .metrics.sender == \"$FW4\""
}

test_capture_reset_by_target_is_refused() {
	cap own tcp "$SRV4:$PORT_CLOSED" "[$SRV6]:$PORT_CLOSED"
	jqe "$TMP/own.json" "[.findings[] | select(.verdict == \"tcp.refused\" and .metrics.sender_hop == 4 and .metrics.reply_ttl == 61 and .metrics.target_ttl == 61)] | length == 2"
	jqe "$TMP/own.json" ".findings[] | select(.address == \"$SRV4\") | .metrics.sender == \"$SRV4\" and (.summary | test(\"target itself\"))"
	frame_has "$TMP/own.pcapng" "$(deciding_frame "$TMP/own.json" "$SRV4")" "tcp.flags.reset == 1 && ip.src == $SRV4 && ip.ttl == 61 && frame.comment contains \"tcp.refused\""
}

test_capture_filtered_shows_the_syns() {
	cap silent tcp --timeout 2 "$SRV4:$PORT_DROP"
	jqe "$TMP/silent.json" '.findings[0] | .verdict == "tcp.filtered" and .metrics.sender_hop == null and .metrics.sender == null'
	# The SYN and its retransmission (after 1 s), each a frame of the capture.
	jqe "$TMP/silent.json" '.findings[0].evidence | length >= 2 and all(.text | test("^SYN"))'
	local f
	for f in $(jq -r '.findings[0].evidence[].frame' "$TMP/silent.json"); do
		frame_has "$TMP/silent.pcapng" "$f" "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.dst == $SRV4 && frame.comment contains \"tcp.filtered\""
	done
}

test_capture_unreachable_names_the_router() {
	cap unr tcp "$NOROUTE4:80" "[$NOROUTE6]:80"
	jqe "$TMP/unr.json" "[.findings[] | select(.verdict == \"tcp.unreachable\" and .metrics.sender_hop == 3)] | length == 2"
	jqe "$TMP/unr.json" ".findings[] | select(.address == \"$NOROUTE4\") | .metrics.sender == \"$EDGE4\""
	jqe "$TMP/unr.json" ".findings[] | select(.address == \"$NOROUTE6\") | .metrics.sender == \"$EDGE6\""
	# Decided by the ICMPv6 packet at once, not by the socket a second later
	# (Linux may lose the ICMP for a socket whose connect() still holds it).
	jqe "$TMP/unr.json" ".findings[] | select(.address == \"$NOROUTE6\") | .metrics.elapsed_ms < 500"
	# Linux routers send "no route" ICMPv4 at most once a second per source
	# (ip_error()'s own limit, not icmp_ratelimit): the first SYN's may be
	# suppressed, then the retransmission's decides.
	jqe "$TMP/unr.json" ".findings[] | select(.address == \"$NOROUTE4\") | .metrics.elapsed_ms < 2000"
}

test_capture_ok_knows_the_target_distance() {
	cap fine tcp "$SRV4:$PORT_OPEN" "[$SRV6]:$PORT_OPEN"
	expect "exit status" "$(rc_of fine)" 0
	jqe "$TMP/fine.json" '[.findings[] | select(.verdict == "tcp.ok" and .metrics.target_ttl == 61 and .metrics.sender_hop == 4)] | length == 2'
	jqe "$TMP/fine.json" ".capture.active == true and .capture.file == \"$TMP/fine.pcapng\" and .capture.dropped == 0 and .capture.packets > 0"
	# tcpdump and libpcap read the file too.
	tcpdump -r "$TMP/fine.pcapng" -n 2>/dev/null | grep "$SRV4" >/dev/null || fail "tcpdump cannot read the capture"
}

test_capture_privileges_dropped() {
	local pid st
	ip netns exec "$NS_CLI" "$NETPROBE" tcp --timeout 3 "$SRV4:$PORT_DROP" -q --json "$TMP/priv.json" \
		>/dev/null 2>&1 &
	pid=$!
	sleep 1
	st=$(cat "/proc/$pid/status")
	wait "$pid" || true
	grep -q '^CapEff:[[:space:]]*0000000000000000$' <<<"$st" || fail "capabilities kept: $(grep ^Cap <<<"$st")"
	grep -q '^CapPrm:[[:space:]]*0000000000000000$' <<<"$st" || fail "permitted capabilities kept"
	grep -q "^Uid:[[:space:]]*$(id -u nobody)[[:space:]]" <<<"$st" || fail "still root: $(grep ^Uid <<<"$st")"
	jqe "$TMP/priv.json" '.capture.active == true'
}

test_capture_without_privilege_still_runs() {
	# An ordinary user with no capability: no capture, every probe still
	# runs, and each finding says that evidence is missing and how to grant it.
	local rc=0
	ip netns exec "$NS_CLI" setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$NETPROBE" tcp "$SRV4:$PORT_OPEN" "$SRV4:$PORT_RESET" --json - >"$TMP/unpriv.json" 2>"$TMP/unpriv.err" || rc=$?
	expect "exit status" "$rc" 1
	jqe "$TMP/unpriv.json" '.capture.active == false and (.capture.unavailable | length > 0)'
	jqe "$TMP/unpriv.json" '[.findings[] | .evidence[0].text | test("setcap cap_net_raw")] | all'
	jqe "$TMP/unpriv.json" '[.findings[].verdict] == ["tcp.ok", "tcp.refused"]'
	grep -q "setcap cap_net_raw" "$TMP/unpriv.err" || fail "no advice on stderr: $(cat "$TMP/unpriv.err")"
	# --pcap cannot be honoured without capture: an error, before any probe.
	rc=0
	ip netns exec "$NS_CLI" setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$NETPROBE" tcp "$SRV4:$PORT_OPEN" --pcap /tmp/netprobe-unpriv-$$.pcapng >/dev/null 2>"$TMP/unpriv2.err" || rc=$?
	rm -f /tmp/netprobe-unpriv-$$.pcapng
	expect "exit status with --pcap" "$rc" 3
	grep -q -- "--pcap" "$TMP/unpriv2.err" || fail "$(cat "$TMP/unpriv2.err")"
}

test_capture_interrupt_still_writes_the_pcap() {
	local pid rc=0
	ip netns exec "$NS_CLI" "$NETPROBE" tcp --timeout 30 "$SRV4:$PORT_DROP" "$SRV4:$PORT_RESET" \
		--json "$TMP/intp.json" --pcap "$TMP/intp.pcapng" >/dev/null 2>&1 &
	pid=$!
	sleep 1.5
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	expect "exit status after SIGTERM" "$rc" 143
	jqe "$TMP/intp.json" '.interrupted == "SIGTERM" and .capture.packets >= 3'
	jqe "$TMP/intp.json" '[.findings[].verdict] | sort == ["run.interrupted", "tcp.rejected"]'
	# What was captured before the signal is in the file, comments included.
	tshark -r "$TMP/intp.pcapng" -Y 'frame.comment contains "tcp.rejected"' 2>/dev/null | grep . >/dev/null ||
		fail "no commented frame in the interrupted capture"
}

# 300 TLS endpoints at once (tls.lab's address, 300 ports, ECDSA), the
# run `make bench` measures: the capture keeps up with every packet (its
# ring holds the whole burst) and every finding keeps the frames it cites
# (the SYN-ACK and our ClientHello), in the saved file.
test_capture_300_tls_endpoints_lose_no_packet() {
	local n=300 base=9400 p ngx
	{
		echo "daemon off; master_process on; worker_processes 2; pid $TMP/c300.nginx.pid;"
		echo "error_log $TMP/c300.error.log; events { worker_connections 2048; }"
		echo "http { access_log off; client_body_temp_path $TMP/c300.cb; proxy_temp_path $TMP/c300.px;"
		echo "  fastcgi_temp_path $TMP/c300.fc; uwsgi_temp_path $TMP/c300.uw; scgi_temp_path $TMP/c300.sc;"
		echo "  ssl_certificate $NP_LAB/pki/$TLS_GOOD_NAME.chain.pem; ssl_certificate_key $NP_LAB/pki/leaf.key;"
		echo "  server {"
		for p in $(seq "$base" $((base + n - 1))); do echo "    listen $TLS_GOOD4:$p ssl;"; done
		echo "    location / { return 200 \"ok\\n\"; } } }"
	} >"$TMP/c300.nginx.conf"
	ip netns exec "$NS_SRV" nginx -c "$TMP/c300.nginx.conf" >/dev/null 2>&1 </dev/null &
	ngx=$!
	# shellcheck disable=SC2064
	trap "kill $ngx 2>/dev/null || true; wait $ngx 2>/dev/null || true" EXIT
	for _ in $(seq 1 200); do
		[ "$(ip netns exec "$NS_SRV" ss -ltnH "sport >= :$base and sport < :$((base + n))" | wc -l)" -ge "$n" ] && break
		sleep 0.05
	done
	for p in $(seq "$base" $((base + n - 1))); do echo "$TLS_GOOD_NAME:$p"; done >"$TMP/c300.targets"
	cap c300 tls --ca "$LAB_CA" -4 --parallel "$n" --targets-file "$TMP/c300.targets"
	jqe "$TMP/c300.json" "[.findings[] | select(.verdict == \"tls.ok\")] | length == $n"
	jqe "$TMP/c300.json" '.capture | .dropped == 0 and .kernel_dropped == 0 and .not_kept == 0 and .packets > 3000'
	jqe "$TMP/c300.json" '[.findings[] | select(.verdict == "capture.dropped")] | length == 0'
	# Every finding cites the SYN-ACK and the ClientHello by frame...
	jqe "$TMP/c300.json" '[.findings[] | [.evidence[] | select(.frame != null) | .text] |
		(any(test("^SYN-ACK")) and any(test("^our ClientHello")))] | all'
	# ... and the file has them there, commented with the verdict.
	jq -r '.findings[].evidence[] | select(.frame != null) | .frame' "$TMP/c300.json" | sort -n >"$TMP/c300.frames"
	tshark -r "$TMP/c300.pcapng" -Y 'frame.comment contains "tls.ok"' -T fields -e frame.number 2>/dev/null |
		sort -n >"$TMP/c300.commented"
	expect "frames cited" "$(wc -l <"$TMP/c300.frames")" $((2 * n))
	cmp -s "$TMP/c300.frames" "$TMP/c300.commented" || fail "cited frames and commented frames differ"
	[ "$(tshark -r "$TMP/c300.pcapng" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 1 && frame.comment contains "tls.ok"' \
		2>/dev/null | wc -l)" = "$n" ] || fail "not every cited SYN-ACK frame is a SYN-ACK"
}

# Ten thousand names through the lab's unbound with the default options:
# no packet lost, and every finding cites its query and its answer by
# frame, each of which is, in the saved file, that very message (ID and
# name as tshark reads them) and carries the verdict as its comment.
test_capture_10000_dns_names_lose_no_packet() {
	local n=10000
	for i in $(seq 1 "$n"); do echo "c$i.bench.example.net"; done >"$TMP/d10k.names"
	cap d10k dns --type A --resolver "$DNS_GOOD4" --targets-file "$TMP/d10k.names"
	jqe "$TMP/d10k.json" "[.findings[] | select(.verdict == \"dns.nxdomain\")] | length == $n"
	jqe "$TMP/d10k.json" '.capture | .dropped == 0 and .kernel_dropped == 0 and .not_kept == 0'
	# (in a ring of 1024 slots: four packets for each of 256 queries in flight)
	jqe "$TMP/d10k.json" '.capture.ring_slots == 1024'
	jqe "$TMP/d10k.json" '[.findings[] | select(.verdict == "capture.dropped")] | length == 0'
	jqe "$TMP/d10k.json" '[.findings[] | select(.verdict == "dns.nxdomain") |
		[.evidence[] | select(.frame != null) | .text] |
		(any(test("^query ID 0x")) and any(test("^answer ID 0x[0-9a-f]{4}: NXDOMAIN")))] | all'
	# "FRAME ID NAME" as the findings cite them, and as tshark reads the file
	jq -r '.findings[] | select(.verdict == "dns.nxdomain") | .target as $t | .evidence[] |
		select(.frame != null) | "\(.frame) \(.text | capture("ID (?<id>0x[0-9a-f]+)").id) \($t | split(" ")[0])"' \
		"$TMP/d10k.json" | sort -n >"$TMP/d10k.cited"
	tshark -r "$TMP/d10k.pcapng" -Y 'frame.comment contains "dns.nxdomain"' -T fields -e frame.number \
		-e dns.id -e dns.qry.name 2>/dev/null | awk '{ print $1, $2, $3 }' | sort -n >"$TMP/d10k.file"
	cmp -s "$TMP/d10k.cited" "$TMP/d10k.file" || fail "cited frames differ from the file's: $(diff "$TMP/d10k.cited" "$TMP/d10k.file" | head -3)"
	# Every query and answer of these names in the file is cited: one of
	# each per name, and any query asked again after its timer fired
	# (a loaded machine can delay an answer past it) with its answer.
	tshark -r "$TMP/d10k.pcapng" -Y 'dns.qry.name matches "^c[0-9]+\\.bench\\.example\\.net$"' -T fields \
		-e frame.number 2>/dev/null | sort -n >"$TMP/d10k.dns"
	[ "$(wc -l <"$TMP/d10k.cited")" -ge $((2 * n)) ] || fail "only $(wc -l <"$TMP/d10k.cited") frames cited for $n names"
	cut -d' ' -f1 "$TMP/d10k.cited" | cmp -s - "$TMP/d10k.dns" ||
		fail "DNS frames of the file not cited: $(cut -d' ' -f1 "$TMP/d10k.cited" | diff - "$TMP/d10k.dns" | head -3)"
}

# A DNS server that truncates every UDP answer, then streams an answer
# that never ends on TCP (fixtures/lab/dns_flood.py): the run ends within
# its timeout, netprobe's memory stays under the bound README gives
# (the process, its ring, and what the evidence budget lets one flow hold),
# and the finding names the flood rather than an unanswered SYN.
test_capture_tcp_dns_flood_is_bounded_and_named() {
	local port=5353 srv pid kb rc=0 budget_mb
	ip netns exec "$NS_SRV" python3 "$(dirname "$LAB")/dns_flood.py" "$SRV4" "$port" >"$TMP/flood.log" 2>&1 &
	srv=$!
	# shellcheck disable=SC2064
	trap "kill $srv 2>/dev/null || true; wait $srv 2>/dev/null || true" EXIT
	for _ in $(seq 1 100); do
		ip netns exec "$NS_SRV" ss -ltnH "sport = :$port" | grep . >/dev/null && break
		sleep 0.05
	done
	for budget_mb in 8 256; do
		rc=0
		/usr/bin/time -f '%M %e' -o "$TMP/flood.$budget_mb.time" ip netns exec "$NS_CLI" "$NETPROBE" dns \
			www.example.net --type A --resolver "$SRV4:$port" --timeout 3 --pcap-max "$budget_mb" \
			--json "$TMP/flood.$budget_mb.json" >"$TMP/flood.$budget_mb.out" 2>&1 || rc=$?
		expect "exit status (--pcap-max $budget_mb)" "$rc" 1
		# (time says "Command exited with non-zero status 1" first.)
		read -r kb secs < <(tail -1 "$TMP/flood.$budget_mb.time")
		# (the other finding: the rewrite probe's random name, unanswered)
		jqe "$TMP/flood.$budget_mb.json" '[.findings[] | select(.verdict == "dns.tcp_blocked")] | length == 1'
		jqe "$TMP/flood.$budget_mb.json" '[.findings[] | select(.verdict == "dns.tcp_blocked")][0] |
			(.summary | test("the TCP answer never ended: [0-9]+ bytes in [0-9.]+ s")) and
			(.summary | test("unanswered") | not)'
		# With 8 MiB the flow's share (1 MiB) is spent within a second.
		[ "$budget_mb" != 8 ] || jqe "$TMP/flood.$budget_mb.json" '[.findings[] | select(.verdict == "dns.tcp_blocked")][0] | .metrics.not_kept > 0 and
			any(.evidence[]; .text | test("counted but not kept"))'
		# The bound README states: 16 MiB for the process and its ring
		# (2 MiB here), plus what one flow may hold: an eighth of the
		# budget, and a sixty-fourth for the packets that prove something.
		local bound_kb=$((16 * 1024 + budget_mb * 1024 / 8 + budget_mb * 1024 / 64))
		jqe "$TMP/flood.$budget_mb.json" ".capture.held_peak_bytes <= $budget_mb * 1048576"
		# An ASan build's shadow memory and quarantine are not netprobe's:
		# the bound is checked on the release build (held_peak_bytes, the
		# capture's own count, is checked on both).
		[ "${NP_SANITIZE:-0}" = 1 ] || [ "$kb" -le "$bound_kb" ] ||
			fail "peak RSS $kb KiB over the bound $bound_kb KiB (--pcap-max $budget_mb)"
		awk -v s="$secs" 'BEGIN{exit !(s < 10)}' || fail "took $secs s with a 3 s timeout"
	done
}
