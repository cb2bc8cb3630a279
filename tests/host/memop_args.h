/* SPDX-License-Identifier: MIT */
/*
 * memory_op's arguments as a PV guest fills them in, for the host test
 * (test_memory_op.c) and the fuzzer (fuzz_memory_op.c): guest handles are
 * host pointers on the host machine.
 */
#ifndef TESTS_HOST_MEMOP_ARGS_H
#define TESTS_HOST_MEMOP_ARGS_H

#include <public/memory.h>

/* A reservation of nr extents of 2^order frames at l, for DOMID_SELF. */
static inline struct xen_memory_reservation
resv(xen_pfn_t *l, unsigned long nr, unsigned int order, unsigned int flags)
{
	return (struct xen_memory_reservation){
		.extent_start = (unsigned long)l,
		.nr_extents = nr,
		.extent_order = order,
		.mem_flags = flags,
		.domid = DOMID_SELF,
	};
}

#endif
