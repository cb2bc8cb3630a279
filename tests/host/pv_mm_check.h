/* SPDX-License-Identifier: MIT */
/*
 * An independent audit of mm/pv_mm.c's bookkeeping for one domain, for the
 * host tests and the fuzzer: every general and type count recomputed from
 * the allocation references, the pins, the vCPUs' references and the
 * entries of every validated table, and the rules checked on what the
 * tables hold.
 */
#ifndef TESTS_HOST_PV_MM_CHECK_H
#define TESTS_HOST_PV_MM_CHECK_H

#include <mica/domain.h>

/*
 * NULL if d's frames are consistent, else a description of the first
 * violation (in a static buffer). Needs at most 65536 frames.
 */
const char *pv_mm_violation(const struct domain *d);

/*
 * A PV domain d with one vCPU v, in kernel mode, no page tables yet, and
 * running (host_current): what the tests and the fuzzer start from.
 */
void pv_test_domain(struct domain *d, struct vcpu *v, domid_t id,
		    unsigned long max_pages);

#endif
