/* SPDX-License-Identifier: MIT */
/*
 * Console output. The initial domain writes through console_io; any other
 * domain has no right to (Xen refuses it to unprivileged domains) and
 * writes into its console ring page, then signals the event channel the
 * builder bound to it, as a console daemon expects.
 */
#include "mm.h"
#include <public/io/console.h>

static struct xencons_interface *ring;

static void ring_write(const char *s, size_t len)
{
	unsigned int spins = 0;

	while (len) {
		XENCONS_RING_IDX cons = ring->out_cons, prod = ring->out_prod;
		struct evtchn_send send = {
			.port = start_info->console.domU.evtchn,
		};
		size_t room = sizeof(ring->out) - (prod - cons);

		barrier();
		if (room == 0) {
			/* Full: let the consumer run; give up after a while
			 * rather than hang the test run. */
			HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			if (++spins > 100000)
				return;
			continue;
		}
		while (room && len) {
			ring->out[MASK_XENCONS_IDX(prod++, ring->out)] = *s++;
			room--;
			len--;
		}
		/* The bytes before the index that publishes them. */
		barrier();
		ring->out_prod = prod;
		HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
	}
}

void cons_init(void)
{
	xen_pfn_t mfn = start_info->console.domU.mfn;

	if (is_initial_domain() || !m2p_valid(mfn))
		return;
	ring = (struct xencons_interface *)pfn_to_virt(mfn_to_pfn(mfn));
}

void cons_write(const char *s, size_t len)
{
	if (is_initial_domain())
		HYPERVISOR_console_io(CONSOLEIO_write, len, s);
	else if (ring)
		ring_write(s, len);
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	cons_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
