/* SPDX-License-Identifier: MIT */
/*
 * The final GDT and the TSS. The boot GDT of boot/head.S has a physical
 * base that stops being mapped once paging_init() drops the identity map,
 * so this one (in the image, at its virtual address) is loaded before.
 * The TSS gives #DF, NMI and #MC stacks of their own (IST), each with a
 * guard page: a double fault from a stack overflow needs a good stack.
 */
#include <asm/config.h>
#include <asm/desc.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/stack.h>

DEFINE_STACK(ist_df_stack);
DEFINE_STACK(ist_nmi_stack);
DEFINE_STACK(ist_mc_stack);

static struct tss64 tss __aligned(64);

static uint64_t gdt[] __aligned(16) = {
	0,
	0x00af9b000000ffffUL, /* 0x08: 64-bit code, accessed */
	0x00cf93000000ffffUL, /* 0x10: data, accessed */
	0,
	0, /* 0x18: the TSS (16 bytes), filled in below */
};

static const struct {
	const struct stack_with_guard *s;
	const char *name;
} ist_stacks[NR_IST] = {
	{&ist_df_stack, "#DF stack"},
	{&ist_nmi_stack, "NMI stack"},
	{&ist_mc_stack, "#MC stack"},
};

const char *ist_stack_name(unsigned long addr, bool *guard)
{
	for (unsigned int i = 0; i < NR_IST; i++) {
		unsigned long base = (unsigned long)ist_stacks[i].s;

		if (addr >= base &&
		    addr < base + sizeof(struct stack_with_guard)) {
			*guard = addr < base + PAGE_SIZE;
			return ist_stacks[i].name;
		}
	}
	return NULL;
}

void gdt_init(void)
{
	unsigned long base = (unsigned long)&tss;
	struct desc_ptr gdtr = {sizeof(gdt) - 1, (unsigned long)gdt};

	tss.ist[IST_DF - 1] = STACK_TOP(ist_df_stack);
	tss.ist[IST_NMI - 1] = STACK_TOP(ist_nmi_stack);
	tss.ist[IST_MC - 1] = STACK_TOP(ist_mc_stack);
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */

	/* A 64-bit available TSS: type 9, present, limit sizeof - 1. */
	gdt[GDT_ENTRY_TSS] = (sizeof(tss) - 1) | ((base & 0xffffff) << 16) |
			     (0x89UL << 40) | (((base >> 24) & 0xff) << 56);
	gdt[GDT_ENTRY_TSS + 1] = base >> 32;

	asm volatile("lgdt %0\n\t"
		     /* Reload cs with a far return, then the data segments. */
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movl %2, %%eax\n\t"
		     "movl %%eax, %%ds\n\t"
		     "movl %%eax, %%es\n\t"
		     "movl %%eax, %%ss\n\t"
		     "ltr %w3"
		     :
		     : "m"(gdtr), "i"(__HYPERVISOR_CS), "i"(__HYPERVISOR_DS),
		       "r"(__TSS_SEL)
		     : "rax", "memory");
}
