/* SPDX-License-Identifier: MIT */
#include "events.h"

void event_upcall_entry(void);
void event_upcall(unsigned long rip);

volatile unsigned int event_upcalls;
void (*event_hook)(unsigned long rip);

/* Called with events masked: every pending port is taken. */
void event_upcall(unsigned long rip)
{
	vcpu_info_t *vi = &shared_info->vcpu_info[0];

	event_upcalls++;
	if (event_hook)
		event_hook(rip);
	vi->evtchn_upcall_pending = 0;
	while (vi->evtchn_pending_sel) {
		unsigned long sel = __atomic_exchange_n(&vi->evtchn_pending_sel,
							0, __ATOMIC_SEQ_CST);

		for (unsigned int w = 0; w < 64; w++)
			if (sel & (1UL << w))
				__atomic_exchange_n(
					&shared_info->evtchn_pending[w], 0,
					__ATOMIC_SEQ_CST);
	}
}

void events_on(bool on)
{
	barrier();
	shared_info->vcpu_info[0].evtchn_upcall_mask = !on;
	barrier();
}

long events_init(void)
{
	struct callback_register cb = {
		.type = CALLBACKTYPE_event,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)event_upcall_entry,
	};

	return HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}
