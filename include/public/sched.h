/* SPDX-License-Identifier: MIT */
/*
 * sched_op(cmd, arg): yielding, blocking, polling and shutting down.
 * Written from the facts in Xen's public sched.h.
 */
#ifndef XEN_PUBLIC_SCHED_H
#define XEN_PUBLIC_SCHED_H

#include <public/event_channel.h>

#define SCHEDOP_yield 0 /* arg: NULL */
/*
 * arg: NULL. Block until an event is pending. Called with events masked,
 * it unmasks them and checks for pending ones atomically, so that no
 * wake-up is lost between the check and the block.
 */
#define SCHEDOP_block 1
/*
 * arg: struct sched_shutdown. Stops every vCPU of the domain. With
 * SHUTDOWN_suspend, rdx holds the mfn of start_info.
 */
#define SCHEDOP_shutdown 2
/* arg: struct sched_poll. Block until one of the ports is pending. */
#define SCHEDOP_poll 3
#define SCHEDOP_remote_shutdown 4 /* arg: struct sched_remote_shutdown */
#define SCHEDOP_shutdown_code 5	  /* arg: struct sched_shutdown, latched */
#define SCHEDOP_watchdog 6	  /* arg: struct sched_watchdog */
#define SCHEDOP_pin_override 7	  /* arg: struct sched_pin_override */

/* Shutdown reasons. */
#define SHUTDOWN_poweroff 0 /* exited normally */
#define SHUTDOWN_reboot 1
#define SHUTDOWN_suspend 2
#define SHUTDOWN_crash 3
#define SHUTDOWN_watchdog 4
#define SHUTDOWN_soft_reset 5
#define SHUTDOWN_MAX 5

#ifndef __ASSEMBLER__

struct sched_shutdown {
	uint32_t reason; /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;

/*
 * timeout: an absolute system time in ns (vcpu_time_info), 0 for none; on
 * timeout the call returns 0 with no port pending.
 */
struct sched_poll {
	XEN_GUEST_HANDLE(evtchn_port_t) ports;
	uint32_t nr_ports;
	uint64_t timeout;
};
typedef struct sched_poll sched_poll_t;

struct sched_remote_shutdown {
	domid_t domain_id;
	uint32_t reason;
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;

struct sched_watchdog {
	uint32_t id;
	uint32_t timeout;
};
typedef struct sched_watchdog sched_watchdog_t;

struct sched_pin_override {
	int32_t pcpu;
};
typedef struct sched_pin_override sched_pin_override_t;

XEN_ABI_SIZE(struct sched_shutdown, 4);
XEN_ABI_SIZE(struct sched_poll, 24);
XEN_ABI_OFFSET(struct sched_poll, nr_ports, 8);
XEN_ABI_OFFSET(struct sched_poll, timeout, 16);
XEN_ABI_SIZE(struct sched_remote_shutdown, 8);
XEN_ABI_SIZE(struct sched_watchdog, 8);

#endif /* !__ASSEMBLER__ */

#endif
