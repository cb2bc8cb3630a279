# SPDX-License-Identifier: MIT
#
# Sourced by the host benchmark scripts (bench-heap.sh, bench-vmap.sh,
# bench-xmalloc.sh): callgrind instruction counts. The caller sets
# BENCH_TMP to a scratch folder of its own.

# callgrind_count FUNC CMD...: the instructions executed inside FUNC (and
# what it calls) while CMD runs; CMD's standard output is left in
# $BENCH_TMP/out. Exits, showing valgrind's messages, if CMD fails.
callgrind_count() {
	local fn=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file="$BENCH_TMP/cg" \
		--collect-atstart=no --toggle-collect="$fn" \
		"$@" >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || {
		cat "$BENCH_TMP/err" >&2
		exit 1
	}
	callgrind_annotate "$BENCH_TMP/cg" |
		awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'
}

# per TOTAL N [FORMAT]: TOTAL / N, printed with FORMAT (%.1f).
per() {
	awk -v t="$1" -v n="$2" -v f="${3:-%.1f}" 'BEGIN { printf f "\n", t / n }'
}
