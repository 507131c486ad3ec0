# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe idle in the lab: scaled ladders (1,2,4,5 s) against a firewall
# that forgets idle flows after IDLE_RESET_S (3 s), a server and a proxy that
# close idle connections after 3 s, and no limit; direct and through proxies.
# shellcheck shell=bash

LADDER=1,2,4,5

# idle_rung FILE PATH IDLE_S: the rung's finding (one line of JSON)
idle_rung() {
	jq -c --arg p "$2" --argjson s "$3" \
		'[.findings[] | select(.metrics.scope == "rung" and .metrics.path == $p and .metrics.idle_s == $s)] |
		 if length == 1 then .[0] else "\(length) findings" end' "$1"
}

# idle_overall FILE PATH: the path's overall finding
idle_overall() {
	jq -c --arg p "$2" '[.findings[] | select(.metrics.scope == "overall" and .metrics.path == $p)] |
		 if length == 1 then .[0] else "\(length) findings" end' "$1"
}

test_idle_firewall_reset_is_bracketed_and_placed() {
	np ireset idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_RESET" -4 --ladder "$LADDER" --idle 4 \
		--pcap "$TMP/ireset.pcapng"
	expect "exit status" "$(rc_of ireset)" 1
	local o
	for s in 1 2; do
		expect "rung $s" "$(idle_rung "$TMP/ireset.json" direct $s | jq -r .verdict)" idle.survived
	done
	o=$(idle_rung "$TMP/ireset.json" direct 4)
	jq -e '.verdict == "idle.reset_by_path" and .status == "fail" and .metrics.hop == 2' <<<"$o" >/dev/null ||
		fail "4 s rung: $o"
	# above the requirement: informational
	jq -e '.verdict == "idle.reset_by_path" and .status == "warn"' <<<"$(idle_rung "$TMP/ireset.json" direct 5)" \
		>/dev/null || fail "5 s rung: $(idle_rung "$TMP/ireset.json" direct 5)"
	o=$(idle_overall "$TMP/ireset.json" direct)
	jq -e '.verdict == "idle.reset_by_path" and .status == "fail" and .metrics.survived_s == 2 and
		.metrics.lost_s == 4 and .metrics.required_s == 4 and (.summary | test("between 2 and 4 s")) and
		(.summary | test("hop 2"))' <<<"$o" >/dev/null || fail "overall: $o"
	# the reset is in the pcapng, commented with the verdict
	local f
	f=$(idle_rung "$TMP/ireset.json" direct 4 | jq -r '.evidence[0].frame')
	[ "$(tshark -r "$TMP/ireset.pcapng" -Y "frame.number == $f && tcp.flags.reset == 1 && frame.comment contains \"idle.reset_by_path\"" 2>/dev/null | wc -l)" = 1 ] ||
		fail "frame $f is not the commented reset"
}

test_idle_firewall_drop_is_seen_as_unacked_retransmissions() {
	np idrop idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_DROP" -4 --ladder 2,4 --idle 4 --timeout 2 \
		--pcap "$TMP/idrop.pcapng"
	expect "exit status" "$(rc_of idrop)" 1
	expect "2 s rung" "$(idle_rung "$TMP/idrop.json" direct 2 | jq -r .verdict)" idle.survived
	local o
	o=$(idle_rung "$TMP/idrop.json" direct 4)
	jq -e '.verdict == "idle.dropped" and .metrics.retransmits >= 1 and (.evidence | length) == 2' <<<"$o" \
		>/dev/null || fail "4 s rung: $o"
	# the last evidence frame is one of our retransmissions
	local f
	f=$(jq -r '.evidence[1].frame' <<<"$o")
	[ "$(tshark -r "$TMP/idrop.pcapng" -Y "frame.number == $f && tcp.analysis.retransmission" 2>/dev/null | wc -l)" = 1 ] ||
		fail "frame $f is not a retransmission"
	jqe "$TMP/idrop.json" '[.findings[] | select(.metrics.scope == "overall")][0] | .verdict == "idle.dropped" and .metrics.lost_s == 4'
}

test_idle_no_limit_passes_in_one_idle_period() {
	np iopen idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_OPEN" -4 --ladder "$LADDER" --idle 4
	expect "exit status" "$(rc_of iopen)" 0
	jqe "$TMP/iopen.json" '[.findings[] | select(.metrics.scope == "rung") | .verdict] == ["idle.survived", "idle.survived", "idle.survived", "idle.survived"]'
	jqe "$TMP/iopen.json" '[.findings[] | select(.metrics.scope == "rung") | .metrics.silence_s] | all(. >= 1)'
	local o
	o=$(idle_overall "$TMP/iopen.json" direct)
	jq -e '.status == "pass" and .metrics.survived_s == 5 and .metrics.lost_s == null' <<<"$o" >/dev/null ||
		fail "overall: $o"
	# all rungs at once: the run costs the longest rung, not the sum
	jqe "$TMP/iopen.json" '.duration_ms >= 5000 and .duration_ms < 7000'
}

test_idle_server_closing_is_not_the_network() {
	np iserver idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_SERVER" -4 --ladder 2,5 --idle 4 --pcap "$TMP/iserver.pcapng"
	expect "exit status" "$(rc_of iserver)" 0
	local o
	o=$(idle_rung "$TMP/iserver.json" direct 5)
	# timed when the FIN came, not when the silence ended
	jq -e --argjson n "$IDLE_SERVER_S" '.verdict == "idle.closed_by_peer" and .status == "warn" and
		.metrics.closed_after_s >= $n - 0.5 and .metrics.closed_after_s < $n + 0.9 and
		(.summary | test("not the network")) and (.advice | test("not a firewall"))' <<<"$o" >/dev/null ||
		fail "5 s rung: $o"
	o=$(idle_overall "$TMP/iserver.json" direct)
	jq -e '.verdict == "idle.closed_by_peer" and .status == "warn" and .metrics.survived_s == 2 and
		.metrics.lost_s == null and (.summary | test("proven up to 2 s")) and (.summary | test("responder"))' \
		<<<"$o" >/dev/null || fail "overall: $o"
	local f
	f=$(idle_rung "$TMP/iserver.json" direct 5 | jq -r '.evidence[0].frame')
	[ "$(tshark -r "$TMP/iserver.pcapng" -Y "frame.number == $f && tcp.flags.fin == 1 && ip.src == $TLS_GOOD4" 2>/dev/null | wc -l)" = 1 ] ||
		fail "frame $f is not the server's FIN"
}

test_idle_through_proxies() {
	# one report: a proxy that closes idle tunnels, one whose client-side
	# flows the firewall forgets, an open one in front of a closing server
	np iprox idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_OPEN" -4 --ladder 2,4 --idle 4 --timeout 2 \
		--proxy "$PROXY_IDLE" --proxy "$PROXY_FWIDLE" --proxy none
	expect "exit status" "$(rc_of iprox)" 1
	jq -e '.verdict == "idle.closed_by_proxy" and .status == "warn" and (.metrics.closed_after_s | . > 2 and . < 3.9)' \
		<<<"$(idle_rung "$TMP/iprox.json" "$PROXY_IDLE" 4)" >/dev/null ||
		fail "idle proxy: $(idle_rung "$TMP/iprox.json" "$PROXY_IDLE" 4)"
	expect "idle proxy, overall" "$(idle_overall "$TMP/iprox.json" "$PROXY_IDLE" | jq -r '.status')" warn
	expect "fw-forgotten proxy" "$(idle_rung "$TMP/iprox.json" "$PROXY_FWIDLE" 4 | jq -r .verdict)" idle.dropped
	expect "fw-forgotten proxy, overall" "$(idle_overall "$TMP/iprox.json" "$PROXY_FWIDLE" | jq -r .status)" fail
	expect "direct" "$(idle_overall "$TMP/iprox.json" direct | jq -r .status)" pass
	# the server closing behind an open proxy: its TLS close_notify comes
	# through the tunnel, so the server is named, not the proxy
	np iprox2 idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_SERVER" -4 --ladder 5 --idle 4 --proxy "$PROXY_OPEN"
	jq -e '.verdict == "idle.closed_by_peer" and (.summary | test("passed on by the proxy"))' \
		<<<"$(idle_rung "$TMP/iprox2.json" "$PROXY_OPEN" 5)" >/dev/null ||
		fail "server behind the proxy: $(idle_rung "$TMP/iprox2.json" "$PROXY_OPEN" 5)"
}

test_idle_without_capture() {
	# No capture: a reset's origin cannot be told; a drop is read from
	# TCP_INFO (unacknowledged data).
	np inocap idle --no-capture --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_RESET" -4 --ladder 4 --idle 4
	jq -e '.verdict == "idle.reset" and (.summary | test("cannot be told"))' \
		<<<"$(idle_rung "$TMP/inocap.json" direct 4)" >/dev/null || fail "reset: $(idle_rung "$TMP/inocap.json" direct 4)"
	np inocap2 idle --no-capture --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_DROP" -4 --ladder 4 --idle 4 --timeout 2
	jq -e '.verdict == "idle.dropped" and .metrics.unacked >= 1 and .metrics.retransmits >= 1' \
		<<<"$(idle_rung "$TMP/inocap2.json" direct 4)" >/dev/null || fail "drop: $(idle_rung "$TMP/inocap2.json" direct 4)"
}

test_idle_interrupt_writes_what_is_known() {
	local pid rc=0
	ip netns exec "$NS_CLI" "$NETPROBE" idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_OPEN" -4 --ladder 1,60 \
		--json "$TMP/iint.json" --pcap "$TMP/iint.pcapng" >/dev/null 2>&1 &
	pid=$!
	sleep 2.5
	kill -INT "$pid"
	wait "$pid" || rc=$?
	expect "exit status after SIGINT" "$rc" 130
	jqe "$TMP/iint.json" '.interrupted == "SIGINT"'
	expect "1 s rung" "$(idle_rung "$TMP/iint.json" direct 1 | jq -r .verdict)" idle.survived
	expect "60 s rung" "$(idle_rung "$TMP/iint.json" direct 60 | jq -r .verdict)" run.interrupted
	[ "$(tshark -r "$TMP/iint.pcapng" 2>/dev/null | wc -l)" -ge 10 ] || fail "the capture is missing"
}

test_idle_many_connections_per_rung() {
	np iconns idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_RESET" -4 --ladder 2,4 --idle 4 --conns 10
	expect "exit status" "$(rc_of iconns)" 1
	jq -e '.verdict == "idle.survived" and .metrics.connections == 10 and .metrics.survived == 10' \
		<<<"$(idle_rung "$TMP/iconns.json" direct 2)" >/dev/null || fail "2 s rung: $(idle_rung "$TMP/iconns.json" direct 2)"
	jq -e '.verdict == "idle.reset_by_path" and .metrics.lost == 10 and (.summary | startswith("10 of 10 connections lost"))' \
		<<<"$(idle_rung "$TMP/iconns.json" direct 4)" >/dev/null || fail "4 s rung: $(idle_rung "$TMP/iconns.json" direct 4)"
}

# Two local ports for four connections: two never get to the silence.
# Their silence was never tested, so the rung and the path are warnings,
# not the pass the two that did survive would make them, and the rung says
# why the others failed.
test_idle_connections_that_never_opened_are_not_a_pass() {
	local range
	range=$(ip netns exec "$NS_CLI" sysctl -n net.ipv4.ip_local_port_range)
	ip netns exec "$NS_CLI" sysctl -qw net.ipv4.ip_local_port_range="61000 61001" || fail "cannot narrow the port range"
	np iports idle --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --ladder 1 --idle 1 --conns 4
	ip netns exec "$NS_CLI" sysctl -qw net.ipv4.ip_local_port_range="$range" || fail "cannot restore the port range"
	jq -e '.verdict == "idle.survived" and .status == "warn" and .metrics.survived == 2 and .metrics.no_outcome == 2 and
		(.summary | test("2 never got to the silence and tested nothing \\(the first: this host: Cannot assign requested address\\)"))' \
		<<<"$(idle_rung "$TMP/iports.json" direct 1)" >/dev/null || fail "1 s rung: $(idle_rung "$TMP/iports.json" direct 1)"
	jq -e '.status == "warn" and (.summary | test("some connections never got to the silence"))' \
		<<<"$(idle_overall "$TMP/iports.json" direct)" >/dev/null || fail "overall: $(idle_overall "$TMP/iports.json" direct)"
}

test_idle_waiting_connections_that_fail_at_once_do_not_recurse() {
	# 256 local ports for 3,000 connections: the first 256 take every port
	# and set up together (the most that may), the rest wait their turn.
	# Each one set up lets the next waiting one start, which fails at once
	# (no local port) and ends: 2,744 such ends in a row once recursed, a
	# stack frame chain each, and overflowed a 1 MiB stack (SIGSEGV).
	local range rc=0
	range=$(ip netns exec "$NS_CLI" sysctl -n net.ipv4.ip_local_port_range)
	ip netns exec "$NS_CLI" sysctl -qw net.ipv4.ip_local_port_range="61100 61355" || fail "cannot narrow the port range"
	"$LAB" exec cli bash -c 'ulimit -s 1024 && exec "$@"' idle-stack "$NETPROBE" idle --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 \
		--ladder 1 --idle 1 --conns 3000 --json "$TMP/istack.json" >"$TMP/istack.out" 2>&1 || rc=$?
	ip netns exec "$NS_CLI" sysctl -qw net.ipv4.ip_local_port_range="$range" || fail "cannot restore the port range"
	expect "exit status (with a 1 MiB stack)" "$rc" 0
	# (at most 256 hold a port; fewer if one is still in TIME_WAIT)
	jq -e '.verdict == "idle.survived" and .status == "warn" and .metrics.survived > 0 and .metrics.survived <= 256 and
		.metrics.survived + .metrics.no_outcome == 3000' \
		<<<"$(idle_rung "$TMP/istack.json" direct 1)" >/dev/null || fail "1 s rung: $(idle_rung "$TMP/istack.json" direct 1)"
}

test_idle_tcp_against_the_responder() {
	# The clean measurement: netprobe's responder beyond the firewall never
	# closes an idle connection, so only the network can lose one.
	ip netns exec "$NS_SRV" "$NETPROBE" responder --listen "$TLS_GOOD4:$PORT_IDLE_RESP" >"$TMP/iresp.log" 2>&1 &
	IDLE_RESP_PID=$!
	trap 'kill "$IDLE_RESP_PID" 2>/dev/null || true; wait "$IDLE_RESP_PID" 2>/dev/null || true' EXIT
	for _ in $(seq 1 50); do
		ip netns exec "$NS_SRV" ss -ltnH "sport = :$PORT_IDLE_RESP" | grep . >/dev/null && break
		sleep 0.1
	done
	np itcp idle --tcp "$TLS_GOOD4:$PORT_IDLE_RESP" -4 --ladder 2,4 --idle 4 --timeout 2
	expect "exit status" "$(rc_of itcp)" 1
	jq -e '.verdict == "idle.survived" and .metrics.mode == "tcp"' <<<"$(idle_rung "$TMP/itcp.json" direct 2)" \
		>/dev/null || fail "2 s rung: $(idle_rung "$TMP/itcp.json" direct 2)"
	expect "4 s rung" "$(idle_rung "$TMP/itcp.json" direct 4 | jq -r .verdict)" idle.dropped
	jqe "$TMP/itcp.json" '[.findings[] | select(.metrics.scope == "overall")][0] | .status == "fail" and .metrics.lost_s == 4 and .metrics.survived_s == 2'
}

test_idle_no_connection_says_why() {
	# nothing listens on PORT_CLOSED; the proxy wants credentials
	np inoconn idle "$SRV4:$PORT_CLOSED" --ladder 1 --idle 1 --timeout 2
	expect "exit status" "$(rc_of inoconn)" 3
	jq -e '.verdict == "idle.no_connection" and .status == "error" and (.summary | test("connect: Connection refused"))' \
		<<<"$(idle_rung "$TMP/inoconn.json" direct 1)" >/dev/null || fail "closed port: $(idle_rung "$TMP/inoconn.json" direct 1)"
	np inoconn2 idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_OPEN" -4 --ladder 1 --idle 1 --proxy "$PROXY_AUTH_NOCREDS"
	jq -e '.verdict == "proxy.auth_required" and .status == "fail" and (.summary | test("407"))' \
		<<<"$(idle_rung "$TMP/inoconn2.json" "$PROXY_AUTH_NOCREDS" 1)" >/dev/null ||
		fail "proxy: $(idle_rung "$TMP/inoconn2.json" "$PROXY_AUTH_NOCREDS" 1)"
	# proxies that answer garbage, or a head that never ends: what came
	# back is said, not "no answer"
	np inoconn3 idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_OPEN" -4 --ladder 1 --idle 1 --timeout 2 \
		--proxy "$PROXY_GARBAGE" --proxy "$PROXY_SLOW" --proxy "$PROXY_BROKEN"
	local o
	o=$(idle_rung "$TMP/inoconn3.json" "$PROXY_GARBAGE" 1)
	jq -e '.verdict == "idle.no_connection" and (.summary | contains("not HTTP") and contains("17 bytes") and
		contains("\\x15\\x03"))' <<<"$o" >/dev/null || fail "garbage proxy: $o"
	o=$(idle_rung "$TMP/inoconn3.json" "$PROXY_SLOW" 1)
	jq -e '.verdict == "idle.no_connection" and (.summary | contains("no complete answer") and
		contains("X-Lab-Slow-1") and (contains("no answer") | not))' <<<"$o" >/dev/null || fail "slow proxy: $o"
	o=$(idle_rung "$TMP/inoconn3.json" "$PROXY_BROKEN" 1)
	jq -e '.verdict == "idle.no_connection" and (.summary | contains("16384 bytes") and contains("X-Lab-Endless"))' \
		<<<"$o" >/dev/null || fail "endless header: $o"
}

test_idle_sni_names_the_certificate_to_verify() {
	# By address with the service's name: the name is sent and verified.
	np isni idle --ca "$LAB_CA" --sni "$TLS_GOOD_NAME" "$TLS_GOOD4:$PORT_IDLE_OPEN" --ladder 1 --idle 1
	expect "exit status" "$(rc_of isni)" 0
	local o
	o=$(idle_overall "$TMP/isni.json" direct)
	jq -e --arg n "$TLS_GOOD_NAME" '.verdict == "idle.survived" and .metrics.sni == $n and
		.metrics.verified_name == $n and .metrics.certificate_problems == []' <<<"$o" >/dev/null ||
		fail "--sni $TLS_GOOD_NAME: $o"
	# A name the certificate is not for: said, and named (the silence is
	# still measured: that is idle's question).
	np isni2 idle --ca "$LAB_CA" --sni "$TLS_WRONG_CERT_NAME" "$TLS_GOOD4:$PORT_IDLE_OPEN" --ladder 1 --idle 1
	o=$(idle_overall "$TMP/isni2.json" direct)
	jq -e --arg n "$TLS_WRONG_CERT_NAME" '.verdict == "idle.survived" and .metrics.verified_name == $n and
		(.metrics.certificate_problems | index("hostname mismatch")) != null and
		(.summary | contains($n))' <<<"$o" >/dev/null || fail "--sni $TLS_WRONG_CERT_NAME: $o"
}

test_idle_an_answer_after_the_silence_that_is_not_one_is_said() {
	# Stand-in responders (--tcp): each echoes the first request as NPR/1
	# does, then answers the request after the silence with half a line
	# (7003) or with a line of garbage (7004); 7005 answers the first
	# request with garbage. Bytes came back: the summaries say so and
	# quote them, never "never answered".
	cat >"$TMP/echo-then.sh" <<'SH'
#!/bin/bash
IFS= read -r l
if [ "$1" = first ]; then printf 'HTTP/1.0 200 garbage\n'; sleep 4; exit 0; fi
d=${l#*data=}
printf 'NPR/1 ECHO data=%s seen=198.18.1.2:1\n' "${d%% *}"
IFS= read -r l
if [ "$1" = half ]; then printf 'NPR/1 EC'; else printf '\001\002garbage\n'; fi
sleep 4
SH
	chmod 0755 "$TMP/echo-then.sh"
	ip netns exec "$NS_SRV" socat -T 8 "TCP4-LISTEN:7003,bind=$NAT_PLAIN4,reuseaddr,fork" \
		"EXEC:$TMP/echo-then.sh half" >/dev/null 2>&1 &
	IDLE_BAD1=$!
	ip netns exec "$NS_SRV" socat -T 8 "TCP4-LISTEN:7004,bind=$NAT_PLAIN4,reuseaddr,fork" \
		"EXEC:$TMP/echo-then.sh garbage" >/dev/null 2>&1 &
	IDLE_BAD2=$!
	ip netns exec "$NS_SRV" socat -T 8 "TCP4-LISTEN:7005,bind=$NAT_PLAIN4,reuseaddr,fork" \
		"EXEC:$TMP/echo-then.sh first" >/dev/null 2>&1 &
	IDLE_BAD3=$!
	trap 'kill "$IDLE_BAD1" "$IDLE_BAD2" "$IDLE_BAD3" 2>/dev/null || true
		wait "$IDLE_BAD1" "$IDLE_BAD2" "$IDLE_BAD3" 2>/dev/null || true' EXIT
	for _ in $(seq 1 50); do
		ip netns exec "$NS_SRV" ss -ltnH "sport = :7003" | grep . >/dev/null &&
			ip netns exec "$NS_SRV" ss -ltnH "sport = :7004" | grep . >/dev/null &&
			ip netns exec "$NS_SRV" ss -ltnH "sport = :7005" | grep . >/dev/null && break
		sleep 0.1
	done
	np ihalf idle --tcp "$NAT_PLAIN4:7003" --ladder 1 --idle 1 --timeout 1
	local o
	o=$(idle_rung "$TMP/ihalf.json" direct 1)
	jq -e '(.summary | contains("answered only in part") and contains("8 bytes") and contains("NPR/1 EC") and
		(contains("never answered") | not))' <<<"$o" >/dev/null || fail "half an answer: $o"
	np igarb idle --tcp "$NAT_PLAIN4:7004" --ladder 1 --idle 1 --timeout 1
	o=$(idle_rung "$TMP/igarb.json" direct 1)
	jq -e '(.summary | contains("not an NPR/1 echo") and contains("10 bytes") and contains("\\x01\\x02garbage") and
		(contains("connection failed") | not))' <<<"$o" >/dev/null || fail "garbage: $o"
	np ifirst idle --tcp "$NAT_PLAIN4:7005" --ladder 1 --idle 1 --timeout 1
	o=$(idle_rung "$TMP/ifirst.json" direct 1)
	jq -e '.verdict == "idle.no_connection" and (.summary | contains("not an NPR/1 echo") and contains("21 bytes") and
		contains("HTTP/1.0 200 garbage\\n"))' <<<"$o" >/dev/null || fail "garbage first: $o"
}
