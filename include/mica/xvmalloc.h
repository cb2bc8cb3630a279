/* SPDX-License-Identifier: MIT */
/*
 * xvmalloc: memory for an object whose size is known only at run time and
 * may exceed a page, when it need not be physically contiguous (a grant
 * table, a domain's p2m list, an event-channel bucket array). Requests of
 * up to PAGE_SIZE bytes are xmalloc's, larger ones vmalloc's; xvfree()
 * tells the two apart from the address alone (the vmap area or not).
 *
 *     struct grant_entry *g = xvzalloc_array(struct grant_entry, n);
 *     ...
 *     xvfree(g);
 *
 * Contract: virtually contiguous; aligned to the type's alignment (at most
 * PAGE_SIZE; vmalloc memory is page aligned); not zeroed unless xvz*;
 * NULL on failure or when n * size overflows; xvfree(NULL) does nothing.
 * One CPU at a time, not from interrupt context. Do not assume physical
 * contiguity, nor that the memory is reachable through the direct map.
 *
 * Which allocator to use:
 *  - xmalloc (include/mica/xmalloc.h): small objects, and anything that must
 *    be physically contiguous (handed to a device or a guest by physical
 *    address). Large requests take exactly that many contiguous frames,
 *    which a fragmented heap may not have.
 *  - vmalloc (include/mica/vmap.h): large buffers that need only virtual
 *    contiguity. Page granular, frames taken one at a time from anywhere,
 *    guard pages on both sides; costs page-table entries and TLB reach.
 *  - xvmalloc: a size that is usually small but may be large.
 *  - alloc_xenheap_pages (include/mica/mm.h): naturally aligned power-of-two
 *    chunks of mapped frames, for page-sized hypervisor structures.
 *  - alloc_domheap_pages: frames mica does not keep mapped (guest memory,
 *    page tables), reached through map_domain_page().
 */
#ifndef MICA_XVMALLOC_H
#define MICA_XVMALLOC_H

#include <mica/types.h>

void *_xvmalloc(size_t size, size_t align);
void *_xvzalloc(size_t size, size_t align);
/* num elements of size bytes; NULL when num * size overflows. */
void *_xvmalloc_array(size_t size, size_t align, size_t num);
void *_xvzalloc_array(size_t size, size_t align, size_t num);
void xvfree(void *p);

#define xvmalloc(type) ((type *)_xvmalloc(sizeof(type), __alignof__(type)))
#define xvzalloc(type) ((type *)_xvzalloc(sizeof(type), __alignof__(type)))
#define xvmalloc_array(type, num) \
	((type *)_xvmalloc_array(sizeof(type), __alignof__(type), (num)))
#define xvzalloc_array(type, num) \
	((type *)_xvzalloc_array(sizeof(type), __alignof__(type), (num)))

#endif
