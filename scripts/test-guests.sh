#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Boots mica with several PV guests at once and judges every one of them.
# Each guest prints KTAP on its console, which mica copies to the serial
# log as "(dN) ..." lines; this splits the log by domain and counts each
# guest's results with scripts/ktap.sh. Every run must also end with
# mica's page audit reporting no leak, every domain destroyed with nothing
# still owned, and mica powering off by itself once the last is gone.
#
#   scripts/test-guests.sh [OUTDIR]
#
# Configurations: the guests through -kernel/-initrd on pc and, without a
# direct map and with SMEP (-cpu max,-smap), on q35; a guest that crashes on
# purpose between two that must not notice; the superpage guest with
# pv_superpages=off, which must skip; guests/hostile between two others;
# the ISO with module2 modules
# under SeaBIOS; and mica.efi loading mica and two guests from an ESP
# under OVMF.
# The last line is "N passed, N failed". Environment: BUILD [build],
# QEMU_TIMEOUT [60] per boot, HOSTILE_SEED [1] for guests/hostile.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
out=${1:-$BUILD/check/guests}
timeout=${QEMU_TIMEOUT:-60}
mkdir -p "$out"
G=$BUILD/guests
kernel=$BUILD/mica.elf
passed=0 failed=0

pass() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "not ok - $*"; failed=$((failed + 1)); }

# judge NAME LOG EXPECTED_DOMAINS: the per-domain KTAP and mica's checks.
# EXPECTED_DOMAINS lists "dN:ktap" (must pass its KTAP) or "dN:crash"
# (must be reported crashed, its KTAP not counted).
judge() {
	local name=$1 log=$2 dom id kind dlog
	shift 2
	for dom in "$@"; do
		id=${dom%%:*} kind=${dom#*:}
		dlog=$out/$name.$id.log
		sed -n "s/^($id) //p" "$log" >"$dlog"
		case $kind in
		ktap)
			if bash scripts/ktap.sh --quiet "$dlog" >"$dlog.ktap" 2>&1; then
				pass "$name: $id: $(tail -n 1 "$dlog.ktap")"
			else
				fail "$name: $id: $(tail -n 1 "$dlog.ktap")"
				bash scripts/ktap.sh "$dlog" | head -n 20 | sed 's/^/    /'
			fi ;;
		crash)
			if grep -q "^($id) crashed: " "$log"; then
				pass "$name: $id crashed as it should: $(grep -m1 "^($id) crashed: " "$log")"
			else
				fail "$name: $id did not crash"
			fi ;;
		esac
		if grep -Eq "^\($id\) destroyed: [0-9]+ pages returned, 0 still owned" "$log"; then
			pass "$name: $id destroyed, nothing left owned"
		else
			fail "$name: $id not destroyed cleanly: $(grep -m1 "^($id) destroyed" "$log")"
		fi
	done
	if grep -q "^audit: 0 pages leaked" "$log"; then
		pass "$name: audit: 0 pages leaked"
	else
		fail "$name: audit: $(grep -m1 '^audit:' "$log" || echo 'no audit line')"
	fi
	if grep -q "panic" "$log"; then
		fail "$name: mica panicked"
		grep -m3 -A3 panic "$log" | sed 's/^/    /'
	fi
}

# boot NAME QEMU-TEST-ARGS...: one run, judged by qemu-test.sh for the
# power-off, then by judge().
boot() {
	local name=$1 log=$out/$1.log
	shift
	if bash scripts/qemu-test.sh --name "$name" --no-ktap --log "$log" \
		--timeout "$timeout" --expect '^mica: no domains left' "$@" \
		>"$out/$name.qemu" 2>&1; then
		pass "$name: $(head -n 1 "$out/$name.qemu")"
	else
		fail "$name: $(head -n 1 "$out/$name.qemu")"
		tail -n 25 "$log" | sed 's/^/    /'
	fi
}

guests=(hello traps mmu memory sched superpage desc batch)
have=()
for g in "${guests[@]}"; do
	[ -f "$G/$g.elf" ] && have+=("$g")
done
if [ ${#have[@]} -eq 0 ]; then
	echo "test-guests.sh: no guests in $G: build them first (make)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# d0 is the initial domain; the others get console rings.
initrd="$G/hello.elf name=hello0"
doms=(d0:ktap)
i=1
for g in "${have[@]}"; do
	initrd+=",$G/$g.elf name=$g mem=32M"
	# The memory guest grows its reservation (a 2 MiB extent at most).
	[ "$g" = memory ] && initrd+=" maxmem=40M"
	# On mica superpages must work: refusing them is a failure, not a skip.
	[ "$g" = superpage ] && initrd+=" require_superpages"
	doms+=("d$i:ktap")
	i=$((i + 1))
done

boot kernel-pc --kernel "$kernel" --machine pc --mem 512M --append "" \
	--initrd "$initrd"
judge kernel-pc "$out/kernel-pc.log" "${doms[@]}"
grep -h -m1 '^(d[0-9]*) superpage: result share=' "$out/kernel-pc.log" |
	sed 's/^/# /'

# -cpu max, but without SMAP: QEMU 7.2's TCG pops iretq's frame with
# supervisor accesses even at CPL 3, so a guest kernel's own iretq on its
# (user) stack faults under SMAP, which real CPUs do not do. SMEP stays.
boot kernel-q35-nodirectmap --kernel "$kernel" --machine q35 --mem 1G \
	--cpu max,-smap --append "directmap=off" --initrd "$initrd"
judge kernel-q35-nodirectmap "$out/kernel-q35-nodirectmap.log" "${doms[@]}"

if [ -f "$G/crash.elf" ]; then
	boot crash --kernel "$kernel" --machine pc --mem 256M \
		--append "dom0=none" \
		--initrd "$G/hello.elf name=before,$G/crash.elf name=crash,$G/hello.elf name=after"
	judge crash "$out/crash.log" d1:ktap d2:crash d3:ktap
fi

# pv_superpages=off: PSE refused as Xen 4.17 refuses it, so that the
# superpage guest, not told to require them, must skip its superpage cases.
if [ -f "$G/superpage.elf" ]; then
	boot superpages-off --kernel "$kernel" --machine pc --mem 256M \
		--append "pv_superpages=off" \
		--initrd "$G/superpage.elf name=superpage mem=32M"
	judge superpages-off "$out/superpages-off.log" d0:ktap
	if grep -q '^(d0) superpage: result skip' "$out/superpages-off.log"; then
		pass "superpages-off: the superpage guest skipped"
	else
		fail "superpages-off: $(grep -m1 '^(d0) superpage: result [a-z]*$' \
			"$out/superpages-off.log" || echo 'no result line')"
	fi
fi

# A guest throwing random hypercalls and instructions at mica, between two
# that must not notice; mica must not panic, hang or leak.
if [ -f "$G/hostile.elf" ]; then
	boot hostile --kernel "$kernel" --machine pc --mem 256M --append "" \
		--initrd "$G/hello.elf name=hello0,$G/hostile.elf name=hostile mem=32M seed=${HOSTILE_SEED:-1},$G/hello.elf name=after mem=32M"
	judge hostile "$out/hostile.log" d0:ktap d1:ktap d2:ktap
fi

# The ISO: GRUB's module2 lines.
iso=$out/guests.iso
if bash scripts/mkiso.sh --out "$iso" --kernel "$kernel" --default 0 \
	--module "$G/hello.elf name=hello0" --module "$G/traps.elf name=traps mem=32M" \
	>"$out/iso.build.log" 2>&1; then
	boot iso-bios --iso "$iso" --firmware bios --machine q35 --mem 512M
	judge iso-bios "$out/iso-bios.log" d0:ktap d1:ktap
else
	fail "iso: scripts/mkiso.sh failed (log $out/iso.build.log)"
fi

# mica.efi from an ESP: mica.cfg's module lines.
if [ -f "$BUILD/mica.efi" ] && [ -f "${OVMF:-/usr/share/ovmf/OVMF.fd}" ]; then
	rm -rf "$out/esp"
	if bash scripts/mkesp.sh --out "$out/esp" --efi "$BUILD/mica.efi" \
		--kernel "$kernel" --append "" \
		--module "$G/hello.elf name=hello0" --module "$G/hello.elf name=hello1 mem=32M" \
		>"$out/esp.build.log" 2>&1; then
		boot esp-ovmf --esp "$out/esp" --machine q35 --mem 512M \
			--timeout $((timeout + 30))
		judge esp-ovmf "$out/esp-ovmf.log" d0:ktap d1:ktap
	else
		fail "esp: scripts/mkesp.sh failed (log $out/esp.build.log)"
	fi
else
	echo "# skipped esp-ovmf: no $BUILD/mica.efi (make efi) or no OVMF"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
