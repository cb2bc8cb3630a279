/* SPDX-License-Identifier: MIT */
/*
 * callback_op(cmd, arg): the addresses the hypervisor enters the guest at
 * for events, for a failed return, for a user-mode syscall and for NMIs.
 * Written from the facts in Xen's public callback.h.
 */
#ifndef XEN_PUBLIC_CALLBACK_H
#define XEN_PUBLIC_CALLBACK_H

#include <public/xen.h>

#define CALLBACKTYPE_event 0	/* event upcalls */
#define CALLBACKTYPE_failsafe 1 /* returning to the guest failed */
#define CALLBACKTYPE_syscall 2	/* syscall from 64-bit guest user mode */
#define CALLBACKTYPE_sysenter_deprecated 3
#define CALLBACKTYPE_nmi 4
#define CALLBACKTYPE_sysenter 5	 /* sysenter from 32-bit user mode */
#define CALLBACKTYPE_syscall32 7 /* syscall from 32-bit user mode */

/* Mask events on entry (ignored for event and NMI callbacks: always). */
#define _CALLBACKF_mask_events 0
#define CALLBACKF_mask_events (1U << _CALLBACKF_mask_events)

#define CALLBACKOP_register 0	/* arg: struct callback_register */
#define CALLBACKOP_unregister 1 /* arg: struct callback_unregister */

#ifndef __ASSEMBLER__

struct callback_register {
	uint16_t type;	/* CALLBACKTYPE_* */
	uint16_t flags; /* CALLBACKF_* */
	xen_callback_t address;
};
typedef struct callback_register callback_register_t;

/* Not every type can be unregistered: -EINVAL for those. */
struct callback_unregister {
	uint16_t type;
	uint16_t _unused;
};
typedef struct callback_unregister callback_unregister_t;

XEN_ABI_SIZE(struct callback_register, 16);
XEN_ABI_OFFSET(struct callback_register, address, 8);
XEN_ABI_SIZE(struct callback_unregister, 4);

#endif /* !__ASSEMBLER__ */

#endif
