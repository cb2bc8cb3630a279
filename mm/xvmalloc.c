/* SPDX-License-Identifier: MIT */
/*
 * xvmalloc: xmalloc up to a page, vmalloc beyond (include/mica/xvmalloc.h).
 * Large areas are recorded as allocated by xvmalloc's caller, so that a
 * fault on their guard pages names the code that asked.
 */
#include <mica/mm.h>
#include <mica/vmap.h>
#include <mica/xmalloc.h>
#include <mica/xvmalloc.h>

static void *xv_alloc(size_t size, size_t align, unsigned int memflags,
		      unsigned long caller)
{
	if (align > PAGE_SIZE || (align & (align - 1)))
		return NULL;
	if (size <= PAGE_SIZE)
		return memflags & MEMF_zero ? _xzalloc(size, align)
					    : _xmalloc(size, align);
	return __vmalloc(size, memflags, caller);
}

static void *xv_alloc_array(size_t size, size_t align, size_t num,
			    unsigned int memflags, unsigned long caller)
{
	size_t bytes;

	if (__builtin_mul_overflow(size, num, &bytes))
		return NULL;
	return xv_alloc(bytes, align, memflags, caller);
}

#define CALLER ((unsigned long)__builtin_return_address(0))

void *_xvmalloc(size_t size, size_t align)
{
	return xv_alloc(size, align, 0, CALLER);
}

void *_xvzalloc(size_t size, size_t align)
{
	return xv_alloc(size, align, MEMF_zero, CALLER);
}

void *_xvmalloc_array(size_t size, size_t align, size_t num)
{
	return xv_alloc_array(size, align, num, 0, CALLER);
}

void *_xvzalloc_array(size_t size, size_t align, size_t num)
{
	return xv_alloc_array(size, align, num, MEMF_zero, CALLER);
}

void xvfree(void *p)
{
	if (is_vmap_address(p))
		vfree(p);
	else
		xfree(p);
}
