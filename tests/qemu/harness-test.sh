#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Tests for the QEMU harness itself (scripts/qemu-test.sh and
# scripts/ktap.sh): a harness that cannot fail is worse than none, so each
# way a boot can go wrong is fed to it through tests/qemu/fake-qemu.sh and
# the verdict and counts it reports are checked. Prints KTAP.

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/harness-test.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
touch "$work/kernel.elf" "$work/mica.iso"
mkdir "$work/esp"
# A copy, so that a checkout without execute bits still runs it.
cp "$top/tests/qemu/fake-qemu.sh" "$work/qemu"
chmod +x "$work/qemu"

n=0
declare -a names
declare -a runs

# t NAME MODE SERIAL-TEXT EXPECTED-STATUS "P F S" [harness options...]
t() {
	names+=("$1")
	runs+=("$(printf '%q ' "$@")")
}

ok_log='KTAP version 1
1..3
ok 1 paging.a
ok 2 paging.b # SKIP no 1 GiB pages
ok 3 traps.c
# selftest: 2 passed, 0 failed, 1 skipped, 0 errors'

# Two harness checks (exit, no panic) besides the KTAP results.
t all_pass poweroff "$ok_log" 0 "4 0 1"
t with_firmware_noise poweroff $'\e[2J\e[01;01HBdsDxe: loading\r\n'"${ok_log//$'\n'/$'\r\n'}" 0 "4 0 1"
t not_ok_fails poweroff 'KTAP version 1
1..2
ok 1 a.a
    # a.b: x.c:9: 3 != 4
not ok 2 a.b' 1 "3 1 0"
t error_fails poweroff 'KTAP version 1
1..1
not ok 1 a.a # ERROR no memory' 1 "2 1 0"
t hang_is_killed hang 'KTAP version 1
1..4
ok 1 a.a' 1 "2 4 0" --timeout 1
t missing_plan_fails poweroff 'ok 1 a.a
ok 2 a.b' 1 "4 1 0"
t no_output_fails poweroff '' 1 "2 1 0"
t triple_fault_fails triple 'KTAP version 1
1..2
ok 1 a.a' 1 "2 2 0"
t qemu_error_fails error '' 1 "1 2 0"
t panic_fails poweroff "$ok_log"'
*** mica panic: late' 1 "3 1 1"
t bail_out_fails poweroff 'KTAP version 1
1..2
ok 1 a.a
Bail out! console gone' 1 "3 2 0"
t misnumbered_fails poweroff 'KTAP version 1
1..2
ok 1 a.a
ok 1 a.b' 1 "4 1 0"
t ram_above_4g_found poweroff 'Memory map (3 entries):
 [0000000000000000, 000000000009fc00) RAM
 [00000000000f0000, 0000000000100000) reserved
 [0000000100000000, 0000000180000000) RAM' 0 "2 0 0" --no-ktap --ram-above-4g
t ram_above_4g_missing poweroff 'Memory map (2 entries):
 [0000000000000000, 000000000009fc00) RAM
 [00000000fd000000, 0000000100000000) reserved
 [0000000100000000, 0000000180000000) reserved' 1 "1 1 0" --no-ktap --ram-above-4g
t expect_and_reject poweroff 'mica: ready
CPU: GenuineIntel' 1 "3 1 0" --no-ktap --expect 'mica: ready' --expect '1gpages' --reject 'panic'
t until_stops_a_halted_run hang 'mica: halted' 0 "2 0 0" --no-ktap --until 'halted' --expect 'halted' --timeout 10
# An ESP folder boots as a FAT drive, always under OVMF.
t esp_folder_is_a_fat_drive poweroff "$ok_log" 0 "5 0 1" --esp "$work/esp" \
	--expect "^args: .*-bios [^ ]+ .*-drive format=raw,file=fat:rw:$work/esp( |\$)"
t esp_takes_no_append poweroff "$ok_log" 2 "" --esp "$work/esp" --append selftest

echo "KTAP version 1"
echo "1..${#names[@]}"
for i in "${!names[@]}"; do
	eval "set -- ${runs[$i]}"
	name=$1 mode=$2 text=$3 want_rc=$4 want_counts=$5
	shift 5
	printf '%s\n' "$text" >"$work/serial.in"
	: >"$work/counts"
	if [[ " $* " == *" --esp "* ]]; then
		boot=()
	elif [[ " $* " == *" --no-ktap "* ]] && [ "$mode" != hang ]; then
		boot=(--iso "$work/mica.iso")
	else
		boot=(--kernel "$work/kernel.elf")
	fi
	echo_args=
	[[ $name != esp_* ]] || echo_args=1
	out=$(QEMU="$work/qemu" FAKE_MODE=$mode FAKE_ECHO_ARGS=$echo_args \
		FAKE_SERIAL="$work/serial.in" \
		bash "$top/scripts/qemu-test.sh" --name "$name" "${boot[@]}" \
		--counts "$work/counts" "$@" 2>&1)
	rc=$?
	got_counts=$(cat "$work/counts")
	n=$((n + 1))
	if [ $rc -eq "$want_rc" ] && [ "$got_counts" = "$want_counts" ]; then
		echo "ok $n harness.$name"
	else
		echo "    # harness.$name: status $rc (wanted $want_rc), counts '$got_counts' (wanted '$want_counts')"
		printf '%s\n' "$out" | sed 's/^/    # /'
		echo "not ok $n harness.$name"
	fi
done
