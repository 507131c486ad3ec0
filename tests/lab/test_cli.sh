# Command-line behaviour that needs no network: usage errors, help, files.
# shellcheck shell=bash

# usage_error ARGS...: exit 2, exactly one line naming the problem plus at
# most the usage line, nothing on stdout.
usage_error() {
	local out err rc=0
	out=$("$NETPROBE" "$@" 2>"$TMP/err") || rc=$?
	err=$(cat "$TMP/err")
	expect "exit status of netprobe $*" "$rc" 2
	expect "stdout of netprobe $*" "$out" ""
	[ "$(wc -l <"$TMP/err")" -le 2 ] || fail "more than two lines on stderr: $err"
	grep -q '^netprobe' "$TMP/err" || fail "no 'netprobe...:' error line: $err"
	echo "$err"
}

test_cli_unknown_command() {
	usage_error frobnicate | grep -q "unknown command 'frobnicate'"
}

test_cli_unknown_option() {
	local e
	e=$(usage_error tcp --frob 127.0.0.1:80)
	grep -q "unknown option '--frob'" <<<"$e" || fail "$e"
	grep -q '^usage: netprobe tcp' <<<"$e" || fail "no usage line: $e"
	usage_error tcp -x 127.0.0.1:80 | grep -q "unknown option '-x'"
}

test_cli_missing_argument() {
	usage_error tcp 127.0.0.1:80 --timeout | grep -q "'--timeout' needs an argument"
}

test_cli_bad_values() {
	usage_error tcp --timeout 0 127.0.0.1:80 | grep -q -- "--timeout '0'"
	usage_error tcp --timeout abc 127.0.0.1:80 | grep -q -- "--timeout 'abc'"
	usage_error tcp --parallel 0 127.0.0.1:80 | grep -q -- "--parallel '0'"
	usage_error tcp -4 -6 127.0.0.1:80 | grep -q "exclude each other"
	usage_error tcp --source 192.0.2.1 127.0.0.1:80 | grep -q "cannot send from it"
	usage_error tcp --source nonsense 127.0.0.1:80 | grep -q "not an IPv4 or IPv6 address"
	usage_error tcp -6 127.0.0.1:80 | grep -q "IPv4 address, but only IPv6"
}

test_cli_bad_targets() {
	usage_error tcp | grep -q "no target given"
	usage_error tcp 127.0.0.1:0 | grep -q "target '127.0.0.1:0': port 0 out of range"
	usage_error tcp host:65536 | grep -q "out of range"
	usage_error tcp '[2001:db8::1' | grep -q "unbalanced"
	usage_error tcp "$(printf 'a%.0s' {1..64}).example" | grep -q "label"
	usage_error tcp ftp://h | grep -q "unsupported scheme"
	# A password in a target is refused and never echoed.
	local e
	e=$(usage_error tcp https://bob:s3cret@h/)
	! grep -q s3cret <<<"$e" || fail "password echoed: $e"
}

test_cli_targets_file() {
	printf '# lab hosts\n\n127.0.0.1:80   # first\n  host.example:81\n127.0.0.1:0\n' >"$TMP/targets"
	usage_error tcp --targets-file "$TMP/targets" | grep -q "target '127.0.0.1:0'"
	printf '127.0.0.1:80\ntwo targets:80 here\n' >"$TMP/targets2"
	usage_error tcp --targets-file "$TMP/targets2" | grep -q "$TMP/targets2:2: one target per line"
	usage_error tcp --targets-file "$TMP/nonexistent" | grep -q "No such file"
}

test_cli_unwritable_output() {
	usage_error tcp --json /nonexistent-dir/x.json 127.0.0.1:80 | grep -q -- "--json /nonexistent-dir/x.json"
}

test_cli_help_and_version() {
	"$NETPROBE" --version | grep -q '^netprobe [0-9]'
	"$NETPROBE" help | grep -q '^  tcp '
	"$NETPROBE" help tcp | grep -q '^usage: netprobe tcp'
	"$NETPROBE" tcp --help | grep -q -- '--timeout SECONDS'
	local rc=0
	"$NETPROBE" help nosuch 2>/dev/null || rc=$?
	expect "help for an unknown command" "$rc" 2
}

test_cli_dns_bad_input() {
	usage_error dns "$(printf 'a%.0s' {1..64}).example" --resolver 127.0.0.1 | grep -q "label"
	usage_error dns "$(printf 'abcdefghi.%.0s' {1..26})com" --resolver 127.0.0.1 | grep -q "bytes long"
	usage_error dns a..b --resolver 127.0.0.1 | grep -q "empty label"
	usage_error dns 'bad name' --resolver 127.0.0.1 | grep -q "invalid character"
	usage_error dns www.example.net --type PTR --resolver 127.0.0.1 | grep -q -- "--type 'PTR'"
	usage_error dns www.example.net --resolver 300.1.2.3 | grep -q -- "--resolver '300.1.2.3'"
	usage_error dns www.example.net --resolver ns.example.net | grep -q "not a name"
	usage_error dns --resolver 127.0.0.1 | grep -q "no name given"
}
