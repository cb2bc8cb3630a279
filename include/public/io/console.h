/* SPDX-License-Identifier: MIT */
/*
 * The console ring page of a domain other than the initial one
 * (start_info.console.domU.mfn, signalled on console.domU.evtchn). Each
 * direction is a ring of power-of-two size indexed by free-running 32-bit
 * counters: the producer writes at prod & (size - 1), then (after a write
 * barrier) advances prod, then sends an event; the consumer reads up to
 * prod and advances cons. Written from the facts in Xen's public
 * io/console.h.
 */
#ifndef XEN_PUBLIC_IO_CONSOLE_H
#define XEN_PUBLIC_IO_CONSOLE_H

#include <public/xen-types.h>

#ifndef __ASSEMBLER__

typedef uint32_t XENCONS_RING_IDX;

#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
	char in[1024];	/* to the guest */
	char out[2048]; /* from the guest */
	XENCONS_RING_IDX in_cons, in_prod;
	XENCONS_RING_IDX out_cons, out_prod;
};

XEN_ABI_OFFSET(struct xencons_interface, out, 1024);
XEN_ABI_OFFSET(struct xencons_interface, in_cons, 3072);
XEN_ABI_OFFSET(struct xencons_interface, out_cons, 3080);
XEN_ABI_OFFSET(struct xencons_interface, out_prod, 3084);
XEN_ABI_SIZE(struct xencons_interface, 3088);

#endif /* !__ASSEMBLER__ */

#endif
