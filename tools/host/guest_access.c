// SPDX-License-Identifier: MIT
/*
 * Guest access on the host (include/mica/guest_access.h): a guest address
 * is a host pointer, except inside the ranges a test marks as faulting,
 * where every copy fails with -EFAULT as an unmapped guest page would.
 */
#include <string.h>

#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/host.h>

#define MAX_FAULT_RANGES 8

static struct {
	unsigned long start, end;
} faults[MAX_FAULT_RANGES];
static unsigned int nr_faults;

void host_guest_fault_range(unsigned long start, unsigned long len)
{
	if (nr_faults < MAX_FAULT_RANGES) {
		faults[nr_faults].start = start;
		faults[nr_faults].end = start + len;
		nr_faults++;
	}
}

void host_guest_fault_clear(void)
{
	nr_faults = 0;
}

static bool accessible(unsigned long va, size_t len)
{
	if (!va || va + len < va)
		return false;
	for (unsigned int i = 0; i < nr_faults; i++)
		if (va < faults[i].end && va + len > faults[i].start)
			return false;
	return true;
}

int copy_from_guest(void *dst, unsigned long guest_va, size_t len)
{
	if (!len)
		return 0;
	if (!accessible(guest_va, len))
		return -EFAULT;
	memcpy(dst, (const void *)guest_va, len);
	return 0;
}

int copy_to_guest(unsigned long guest_va, const void *src, size_t len)
{
	if (!len)
		return 0;
	if (!accessible(guest_va, len))
		return -EFAULT;
	memcpy((void *)guest_va, src, len);
	return 0;
}
