# SPDX-License-Identifier: GPL-3.0-or-later
# The HTML sign-off report, Prometheus metrics and netprobe merge: from real
# runs in the lab (tcp, tls, idle; the client and the IPv6-only client
# merged), checked with xmllint, promtool and a headless Chromium
# screenshot; and, with no network, from `netprobe explain` of a recorded
# capture, with the usage errors.
# shellcheck shell=bash

CAPTURES=$here/../../fixtures/captures

# html_ok FILE: well-formed XHTML, self-contained (nothing to fetch or run).
html_ok() {
	xmllint --noout "$1" || fail "$1 is not well-formed"
	! grep -Eq '<script|<link|src=|href="[^#]|url\(|@import' "$1" || fail "$1 is not self-contained"
	grep -q '@media print' "$1" || fail "$1 has no print stylesheet"
}

# prom_ok FILE: promtool accepts it (when installed), no series twice, and
# FILE.tmp is gone (renamed into place).
prom_ok() {
	if command -v promtool >/dev/null; then
		promtool check metrics <"$1" || fail "promtool refuses $1"
	fi
	local dups
	dups=$(grep -v '^#' "$1" | sed 's/ [^ ]*$//' | sort | uniq -d)
	[ -z "$dups" ] || fail "series twice in $1: $dups"
	[ ! -e "$1.tmp" ] || fail "$1.tmp left behind"
	grep -q '^# TYPE netprobe_check_success gauge$' "$1" || fail "no netprobe_check_success in $1"
}

# screenshot HTML PNG [HEIGHT]: headless Chromium draws the page (inside
# the lab's client namespace, so that nothing it tries leaves the lab) into
# a 1280-pixel-wide PNG, far larger than an empty page's.
screenshot() {
	command -v chromium >/dev/null || fail "chromium is not installed (make deps)"
	"$LAB" exec cli timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync --disable-extensions \
		--user-data-dir="$TMP/chromium" --screenshot="$2" --window-size="1280,${3:-2000}" "file://$1" \
		>"$TMP/chromium.log" 2>&1 || fail "chromium failed: $(tail -3 "$TMP/chromium.log")"
	[ "$(head -c 8 "$2" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "$2 is not a PNG"
	[ "$(od -An -tu1 -j16 -N4 "$2" | awk '{print $1*16777216+$2*65536+$3*256+$4}')" = 1280 ] ||
		fail "$2 is not 1280 pixels wide"
	[ "$(stat -c %s "$2")" -gt 30000 ] || fail "$2 looks empty ($(stat -c %s "$2") bytes)"
}

# first_screen_bottom HTML: where the checklist table ends and how tall the
# first screen is ("BOTTOM HEIGHT", CSS pixels), as Chromium lays the page
# out in a 1280x1024 window; measured through chromedriver (WebDriver),
# in the client namespace.
first_screen_bottom() {
	local port=9515 sid pid
	"$LAB" exec cli chromedriver --port=$port >"$TMP/chromedriver.log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		"$LAB" exec cli curl -sf "http://127.0.0.1:$port/status" >/dev/null 2>&1 && break
		sleep 0.1
	done
	sid=$("$LAB" exec cli curl -s -X POST "http://127.0.0.1:$port/session" -H 'Content-Type: application/json' \
		-d "{\"capabilities\":{\"alwaysMatch\":{\"goog:chromeOptions\":{\"binary\":\"$(command -v chromium)\",
		\"args\":[\"--headless\",\"--no-sandbox\",\"--disable-gpu\",\"--window-size=1280,1024\",
		\"--user-data-dir=$TMP/chromium-wd\"]}}}}" | jq -r .value.sessionId)
	"$LAB" exec cli curl -s -X POST "http://127.0.0.1:$port/session/$sid/url" -H 'Content-Type: application/json' \
		-d "{\"url\":\"file://$1\"}" >/dev/null
	"$LAB" exec cli curl -s -X POST "http://127.0.0.1:$port/session/$sid/execute/sync" \
		-H 'Content-Type: application/json' -d '{"args":[],"script":"var r = document.querySelector(\"section.checklist table\").getBoundingClientRect(); return Math.ceil(r.bottom) + \" \" + window.innerHeight;"}' |
		jq -r .value
	"$LAB" exec cli curl -s -X DELETE "http://127.0.0.1:$port/session/$sid" >/dev/null || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# The lab profile's sign-off report answers the change board first: the
# prerequisites as the profile groups them (section:), each with the worst
# status of its findings, who must act, and links to its findings; in the
# JSON, the terminal, the JUnit suites and the HTML's first screen.
test_reports_lab_profile_checklist() {
	local profile="$here/../../fixtures/profiles/lab.yaml" c='.summary.checklist'
	np rlab run --profile "$profile" --set lab_ca="$LAB_CA" --html "$TMP/rlab.html" --junit "$TMP/rlab.xml"
	expect "exit status" "$(rc_of rlab)" 1
	jqe "$TMP/rlab.json" "[$c[].item] == [\"external DNS\", \"domain controllers\", \"firewall rule matrix\",
		\"TLS endpoints\", \"proxies\", \"revocation over HTTP\", \"idle \u2265 4 s\", \"proxy idle \u2265 4 s\",
		\"no NAT\", \"address families\", \"path trace\"]"
	# every finding in one item, which links to it by its id
	jqe "$TMP/rlab.json" "([$c[].findings[]] | sort) == ([.findings[].id] | sort) and ([.findings[].id] | unique | length) == (.findings | length)"
	# an item's status is the worst of its findings'
	jqe "$TMP/rlab.json" "def sev: {\"fail\": 4, \"error\": 3, \"warn\": 2, \"skip\": 1, \"pass\": 0}[.];
		(.findings | map({(.id): (.status | sev)}) | add) as \$s | all($c[]; (.status | sev) == ([.findings[] | \$s[.]] | max))"
	# who must act, from the evidence: the firewall at hop 2 (its address
	# from the trace), the proxy, the resolver, the endpoint's operator
	jqe "$TMP/rlab.json" "$c[] | select(.item == \"idle \u2265 4 s\") | .status == \"fail\" and
		(.who | index(\"the firewall at hop 2 ($FW6)\")) and
		(.line | startswith(\"the firewall at hop 2 ($FW6) must act: idle.reset_by_path at $TLS_GOOD_NAME:$PORT_IDLE_RESET\"))"
	jqe "$TMP/rlab.json" "$c[] | select(.item == \"firewall rule matrix\") | .status == \"fail\" and
		(.who | index(\"the firewall at hop 2 ($FW4)\")) and (.who | index(\"the firewall on the path to $SRV4 (it must close this flow)\"))"
	jqe "$TMP/rlab.json" "$c[] | select(.item == \"proxies\") | .status == \"fail\" and
		(.who | index(\"the proxy $PROXY_AUTH4:$PROXY_PORT\"))"
	jqe "$TMP/rlab.json" "$c[] | select(.item == \"external DNS\") | .status == \"fail\" and
		(.who | index(\"the DNS resolver $DNS_REFUSE\"))"
	jqe "$TMP/rlab.json" "$c[] | select(.item == \"TLS endpoints\") | .status == \"fail\" and
		(.who | index(\"the operator of $TLS_EXPIRED_NAME:443\"))"
	jqe "$TMP/rlab.json" "$c[] | select(.item == \"proxy idle \u2265 4 s\") | .status == \"warn\""
	jqe "$TMP/rlab.json" "$c[] | select(.item == \"no NAT\") | .status == \"skip\" and
		.line == \"not run: whoever runs netprobe (--set responder=...) must act\""
	jqe "$TMP/rlab.json" "$c[] | select(.item == \"path trace\") | .status == \"pass\" and .line == \"all 4 findings pass\" and .who == []"
	# each problem linked is a finding of that item that did not pass
	jqe "$TMP/rlab.json" "(.findings | map({(.id): .}) | add) as \$f |
		all($c[]; .item as \$i | all(.problems[]; \$f[.].metrics.section == \$i and \$f[.].status != \"pass\"))"
	# the terminal summary opens with it
	grep -A1 '^Checklist:$' "$TMP/rlab.out" | grep -q '^FAIL  external DNS: ' || fail "no checklist in the terminal summary"
	# JUnit: one suite per item, in order
	expect "first JUnit suite" "$(xmllint --xpath 'string(//testsuite[1]/@name)' "$TMP/rlab.xml")" "external DNS"
	expect "JUnit suites" "$(xmllint --xpath 'count(//testsuite)' "$TMP/rlab.xml")" 11
	# HTML: the checklist before everything else, its links lead to rows
	html_ok "$TMP/rlab.html"
	[ "$(grep -o '<section class="[a-z]*"' "$TMP/rlab.html" | head -1)" = '<section class="checklist"' ] ||
		fail "the checklist is not the first section"
	grep -q "class=\"item\">idle ≥ 4 s</th><td>the firewall at hop 2 ($FW6) must act" "$TMP/rlab.html" ||
		fail "the idle item does not say who must act"
	local id
	for id in $(grep -o 'href="#f[0-9]*"' "$TMP/rlab.html" | sed 's/href="#//; s/"//' | sort -u); do
		grep -q "<tr id=\"$id\">" "$TMP/rlab.html" || fail "link #$id leads nowhere"
	done
	# the timing chart: every endpoint, slowest first, each label once
	grep -q 'slowest first, on a logarithmic scale' "$TMP/rlab.html" || fail "timing chart not on a log scale"
	! grep -Eq '>[^<]* (A A|AAAA AAAA|TXT TXT) @' "$TMP/rlab.html" || fail "a timing label repeats its query type"
	# in print, no row cut across pages
	grep -q 'break-inside:avoid' "$TMP/rlab.html" || fail "no print rule against cut rows"
	# the whole checklist on the first screen (1280x1024), as Chromium lays it out
	if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
		echo "    skipped the first-screen check: chromium or chromedriver is not installed (make deps)" >&2
	else
		local m
		m=$(first_screen_bottom "$TMP/rlab.html")
		[[ "$m" =~ ^[0-9]+\ [0-9]+$ ]] || fail "could not measure the page: '$m' ($(tail -3 "$TMP/chromedriver.log"))"
		[ "${m% *}" -le "${m#* }" ] || fail "the checklist ends at ${m% *} px, below the first screen (${m#* } px)"
	fi
	screenshot "$TMP/rlab.html" "$TMP/rlab.png" 1024
	if [ -n "${NP_SCREENSHOT_DIR:-}" ]; then
		cp "$TMP/rlab.png" "$NP_SCREENSHOT_DIR/signoff-lab.png"
	fi
}

test_reports_tcp_html_prom() {
	np rtcp tcp "$SRV4:$PORT_OPEN" "[$SRV6]:$PORT_OPEN2" "$SRV4:$PORT_CLOSED" \
		--html "$TMP/rtcp.html" --prom "$TMP/rtcp.prom"
	expect "exit status" "$(rc_of rtcp)" 1
	html_ok "$TMP/rtcp.html"
	grep -q 'FAIL: 1 of 3 findings failed' "$TMP/rtcp.html" || fail "no FAIL banner"
	grep -q "<code>tcp.refused</code>" "$TMP/rtcp.html" || fail "no tcp.refused row"
	# the refused connect's evidence frames, numbered as in the capture
	grep -Eq '<span class="frame">#[0-9]+</span>' "$TMP/rtcp.html" || fail "no evidence frame"
	grep -q "<td>$CLI4, $CLI6</td>" "$TMP/rtcp.html" || fail "no source addresses"
	prom_ok "$TMP/rtcp.prom"
	expect "success series" "$(grep -c '^netprobe_check_success{' "$TMP/rtcp.prom")" 3
	grep -q "^netprobe_check_success{check=\"tcp\",target=\"$SRV4:$PORT_CLOSED\",address=\"$SRV4\",.*verdict=\"tcp.refused\",status=\"fail\"} 0$" \
		"$TMP/rtcp.prom" || fail "no failed series for the closed port"
	expect "connect gauges" "$(grep -c '^netprobe_connect_seconds{' "$TMP/rtcp.prom")" 2
	grep -q '^netprobe_findings{command="tcp",status="fail"} 1$' "$TMP/rtcp.prom" || fail "no findings count"
	grep -q '^netprobe_run_timestamp_seconds{command="tcp"} 1[0-9]\{9\}' "$TMP/rtcp.prom" || fail "no run timestamp"
	# written by root's helper, readable by a collector running as another user
	expect "mode" "$(stat -c %a "$TMP/rtcp.prom")" 644
	screenshot "$TMP/rtcp.html" "$TMP/rtcp.png"
}

test_reports_tls_timing_bars_and_paths() {
	np rtls tls --ca "$LAB_CA" "$TLS_GOOD_NAME" -4 --proxy none --proxy "$PROXY_AUTH" \
		--html "$TMP/rtls.html" --prom "$TMP/rtls.prom"
	expect "exit status" "$(rc_of rtls)" 0
	html_ok "$TMP/rtls.html"
	grep -q '<section class="timing">' "$TMP/rtls.html" || fail "no timing bars"
	expect "TLS bars (and the legend's)" "$(grep -o '<rect class="ph-tls" x=' "$TMP/rtls.html" | wc -l)" 3
	grep -q 'class="ph-proxy" x="[0-9.]*" y="[0-9.]*"' "$TMP/rtls.html" || fail "no proxy phase drawn"
	grep -q 'PASS: all 2 findings passed' "$TMP/rtls.html" || fail "no PASS banner"
	prom_ok "$TMP/rtls.prom"
	expect "handshake gauges" "$(grep -c '^netprobe_tls_handshake_seconds{' "$TMP/rtls.prom")" 2
	grep -q '^netprobe_tls_handshake_seconds{.*path="direct".*} 0\.[0-9]' "$TMP/rtls.prom" || fail "direct handshake"
	grep -q "^netprobe_proxy_seconds{.*path=\"http://$PROXY_USER:\*\*\*@" "$TMP/rtls.prom" || fail "proxy path"
	! grep -q "$PROXY_PASS" "$TMP/rtls.html" "$TMP/rtls.prom" || fail "the proxy password is in a report"
	screenshot "$TMP/rtls.html" "$TMP/rtls.png"
}

test_reports_idle_timeline() {
	np ridle idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$PORT_IDLE_RESET" -4 --ladder 1,5 --idle 5 \
		--html "$TMP/ridle.html" --prom "$TMP/ridle.prom"
	expect "exit status" "$(rc_of ridle)" 1
	html_ok "$TMP/ridle.html"
	grep -q '<section class="idle">' "$TMP/ridle.html" || fail "no idle ladder"
	grep -q 'class="bar kept"' "$TMP/ridle.html" || fail "the 1 s rung is not drawn kept"
	grep -q 'class="bar lost"' "$TMP/ridle.html" || fail "the 5 s rung is not drawn lost"
	grep -q 'reset by the device at hop 2' "$TMP/ridle.html" || fail "who killed it is not said"
	grep -q 'required 5 s' "$TMP/ridle.html" || fail "no requirement line"
	prom_ok "$TMP/ridle.prom"
	grep -q '^netprobe_idle_survived_seconds{.*path="direct".*scope="overall"} 1$' "$TMP/ridle.prom" ||
		fail "survival not 1 s"
	grep -q '^netprobe_idle_required_seconds{.*} 5$' "$TMP/ridle.prom" || fail "requirement not 5 s"
	grep -q '^netprobe_check_success{.*scope="rung",idle_s="5"} 0$' "$TMP/ridle.prom" || fail "no 5 s rung series"
	screenshot "$TMP/ridle.html" "$TMP/ridle.png"
}

test_reports_merge_two_hosts() {
	np mcli tcp "[$SRV6]:$PORT_OPEN" "[$SRV6]:$PORT_CLOSED"
	local rc=0
	ip netns exec "$NS_C6" "$NETPROBE" tcp "[$SRV6]:$PORT_OPEN" "[$SRV6]:$PORT_CLOSED" \
		--json "$TMP/mc6.json" >/dev/null 2>&1 || rc=$?
	expect "exit status from c6" "$rc" 1
	rc=0
	"$NETPROBE" merge "$TMP/mcli.json" "$TMP/mc6.json" --html "$TMP/merge.html" --json "$TMP/merge.json" \
		>"$TMP/merge.out" 2>&1 || rc=$?
	expect "merge exit status (a finding failed)" "$rc" 1
	jqe "$TMP/merge.json" '.schema == 1 and .command == "merge" and (.hosts | length) == 2 and (.reports | length) == 2'
	jqe "$TMP/merge.json" ".hosts[0].sources == [\"$CLI6\"] and .hosts[1].sources == [\"$C6_6\"]"
	jqe "$TMP/merge.json" '[.rows[] | .cells | length == 2 and all(.[]; . != null)] | length == 2 and all'
	jqe "$TMP/merge.json" "[.rows[] | select(.target == \"[$SRV6]:$PORT_CLOSED\") | .cells[].status] == [\"fail\", \"fail\"]"
	jqe "$TMP/merge.json" '.summary.total == 4 and .summary.fail == 2'
	html_ok "$TMP/merge.html"
	grep -q 'netprobe sign-off: 2 hosts' "$TMP/merge.html" || fail "no title"
	expect "host columns" "$(grep -o '<th scope="col"><strong>' "$TMP/merge.html" | wc -l)" 2
	grep -q "$C6_6" "$TMP/merge.html" || fail "the IPv6-only client's address is not shown"
	expect "host sections" "$(grep -c '<section class="host">' "$TMP/merge.html")" 2
	grep -q 'merged 2 reports of 2 hosts into 2 rows' "$TMP/merge.out" || fail "$(cat "$TMP/merge.out")"
	# a merge of merges reads the reports inside
	"$NETPROBE" merge "$TMP/merge.json" "$TMP/mcli.json" --json "$TMP/merge2.json" >/dev/null 2>&1 || true
	jqe "$TMP/merge2.json" '(.reports | length) == 3 and (.hosts | length) == 2'
	screenshot "$TMP/merge.html" "$TMP/merge.png"
}

# --- no network: explain of a recorded capture, and bad input ------------------------

test_cli_reports_from_explain() {
	local rc=0
	"$NETPROBE" explain "$CAPTURES/idle_reset_path.pcap" --min-idle 4 --json "$TMP/ex.json" --html "$TMP/ex.html" \
		--prom "$TMP/ex.prom" >/dev/null 2>&1 || rc=$?
	expect "exit status" "$rc" 1
	html_ok "$TMP/ex.html"
	grep -q '<code>idle.reset_by_path</code>' "$TMP/ex.html" || fail "no finding in the HTML"
	prom_ok "$TMP/ex.prom"
	grep -q '^netprobe_check_success{check="explain",.*verdict="idle.reset_by_path",status="fail"} 0$' \
		"$TMP/ex.prom" || fail "no explain series"
	# the same host twice, no source addresses: one column
	rc=0
	"$NETPROBE" merge "$TMP/ex.json" "$TMP/ex.json" --json "$TMP/exm.json" --html "$TMP/exm.html" \
		>/dev/null 2>&1 || rc=$?
	expect "merge exit status" "$rc" 1
	jqe "$TMP/exm.json" '(.hosts | length) == 1 and (.hosts[0].reports == [0, 1])'
	html_ok "$TMP/exm.html"
}

test_cli_reports_bad_outputs() {
	usage_error tcp --html /nonexistent-dir/x.html 127.0.0.1:80 | grep -- "--html /nonexistent-dir/x.html: No such file" >/dev/null
	usage_error tcp --prom /nonexistent-dir/x.prom 127.0.0.1:80 | grep -- "--prom /nonexistent-dir/x.prom: cannot create /nonexistent-dir/x.prom.tmp: No such file" >/dev/null
	usage_error tcp --prom - 127.0.0.1:80 | grep -- "--prom needs a file name" >/dev/null
	usage_error tcp --json - --html - 127.0.0.1:80 | grep -- "--json and --html cannot both write to stdout" >/dev/null
	usage_error explain "$CAPTURES/idle_reset_path.pcap" --html /nonexistent-dir/x.html | grep -- "--html" >/dev/null
}

test_cli_reports_merge_bad_input() {
	printf 'hello\n' >"$TMP/notjson.json"
	usage_error merge "$TMP/notjson.json" --html "$TMP/never.html" | grep -- "$TMP/notjson.json: not JSON" >/dev/null
	[ ! -e "$TMP/never.html" ] || fail "an output was written for a bad input"
	printf '{"schema": 1, "command": "tcp"}\n' >"$TMP/notreport.json"
	usage_error merge "$TMP/notreport.json" --html "$TMP/never.html" | grep "not a netprobe JSON report" >/dev/null
	usage_error merge "$TMP/nonexistent.json" --html "$TMP/never.html" | grep "cannot read it: No such file" >/dev/null
	usage_error merge "$TMP/notjson.json" | grep "nothing to write" >/dev/null
	usage_error merge "$TMP/notjson.json" --html "$TMP/x.html" --prom "$TMP/x.prom" | grep -- "--prom: merge reads reports" >/dev/null
	usage_error merge --html "$TMP/x.html" | grep "no target given" >/dev/null
}
