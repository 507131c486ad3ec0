# SPDX-License-Identifier: GPL-3.0-or-later
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
	usage_error frobnicate | grep "unknown command 'frobnicate'" >/dev/null
}

test_cli_unknown_option() {
	local e
	e=$(usage_error tcp --frob 127.0.0.1:80)
	grep -q "unknown option '--frob'" <<<"$e" || fail "$e"
	grep -q '^usage: netprobe tcp' <<<"$e" || fail "no usage line: $e"
	usage_error tcp -x 127.0.0.1:80 | grep "unknown option '-x'" >/dev/null
}

test_cli_missing_argument() {
	usage_error tcp 127.0.0.1:80 --timeout | grep "'--timeout' needs an argument" >/dev/null
}

test_cli_bad_values() {
	usage_error tcp --timeout 0 127.0.0.1:80 | grep -- "--timeout '0'" >/dev/null
	usage_error tcp --timeout abc 127.0.0.1:80 | grep -- "--timeout 'abc'" >/dev/null
	usage_error tcp --parallel 0 127.0.0.1:80 | grep -- "--parallel '0'" >/dev/null
	usage_error tcp -4 -6 127.0.0.1:80 | grep "exclude each other" >/dev/null
	usage_error tcp --source 192.0.2.1 127.0.0.1:80 | grep "cannot send from it" >/dev/null
	usage_error tcp --source nonsense 127.0.0.1:80 | grep "not an IPv4 or IPv6 address" >/dev/null
	usage_error tcp -6 127.0.0.1:80 | grep "IPv4 address, but only IPv6" >/dev/null
}

test_cli_bad_targets() {
	usage_error tcp | grep "no target given" >/dev/null
	usage_error tcp 127.0.0.1:0 | grep "target '127.0.0.1:0': port 0 out of range" >/dev/null
	usage_error tcp host:65536 | grep "out of range" >/dev/null
	usage_error tcp '[2001:db8::1' | grep "unbalanced" >/dev/null
	usage_error tcp "$(printf 'a%.0s' {1..64}).example" | grep "label" >/dev/null
	usage_error tcp ftp://h | grep "unsupported scheme" >/dev/null
	# A password in a target is refused and never echoed.
	local e
	e=$(usage_error tcp https://bob:s3cret@h/)
	! grep -q s3cret <<<"$e" || fail "password echoed: $e"
}

test_cli_targets_file() {
	printf '# lab hosts\n\n127.0.0.1:80   # first\n  host.example:81\n127.0.0.1:0\n' >"$TMP/targets"
	usage_error tcp --targets-file "$TMP/targets" | grep "target '127.0.0.1:0'" >/dev/null
	printf '127.0.0.1:80\ntwo targets:80 here\n' >"$TMP/targets2"
	usage_error tcp --targets-file "$TMP/targets2" | grep "$TMP/targets2:2: one target per line" >/dev/null
	usage_error tcp --targets-file "$TMP/nonexistent" | grep "No such file" >/dev/null
	# A targets file is text: a NUL byte is an error naming file:line,
	# never a line silently dropped, and /dev/zero ends at once.
	printf '127.0.0.1:80\n127.0.0.1:\0008\n' >"$TMP/targets3"
	usage_error tcp --targets-file "$TMP/targets3" | grep "$TMP/targets3:2: NUL byte" >/dev/null
	usage_error tcp --targets-file /dev/zero | grep "/dev/zero:1: NUL byte" >/dev/null
	head -c 5000 /dev/zero | tr '\0' a >"$TMP/targets4"
	usage_error tcp --targets-file - <"$TMP/targets4" | grep "<stdin>:1: line longer than 4096 bytes" >/dev/null
}

test_cli_unwritable_output() {
	usage_error tcp --json /nonexistent-dir/x.json 127.0.0.1:80 | grep -- "--json /nonexistent-dir/x.json" >/dev/null
	# --prom renames FILE.tmp over FILE at the end: a directory there is
	# refused before any probe runs, and no DIR.tmp is left behind.
	mkdir -p "$TMP/promdir"
	usage_error tcp --prom "$TMP/promdir" 127.0.0.1:80 | grep -- "--prom $TMP/promdir: is a directory" >/dev/null
	[ ! -e "$TMP/promdir.tmp" ] || fail "$TMP/promdir.tmp left behind"
}

test_cli_help_and_version() {
	"$NETPROBE" --version | grep '^netprobe [0-9]' >/dev/null
	"$NETPROBE" help | grep '^  tcp ' >/dev/null
	"$NETPROBE" help tcp | grep '^usage: netprobe tcp' >/dev/null
	"$NETPROBE" tcp --help | grep -- '--timeout SECONDS' >/dev/null
	local rc=0
	"$NETPROBE" help nosuch 2>/dev/null || rc=$?
	expect "help for an unknown command" "$rc" 2
}

test_cli_dns_bad_input() {
	usage_error dns "$(printf 'a%.0s' {1..64}).example" --resolver 127.0.0.1 | grep "label" >/dev/null
	usage_error dns "$(printf 'abcdefghi.%.0s' {1..26})com" --resolver 127.0.0.1 | grep "bytes long" >/dev/null
	usage_error dns a..b --resolver 127.0.0.1 | grep "empty label" >/dev/null
	usage_error dns 'bad name' --resolver 127.0.0.1 | grep "invalid character" >/dev/null
	usage_error dns www.example.net --type PTR --resolver 127.0.0.1 | grep -- "--type 'PTR'" >/dev/null
	usage_error dns www.example.net --resolver 300.1.2.3 | grep -- "--resolver '300.1.2.3'" >/dev/null
	usage_error dns www.example.net --resolver ns.example.net | grep "not a name" >/dev/null
	usage_error dns --resolver 127.0.0.1 | grep "no name given" >/dev/null
}

test_cli_tls_bad_input() {
	usage_error tls 127.0.0.1:1 --ca /nonexistent.pem | grep -- "--ca /nonexistent.pem" >/dev/null
	printf 'not a certificate\n' >"$TMP/empty.pem"
	usage_error tls 127.0.0.1:1 --ca "$TMP/empty.pem" | grep "no certificate" >/dev/null
	usage_error tls 127.0.0.1:1 --min-tls 1.4 | grep -- "--min-tls '1.4'" >/dev/null
	usage_error tls 127.0.0.1:1 --proxy 'socks5://u:pw@h:1' | grep -- "--proxy 'socks5://u:\*\*\*@h:1'" >/dev/null
	usage_error tls 127.0.0.1:1 --proxy 'http://h:99999' | grep "out of range" >/dev/null
	usage_error tls 127.0.0.1:1 --proxy-auth digest | grep -- "--proxy-auth 'digest'" >/dev/null
	# the password never on the command line
	usage_error tls 127.0.0.1:1 --proxy-user 'bob:secret' | grep -- "NETPROBE_PROXY_PASSWORD" >/dev/null
	usage_error idle 127.0.0.1:1 --proxy-auth kerb | grep -- "--proxy-auth 'kerb'" >/dev/null
	usage_error tls 127.0.0.1:1 --proxy machine-config:/nonexistent | grep "cannot be read" >/dev/null
	printf '<configuration><system.net>' >"$TMP/bad.config"
	usage_error tls 127.0.0.1:1 --proxy "machine-config:$TMP/bad.config" | grep "not well-formed XML" >/dev/null
	printf '<configuration><system.net><defaultProxy><proxy proxyaddress="http://p:3128"/><bypasslist><add address="(("/></bypasslist></defaultProxy></system.net></configuration>' >"$TMP/re.config"
	usage_error tls 127.0.0.1:1 --proxy "machine-config:$TMP/re.config" | grep "bypasslist address '(('" >/dev/null
}

test_cli_idle_bad_input() {
	usage_error idle 127.0.0.1:1 --ladder 60,,120 | grep -- "--ladder '60,,120'" >/dev/null
	usage_error idle 127.0.0.1:1 --ladder 0 | grep -- "--ladder '0'" >/dev/null
	usage_error idle 127.0.0.1:1 --ladder 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17 | grep "at most 16" >/dev/null
	usage_error idle 127.0.0.1:1 --idle 5m | grep -- "--idle '5m'" >/dev/null
	usage_error idle 127.0.0.1:1 127.0.0.2:1 >/dev/null
	usage_error idle --tcp http://127.0.0.1:1/ | grep -- "--tcp" >/dev/null
	usage_error idle 127.0.0.1:1 --ca /nonexistent.pem | grep -- "--ca /nonexistent.pem" >/dev/null
	usage_error idle 127.0.0.1:1 --proxy 'http://h:99999' | grep "out of range" >/dev/null
}

test_cli_family_bad_input() {
	usage_error family -4 | grep -- "-4/-6" >/dev/null
	usage_error family 'bad host!' >/dev/null
}

test_cli_nat_bad_input() {
	usage_error nat | grep "at least one method" >/dev/null
	usage_error nat --responder 192.0.2.1 | grep "port" >/dev/null
	usage_error nat --via http://192.0.2.1/ | grep "URL" >/dev/null
	usage_error nat --stun 'bad host!' >/dev/null
	usage_error nat --via 192.0.2.1:443 --no-capture | grep -- "--no-capture" >/dev/null
}

test_cli_run_bad_input() {
	usage_error run | grep -- "--profile" >/dev/null
	usage_error run --profile nosuchprofile | grep "nosuchprofile" >/dev/null
	usage_error run --show-profile nosuchprofile | grep "no such built-in profile" >/dev/null
	# The option is named once, with the value as given.
	usage_error run --profile aadconnect --set novalue | grep -x "netprobe run: --set 'novalue': NAME=VALUE expected" >/dev/null
	usage_error run --profile aadconnect --set typo=1 | grep 'no ${typo}' >/dev/null
	printf 'name: bad\nchecks:\n  - tcp:\n      targets: ["192.0.2.1:80"]\n      expct: deny\n' >"$TMP/bad.yaml"
	usage_error run --profile "$TMP/bad.yaml" | grep "bad.yaml:5:7: .*expct" >/dev/null
	[ "$("$NETPROBE" run --list-profiles)" = aadconnect ] || fail "--list-profiles"
	"$NETPROBE" run --show-profile aadconnect | grep "^name: aadconnect" >/dev/null || fail "--show-profile"
}

test_cli_binary_runs_as_another_user() {
	# The privilege tests run it as nobody: that user must reach it from
	# whatever checkout the suite runs in (root's home is 0700).
	command -v runuser >/dev/null && [ "$(id -u)" -eq 0 ] || return 0
	runuser -u nobody -- "$NETPROBE" --version | grep '^netprobe [0-9]' >/dev/null ||
		fail "nobody cannot run $NETPROBE"
}

test_cli_sources_carry_spdx() {
	# netprobe is GPL-3.0-or-later: every source file says so in its first
	# lines, and the licence text is there.
	local root=$here/../.. f missing=()
	grep -q "GNU GENERAL PUBLIC LICENSE" "$root/LICENSE" || fail "no LICENSE"
	grep -q "Version 3, 29 June 2007" "$root/LICENSE" || fail "LICENSE is not the GPL version 3"
	while IFS= read -r f; do
		head -3 "$f" | grep -q 'SPDX-License-Identifier: GPL-3.0-or-later' || missing+=("${f#"$root"/}")
	done < <(find "$root/cmd" "$root/netprobe" "$root/tls" "$root/tests" "$root/fixtures" \
		\( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.py' \) -type f; \
		printf '%s\n' "$root/Makefile" "$root/fixtures/lab/lab" "$root/.ci/run")
	[ ${#missing[@]} -eq 0 ] || fail "no SPDX line in: ${missing[*]}"
}
