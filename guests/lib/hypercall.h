/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls through the hypercall page the builder wrote: stub nr is at
 * hypercall_page + 32 * nr. Arguments go in rdi, rsi, rdx, r10, r8, r9 and
 * the result comes back in rax, negative errno (public/errno.h) on failure.
 * Xen may clobber the argument registers (its debug builds do on purpose),
 * so every wrapper treats all six as clobbered.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <public/callback.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/physdev.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/version.h>
#include <public/xen.h>

extern char hypercall_page[4096];

#define _hypercall(nr, a1, a2, a3, a4, a5)                              \
	({                                                              \
		register long _r10 __asm__("r10") = (long)(a4);         \
		register long _r8 __asm__("r8") = (long)(a5);           \
		long _rax, _rdi = (long)(a1), _rsi = (long)(a2),        \
			   _rdx = (long)(a3);                           \
		__asm__ volatile("call hypercall_page + %c[off]"        \
				 : "=a"(_rax), "+D"(_rdi), "+S"(_rsi),  \
				   "+d"(_rdx), "+r"(_r10), "+r"(_r8)    \
				 : [off] "i"((nr)*32)                   \
				 : "memory", "rcx", "r11", "r9", "cc"); \
		_rax;                                                   \
	})

#define hypercall0(nr) _hypercall(nr, 0, 0, 0, 0, 0)
#define hypercall1(nr, a) _hypercall(nr, a, 0, 0, 0, 0)
#define hypercall2(nr, a, b) _hypercall(nr, a, b, 0, 0, 0)
#define hypercall3(nr, a, b, c) _hypercall(nr, a, b, c, 0, 0)
#define hypercall4(nr, a, b, c, d) _hypercall(nr, a, b, c, d, 0)
#define hypercall5(nr, a, b, c, d, e) _hypercall(nr, a, b, c, d, e)

static inline long HYPERVISOR_set_trap_table(const struct trap_info *traps)
{
	return hypercall1(__HYPERVISOR_set_trap_table, traps);
}

static inline long HYPERVISOR_mmu_update(const struct mmu_update *req,
					 unsigned int count, unsigned int *done,
					 unsigned int foreigndom)
{
	return hypercall4(__HYPERVISOR_mmu_update, req, count, done,
			  foreigndom);
}

static inline long HYPERVISOR_mmuext_op(const struct mmuext_op *op,
					unsigned int count, unsigned int *done,
					unsigned int foreigndom)
{
	return hypercall4(__HYPERVISOR_mmuext_op, op, count, done, foreigndom);
}

static inline long HYPERVISOR_update_va_mapping(unsigned long va, uint64_t pte,
						unsigned long flags)
{
	return hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}

static inline long HYPERVISOR_set_gdt(const xen_ulong_t *frames,
				      unsigned int entries)
{
	return hypercall2(__HYPERVISOR_set_gdt, frames, entries);
}

static inline long HYPERVISOR_update_descriptor(uint64_t maddr, uint64_t desc)
{
	return hypercall2(__HYPERVISOR_update_descriptor, maddr, desc);
}

static inline long HYPERVISOR_stack_switch(unsigned long ss, unsigned long sp)
{
	return hypercall2(__HYPERVISOR_stack_switch, ss, sp);
}

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static inline long HYPERVISOR_multicall(struct multicall_entry *calls,
					unsigned int nr)
{
	return hypercall2(__HYPERVISOR_multicall, calls, nr);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

static inline long HYPERVISOR_console_io(int cmd, unsigned int count,
					 const char *buf)
{
	return hypercall3(__HYPERVISOR_console_io, cmd, count, buf);
}

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *args,
					     unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, args, count);
}

static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
	return hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static inline long HYPERVISOR_set_segment_base(unsigned int which,
					       unsigned long base)
{
	return hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static inline long HYPERVISOR_callback_op(int cmd, const void *arg)
{
	return hypercall2(__HYPERVISOR_callback_op, cmd, arg);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long HYPERVISOR_physdev_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

static inline long HYPERVISOR_set_timer_op(uint64_t timeout_abs_ns)
{
	return hypercall1(__HYPERVISOR_set_timer_op, timeout_abs_ns);
}

static inline long HYPERVISOR_fpu_taskswitch(int set)
{
	return hypercall1(__HYPERVISOR_fpu_taskswitch, set);
}

#endif
