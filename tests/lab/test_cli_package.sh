# SPDX-License-Identifier: GPL-3.0-or-later
# What a packaged netprobe ships besides the binary: --version's library
# versions, the man page and the bash completion, all checked against the
# binary itself. No network.
# shellcheck shell=bash

# upstream_version PKG-VERSION: 1:3.0.19-1~deb12u2 -> 3.0.19
upstream_version() {
	local v=${1#*:}
	v=${v%%-*}
	v=${v%%+*}
	echo "${v%%~*}"
}

test_cli_version_names_running_libraries() {
	# Each library netprobe links is named with the version of the file
	# the dynamic linker loaded: the package that owns that file must
	# carry the same upstream version.
	local out lib line ver path pkg pv owners=
	out=$("$NETPROBE" --version)
	echo "$out" | head -1 | grep -q '^netprobe [0-9]' || fail "first line: $(echo "$out" | head -1)"
	# One dpkg -S for every file (each call reads the whole database); a
	# merged-/usr system may have packaged a file under /lib.
	if command -v dpkg >/dev/null; then
		owners=$(echo "$out" | grep -o '/[^ ]*\.so[^ ]*$' | sed 'p;s,^/usr,,' | xargs dpkg -S 2>/dev/null || true)
	fi
	for lib in OpenSSL c-ares libpcap libnet jansson libyaml libxml2 krb5/GSSAPI libwiretap; do
		line=$(echo "$out" | grep "^$lib ") || fail "--version does not name $lib: $out"
		ver=$(echo "$line" | awk '{print $2}')
		path=$(echo "$line" | grep -o '/[^ ]*\.so[^ ]*$') || fail "$lib: no loaded file named: $line"
		command -v dpkg >/dev/null || continue
		pkg=$(echo "$owners" | grep -E ": ($path|${path#/usr})\$" | head -1) ||
			fail "$lib: $path belongs to no package"
		pkg=${pkg%%:*}
		pv=$(upstream_version "$(dpkg-query -W -f='${Version}' "$pkg")")
		expect "$lib version beside package $pkg" "$ver" "$pv"
	done
	# Libraries without a run-time call say so rather than pass a build
	# number off as the running one.
	echo "$out" | grep '^krb5/GSSAPI ' | grep -q 'no run-time version call' ||
		fail "krb5 line does not say its version is the build's"
}

# help_options CMD: the long options `netprobe help CMD` lists (its own and
# the common ones), one per line.
help_options() {
	"$NETPROBE" help "$1" | grep -oE '^  --[a-z0-9-]+' | sed 's/^  //' | sort -u
}

# help_commands: the commands `netprobe help` lists.
help_commands() {
	"$NETPROBE" help | sed -n '/^Commands:/,/^$/p' | grep -oE '^  [a-z]+' | sed 's/^  //'
}

# readme_verdicts: the codes of README.md's verdict table.
readme_verdicts() {
	sed -n '/^## Verdict codes/,/^## /p' "$here/../../README.md" | grep -oE '^\| `[a-z0-9_.]+`' | tr -d '|` '
}

# has_entry TEXT KEY: a line of TEXT (a rendered man section) starts with
# KEY at the entry indent, followed by a space or its end. In bash, not
# grep: a process per check makes this test slow on a loaded machine.
has_entry() {
	local t=$'\n'$1$'\n'
	[[ $t == *$'\n       '"$2"$'\n'* || $t == *$'\n       '"$2 "* ]]
}

test_cli_man_page_renders_without_warnings() {
	# What `man netprobe` shows once installed: groff's warnings (-ww
	# through man --warnings) are bugs of the page.
	command -v man >/dev/null || { echo "    man not installed: skipped"; return 0; }
	"$NETPROBE" --man >"$TMP/netprobe.1"
	MANWIDTH=80 man --warnings -l "$TMP/netprobe.1" >"$TMP/man.txt" 2>"$TMP/man.err" ||
		fail "man -l failed: $(cat "$TMP/man.err")"
	[ ! -s "$TMP/man.err" ] || fail "man --warnings: $(head -5 "$TMP/man.err")"
	head -1 "$TMP/netprobe.1" | grep -q '^\.\\"' || fail "first line is not a roff comment"
	grep -q '^\.TH NETPROBE 1 ' "$TMP/netprobe.1" || fail "no .TH NETPROBE 1"
	local s
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS 'COMMON OPTIONS' PROFILES 'VERDICT CODES' \
		'EXIT STATUS' FILES EXAMPLES; do
		grep -q "^$s\$" "$TMP/man.txt" || fail "no section $s in the rendered page"
	done
	# The version of the program that wrote it.
	grep -q "netprobe $("$NETPROBE" --version | head -1 | awk '{print $2}')" "$TMP/man.txt" ||
		fail "the page does not carry netprobe's version"
}

test_cli_man_page_lists_what_help_lists() {
	# The page is made from the help's tables: every command, every
	# option each command's help lists (under that command, or the common
	# options), every verdict code of README's table, every exit status.
	command -v man >/dev/null || { echo "    man not installed: skipped"; return 0; }
	local cmd opt code section common n=0
	"$NETPROBE" --man >"$TMP/netprobe.1"
	MANWIDTH=200 man -l "$TMP/netprobe.1" 2>/dev/null | sed 's/\xe2\x80\x90/-/g' >"$TMP/man.txt"
	common=$(sed -n '/^COMMON OPTIONS$/,/^[A-Z]/p' "$TMP/man.txt")
	for cmd in $(help_commands); do
		[ "$cmd" = help ] && continue
		section=$(sed -n "/^   $cmd\$/,/^   [a-z]*\$/p" "$TMP/man.txt")
		[ -n "$section" ] || fail "no subsection for command $cmd"
		for opt in $(help_options "$cmd"); do
			n=$((n + 1))
			has_entry "$section" "$opt" || has_entry "$common" "$opt" ||
				fail "$cmd's help lists $opt, the man page does not"
		done
	done
	[ "$n" -gt 60 ] || fail "only $n options checked: help_options parses nothing?"
	section=$(sed -n '/^VERDICT CODES$/,/^EXIT STATUS$/p' "$TMP/man.txt")
	for code in $(readme_verdicts); do
		has_entry "$section" "$code" || fail "verdict $code (README) not in the man page"
	done
	section=$(sed -n '/^EXIT STATUS$/,/^[A-Z]/p' "$TMP/man.txt")
	for code in 0 1 2 3 130; do
		has_entry "$section" "$code" || has_entry "$section" "$code," || fail "exit status $code not in the man page"
	done
}

test_cli_help_explains_verdict_codes() {
	# A code read in a report: `netprobe help CODE` says what it means and
	# what to do. One code of each family (the man page test checks that
	# the registry it reads has every code README documents).
	local code out
	for code in $(readme_verdicts | awk -F. '!seen[$1]++'); do
		out=$("$NETPROBE" help "$code") || fail "netprobe help $code failed"
		echo "$out" | head -1 | grep -qE "^$code \((pass|warn|fail|error|skip)\): ." ||
			fail "netprobe help $code: $out"
	done
	# (captured first: grep -q stops reading at its match, and with
	# pipefail the writer's SIGPIPE would fail the check at random)
	out=$("$NETPROBE" help tls.intercepted)
	grep -q 'exempt these endpoints' <<<"$out" || fail "no advice for tls.intercepted"
	out=$(usage_error help tls.nosuch)
	grep -q "unknown command or verdict code 'tls.nosuch'" <<<"$out" || fail "help tls.nosuch: $out"
}

# complete_line WORD...: what the completion offers for the last word.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_netprobe
	printf '%s\n' "${COMPREPLY[@]}" | sort -u
}

test_cli_bash_completion() {
	# The script the package installs, loaded as bash loads it; each
	# answer is checked against what the binary itself lists.
	local script=$TMP/netprobe.bash got want cmd
	"$NETPROBE" --bash-completion >"$script"
	bash -n "$script" || fail "the completion script is not valid bash"
	# shellcheck disable=SC1090
	. "$script"
	complete -p netprobe | grep -q -- '-F _netprobe netprobe$' || fail "complete -p: $(complete -p netprobe)"

	got=$(complete_line netprobe '')
	for cmd in $(help_commands); do
		echo "$got" | grep -qx "$cmd" || fail "netprobe <TAB> does not offer $cmd"
	done
	expect "netprobe ex<TAB>" "$(complete_line netprobe ex)" explain

	# Each command's options are those its help lists, no more.
	for cmd in $(help_commands); do
		[ "$cmd" = help ] && continue
		want=$(help_options "$cmd")
		got=$(complete_line netprobe "$cmd" --)
		expect "netprobe $cmd --<TAB>" "$got" "$want"
	done
	complete_line netprobe tcp --pro | grep -q -- --profile && fail "tcp offers run's --profile"

	# Profile names: the built-in ones, and YAML files for --profile.
	mkdir -p "$TMP/compl" && : >"$TMP/compl/site.yaml"
	got=$(cd "$TMP/compl" && complete_line netprobe run --profile '')
	for want in $("$NETPROBE" run --list-profiles) site.yaml; do
		echo "$got" | grep -qx "$want" || fail "run --profile <TAB> lacks $want: $got"
	done
	expect "run --show-profile aad<TAB>" "$(complete_line netprobe run --show-profile aad)" aadconnect

	# Verdict codes where a code is asked for: netprobe help CODE.
	got=$(complete_line netprobe help '')
	for want in $(readme_verdicts); do
		echo "$got" | grep -qx "$want" || fail "help <TAB> lacks verdict $want"
	done
	expect "help tls.inter<TAB>" "$(complete_line netprobe help tls.inter)" tls.intercepted

	# Values an option's table entry names.
	expect "tls --min-tls <TAB>" "$(complete_line netprobe tls --min-tls '' | tr '\n' ' ')" "1.0 1.1 1.2 1.3 "
	expect "idle --proxy-auth n<TAB>" "$(complete_line netprobe idle --proxy-auth n | tr '\n' ' ')" "negotiate ntlm "
	expect "tcp --timeout <TAB>" "$(complete_line netprobe tcp --timeout '')" ""
	got=$(cd "$TMP/compl" && complete_line netprobe tcp --json '')
	echo "$got" | grep -qx -- - || fail "--json <TAB> lacks '-' (stdout)"
	echo "$got" | grep -qx site.yaml || fail "--json <TAB> offers no files"
}
