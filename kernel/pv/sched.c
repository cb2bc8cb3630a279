/* SPDX-License-Identifier: MIT */
/*
 * Round-robin scheduling of vCPUs on the boot CPU (contract in
 * include/mica/sched.h), and the switch from one vCPU to another.
 *
 * A context switch saves what the guest left in the CPU that the entry
 * path does not (segment selectors and bases), loads the next vCPU's page
 * tables, stack top (TSS rsp0 and the syscall entry's) and GDT frames,
 * then switches hypervisor stacks. Dying domains are destroyed from the
 * idle loop, on mica's own page tables and stack.
 */
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/processor.h>
#include <mica/arch_mm.h>
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/paging.h>
#include <mica/param.h>
#include <mica/power.h>
#include <mica/sched.h>
#include <mica/time.h>

#include "pv.h"

static struct domain idle_domain = {.domain_id = DOMID_IDLE, .name = "idle"};
struct vcpu idle_vcpu = {.domain = &idle_domain, .state = VCPU_runnable};
struct vcpu *current = &idle_vcpu;

/* The syscall entry's stack and scratch (kernel/entry.S). */
unsigned long pv_stack_top, pv_guest_rsp;

bool need_resched;
static struct vcpu *runq_head, *runq_tail;
static uint64_t slice_end;

static unsigned int slice_ms = 10;
integer_param("sched_slice_ms", slice_ms);
uint64_t sched_slice_ns;

static bool queued(const struct vcpu *v)
{
	for (const struct vcpu *q = runq_head; q; q = q->next_in_queue)
		if (q == v)
			return true;
	return false;
}

static void enqueue(struct vcpu *v)
{
	if (is_idle_vcpu(v) || queued(v))
		return;
	v->next_in_queue = NULL;
	if (runq_tail)
		runq_tail->next_in_queue = v;
	else
		runq_head = v;
	runq_tail = v;
}

static struct vcpu *dequeue(void)
{
	struct vcpu *v = runq_head;

	if (v) {
		runq_head = v->next_in_queue;
		if (!runq_head)
			runq_tail = NULL;
		v->next_in_queue = NULL;
	}
	return v;
}

void sched_remove(struct vcpu *v)
{
	struct vcpu **p = &runq_head, *prev = NULL;

	while (*p) {
		if (*p == v) {
			*p = v->next_in_queue;
			if (runq_tail == v)
				runq_tail = prev;
			v->next_in_queue = NULL;
			break;
		}
		prev = *p;
		p = &(*p)->next_in_queue;
	}
	v->state = VCPU_down;
}

void vcpu_wake(struct vcpu *v)
{
	if (v->state == VCPU_down || v->domain->is_dying)
		return;
	if (v->state == VCPU_blocked) {
		v->state = VCPU_runnable;
		v->polling = false;
		v->poll_deadline = 0;
	}
	if (v != current)
		enqueue(v);
}

static void save_guest_segments(struct vcpu *v)
{
	v->fs_base = rdmsr(MSR_FS_BASE);
	if (v->kernel_mode) {
		v->gs_base_kernel = rdmsr(MSR_GS_BASE);
		v->gs_base_user = rdmsr(MSR_KERNEL_GS_BASE);
	} else {
		v->gs_base_user = rdmsr(MSR_GS_BASE);
		v->gs_base_kernel = rdmsr(MSR_KERNEL_GS_BASE);
	}
	asm volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
		     : "=m"(v->sel_ds), "=m"(v->sel_es), "=m"(v->sel_fs),
		       "=m"(v->sel_gs));
}

static void load_guest_segments(struct vcpu *v)
{
	pv_load_data_selectors(v);
	wrmsr(MSR_FS_BASE, v->fs_base);
	wrmsr(MSR_GS_BASE,
	      v->kernel_mode ? v->gs_base_kernel : v->gs_base_user);
	wrmsr(MSR_KERNEL_GS_BASE,
	      v->kernel_mode ? v->gs_base_user : v->gs_base_kernel);
}

void switch_stack(unsigned long *save, unsigned long next);

static void context_switch(struct vcpu *prev, struct vcpu *next)
{
	if (!is_idle_vcpu(prev) && !prev->domain->is_dying)
		save_guest_segments(prev);
	pv_fpu_switch(is_idle_vcpu(prev) ? NULL : prev,
		      is_idle_vcpu(next) ? NULL : next);
	current = next;
	if (is_idle_vcpu(next)) {
		paging_load_idle();
	} else {
		unsigned long top = (unsigned long)(next->regs + 1);

		pv_load_cr3(next);
		if (prev->domain != next->domain)
			arch_flush_tlb_local();
		else
			arch_flush_tlb_pending();
		tss_set_rsp0(top);
		pv_stack_top = top;
		gdt_set_guest_frames(next->gdt_frames, next->nr_gdt_frames);
		load_guest_segments(next);
		slice_end = now_ns() + sched_slice_ns;
	}
	need_resched = false;
	switch_stack(&prev->hyp_rsp, next->hyp_rsp);
	/* Back on this vCPU: a domain that died meanwhile can go now. */
	domain_reap();
}

void schedule(void)
{
	struct vcpu *prev = current, *next;

	if (!is_idle_vcpu(prev) && prev->state == VCPU_runnable &&
	    !prev->domain->is_dying)
		enqueue(prev);
	do
		next = dequeue();
	while (next &&
	       (next->state != VCPU_runnable || next->domain->is_dying));
	if (!next)
		next = &idle_vcpu;
	if (next == prev) {
		need_resched = false;
		slice_end = now_ns() + sched_slice_ns;
		return;
	}
	context_switch(prev, next);
}

void vcpu_block_current(void)
{
	struct vcpu *v = current;

	v->state = VCPU_blocked;
	schedule();
}

/* The timer tick: slices, and the deadlines of blocked vCPUs. */
static void sched_tick(void)
{
	uint64_t now = now_ns();

	for (struct domain *d = domain_list; d; d = d->next)
		for (unsigned int i = 0; i < d->max_vcpus; i++) {
			struct vcpu *v = d->vcpu[i];

			if (!v || v->state == VCPU_down)
				continue;
			if (v->timer_deadline && v->timer_deadline <= now) {
				v->timer_deadline = 0;
				pv_timer_fired(v);
			}
			if (v->periodic_period && v->periodic_next <= now) {
				v->periodic_next = now + v->periodic_period;
				pv_timer_fired(v);
			}
			if (v->state == VCPU_blocked && v->poll_deadline &&
			    v->poll_deadline <= now)
				vcpu_wake(v);
		}
	if (!is_idle_vcpu(current) && now >= slice_end && runq_head)
		need_resched = true;
}

static bool domains_left;

void sched_domain_gone(void)
{
	domains_left = domain_list != NULL;
}

__noreturn void sched_run(void)
{
	sched_slice_ns = (uint64_t)MAX(1u, slice_ms) * 1000000;
	lapic_tick_hook = sched_tick;
	domains_left = domain_list != NULL;
	for (;;) {
		local_irq_disable();
		domain_reap();
		if (!domain_list) {
			pv_audit_all();
			if (opt_noreboot) {
				printk("mica: no domains left, halted (noreboot)\n");
				halt_forever();
			}
			printk("mica: no domains left, powering off\n");
			machine_power_off();
		}
		if (runq_head) {
			schedule();
			continue;
		}
		local_irq_enable();
		if (heap_scrub_some(256))
			continue;
		/* sti; hlt: no interrupt slips in between. */
		asm volatile("sti; hlt" ::: "memory");
	}
}
