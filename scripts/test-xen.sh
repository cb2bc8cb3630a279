#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The test guests on real Xen: each boots as Xen 4.17's initial domain under
# QEMU (scripts/qemu-test.sh, with a hard timeout) and is judged by the KTAP
# it prints. Proof that the guests lean on nothing mica-specific.
#
#   scripts/test-xen.sh [--xen FILE] [--timeout SECONDS] [--log-dir DIR]
#                       [GUEST.elf ...]
#
# Guests default to every build/guests/*.elf. Xen defaults to
# /boot/xen-4.17-amd64.gz (Debian's xen-hypervisor-4.17-amd64), gunzipped
# once into $BUILD/xen/: QEMU's -kernel loads Xen's multiboot ELF but not a
# gzip of it. Without that package the script prints "skipped: ..." and
# exits 0.
#
# Xen halts rather than powers off when its initial domain shuts down, so a
# run ends at Xen's "Hardware Dom0 halted" line (or "crashed", for a guest
# that bails out, which then fails its KTAP). The guests that crash on
# purpose (crash_guests below) print no KTAP: they pass when Xen reports
# its initial domain crashed.
#
# Prints qemu-test.sh's PASS/FAIL line per guest (with the time each boot
# took), then "N passed, N failed" over the guests. --counts FILE is
# passed to qemu-test.sh, which appends each guest's "passed failed
# skipped". XEN_GZ overrides /boot/xen-4.17-amd64.gz. Exits 0 only if every
# guest passed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
xen_gz=${XEN_GZ:-/boot/xen-4.17-amd64.gz}
xen='' timeout=60 log_dir='' counts=''
guests=()

while [ $# -gt 0 ]; do
	case $1 in
	--xen) xen=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--log-dir) log_dir=$2; shift 2 ;;
	--counts) counts=$2; shift 2 ;;
	-h | --help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "test-xen.sh: unknown option $1" >&2; exit 2 ;;
	*) guests+=("$1"); shift ;;
	esac
done

if [ -z "$xen" ]; then
	if [ ! -r "$xen_gz" ]; then
		echo "test-xen.sh: skipped: xen-hypervisor-4.17-amd64 not installed" \
			"(apt-get install xen-hypervisor-4.17-amd64)"
		exit 0
	fi
	xen=$BUILD/xen/xen-4.17-amd64
	if [ ! -s "$xen" ] || [ "$xen_gz" -nt "$xen" ]; then
		mkdir -p "$(dirname "$xen")"
		gzip -dc "$xen_gz" >"$xen.tmp" && mv "$xen.tmp" "$xen" || exit 2
	fi
fi
[ -r "$xen" ] || { echo "test-xen.sh: cannot read $xen" >&2; exit 2; }

if [ ${#guests[@]} -eq 0 ]; then
	for g in "$BUILD"/guests/*.elf; do
		[ -e "$g" ] && guests+=("$g")
	done
fi
[ ${#guests[@]} -gt 0 ] ||
	{ echo "test-xen.sh: no guests: run make guests first" >&2; exit 2; }

# Guests that crash on purpose, and what they print if they survive.
crash_guests=" crash "
survived='the fault returned'

pass=0 fail=0
for g in "${guests[@]}"; do
	name=$(basename "$g" .elf)
	log=()
	[ -z "$log_dir" ] || log=(--log "$log_dir/xen-$name.log")
	judge=(--expect "^$name: result (pass|skip)\$"
		--reject '^\(XEN\) Hardware Dom0 crashed')
	[[ $crash_guests != *" $name "* ]] ||
		judge=(--no-ktap --expect '^\(XEN\) Hardware Dom0 crashed'
			--reject "$survived")
	# console=com1: Xen's console, which carries the initial domain's
	# console_io output unprefixed. dom0_mem: a small domain boots faster.
	# The module's command line after its file name is the guest's: QEMU's
	# TCG gets the #GP error code of a refused int n wrong, and Xen trusts
	# it (docs/guests.md), which the traps guest may then skip.
	if bash "$here/qemu-test.sh" --name "xen-$name" --kernel "$xen" \
		--initrd "$g allow_tcg_int_quirk" \
		--append "console=com1 dom0_mem=128M" \
		--mem 1G --timeout "$timeout" "${log[@]}" \
		${counts:+--counts "$counts"} \
		--until '^\(XEN\) Hardware Dom0 (halted|shutdown|crashed)' \
		"${judge[@]}" --reject '^\(XEN\) Panic on CPU'; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
