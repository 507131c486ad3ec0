# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe tcp in the lab: every socket-level verdict, produced for real.
# shellcheck shell=bash

# np NAME ARGS...: run netprobe in the client namespace with --json
# $TMP/NAME.json; the exit status is left in $TMP/NAME.rc.
np() {
	local name=$1
	shift
	local rc=0
	"$LAB" exec cli "$NETPROBE" "$@" --json "$TMP/$name.json" >"$TMP/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$TMP/$name.rc"
	jq -e .schema "$TMP/$name.json" >/dev/null || fail "no JSON report; output: $(cat "$TMP/$name.out")"
}

rc_of() { cat "$TMP/$1.rc"; }

test_tcp_ok() {
	np ok tcp "$SRV4:$PORT_OPEN" "[$SRV6]:$PORT_OPEN2"
	expect "exit status" "$(rc_of ok)" 0
	jqe "$TMP/ok.json" '.findings | length == 2'
	jqe "$TMP/ok.json" "[.findings[] | select(.verdict == \"tcp.ok\" and .status == \"pass\" and (.metrics.connect_ms | type) == \"number\")] | length == 2"
	jqe "$TMP/ok.json" ".findings[0].address == \"$SRV4\" and .findings[1].address == \"$SRV6\""
	jqe "$TMP/ok.json" ".host.sources | index(\"$CLI4\") and index(\"$CLI6\")"
	jqe "$TMP/ok.json" '.summary | del(.checklist) == {"pass":2,"warn":0,"fail":0,"error":0,"skip":0,"total":2}'
	# without a profile the checklist has an item per check kind
	jqe "$TMP/ok.json" '.summary.checklist == [{"item":"tcp","status":"pass","line":"all 2 findings pass","who":[],"findings":["f1","f2"],"problems":[]}]'
}

test_tcp_filtered_by_drop() {
	np drop tcp --timeout 2 "$SRV4:$PORT_DROP" "[$SRV6]:$PORT_DROP"
	expect "exit status" "$(rc_of drop)" 1
	jqe "$TMP/drop.json" '[.findings[] | select(.verdict == "tcp.filtered" and .status == "fail")] | length == 2'
	# It waited for the timeout, not less.
	jqe "$TMP/drop.json" '[.findings[] | .metrics.elapsed_ms >= 2000] | all'
}

test_tcp_refused_by_firewall_reset() {
	# Without capture a reset from the firewall reads as the target's own;
	# packet evidence (tcp.rejected) is what tells them apart.
	np reset tcp --no-capture "$SRV4:$PORT_RESET" "[$SRV6]:$PORT_RESET"
	expect "exit status" "$(rc_of reset)" 1
	jqe "$TMP/reset.json" '[.findings[] | select(.verdict == "tcp.refused" and .metrics.socket_error == "ECONNREFUSED")] | length == 2'
	# ... and says that packet evidence is missing, and what it would tell.
	jqe "$TMP/reset.json" '[.findings[] | (.evidence[0].text | test("capture turned off")) and (.advice | test("capture tells them apart"))] | all'
	jqe "$TMP/reset.json" '.capture == null'
}

test_tcp_unreachable_by_icmp_prohibited() {
	np icmp tcp --no-capture "$SRV4:$PORT_ICMP" "[$SRV6]:$PORT_ICMP"
	expect "exit status" "$(rc_of icmp)" 1
	jqe "$TMP/icmp.json" '[.findings[] | select(.verdict == "tcp.unreachable")] | length == 2'
	# Linux reports ICMP admin-prohibited as EHOSTUNREACH, ICMPv6 as EACCES.
	jqe "$TMP/icmp.json" ".findings[] | select(.address == \"$SRV4\") | .metrics.socket_error == \"EHOSTUNREACH\""
	jqe "$TMP/icmp.json" ".findings[] | select(.address == \"$SRV6\") | .metrics.socket_error == \"EACCES\" and (.summary | test(\"administratively prohibited\"))"
}

test_tcp_refused_nothing_listening() {
	np closed tcp "$SRV4:$PORT_CLOSED" "[$SRV6]:$PORT_CLOSED"
	expect "exit status" "$(rc_of closed)" 1
	jqe "$TMP/closed.json" '[.findings[] | select(.verdict == "tcp.refused" and .status == "fail")] | length == 2'
	jqe "$TMP/closed.json" '[.findings[] | .advice | length > 0] | all'
}

test_tcp_unreachable_no_route() {
	np noroute tcp --no-capture --timeout 4 "$NOROUTE4:80" "[$NOROUTE6]:80"
	expect "exit status" "$(rc_of noroute)" 1
	jqe "$TMP/noroute.json" '[.findings[] | select(.verdict == "tcp.unreachable" and (.metrics.socket_error | test("NETUNREACH|HOSTUNREACH")))] | length == 2'
	# The router answered at once: no waiting for the timeout.
	jqe "$TMP/noroute.json" '[.findings[] | .metrics.elapsed_ms < 2000] | all'
}

test_tcp_name_resolves_to_every_address() {
	# server.lab is in the client namespace's hosts file: both families.
	np names tcp server.lab:"$PORT_OPEN"
	expect "exit status" "$(rc_of names)" 0
	jqe "$TMP/names.json" "[.findings[] | select(.target == \"server.lab:$PORT_OPEN\" and .verdict == \"tcp.ok\") | .address] | sort == ([\"$SRV4\", \"$SRV6\"] | sort)"
	np names4 tcp -4 server.lab:"$PORT_OPEN"
	jqe "$TMP/names4.json" "[.findings[].address] == [\"$SRV4\"]"
}

test_tcp_name_that_does_not_exist() {
	# The lab resolver answers NXDOMAIN: one finding, no address probed.
	np nodns tcp nosuch.lab:80
	expect "exit status" "$(rc_of nodns)" 1
	jqe "$TMP/nodns.json" '.findings | length == 1'
	jqe "$TMP/nodns.json" '.findings[0] | .verdict == "dns.nxdomain" and .address == "" and .status == "fail"'
	jqe "$TMP/nodns.json" ".host.resolvers == [\"$DNS_GOOD4\", \"$DNS_GOOD6\"]"
}

test_tcp_name_without_address_of_the_family() {
	# www.example.net has no AAAA: with -6 there is nothing to connect to.
	np nov6 tcp -6 www.example.net:80
	expect "exit status" "$(rc_of nov6)" 1
	jqe "$TMP/nov6.json" '[.findings[] | [.verdict, .status]] == [["dns.nodata", "fail"]]'
}

test_tcp_200_targets_in_parallel() {
	# 200 silently dropped targets with a 2 s timeout: all in parallel, so the
	# run takes about one timeout, not 200.
	local p
	: >"$TMP/many"
	for p in $(seq "$PORT_DROP_RANGE_LO" $((PORT_DROP_RANGE_LO + 199))); do
		echo "$SRV4:$p" >>"$TMP/many"
	done
	np many tcp --timeout 2 --targets-file "$TMP/many"
	jqe "$TMP/many.json" '[.findings[] | select(.verdict == "tcp.filtered")] | length == 200'
	jqe "$TMP/many.json" '.duration_ms < 4000'
}

test_tcp_parallel_bound() {
	# --parallel 2 with 4 dropped targets and a 1 s timeout: two rounds.
	np bound tcp --timeout 1 --parallel 2 "$SRV4:$PORT_DROP" "$SRV4B:$PORT_DROP" "[$SRV6]:$PORT_DROP" "[$SRV6B]:$PORT_DROP"
	jqe "$TMP/bound.json" '.findings | length == 4'
	jqe "$TMP/bound.json" '.duration_ms >= 2000 and .duration_ms < 3500'
}

test_tcp_deadline_cuts_the_run() {
	np deadline tcp --timeout 10 --deadline 1 "$SRV4:$PORT_DROP" "$SRV4:$PORT_OPEN"
	expect "exit status" "$(rc_of deadline)" 3
	jqe "$TMP/deadline.json" '.duration_ms < 3000'
	jqe "$TMP/deadline.json" '[.findings[] | select(.verdict == "run.deadline" and .status == "error")] | length == 1'
	jqe "$TMP/deadline.json" '[.findings[] | select(.verdict == "tcp.ok")] | length == 1'
}

test_tcp_interrupt_writes_the_report() {
	local pid rc=0
	# ip netns exec execs the command in place, so $! is netprobe's pid.
	ip netns exec "$NS_CLI" "$NETPROBE" tcp --timeout 30 "$SRV4:$PORT_DROP" --json "$TMP/int.json" \
		--junit "$TMP/int.xml" >"$TMP/int.out" 2>&1 &
	pid=$!
	sleep 1
	kill -INT "$pid"
	wait "$pid" || rc=$?
	expect "exit status after SIGINT" "$rc" 130
	jqe "$TMP/int.json" '.interrupted == "SIGINT" and .findings[0].verdict == "run.interrupted"'
	xmllint --noout "$TMP/int.xml"
}

test_tcp_json_on_stdout_is_only_json() {
	"$LAB" exec cli "$NETPROBE" tcp "$SRV4:$PORT_OPEN" "$SRV4:$PORT_CLOSED" --json - \
		>"$TMP/stdout.json" 2>"$TMP/stderr.txt" || true
	jq -e '.findings | length == 2' "$TMP/stdout.json" >/dev/null || fail "stdout is not one JSON document"
	grep -q 'tcp.refused' "$TMP/stderr.txt" || fail "human output did not go to stderr"
}

test_tcp_junit_is_well_formed() {
	"$LAB" exec cli "$NETPROBE" tcp "$SRV4:$PORT_OPEN" "$SRV4:$PORT_CLOSED" "$NOROUTE4:80" \
		--junit "$TMP/r.xml" >/dev/null 2>&1 || true
	xmllint --noout "$TMP/r.xml"
	expect "testcases" "$(grep -c '<testcase ' "$TMP/r.xml")" 3
	expect "failures" "$(grep -c '<failure ' "$TMP/r.xml")" 2
}

test_tcp_source_address() {
	np src tcp --source "$CLI4" "$SRV4:$PORT_OPEN" server.lab:"$PORT_OPEN"
	expect "exit status" "$(rc_of src)" 0
	# --source fixes the family: the name's IPv6 address is not probed.
	jqe "$TMP/src.json" "[.findings[].address] == [\"$SRV4\", \"$SRV4\"]"
	jqe "$TMP/src.json" ".host.sources == [\"$CLI4\"]"
}

test_tcp_plain_output_has_no_escapes() {
	"$LAB" exec cli "$NETPROBE" tcp "$SRV4:$PORT_OPEN" "$SRV4:$PORT_CLOSED" >"$TMP/plain.txt" 2>&1 || true
	! grep -q $'\033' "$TMP/plain.txt" || fail "control sequences on a non-terminal"
	grep -q "Results hold for this host" "$TMP/plain.txt" || fail "no scope line"
	# a line per finding, the checklist's line, the summary's verdict line
	expect "finding lines" "$(grep -c '^\(PASS\|FAIL\) ' "$TMP/plain.txt")" 4
	grep -q "^FAIL  tcp: the operator of $SRV4:$PORT_CLOSED must act: tcp.refused (1 of 2 findings pass)$" "$TMP/plain.txt" ||
		fail "no checklist line"
}

# The summary after the live lines: past 20 findings of one verdict it
# counts the rest instead of printing every line a second time; with -q
# (no live lines) it lists them all.
test_tcp_summary_counts_what_the_live_lines_showed() {
	local targets=() p
	for p in $(seq "$PORT_DROP_RANGE_LO" $((PORT_DROP_RANGE_LO + 24))); do targets+=("$SRV4:$p"); done
	"$LAB" exec cli "$NETPROBE" tcp --timeout 1 "${targets[@]}" >"$TMP/sum.out" 2>&1 || true
	expect "live lines" "$(grep -c '^FAIL  tcp.filtered ' "$TMP/sum.out")" 25
	expect "lines listed again" "$(grep -c "^      $SRV4:" "$TMP/sum.out")" 20
	grep -q '^      \.\.\. and 5 more tcp.filtered findings' "$TMP/sum.out" || fail "no count of the rest: $(tail -5 "$TMP/sum.out")"
	"$LAB" exec cli "$NETPROBE" tcp --timeout 1 -q "${targets[@]}" >"$TMP/sumq.out" 2>&1 || true
	expect "listed with -q" "$(grep -c "^      $SRV4:" "$TMP/sumq.out")" 25
	! grep -q 'more tcp.filtered' "$TMP/sumq.out" || fail "-q hides findings"
}
