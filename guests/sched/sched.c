/* SPDX-License-Identifier: MIT */
/*
 * sched: time and waiting. The wall clock and system time in shared_info,
 * a one-shot timer (set_timer_op) raising VIRQ_TIMER and the upcall that
 * delivers it, SCHEDOP_block woken by it, SCHEDOP_poll with a timeout and
 * on a pending port, and yield.
 */
#include "events.h"
#include "ktap.h"
#include <public/callback.h>
#include <public/event_channel.h>
#include <public/sched.h>
#include <public/vcpu.h>

#define MS 1000000ULL

static volatile uint64_t timer_events;
static evtchn_port_t timer_port;

/* Each upcall, before the runtime takes the pending ports: the timer's? */
static void on_upcall(unsigned long rip)
{
	if (shared_info->evtchn_pending[timer_port / 64] &
	    (1UL << (timer_port % 64)))
		timer_events++;
}

static void test_wallclock(void)
{
	uint32_t v, sec;

	do {
		v = shared_info->wc_version;
		barrier();
		sec = shared_info->wc_sec;
		barrier();
	} while ((v & 1) || v != shared_info->wc_version);
	ktap_diag("wall clock at system time 0: %u s since 1970", sec);
	/* After 2024-01-01, before 2100. */
	expect(sec > 1704067200u && sec < 4102444800u);
}

static void test_system_time(void)
{
	uint64_t a = system_time_ns(), b;

	for (volatile unsigned long i = 0; i < 1000000; i++)
		;
	b = system_time_ns();
	ktap_diag("system time %lu ns, then %lu ns", a, b);
	expect(a > 0);
	expect(b > a);
}

static void test_bind_virq_timer(void)
{
	struct evtchn_bind_virq b = {.virq = VIRQ_TIMER, .vcpu = 0};
	event_hook = on_upcall;
	if (!expect_rc(events_init(), 0))
		return;
	/* A vCPU starts with a 10 ms periodic timer: only the one-shot one here. */
	expect_rc(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
	if (!expect_rc(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b), 0))
		return;
	timer_port = b.port;
	ktap_diag("VIRQ_TIMER on port %u", b.port);
	expect(b.port > 0);
	shared_info->evtchn_mask[b.port / 64] &= ~(1UL << (b.port % 64));
}

static void test_timer_upcall(void)
{
	uint64_t start = system_time_ns(), events = timer_events;

	if (!timer_port) {
		ktap_skip("no VIRQ_TIMER port");
		return;
	}
	events_on(true);
	if (!expect_rc(HYPERVISOR_set_timer_op(start + 5 * MS), 0))
		return;
	/* The upcall comes on its own: no blocking here. */
	while (timer_events == events && system_time_ns() < start + 2000 * MS)
		;
	events_on(false);
	ktap_diag("timer upcall after %lu us (%u upcalls)",
		  (system_time_ns() - start) / 1000, event_upcalls);
	expect(timer_events > events);
	expect(system_time_ns() >= start + 5 * MS);
}

static void test_block_until_timer(void)
{
	uint64_t start = system_time_ns(), events = timer_events;

	if (!timer_port) {
		ktap_skip("no VIRQ_TIMER port");
		return;
	}
	if (!expect_rc(HYPERVISOR_set_timer_op(start + 20 * MS), 0))
		return;
	/* Block enables events, as sti; hlt would; the upcall comes first. */
	while (timer_events == events && system_time_ns() < start + 2000 * MS)
		expect_rc(HYPERVISOR_sched_op(SCHEDOP_block, NULL), 0);
	events_on(false);
	ktap_diag("woken after %lu us", (system_time_ns() - start) / 1000);
	expect(timer_events > events);
	expect(system_time_ns() >= start + 20 * MS);
}

static evtchn_port_t unbound_port(void)
{
	struct evtchn_alloc_unbound a = {.dom = DOMID_SELF,
					 .remote_dom = DOMID_SELF};

	if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a))
		return 0;
	return a.port;
}

static void test_poll_timeout(void)
{
	evtchn_port_t port = unbound_port();
	struct sched_poll p = {.nr_ports = 1};
	uint64_t start;

	if (!expect(port > 0))
		return;
	set_xen_guest_handle(p.ports, &port);
	start = system_time_ns();
	p.timeout = start + 15 * MS;
	expect_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &p), 0);
	ktap_diag("poll returned after %lu us",
		  (system_time_ns() - start) / 1000);
	expect(system_time_ns() >= start + 15 * MS);
	expect(!(shared_info->evtchn_pending[port / 64] &
		 (1UL << (port % 64))));
}

static void test_poll_pending(void)
{
	evtchn_port_t port = unbound_port();
	struct sched_poll p = {.nr_ports = 1};
	uint64_t start;

	if (!expect(port > 0))
		return;
	/* A pending port: poll returns at once, whatever the timeout. */
	shared_info->evtchn_mask[port / 64] |= 1UL << (port % 64);
	__atomic_or_fetch(&shared_info->evtchn_pending[port / 64],
			  1UL << (port % 64), __ATOMIC_SEQ_CST);
	set_xen_guest_handle(p.ports, &port);
	start = system_time_ns();
	p.timeout = start + 5000 * MS;
	expect_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &p), 0);
	expect(system_time_ns() < start + 1000 * MS);
}

static void test_poll_bad_port(void)
{
	evtchn_port_t port = 4095;
	struct sched_poll p = {.nr_ports = 1, .timeout = 1};

	set_xen_guest_handle(p.ports, &port);
	expect_fail(HYPERVISOR_sched_op(SCHEDOP_poll, &p));
	set_xen_guest_handle(p.ports, (evtchn_port_t *)0x10);
	expect_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &p), -XEN_EFAULT);
}

static void test_yield(void)
{
	expect_rc(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_wallclock),
	KTAP_CASE(test_system_time),
	KTAP_CASE(test_bind_virq_timer),
	KTAP_CASE(test_timer_upcall),
	KTAP_CASE(test_block_until_timer),
	KTAP_CASE(test_poll_timeout),
	KTAP_CASE(test_poll_pending),
	KTAP_CASE(test_poll_bad_port),
	KTAP_CASE(test_yield),
};

int main(void)
{
	return ktap_main("sched", cases, sizeof(cases) / sizeof(cases[0]));
}
