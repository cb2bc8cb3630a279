#!/bin/bash
# SPDX-License-Identifier: MIT
# Turns `nm -n -S` output of a linked mica into an assembly file holding the
# symbol table kernel/symbols.c searches: function symbols of the text,
# sorted by address, with their sizes and names.
#
#   nm -n -S mica.elf | tools/gensyms.sh > symtab.S
set -eu
awk 'BEGIN { n = 0 }
$3 ~ /^[tT]$/ && NF == 4 && $1 ~ /^[0-9a-f]+$/ { addr[n] = $1; size[n] = $2; name[n] = $4; n++ }
$2 ~ /^[tT]$/ && NF == 3 && $1 ~ /^[0-9a-f]+$/ { addr[n] = $1; size[n] = "0"; name[n] = $3; n++ }
END {
	print "\t.section .rodata.symtab, \"a\", @progbits"
	print "\t.balign 8"
	print "\t.globl symtab_count, symtab_entries, symtab_names"
	print "symtab_count:\n\t.quad " n
	print "symtab_entries:"
	off = 0
	for (i = 0; i < n; i++) {
		printf "\t.quad 0x%s, 0x%s, %d\n", addr[i], size[i], off
		off += length(name[i]) + 1
	}
	print "symtab_names:"
	for (i = 0; i < n; i++)
		printf "\t.asciz \"%s\"\n", name[i]
}'
