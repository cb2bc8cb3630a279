#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The contiguity experiments of issue 6 (guests/contig): one boot of mica
# per experiment and heap policy, each with the contig guest as its initial
# domain (the heap dumps are its sysctl), each judged by its KTAP, the page
# audit and its domain's clean destruction; then tools/contig_report.py
# judges the goals from the result lines and heap dumps of all the boots
# and prints the results table.
#
#   scripts/test-contig.sh [OUTDIR]
#
# Boots (1 GiB, pc): remap under alloc_order=lower and =scramble, and as an
# ordinary domain (dom0=none), whose 2 MiB extent limit makes the batched
# remap fall back to smaller orders; dma with
# heap_grouping on and off; balloon with grouping on and off (all of these
# lower). The test kernel is a debug build, whose default is scramble: the
# policy is always given. The serial logs stay in OUTDIR as NAME.log
# [build/check/contig] for tools/plot_contig.py (`make plots`). The last line is "N passed, N failed".
# Environment: BUILD [build], QEMU_TIMEOUT [120] per boot.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
out=${1:-$BUILD/check/contig}
timeout=${QEMU_TIMEOUT:-120}
guest=$BUILD/guests/contig.elf
kernel=$BUILD/mica.elf
passed=0 failed=0 names=()
mkdir -p "$out"

pass() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "not ok - $*"; failed=$((failed + 1)); }

if [ ! -f "$guest" ] || [ ! -f "$kernel" ]; then
	echo "test-contig.sh: no $guest or $kernel: build them first (make)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# run NAME APPEND GUEST-ARGS [DOMAIN]: one boot, then its judgement.
run() {
	local name=$1 append=$2 args=$3 dom=${4:-d0} log=$out/$1.log dlog=$out/$1.${4:-d0}
	names+=("$name")
	if bash scripts/qemu-test.sh --name "contig-$name" --no-ktap --log "$log" \
		--timeout "$timeout" --kernel "$kernel" --machine pc --mem 1G \
		--append "$append" --initrd "$guest name=contig $args" \
		--expect '^mica: no domains left' >"$out/$name.qemu" 2>&1; then
		pass "$name: $(head -n 1 "$out/$name.qemu")"
	else
		fail "$name: $(head -n 1 "$out/$name.qemu")"
		tail -n 20 "$log" | sed 's/^/    /'
	fi
	sed -n "s/^($dom) //p" "$log" >"$dlog"
	if bash scripts/ktap.sh --quiet "$dlog" >"$dlog.ktap" 2>&1; then
		pass "$name: $dom: $(tail -n 1 "$dlog.ktap")"
	else
		fail "$name: $dom: $(tail -n 1 "$dlog.ktap")"
		bash scripts/ktap.sh "$dlog" | head -n 20 | sed 's/^/    /'
	fi
	if grep -Eq "^\($dom\) destroyed: [0-9]+ pages returned, 0 still owned" "$log"; then
		pass "$name: $dom destroyed, nothing left owned"
	else
		fail "$name: $dom not destroyed cleanly: $(grep -m1 "^($dom) destroyed" "$log")"
	fi
	if grep -q '^audit: 0 pages leaked' "$log"; then
		pass "$name: audit: 0 pages leaked"
	else
		fail "$name: audit: $(grep -m1 '^audit:' "$log" || echo 'no audit line')"
	fi
}

run remap-lower "alloc_order=lower" "exp=remap"
run remap-scramble "alloc_order=scramble" "exp=remap"
# An ordinary domain: its largest extent is 2 MiB, so the batched remap
# falls back; its maxmem gives the headroom the remap populates into.
run remap-domu "dom0=none alloc_order=lower" "exp=remap maxmem=96M alloc_order=lower" d1
run dma-grouping-on "alloc_order=lower heap_grouping=on" "exp=dma"
run dma-grouping-off "alloc_order=lower heap_grouping=off" "exp=dma"
run balloon-grouping-on "alloc_order=lower heap_grouping=on" "exp=balloon balloon=32 mem=128M"
run balloon-grouping-off "alloc_order=lower heap_grouping=off" "exp=balloon balloon=32 mem=128M"

logs=()
for n in "${names[@]}"; do logs+=("$out/$n.log"); done
python3 tools/contig_report.py --check "${logs[@]}" >"$out/report.txt" 2>&1
sed -n '/^ok - \|^not ok - /p' "$out/report.txt" | while IFS= read -r l; do echo "$l"; done
p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out/report.txt")
f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out/report.txt")
if [ -z "$p" ]; then
	fail "tools/contig_report.py: $(tail -n 1 "$out/report.txt")"
else
	passed=$((passed + p)) failed=$((failed + f))
fi
grep -v '^ok - \|^not ok - \|passed, .* failed$' "$out/report.txt" | sed 's/^/# /'
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
