# SPDX-License-Identifier: MIT
#
# Sourced by the benchmark scripts: callgrind instruction counts (the host
# benchmarks; the caller sets BENCH_TMP to a scratch folder of its own),
# QEMU boot times (bench-boot.sh, bench-guest.sh) and medians.

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

# qemu_time WANT QEMU-ARGS...: start $QEMU with the arguments, its serial
# console on stdout, and print the seconds from starting it to its first
# line and to the first line containing WANT ("first want"). Fails if WANT
# never comes within 30 s. QEMU is killed afterwards; qemu_pid names it
# meanwhile, for the caller's trap.
qemu_pid=
qemu_time() {
	local want=$1 line t0 t1 tf='' rc=1 out
	shift
	t0=$EPOCHREALTIME
	coproc QEMU_PROC { exec timeout 30 "${QEMU:-qemu-system-x86_64}" "$@" </dev/null 2>&1; }
	qemu_pid=$QEMU_PROC_PID
	# A copy of the pipe: bash may close its own once QEMU has exited.
	exec {out}<&"${QEMU_PROC[0]}"
	while IFS= read -r -t 30 line <&"$out"; do
		[ -n "$tf" ] || tf=$EPOCHREALTIME
		if [[ ${line%$'\r'} == *"$want"* ]]; then
			t1=$EPOCHREALTIME
			rc=0
			break
		fi
	done
	# bash drops QEMU_PROC_PID once the process has gone: use the copy.
	kill "$qemu_pid" 2>/dev/null
	wait "$qemu_pid" 2>/dev/null
	qemu_pid=
	exec {out}<&-
	[ $rc -eq 0 ] || { echo "qemu never printed '$want': $*" >&2; return 1; }
	awk -v a="$t0" -v f="$tf" -v b="$t1" 'BEGIN { printf "%.4f %.4f\n", f - a, b - a }'
}

# stats VALUES...: "median min max", three decimals.
stats() {
	printf '%s\n' "$@" | sort -n | awk '
		{ v[NR] = $1 }
		END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.3f %.3f %.3f\n", m, v[1], v[NR]
		}'
}
