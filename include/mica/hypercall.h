/* SPDX-License-Identifier: MIT */
/*
 * Long hypercalls give the CPU back as Xen's do: a hypercall working
 * through a batch (mmu_update, mmuext_op, memory_op's extents, multicall)
 * asks hypercall_preempt_check() between two items, and when it says so,
 * describes the work left with hypercall_create_continuation() and
 * returns what that returns. The guest then finds itself about to issue
 * the same hypercall again, with those arguments: it runs events and
 * other vCPUs first, and sees one hypercall that completed. Each call's
 * encoding of the work left is Xen's (MMU_UPDATE_PREEMPTED in a batch's
 * count, the start extent in memory_op's cmd >> MEMOP_EXTENT_SHIFT, ...),
 * so that a guest may also pass them itself.
 *
 * kernel/pv/hypercall.c implements both: the check is true once the
 * hypercall has run HYPERCALL_BUDGET_NS, when another vCPU is waiting for
 * its slice, or when the caller has an event to deliver; the continuation
 * rewrites the guest's registers (rax, the arguments, rip back over the
 * syscall), or inside a multicall the entry's arguments, which the
 * multicall writes back to the guest's list before it continues itself.
 * tools/host/machine.c implements them for the host tests (include/mica/
 * host.h).
 */
#ifndef MICA_HYPERCALL_H
#define MICA_HYPERCALL_H

#include <mica/types.h>

#define HYPERCALL_BUDGET_NS 1000000 /* 1 ms, then a batch gives way */

/* Whether the running hypercall should stop here and continue later. */
bool hypercall_preempt_check(void);

/*
 * Have hypercall op issued again with args[0..nargs) (at most 6): returns
 * the value the hypercall must return, op.
 */
long hypercall_create_continuation(unsigned int op, const unsigned long *args,
				   unsigned int nargs);

#define hypercall_continue(op, ...)                            \
	hypercall_create_continuation(                         \
		(op), (const unsigned long[]){__VA_ARGS__},    \
		sizeof((const unsigned long[]){__VA_ARGS__}) / \
			sizeof(unsigned long))

#endif
