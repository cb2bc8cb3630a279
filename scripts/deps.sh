#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Makes sure the tools mica's build, tests and QEMU targets need are here.
# Run first by `make run`, `make check` and .ci/run.
#
#   scripts/deps.sh          check; as root on Debian, install what is missing
#   scripts/deps.sh --check  check only: list what is missing, exit 1 if any
#   scripts/deps.sh --list   print the Debian packages, one per line
#
# Everything present: silent and quick (no package manager is asked). As
# root on Debian: apt-get update, then one non-interactive apt-get install
# of the missing packages. Otherwise: prints the apt-get line to run.

set -u

# The one list: Debian package, then how to tell it is installed (a command
# on PATH, or a file). Add new needs here.
deps=(
	"make             cmd:make"
	"gcc              cmd:gcc"
	"binutils         cmd:objcopy"
	"clang            cmd:clang"
	"libclang-rt-dev  fuzzer:"
	"clang-format     cmd:clang-format"
	"libcmocka-dev    file:/usr/include/cmocka.h"
	"libjemalloc-dev  file:/usr/include/jemalloc/jemalloc.h"
	"valgrind         cmd:valgrind"
	"gdb              cmd:gdb"
	"qemu-system-x86  cmd:qemu-system-x86_64"
	"ovmf             file:/usr/share/ovmf/OVMF.fd"
	"grub-common      cmd:grub-mkrescue"
	"grub-pc-bin      file:/usr/lib/grub/i386-pc/moddep.lst"
	"grub-efi-amd64-bin file:/usr/lib/grub/x86_64-efi/moddep.lst"
	"xorriso          cmd:xorriso"
	"gnu-efi          file:/usr/lib/crt0-efi-x86_64.o"
	"mtools           cmd:mformat"
	"python3          cmd:python3"
	"python3-matplotlib file:/usr/lib/python3/dist-packages/matplotlib/__init__.py"
	"console-setup-linux file:/usr/share/consolefonts/Lat15-VGA16.psf.gz"
	"xen-hypervisor-4.17-amd64 file:/boot/xen-4.17-amd64.gz"
)

present() {
	local how=$1
	case $how in
	cmd:*) command -v "${how#cmd:}" >/dev/null 2>&1 ;;
	file:*) [ -e "${how#file:}" ] ;;
	fuzzer:)
		# libFuzzer's runtime, found where clang looks for it.
		local dir
		dir=$(clang -print-resource-dir 2>/dev/null) &&
			[ -e "$dir/lib/linux/libclang_rt.fuzzer-x86_64.a" ]
		;;
	*) return 1 ;;
	esac
}

missing() {
	local entry pkg how
	for entry in "${deps[@]}"; do
		read -r pkg how <<<"$entry"
		present "$how" || echo "$pkg"
	done
}

mode=install
case ${1:-} in
--check) mode=check ;;
--list)
	for entry in "${deps[@]}"; do echo "${entry%% *}"; done
	exit 0
	;;
'') ;;
*) echo "usage: deps.sh [--check | --list]" >&2; exit 2 ;;
esac

need=$(missing | tr '\n' ' ')
need=${need% }
[ -n "$need" ] || exit 0

if [ $mode = install ] && [ "$(id -u)" -eq 0 ] && [ -r /etc/debian_version ] &&
	command -v apt-get >/dev/null; then
	echo "deps.sh: installing $need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q || exit 1
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -q --no-install-recommends $need || exit 1
	still=$(missing | tr '\n' ' ')
	if [ -n "$still" ]; then
		echo "deps.sh: still missing after apt-get install: $still" >&2
		exit 1
	fi
	exit 0
fi

echo "deps.sh: missing: $need" >&2
if [ -r /etc/debian_version ]; then
	echo "deps.sh: install them with:" >&2
	echo "    sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need" >&2
else
	echo "deps.sh: install the equivalent packages of your distribution (names above are Debian's)" >&2
fi
exit 1
