/* SPDX-License-Identifier: MIT */
/*
 * The GDT, the TSS and the syscall MSRs.
 *
 * The GDT has Xen's layout, which PV guests are built for: 8192 entries,
 * the first 7168 (14 pages) the guest's own (set_gdt), the last 1024 the
 * hypervisor's, where mica's selectors, the guests' flat ring-3 selectors
 * and the TSS live (asm/config.h). Until paging_init() there is no mapping
 * for the guest part, so the boot GDT register points 14 pages below the
 * reserved entries and nothing ever loads a selector there;
 * gdt_map_percpu() then maps each CPU's 16 pages at GDT_VIRT_START, the
 * guest part a read-only page of zeroes until a guest gives its frames.
 *
 * The TSS gives #DF, NMI and #MC stacks of their own (IST), each with a
 * guard page, and rsp0: the top of the running vCPU's stack, where the CPU
 * saves a guest's state on every entry.
 */
#include <asm/config.h>
#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/paging.h>
#include <mica/stack.h>

DEFINE_STACK(ist_df_stack);
DEFINE_STACK(ist_nmi_stack);
DEFINE_STACK(ist_mc_stack);

static struct tss64 tss __aligned(64);

/* Entries GDT_RESERVED_ENTRY.. of each CPU's GDT: two pages. */
static uint64_t gdt_reserved[NR_CPUS][1024] __aligned(PAGE_SIZE);
static const uint64_t gdt_zero[512] __aligned(PAGE_SIZE);

#define RSV(sel) (((sel) >> 3) - GDT_RESERVED_ENTRY)

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

void tss_set_rsp0(unsigned long rsp)
{
	tss.rsp[0] = rsp;
}

static void load_gdt(unsigned long base)
{
	struct desc_ptr gdtr = {GDT_VIRT_PER_CPU - 1, base};

	asm volatile("lgdt %0" : : "m"(gdtr) : "memory");
}

extern const char pv_syscall_entry[], pv_syscall32_entry[];

void gdt_init(void)
{
	uint64_t *g = gdt_reserved[smp_processor_id()];
	unsigned long base = (unsigned long)&tss;

	tss.ist[IST_DF - 1] = STACK_TOP(ist_df_stack);
	tss.ist[IST_NMI - 1] = STACK_TOP(ist_nmi_stack);
	tss.ist[IST_MC - 1] = STACK_TOP(ist_mc_stack);
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */

	g[RSV(__HYPERVISOR_CS)] = 0x00af9b000000ffffUL; /* 64-bit, DPL 0 */
	g[RSV(__HYPERVISOR_DS)] = 0x00cf93000000ffffUL;
	g[RSV(FLAT_RING3_CS32)] = 0x00cffb000000ffffUL; /* DPL 3 */
	g[RSV(FLAT_RING3_DS)] = 0x00cff3000000ffffUL;
	g[RSV(FLAT_RING3_CS64)] = 0x00affb000000ffffUL;
	/* A 64-bit available TSS: type 9, present, limit sizeof - 1. */
	g[RSV(__TSS_SEL)] = (sizeof(tss) - 1) | ((base & 0xffffff) << 16) |
			    (0x89UL << 40) | (((base >> 24) & 0xff) << 56);
	g[RSV(__TSS_SEL) + 1] = base >> 32;

	load_gdt((unsigned long)g - GDT_RESERVED_ENTRY * 8);
	asm volatile(/* Reload cs with a far return, then the data segments. */
		     "pushq %0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movl %1, %%eax\n\t"
		     "movl %%eax, %%ss\n\t"
		     "xorl %%eax, %%eax\n\t"
		     "movl %%eax, %%ds\n\t"
		     "movl %%eax, %%es\n\t"
		     "ltr %w2"
		     :
		     : "i"(__HYPERVISOR_CS), "i"(__HYPERVISOR_DS),
		       "r"(__TSS_SEL)
		     : "rax", "memory");

	/*
	 * syscall enters at CPL 0 with __HYPERVISOR_CS/DS; sysret would go
	 * to FLAT_RING3_CS64/DS (STAR[63:48] + 16 / + 8). mica returns with
	 * iretq, but keeps STAR right for the layout's sake.
	 */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)FLAT_RING3_CS32 << 48) |
				((uint64_t)__HYPERVISOR_CS << 32));
	wrmsr(MSR_LSTAR, (unsigned long)pv_syscall_entry);
	wrmsr(MSR_CSTAR, (unsigned long)pv_syscall32_entry);
	/* IF, TF, DF, IOPL, NT, AC and RF clear in the hypervisor. */
	wrmsr(MSR_SYSCALL_MASK, 0x47700UL);
}

/* After paging_init(): every CPU's 16 pages at GDT_VIRT_START. */
static int gdt_map_percpu(void)
{
	uint64_t *l1 = paging_gdt_l1();

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		uint64_t *e = l1 + cpu * 16;

		for (unsigned int i = 0; i < GDT_RESERVED_PAGE; i++)
			e[i] = paging_leaf(__pa(gdt_zero), false);
		e[14] = paging_leaf(__pa(gdt_reserved[cpu]), true);
		e[15] = paging_leaf(__pa(gdt_reserved[cpu]) + PAGE_SIZE, true);
	}
	load_gdt(GDT_VIRT_START + smp_processor_id() * GDT_VIRT_PER_CPU);
	return 0;
}
__initcall(gdt_map_percpu, INIT_LATE_CONSOLE);

void gdt_set_guest_frames(const mfn_t *frames, unsigned int n)
{
	unsigned int cpu = smp_processor_id();
	uint64_t *e = paging_gdt_l1() + cpu * 16;
	unsigned long va = GDT_VIRT_START + cpu * GDT_VIRT_PER_CPU;

	for (unsigned int i = 0; i < GDT_RESERVED_PAGE; i++) {
		uint64_t pte =
			i < n ? paging_leaf(mfn_to_maddr(frames[i]), true)
			      : paging_leaf(__pa(gdt_zero), false);

		if (e[i] != pte) {
			e[i] = pte;
			invlpg((void *)(va + i * PAGE_SIZE));
		}
	}
}
