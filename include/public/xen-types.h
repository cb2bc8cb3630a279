/* SPDX-License-Identifier: MIT */
/*
 * The base types of Xen's guest ABI, shared by mica and by guests. Only the
 * compiler's freestanding headers are used, so that a guest built with
 * -ffreestanding and mica built with -nostdinc both include this unchanged.
 *
 * The ABI is x86-64's LP64: where Xen's headers say "unsigned long" these
 * say uint64_t, and "unsigned int" is uint32_t. Struct layouts follow the C
 * rules for natural alignment, as Xen's do; each header asserts the sizes
 * and offsets that a guest and the hypervisor must agree on.
 */
#ifndef XEN_PUBLIC_XEN_TYPES_H
#define XEN_PUBLIC_XEN_TYPES_H

#ifdef __ASSEMBLER__
#define xen_mk_uint(x) x
#define xen_mk_ulong(x) x
#else
/* Two steps, so that a macro argument is expanded before the suffix. */
#define __xen_mk_uint(x) x##U
#define __xen_mk_ulong(x) x##UL
#define xen_mk_uint(x) __xen_mk_uint(x)
#define xen_mk_ulong(x) __xen_mk_ulong(x)

#include <stddef.h>
#include <stdint.h>

/* A page frame number: a pfn, gfn or mfn as the context says. */
typedef uint64_t xen_pfn_t;
/* A register-sized value ("unsigned long" in Xen's headers). */
typedef uint64_t xen_ulong_t;
typedef uint16_t domid_t;

/*
 * A guest handle is a pointer in the guest's own address space. Xen wraps it
 * in a one-member struct; on x86-64 that is laid out as one 64-bit value,
 * which is how it is kept here: a guest stores a pointer with
 * set_xen_guest_handle(), and the hypervisor reads a guest virtual address
 * that it may only touch through its fault-safe copy helpers. The element
 * type is written at each use for the reader only.
 */
#define XEN_GUEST_HANDLE(type) uint64_t
#define set_xen_guest_handle(hnd, val) ((hnd) = (uint64_t)(uintptr_t)(val))
#define xen_guest_handle_ptr(type, hnd) ((type *)(uintptr_t)(hnd))

/* An ABI fact checked at compile time, in every file that includes it. */
#define XEN_ABI_CHECK(expr) _Static_assert(expr, #expr)
#define XEN_ABI_SIZE(type, size) XEN_ABI_CHECK(sizeof(type) == (size))
#define XEN_ABI_OFFSET(type, member, off) \
	XEN_ABI_CHECK(offsetof(type, member) == (off))

XEN_ABI_SIZE(xen_pfn_t, 8);
XEN_ABI_SIZE(void *, 8);
#endif /* !__ASSEMBLER__ */

#endif
