/* SPDX-License-Identifier: MIT */
/* Self tests of the IDT, the exception table and the symbol table. */
#include <asm/desc.h>
#include <asm/extable.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <mica/errno.h>
#include <mica/selftest.h>
#include <mica/stack.h>
#include <mica/symbols.h>

SELFTEST(traps, extable_turns_faults_into_efault)
{
	static uint64_t word = 0x1234;
	uint64_t v = 0;

	ST_CHECK_EQ(t, probe_read_u64(&word, &v), 0);
	ST_CHECK_EQ(t, v, 0x1234);
	/* Nothing is mapped at 4 KiB, and non-canonical addresses fault (#GP). */
	ST_CHECK_EQ(t, probe_read_u64((void *)0x1000, &v), -EFAULT);
	ST_CHECK_EQ(t, probe_read_u64((void *)0x8000000000000000UL, &v),
		    -EFAULT);
	ST_CHECK_EQ(t, probe_write_u64((void *)0x1000, 1), -EFAULT);
	/* Read-only data cannot be written. */
	ST_CHECK_EQ(t, probe_write_u64((void *)&t->name, 1) == -EFAULT, 0);
}

SELFTEST(traps, rdmsr_safe_survives_missing_msrs)
{
	uint64_t v;

	ST_CHECK_EQ(t, rdmsr_safe(MSR_EFER, &v), 0);
	ST_CHECK(t, v & EFER_LME, "EFER %#lx without LME", v);
	/*
	 * An MSR no CPU has: #GP on hardware, fixed up. QEMU's TCG reads
	 * unknown MSRs as 0 instead; the fixup itself is covered by the
	 * extable test either way.
	 */
	if (rdmsr_safe(0xdeadbeef, &v) == 0 && v == 0 &&
	    cpu_features.hypervisor)
		selftest_skip(
			t, "the hypervisor reads unknown MSRs as 0 (no #GP)");
	else
		ST_CHECK_EQ(t, rdmsr_safe(0xdeadbeef, &v), -EFAULT);
}

static volatile unsigned int fired;
static volatile unsigned long fired_vector;

static void test_handler(struct cpu_regs *regs)
{
	fired++;
	fired_vector = regs->vector;
}

SELFTEST(traps, registered_vector_and_breakpoint_return)
{
	fired = 0;
	irq_register(0x80, test_handler);
	asm volatile("int $0x80" ::: "memory");
	irq_register(0x80, NULL);
	ST_CHECK_EQ(t, fired, 1);
	ST_CHECK_EQ(t, fired_vector, 0x80);

	irq_register(TRAP_BP, test_handler);
	asm volatile("int3" ::: "memory");
	irq_register(TRAP_BP, NULL);
	ST_CHECK_EQ(t, fired, 2);
	ST_CHECK_EQ(t, fired_vector, TRAP_BP);
}

SELFTEST(traps, symbols_name_functions)
{
	unsigned long off, size;
	const char *name =
		symbol_lookup((unsigned long)symbol_lookup, &off, &size);

	ST_CHECK(t, name && !strcmp(name, "symbol_lookup"), "got %s",
		 name ?: "nothing");
	ST_CHECK_EQ(t, off, 0);
	ST_CHECK(t, size > 0, "size 0");
	name = symbol_lookup((unsigned long)symbol_lookup + 5, &off, &size);
	ST_CHECK(t, name && !strcmp(name, "symbol_lookup") && off == 5,
		 "symbol_lookup+5 gave %s+%lu", name ?: "nothing", off);
	ST_CHECK(t, symbol_lookup(0x1000, &off, &size) == NULL,
		 "low address named");
}

SELFTEST(traps, ist_stacks_have_guards)
{
	bool guard;

	for (unsigned int i = 0; i < 7; i++) {
		struct tss64 *tss;
		struct desc_ptr gdtr;
		uint16_t tr;
		unsigned long base;
		const uint64_t *gdt;

		asm volatile("sgdt %0; str %1" : "=m"(gdtr), "=r"(tr));
		gdt = (const uint64_t *)gdtr.base;
		base = ((gdt[tr >> 3] >> 16) & 0xffffff) |
		       (((gdt[tr >> 3] >> 56) & 0xff) << 24) |
		       (gdt[(tr >> 3) + 1] << 32);
		tss = (struct tss64 *)base;
		if (i >= NR_IST) {
			ST_CHECK_EQ(t, tss->ist[i], 0);
			continue;
		}
		ST_CHECK(t, ist_stack_name(tss->ist[i] - 8, &guard) && !guard,
			 "IST%u top %#lx is not in a known stack", i + 1,
			 tss->ist[i]);
		ST_CHECK(t,
			 ist_stack_name(tss->ist[i] - STACK_SIZE - 8, &guard) &&
				 guard,
			 "IST%u: no guard page below", i + 1);
	}
}
