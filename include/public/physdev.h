/* SPDX-License-Identifier: MIT */
/*
 * physdev_op(cmd, arg): physical devices and I/O privilege. Only the
 * commands a PV guest without devices meets. Written from the facts in
 * Xen's public physdev.h.
 */
#ifndef XEN_PUBLIC_PHYSDEV_H
#define XEN_PUBLIC_PHYSDEV_H

#include <public/xen.h>

#define PHYSDEVOP_irq_status_query 5
#define PHYSDEVOP_set_iopl 6 /* arg: struct physdev_set_iopl */
#define PHYSDEVOP_set_iobitmap 7
#define PHYSDEVOP_apic_read 8
#define PHYSDEVOP_apic_write 9
#define PHYSDEVOP_alloc_irq_vector 10
#define PHYSDEVOP_free_irq_vector 11
#define PHYSDEVOP_eoi 12
#define PHYSDEVOP_map_pirq 13
#define PHYSDEVOP_unmap_pirq 14

#ifndef __ASSEMBLER__

/*
 * The I/O privilege level of the calling vCPU: with iopl >= 1 its guest
 * kernel may use in/out (the kernel runs in ring 3, so iopl 3 lets its user
 * mode do so too).
 */
struct physdev_set_iopl {
	uint32_t iopl;
};
typedef struct physdev_set_iopl physdev_set_iopl_t;

XEN_ABI_SIZE(struct physdev_set_iopl, 4);

#endif /* !__ASSEMBLER__ */

#endif
