#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Builds a bootable mica image with grub-mkrescue: a hybrid ISO that boots
# on BIOS (El Torito and MBR) and UEFI (an EFI system partition) machines,
# as a CD-ROM or written to a USB stick with dd.
#
#   scripts/mkiso.sh --out build/mica.iso --kernel build/mica.elf \
#           [--append "loglvl=debug"] [--default 0|1|2] [--timeout SECONDS] \
#           [--module "FILE [ARGS...]"]... [--efi build/mica.efi [--efi-append ARGS]] \
#           [--uefi-mode WIDTHxHEIGHT]
#
# --default picks the GRUB entry that boots without a key press: 0 boots
# mica, 1 runs its self tests and powers off, 2 (UEFI only) starts mica.efi.
# --append is added to the first two entries' command lines (GRUB syntax:
# quote what GRUB would expand). Each --module becomes a module2 line, in
# order, with ARGS as the module's command line (GRUB 2 passes no file name,
# and mica's -kernel path strips QEMU's).
#
# --uefi-mode has GRUB on UEFI machines set that graphics mode (gfxpayload)
# for mica's framebuffer console, rather than keep the firmware's (often
# 800x600 under OVMF, too few lines for a whole boot log).
#
# --efi adds mica.efi to the image's EFI system partition, in \efi\mica\
# with mica.elf, the modules and a mica.cfg whose command line is
# --efi-append (default: --append), and a third GRUB entry on UEFI machines
# that chainloads it: mica booted by its own loader rather than GRUB's
# multiboot2 command.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
out='' kernel='' append='' default=0 timeout=0 efi='' efi_append='' efi_append_set=0
uefi_mode=''
modules=()
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || { echo "mkiso.sh: $1 needs an argument" >&2; exit 2; }
	case $1 in
	--out) out=$2 ;;
	--kernel) kernel=$2 ;;
	--append) append=$2 ;;
	--default) default=$2 ;;
	--timeout) timeout=$2 ;;
	--module) modules+=("$2") ;;
	--efi) efi=$2 ;;
	--efi-append) efi_append=$2; efi_append_set=1 ;;
	--uefi-mode) uefi_mode=$2 ;;
	*) echo "mkiso.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
if [ -z "$out" ] || [ -z "$kernel" ]; then
	echo "usage: mkiso.sh --out ISO --kernel ELF [--append ARGS] [--default N] [--timeout S] [--module 'FILE ARGS']... [--efi EFI [--efi-append ARGS]] [--uefi-mode WxH]" >&2
	exit 2
fi
command -v grub-mkrescue >/dev/null || {
	echo "mkiso.sh: grub-mkrescue not found: run scripts/deps.sh" >&2
	exit 1
}
# Without both platforms' GRUB files the image would quietly boot on one only.
for platform in i386-pc x86_64-efi; do
	[ -e "/usr/lib/grub/$platform/moddep.lst" ] || {
		echo "mkiso.sh: GRUB for $platform is missing (grub-pc-bin / grub-efi-amd64-bin): run scripts/deps.sh" >&2
		exit 1
	}
done

stage=${out%.iso}.stage
rm -rf "$stage"
mkdir -p "$stage/boot/grub"
# The symbols mica needs for backtraces live in its own .rodata table, so
# the debug sections can go.
objcopy --strip-debug "$kernel" "$stage/boot/mica.elf"

mod_lines= efi_cfg=
for m in "${modules[@]}"; do
	read -r file args <<<"$m"
	[ -r "$file" ] || { echo "mkiso.sh: cannot read module $file" >&2; exit 1; }
	mkdir -p "$stage/boot/modules"
	base=$(basename "$file")
	cp "$file" "$stage/boot/modules/$base"
	mod_lines+="	module2 /boot/modules/$base${args:+ $args}"$'\n'
	efi_cfg+="module=$base${args:+ $args}"$'\n'
done

# mica.efi's files, for scripts/xorriso-esp.sh to put into the ESP image.
efi_entry= xorriso=()
if [ -n "$efi" ]; then
	[ $efi_append_set -eq 1 ] || efi_append=$append
	esp=$stage.esp
	rm -rf "$esp"
	mkdir -p "$esp"
	cp "$efi" "$esp/mica.efi"
	cp "$stage/boot/mica.elf" "$esp/mica.elf"
	for m in "${modules[@]}"; do
		read -r file _ <<<"$m"
		cp "$file" "$esp/"
	done
	printf '# mica.cfg for mica.efi on the ISO, written by scripts/mkiso.sh\nkernel=mica.elf\ncmdline=%s\n%s' \
		"$efi_append" "$efi_cfg" >"$esp/mica.cfg"
	# The volume's serial number, by which GRUB finds it: new each build.
	serial=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n' | tr a-f A-F)
	efi_entry="# UEFI machines: mica started by its own loader, mica.efi, from the
# image's EFI system partition (GRUB sees it as a partition of the disc).
if [ \"\$grub_platform\" = efi ]; then
	menuentry \"mica, started by mica.efi (mica's UEFI loader) instead of GRUB\" {
		search --no-floppy --fs-uuid --set=esp ${serial:0:4}-${serial:4:4}
		chainloader (\$esp)/efi/mica/mica.efi
	}
fi"
	# grub-mkrescue runs its --xorriso directly: a wrapper with the x bit.
	printf '#!/bin/sh\nexec bash %q "$@"\n' "$here/xorriso-esp.sh" >"$esp.xorriso"
	chmod +x "$esp.xorriso"
	xorriso=(--xorriso="$esp.xorriso")
	export MICA_ESP_DIR=$esp MICA_ESP_SERIAL=$serial
fi

uefi_lines=
if [ -n "$uefi_mode" ]; then
	[[ $uefi_mode =~ ^[0-9]+x[0-9]+(x[0-9]+)?$ ]] ||
		{ echo "mkiso.sh: --uefi-mode takes WIDTHxHEIGHT[xDEPTH], not $uefi_mode" >&2; exit 2; }
	uefi_lines="	if [ \"\$grub_platform\" = efi ]; then set gfxpayload=$uefi_mode; fi"$'\n'
fi

# Substituted with bash rather than sed so that no character in the
# command line needs escaping here.
cfg=$(<"$here/grub.cfg.in")
cfg=${cfg//@TIMEOUT@/$timeout}
cfg=${cfg//@DEFAULT@/$default}
cfg=${cfg// @APPEND@/${append:+ $append}}
cfg=${cfg//@MODULES@/$mod_lines}
cfg=${cfg//@EFI_ENTRY@/$efi_entry}
cfg=${cfg//@UEFI_MODE@/$uefi_lines}
printf '%s\n' "$cfg" >"$stage/boot/grub/grub.cfg"

# No translations, themes or fonts: a smaller image that is quicker to make.
log=$stage.log
if ! grub-mkrescue "${xorriso[@]}" --locales= --themes= --fonts= -o "$out.tmp" "$stage" >"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$out.tmp"
	exit 1
fi
mv "$out.tmp" "$out"
