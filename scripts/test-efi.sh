#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mica.efi under OVMF, for real: `make check`'s UEFI step. Five firmware
# boots, two at a time (OVMF's own start costs ~3 s under TCG):
#
#   esp-pc            ESP folder as a FAT drive, -M pc: mica's self tests, the first
#                     ExitBootServices() given a stale map key (test=stale-key)
#   esp-q35-module    the same on -M q35 with a module and its command line:
#                     mica must see it page-aligned, of the file's exact size
#   nodefaults-fb     -nodefaults, a VGA card and no serial port: mica's
#                     banner and "mica: ready" read off the framebuffer with
#                     QEMU's screendump and tools/screen2text.py
#   iso-efi           the hybrid ISO as a CD: GRUB's third entry chainloads
#                     mica.efi from the image's EFI partition (mkiso.sh --efi)
#   errors            tests/efi/runner.efi starts mica.efi once per broken
#                     configuration on a machine with no display and no COM1
#                     (the firmware console is on COM2): each case must print
#                     its message and return to the runner, never hang
#
#   scripts/test-efi.sh [OUT-DIR]
#
# Prints a PASS/FAIL line per boot (qemu-test.sh's format) and, as the last
# line, "N passed, N failed" over mica's KTAP results and these checks.
# Exits 1 if anything failed. Environment: BUILD [build], QEMU
# [qemu-system-x86_64], OVMF [/usr/share/ovmf/OVMF.fd], QEMU_TIMEOUT [90].

set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-x86_64}
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}
timeout=${QEMU_TIMEOUT:-90}
out=${1:-$BUILD/check/efi}
efi=$BUILD/mica.efi kernel=$BUILD/mica.elf runner=$BUILD/efi/runner.efi
font=$BUILD/drivers/font8x16.c
for f in "$efi" "$kernel" "$runner" "$font" "$OVMF"; do
	[ -r "$f" ] || { echo "test-efi.sh: cannot read $f (make efi efi-tools)" >&2; exit 2; }
done
rm -rf "$out"
mkdir -p "$out"

# mkesp DIR [mkesp.sh options...]: an ESP in DIR for one boot.
mkesp() {
	local dir=$1
	shift
	bash scripts/mkesp.sh --out "$dir" --efi "$efi" --kernel "$kernel" "$@"
}

# ---- the self tests off an ESP ----------------------------------------------

esp_pc() {
	mkesp "$out/esp-pc" --append selftest || return
	# The first ExitBootServices() gets a stale key: the retry must work.
	echo "test=stale-key" >>"$out/esp-pc/EFI/BOOT/mica.cfg"
	bash scripts/qemu-test.sh --name esp-pc --esp "$out/esp-pc" --machine pc \
		--mem 512M --timeout "$timeout" --log "$out/esp-pc.serial.log" \
		--counts "$out/esp-pc.counts" \
		--expect '^mica\.efi: starting mica\.elf' \
		--expect 'booted by mica\.efi on UEFI$' --expect '^fbcon: [0-9]+x[0-9]+'
}

esp_q35_module() {
	local mod=$out/guest.bin range start end rc
	# Any file will do; an odd size shows that the end is exact.
	head -c 12345 /dev/urandom >"$mod"
	mkesp "$out/esp-q35" --append selftest \
		--module "$mod console=hvc0 guest=1" || return
	bash scripts/qemu-test.sh --name esp-q35-module --esp "$out/esp-q35" \
		--machine q35 --mem 1G --timeout "$timeout" \
		--log "$out/esp-q35.serial.log" --counts "$out/esp-q35-module.counts" \
		--expect 'booted by mica\.efi on UEFI$' \
		--expect 'module 0 \[0x[0-9a-f]+000, 0x[0-9a-f]+\) "console=hvc0 guest=1"' \
		--expect '^mica\.efi: starting mica\.elf at [0-9A-F]+ with 1 module$'
	rc=$?
	# The module's length, from mica's own report of it.
	range=$(grep -oE 'module 0 \[0x[0-9a-f]+, 0x[0-9a-f]+\)' "$out/esp-q35.serial.log")
	read -r start end <<<"$(sed -E 's/.*\[(0x[0-9a-f]+), (0x[0-9a-f]+)\)/\1 \2/' <<<"$range")"
	if [ -n "$end" ] && [ $((end - start)) -eq 12345 ]; then
		echo "1 0 0" >>"$out/esp-q35-module.counts"
	else
		echo "0 1 0" >>"$out/esp-q35-module.counts"
		echo "FAIL esp-q35-module: mica reports the module as '$range', not the file's 12345 bytes"
		rc=1
	fi
	return $rc
}

# ---- the ISO's second way in --------------------------------------------------

iso_efi() {
	# The default entry is mica.efi's; its mica.cfg runs the self tests.
	bash scripts/mkiso.sh --out "$out/mica-efi.iso" --kernel "$kernel" \
		--default 2 --efi "$efi" --efi-append selftest || return
	bash scripts/qemu-test.sh --name iso-efi --iso "$out/mica-efi.iso" \
		--firmware ovmf --machine q35 --mem 512M --timeout "$timeout" \
		--log "$out/iso-efi.serial.log" --counts "$out/iso-efi.counts" \
		--expect "Booting .mica, started by mica\.efi" \
		--expect 'booted by mica\.efi on UEFI$'
}

# ---- no serial port: read the screen ----------------------------------------

nodefaults_fb() {
	local dir=$out/esp-fb tmp=$out/fb name=nodefaults-fb qpid mon i
	local p=0 f=0 problems=() t0 t1
	mkesp "$dir" || return
	mkdir -p "$tmp"
	mkfifo "$tmp/monitor"
	t0=$EPOCHREALTIME
	# Nothing but the VGA card and the drive: no serial port, no network.
	timeout -k 5 "$timeout" "$QEMU" -nodefaults -M pc -m 256M -accel tcg \
		-bios "$OVMF" -device VGA -drive "format=raw,file=fat:rw:$dir" \
		-display none -monitor stdio -no-reboot \
		<"$tmp/monitor" >"$tmp/monitor.out" 2>"$tmp/qemu.err" &
	qpid=$!
	exec {mon}>"$tmp/monitor"
	# mica without selftest stays up after "mica: ready": look until then.
	for ((i = 0; i < timeout * 2; i++)); do
		sleep 0.5
		kill -0 "$qpid" 2>/dev/null || break
		rm -f "$tmp/screen.ppm"
		echo "screendump $tmp/screen.ppm" >&"$mon"
		sleep 0.2
		python3 tools/screen2text.py "$tmp/screen.ppm" "$font" \
			>"$tmp/screen.txt" 2>/dev/null || continue
		grep -q '^mica: ready' "$tmp/screen.txt" && break
	done
	t1=$EPOCHREALTIME
	echo quit >&"$mon" 2>/dev/null
	exec {mon}>&-
	wait "$qpid" 2>/dev/null
	touch "$tmp/screen.txt"
	check() { # check OK PROBLEM
		if [ "$1" -eq 1 ]; then p=$((p + 1)); else f=$((f + 1)); problems+=("$2"); fi
	}
	grep -Eq '^mica 0\.[0-9]+ \((debug|release) build\) booted by mica\.efi on UEFI$' "$tmp/screen.txt"
	check $((!$?)) "no banner 'mica ... booted by mica.efi on UEFI' on the screen"
	grep -q '^mica: ready' "$tmp/screen.txt"
	check $((!$?)) "no 'mica: ready' on the screen"
	grep -q '^com1: no UART at 0x3f8' "$tmp/screen.txt"
	check $((!$?)) "mica found a serial port on a machine without one"
	! grep -q 'panic' "$tmp/screen.txt"
	check $((!$?)) "a panic on the screen"
	echo "$p $f 0" >"$out/$name.counts"
	echo "$([ $f -eq 0 ] && echo PASS || echo FAIL) $name: $p passed, $f failed, 0 skipped (screen read after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s)"
	for m in "${problems[@]}"; do echo "    $m"; done
	if [ $f -ne 0 ]; then
		echo "    --- the screen ($tmp/screen.txt):"
		grep -v '^$' "$tmp/screen.txt" | tail -n 15 | awk '{ print "    | " $0 }'
	fi
	[ $f -eq 0 ]
}

# ---- broken configurations ----------------------------------------------------

# Case NAME, then the message (ERE) it must print. Set up in error_cases.
cases=(
	"no-cfg			configuration file \\\\cases\\\\no-cfg\\\\mica\\.cfg not found: mica\\.efi reads"
	"unknown-key		mica\\.cfg, line 3: unknown key: the keys are kernel=, cmdline=, module= and test="
	"no-kernel-line		mica\\.cfg: no kernel= line"
	"kernel-args		mica\\.cfg, line 1: kernel= takes only a file name"
	"utf16			mica\\.cfg: the file is UTF-16 text"
	"missing-kernel		kernel \\\\cases\\\\missing-kernel\\\\nothere\\.elf not found: mica\\.cfg names it"
	"not-elf		kernel \\\\cases\\\\not-elf\\\\mica\\.cfg is not one mica\\.efi can start: not an ELF file"
	"missing-module		module \\\\cases\\\\missing-module\\\\guest\\.bin not found: mica\\.cfg names it"
	"too-large		module \\\\cases\\\\too-large\\\\big\\.bin is 300 MiB, too large for the free memory below 4 GiB"
	"no-console		no GOP framebuffer and no serial port at COM1"
)

error_cases() {
	local esp=$out/esp-errors name c d log=$out/errors.serial.log
	local p=0 f=0 problems=() rc
	mkdir -p "$esp/EFI/BOOT" "$esp/cases"
	cp "$runner" "$esp/EFI/BOOT/BOOTX64.EFI"
	: >"$esp/runner.lst"
	for c in "${cases[@]}"; do
		read -r name _ <<<"$c"
		d=$esp/cases/$name
		mkdir -p "$d"
		cp "$efi" "$d/mica.efi"
		echo "$name" >>"$esp/runner.lst"
		case $name in
		no-cfg) ;;
		unknown-key) printf '# mica.cfg\nkernel=mica.elf\nkernal=mica.elf\n' >"$d/mica.cfg" ;;
		no-kernel-line) printf 'cmdline=selftest\r\n' >"$d/mica.cfg" ;;
		kernel-args) printf 'kernel=mica.elf selftest\n' >"$d/mica.cfg" ;;
		utf16) printf '\xff\xfek\0=\0' >"$d/mica.cfg" ;;
		missing-kernel) printf 'kernel=nothere.elf\n' >"$d/mica.cfg" ;;
		not-elf) printf 'kernel=mica.cfg\n' >"$d/mica.cfg" ;;
		missing-module | too-large | no-console)
			objcopy --strip-debug "$kernel" "$d/mica.elf"
			printf 'kernel=mica.elf\ncmdline=selftest\n' >"$d/mica.cfg"
			;;
		esac
	done
	echo "module=guest.bin x=1" >>"$esp/cases/missing-module/mica.cfg"
	# More than the machine's 256 MiB: sparse, so cheap to make.
	truncate -s 300M "$esp/cases/too-large/big.bin"
	echo "module=big.bin" >>"$esp/cases/too-large/mica.cfg"

	# No display and no COM1 (so no qemu-test.sh, whose log is COM1):
	# the firmware's console goes to COM2. The runner powers off.
	timeout -k 5 "$timeout" "$QEMU" -nodefaults -M pc -m 256M -accel tcg \
		-bios "$OVMF" -drive "format=raw,file=fat:rw:$esp" \
		-chardev "file,id=com2,path=$log" \
		-device isa-serial,iobase=0x2f8,irq=3,chardev=com2 \
		-display none -monitor none -no-reboot \
		</dev/null >"$out/errors.qemu" 2>&1
	rc=$?
	sed -e 's/\r//g' -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' "$log" >"$out/errors.clean.log"
	if [ $rc -eq 0 ] && grep -q '^runner: done$' "$out/errors.clean.log"; then
		p=$((p + 1))
	else
		f=$((f + 1))
		problems+=("the runner did not finish and power off (QEMU status $rc: a case hung?) $(head -c 300 "$out/errors.qemu")")
	fi
	for c in "${cases[@]}"; do
		read -r name re <<<"$c"
		# What the case printed, between its two runner lines.
		awk -v n="$name" '
			$0 == "runner: case " n { on = 1; next }
			on && index($0, "runner: case " n " returned ") == 1 { print; exit }
			on' "$out/errors.clean.log" >"$out/errors.$name.log"
		if ! tail -n 1 "$out/errors.$name.log" | grep -q "^runner: case $name returned "; then
			f=$((f + 1))
			problems+=("$name: mica.efi did not return")
		elif tail -n 1 "$out/errors.$name.log" | grep -q 'returned Success$'; then
			f=$((f + 1))
			problems+=("$name: mica.efi returned success")
		elif ! grep -Eq -- "^mica\\.efi: .*$re" "$out/errors.$name.log"; then
			f=$((f + 1))
			problems+=("$name: no message matching /$re/; it printed: $(grep '^mica\.efi' "$out/errors.$name.log" | head -n 2 | tr '\n' ' ')")
		else
			p=$((p + 1))
		fi
	done
	echo "$p $f 0" >"$out/errors.counts"
	echo "$([ $f -eq 0 ] && echo PASS || echo FAIL) errors: $p passed, $f failed, 0 skipped (${#cases[@]} broken configurations; log $log)"
	for m in "${problems[@]}"; do echo "    $m"; done
	[ $f -eq 0 ]
}

# ---- run them -----------------------------------------------------------------

# Two at a time (the machine has two CPUs; TCG keeps one busy per boot),
# each job's report printed whole, in this order.
jobs=(esp_pc error_cases iso_efi esp_q35_module nodefaults_fb)
running=0
for job in "${jobs[@]}"; do
	if [ $running -ge 2 ]; then
		wait -n
		running=$((running - 1))
	fi
	"$job" >"$out/$job.out" 2>&1 &
	running=$((running + 1))
done
wait
for job in "${jobs[@]}"; do
	cat "$out/$job.out"
done

passed=0 failed=0
for c in "$out"/*.counts; do
	while read -r p f s; do
		passed=$((passed + p)) failed=$((failed + f))
	done <"$c"
done
# A job that died before writing its counts is one failure.
for job in esp-pc errors iso-efi esp-q35-module nodefaults-fb; do
	[ -s "$out/$job.counts" ] || { echo "FAIL $job: no result (see $out)"; failed=$((failed + 1)); }
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
