#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A stand-in for qemu-system-x86_64 that lets tests/qemu/harness-test.sh
# drive scripts/qemu-test.sh through every outcome without booting anything:
# it copies $FAKE_SERIAL to the -serial file and then behaves as $FAKE_MODE
# says: poweroff (exit 0), hang, triple (log a triple fault, exit 0) or
# error (exit 1 with a message). With FAKE_ECHO_ARGS set it appends its
# arguments to the serial log as "args: ...", for tests of what the harness
# passes.
set -u
all="$*"
serial='' dbg=''
while [ $# -gt 0 ]; do
	case $1 in
	-serial) serial=${2#file:}; shift ;;
	-D) dbg=$2; shift ;;
	esac
	shift
done
[ -z "$serial" ] || cat "${FAKE_SERIAL:-/dev/null}" >"$serial"
[ -z "$serial" ] || [ -z "${FAKE_ECHO_ARGS:-}" ] || echo "args: $all" >>"$serial"
case ${FAKE_MODE:-poweroff} in
poweroff) exit 0 ;;
hang) exec sleep 1000 ;;
triple) echo "Triple fault" >>"$dbg"; exit 0 ;;
error) echo "qemu-system-x86_64: -m 1X: Parameter 'size' expects a size" >&2; exit 1 ;;
esac
exit 3
