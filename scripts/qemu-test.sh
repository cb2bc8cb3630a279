#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Boots one QEMU configuration with a hard timeout, captures the serial
# console to a file and judges the run: the KTAP results mica printed, and
# the harness's own checks (QEMU powered off by itself, expected lines).
#
#   scripts/qemu-test.sh --kernel build/mica.elf --machine q35 --mem 6G \
#           --cpu qemu64,+pdpe1gb --ram-above-4g
#   scripts/qemu-test.sh --iso build/mica-test.iso --firmware ovmf
#   scripts/qemu-test.sh --esp build/check/esp --machine q35
#
# Options (defaults in brackets):
#   --name NAME          label for the report [derived from the options]
#   --kernel ELF         boot through QEMU -kernel (multiboot1)
#   --initrd F1,F2       modules for --kernel
#   --append CMDLINE     kernel command line for --kernel [selftest]
#   --iso ISO            boot the image as a CD-ROM (its grub.cfg holds the
#                        command line)
#   --esp DIR            boot the folder as a FAT drive under OVMF, as an EFI
#                        system partition (scripts/mkesp.sh lays one out; its
#                        mica.cfg holds the command line). QEMU may write to
#                        it (OVMF keeps its variables there): use a copy
#   --machine pc|q35     [pc]
#   --firmware bios|ovmf SeaBIOS or OVMF ($OVMF) [bios]
#   --mem SIZE           guest RAM, QEMU syntax [256M]
#   --cpu MODEL          -cpu argument [qemu64]
#   --timeout SECONDS    QEMU is killed after this long [60]
#   --log FILE           where the serial log goes [a temporary file]
#   --counts FILE        append "passed failed skipped" to FILE
#   --no-ktap            the run prints no KTAP; judge only the checks below
#   --expect ERE         some log line must match (repeatable)
#   --reject ERE         no log line may match (repeatable); a mica panic is
#                        rejected unless --no-ktap is given
#   --ram-above-4g       the memory map mica prints must have RAM above 4 GiB
#   --until ERE          stop QEMU once a line matches; QEMU then need not
#                        exit by itself (for runs that end in a halt)
#   --screen ERE         a line on the screen must match (repeatable); the
#                        screen is read through QMP screendumps with
#                        tools/qemu-screen.py, every half second while QEMU
#                        runs, and judged as last read
#   --screen-until ERE   stop QEMU once a screen line matches
#   --no-serial          the machine has no serial port (-serial none), as
#                        many UEFI PCs: judge only the screen; implies
#                        --no-ktap
#   --verbose            copy the serial log to stdout afterwards
#   -- ARGS              more QEMU arguments
#
# Environment: QEMU [qemu-system-x86_64], QEMU_ACCEL [tcg], OVMF
# [/usr/share/ovmf/OVMF.fd], FONT [build/drivers/font8x16.c] (the font the
# build generated, which the screen reader matches cells against).
#
# Prints "PASS name: ..." or "FAIL name: ..." with the counts, then on failure
# what went wrong and the end of the serial log. Exits 0 only on PASS.

set -u

here=$(cd "$(dirname "$0")" && pwd)
QEMU=${QEMU:-qemu-system-x86_64}
QEMU_ACCEL=${QEMU_ACCEL:-tcg}
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}

name='' kernel='' initrd='' append=selftest append_set=0 iso='' esp=''
machine=pc firmware=bios mem=256M cpu=qemu64 timeout=60
log='' counts='' ktap=1 ram4g=0 until='' verbose=0
expects=() rejects=() extra=()
screens=() screen_until='' serial=1
FONT=${FONT:-$here/../build/drivers/font8x16.c}

usage() {
	sed -n '3,/^$/s/^# \{0,1\}//p' "$0"
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--no-ktap) ktap=0; shift; continue ;;
	--no-serial) serial=0 ktap=0; shift; continue ;;
	--ram-above-4g) ram4g=1; shift; continue ;;
	--verbose | -v) verbose=1; shift; continue ;;
	-h | --help) usage 0 ;;
	--) shift; extra=("$@"); break ;;
	esac
	if [ $# -lt 2 ]; then
		echo "qemu-test.sh: $opt needs an argument (or is unknown)" >&2
		usage
	fi
	case $opt in
	--name) name=$2 ;;
	--kernel) kernel=$2 ;;
	--initrd) initrd=$2 ;;
	--append) append=$2; append_set=1 ;;
	--iso) iso=$2 ;;
	--esp) esp=$2 ;;
	--machine) machine=$2 ;;
	--firmware) firmware=$2 ;;
	--mem) mem=$2 ;;
	--cpu) cpu=$2 ;;
	--timeout) timeout=$2 ;;
	--log) log=$2 ;;
	--counts) counts=$2 ;;
	--expect) expects+=("$2") ;;
	--reject) rejects+=("$2") ;;
	--until) until=$2 ;;
	--screen) screens+=("$2") ;;
	--screen-until) screen_until=$2 ;;
	*) echo "qemu-test.sh: unknown option $opt" >&2; usage ;;
	esac
	shift 2
done

die() {
	echo "qemu-test.sh: $*" >&2
	exit 2
}

boots=0
for b in "$kernel" "$iso" "$esp"; do [ -z "$b" ] || boots=$((boots + 1)); done
[ $boots -eq 1 ] || die "give exactly one of --kernel, --iso and --esp"
[ -z "$iso" ] || [ $append_set -eq 0 ] ||
	die "--append does not apply to --iso: set the command line when building the image (ISO_APPEND=)"
[ -z "$iso" ] || [ -z "$initrd" ] || die "--initrd does not apply to --iso"
if [ -n "$esp" ]; then
	[ $append_set -eq 0 ] && [ -z "$initrd" ] ||
		die "--append and --initrd do not apply to --esp: its mica.cfg holds the command line and modules"
	[ -d "$esp" ] || die "--esp takes a folder: $esp"
	case $esp in *,* | *:*) die "QEMU cannot take an --esp path with a comma or colon: $esp" ;; esac
	firmware=ovmf
fi
case $machine in pc | q35) ;; *) die "--machine must be pc or q35" ;; esac
case $firmware in bios | ovmf) ;; *) die "--firmware must be bios or ovmf" ;; esac
[ "$firmware" = bios ] || [ -z "$kernel" ] ||
	die "OVMF cannot boot a multiboot kernel through -kernel; use --iso"
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds"
watch_screen=0
[ ${#screens[@]} -eq 0 ] && [ -z "$screen_until" ] || watch_screen=1
[ $watch_screen -eq 0 ] || [ -r "$FONT" ] ||
	die "cannot read the console font $FONT (make builds it; or set FONT=)"
[ -z "$until" ] || [ -z "$screen_until" ] || die "give --until or --screen-until, not both"
[ $serial -eq 1 ] || [ -z "$until" ] || die "--until reads the serial log, which --no-serial leaves empty"
# -initrd entries are "file args", comma-separated.
files=("$kernel" "$iso")
IFS=, read -r -a mods <<<"$initrd"
for m in "${mods[@]}"; do
	files+=("${m%% *}")
done
for f in "${files[@]}"; do
	[ -z "$f" ] || [ -r "$f" ] || die "cannot read $f"
done
[ "$firmware" = bios ] || [ -r "$OVMF" ] ||
	die "no OVMF image at $OVMF (install the ovmf package or set OVMF=)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (scripts/deps.sh installs it)"

if [ -z "$name" ]; then
	name="$([ -n "$kernel" ] && echo kernel || { [ -n "$esp" ] && echo esp; } || echo "iso-$firmware")-$machine-$mem-$cpu"
fi
tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/qemu-test.XXXXXX") || exit 2
qpid=
# timeout(1) puts QEMU in a process group of its own, which a Ctrl-C at the
# terminal does not reach: stop it here.
trap '[ -z "$qpid" ] || kill "$qpid" 2>/dev/null; rm -rf "$tmpdir"' EXIT
trap 'exit 130' INT TERM
log_given=$log
[ -n "$log" ] || log=$tmpdir/serial.log
case $log in *,*) die "QEMU cannot take a log path with a comma: $log" ;; esac
mkdir -p "$(dirname "$log")"
: >"$log"
qemu_err=$tmpdir/qemu.err
qemu_dbg=$tmpdir/qemu.dbg

serial_arg=file:$log
[ $serial -eq 1 ] || serial_arg=none
args=(-M "$machine" -accel "$QEMU_ACCEL" -m "$mem" -cpu "$cpu"
	-display none -monitor none -serial "$serial_arg" -no-reboot
	-d cpu_reset -D "$qemu_dbg")
qmp=$tmpdir/qmp.sock screen=$tmpdir/screen.txt
[ $watch_screen -eq 0 ] || args+=(-qmp "unix:$qmp,server=on,wait=off")
[ "$firmware" = bios ] || args+=(-bios "$OVMF")
if [ -n "$kernel" ]; then
	args+=(-kernel "$kernel" -append "$append")
	[ -z "$initrd" ] || args+=(-initrd "$initrd")
elif [ -n "$iso" ]; then
	args+=(-cdrom "$iso" -boot d)
else
	args+=(-drive "format=raw,file=fat:rw:$esp")
fi
args+=("${extra[@]}")

# The run -----------------------------------------------------------------

t0=$EPOCHREALTIME
timeout -k 5 "$timeout" "$QEMU" "${args[@]}" </dev/null >"$tmpdir/qemu.out" 2>"$qemu_err" &
qpid=$!
stopped=0
if [ -n "$until" ]; then
	while kill -0 "$qpid" 2>/dev/null; do
		if grep -Eq -- "$until" "$log"; then
			kill "$qpid" 2>/dev/null
			stopped=1
			break
		fi
		sleep 0.05
	done
elif [ $watch_screen -eq 1 ]; then
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 0.5
		# Fails while QEMU starts and once it has gone: the last read stays.
		python3 "$here/../tools/qemu-screen.py" "$qmp" "$FONT" "$screen" \
			2>/dev/null || continue
		if [ -n "$screen_until" ] && grep -Eq -- "$screen_until" "$screen"; then
			kill "$qpid" 2>/dev/null
			stopped=1
			break
		fi
	done
fi
wait "$qpid"
qrc=$?
qpid=
# It may have printed the line and exited between two looks.
[ -z "$until" ] || [ $stopped -eq 1 ] || ! grep -Eq -- "$until" "$log" || stopped=1
t1=$EPOCHREALTIME
elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')

# The judgement -----------------------------------------------------------

passed=0 failed=0 skipped=0
problems=()
check() { # check OK MESSAGE-IF-NOT
	if [ "$1" -eq 1 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		problems+=("$2")
	fi
}

# Serial logs carry \r and, from firmware, terminal escapes.
clean=$tmpdir/clean.log
sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$log" >"$clean"

if [ $stopped -eq 1 ]; then
	check 1 ""
	exit_note="stopped at /${until:-$screen_until}/${screen_until:+ on the screen} after $elapsed s"
elif [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	check 0 "QEMU did not exit within $timeout s: killed (mica hung, or did not power off)"
	exit_note="killed after $timeout s"
elif [ $qrc -ne 0 ]; then
	check 0 "QEMU failed with status $qrc: $(head -c 600 "$qemu_err")"
	exit_note="QEMU status $qrc"
elif [ -n "$until$screen_until" ]; then
	check 0 "QEMU exited after $elapsed s before any line${screen_until:+ on the screen} matched /${until:-$screen_until}/"
	exit_note="exited after $elapsed s"
elif grep -q 'Triple fault' "$qemu_dbg" 2>/dev/null; then
	check 0 "the guest triple-faulted (QEMU reset it; -no-reboot ended the run)"
	exit_note="triple fault after $elapsed s"
else
	check 1 ""
	exit_note="powered off after $elapsed s"
fi

for re in "${expects[@]}"; do
	if grep -Eq -- "$re" "$clean"; then check 1 ""; else
		check 0 "no line matches /$re/"; fi
done
[ $ktap -eq 0 ] || rejects+=('\*\*\* mica panic')
for re in "${rejects[@]}"; do
	if hit=$(grep -Em1 -- "$re" "$clean"); then
		check 0 "unwanted line: $hit"
	else check 1 ""; fi
done

if [ $watch_screen -eq 1 ]; then
	if [ ! -e "$screen" ]; then
		check 0 "the screen could not be read (no screendump through QMP)"
		: >"$screen"
	fi
	for re in "${screens[@]}"; do
		if grep -Eq -- "$re" "$screen"; then check 1 ""; else
			check 0 "no line on the screen matches /$re/"; fi
	done
	if hit=$(grep -Em1 -- '\*\*\* mica panic' "$screen"); then
		check 0 "a panic on the screen: $hit"
	else check 1 ""; fi
fi

if [ $ram4g -eq 1 ]; then
	# " [0000000100000000, 0000000240000000) RAM": an end past 4 GiB.
	if awk '/^ \[[0-9a-f]+, [0-9a-f]+\) / {
			end = $2; sub(/\).*/, "", end)
			if (length(end) == 16 && substr(end, 1, 8) != "00000000" &&
			    $3 ~ /^(RAM|ram|usable)/)
				found = 1
		}
		END { exit !found }' "$clean"; then
		check 1 ""
	else
		check 0 "the memory map shows no RAM above 4 GiB"
	fi
fi

ktap_note=
if [ $ktap -eq 1 ]; then
	kout=$(bash "$here/ktap.sh" --counts "$tmpdir/ktap.counts" "$clean")
	read -r kp kf ks <"$tmpdir/ktap.counts"
	passed=$((passed + kp)) failed=$((failed + kf)) skipped=$((skipped + ks))
	ktap_note=${kout##*$'\n'}
	ktap_note="KTAP ${ktap_note#ktap: }; "
	while IFS= read -r l; do
		[[ $l == ktap:* ]] || problems+=("${l#  }")
	done <<<"$kout"
fi

verdict=PASS
[ $failed -eq 0 ] || verdict=FAIL
echo "$verdict $name: $passed passed, $failed failed, $skipped skipped (${ktap_note}$exit_note)"
for p in "${problems[@]}"; do
	echo "    $p"
done
if [ $failed -ne 0 ]; then
	echo "    qemu ${args[*]}"
	if [ $serial -eq 1 ]; then
		echo "    --- the end of the serial log${log_given:+ ($log)}:"
		tail -n 15 "$clean" | awk '{ print "    | " $0 }'
	fi
	if [ $watch_screen -eq 1 ]; then
		echo "    --- the screen, as last read:"
		grep -v '^$' "$screen" | tail -n 15 | awk '{ print "    | " $0 }'
	fi
fi
[ $verbose -eq 0 ] || cat "$clean"
[ $verbose -eq 0 ] || [ $watch_screen -eq 0 ] || { echo "--- the screen:"; cat "$screen"; }
[ -z "$counts" ] || echo "$passed $failed $skipped" >>"$counts"
[ $failed -eq 0 ]
