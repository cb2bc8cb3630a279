/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing guest memory by the guest's virtual address, as
 * hypercall arguments give it. Every access to a guest pointer goes through
 * these: an address that is not mapped, not the guest's (the hypervisor's
 * slots, a non-canonical address) or not writable gets -EFAULT, never a
 * fault in mica. They work on the current vCPU's page tables, with SMAP's
 * protection lifted only for the copy.
 *
 * On the host (tests), tools/host/guest_access.c treats guest addresses as
 * host pointers and lets a test declare ranges that fault.
 */
#ifndef MICA_GUEST_ACCESS_H
#define MICA_GUEST_ACCESS_H

#include <mica/types.h>

/* 0, or -EFAULT with an unspecified part of the range copied. */
int copy_from_guest(void *dst, unsigned long guest_va, size_t len);
int copy_to_guest(unsigned long guest_va, const void *src, size_t len);

/* Whether [va, va + len) lies wholly in the guest's half of the address space. */
static inline bool guest_range_ok(unsigned long va, size_t len)
{
	/* Below the canonical hole, or above the hypervisor's slots. */
	if (len > 0x800000000000UL)
		return false;
	if (va < 0x800000000000UL)
		return len <= 0x800000000000UL - va;
	return va >= 0xffff880000000000UL && len <= -va;
}

/* Element i of a guest array of element size sz. */
#define copy_from_guest_offset(dst, base, i, n)               \
	copy_from_guest((dst), (base) + (i) * sizeof(*(dst)), \
			(n) * sizeof(*(dst)))
#define copy_to_guest_offset(base, i, src, n)               \
	copy_to_guest((base) + (i) * sizeof(*(src)), (src), \
		      (n) * sizeof(*(src)))

#endif
