#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `make check`: every test mica has, one line per step, and as the very last
# line "N passed, N failed" summed over the host tests' results, the
# kernel's KTAP results and the harness's own checks. Exits 1 if anything
# failed. Skipped tests are reported on the line before and counted in
# neither number.
#
# Steps: the build (kernel, test ISO, trivial kernel, mica.efi and its test
# runner), `make format-check`, `make host-test`, `make fuzz-smoke`, `make
# bench-smoke` (every benchmark runs once, untimed), the harness's self
# test, the ISOs for the module and screen boots, the QEMU matrix, mica.efi
# under OVMF
# (scripts/test-efi.sh: ESP boots on pc and q35, the ISO's mica.efi entry, a
# run without a serial port read off the screen, broken configurations), and
# the PV guests (scripts/test-guests.sh: several at once through -kernel,
# the ISO and mica.efi, one crashing on purpose, each judged by its KTAP,
# and the page audit), the contiguity experiments (scripts/test-contig.sh:
# their KTAP, the audit and the goals of issue 6 from their result lines),
# the same guests on Debian's Xen 4.17
# (scripts/test-xen.sh), and scripts/test-crash.sh when present.
#
# The QEMU matrix covers every value of each axis at least once rather than
# their product, to stay short on a 2-core machine without KVM:
#
#   boot      machine  firmware  RAM    1 GiB pages
#   -kernel   pc       SeaBIOS   64M    no
#   -kernel   q35      SeaBIOS   1G     yes
#   -kernel   q35      SeaBIOS   1G     yes   directmap=off
#   -kernel   pc       SeaBIOS   6G     yes   (RAM above the PCI hole)
#   -kernel   pc       SeaBIOS   6G     no    directmap=off
#   -kernel   pc       SeaBIOS   256M   no    two -initrd modules
#   ISO       q35      SeaBIOS   6G     no    (RAM above the PCI hole),
#                                             two module2 modules
#   ISO       pc       OVMF      1G     yes
#   ISO       q35      OVMF      256M   no    no serial port: the banner
#                                             read off the framebuffer
#
# The module boots pass selftest_modules= (docs/cmdline.md) so that mica's
# boot.modules_as_loaded test knows what the loader was given. The last
# boot takes QEMU screendumps through QMP (qemu-test.sh --screen) and reads
# them with tools/screen2text.py.
#
# Environment: BUILD [build], MAKE [make], QEMU_TIMEOUT [90] per boot.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
timeout=${QEMU_TIMEOUT:-90}
# The console font the screen reader matches against (qemu-test.sh --screen).
export FONT=${FONT:-$BUILD/drivers/font8x16.c}
out=$BUILD/check
rm -rf "$out"
mkdir -p "$out"

kernel=$BUILD/mica.elf
iso=$BUILD/mica-test.iso
passed=0 failed=0 skipped=0

add() { # add PASSED FAILED SKIPPED
	passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3))
}

# verdict NAME PASSED FAILED SKIPPED NOTE
verdict() {
	local v=PASS
	[ "$3" -eq 0 ] || v=FAIL
	echo "$v $1: $2 passed, $3 failed, $4 skipped${5:+ ($5)}"
	add "$2" "$3" "$4"
}

# A make step whose output may carry KTAP: its results, plus one check that
# make itself succeeded.
make_step() { # make_step NAME KTAP(0|1) TARGET...
	local name=$1 ktap=$2 log=$out/$1.log rc kout p=0 f=0 s=0
	shift 2
	"$MAKE" --no-print-directory BUILD="$BUILD" "$@" >"$log" 2>&1
	rc=$?
	if [ "$ktap" -eq 1 ]; then
		kout=$(bash scripts/ktap.sh --counts "$out/$name.counts" "$log")
		read -r p f s <"$out/$name.counts"
	fi
	if [ $rc -eq 0 ]; then p=$((p + 1)); else f=$((f + 1)); fi
	verdict "$name" "$p" "$f" "$s" "make $*: status $rc; log $log"
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then
		[ "$ktap" -eq 0 ] || printf '%s\n' "$kout" | grep -v '^ktap:' | sed 's/^/  /'
		echo "    --- the end of $log:"
		tail -n 20 "$log" | awk '{ print "    | " $0 }'
	fi
	return $rc
}

echo "== build"
built=1
make_step build 0 "$kernel" "$iso" guests trivial bench-tools "$BUILD/mica.efi" efi-tools ||
	built=0

echo "== style"
make_step format-check 0 format-check

echo "== host tests"
make_step host-test 1 host-test
make_step fuzz-smoke 0 fuzz-smoke
make_step bench-smoke 0 bench-smoke

echo "== harness self test"
bash tests/qemu/harness-test.sh >"$out/harness.log" 2>&1
kout=$(bash scripts/ktap.sh --counts "$out/harness.counts" "$out/harness.log")
read -r p f s <"$out/harness.counts"
verdict harness "$p" "$f" "$s" "tests/qemu/harness-test.sh"
[ "$f" -eq 0 ] || printf '%s\n' "$kout" | grep -v '^ktap:'

echo "== QEMU"
# Boot modules: the trivial kernel and a blob of odd size, so that an end
# rounded to a page shows. GRUB splits a module2 line into words and joins
# them with single spaces; -initrd passes the text after the file name as
# it is, so only its expectation keeps the double space.
mod_a=$BUILD/tests/qemu/trivial/trivial.elf mod_b=$out/blob.bin
head -c 12345 /dev/urandom >"$mod_b"
size_a=$(stat -c %s "$mod_a" 2>/dev/null || echo 0)
spec_initrd="$size_a/args%20a=1,12345/more%20%20args"
spec_grub="$size_a/args%20a=1,12345/more%20args"
# The ISOs for the module and screen boots, made here as mkiso.sh is quick.
iso_mods=$out/mica-modules.iso iso_fb=$out/mica-fb.iso
if [ $built -eq 1 ]; then
	if { bash scripts/mkiso.sh --out "$iso_mods" --kernel "$kernel" \
		--default 1 --append "selftest_modules=$spec_grub" \
		--module "$mod_a args a=1" --module "$mod_b more  args" &&
		bash scripts/mkiso.sh --out "$iso_fb" --kernel "$kernel" \
			--default 0 --uefi-mode 1280x1024; } >"$out/test-isos.log" 2>&1; then
		verdict test-isos 1 0 0
	else
		verdict test-isos 0 1 0 "scripts/mkiso.sh failed; log $out/test-isos.log"
	fi
fi
# name, then qemu-test.sh options
matrix=(
	"kernel-pc-64M-no1g    --kernel $kernel --machine pc --mem 64M --cpu qemu64,-pdpe1gb --expect booted.by --expect with.2.MiB/4.KiB.pages"
	"kernel-q35-1G-1g      --kernel $kernel --machine q35 --mem 1G --cpu qemu64,+pdpe1gb --expect with.1.GiB/2.MiB/4.KiB.pages"
	"kernel-q35-1G-nodm    --kernel $kernel --machine q35 --mem 1G --cpu qemu64,+pdpe1gb --append 'selftest directmap=off' --expect 'no direct map'"
	"kernel-pc-6G-1g       --kernel $kernel --machine pc --mem 6G --cpu qemu64,+pdpe1gb --ram-above-4g"
	"kernel-pc-6G-nodm     --kernel $kernel --machine pc --mem 6G --cpu qemu64,-pdpe1gb --ram-above-4g --append 'selftest directmap=off' --expect 'no direct map'"
	"kernel-pc-256M-initrd --kernel $kernel --machine pc --mem 256M --cpu qemu64,-pdpe1gb --initrd '$mod_a args a=1,$mod_b more  args' --append 'selftest selftest_modules=$spec_initrd'"
	"iso-bios-q35-6G-no1g  --iso $iso_mods --firmware bios --machine q35 --mem 6G --cpu qemu64,-pdpe1gb --ram-above-4g --expect booted.by.GRUB"
	"iso-ovmf-pc-1G-1g     --iso $iso --firmware ovmf --machine pc --mem 1G --cpu qemu64,+pdpe1gb --expect booted.by.GRUB.*on.UEFI"
	"iso-ovmf-q35-fb       --iso $iso_fb --firmware ovmf --machine q35 --mem 256M --no-serial --screen-until '^mica: ready' --screen '^mica 0\.[0-9]+ \((debug|release) build\) booted by GRUB .* on UEFI\$' --screen '^fbcon: [0-9]+x[0-9]+, '"
)
for entry in "${matrix[@]}"; do
	read -r name opts <<<"$entry"
	if [ $built -eq 0 ]; then
		verdict "$name" 0 1 0 "not run: the build failed"
		continue
	fi
	: >"$out/$name.counts"
	# The entries are this script's own: quotes in them group words.
	eval "set -- $opts"
	bash scripts/qemu-test.sh --name "$name" --timeout "$timeout" \
		--log "$out/$name.serial.log" --counts "$out/$name.counts" "$@"
	if read -r p f s <"$out/$name.counts"; then
		add "$p" "$f" "$s"
	else
		echo "    (the harness reported no counts: counted as one failure)"
		add 0 1 0
	fi
done

# Helper scripts report like this one: a last line "N passed, N failed";
# without one, their exit status counts as a single check.
helper() { # helper LOG SCRIPT [ARGS...]
	local log=$1 rc last p f
	shift
	if [ $built -eq 0 ]; then
		echo "FAIL $1: not run: the build failed"
		add 0 1 0
		return
	fi
	BUILD=$BUILD bash "$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	last=$(tail -n 1 "$log")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
		[ $rc -eq 0 ] || [ "$f" -ne 0 ] || f=1
		add "$p" "$f" 0
	elif [ $rc -eq 0 ]; then
		add 1 0 0
	else
		add 0 1 0
	fi
}

echo "== UEFI (mica.efi)"
helper "$out/efi.log" scripts/test-efi.sh "$out/efi"

echo "== PV guests"
helper "$out/guests.log" scripts/test-guests.sh "$out/guests"
# The contiguity experiments: one boot per experiment and heap policy.
helper "$out/contig.log" scripts/test-contig.sh "$out/contig"
# The same guest binaries on Xen 4.17: proof they need nothing of mica's.
helper "$out/xen.log" scripts/test-xen.sh --log-dir "$out"

if [ -f scripts/test-crash.sh ]; then
	echo "== crash tests"
	helper "$out/crash.log" scripts/test-crash.sh
fi

echo "== total"
[ $skipped -eq 0 ] || echo "($skipped skipped, counted in neither number)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
