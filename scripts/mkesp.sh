#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Lays out an EFI system partition that boots mica through mica.efi, as a
# folder and optionally as a FAT image:
#
#   scripts/mkesp.sh --out build/esp --efi build/mica.efi --kernel build/mica.elf \
#           [--dir EFI/BOOT] [--append "loglvl=debug"] [--module "FILE [ARGS...]"]... \
#           [--image build/mica-esp.img]
#
# The folder (--dir, default EFI/BOOT, the removable-media path firmware
# boots without a boot entry) gets mica.efi (as BOOTX64.EFI there, else as
# mica.efi), mica.elf without its debug sections (backtraces use mica's own
# symbol table), each module, and a mica.cfg naming them: --append is mica's
# command line, and each --module a module= line with ARGS as the module's
# command line. --image writes a FAT image of the whole tree, which
# `qemu-system-x86_64 -drive format=raw,file=IMG` or dd can use.

set -eu

out='' efi='' kernel='' append='' image='' dir=EFI/BOOT
modules=()
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || { echo "mkesp.sh: $1 needs an argument" >&2; exit 2; }
	case $1 in
	--out) out=$2 ;;
	--efi) efi=$2 ;;
	--kernel) kernel=$2 ;;
	--dir) dir=$2 ;;
	--append) append=$2 ;;
	--module) modules+=("$2") ;;
	--image) image=$2 ;;
	*) echo "mkesp.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
if [ -z "$out" ] || [ -z "$efi" ] || [ -z "$kernel" ]; then
	echo "usage: mkesp.sh --out DIR --efi EFI --kernel ELF [--dir PATH] [--append ARGS] [--module 'FILE ARGS']... [--image IMG]" >&2
	exit 2
fi
case $append in *$'\n'*) echo "mkesp.sh: --append must be one line" >&2; exit 2 ;; esac

rm -rf "$out"
mkdir -p "$out/$dir"
name=mica.efi
[ "${dir^^}" != EFI/BOOT ] || name=BOOTX64.EFI
cp "$efi" "$out/$dir/$name"
objcopy --strip-debug "$kernel" "$out/$dir/mica.elf"

cfg="# mica.cfg: read by mica.efi from the folder it was started from
# (docs/uefi.md). Written by scripts/mkesp.sh.
kernel=mica.elf
cmdline=$append
"
for m in "${modules[@]}"; do
	read -r file args <<<"$m"
	[ -r "$file" ] || { echo "mkesp.sh: cannot read module $file" >&2; exit 1; }
	base=$(basename "$file")
	cp "$file" "$out/$dir/$base"
	cfg+="module=$base${args:+ $args}"$'\n'
done
printf '%s' "$cfg" >"$out/$dir/mica.cfg"

[ -n "$image" ] || exit 0
command -v mformat >/dev/null || {
	echo "mkesp.sh: mformat not found (mtools): run scripts/deps.sh" >&2
	exit 1
}
# The files, plus a MiB for the FAT and directories, in whole MiB; 2 MiB
# at least, so that mformat picks FAT12 or FAT16 sensibly.
kib=$(du -sk "$out" | awk '{ print $1 }')
mib=$(((kib + 1023) / 1024 + 1))
[ $mib -ge 2 ] || mib=2
tmp=$(realpath -m "$image.tmp")
rm -f "$tmp"
truncate -s "${mib}M" "$tmp"
mformat -i "$tmp" -T $((mib * 2048)) -h 64 -s 32 -v MICA ::
(
	cd "$out"
	find . -mindepth 1 -type d | sort | while read -r d; do
		mmd -i "$tmp" "::/${d#./}"
	done
	find . -type f | sort | while read -r f; do
		mcopy -i "$tmp" "$f" "::/${f#./}"
	done
) || { echo "mkesp.sh: copying into $image failed" >&2; exit 1; }
mv "$tmp" "$image"
