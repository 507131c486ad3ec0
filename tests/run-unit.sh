#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs cmocka unit-test binaries, shows their output, and sums their test
# cases from cmocka's "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)"
# lines into one last line: "unit: N passed, M failed".
# A binary that fails without saying so (a crash, a signal, a sanitizer
# report at exit, a missing file) counts as one failed test case.
# Exits 1 if any binary failed, 2 on usage errors.
set -u

if [ $# -eq 0 ]; then
	echo "usage: $0 TEST_BINARY..." >&2
	exit 2
fi

# The plain format is the one parsed below, whatever the caller's setting.
export CMOCKA_MESSAGE_OUTPUT=stdout

out=$(mktemp "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT

re_pass='^\[  PASSED  \] ([0-9]+) test'
re_fail='^\[  FAILED  \] ([0-9]+) test'

passed=0
failed=0
bad_bins=0

# Line-buffer the child so stdout and stderr keep their order in the log.
# stdbuf works by LD_PRELOAD, which a shared sanitizer runtime refuses
# ("ASan runtime does not come first"), so those run as they are.
have_stdbuf=0
command -v stdbuf >/dev/null 2>&1 && have_stdbuf=1

for bin in "$@"; do
	echo "== $bin"
	if [ ! -x "$bin" ]; then
		echo "run-unit: $bin: not an executable file" >&2
		failed=$((failed + 1))
		bad_bins=$((bad_bins + 1))
		continue
	fi
	if [ "$have_stdbuf" -eq 1 ] && ! ldd "$bin" 2>/dev/null | grep -q 'lib[a-z]*san\.so'; then
		stdbuf -oL -eL "$bin" >"$out" 2>&1
	else
		"$bin" >"$out" 2>&1
	fi
	rc=$?
	cat "$out"

	p=0
	f=0
	while IFS= read -r line; do
		if [[ $line =~ $re_pass ]]; then
			p=$((p + BASH_REMATCH[1]))
		elif [[ $line =~ $re_fail ]]; then
			f=$((f + BASH_REMATCH[1]))
		fi
	done <"$out"

	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -gt 128 ]; then
			sig=$((rc - 128))
			echo "run-unit: $bin killed by signal $sig ($(kill -l "$sig" 2>/dev/null || echo '?'))" >&2
		else
			echo "run-unit: $bin exited with status $rc" >&2
		fi
		# Failed without a failing test case to show for it.
		[ "$f" -eq 0 ] && f=1
		bad_bins=$((bad_bins + 1))
	elif [ "$f" -gt 0 ]; then
		bad_bins=$((bad_bins + 1))
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "unit: $passed passed, $failed failed"
[ "$bad_bins" -eq 0 ]
