/* SPDX-License-Identifier: MIT */
/*
 * Short-lived mappings of any RAM frame: map_domain_page().
 *
 * All access to a frame that mica does not otherwise keep mapped (guest
 * memory, page tables, free frames being scrubbed) goes through these.
 *
 *  - map_domain_page(mfn) returns a pointer to the frame, valid until the
 *    matching unmap_domain_page(); it never fails (running out of slots is
 *    a leak in mica and panics).
 *  - Mappings nest, up to MAPCACHE_SLOTS_PER_CPU at once on a CPU. They are
 *    the calling CPU's: not to be handed to another CPU nor held across a
 *    context switch.
 *  - unmap_domain_page() takes any pointer into the mapped page, and
 *    accepts a NULL.
 *
 * With the direct map (the default) every RAM frame is mapped at all times:
 * map_domain_page() is the frame's direct-map address and unmapping does
 * nothing. With directmap=off it takes one of the CPU's slots in the
 * mapcache (mm/domain_page.c in the kernel). On the host, tools/host/
 * machine.c returns the frame inside the memfd.
 */
#ifndef MICA_DOMAIN_PAGE_H
#define MICA_DOMAIN_PAGE_H

#include <mica/lib.h>
#include <mica/mm.h>

#define MAPCACHE_SLOTS_PER_CPU 64

void *map_domain_page(mfn_t mfn);
void unmap_domain_page(const void *va);

/* Zero one frame through a short-lived mapping. */
static inline void clear_domain_page(mfn_t mfn)
{
	void *p = map_domain_page(mfn);

	memset(p, 0, PAGE_SIZE);
	unmap_domain_page(p);
}

#endif
