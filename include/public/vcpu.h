/* SPDX-License-Identifier: MIT */
/*
 * vcpu_op(cmd, vcpuid, arg): bringing vCPUs up and down, their timers, and
 * where their vcpu_info and runstate live. Written from the facts in Xen's
 * public vcpu.h.
 */
#ifndef XEN_PUBLIC_VCPU_H
#define XEN_PUBLIC_VCPU_H

#include <public/xen.h>

#define VCPUOP_initialise 0 /* arg: struct vcpu_guest_context; once */
#define VCPUOP_up 1	    /* make an initialised vCPU runnable */
#define VCPUOP_down 2
#define VCPUOP_is_up 3		   /* returns 1 if it is up */
#define VCPUOP_get_runstate_info 4 /* arg: struct vcpu_runstate_info */
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer 6 /* arg: struct vcpu_set_periodic_timer */
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8 /* arg: vcpu_set_singleshot_timer */
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10 /* arg: vcpu_register_vcpu_info */
#define VCPUOP_send_nmi 11
#define VCPUOP_get_physid 12
#define VCPUOP_register_vcpu_time_memory_area 13
#define VCPUOP_register_runstate_phys_memory_area 14

/* vcpu_runstate_info.state. */
#define RUNSTATE_running 0
#define RUNSTATE_runnable 1
#define RUNSTATE_blocked 2
#define RUNSTATE_offline 3

/* Fail with -ETIME if the timeout has already passed. */
#define _VCPU_SSHOTTMR_future 0
#define VCPU_SSHOTTMR_future (1U << _VCPU_SSHOTTMR_future)

#ifndef __ASSEMBLER__

struct vcpu_runstate_info {
	int32_t state;		   /* RUNSTATE_* */
	uint64_t state_entry_time; /* system time it entered state, ns */
	/* ns spent in each state; their sum keeps up with system time. */
	uint64_t time[4];
};
typedef struct vcpu_runstate_info vcpu_runstate_info_t;

/* Set in state_entry_time while the hypervisor updates the area. */
#define XEN_RUNSTATE_UPDATE (1ULL << 63)

struct vcpu_register_runstate_memory_area {
	union {
		XEN_GUEST_HANDLE(vcpu_runstate_info_t) h;
		uint64_t p;
	} addr;
};
typedef struct vcpu_register_runstate_memory_area
	vcpu_register_runstate_memory_area_t;

struct vcpu_set_periodic_timer {
	uint64_t period_ns;
};
typedef struct vcpu_set_periodic_timer vcpu_set_periodic_timer_t;

struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns; /* system time */
	uint32_t flags;		 /* VCPU_SSHOTTMR_* */
};
typedef struct vcpu_set_singleshot_timer vcpu_set_singleshot_timer_t;

/*
 * Move this vCPU's vcpu_info out of shared_info to offset in frame mfn
 * (it must not cross the page); once per vCPU.
 */
struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset;
	uint32_t rsvd;
};
typedef struct vcpu_register_vcpu_info vcpu_register_vcpu_info_t;

XEN_ABI_SIZE(struct vcpu_runstate_info, 48);
XEN_ABI_OFFSET(struct vcpu_runstate_info, state_entry_time, 8);
XEN_ABI_SIZE(struct vcpu_register_runstate_memory_area, 8);
XEN_ABI_SIZE(struct vcpu_set_periodic_timer, 8);
XEN_ABI_SIZE(struct vcpu_set_singleshot_timer, 16);
XEN_ABI_SIZE(struct vcpu_register_vcpu_info, 16);

#endif /* !__ASSEMBLER__ */

#endif
