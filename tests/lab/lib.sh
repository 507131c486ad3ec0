# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the lab and CLI tests: a tiny harness. Each test is a function
# named test_*; it fails by calling fail (or by any command failing under
# `set -e` inside the subshell it runs in).
# shellcheck shell=bash

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()
TMP=$(mktemp -d /tmp/netprobe-test.XXXXXX)

fail() {
	echo "    $*" >&2
	return 1
}

# expect DESCRIPTION ACTUAL EXPECTED
expect() {
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# jqe FILE FILTER: jq -e, with the document shown when it fails.
jqe() {
	if ! jq -e "$2" "$1" >/dev/null; then
		fail "jq '$2' does not hold for $1"
		jq -c '.findings[]? | [.target,.address,.verdict,.status,.summary]' "$1" >&2 || head -c 2000 "$1" >&2
		return 1
	fi
}

run_test() {
	local name=$1
	local t0 t1
	t0=$(date +%s.%N)
	local rc
	# A plain statement, not an `if` or `||`: there `set -e` is ignored,
	# and every assertion but the last would be silently skipped. (The
	# harness itself runs without -e.)
	(set -eu; "$name")
	rc=$?
	if [ "$rc" -eq 0 ]; then
		PASSED=$((PASSED + 1))
		t1=$(date +%s.%N)
		printf 'ok   %-44s %5.1fs\n' "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')"
	else
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("$name")
		printf 'FAIL %s\n' "$name"
	fi
}

run_all() {
	local prefix=$1
	local f
	for f in $(declare -F | awk '{print $3}' | grep "^test_${prefix}" ); do
		run_test "$f"
	done
}

finish() {
	local label=$1
	rm -rf "$TMP"
	[ ${#FAILED_NAMES[@]} -gt 0 ] && echo "failed: ${FAILED_NAMES[*]}"
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$label: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		echo "$label: $PASSED passed, $FAILED failed"
	fi
	[ "$FAILED" -eq 0 ]
}
