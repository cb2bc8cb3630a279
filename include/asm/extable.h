/* SPDX-License-Identifier: MIT */
/*
 * Exception fixups. An instruction marked with _ASM_EXTABLE(insn, fixup)
 * that faults resumes at fixup instead of bringing mica down; the fault
 * handler looks the faulting rip up in the __ex_table section. The basis
 * of everything that touches memory it cannot trust: probing, and later
 * copying to and from guests.
 */
#ifndef ASM_EXTABLE_H
#define ASM_EXTABLE_H

#include <mica/types.h>

struct exception_table_entry {
	unsigned long insn, fixup;
};

#define _ASM_EXTABLE(from, to)             \
	".pushsection __ex_table, \"a\"\n" \
	".balign 8\n"                      \
	".quad " #from ", " #to "\n"       \
	".popsection\n"

/* Read 8 bytes at addr: 0, or -EFAULT if reading faults. */
int probe_read_u64(const void *addr, uint64_t *val);

/* Write 8 bytes at addr: 0, or -EFAULT if writing faults. */
int probe_write_u64(void *addr, uint64_t val);

/* rdmsr that returns -EFAULT for an MSR the CPU does not have. */
int rdmsr_safe(uint32_t msr, uint64_t *val);

#endif
