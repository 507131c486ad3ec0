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

	# the period as watch report tells it: availability, the failure with
	# its times and verdict, the timeline
	"$NETPROBE" watch report "$TMP/wd" --json "$TMP/wd.json" --html "$TMP/wd.html" ||
		fail "watch report: exit status $?"
	local cycles failed
	cycles=$(jq -s '[.[] | select(.event == "cycle" and (.interrupted | not))] | length' "$log")
	failed=$(jq -s '[.[] | select(.event == "cycle" and .failed)] | length' "$log")
	jqe "$TMP/wd.json" '.kind == "watch" and .period.cycles == '"$cycles"
	jqe "$TMP/wd.json" '[.checks[] | select(.target == "'"$SRV4:$PORT_OPEN2"'")][0] |
		.asked == '"$cycles"' and .failed == '"$failed"' and
		(.availability - (('"$cycles"' - '"$failed"') / '"$cycles"') | fabs) < 0.0001 and .status == "pass"'
	jqe "$TMP/wd.json" '[.checks[] | select(.target == "'"$SRV4:$PORT_OPEN"'")][0].availability == 1'
	local from to
	from=$(jq -r -s '[.[] | select(.event == "cycle" and .cycle == '"$fail_c"')][0].started' "$log")
	to=$(jq -r -s '[.[] | select(.event == "cycle" and .cycle == '"$rec_c"')][0].started' "$log")
	jqe "$TMP/wd.json" '.failures | length == 1 and (.[0] | .verdict == "tcp.filtered" and .from == "'"$from"'" and
		.to == "'"$to"'" and .asked == '"$((rec_c - fail_c))"' and (.evidence | startswith("evidence/")))'
	xmllint --noout "$TMP/wd.html" || fail "the watch report's HTML is not well-formed"
	grep -q 'Failures by time of day' "$TMP/wd.html" && grep -q '<rect class="bar lost"' "$TMP/wd.html" ||
		fail "no failure timeline in the HTML"
	grep -q "$from" "$TMP/wd.html" || fail "the failure's time is not in the HTML"
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
	# one --only past the 16 run and watch both take
	local many=() i
	for i in $(seq 1 17); do many+=(--only "t$i"); done
	for cmd in "watch --state-dir $TMP/wb" run; do
		rc=0
		# shellcheck disable=SC2086
		out=$("$NETPROBE" $cmd --profile "$TMP/wb.yaml" "${many[@]}" 2>&1) || rc=$?
		expect "exit status for 17 --only ($cmd)" "$rc" 2
		expect "the error for 17 --only ($cmd)" "$out" "netprobe ${cmd%% *}: --only: at most 16"
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

# watch_http_start NAME ARGS...: a watch of the lab profile with --listen
# 127.0.0.1:9115 in the client namespace, in the background (pid in
# $TMP/NAME.pid), once it answers
watch_http_start() {
	local name=$1
	shift
	watch_profile "$TMP/$name.yaml"
	ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$TMP/$name.yaml" --state-dir "$TMP/$name" \
		--listen 127.0.0.1:9115 -q "$@" 2>"$TMP/$name.err" &
	echo $! >"$TMP/$name.pid"
	local i
	for i in $(seq 1 50); do
		ip netns exec "$NS_CLI" curl -s -o /dev/null "http://127.0.0.1:9115/metrics" && return 0
		sleep 0.1
	done
	fail "the endpoint never answered: $(cat "$TMP/$name.err")"
}

# watch_http_stop NAME: SIGTERM to the watch of watch_http_start, which must
# still be running, and its exit status 0; else its stderr says why
watch_http_stop() {
	local name=$1 pid st=0
	pid=$(cat "$TMP/$name.pid")
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid" || st=$?
		fail "the watch had already ended (exit status $st): $(tail -n 5 "$TMP/$name.err")"
		return 1
	fi
	kill -TERM "$pid"
	wait "$pid" || fail "watch exit status $?: $(tail -n 5 "$TMP/$name.err")"
}

# watch_fds PID: the fewest descriptors PID holds over 1.2 s, sampled every
# 0.1 s (a cycle's own sockets come and go; a leak stays)
watch_fds() {
	local i n min=
	for i in $(seq 1 12); do
		n=$(ls "/proc/$1/fd" | wc -l)
		[ -z "$min" ] || [ "$n" -lt "$min" ] && min=$n
		sleep 0.1
	done
	echo "$min"
}

# watch_curl ARGS...: curl in the client namespace
watch_curl() {
	ip netns exec "$NS_CLI" curl -s -m 10 "$@"
}

test_watch_prometheus_scrapes_metrics_and_probe() {
	command -v prometheus >/dev/null || fail "prometheus is not installed (fixtures/deps.sh)"
	watch_fw_clear
	watch_http_start wp --every 2s
	mkdir -p "$TMP/prom"
	# /probe as a blackbox_exporter configuration has it: the target as a
	# parameter, the exporter's address put in by relabelling
	cat >"$TMP/prom/prometheus.yml" <<YAML
global:
  scrape_interval: 2s
  evaluation_interval: 2s
scrape_configs:
  - job_name: netprobe_watch
    static_configs:
      - targets: ['127.0.0.1:9115']
  - job_name: blackbox
    metrics_path: /probe
    scrape_interval: 3s
    scrape_timeout: 2500ms
    params:
      module: ['0']
    static_configs:
      - targets: ['$SRV4:$PORT_OPEN', '$SRV4:$PORT_OPEN2']
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:9115
YAML
	promtool check config "$TMP/prom/prometheus.yml" >/dev/null || fail "promtool: config"
	ip netns exec "$NS_CLI" prometheus --config.file="$TMP/prom/prometheus.yml" --storage.tsdb.path="$TMP/prom/data" \
		--web.listen-address=127.0.0.1:9090 >"$TMP/prom/log" 2>&1 &
	local ppid=$! q i ok=0
	# the port drops while Prometheus scrapes
	sleep 1
	watch_fw_drop "$PORT_OPEN2"
	for i in $(seq 1 40); do
		q=$(watch_curl 'http://127.0.0.1:9090/api/v1/query' --data-urlencode 'query=probe_success{job="blackbox"}')
		if jq -e --arg a "$SRV4:$PORT_OPEN" --arg b "$SRV4:$PORT_OPEN2" '.data.result as $r |
			($r | map(select(.metric.instance == $a and .value[1] == "1" and .metric.verdict == "tcp.ok")) | length == 1) and
			($r | map(select(.metric.instance == $b and .value[1] == "0" and .metric.verdict == "tcp.filtered")) | length == 1)' \
			<<<"$q" >/dev/null; then
			ok=1
			break
		fi
		sleep 0.5
	done
	[ "$ok" = 1 ] || fail "probe_success never showed both: $q"
	q=$(watch_curl 'http://127.0.0.1:9090/api/v1/query' --data-urlencode 'query=probe_duration_seconds{job="blackbox"}')
	jq -e '.data.result | length == 2 and all(.value[1] | tonumber < 2.5)' <<<"$q" >/dev/null || fail "probe_duration_seconds: $q"
	# /metrics: the watch's own cycles, each check's last state, the failures counted
	for i in $(seq 1 40); do
		q=$(watch_curl 'http://127.0.0.1:9090/api/v1/query' --data-urlencode 'query=netprobe_watch_failures_total{job="netprobe_watch",verdict="tcp.filtered"}')
		jq -e '.data.result | length == 1 and (.[0].value[1] | tonumber >= 1)' <<<"$q" >/dev/null && break
		sleep 0.5
	done
	jq -e '.data.result | length == 1' <<<"$q" >/dev/null || fail "failures counter: $q"
	q=$(watch_curl 'http://127.0.0.1:9090/api/v1/query' --data-urlencode 'query=netprobe_watch_cycles_total{job="netprobe_watch"}')
	jq -e '.data.result[0].value[1] | tonumber >= 1' <<<"$q" >/dev/null || fail "cycles: $q"
	q=$(watch_curl 'http://127.0.0.1:9090/api/v1/query' --data-urlencode 'query=netprobe_check_success{job="netprobe_watch",check="tcp"}')
	jq -e '.data.result | length == 2' <<<"$q" >/dev/null || fail "check success: $q"
	q=$(watch_curl 'http://127.0.0.1:9090/api/v1/query' --data-urlencode 'query=up')
	jq -e '.data.result | length == 3 and all(.value[1] == "1")' <<<"$q" >/dev/null || fail "up: $q"
	kill "$ppid"
	wait "$ppid" 2>/dev/null || true
	# X-Prometheus-Scrape-Timeout-Seconds: the answer comes before it, the
	# run cut short (the dropped port waits out its 1 s timeout otherwise)
	local t0 t1 body
	t0=$(date +%s%N)
	body=$(watch_curl -H 'X-Prometheus-Scrape-Timeout-Seconds: 0.4' "http://127.0.0.1:9115/probe?module=0&target=$SRV4:$PORT_OPEN2")
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 900 ] || fail "the probe took $(((t1 - t0) / 1000000)) ms for a 0.4 s scrape timeout"
	grep -q '^probe_success{verdict="run.deadline"} 0$' <<<"$body" || fail "short scrape: $body"
	watch_fw_clear
	watch_http_stop wp
	watch_log_valid "$TMP/wp"
}

test_watch_probe_on_demand_of_a_tls_check() {
	# A /probe of a TLS check verifies against the check's CA file as its
	# cycles do, and the cycles after it go on passing.
	cat >"$TMP/wt.yaml" <<YAML
name: watch-tls
checks:
  - tls:
      targets: ["$TLS_GOOD_NAME"]
      ca: "$LAB_CA"
      proxy: none
YAML
	ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$TMP/wt.yaml" --every 1s -4 --state-dir "$TMP/wt" \
		--listen 127.0.0.1:9117 -q 2>"$TMP/wt.err" &
	local pid=$! body i c0 n
	for i in $(seq 1 50); do
		watch_curl -o /dev/null http://127.0.0.1:9117/metrics && break
		sleep 0.1
	done
	for i in 1 2; do
		body=$(watch_curl "http://127.0.0.1:9117/probe?module=0&target=$TLS_GOOD_NAME")
		grep -q '^probe_success{verdict="tls.ok"} 1$' <<<"$body" || fail "/probe $i: $body"
	done
	c0=$(jq -s '[.[] | select(.event == "cycle")] | length' "$TMP/wt/events.jsonl")
	for i in $(seq 1 50); do
		n=$(jq -s '[.[] | select(.event == "cycle")] | length' "$TMP/wt/events.jsonl")
		[ "$n" -ge $((c0 + 2)) ] && break
		sleep 0.1
	done
	kill -TERM "$pid"
	wait "$pid" || fail "watch exit status $?: $(tail -n 5 "$TMP/wt.err")"
	[ "$n" -ge $((c0 + 2)) ] || fail "no two cycles after the probes: $(tail -n 3 "$TMP/wt/events.jsonl")"
	watch_jq "$TMP/wt/events.jsonl" '[.[] | select(.event == "cycle")] | length >= 3 and
		all(.counts.pass == 1 and .counts.fail == 0 and .counts.error == 0)'
	watch_log_valid "$TMP/wt"
}

test_watch_bad_requests_get_4xx_and_change_nothing() {
	watch_fw_clear
	watch_http_start wbr --every 1s
	local pid fds0 fds1 code
	pid=$(cat "$TMP/wbr.pid")
	sleep 1
	fds0=$(watch_fds "$pid")
	# a huge URL, an unknown module, a target the module does not name, an
	# unknown path, another method, a bad scrape timeout
	code=$(watch_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:9115/metrics?x=$(head -c 60000 /dev/zero | tr '\0' a)")
	expect "huge URL" "$code" 414
	code=$(watch_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:9115/probe?module=nosuch&target=$SRV4:$PORT_OPEN")
	expect "unknown module" "$code" 400
	code=$(watch_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:9115/probe?module=0&target=192.0.2.1:22")
	expect "target not in the module" "$code" 400
	code=$(watch_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:9115/probe?target=$SRV4:$PORT_OPEN")
	expect "no module" "$code" 400
	code=$(watch_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:9115/admin")
	expect "unknown path" "$code" 404
	code=$(watch_curl -o /dev/null -w '%{http_code}' -X POST -d x=1 "http://127.0.0.1:9115/metrics")
	expect "POST" "$code" 405
	code=$(watch_curl -o /dev/null -w '%{http_code}' -H 'X-Prometheus-Scrape-Timeout-Seconds: soon' "http://127.0.0.1:9115/probe?module=0&target=$SRV4:$PORT_OPEN")
	expect "bad scrape timeout" "$code" 400
	code=$(watch_curl -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 30000 /dev/zero | tr '\0' b)" "http://127.0.0.1:9115/metrics")
	[ "$code" -ge 400 ] && [ "$code" -lt 500 ] || fail "huge header: $code"
	# many connections held open: past the bound new ones are turned away,
	# and once they go the endpoint answers as before
	ip netns exec "$NS_CLI" python3 - <<'PY' >"$TMP/wbr.conns" || fail "python: $(cat "$TMP/wbr.conns")"
import socket, time
held, refused = [], 0
for i in range(100):
    s = socket.create_connection(("127.0.0.1", 9115), timeout=2)
    held.append(s)
time.sleep(0.5)
for s in held:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            refused += 1
    except BlockingIOError:
        pass
print(len(held) - refused, refused)
PY
	read -r open refused <"$TMP/wbr.conns"
	[ "$open" -le 32 ] && [ "$refused" -ge 68 ] || fail "100 connections: $open kept, $refused closed"
	sleep 0.5
	code=$(watch_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:9115/metrics")
	expect "after the flood" "$code" 200
	sleep 0.5
	fds1=$(watch_fds "$pid")
	expect "open descriptors" "$fds1" "$fds0"
	watch_http_stop wbr
	watch_log_valid "$TMP/wbr"
	# nothing the requests did reached the log: no failure, no change after the first cycle
	watch_jq "$TMP/wbr/events.jsonl" '[.[] | select(.event == "change" and .previous != null)] | length == 0'
	watch_jq "$TMP/wbr/events.jsonl" '[.[] | select(.event == "cycle" and .interrupted == false) | .failed] | all(. == false)'
}

test_watch_idle_timeout_changing_mid_run_shows_in_idle_survival() {
	watch_fw_clear
	cat >"$TMP/wi.yaml" <<YAML
name: watch-idle
checks:
  - idle:
      target: "tls.lab:$PORT_IDLE_OPEN"
      ca: "$LAB_CA"
      proxy: none
      ladder: [1, 4]
      idle: 4
  - tcp:
      targets: ["$SRV4:$PORT_RESET"]
      timeout: 1
YAML
	# cycles every 60 s: the rungs must not wait for them
	ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$TMP/wi.yaml" --every 60s --for 26s -4 \
		--state-dir "$TMP/wi" --listen 127.0.0.1:9116 -q 2>"$TMP/wi.err" &
	local pid=$! m body
	sleep 8
	# /metrics counts each rung's askings as they come
	m=$(watch_curl http://127.0.0.1:9116/metrics)
	grep -Eq '^netprobe_watch_idle_asked_total\{profile_check="0",target="tls.lab:'"$PORT_IDLE_OPEN"'",idle_s="1"\} ([5-9]|[1-9][0-9])$' <<<"$m" ||
		fail "/metrics: the 1 s rung's askings: $(grep idle_ <<<"$m")"
	grep -Eq '^netprobe_watch_idle_last_survived\{profile_check="0",target="[^"]*",idle_s="4",verdict="idle.survived"\} 1$' <<<"$m" ||
		fail "/metrics: the 4 s rung's last asking: $(grep idle_ <<<"$m")"
	# a probe on demand reads its packets as a cycle does: the reset came
	# from a device on the path, not from the server (without them:
	# tcp.refused)
	body=$(watch_curl "http://127.0.0.1:9116/probe?module=1&target=$SRV4:$PORT_RESET")
	grep -q '^probe_success{verdict="tcp.rejected"} 0$' <<<"$body" || fail "/probe without its packets: $body"
	sleep 1
	# the firewall starts forgetting port 88's flows after 2 s of silence
	# (and answers what follows with a reset, as the lab's port 86 does)
	ip netns exec "$NS_FW" nft -f - <<NFT
table inet $WATCH_TABLE {
    ct timeout short {
        protocol tcp;
        policy = { established: 2 }
    }
    chain idle_port {
        type filter hook forward priority filter - 1; policy accept;
        ct state invalid ip daddr $TLS_GOOD4 tcp dport $PORT_IDLE_OPEN reject with tcp reset
        ct state invalid ip saddr $TLS_GOOD4 tcp sport $PORT_IDLE_OPEN reject with tcp reset
        ip daddr $TLS_GOOD4 tcp dport $PORT_IDLE_OPEN ct timeout set "short"
    }
}
NFT
	wait "$pid" || fail "watch exit status $?: $(cat "$TMP/wi.err")"
	watch_fw_clear
	watch_log_valid "$TMP/wi"
	local log=$TMP/wi/events.jsonl
	# each rung is asked again as soon as it ends, not once a cycle: the
	# 1 s rung about every 1.1 s, the 4 s one every 4 s or so
	watch_jq "$log" '[.[] | select(.event == "rung" and .idle_s == 1 and .interrupted == false)] | length >= 8'
	watch_jq "$log" '[.[] | select(.event == "rung" and .idle_s == 4 and .interrupted == false)] | length >= 4'
	watch_jq "$log" 'def t: (.[0:19] + "Z" | fromdateiso8601) + (.[20:23] | tonumber) / 1000;
		[.[] | select(.event == "rung" and .idle_s == 4)] | [range(1; length) as $i |
		(.[$i].started | t) - ((.[$i - 1].started | t) + .[$i - 1].duration_ms / 1000)] | all(. < 1.5)'
	"$NETPROBE" watch report "$TMP/wi" --json "$TMP/wi.json" --html "$TMP/wi.html" || fail "watch report"
	# the 1 s rung survived every asking; the 4 s one until the change
	jqe "$TMP/wi.json" '[.idle[] | select(.idle_s == 1)][0] | .asked >= 8 and .survival == 1'
	jqe "$TMP/wi.json" '[.idle[] | select(.idle_s == 4)][0] | .asked >= 4 and .survived >= 1 and .survival < 1'
	jqe "$TMP/wi.json" '.period.rungs >= 12 and .period.cycles <= 1'
	jqe "$TMP/wi.json" '[.failures[] | select(.check == "idle" and (.key | test("idle_s=4")))] | length >= 1 and
		(.[0].verdict == "idle.reset_by_path") and (.[0].evidence | test("^evidence/idle-[0-9]{8}[.]pcapng$"))'
	# the failed rung's packets: its connection and the firewall's reset
	local ev
	ev=$(jq -r -s '[.[] | select(.event == "rung" and .idle_s == 4 and .failed)][0].evidence' "$log")
	[ -f "$TMP/wi/$ev" ] || fail "no evidence file '$ev' for the failed 4 s rung: $(ls "$TMP/wi/evidence")"
	[ "$(tshark -r "$TMP/wi/$ev" -Y "tcp.flags.reset == 1 && tcp.srcport == $PORT_IDLE_OPEN" 2>/dev/null | wc -l)" -ge 1 ] ||
		fail "$ev holds no reset from port $PORT_IDLE_OPEN"
	# a rung that survived keeps no evidence of its own
	watch_jq "$log" '[.[] | select(.event == "rung" and .failed == false and .changed == false) | .evidence] | all(. == null)'
	grep -q 'Idle survival per rung' "$TMP/wi.html" || fail "no idle survival in the HTML"
	xmllint --noout "$TMP/wi.html" || fail "the HTML is not well-formed"
}

test_watch_service_unit_verifies_and_runs_with_net_raw_only() {
	local unit here d
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	unit=$here/contrib/netprobe-watch.service
	for k in 'DynamicUser=yes' 'AmbientCapabilities=CAP_NET_RAW' 'CapabilityBoundingSet=CAP_NET_RAW' \
		'StateDirectory=netprobe'; do
		grep -qx "$k" "$unit" || fail "the unit lacks $k"
	done
	if command -v systemd-analyze >/dev/null; then
		d=$TMP/unit
		mkdir -p "$d"
		sed "s|/usr/local/bin/netprobe|$NETPROBE|" "$unit" >"$d/netprobe-watch.service"
		systemd-analyze verify "$d/netprobe-watch.service" >"$d/verify.out" 2>&1 ||
			fail "systemd-analyze verify: $(cat "$d/verify.out")"
	fi
	# What the unit runs: an unprivileged user with CAP_NET_RAW as its only
	# (ambient) capability, in a state directory of its own. The capture
	# still works (evidence of the dropped port), changes reach stderr.
	# (TMP is root's 0700: the unit's user gets a directory it can enter,
	# as /etc/netprobe and /var/lib/netprobe are for the dynamic user)
	local pub
	pub=$(mktemp -d /tmp/netprobe-watch-unit.XXXXXX)
	chmod 0755 "$pub"
	watch_profile "$pub/wu.yaml"
	chmod 0644 "$pub/wu.yaml"
	mkdir -m 0755 "$pub/wu"
	chown nobody:nogroup "$pub/wu"
	watch_fw_clear
	watch_fw_drop "$PORT_OPEN2"
	local rc=0
	ip netns exec "$NS_CLI" setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+net_raw \
		--ambient-caps=+net_raw --bounding-set=-all,+net_raw "$NETPROBE" watch --profile "$pub/wu.yaml" \
		--every 500ms --for 3s --state-dir "$pub/wu" 2>"$TMP/wu.err" || rc=$?
	watch_fw_clear
	mv "$pub/wu" "$TMP/wu"
	rm -rf "$pub"
	expect "watch exit status ($(cat "$TMP/wu.err"))" "$rc" 0
	watch_log_valid "$TMP/wu"
	expect "state dir mode" "$(stat -c %a "$TMP/wu")" 700
	watch_jq "$TMP/wu/events.jsonl" '[.[] | select(.event == "start") | has("capture")] == [false]'
	local f
	f=$(jq -r -s '[.[] | select(.event == "cycle" and .evidence != null)][0].evidence' "$TMP/wu/events.jsonl")
	[ "$(tshark -r "$TMP/wu/$f" -Y "tcp.dstport == $PORT_OPEN2 && tcp.flags.syn == 1" 2>/dev/null | wc -l)" -ge 1 ] ||
		fail "no SYN in $f: capture did not work with CAP_NET_RAW alone"
	expect "evidence owner" "$(stat -c %U "$TMP/wu/$f")" nobody
	# one line per change on stderr (journald keeps each as one entry)
	grep -q "^netprobe watch: cycle 1: tcp $SRV4:$PORT_OPEN2 ($SRV4): new -> fail (tcp.filtered): " "$TMP/wu.err" ||
		fail "stderr: $(cat "$TMP/wu.err")"
}
