# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe responder in the lab: the server runs in the server namespace,
# real clients (socat, bash's /dev/tcp and /dev/udp, openssl s_client, curl)
# talk to it from the client namespace, through the lab's routers.
# shellcheck shell=bash

RESP_PORT=7000
RESP_PID=
RESP_RC=
HOLD_PIDS=()
RESP_WRAP=()   # a command the responder runs under (it must exec it in place)

# In the client namespace. In the background, call ip netns exec itself, not
# this function: it execs the command in place, so $! is the command's pid
# (a function would run in a subshell of its own).
cli() { ip netns exec "$NS_CLI" "$@"; }

# resp_start NAME ARGS...: the responder in the server namespace, in the
# background, its output in $TMP/NAME.resp; returns once it has said it is
# listening. It is stopped on every exit path of the test (the test's
# subshell runs resp_cleanup on EXIT).
resp_start() {
	local name=$1
	shift
	RESP_OUT=$TMP/$name.resp
	trap resp_cleanup EXIT
	ip netns exec "$NS_SRV" "${RESP_WRAP[@]}" "$NETPROBE" responder "$@" >"$RESP_OUT" 2>&1 &
	RESP_PID=$!
	for _ in $(seq 1 100); do
		if grep -q '^listening on ' "$RESP_OUT"; then
			return 0
		fi
		kill -0 "$RESP_PID" 2>/dev/null || fail "the responder exited: $(cat "$RESP_OUT")"
		sleep 0.05
	done
	fail "the responder did not start: $(cat "$RESP_OUT")"
}

# Stop the clients the test left holding connections, then the responder
# (SIGTERM; KILL after 5 s), by pid; its exit status in RESP_RC. Repeatable.
resp_stop() {
	local p
	for p in "${HOLD_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	HOLD_PIDS=()
	[ -n "$RESP_PID" ] || return 0
	kill -TERM "$RESP_PID" 2>/dev/null || true
	for _ in $(seq 1 50); do
		kill -0 "$RESP_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$RESP_PID" 2>/dev/null || true
	RESP_RC=0
	wait "$RESP_PID" || RESP_RC=$?
	RESP_PID=
}

# On the test's exit: stop everything; a responder that did not exit 0
# (a crash, a sanitizer report) fails the test.
resp_cleanup() {
	local rc=$?
	resp_stop
	if [ -n "$RESP_RC" ] && [ "$RESP_RC" != 0 ]; then
		echo "    the responder exited with status $RESP_RC: $(tail -n 5 "$RESP_OUT")" >&2
		rc=1
	fi
	exit "$rc"
}

# tcp_lines ADDR:PORT TEXT: send TEXT on one connection, print what comes back.
tcp_lines() {
	printf '%b' "$2" | cli timeout 10 socat -t2 - "TCP:$1" 2>/dev/null || true
}

# udp_reply ADDR:PORT TEXT: one datagram, the reply (if any within 1 s).
udp_reply() {
	printf '%b' "$2" | cli timeout 10 socat -t1 - "UDP:$1" 2>/dev/null || true
}

# PAD: filler so that a UDP request is as long as its reply may be.
PAD="pad=$(printf 'x%.0s' {1..150})"

# established connections to the responder, seen from its side
resp_conns() {
	ip netns exec "$NS_SRV" ss -tnH state established "( sport = :$RESP_PORT )" | wc -l
}

wait_conns() {
	local want=$1
	for _ in $(seq 1 100); do
		[ "$(resp_conns)" -eq "$want" ] && return 0
		sleep 0.05
	done
	fail "the responder holds $(resp_conns) connections, expected $want"
}

test_responder_tcp_hello_and_echo() {
	local out
	resp_start tcp --listen "[::]:$RESP_PORT"
	out=$(tcp_lines "$SRV4:$RESP_PORT" 'NPR/1 HELLO\nNPR/1 ECHO data=abc-123\r\nNPR/1 FROB\nnonsense\nNPR/1 HELLO\n')
	[[ $out =~ ^"NPR/1 OK seen=$CLI4:"[0-9]+" proto=tcp local=$SRV4:$RESP_PORT"$'\n' ]] || fail "HELLO: $out"
	grep -qx "NPR/1 ECHO data=abc-123 seen=$CLI4:[0-9]*" <<<"$out" || fail "ECHO: $out"
	# Errors keep the connection: the last HELLO is answered too.
	expect "replies in order" "$(sed -E 's/^NPR\/1 //; s/ seen=([^ ]*):[0-9]+.*/ seen=\1/' <<<"$out" | tr '\n' '|')" \
		"OK seen=$CLI4|ECHO data=abc-123 seen=$CLI4|ERR verb|ERR version|OK seen=$CLI4|"
	out=$(tcp_lines "[$SRV6]:$RESP_PORT" 'NPR/1 HELLO\n')
	[[ $out == "NPR/1 OK seen=[$CLI6]:"*" proto=tcp local=[$SRV6]:$RESP_PORT" ]] || fail "HELLO over IPv6: $out"
	# A line over 512 bytes: ERR syntax, then the connection is closed.
	out=$(tcp_lines "$SRV4:$RESP_PORT" "$(printf 'a%.0s' {1..600})\nNPR/1 HELLO\n")
	expect "overlong line" "$out" "NPR/1 ERR syntax"
	resp_stop
	expect "exit status after SIGTERM" "$RESP_RC" 0
	grep -q '^stopped by SIGTERM: 3 tcp connections' "$RESP_OUT" || fail "summary: $(cat "$RESP_OUT")"
}

test_responder_udp_hello_seen_address() {
	local out
	resp_start udp --listen "[::]:$RESP_PORT"
	out=$(udp_reply "$SRV4:$RESP_PORT" "NPR/1 HELLO $PAD\n")
	[[ $out =~ ^"NPR/1 OK seen=$CLI4:"[0-9]+" proto=udp local=$SRV4:$RESP_PORT"$ ]] || fail "UDP HELLO: $out"
	# The reply leaves from the address the request went to (a connected
	# client socket takes nothing else).
	out=$(udp_reply "$SRV4B:$RESP_PORT" "NPR/1 HELLO $PAD")
	[[ $out == "NPR/1 OK seen=$CLI4:"*" proto=udp local=$SRV4B:$RESP_PORT" ]] || fail "second address: $out"
	out=$(udp_reply "[$SRV6B]:$RESP_PORT" "NPR/1 ECHO data=v6 $PAD\n")
	[[ $out == "NPR/1 ECHO data=v6 seen=[$CLI6]:"* ]] || fail "UDP ECHO over IPv6: $out"
}

test_responder_udp_reply_never_longer_than_request() {
	local out
	resp_start amp --listen "$SRV4:$RESP_PORT"
	# Short requests asking for longer replies get nothing at all.
	expect "bare HELLO" "$(udp_reply "$SRV4:$RESP_PORT" 'NPR/1 HELLO\n')" ""
	expect "short ECHO" "$(udp_reply "$SRV4:$RESP_PORT" 'NPR/1 ECHO data=x\n')" ""
	expect "short error" "$(udp_reply "$SRV4:$RESP_PORT" 'X\n')" ""
	# Padded, the same requests are answered, never with more bytes.
	out=$(udp_reply "$SRV4:$RESP_PORT" "NPR/1 ECHO data=x $PAD\n")
	[[ $out == "NPR/1 ECHO data=x seen=$CLI4:"* ]] || fail "padded ECHO: $out"
	[ $((${#out} + 1)) -le $((${#PAD} + 19)) ] || fail "reply longer than the request"
	resp_stop
	grep -q ', 3 udp replies withheld' "$RESP_OUT" || fail "summary: $(cat "$RESP_OUT")"
}

test_responder_token_required() {
	local out code
	resp_start token --listen "[::]:$RESP_PORT" --token s3cret
	# Without it: ERR token and the connection closed (the second line is not read).
	out=$(tcp_lines "$SRV4:$RESP_PORT" 'NPR/1 HELLO\nNPR/1 HELLO token=s3cret\n')
	expect "no token" "$out" "NPR/1 ERR token"
	expect "wrong token" "$(tcp_lines "$SRV4:$RESP_PORT" 'NPR/1 HELLO token=s3cre\n')" "NPR/1 ERR token"
	out=$(tcp_lines "$SRV4:$RESP_PORT" 'NPR/1 HELLO token=s3cret\nNPR/1 ECHO data=ok token=s3cret\n')
	grep -qx "NPR/1 ECHO data=ok seen=$CLI4:[0-9]*" <<<"$out" || fail "with the token: $out"
	expect "UDP without it" "$(udp_reply "$SRV4:$RESP_PORT" "NPR/1 HELLO $PAD\n")" "NPR/1 ERR token"
	# HTTP carries it in the query.
	code=$(cli curl -s -o /dev/null -w '%{http_code}' "http://$SRV4:$RESP_PORT/") || true
	expect "HTTP without it" "$code" 403
	code=$(cli curl -s -o /dev/null -w '%{http_code}' "http://$SRV4:$RESP_PORT/?token=s3cret") || true
	expect "HTTP with it" "$code" 204
}

test_responder_max_conns_busy() {
	resp_start busy --listen "[::]:$RESP_PORT" --max-conns 2
	# Two clients hold connections without a word (socat -u only reads).
	ip netns exec "$NS_CLI" socat -u "TCP:$SRV4:$RESP_PORT" - >/dev/null 2>&1 &
	HOLD_PIDS+=($!)
	ip netns exec "$NS_CLI" socat -u "TCP:[$SRV6]:$RESP_PORT" - >/dev/null 2>&1 &
	HOLD_PIDS+=($!)
	wait_conns 2
	expect "third connection" "$(tcp_lines "$SRV4:$RESP_PORT" 'NPR/1 HELLO\n')" "NPR/1 ERR busy"
	# One leaves: there is room again.
	kill "${HOLD_PIDS[0]}"
	wait_conns 1
	[[ $(tcp_lines "$SRV4:$RESP_PORT" 'NPR/1 HELLO\n') == "NPR/1 OK "* ]] || fail "no room after one left"
	resp_stop
	grep -q ', 1 busy,' "$RESP_OUT" || fail "summary: $(cat "$RESP_OUT")"
}

test_responder_rate_limit_per_source() {
	local ok
	resp_start rate --listen "[::]:$RESP_PORT" --rate 3
	# Ten connections at once from one address: a burst of 3 (and what
	# refills meanwhile) is served, the others are closed at once.
	# shellcheck disable=SC2016
	ok=$(cli bash -c 'for i in $(seq 10); do exec {fd}<>"/dev/tcp/$1/$2" || continue; fds+=($fd); done
		for fd in "${fds[@]}"; do printf "NPR/1 HELLO\n" >&$fd 2>/dev/null || true; done
		for fd in "${fds[@]}"; do read -r -t 2 -u $fd line 2>/dev/null && echo "$line"; done; true' \
		_ "$SRV4" "$RESP_PORT" | grep -c '^NPR/1 OK') || true
	((ok >= 3 && ok <= 5)) || fail "$ok of 10 connections served, expected 3 to 5"
	# UDP shares the bucket: refilled after a pause, then ten datagrams at once.
	sleep 1.5
	# shellcheck disable=SC2016
	ok=$(cli bash -c 'exec 3<>"/dev/udp/$1/$2"
		for i in $(seq 10); do printf "NPR/1 HELLO %s\n" "$3" >&3; done
		timeout 1 cat <&3; true' _ "$SRV4" "$RESP_PORT" "$PAD" | grep -c '^NPR/1 OK') || true
	((ok >= 3 && ok <= 5)) || fail "$ok of 10 datagrams answered, expected 3 to 5"
	# Another source address has its own bucket.
	[[ $(tcp_lines "[$SRV6]:$RESP_PORT" 'NPR/1 HELLO\n') == "NPR/1 OK "* ]] || fail "IPv6 source limited too"
}

test_responder_tls() {
	local pki out code
	pki=$(dirname "$LAB_CA")
	resp_start tls --listen "[::]:$RESP_PORT" --tls "$pki/$TLS_GOOD_NAME.chain.pem" "$pki/leaf.key"
	grep -q "^listening on \[::\]:$RESP_PORT tcp+udp, tls$" "$RESP_OUT" || fail "start line: $(cat "$RESP_OUT")"
	# s_client checks the chain against the lab CA and the name; -no_ign_eof
	# closes once stdin ends (after the sleep that lets the reply come).
	out=$( (printf 'NPR/1 HELLO\nNPR/1 ECHO data=over-tls\n'; sleep 1) |
		cli timeout 10 openssl s_client -quiet -no_ign_eof -verify_return_error -CAfile "$LAB_CA" \
			-verify_hostname "$TLS_GOOD_NAME" -servername "$TLS_GOOD_NAME" -connect "$SRV4:$RESP_PORT" \
			2>"$TMP/s_client.err") || fail "s_client: $(cat "$TMP/s_client.err")"
	[[ $out =~ ^"NPR/1 OK seen=$CLI4:"[0-9]+" proto=tls local=$SRV4:$RESP_PORT"$'\n'"NPR/1 ECHO data=over-tls seen=$CLI4:" ]] ||
		fail "over TLS: $out"
	out=$( (printf 'NPR/1 HELLO\n'; sleep 1) |
		cli timeout 10 openssl s_client -quiet -no_ign_eof -verify_return_error -CAfile "$LAB_CA" \
			-verify_hostname "$TLS_GOOD_NAME" -connect "[$SRV6]:$RESP_PORT" 2>/dev/null) || true
	[[ $out == "NPR/1 OK seen=[$CLI6]:"*" proto=tls local=[$SRV6]:$RESP_PORT" ]] || fail "TLS over IPv6: $out"
	# Plain text on the same port still works.
	[[ $(tcp_lines "$SRV4:$RESP_PORT" 'NPR/1 HELLO\n') == *" proto=tcp "* ]] || fail "plain beside TLS"
	# HTTPS as a browser or the idle probe sends it.
	code=$(cli curl -s -o /dev/null -w '%{http_code}' --cacert "$LAB_CA" \
		--resolve "$TLS_GOOD_NAME:$RESP_PORT:$SRV4" "https://$TLS_GOOD_NAME:$RESP_PORT/") || true
	expect "HTTPS GET" "$code" 204
	resp_stop
	grep -q '(3 tls, 0 tls handshakes failed)' "$RESP_OUT" || fail "summary: $(cat "$RESP_OUT")"
}

test_responder_idle_connection_then_echo() {
	local out
	resp_start idle --listen "[::]:$RESP_PORT"
	# Connected, 5 s of silence, then a request.
	(sleep 5; printf 'NPR/1 ECHO data=after-idle\n'; sleep 1) |
		ip netns exec "$NS_CLI" timeout 20 socat -t2 - "TCP:$SRV4:$RESP_PORT" >"$TMP/idle.out" 2>&1 &
	HOLD_PIDS+=($!)
	wait_conns 1
	sleep 2
	# No keepalive timer on the responder's side of the idle connection.
	out=$(ip netns exec "$NS_SRV" ss -tnoH state established "( sport = :$RESP_PORT )")
	[[ $out != *keepalive* ]] || fail "keepalive on: $out"
	wait "${HOLD_PIDS[0]}" || true
	HOLD_PIDS=()
	out=$(cat "$TMP/idle.out")
	[[ $out == "NPR/1 ECHO data=after-idle seen=$CLI4:"* ]] || fail "after 5 s idle: $out"
}

test_responder_http_get_204_keeps_the_connection() {
	local out
	resp_start http --listen "[::]:$RESP_PORT"
	out=$(cli curl -sv -o /dev/null "http://$SRV4:$RESP_PORT/a" "http://$SRV4:$RESP_PORT/b" 2>&1) || true
	[ "$(grep -c '^< HTTP/1.1 204 No Content' <<<"$out")" -eq 2 ] || fail "two 204s: $out"
	grep -q '^< Connection: keep-alive' <<<"$out" || fail "keep-alive: $out"
	grep -qi 're-using existing connection' <<<"$out" || fail "the second GET had a new connection: $out"
	# HEAD, and NPR/1 after HTTP on the same connection.
	out=$(tcp_lines "[$SRV6]:$RESP_PORT" 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\nNPR/1 HELLO\n')
	[[ $out == "HTTP/1.1 204 No Content"*"NPR/1 OK seen=[$CLI6]:"* ]] || fail "HEAD then HELLO: $out"
}

test_responder_privileges_and_restart() {
	local user rc=0
	resp_start priv --listen "[::]:$RESP_PORT"
	user=$(ps -o user= -p "$RESP_PID")
	expect "runs as" "$user" nobody
	# The port is taken: a second responder says so and exits 2.
	ip netns exec "$NS_SRV" timeout 10 "$NETPROBE" responder --listen "[::]:$RESP_PORT" >"$TMP/second.out" 2>&1 ||
		rc=$?
	expect "second responder" "$rc" 2
	grep -qx "netprobe responder: cannot listen on \[::\]:$RESP_PORT (tcp): Address already in use" \
		"$TMP/second.out" || fail "$(cat "$TMP/second.out")"
	# An address that is not the server's.
	rc=0
	ip netns exec "$NS_SRV" timeout 10 "$NETPROBE" responder --listen "$CLI4:$RESP_PORT" >"$TMP/notours.out" 2>&1 ||
		rc=$?
	expect "foreign address" "$rc" 2
	grep -q "Cannot assign requested address" "$TMP/notours.out" || fail "$(cat "$TMP/notours.out")"
	# SIGINT with a connection open: exit 0, and the port is free at once.
	ip netns exec "$NS_CLI" socat -u "TCP:$SRV4:$RESP_PORT" - >/dev/null 2>&1 &
	HOLD_PIDS+=($!)
	wait_conns 1
	kill -INT "$RESP_PID"
	RESP_RC=0
	wait "$RESP_PID" || RESP_RC=$?
	RESP_PID=
	expect "exit status after SIGINT" "$RESP_RC" 0
	grep -q '^stopped by SIGINT: ' "$RESP_OUT" || fail "summary: $(cat "$RESP_OUT")"
	resp_start again --listen "[::]:$RESP_PORT"
}

test_responder_max_conns_fitted_to_the_open_file_limit() {
	local out
	# 150 descriptors, hard limit included: not enough for 4096 connections.
	RESP_WRAP=(prlimit --nofile=150:150)
	resp_start fdlimit --listen "[::]:$RESP_PORT" --max-conns 4096
	grep -qx "netprobe responder: --max-conns 4096: the open-file limit (ulimit -n, raised to its hard limit) is 150: serving at most 54 connections" \
		"$RESP_OUT" || fail "$(cat "$RESP_OUT")"
	# 54 connections held by one client process; the next one is busy.
	# shellcheck disable=SC2016
	ip netns exec "$NS_CLI" bash -c 'for i in $(seq 54); do exec {fd}<>"/dev/tcp/$1/$2"; done; sleep 60' \
		_ "$SRV4" "$RESP_PORT" >/dev/null 2>&1 &
	HOLD_PIDS+=($!)
	wait_conns 54
	out=$(tcp_lines "$SRV4:$RESP_PORT" 'NPR/1 HELLO\n')
	expect "connection 55" "$out" "NPR/1 ERR busy"
}

# Command-line errors, without root and without binding anything: one line,
# exit status 2. (A case that wrongly got through would bind a TEST-NET
# address that is on no host, and fail differently.)
test_cli_responder_bad_input() {
	local l=192.0.2.1:7
	usage_error responder | grep -- "--listen ADDR:PORT is required" >/dev/null
	usage_error responder --listen nonsense | grep -- "--listen 'nonsense': not ADDR:PORT" >/dev/null
	usage_error responder --listen 198.18.0.1 | grep -- "--listen '198.18.0.1'" >/dev/null
	usage_error responder --listen '[::1]:0' | grep -- "--listen '\[::1\]:0'" >/dev/null
	usage_error responder --listen $l --max-conns 0 | grep -- "--max-conns '0'" >/dev/null
	usage_error responder --listen $l --rate x | grep -- "--rate 'x'" >/dev/null
	usage_error responder --listen $l --token 'a b' | grep -- "--token" >/dev/null
	usage_error responder --listen $l stray | grep "unexpected argument 'stray'" >/dev/null
	usage_error responder --listen $l --json - | grep "writes no report" >/dev/null
	usage_error responder --listen $l --tls "$TMP/none.pem" | grep -- "--tls needs two files" >/dev/null
	usage_error responder --listen $l --tls "$TMP/none.pem" "$TMP/none.key" |
		grep -- "--tls $TMP/none.pem: cannot read it: No such file" >/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/r.key" \
		-out "$TMP/r.pem" -subj /CN=responder.test -days 1 2>/dev/null
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TMP/other.key" 2>/dev/null
	usage_error responder --listen $l --tls "$TMP/r.pem" "$TMP/other.key" |
		grep -- "the key in $TMP/other.key does not match the certificate in $TMP/r.pem" >/dev/null
	usage_error responder --listen $l --tls "$TMP/r.key" "$TMP/r.key" | grep "no certificate in it" >/dev/null
	usage_error responder --listen $l --tls "$TMP/r.pem" "$TMP/r.pem" | grep "no private key in it" >/dev/null
	"$NETPROBE" help responder | grep -- '--max-conns N' >/dev/null
}
