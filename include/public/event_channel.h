/* SPDX-License-Identifier: MIT */
/*
 * event_channel_op(cmd, arg): event channels, Xen's interrupts. A port's
 * pending and mask bits live in shared_info (the 2-level ABI). Written from
 * the facts in Xen's public event_channel.h.
 */
#ifndef XEN_PUBLIC_EVENT_CHANNEL_H
#define XEN_PUBLIC_EVENT_CHANNEL_H

#include <public/xen.h>

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_bind_pirq 2
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi 7
#define EVTCHNOP_bind_vcpu 8
#define EVTCHNOP_unmask 9
#define EVTCHNOP_reset 10
#define EVTCHNOP_init_control 11
#define EVTCHNOP_expand_array 12
#define EVTCHNOP_set_priority 13

/* evtchn_status.status. */
#define EVTCHNSTAT_closed 0	 /* not in use */
#define EVTCHNSTAT_unbound 1	 /* waiting for an interdomain connection */
#define EVTCHNSTAT_interdomain 2 /* connected to a remote domain */
#define EVTCHNSTAT_pirq 3	 /* bound to a physical IRQ */
#define EVTCHNSTAT_virq 4	 /* bound to a virtual IRQ */
#define EVTCHNSTAT_ipi 5	 /* bound to a virtual IPI */

/* Ports of the 2-level ABI: one bit per port in 64 words of 64 bits. */
#define EVTCHN_2L_NR_CHANNELS (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)

#ifndef __ASSEMBLER__

typedef uint32_t evtchn_port_t;

/*
 * A fresh port in dom (DOMID_SELF unless privileged) that remote_dom may
 * bind to; remote_dom may be DOMID_SELF for a loopback.
 */
struct evtchn_alloc_unbound {
	domid_t dom, remote_dom; /* in */
	evtchn_port_t port;	 /* out */
};
typedef struct evtchn_alloc_unbound evtchn_alloc_unbound_t;

/*
 * Connect a fresh local port to remote_port of remote_dom, which must be
 * unbound and accept the caller. The local port starts pending.
 */
struct evtchn_bind_interdomain {
	domid_t remote_dom;	   /* in */
	evtchn_port_t remote_port; /* in */
	evtchn_port_t local_port;  /* out */
};
typedef struct evtchn_bind_interdomain evtchn_bind_interdomain_t;

/* Bind a fresh port to VIRQ virq on vcpu (global VIRQs: vCPU 0 first). */
struct evtchn_bind_virq {
	uint32_t virq;	    /* in: VIRQ_* */
	uint32_t vcpu;	    /* in */
	evtchn_port_t port; /* out */
};
typedef struct evtchn_bind_virq evtchn_bind_virq_t;

#define BIND_PIRQ__WILL_SHARE 1
struct evtchn_bind_pirq {
	uint32_t pirq;	    /* in */
	uint32_t flags;	    /* in: BIND_PIRQ__* */
	evtchn_port_t port; /* out */
};
typedef struct evtchn_bind_pirq evtchn_bind_pirq_t;

struct evtchn_bind_ipi {
	uint32_t vcpu;	    /* in */
	evtchn_port_t port; /* out */
};
typedef struct evtchn_bind_ipi evtchn_bind_ipi_t;

/* Close a local port; an interdomain peer goes back to unbound. */
struct evtchn_close {
	evtchn_port_t port;
};
typedef struct evtchn_close evtchn_close_t;

/* Signal the remote end of the local port. */
struct evtchn_send {
	evtchn_port_t port;
};
typedef struct evtchn_send evtchn_send_t;

/* The state of <dom, port>; dom may be DOMID_SELF. */
struct evtchn_status {
	domid_t dom;	    /* in */
	evtchn_port_t port; /* in */
	uint32_t status;    /* out: EVTCHNSTAT_* */
	uint32_t vcpu;	    /* out: the vCPU it notifies */
	union {
		struct {
			domid_t dom;
		} unbound;
		struct {
			domid_t dom;
			uint16_t _pad;
			evtchn_port_t port;
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u;
};
typedef struct evtchn_status evtchn_status_t;

/* Which vCPU the port notifies (not for per-vCPU VIRQs and IPIs). */
struct evtchn_bind_vcpu {
	evtchn_port_t port;
	uint32_t vcpu;
};
typedef struct evtchn_bind_vcpu evtchn_bind_vcpu_t;

/* Clear the port's mask; notify its vCPU if it is pending. */
struct evtchn_unmask {
	evtchn_port_t port;
};
typedef struct evtchn_unmask evtchn_unmask_t;

/* Close every port of dom (DOMID_SELF unless privileged). */
struct evtchn_reset {
	domid_t dom;
};
typedef struct evtchn_reset evtchn_reset_t;

XEN_ABI_SIZE(struct evtchn_alloc_unbound, 8);
XEN_ABI_OFFSET(struct evtchn_alloc_unbound, port, 4);
XEN_ABI_SIZE(struct evtchn_bind_interdomain, 12);
XEN_ABI_OFFSET(struct evtchn_bind_interdomain, remote_port, 4);
XEN_ABI_SIZE(struct evtchn_bind_virq, 12);
XEN_ABI_SIZE(struct evtchn_bind_pirq, 12);
XEN_ABI_SIZE(struct evtchn_bind_ipi, 8);
XEN_ABI_SIZE(struct evtchn_close, 4);
XEN_ABI_SIZE(struct evtchn_send, 4);
XEN_ABI_SIZE(struct evtchn_status, 24);
XEN_ABI_OFFSET(struct evtchn_status, port, 4);
XEN_ABI_OFFSET(struct evtchn_status, u, 16);
XEN_ABI_SIZE(struct evtchn_bind_vcpu, 8);
XEN_ABI_SIZE(struct evtchn_unmask, 4);

#endif /* !__ASSEMBLER__ */

#endif
