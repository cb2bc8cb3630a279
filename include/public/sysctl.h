/* SPDX-License-Identifier: MIT */
/*
 * sysctl(struct xen_sysctl *op): system management for the toolstack, from
 * a privileged domain only. Written from the facts in Xen's public
 * sysctl.h. Every op carries the interface version it was built against;
 * any other is refused with -EACCES before anything is looked at.
 */
#ifndef XEN_PUBLIC_SYSCTL_H
#define XEN_PUBLIC_SYSCTL_H

#include <public/xen.h>

/* Xen 4.17's: the last bump was in 4.17. */
#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015

#define XEN_SYSCTL_readconsole 1
#define XEN_SYSCTL_physinfo 3
/* u.debug_keys: each key is handled as if typed on Xen's console. */
#define XEN_SYSCTL_debug_keys 7

#ifndef __ASSEMBLER__

struct xen_sysctl_debug_keys {
	XEN_GUEST_HANDLE(const char) keys;
	uint32_t nr_keys;
};

struct xen_sysctl {
	uint32_t cmd;
	uint32_t interface_version; /* XEN_SYSCTL_INTERFACE_VERSION */
	union {
		struct xen_sysctl_debug_keys debug_keys;
		uint8_t pad[128];
	} u;
};
typedef struct xen_sysctl xen_sysctl_t;

XEN_ABI_SIZE(struct xen_sysctl_debug_keys, 16);
XEN_ABI_SIZE(struct xen_sysctl, 136);
XEN_ABI_OFFSET(struct xen_sysctl, u, 8);

#endif /* !__ASSEMBLER__ */

#endif
