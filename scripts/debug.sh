#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `make debug`: QEMU stopped at the reset vector with its gdb stub on
# $GDB_PORT, and gdb attached with mica's symbols.
#
#   scripts/debug.sh ELF CMDLINE [QEMU ARGS...]
#
# The serial console goes to ELF's directory (debug-serial.log), since gdb
# has the terminal. QEMU is stopped when gdb exits.

set -u
if [ $# -lt 2 ]; then
	echo "usage: debug.sh ELF CMDLINE [QEMU ARGS...]" >&2
	exit 2
fi
elf=$1 cmdline=$2
shift 2
QEMU=${QEMU:-qemu-system-x86_64}
port=${GDB_PORT:-1234}
serial=$(dirname "$elf")/debug-serial.log

command -v gdb >/dev/null || { echo "debug.sh: gdb not found: run scripts/deps.sh" >&2; exit 1; }
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	echo "debug.sh: port $port is taken (another debug session?): set GDB_PORT=" >&2
	exit 1
fi

# The image is linked at 0xffff82d080200000 and loaded at 0x200000: the 32-bit
# entry code runs at its physical address, before paging maps the link address.
virt_base=0xffff82d080000000
start32=$(nm "$elf" | awk '$3 == "start32" { print $1 }')
start32_pa="<start32's physical address>"
[ -z "$start32" ] || start32_pa=$(printf '%#x' $((0x$start32 - virt_base)))

: >"$serial"
"$QEMU" -gdb "tcp:127.0.0.1:$port" -S -kernel "$elf" -append "$cmdline" \
	-serial "file:$serial" -display none -monitor none -no-reboot "$@" &
qpid=$!
trap 'kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null' EXIT

cat <<EOF
QEMU (pid $qpid) waits at the reset vector; its serial console goes to
$serial (tail -f it in another terminal).

mica's symbols are linked at their virtual addresses. Code from
__start_mica on runs there, so breakpoints by name work once paging is on;
use hardware breakpoints, which need no write into memory that may not be
mapped yet:
    hbreak __start_mica
    continue
The 32-bit entry (boot/head.S) runs at physical addresses (virtual - $virt_base):
    hbreak *$start32_pa     # start32
gdb stays in 64-bit mode (QEMU's stub reports 64-bit registers throughout), so
it decodes 32-bit code wrongly: step it with 'stepi' and read it with
    objdump -d -m i386 --start-address=0x$start32 $elf
EOF

# Give QEMU a moment to open its stub before gdb connects.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$qpid" 2>/dev/null || { echo "debug.sh: QEMU exited" >&2; exit 1; }
	sleep 0.2
done

gdb -q "$elf" -ex "target remote 127.0.0.1:$port"
