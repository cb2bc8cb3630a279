/* SPDX-License-Identifier: MIT */
/*
 * The scheduler (kernel/pv/sched.c): round robin over runnable vCPUs, one
 * CPU. Each vCPU has its own hypervisor stack, so a vCPU that blocks in a
 * hypercall simply switches away and resumes there when woken. The LAPIC
 * timer's tick ends time slices and fires the deadlines of blocked vCPUs
 * (sched_op block/poll timeouts, set_timer_op). When nothing is runnable
 * the idle vCPU scrubs free memory, then halts until the next interrupt.
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

#include <mica/domain.h>

extern struct vcpu idle_vcpu;
#define is_idle_vcpu(v) ((v) == &idle_vcpu)

/* Make v runnable (if blocked) and queue it. */
void vcpu_wake(struct vcpu *v);
/* The current vCPU stops until vcpu_wake() or its deadline: schedule(). */
void vcpu_block_current(void);
/* Give up the CPU: the current vCPU, if runnable, goes to the back. */
void schedule(void);
/* Take v off the CPU for good (its domain is dying). */
void sched_remove(struct vcpu *v);

/* On the way back to a guest: switch if its slice ended. */
extern bool need_resched;

/* Build a domain from each boot module (kernel/pv/boot.c): any built? */
bool pv_create_boot_domains(void);

/* The idle vCPU's loop: runs guests until none is left. */
__noreturn void sched_run(void);

/* A domain is gone: called by domain_destroy() for the power-off rule. */
void sched_domain_gone(void);

/* The length of a time slice, ns (sched_slice_ms=). */
extern uint64_t sched_slice_ns;

#endif
