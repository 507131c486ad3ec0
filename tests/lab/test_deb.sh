# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package (make deb): built, checked with lintian and dpkg-deb,
# installed, used by an unprivileged user, purged. Group `deb`, not in the
# default run: the package build alone takes minutes (`make test-deb`).
# It installs into this machine's /usr and leaves it as it found it; it
# refuses to run where a netprobe is already installed in /usr.
# shellcheck shell=bash

# The files a netprobe of any origin (package, make install under /usr or
# /usr/local) would have, with their checksums: the same before and after.
deb_footprint() {
	local d dirs=()
	# Only the directories there are: find fails on a missing one, and
	# under pipefail so would this (on a machine that never had the
	# package, /usr/share/netprobe is not there).
	for d in /usr/bin /usr/local /usr/share/man/man1 /usr/share/bash-completion/completions \
		/usr/share/netprobe /lib/systemd/system /usr/lib/systemd/system; do
		[ -d "$d" ] && dirs+=("$d")
	done
	find "${dirs[@]}" -name 'netprobe*' | sort | xargs -r sha256sum
}

deb_cleanup() {
	[ -n "${DEB_SOCAT_PID:-}" ] && kill "$DEB_SOCAT_PID" 2>/dev/null
	if [ "${DEB_INSTALLED:-0}" = 1 ]; then
		dpkg --purge netprobe >/dev/null 2>&1 || echo "    could not purge netprobe" >&2
	fi
	return 0
}

test_deb_package() {
	local root deb arch before after f port out pkgs
	root=$(cd "$here/../.." && pwd)
	[ "$(id -u)" -eq 0 ] || fail "installs a package: needs root"
	{ command -v dpkg-buildpackage >/dev/null && command -v lintian >/dev/null; } ||
		fail "needs dpkg-dev, debhelper and lintian (make deps)"
	if dpkg-query -W -f='${Status}' netprobe 2>/dev/null | grep -q 'installed'; then
		fail "a netprobe package is already installed here: not replacing it"
	fi
	[ ! -e /usr/bin/netprobe ] || fail "/usr/bin/netprobe exists and is no package's: not replacing it"
	before=$(deb_footprint)

	make -C "$root" --no-print-directory deb >"$TMP/deb.log" 2>&1 ||
		{ tail -20 "$TMP/deb.log" >&2; fail "make deb failed"; }
	arch=$(dpkg --print-architecture)
	deb=$(ls "$root"/build/netprobe_*_"$arch".deb)
	[ "$(echo "$deb" | wc -l)" -eq 1 ] || fail "not one .deb in build/: $deb"
	# No staging copy of the sources is left in the checkout.
	[ ! -e "$root/build/deb" ] || fail "make deb left its staging tree in build/deb"
	# The parent of the checkout gets nothing.
	[ -z "$(ls "$root"/../netprobe_*."$arch".deb "$root"/../netprobe_*.changes 2>/dev/null)" ] ||
		fail "make deb wrote into the checkout's parent directory"

	# lintian: no error (warnings and infos are shown, not fatal).
	lintian --fail-on error "$deb" >"$TMP/lintian.txt" 2>&1 ||
		{ cat "$TMP/lintian.txt" >&2; fail "lintian reports errors"; }
	grep -q '^E:' "$TMP/lintian.txt" && fail "lintian: $(grep '^E:' "$TMP/lintian.txt")"

	dpkg-deb -c "$deb" | awk '{print $6}' >"$TMP/contents"
	for f in ./usr/bin/netprobe ./usr/share/man/man1/netprobe.1.gz \
		./usr/share/bash-completion/completions/netprobe ./usr/share/doc/netprobe/copyright \
		./usr/share/netprobe/profiles/aadconnect.yaml; do
		grep -qx "$f" "$TMP/contents" || fail "the package lacks $f"
	done
	for f in "$root"/contrib/*.service; do
		[ -e "$f" ] || continue
		grep -qE "^\./(usr/)?lib/systemd/system/$(basename "$f")\$" "$TMP/contents" ||
			fail "the package lacks the unit $(basename "$f")"
	done
	# Dependencies from the shared libraries it links (dh_shlibdeps).
	pkgs=$(dpkg-deb -f "$deb" Depends)
	for f in libssl3 libc-ares2 libpcap0.8 libnet1 libjansson4 libwiretap13 libgssapi-krb5-2 libcap2-bin; do
		echo "$pkgs" | grep -q "\b$f\b" || fail "Depends lacks $f: $pkgs"
	done
	grep -q 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
		"$root/debian/copyright" || fail "debian/copyright is not DEP-5"
	grep -q '^License: GPL-3+' "$root/debian/copyright" || fail "debian/copyright: no GPL-3+"

	DEB_INSTALLED=1
	trap deb_cleanup EXIT
	dpkg -i "$deb" >"$TMP/dpkg-i.log" 2>&1 || { cat "$TMP/dpkg-i.log" >&2; fail "dpkg -i failed"; }
	getcap /usr/bin/netprobe | grep -q 'cap_net_raw=ep' ||
		fail "postinst did not grant CAP_NET_RAW: $(getcap /usr/bin/netprobe)"

	# As nobody, with no capability of its own: the file's.
	runuser -u nobody -- /usr/bin/netprobe --version >"$TMP/version" || fail "netprobe --version as nobody"
	head -1 "$TMP/version" | grep -q '^netprobe [0-9]' || fail "--version: $(cat "$TMP/version")"
	grep -q '^OpenSSL ' "$TMP/version" || fail "--version names no OpenSSL"
	port=$((40000 + RANDOM % 20000))
	socat TCP-LISTEN:"$port",bind=127.0.0.1,fork,reuseaddr SYSTEM:true &
	DEB_SOCAT_PID=$!
	sleep 0.5
	out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		/usr/bin/netprobe tcp "127.0.0.1:$port" --json - 2>"$TMP/probe.err") ||
		{ cat "$TMP/probe.err" >&2; fail "loopback probe as nobody failed"; }
	echo "$out" >"$TMP/probe.json"
	jqe "$TMP/probe.json" '[.findings[] | .verdict] == ["tcp.ok"]'
	# The capture opened: the capability came from postinst's setcap.
	jqe "$TMP/probe.json" '.capture.active == true'

	# The man page and the completion where man and bash find them.
	MANWIDTH=80 man --warnings netprobe >"$TMP/man.txt" 2>"$TMP/man.err" || fail "man netprobe failed"
	[ ! -s "$TMP/man.err" ] || fail "man --warnings: $(head -3 "$TMP/man.err")"
	grep -q 'VERDICT CODES' "$TMP/man.txt" || fail "man netprobe: no verdict codes"
	bash -c '. /usr/share/bash-completion/bash_completion && _completion_loader netprobe;
		complete -p netprobe' 2>&1 | grep -q -- '-F _netprobe netprobe' ||
		fail "bash-completion does not load netprobe's completion"

	dpkg --purge netprobe >"$TMP/purge.log" 2>&1 || { cat "$TMP/purge.log" >&2; fail "dpkg --purge failed"; }
	DEB_INSTALLED=0
	[ ! -e /usr/bin/netprobe ] || fail "/usr/bin/netprobe left after purge"
	[ ! -e /usr/share/netprobe ] || fail "/usr/share/netprobe left after purge"
	if dpkg-query -W -f='${Status}' netprobe 2>/dev/null | grep -q 'installed\|config-files'; then
		fail "dpkg still lists netprobe: $(dpkg -l netprobe | tail -1)"
	fi
	after=$(deb_footprint)
	expect "netprobe files on this machine before and after" "$after" "$before"
}
