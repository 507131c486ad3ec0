# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe watch in the lab: a firewall rule (a table of our own in the
# lab's firewall namespace) that starts dropping a port and stops again
# during a watch with a short --every; SIGTERM, SIGKILL and a torn last
# line, then a restart: the log stays valid and its numbering goes on.
# shellcheck shell=bash

WATCH_TABLE=np_watch_test

# a profile of two tcp checks: one port the test drops for a while, one
# always open
watch_profile() {
	cat >"$1" <<YAML
name: watch-lab
checks:
  - tcp:
      targets: ["$SRV4:$PORT_OPEN2", "$SRV4:$PORT_OPEN"]
      timeout: 1
YAML
}

watch_fw_drop() {
	printf 'table inet %s {\n chain drop_port {\n  type filter hook forward priority filter - 1; policy accept;\n  ip daddr %s tcp dport %s drop\n }\n}\n' \
		"$WATCH_TABLE" "$SRV4" "$1" | ip netns exec "$NS_FW" nft -f -
}

watch_fw_clear() {
	ip netns exec "$NS_FW" nft delete table inet "$WATCH_TABLE" 2>/dev/null || true
}

# watch_jq LOG FILTER: the filter holds for the log read as one array
watch_jq() {
	jq -e -s "$2" "$1" >/dev/null || fail "jq -s '$2' does not hold for $1: $(tail -n 5 "$1")"
}

# the log is valid: every line a JSON object, seq 1, 2, 3, ... without a
# gap, cycles never numbered twice
watch_log_valid() {
	local log=$1/events.jsonl
	jq -e -s 'length > 0' "$log" >/dev/null || fail "events.jsonl: not JSON Lines: $(head -c 600 "$log")"
	[ -z "$(tail -c 1 "$log")" ] || fail "events.jsonl does not end with a newline"
	jq -e -s '[.[].seq] == [range(1; length + 1)]' "$log" >/dev/null ||
		fail "seq is not 1..n: $(jq -c -s '[.[].seq]' "$log")"
	jq -e -s '[.[] | select(.event == "cycle") | .cycle] | . == (unique) and (. | sort) == .' "$log" >/dev/null ||
		fail "cycle numbers repeat or go back: $(jq -c -s '[.[] | select(.event == "cycle") | .cycle]' "$log")"
}

test_watch_drop_and_recovery_are_logged_with_evidence() {
	watch_profile "$TMP/w.yaml"
	watch_fw_clear
	ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$TMP/w.yaml" --every 1s --for 10s \
		--state-dir "$TMP/wd" -q 2>"$TMP/wd.err" &
	local pid=$!
	sleep 3
	watch_fw_drop "$PORT_OPEN2"
	sleep 3.5
	watch_fw_clear
	wait "$pid" || fail "watch exit status $?: $(cat "$TMP/wd.err")"
	local log=$TMP/wd/events.jsonl
	watch_log_valid "$TMP/wd"
	expect "state dir mode" "$(stat -c %a "$TMP/wd")" 700
	expect "log mode" "$(stat -c %a "$log")" 600
	# the fail and the recovery, of the dropped port only, with times
	watch_jq "$log" '[.[] | select(.event == "change" and .previous != null) | .target] | unique == ["'"$SRV4:$PORT_OPEN2"'"]'
	local changes
	changes=$(jq -c -s '[.[] | select(.event == "change" and .previous != null) | [.previous.status, .status, .verdict]]' "$log")
	expect "changes" "$changes" '[["pass","fail","tcp.filtered"],["fail","pass","tcp.ok"]]'
	jq -e -s '[.[] | select(.event == "change" and .previous != null) | .time | test("^20[0-9-]+T[0-9:.]+Z$")] | all' \
		"$log" >/dev/null || fail "a change without its time"
	# the fail came after the rule went in, the recovery after it went out
	local fail_c rec_c
	fail_c=$(jq -s '[.[] | select(.event == "change" and .status == "fail")][0].cycle' "$log")
	rec_c=$(jq -s '[.[] | select(.event == "change" and .previous.status == "fail")][0].cycle' "$log")
	[ "$fail_c" -ge 2 ] && [ "$rec_c" -gt "$fail_c" ] || fail "fail in cycle $fail_c, recovery in $rec_c"
	# one heartbeat per cycle, a stop line at the end
	watch_jq "$log" '[.[] | select(.event == "cycle") | has("duration_ms") and has("counts")] | all'
	expect "last event" "$(tail -n 1 "$log" | jq -r .event)" stop
	# evidence for exactly the cycles that failed or changed
	local want have
	want=$(jq -r -s '[.[] | select(.event == "cycle" and (.failed or .changed)) | .cycle] | map("cycle-\(. | tostring | ("00000000" + .)[-8:]).pcapng") | join(" ")' "$log")
	have=$(cd "$TMP/wd/evidence" && echo *.pcapng)
	expect "evidence files" "$have" "$want"
	[ "$(jq -s '[.[] | select(.event == "cycle" and .failed)] | length' "$log")" -ge 2 ] ||
		fail "fewer than 2 failing cycles: $(jq -c 'select(.event == "cycle") | [.cycle, .failed]' "$log")"
	# the recovery cycle's log lines name its file; the file holds the port's packets
	local f
	f=$(jq -r -s '[.[] | select(.event == "change" and .previous.status == "fail")][0].evidence' "$log")
	[ -f "$TMP/wd/$f" ] || fail "recovery evidence $f missing"
	[ "$(tshark -r "$TMP/wd/$f" -Y "tcp.port == $PORT_OPEN2 && tcp.flags.syn == 1" 2>/dev/null | wc -l)" -ge 1 ] ||
		fail "no SYN to $PORT_OPEN2 in $f"
	# the failing cycle's file: a SYN that got no answer
	f=$(jq -r -s '[.[] | select(.event == "change" and .status == "fail")][0].evidence' "$log")
	[ "$(tshark -r "$TMP/wd/$f" -Y "tcp.dstport == $PORT_OPEN2 && tcp.flags.syn == 1" 2>/dev/null | wc -l)" -ge 1 ] &&
		[ "$(tshark -r "$TMP/wd/$f" -Y "tcp.srcport == $PORT_OPEN2" 2>/dev/null | wc -l)" = 0 ] ||
		fail "$f is not the dropped SYN"
	# state changes on stderr, one line each
	grep -c "pass -> fail (tcp.filtered)" "$TMP/wd.err" | grep -qx 1 || fail "stderr: $(cat "$TMP/wd.err")"
	grep -c "fail -> pass (tcp.ok)" "$TMP/wd.err" | grep -qx 1 || fail "stderr: $(cat "$TMP/wd.err")"
}

test_watch_evidence_ring_is_bounded_oldest_first() {
	watch_profile "$TMP/wr.yaml"
	watch_fw_clear
	watch_fw_drop "$PORT_OPEN2"
	# every cycle fails, so every cycle keeps its packets: ~1 KiB a file,
	# a ring of 3 KiB holds the last two or three
	ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$TMP/wr.yaml" --every 200ms --for 6s \
		--keep-evidence 3K --state-dir "$TMP/wr" -q 2>"$TMP/wr.err" || fail "watch: $(cat "$TMP/wr.err")"
	watch_fw_clear
	watch_log_valid "$TMP/wr"
	local n total newest last
	n=$(jq -s '[.[] | select(.event == "cycle" and .evidence != null)] | length' "$TMP/wr/events.jsonl")
	[ "$n" -ge 4 ] || fail "only $n cycles kept evidence"
	total=$(du -cb "$TMP"/wr/evidence/*.pcapng | tail -n 1 | cut -f1)
	[ "$total" -le 3072 ] || fail "ring holds $total bytes, more than 3K"
	# the newest cycles stay
	newest=$(cd "$TMP/wr/evidence" && ls | sort | tail -n 1)
	last=$(jq -r -s '[.[] | select(.event == "cycle" and .evidence != null)][-1].evidence' "$TMP/wr/events.jsonl")
	expect "newest evidence" "evidence/$newest" "$last"
	[ "$(ls "$TMP/wr/evidence" | wc -l)" -lt "$n" ] || fail "nothing was dropped from the ring"
}

test_watch_sigterm_sigkill_and_torn_tail_keep_the_log_valid() {
	watch_profile "$TMP/wk.yaml"
	watch_fw_clear
	# a cycle of the dropped port lasts its 1 s timeout: signals land mid-cycle
	watch_fw_drop "$PORT_OPEN2"
	ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$TMP/wk.yaml" --every 300ms --state-dir "$TMP/wk" \
		-q 2>"$TMP/wk.err1" &
	local pid=$!
	sleep 2.5
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	expect "exit status after SIGTERM" "$rc" 0
	watch_log_valid "$TMP/wk"
	watch_jq "$TMP/wk/events.jsonl" '[.[] | select(.event == "stop") | .reason] == ["SIGTERM"]'
	# the cycle SIGTERM cut short is marked so, and changes nothing
	jq -e -s '[.[] | select(.event == "cycle")][-1].interrupted' "$TMP/wk/events.jsonl" >/dev/null ||
		fail "last cycle not marked interrupted: $(tail -n 3 "$TMP/wk/events.jsonl")"
	local cycles1
	cycles1=$(jq -s '[.[] | select(.event == "cycle") | .cycle] | max' "$TMP/wk/events.jsonl")

	# restart, then SIGKILL mid-cycle
	ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$TMP/wk.yaml" --every 300ms --state-dir "$TMP/wk" \
		-q 2>"$TMP/wk.err2" &
	pid=$!
	sleep 2.5
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	watch_log_valid "$TMP/wk"
	# a crash mid-write: half a line at the end
	printf '{"seq":999,"time":"2026-' >>"$TMP/wk/events.jsonl"
	local lines_before
	lines_before=$(wc -l <"$TMP/wk/events.jsonl")

	ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$TMP/wk.yaml" --every 300ms --for 1.5s \
		--state-dir "$TMP/wk" 2>"$TMP/wk.err3" || fail "restart: $(cat "$TMP/wk.err3")"
	watch_fw_clear
	watch_log_valid "$TMP/wk"
	grep -q 'torn last line was dropped' "$TMP/wk.err3" || fail "stderr: $(cat "$TMP/wk.err3")"
	# the third start says what it dropped and numbers on
	local start
	start=$(jq -c -s '[.[] | select(.event == "start")][2]' "$TMP/wk/events.jsonl")
	jq -e '.recovered_bytes == 24 and .seq == '"$((lines_before + 1))" <<<"$start" >/dev/null ||
		fail "third start line: $start (lines before: $lines_before)"
	jq -e -s '[.[] | select(.event == "cycle") | .cycle] | min > 0' "$TMP/wk/events.jsonl" >/dev/null
	jq -e -s --argjson c "$cycles1" '[.[] | select(.event == "start")] | length == 3' "$TMP/wk/events.jsonl" >/dev/null ||
		fail "not three start lines"
	# the failure known before the restarts is not a change again
	expect "changes to fail" "$(jq -s '[.[] | select(.event == "change" and .status == "fail")] | length' "$TMP/wk/events.jsonl")" 1
}

test_watch_bad_input_is_one_line_and_exit_2() {
	watch_profile "$TMP/wb.yaml"
	local rc out
	for args in "--every 0s" "--every 5parsecs" "--for -1m" "--keep-evidence 0" "--keep-evidence 12X" "--json $TMP/x.json"; do
		rc=0
		# shellcheck disable=SC2086
		out=$("$NETPROBE" watch --profile "$TMP/wb.yaml" --state-dir "$TMP/wb" $args 2>&1) || rc=$?
		expect "exit status for $args" "$rc" 2
		expect "lines for $args" "$(wc -l <<<"$out")" 1
	done
	rc=0
	out=$("$NETPROBE" watch --profile "$TMP/wb.yaml" 2>&1) || rc=$?
	expect "no --state-dir" "$rc" 2
	grep -q -- '--state-dir' <<<"$out" || fail "$out"
	# a log damaged before its end is not ours to repair
	mkdir -m 0700 "$TMP/wbd"
	chown nobody "$TMP/wbd"
	printf 'garbage\n{"seq":1,"event":"start"}\n' >"$TMP/wbd/events.jsonl"
	rc=0
	out=$("$NETPROBE" watch --profile "$TMP/wb.yaml" --state-dir "$TMP/wbd" --for 1s 2>&1) || rc=$?
	expect "damaged log" "$rc" 2
	grep -q 'line 1 is not a JSON object' <<<"$out" || fail "$out"
	expect "damaged log untouched" "$(head -n 1 "$TMP/wbd/events.jsonl")" garbage
}
