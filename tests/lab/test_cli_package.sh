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
