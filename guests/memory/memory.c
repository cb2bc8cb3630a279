/* SPDX-License-Identifier: MIT */
/*
 * memory: a PV domain's reservation. decrease_reservation and
 * populate_physmap back, increase_reservation, a 2 MiB extent, exchange
 * for a machine-contiguous extent below an address width, the current and
 * maximum reservations, and the error cases. For a PV guest the extents
 * decrease_reservation and exchange take are mfns; populate_physmap takes
 * gpfns, sets the M2P for them, and writes the mfns back.
 */
#include "ktap.h"
#include "mm.h"

static uint64_t spare[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t pair[2][PT_ENTRIES] __aligned(2 * PAGE_SIZE);

static bool map(void *va, xen_pfn_t mfn)
{
	return update_va((unsigned long)va, mfn ? pte_rw(mfn) : 0,
			 UVMF_INVLPG) == 0;
}

static void test_reservations(void)
{
	domid_t none = 0x1234, self = DOMID_SELF;
	long cur = current_pages();
	long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);

	expect_eq(cur, start_info->nr_pages);
	expect(max >= cur);
	expect_rc(HYPERVISOR_memory_op(XENMEM_current_reservation, &none),
		  -XEN_ESRCH);
	expect_rc(HYPERVISOR_memory_op(XENMEM_maximum_reservation, &none),
		  -XEN_ESRCH);
}

static void test_maximum_ram_page(void)
{
	long top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	unsigned long pfn;

	ktap_diag("maximum_ram_page %#lx", top);
	for (pfn = 0; pfn < start_info->nr_pages; pfn++)
		if (!expect_msg(p2m[pfn] <= (unsigned long)top,
				"pfn %#lx: mfn %#lx above %#lx", pfn, p2m[pfn],
				top))
			return;
}

/* Give a page back, then ask for a frame at its pfn again. */
static void test_decrease_then_populate(void)
{
	xen_pfn_t pfn = virt_to_pfn(spare), frame = p2m[pfn];
	long before = current_pages();

	if (!expect(map(spare, 0)))
		return;
	if (!expect_rc(reservation_op(XENMEM_decrease_reservation, &frame, 1, 0,
				      0),
		       1))
		goto out;
	p2m[pfn] = ~0UL;
	expect_eq(current_pages(), before - 1);
	frame = pfn;
	if (!expect_rc(reservation_op(XENMEM_populate_physmap, &frame, 1, 0, 0),
		       1)) {
		ktap_error("lost pfn %#lx", pfn);
		return;
	}
	/* The mfn came back in place of the gpfn; the M2P knows it. */
	expect(m2p_valid(frame) && mfn_to_pfn(frame) == pfn);
	p2m[pfn] = frame;
	expect_eq(current_pages(), before);
out:
	if (expect(map(spare, p2m[pfn]))) {
		*(volatile uint64_t *)spare = 0x5a5a;
		expect_eq(spare[0], 0x5a5a);
	}
}

/* increase_reservation hands out mfns, with no M2P entry or pfn yet. */
static void test_increase_reservation(void)
{
	xen_pfn_t mfn = 0;
	long before = current_pages();

	if (!expect_rc(reservation_op(XENMEM_increase_reservation, &mfn, 1, 0,
				      XENMEMF_address_bits(32)),
		       1))
		return;
	ktap_diag("new frame %#lx", mfn);
	expect(mfn && mfn < (1UL << (32 - PAGE_SHIFT)));
	expect_eq(current_pages(), before + 1);
	/* It is the guest's: it can map it. */
	if (expect(map(spare, mfn))) {
		*(volatile uint64_t *)spare = 0x1234;
		expect_eq(spare[0], 0x1234);
	}
	expect(map(spare, virt_to_mfn(spare)));
	expect_rc(reservation_op(XENMEM_decrease_reservation, &mfn, 1, 0, 0),
		  1);
	expect_eq(current_pages(), before);
}

/* A 2 MiB extent: 512 machine-contiguous, aligned frames. */
static void test_populate_2m(void)
{
	const xen_pfn_t gpfn = 0x80000; /* far above the guest's pfns */
	xen_pfn_t frame = gpfn;
	long before = current_pages();
	unsigned long i, bad = 0;

	if (!expect_rc(reservation_op(XENMEM_populate_physmap, &frame, 1, 9, 0),
		       1))
		return;
	ktap_diag("2 MiB extent at mfn %#lx", frame);
	expect_eq(frame & 511, 0);
	for (i = 0; i < 512; i++)
		if (!m2p_valid(frame + i) || mfn_to_pfn(frame + i) != gpfn + i)
			bad++;
	expect_msg(!bad, "%lu of 512 M2P entries wrong", bad);
	expect_eq(current_pages(), before + 512);
	expect_rc(reservation_op(XENMEM_decrease_reservation, &frame, 1, 9, 0),
		  1);
	expect_eq(current_pages(), before);
}

/*
 * Two single pages for one order-1 extent below 4 GiB: how a PV guest gets
 * memory a device can reach with one DMA address.
 */
static void test_exchange(void)
{
	xen_pfn_t pfn = virt_to_pfn(pair[0]), in[2], out = pfn;
	struct xen_memory_exchange x = {
		.in = {.nr_extents = 2, .extent_order = 0, .domid = DOMID_SELF},
		.out = {.nr_extents = 1,
			.extent_order = 1,
			.mem_flags = XENMEMF_address_bits(32),
			.domid = DOMID_SELF},
	};
	long before = current_pages();

	in[0] = p2m[pfn];
	in[1] = p2m[pfn + 1];
	set_xen_guest_handle(x.in.extent_start, in);
	set_xen_guest_handle(x.out.extent_start, &out);
	if (!expect(map(pair[0], 0) && map(pair[1], 0)))
		goto out;
	if (!expect_rc(HYPERVISOR_memory_op(XENMEM_exchange, &x), 0)) {
		ktap_diag("nr_exchanged %lu", x.nr_exchanged);
		goto out;
	}
	expect_eq(x.nr_exchanged, 2);
	ktap_diag("%#lx, %#lx for %#lx", in[0], in[1], out);
	expect_eq(out & 1, 0);
	expect(out + 1 < (1UL << (32 - PAGE_SHIFT)));
	expect(m2p_valid(out + 1) && mfn_to_pfn(out) == pfn &&
	       mfn_to_pfn(out + 1) == pfn + 1);
	p2m[pfn] = out;
	p2m[pfn + 1] = out + 1;
	expect_eq(current_pages(), before);
	/* The old frames are gone. */
	expect_fail(
		update_va((unsigned long)pair[0], pte_ro(in[0]), UVMF_INVLPG));
out:
	expect(map(pair[0], p2m[pfn]) && map(pair[1], p2m[pfn + 1]));
	pair[0][0] = 1;
	pair[1][0] = 2;
	expect_eq(*(volatile uint64_t *)pair[0] + *(volatile uint64_t *)pair[1],
		  3);
}

static long exchange(struct xen_memory_exchange *x)
{
	return HYPERVISOR_memory_op(XENMEM_exchange, x);
}

static void test_exchange_errors(void)
{
	xen_pfn_t in[2] = {virt_to_mfn(pair[0]), virt_to_mfn(pair[1])};
	xen_pfn_t out[2] = {0x90000, 0x90001};
	struct xen_memory_exchange good =
					   {
						   .in = {.nr_extents = 2,
							  .domid = DOMID_SELF},
						   .out = {.nr_extents = 2,
							   .domid = DOMID_SELF},
					   },
				   x;
	long before = current_pages();

	set_xen_guest_handle(good.in.extent_start, in);
	set_xen_guest_handle(good.out.extent_start, out);

	/* nr_exchanged must start at 0 (it is where a continuation resumes). */
	x = good;
	x.nr_exchanged = 3;
	expect_rc(exchange(&x), -XEN_EINVAL);
	/* The page counts must match. */
	x = good;
	x.out.nr_extents = 1;
	expect_rc(exchange(&x), -XEN_EINVAL);
	/* Both halves name the same domain. */
	x = good;
	x.out.domid = 0x1234;
	expect_rc(exchange(&x), -XEN_EINVAL);
	/* A domain that does not exist. */
	x = good;
	x.in.domid = x.out.domid = 0x1234;
	expect_rc(exchange(&x), -XEN_ESRCH);
	/* An order no domain may ask for. */
	x = good;
	x.in.nr_extents = 1;
	x.in.extent_order = 30;
	x.out.nr_extents = 1;
	x.out.extent_order = 30;
	expect_rc(exchange(&x), -XEN_EPERM);
	/* Lists the guest cannot reach. */
	x = good;
	x.in.extent_start = HYPERVISOR_VIRT_START;
	expect_rc(exchange(&x), -XEN_EFAULT);
	x = good;
	x.out.extent_start = HYPERVISOR_VIRT_START;
	expect_rc(exchange(&x), -XEN_EFAULT);
	/* Frames that are not the guest's: nothing exchanged. */
	x = good;
	in[0] = in[1] = m2p_mapping.max_mfn + 1;
	expect_fail(exchange(&x));
	expect_eq(x.nr_exchanged, 0);
	expect_eq(current_pages(), before);
	expect_eq(in[0], m2p_mapping.max_mfn + 1);
}

/*
 * The reservation calls report how many extents they did: a request they
 * cannot start (too large an order, an unreachable list, a frame not the
 * guest's, even a domain that does not exist) is 0 extents, not an error.
 */
static void test_reservation_errors(void)
{
	xen_pfn_t frame = 0, not_ours = m2p_mapping.max_mfn + 1;
	struct xen_memory_reservation r = {
		.nr_extents = 1,
		.domid = 0x1234,
	};
	long before = current_pages();

	expect_rc(reservation_op(XENMEM_increase_reservation, &frame, 1, 30, 0),
		  0);
	expect_rc(reservation_op(XENMEM_populate_physmap, &frame, 1, 30, 0), 0);
	expect_rc(reservation_op(XENMEM_increase_reservation,
				 (xen_pfn_t *)HYPERVISOR_VIRT_START, 1, 0, 0),
		  0);
	expect_rc(
		reservation_op(XENMEM_decrease_reservation, &not_ours, 1, 0, 0),
		0);
	set_xen_guest_handle(r.extent_start, &frame);
	expect_rc(HYPERVISOR_memory_op(XENMEM_increase_reservation, &r), 0);
	expect_eq(current_pages(), before);
}

static void test_memory_map(void)
{
	static struct e820entry map[32];
	struct xen_memory_map m = {.nr_entries = ARRAY_SIZE(map)};
	uint64_t ram = 0;
	unsigned int i;
	long rc;

	set_xen_guest_handle(m.buffer, map);
	rc = HYPERVISOR_memory_op(XENMEM_memory_map, &m);
	if (rc == -XEN_ENOSYS) {
		ktap_skip("XENMEM_memory_map: -ENOSYS");
		return;
	}
	if (!expect_rc(rc, 0))
		return;
	expect(m.nr_entries >= 1 && m.nr_entries <= ARRAY_SIZE(map));
	for (i = 0; i < m.nr_entries && i < ARRAY_SIZE(map); i++) {
		ktap_diag("e820 %#lx+%#lx type %u", map[i].addr, map[i].size,
			  map[i].type);
		if (map[i].type == E820_RAM)
			ram += map[i].size;
	}
	expect_msg(ram >= start_info->nr_pages * PAGE_SIZE,
		   "%#lx bytes of RAM for %lu pages", ram,
		   start_info->nr_pages);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_reservations),
	KTAP_CASE(test_maximum_ram_page),
	KTAP_CASE(test_decrease_then_populate),
	KTAP_CASE(test_increase_reservation),
	KTAP_CASE(test_populate_2m),
	KTAP_CASE(test_exchange),
	KTAP_CASE(test_exchange_errors),
	KTAP_CASE(test_reservation_errors),
	KTAP_CASE(test_memory_map),
};

int main(void)
{
	return ktap_main("memory", cases, ARRAY_SIZE(cases));
}
