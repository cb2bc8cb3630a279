#!/bin/bash
# SPDX-License-Identifier: MIT
#
# xorriso for grub-mkrescue, with one change: the EFI system partition
# image grub-mkrescue made (efi.img at the root of its staging tree, GRUB's
# \efi\boot\bootx64.efi inside) is rebuilt to hold the files of
# $MICA_ESP_DIR as well, under \efi\mica\, so that the ISO's GRUB can
# chainload mica.efi from a FAT volume the firmware can read, and mica.efi
# finds its mica.cfg, mica.elf and modules there (docs/uefi.md).
#
#   MICA_ESP_DIR=DIR MICA_ESP_SERIAL=1234ABCD \
#       grub-mkrescue --xorriso=scripts/xorriso-esp.sh ...
#
# MICA_ESP_SERIAL is the new FAT volume's serial number, which GRUB shows
# as the file system UUID 1234-ABCD and finds the volume by. scripts/mkiso.sh
# is the only user. Every other call (grub-mkrescue first asks for -help)
# goes to xorriso unchanged.

set -eu
: "${MICA_ESP_DIR:?}" "${MICA_ESP_SERIAL:?}"

for dir in "$@"; do
	[ -d "$dir" ] && [ -f "$dir/efi.img" ] || continue
	work=$(mktemp -d "${TMPDIR:-/tmp}/xorriso-esp.XXXXXX")
	# GRUB's files, with GRUB's lower-case names, which ours then join:
	# FAT ignores case, the host's file system does not.
	mkdir "$work/tree"
	mcopy -s -i "$dir/efi.img" ::/ "$work/tree/"
	mkdir -p "$work/tree/efi/mica"
	cp "$MICA_ESP_DIR"/* "$work/tree/efi/mica/"
	# At least the 2880 KiB grub-mkrescue uses, which every firmware reads.
	kib=$(du -sk "$work/tree" | awk '{ print $1 }')
	kib=$(((kib + 1023) / 1024 * 1024 + 1024))
	[ $kib -ge 2880 ] || kib=2880
	truncate -s "${kib}K" "$work/efi.img"
	mformat -i "$work/efi.img" -T $((kib * 2)) -h 64 -s 32 \
		-N "$MICA_ESP_SERIAL" -v MICA-ESP ::
	(
		cd "$work/tree"
		find . -mindepth 1 -type d | sort | while read -r d; do
			mmd -i "$work/efi.img" "::/${d#./}"
		done
		find . -type f | sort | while read -r f; do
			mcopy -i "$work/efi.img" "$f" "::/${f#./}"
		done
	)
	mv "$work/efi.img" "$dir/efi.img"
	rm -rf "$work"
done
exec xorriso "$@"
