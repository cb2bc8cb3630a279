#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `make host-test`: runs the host test binaries and check scripts, prints
# their results as TAP (cmocka's TAP mode for the binaries, one result per
# script), and as the very last line "N passed, N failed".
#
#   tests/host/run.sh BINARY... [-- SCRIPT...]
#
# A binary that exits non-zero although its results were all "ok" (a leak
# found by LeakSanitizer at exit, say) gets one failed result of its own,
# as does one that crashes before its plan is complete (counted by
# scripts/ktap.sh). Exits 1 if anything failed.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

emit() { # emit TEXT: print and keep for the count
	printf '%s\n' "$1" | tee -a "$log"
}

scripts=0
for t in "$@"; do
	if [ "$t" = -- ]; then
		scripts=1
		continue
	fi
	name=$(basename "$t")
	if [ $scripts -eq 0 ]; then
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 \
			"$t" 2>&1)
		rc=$?
		# cmocka writes a skip as "not ok N # SKIP name"; TAP's own
		# form, which scripts/ktap.sh reads, is "ok N - name # SKIP".
		out=$(sed -E 's/^not ok ([0-9]+) # SKIP (.*)$/ok \1 - \2 # SKIP/' \
			<<<"$out")
		emit "$out"
		if [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
			emit "1..1"
			emit "not ok 1 - $name exited with status $rc"
		fi
	else
		out=$(bash "$t" 2>&1)
		rc=$?
		emit "1..1"
		[ -z "$out" ] || emit "$(sed 's/^/# /' <<<"$out")"
		if [ $rc -eq 0 ]; then
			emit "ok 1 - $name"
		else
			emit "not ok 1 - $name"
		fi
	fi
done

summary=$(bash "$top/scripts/ktap.sh" --quiet "$log")
read -r _ passed _ failed _ <<<"${summary//,/}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
