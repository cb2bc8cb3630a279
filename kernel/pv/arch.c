/* SPDX-License-Identifier: MIT */
/*
 * The x86 side of running PV guests: the CPU set-up they need, copying to
 * and from guest virtual addresses, and the per-vCPU CPU state a context
 * switch or a hypercall changes (page-table base, segments, FPU).
 */
#include <asm/desc.h>
#include <asm/extable.h>
#include <asm/processor.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/paging.h>
#include <mica/pv_mm.h>

#include "pv.h"

static bool smap_on;

/*
 * SSE for guests (they save and restore it themselves, mica switches it),
 * SMEP and SMAP where the CPU has them: mica never runs or touches guest
 * memory by accident, only through the copy helpers below.
 */
static int pv_cpu_init(void)
{
	unsigned long cr4 = read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	write_cr0((read_cr0() | X86_CR0_MP | X86_CR0_NE) & ~X86_CR0_EM);
	if (cpu_features.smep)
		cr4 |= X86_CR4_SMEP;
	if (cpu_features.smap)
		cr4 |= X86_CR4_SMAP;
	write_cr4(cr4);
	smap_on = cpu_features.smap;
	printk("pv: SSE for guests%s%s\n", cpu_features.smep ? ", SMEP" : "",
	       cpu_features.smap ? ", SMAP" : "");
	return 0;
}
__initcall(pv_cpu_init, INIT_LATE_CONSOLE);

static inline void stac(void)
{
	if (smap_on)
		asm volatile(".byte 0x0f, 0x01, 0xcb" ::: "memory");
}

static inline void clac(void)
{
	if (smap_on)
		asm volatile(".byte 0x0f, 0x01, 0xca" ::: "memory");
}

/* rep movsb with a fixup: -EFAULT if any byte faults. */
static int copy_safe(void *dst, const void *src, size_t len)
{
	int rc = 0;

	/* A translation a hypercall made stale must not be used. */
	arch_flush_tlb_pending();
	stac();
	asm volatile("1: rep movsb\n"
		     "2:\n"
		     ".pushsection .text.fixup, \"ax\"\n"
		     "3: movl %4, %0\n"
		     "   jmp 2b\n"
		     ".popsection\n" _ASM_EXTABLE(1b, 3b)
		     : "+r"(rc), "+D"(dst), "+S"(src), "+c"(len)
		     : "i"(-EFAULT)
		     : "memory");
	clac();
	return rc;
}

int copy_from_guest(void *dst, unsigned long guest_va, size_t len)
{
	if (!len)
		return 0;
	if (!guest_range_ok(guest_va, len))
		return -EFAULT;
	return copy_safe(dst, (const void *)guest_va, len);
}

int copy_to_guest(unsigned long guest_va, const void *src, size_t len)
{
	if (!len)
		return 0;
	if (!guest_range_ok(guest_va, len))
		return -EFAULT;
	return copy_safe((void *)guest_va, src, len);
}

void pv_load_cr3(struct vcpu *v)
{
	mfn_t m = v->kernel_mode ? v->guest_table : v->guest_table_user;

	write_cr3(mfn_to_maddr(m));
}

/* mm/pv_mm.c changed the running vCPU's page-table base. */
void arch_pv_load_cr3(struct vcpu *v)
{
	if (v == current)
		pv_load_cr3(v);
}

/* Load a guest data selector; one the GDT no longer allows becomes null. */
#define LOAD_SEL(seg, val)                                \
	asm volatile("1: movl %k0, %%" seg "\n"           \
		     "2:\n"                               \
		     ".pushsection .text.fixup, \"ax\"\n" \
		     "3: xorl %k0, %k0\n"                 \
		     "   jmp 1b\n"                        \
		     ".popsection\n" _ASM_EXTABLE(1b, 3b) \
		     : "+r"(val))

void pv_load_data_selectors(struct vcpu *v)
{
	unsigned long ds = v->sel_ds, es = v->sel_es, fs = v->sel_fs,
		      gs = v->sel_gs;

	LOAD_SEL("ds", ds);
	LOAD_SEL("es", es);
	LOAD_SEL("fs", fs);
	/* Loading gs clears its base: the caller writes the bases after. */
	LOAD_SEL("gs", gs);
}

int pv_load_user_gs_sel(struct vcpu *v, uint16_t sel)
{
	unsigned long s = sel;
	unsigned long kbase = rdmsr(MSR_GS_BASE);

	/* The user's gs is the shadow one while the guest kernel runs. */
	asm volatile("swapgs" ::: "memory");
	LOAD_SEL("gs", s);
	v->gs_base_user = rdmsr(MSR_GS_BASE);
	asm volatile("swapgs" ::: "memory");
	wrmsr(MSR_GS_BASE, kbase);
	v->sel_gs = (uint16_t)s;
	return s == sel ? 0 : -EINVAL;
}

void pv_release_gdt(struct vcpu *v)
{
	for (unsigned int i = 0; i < v->nr_gdt_frames; i++)
		put_page_and_type(mfn_to_page(v->gdt_frames[i]));
	v->nr_gdt_frames = 0;
	v->gdt_ents = 0;
	if (v == current)
		gdt_set_guest_frames(NULL, 0);
}

void pv_fpu_switch(struct vcpu *prev, struct vcpu *next)
{
	asm volatile("clts");
	if (prev && !prev->domain->is_dying)
		asm volatile("fxsave64 %0" : "=m"(prev->fpu_state));
	if (next) {
		asm volatile("fxrstor64 %0" : : "m"(next->fpu_state));
		if (next->fpu_ts)
			write_cr0(read_cr0() | X86_CR0_TS);
	}
}

bool pv_m2p_ready;

/* The M2P exists from boot, so that self tests see it as guests will. */
static int pv_m2p_init(void)
{
	int rc = paging_m2p_init();

	if (rc)
		printk(LOG_ERR "pv: no memory for the M2P (%d): no guests\n",
		       rc);
	pv_m2p_ready = !rc;
	return rc;
}
__initcall(pv_m2p_init, INIT_LATE);
