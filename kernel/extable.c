/* SPDX-License-Identifier: MIT */
/* The exception table, and the fault-safe accessors built on it. */
#include <asm/extable.h>
#include <asm/traps.h>
#include <mica/errno.h>

extern const struct exception_table_entry __start_ex_table[], __stop_ex_table[];

bool extable_fixup(struct cpu_regs *regs)
{
	/* A few dozen entries at most: a linear search is fine. */
	for (const struct exception_table_entry *e = __start_ex_table;
	     e < __stop_ex_table; e++)
		if (e->insn == regs->rip) {
			regs->rip = e->fixup;
			return true;
		}
	return false;
}

int probe_read_u64(const void *addr, uint64_t *val)
{
	int rc = 0;
	uint64_t v = 0;

	asm volatile("1: movq (%2), %1\n"
		     "2:\n"
		     ".pushsection .text.fixup, \"ax\"\n"
		     "3: movl %3, %0\n"
		     "   jmp 2b\n"
		     ".popsection\n" _ASM_EXTABLE(1b, 3b)
		     : "+r"(rc), "+r"(v)
		     : "r"(addr), "i"(-EFAULT)
		     : "memory");
	*val = v;
	return rc;
}

int probe_write_u64(void *addr, uint64_t val)
{
	int rc = 0;

	asm volatile("1: movq %1, (%2)\n"
		     "2:\n"
		     ".pushsection .text.fixup, \"ax\"\n"
		     "3: movl %3, %0\n"
		     "   jmp 2b\n"
		     ".popsection\n" _ASM_EXTABLE(1b, 3b)
		     : "+r"(rc)
		     : "r"(val), "r"(addr), "i"(-EFAULT)
		     : "memory");
	return rc;
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	int rc = 0;
	uint32_t lo = 0, hi = 0;

	asm volatile("1: rdmsr\n"
		     "2:\n"
		     ".pushsection .text.fixup, \"ax\"\n"
		     "3: movl %4, %0\n"
		     "   jmp 2b\n"
		     ".popsection\n" _ASM_EXTABLE(1b, 3b)
		     : "+r"(rc), "+a"(lo), "+d"(hi)
		     : "c"(msr), "i"(-EFAULT));
	*val = ((uint64_t)hi << 32) | lo;
	return rc;
}
