#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mica's fault reports, checked for real: boots mica with crashtest=<fault>
# (kernel/traps.c faults on purpose at the end of boot) and checks what the
# serial console shows: the exception, its decoded error code, cr2, the
# registers and a backtrace naming the function that faulted; then that
# the machine restarts (QEMU exits, -no-reboot) or, with noreboot, halts.
#
#   scripts/test-crash.sh [build/mica.elf]
#
# One KTAP line per case; the last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
kernel=${1:-${BUILD:-build}/mica.elf}
pass=0 fail=0 n=0

# run NAME APPEND [qemu-test.sh options...]
run() {
	local name=$1 append=$2
	shift 2
	n=$((n + 1))
	if out=$(bash scripts/qemu-test.sh --name "crash-$name" --kernel "$kernel" \
		--append "$append" --no-ktap --timeout 40 \
		--expect 'Backtrace:' --expect 'rax [0-9a-f]{16} rbx' \
		--expect 'cr0 [0-9a-f]{16} cr2' "$@" 2>&1); then
		echo "ok $n crash-$name"
		pass=$((pass + 1))
	else
		echo "not ok $n crash-$name"
		sed 's/^/# /' <<<"$out"
		fail=$((fail + 1))
	fi
}

echo "KTAP version 1"
echo "1..9"
halt=(--until 'mica: halted \(noreboot\)')
# The default: report, then restart (QEMU exits by itself).
run pf-restarts "crashtest=pf" \
	--expect 'Page fault \(vector 14\)' \
	--expect 'error code 0x2: page not present, write, supervisor mode' \
	--expect 'cr2 0000000000001000' --expect '^  [0-9a-f]{16} crash_now' \
	--expect 'mica: restarting$'
run ud "crashtest=ud noreboot" "${halt[@]}" \
	--expect 'Invalid opcode \(vector 6\)' --expect 'rip [0-9a-f]{16} crash_now'
run de "crashtest=de noreboot" "${halt[@]}" --expect 'Divide error \(vector 0\)'
run gp "crashtest=gp noreboot" "${halt[@]}" \
	--expect 'General protection fault \(vector 13\)' --expect 'error code 0$'
run bp "crashtest=bp noreboot" "${halt[@]}" --expect 'Breakpoint \(vector 3\)'
# An overflow runs into the guard page; #DF has a stack of its own (IST).
run stack-overflow "crashtest=stack noreboot" "${halt[@]}" \
	--expect 'Double fault \(vector 8\)' \
	--expect 'stack overflow: .*guard page of the boot stack' \
	--expect '^  [0-9a-f]{16} overflow_stack'
# Running off a vmalloc area, or into a page vunmap_range() took: the
# report names the area, its range and the function that allocated it.
vmap_range='\[ffff82c[0-9a-f]{9}, ffff82c[0-9a-f]{9}\) \(2 pages'
run vmap-guard "crashtest=vmap noreboot" "${halt[@]}" \
	--expect 'Page fault \(vector 14\)' \
	--expect "vmap: cr2 is in the guard page after the vmalloc area $vmap_range\\)" \
	--expect '^  vmap area allocated by [0-9a-f]{16} crash_vmap\+' \
	--expect '^  [0-9a-f]{16} crash_vmap'
run vmap-hole "crashtest=vmap-hole noreboot" "${halt[@]}" \
	--expect "vmap: cr2 is in page 1 of the vmalloc area $vmap_range, 1 mapped\\), unmapped by vunmap_range\\(\\)" \
	--expect '^  vmap area allocated by [0-9a-f]{16} crash_vmap\+'
# Without crashtest nothing faults.
n=$((n + 1))
if bash scripts/qemu-test.sh --name crash-none --kernel "$kernel" \
	--append "crashtest=nonsense selftest=paging.no_identity" --timeout 40 \
	--expect "crashtest: unknown fault 'nonsense'" >/dev/null 2>&1; then
	echo "ok $n crash-none"
	pass=$((pass + 1))
else
	echo "not ok $n crash-none"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
