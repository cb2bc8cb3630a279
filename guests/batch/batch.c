/* SPDX-License-Identifier: MIT */
/*
 * batch: hypercalls with huge batches. A hypervisor must not let one
 * hypercall hold the CPU, so it gives the CPU back part-way (Xen's
 * continuations) and the guest must still see one hypercall that did all
 * of its work, exactly once, in order: mmu_update with a quarter of a
 * million requests, mmuext_op with thousands of pins, memory_op giving
 * back and populating thousands of pages and exchanging them, and
 * multicalls of a thousand entries and around a huge batch.
 *
 * That the call was cut short shows from outside: a one-shot timer is set
 * to fire 1 ms into the call with events enabled, and its upcall must come
 * while the guest stands on the call's syscall instruction (where a
 * continuation leaves it, to issue the call again), not after the call.
 * memory_op's calls, a few milliseconds long, are only reported.
 *
 * The requests come from one page of 256, mapped again and again through
 * an L1 table whose entries all map it, itself entered twice in the L2
 * that maps the image: 4 MiB of requests in three frames.
 */
#include "events.h"
#include "ktap.h"
#include "mm.h"

#define MS 1000000UL
#define REQS_PER_PAGE (PAGE_SIZE / sizeof(struct mmu_update))
#define ALIAS_SLOTS 2 /* L2 slots mapping alias_l1: 4 MiB of requests */
#define HUGE_REQS (ALIAS_SLOTS * PT_ENTRIES * REQS_PER_PAGE - 37)
#define NR_OPS 2048
#define NR_MC 1024
#define NR_PAGES 4096

static struct mmu_update reqs[REQS_PER_PAGE] __aligned(PAGE_SIZE);
static uint64_t alias_l1[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t target[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t pin_l1[PT_ENTRIES] __aligned(PAGE_SIZE);
static struct mmuext_op ops[NR_OPS];
static struct multicall_entry mc[NR_MC];
static xen_pfn_t pages[NR_PAGES];

static evtchn_port_t timer_port;
static struct mmu_update *huge;		   /* HUGE_REQS requests, aliased */
static uint64_t alias_l2e_ma[ALIAS_SLOTS]; /* the L2 entries that map them */
/* Upcalls that came while a hypercall stood on its syscall, by number. */
static volatile unsigned long mid_call;

static void on_upcall(unsigned long rip)
{
	unsigned long page = (unsigned long)hypercall_page;

	if (rip >= page && rip < page + PAGE_SIZE &&
	    *(const uint16_t *)rip == 0x050f) /* syscall */
		mid_call |= 1UL << ((rip - page) / 32 % 64);
}

/* Around a long call: a timer due 1 ms in, events on while it runs. */
static uint64_t watch_start(void)
{
	uint64_t now = system_time_ns();

	mid_call = 0;
	if (timer_port) {
		events_on(true);
		HYPERVISOR_set_timer_op(now + MS);
	}
	return now;
}

/*
 * The calls that take tens of milliseconds must be seen to continue; for
 * the shorter ones (memory_op's), whether a 10 ms tick lands inside them
 * is chance, so they are only reported.
 */
static void watch_end(uint64_t start, unsigned int nr, const char *what,
		      bool must)
{
	uint64_t took = system_time_ns() - start;

	events_on(false);
	ktap_diag("%s took %lu us, %s", what, took / 1000,
		  mid_call & (1UL << nr) ? "continued"
					 : "not seen to continue");
	if (!timer_port)
		ktap_skip("no VIRQ_TIMER port to watch it with");
	else if (must)
		expect_msg(mid_call & (1UL << nr),
			   "%s ran %lu ms without giving the CPU back", what,
			   took / MS);
}

static int setup(void)
{
	struct evtchn_bind_virq b = {.virq = VIRQ_TIMER, .vcpu = 0};

	event_hook = on_upcall;
	if (events_init() ||
	    HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b))
		return -1;
	timer_port = b.port;
	shared_info->evtchn_mask[b.port / 64] &= ~(1UL << (b.port % 64));
	return 0;
}

/* The alias: two free L2 slots past the image, both mapping alias_l1. */
static int map_alias(void)
{
	uint64_t ma;
	const uint64_t *l2e =
		pt_walk(current_l4_mfn(), (unsigned long)__image_start, 2, &ma);
	unsigned int first = pt_index((unsigned long)__image_start, 2), k;
	const uint64_t *l2;
	uint64_t l2_ma;

	if (!l2e)
		return -1;
	l2 = l2e - first;
	l2_ma = ma - first * 8;
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		alias_l1[i] = pte_ro(virt_to_mfn(reqs));
	if (update_va((unsigned long)alias_l1, pte_ro(virt_to_mfn(alias_l1)),
		      UVMF_INVLPG))
		return -1;
	for (k = first + 1; k + ALIAS_SLOTS <= PT_ENTRIES; k++)
		if (!(l2[k] & _PAGE_PRESENT) && !(l2[k + 1] & _PAGE_PRESENT))
			break;
	if (k + ALIAS_SLOTS > PT_ENTRIES)
		return -1;
	for (unsigned int j = 0; j < ALIAS_SLOTS; j++) {
		alias_l2e_ma[j] = l2_ma + (k + j) * 8;
		if (mmu_update1(alias_l2e_ma[j] | MMU_NORMAL_PT_UPDATE,
				pte_rw(virt_to_mfn(alias_l1))))
			return -1;
	}
	huge = (struct mmu_update *)(((unsigned long)__image_start &
				      ~((1UL << L3_PAGETABLE_SHIFT) - 1)) +
				     ((unsigned long)k << L2_PAGETABLE_SHIFT));
	return 0;
}

/* Request j of every page: the M2P entry of target's frame becomes 0x10000 + j. */
static void fill_reqs(void)
{
	for (unsigned int j = 0; j < REQS_PER_PAGE; j++)
		reqs[j] = (struct mmu_update){
			(virt_to_mfn(target) << PAGE_SHIFT) |
				MMU_MACHPHYS_UPDATE,
			0x10000 + j};
}

static void restore_m2p(void)
{
	expect_rc(mmu_update1((virt_to_mfn(target) << PAGE_SHIFT) |
				      MMU_MACHPHYS_UPDATE,
			      virt_to_pfn(target)),
		  0);
}

static void test_setup(void)
{
	if (setup())
		ktap_diag("no event upcall: calls run unwatched");
	if (map_alias())
		ktap_error("cannot map the aliased requests");
	fill_reqs();
}

static void test_huge_mmu_update(void)
{
	unsigned int done = 0;
	uint64_t t;
	long rc;

	if (!huge) {
		ktap_skip("no aliased requests");
		return;
	}
	/* The last request done is the one at (HUGE_REQS - 1) % 256. */
	expect_eq(huge[HUGE_REQS - 1].val,
		  0x10000 + (HUGE_REQS - 1) % REQS_PER_PAGE);
	t = watch_start();
	rc = HYPERVISOR_mmu_update(huge, HUGE_REQS, &done, DOMID_SELF);
	watch_end(t, __HYPERVISOR_mmu_update, "mmu_update", true);
	expect_rc(rc, 0);
	expect_eq(done, HUGE_REQS);
	expect_eq(mfn_to_pfn(virt_to_mfn(target)),
		  0x10000 + (HUGE_REQS - 1) % REQS_PER_PAGE);
	/* Requests at the end of a batch continued from: the same rules. */
	reqs[(HUGE_REQS - 1) % REQS_PER_PAGE].ptr |= 7; /* no such command */
	done = 0;
	rc = HYPERVISOR_mmu_update(huge + HUGE_REQS - 300, 300, &done,
				   DOMID_SELF);
	fill_reqs();
	expect_rc(rc, -XEN_ENOSYS);
	expect_eq(done, 299 - REQS_PER_PAGE);
	restore_m2p();
}

static void test_huge_mmuext_op(void)
{
	xen_pfn_t l1 = virt_to_mfn(pin_l1);
	unsigned int done = 0;
	uint64_t t;
	long rc;

	/* Pin and unpin a full L1 again and again: each pin validates it. */
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		pin_l1[i] = pte_ro(virt_to_mfn(target));
	if (update_va((unsigned long)pin_l1, pte_ro(l1), UVMF_INVLPG)) {
		ktap_error("cannot map the L1 read-only");
		return;
	}
	for (unsigned int i = 0; i < NR_OPS; i++) {
		ops[i] = (struct mmuext_op){.cmd = i % 2 ? MMUEXT_UNPIN_TABLE
							 : MMUEXT_PIN_L1_TABLE};
		ops[i].arg1.mfn = l1;
	}
	t = watch_start();
	rc = HYPERVISOR_mmuext_op(ops, NR_OPS, &done, DOMID_SELF);
	watch_end(t, __HYPERVISOR_mmuext_op, "mmuext_op", true);
	expect_rc(rc, 0);
	expect_eq(done, NR_OPS);
	/* Not left pinned: an unpin now is refused. */
	expect_rc(mmuext1(MMUEXT_UNPIN_TABLE, l1), -XEN_EINVAL);
	/* One pin too many at the end. */
	ops[NR_OPS - 1].cmd = MMUEXT_PIN_L1_TABLE;
	ops[NR_OPS - 2].cmd = MMUEXT_PIN_L1_TABLE;
	done = 0;
	expect_rc(HYPERVISOR_mmuext_op(ops, NR_OPS, &done, DOMID_SELF),
		  -XEN_EINVAL);
	expect_eq(done, NR_OPS - 1);
	expect_rc(mmuext1(MMUEXT_UNPIN_TABLE, l1), 0);
	expect_rc(update_va((unsigned long)pin_l1, pte_rw(l1), UVMF_INVLPG), 0);
}

static void test_huge_multicall(void)
{
	unsigned int done = 0, bad = 0;
	uint64_t t;
	long rc;

	if (!huge) {
		ktap_skip("no aliased requests");
		return;
	}
	/* A thousand batches of 256: preempted between entries. */
	for (unsigned int i = 0; i < NR_MC; i++)
		mc[i] = (struct multicall_entry){.op = __HYPERVISOR_mmu_update,
						 .result = 1,
						 .args = {(unsigned long)huge,
							  REQS_PER_PAGE, 0,
							  DOMID_SELF}};
	t = watch_start();
	rc = HYPERVISOR_multicall(mc, NR_MC);
	watch_end(t, __HYPERVISOR_multicall, "multicall of 1024", true);
	expect_rc(rc, 0);
	for (unsigned int i = 0; i < NR_MC; i++)
		if (mc[i].result)
			bad++;
	expect_eq(bad, 0);
	expect_eq(mfn_to_pfn(virt_to_mfn(target)), 0x10000 + 255);
	restore_m2p();

	/* A huge batch inside a multicall: its continuation is the multicall's. */
	mc[0] = (struct multicall_entry){
		.op = __HYPERVISOR_xen_version, .result = 1, .args = {0}};
	mc[1] = (struct multicall_entry){
		.op = __HYPERVISOR_mmu_update,
		.result = 1,
		.args = {(unsigned long)huge, HUGE_REQS, (unsigned long)&done,
			 DOMID_SELF}};
	mc[2] = (struct multicall_entry){
		.op = __HYPERVISOR_mmu_update,
		.result = 1,
		.args = {(unsigned long)&reqs[3], 1, 0, DOMID_SELF}};
	t = watch_start();
	rc = HYPERVISOR_multicall(mc, 3);
	watch_end(t, __HYPERVISOR_multicall, "multicall around a huge batch",
		  true);
	expect_rc(rc, 0);
	expect_eq(mc[0].result, HYPERVISOR_xen_version(XENVER_version, NULL));
	expect_eq(mc[1].result, 0);
	expect_eq(done, HUGE_REQS);
	expect_eq(mc[2].result, 0);
	/* The last entry ran last. */
	expect_eq(mfn_to_pfn(virt_to_mfn(target)), 0x10003);
	restore_m2p();
}

/* The first pfn past what the builder mapped, with NR_PAGES after it. */
static xen_pfn_t spare_pfns(void)
{
	xen_pfn_t first = ROUNDUP(initial_region_pages(), 512);

	return first + NR_PAGES <= start_info->nr_pages ? first : 0;
}

static void test_huge_reservations(void)
{
	struct xen_memory_reservation r = {.nr_extents = NR_PAGES,
					   .domid = DOMID_SELF};
	xen_pfn_t first = spare_pfns();
	domid_t self = DOMID_SELF;
	long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
	unsigned int wrong = 0;
	uint64_t t;
	long rc;

	if (!first) {
		ktap_skip("fewer than %u pages to spare", NR_PAGES);
		return;
	}
	set_xen_guest_handle(r.extent_start, pages);
	for (unsigned int i = 0; i < NR_PAGES; i++)
		pages[i] = p2m[first + i];
	t = watch_start();
	rc = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
	watch_end(t, __HYPERVISOR_memory_op, "decrease_reservation", false);
	if (!expect_rc(rc, NR_PAGES))
		return;
	expect_rc(HYPERVISOR_memory_op(XENMEM_current_reservation, &self),
		  cur - NR_PAGES);
	for (unsigned int i = 0; i < NR_PAGES; i++)
		pages[i] = first + i;
	t = watch_start();
	rc = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
	watch_end(t, __HYPERVISOR_memory_op, "populate_physmap", false);
	if (!expect_rc(rc, NR_PAGES))
		return;
	for (unsigned int i = 0; i < NR_PAGES; i++) {
		p2m[first + i] = pages[i];
		if (mfn_to_pfn(pages[i]) != first + i)
			wrong++;
	}
	expect_eq(wrong, 0);
	expect_rc(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), cur);
}

static void test_huge_exchange(void)
{
	static xen_pfn_t out[NR_PAGES / 512];
	struct xen_memory_exchange x = {
		.in = {.nr_extents = NR_PAGES, .domid = DOMID_SELF},
		.out = {.nr_extents = NR_PAGES / 512,
			.extent_order = 9,
			.domid = DOMID_SELF},
	};
	xen_pfn_t first = spare_pfns();
	unsigned int wrong = 0;
	uint64_t t;
	long rc;

	if (!first) {
		ktap_skip("fewer than %u pages to spare", NR_PAGES);
		return;
	}
	for (unsigned int i = 0; i < NR_PAGES; i++)
		pages[i] = p2m[first + i];
	for (unsigned int i = 0; i < NR_PAGES / 512; i++)
		out[i] = first + i * 512;
	set_xen_guest_handle(x.in.extent_start, pages);
	set_xen_guest_handle(x.out.extent_start, out);
	t = watch_start();
	rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
	watch_end(t, __HYPERVISOR_memory_op, "exchange", false);
	if (!expect_rc(rc, 0))
		return;
	expect_eq(x.nr_exchanged, NR_PAGES);
	for (unsigned int i = 0; i < NR_PAGES; i++) {
		xen_pfn_t mfn = out[i / 512] + i % 512;

		p2m[first + i] = mfn;
		if (mfn_to_pfn(mfn) != first + i)
			wrong++;
	}
	expect_eq(wrong, 0);
	for (unsigned int i = 0; i < NR_PAGES / 512; i++)
		expect_eq(out[i] % 512, 0);
}

static void test_unmap_alias(void)
{
	for (unsigned int j = 0; j < ALIAS_SLOTS && huge; j++)
		expect_rc(
			mmu_update1(alias_l2e_ma[j] | MMU_NORMAL_PT_UPDATE, 0),
			0);
	expect_rc(update_va((unsigned long)alias_l1,
			    pte_rw(virt_to_mfn(alias_l1)), UVMF_INVLPG),
		  0);
	ktap_diag("%u upcalls in all", event_upcalls);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_setup),
	KTAP_CASE(test_huge_mmu_update),
	KTAP_CASE(test_huge_mmuext_op),
	KTAP_CASE(test_huge_multicall),
	KTAP_CASE(test_huge_reservations),
	KTAP_CASE(test_huge_exchange),
	KTAP_CASE(test_unmap_alias),
};

int main(void)
{
	return ktap_main("batch", cases, ARRAY_SIZE(cases));
}
