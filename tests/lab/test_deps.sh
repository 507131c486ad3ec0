# SPDX-License-Identifier: GPL-3.0-or-later
# fixtures/deps.sh (run by `make test` and `make demo` first) with stubbed
# dpkg-query, apt-get and id, in every state a first run can meet: packages
# present or missing, a policy-rc.d already there (Debian container images
# ship one) or not, root or not, apt-get failing. No package is installed.
# shellcheck shell=bash

DEPS_SH=$here/../../fixtures/deps.sh

# deps_run NAME MISSING POLICY [UID [APT]]: runs deps.sh with stubs in $TMP/NAME/;
# MISSING is a space-separated list of packages dpkg-query calls absent,
# POLICY "present" or "absent", APT "fails" for an apt-get install that
# fails. Sets DEPS_RC; apt-get's calls go to
# $TMP/NAME/apt.log, with the policy file's state at each call.
deps_run() {
	local d=$TMP/$1 missing=$2 policy=$3 uid=${4:-0}
	rm -rf "$d"
	mkdir -p "$d/bin"
	[ "${5:-}" != fails ] || touch "$d/apt-fails"
	cat >"$d/bin/dpkg-query" <<-STUB
	#!/bin/sh
	for p in $missing; do [ "\$p" = "\$3" ] && { echo "dpkg-query: no packages found matching \$3" >&2; exit 1; }; done
	printf 'install ok installed'
	STUB
	cat >"$d/bin/apt-get" <<-STUB
	#!/bin/sh
	if [ -e "$d/policy-rc.d" ]; then state="policy:\$(tail -1 "$d/policy-rc.d")"; else state="policy:none"; fi
	echo "\$state \$*" >>"$d/apt.log"
	[ -e "$d/apt-fails" ] && case "\$*" in *install*) exit 100;; esac
	exit 0
	STUB
	cat >"$d/bin/id" <<-STUB
	#!/bin/sh
	echo $uid
	STUB
	chmod +x "$d/bin/"*
	if [ "$policy" = present ]; then
		printf '#!/bin/sh\n# shipped by the image\nexit 101\n' >"$d/policy-rc.d"
		cp "$d/policy-rc.d" "$d/policy.orig"
	fi
	DEPS_RC=0
	PATH="$d/bin:$PATH" NP_DEPS_POLICY="$d/policy-rc.d" bash "$DEPS_SH" >"$d/out" 2>&1 || DEPS_RC=$?
}

test_cli_deps_all_present_does_nothing() {
	deps_run present "" absent
	expect "exit status" "$DEPS_RC" 0
	[ ! -e "$TMP/present/apt.log" ] || fail "apt-get ran: $(cat "$TMP/present/apt.log")"
	[ ! -e "$TMP/present/policy-rc.d" ] || fail "a policy-rc.d was left"
	deps_run present2 "" present
	expect "exit status with a policy-rc.d" "$DEPS_RC" 0
	cmp -s "$TMP/present2/policy-rc.d" "$TMP/present2/policy.orig" || fail "the image's policy-rc.d changed"
}

test_cli_deps_installs_with_a_temporary_policy() {
	deps_run fresh "jq tshark" absent
	expect "exit status" "$DEPS_RC" 0
	# update once, then install exactly what was missing, daemons held back
	expect "apt-get calls" "$(cat "$TMP/fresh/apt.log")" "policy:exit 101 update -qq
policy:exit 101 install -y -qq --no-install-recommends jq tshark"
	[ ! -e "$TMP/fresh/policy-rc.d" ] || fail "the policy-rc.d it made was not removed"
}

test_cli_deps_keeps_a_shipped_policy() {
	# the first run on a Debian container image: a policy-rc.d is there
	deps_run shipped "jq" present
	expect "exit status (output: $(cat "$TMP/shipped/out"))" "$DEPS_RC" 0
	expect "apt-get calls" "$(wc -l <"$TMP/shipped/apt.log")" 2
	cmp -s "$TMP/shipped/policy-rc.d" "$TMP/shipped/policy.orig" || fail "the image's policy-rc.d changed or went"
}

test_cli_deps_failures() {
	# apt-get failing is the script's failure, and its policy still goes
	deps_run aptfail "jq" absent 0 fails
	[ "$DEPS_RC" -ne 0 ] || fail "a failed apt-get install exited 0"
	[ ! -e "$TMP/aptfail/policy-rc.d" ] || fail "the policy-rc.d it made was left after a failure"
	# not root: name the missing packages and how to install them
	deps_run user "jq nmap" absent 1000
	expect "exit status as a user" "$DEPS_RC" 1
	grep -q "missing packages: jq nmap; run 'make deps' as root" "$TMP/user/out" || fail "$(cat "$TMP/user/out")"
	[ ! -e "$TMP/user/apt.log" ] || fail "apt-get ran as a user"
}
