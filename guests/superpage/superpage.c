/* SPDX-License-Identifier: MIT */
/*
 * superpage: PV superpages, 2 MiB L2 entries with PSE. The guest maps its
 * whole memory with them, every 2 MiB-aligned machine-contiguous extent
 * its p2m shows, in fresh L3 and L2 tables of a region of its own (L4 slot
 * 384): writable where the extent holds none of its page tables,
 * read-only where it does, since no frame may be at once a page table and
 * writable. It checks the contents through both mappings, prints the
 * share of its memory superpages map as
 *
 *     superpage: result share=100.0% extents=16/16 rw=15 ro=1
 *
 * (and as a "result: experiment=superpage ..." line of the contiguity
 * experiments' form, share2m its share, success the extents mapped),
 * and then makes the requests that must be refused, with errors and never
 * a fault: misaligned, caching attributes, 1 GiB pages, frames not its
 * own, an extent with a frame given back, a writable superpage over its
 * own page tables, a frame inside a live writable superpage as a table or
 * descriptor page, update_va_mapping inside a superpage.
 *
 * A hypervisor without PV superpages refuses PSE with -EINVAL, as Xen 4.17
 * does (it removed them in 2017): then the cases that need a superpage
 * skip and the others only check that each request is refused. With
 * require_superpages on the command line (scripts/test-guests.sh gives it
 * on mica) that refusal is a failure instead, and so is a share below the
 * 95% a freshly built guest must reach.
 */
#include "ktap.h"
#include "mm.h"

#define EXT_PAGES 512
#define EXT_SHIFT L2_PAGETABLE_SHIFT
#define REGION_SLOT 384 /* 0xffffc00000000000 */
#define REGION (0xffff000000000000UL | (unsigned long)REGION_SLOT << 39)
#define NR_L2 4 /* 4 GiB of memory at most */
#define MAX_BLOCKS (NR_L2 * PT_ENTRIES - 1)
#define TEST_BLOCK MAX_BLOCKS /* an L2 slot no extent of ours uses */

static uint64_t l3[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t l2[NR_L2][PT_ENTRIES] __aligned(PAGE_SIZE);
/* A page of the image remapped at will, to see single frames. */
static uint64_t window[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t gdt_frames[1];

enum kind { UNMAPPED, WRITABLE, READ_ONLY };

static uint8_t kind[MAX_BLOCKS];
static unsigned long nr_blocks, nr_rw, nr_ro;
static bool hooked, supported, required;

/* Block b: pfns [512 b, 512 b + 512), mapped at REGION + (b << 21). */
static volatile uint64_t *block_va(unsigned long b)
{
	return (volatile uint64_t *)(REGION + (b << EXT_SHIFT));
}

static xen_pfn_t block_mfn(unsigned long b)
{
	return p2m[b * EXT_PAGES];
}

/* Whether block b is whole, machine-contiguous and 2 MiB aligned. */
static bool contiguous(unsigned long b)
{
	xen_pfn_t first = block_mfn(b);

	if ((b + 1) * EXT_PAGES > start_info->nr_pages || first % EXT_PAGES)
		return false;
	for (unsigned int i = 1; i < EXT_PAGES; i++)
		if (p2m[b * EXT_PAGES + i] != first + i)
			return false;
	return true;
}

static bool in_block(const void *va, unsigned long b)
{
	return virt_to_pfn(va) / EXT_PAGES == b;
}

/* Whether block b holds one of our page tables: the builder's, or ours. */
static bool holds_table(unsigned long b)
{
	unsigned long pt = virt_to_pfn((void *)start_info->pt_base);

	for (unsigned long i = 0; i < start_info->nr_pt_frames; i++)
		if ((pt + i) / EXT_PAGES == b)
			return true;
	for (unsigned int i = 0; i < NR_L2; i++)
		if (in_block(l2[i], b))
			return true;
	return in_block(l3, b);
}

static uint64_t spte(xen_pfn_t mfn, bool writable)
{
	uint64_t e = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER |
		     _PAGE_ACCESSED | _PAGE_PSE;

	return writable ? e | _PAGE_RW | _PAGE_DIRTY : e;
}

/* The L2 entry of block b, through mmu_update. */
static long set_block(unsigned long b, uint64_t val)
{
	return mmu_update1(virt_to_maddr(&l2[b / PT_ENTRIES][b % PT_ENTRIES]) |
				   MMU_NORMAL_PT_UPDATE,
			   val);
}

static bool map_page(void *va, uint64_t pte)
{
	return update_va((unsigned long)va, pte, UVMF_INVLPG) == 0;
}

static bool restore(void *va)
{
	return map_page(va, pte_rw(virt_to_mfn(va)));
}

static void flush(void)
{
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

/* The first block mapped with the given kind outside the initial region. */
static long free_block(enum kind k)
{
	for (unsigned long b = 0; b < nr_blocks; b++)
		if (kind[b] == k && b * EXT_PAGES >= initial_region_pages())
			return (long)b;
	return -1;
}

/* A case that needs superpages: false, and skip, without them. */
static bool need_superpages(void)
{
	if (!hooked) {
		ktap_error("the region is not hooked in");
		return false;
	}
	if (!supported) {
		ktap_skip("no PV superpages here");
		return false;
	}
	return true;
}

/*
 * A request that must be refused: with want where superpages work, with
 * any error where they do not (where every PSE entry is refused).
 */
#define expect_refused(rc, want) \
	(supported ? expect_rc((rc), (want)) : expect_fail(rc))

static void end_refusals(void)
{
	if (!supported)
		ktap_skip(
			"no PV superpages here: only checked that each is refused");
}

/*
 * The region: L4 slot 384 -> l3 -> l2[0..3], all empty. The tables are
 * made read-only first, as every page table must be.
 */
static void test_hook_region(void)
{
	xen_pfn_t l4 = current_l4_mfn();
	long rc;

	nr_blocks = (start_info->nr_pages + EXT_PAGES - 1) / EXT_PAGES;
	if (!expect_msg(nr_blocks <= MAX_BLOCKS, "%lu pages: too many",
			start_info->nr_pages))
		return;
	required = cmdline_has("require_superpages");
	for (unsigned int i = 0; i < NR_L2; i++) {
		l3[i] = pte_rw(virt_to_mfn(l2[i]));
		if (!expect(map_page(l2[i], pte_ro(virt_to_mfn(l2[i])))))
			return;
	}
	if (!expect(map_page(l3, pte_ro(virt_to_mfn(l3)))))
		return;
	rc = mmu_update1(((l4 << PAGE_SHIFT) + REGION_SLOT * 8) |
				 MMU_NORMAL_PT_UPDATE,
			 pte_rw(virt_to_mfn(l3)));
	if (!expect_rc(rc, 0))
		return;
	hooked = true;
	/* The probe: a read-only superpage of the first whole extent. */
	for (unsigned long b = 0; b < nr_blocks; b++) {
		if (!contiguous(b))
			continue;
		rc = set_block(TEST_BLOCK, spte(block_mfn(b), false));
		ktap_diag("a read-only superpage of mfn %#lx: %ld",
			  block_mfn(b), rc);
		supported = rc == 0;
		if (supported)
			expect_rc(set_block(TEST_BLOCK, 0), 0);
		else if (required)
			expect_msg(false, "superpages refused (%ld)", rc);
		else
			expect_rc(rc, -XEN_EINVAL);
		return;
	}
	ktap_skip("no 2 MiB-aligned contiguous extent in the p2m");
}

/*
 * Every whole extent, writable where it may be, else read-only. Refused
 * writable exactly where it holds a page table: the builder's tables and
 * the region's own L3 and L2s, which the guest may not write.
 */
static void test_map_memory(void)
{
	unsigned long permille;

	if (!need_superpages()) {
		printf("superpage: result share=0.0%% extents=0/%lu unsupported\n",
		       nr_blocks);
		return;
	}
	for (unsigned long b = 0; b < nr_blocks; b++) {
		bool table = holds_table(b);
		long rc;

		if (!contiguous(b)) {
			ktap_diag("pfns %#lx..: not one aligned extent",
				  b * EXT_PAGES);
			continue;
		}
		rc = set_block(b, spte(block_mfn(b), true));
		if (rc == 0) {
			kind[b] = WRITABLE;
			nr_rw++;
			expect_msg(
				!table,
				"a writable superpage over page tables (mfn %#lx) was accepted",
				block_mfn(b));
			continue;
		}
		if (!expect_msg(table && rc == -XEN_EBUSY,
				"writable superpage of mfn %#lx: %ld",
				block_mfn(b), rc))
			continue;
		if (expect_rc(set_block(b, spte(block_mfn(b), false)), 0)) {
			kind[b] = READ_ONLY;
			nr_ro++;
		}
	}
	flush();
	permille = (nr_rw + nr_ro) * EXT_PAGES * 1000 / start_info->nr_pages;
	printf("superpage: result share=%lu.%lu%% extents=%lu/%lu rw=%lu ro=%lu\n",
	       permille / 10, permille % 10, nr_rw + nr_ro, nr_blocks, nr_rw,
	       nr_ro);
	/* The same in the contig experiments' form (tools/contig_report.py). */
	printf("result: experiment=superpage policy=- grouping=- mode=fresh pages=%lu runs=- largest=- share2m=%lu.%lu%% success=%lu/%lu rw=%lu ro=%lu\n",
	       start_info->nr_pages, permille / 10, permille % 10,
	       nr_rw + nr_ro, nr_blocks, nr_rw, nr_ro);
	if (required)
		expect_msg(
			permille >= 950,
			"superpages map %lu.%lu%% of a fresh guest, not 95%%",
			permille / 10, permille % 10);
}

/* Whether the initial region's mapping of pfn still maps its frame. */
static bool initially_mapped(unsigned long pfn)
{
	const uint64_t *pte;

	if (pfn >= initial_region_pages())
		return false;
	pte = pt_walk(current_l4_mfn(), pfn_to_virt(pfn), 1, NULL);
	return pte && (*pte & _PAGE_PRESENT) && pte_mfn(*pte) == p2m[pfn];
}

/* Frame pfn, in the initial region: word for word the same both ways. */
static unsigned long compare_initial(unsigned long pfn, volatile uint64_t *sp)
{
	volatile uint64_t *init = (volatile uint64_t *)pfn_to_virt(pfn);
	unsigned long bad = 0;

	for (unsigned int k = 0; k < PT_ENTRIES; k++)
		/* Read again: the stack may be this very page. */
		if (sp[k] != init[k] && sp[k] != init[k])
			bad++;
	return bad;
}

/*
 * Frame pfn through the window: a tag written one way is read the other
 * way, both ways where the superpage is writable.
 */
static bool compare_window(unsigned long pfn, volatile uint64_t *sp, bool rw)
{
	volatile uint64_t *w = window;
	xen_pfn_t mfn = p2m[pfn];
	unsigned int k = pfn % PT_ENTRIES, k2 = (k + 1) % PT_ENTRIES;
	uint64_t tag = (mfn << 12) ^ 0x5a5a5a5a00000000UL;

	if (!map_page(window, rw ? pte_rw(mfn) : pte_ro(mfn)))
		return false;
	if (rw) {
		sp[k] = tag;
		w[k2] = ~tag;
		return w[k] == tag && sp[k2] == ~tag;
	}
	return sp[k] == w[k] && sp[k2] == w[k2];
}

static void test_contents(void)
{
	unsigned long seen = 0, by_window = 0;

	if (!need_superpages())
		return;
	for (unsigned long b = 0; b < nr_blocks; b++) {
		if (kind[b] == UNMAPPED)
			continue;
		for (unsigned int j = 0; j < EXT_PAGES; j++) {
			unsigned long pfn = b * EXT_PAGES + j;
			volatile uint64_t *sp = block_va(b) + j * PT_ENTRIES;

			if (initially_mapped(pfn)) {
				unsigned long bad = compare_initial(pfn, sp);

				expect_msg(!bad, "pfn %#lx: %lu words differ",
					   pfn, bad);
			} else if (pfn >= initial_region_pages()) {
				by_window++;
				if (!expect_msg(
					    compare_window(pfn, sp,
							   kind[b] == WRITABLE),
					    "pfn %#lx (mfn %#lx) differs", pfn,
					    p2m[pfn]))
					break;
			} else {
				continue;
			}
			seen++;
		}
	}
	expect(restore(window));
	ktap_diag("%lu frames compared, %lu of them through a 4 KiB window",
		  seen, by_window);
}

static void test_refused_misaligned(void)
{
	xen_pfn_t m = block_mfn(0) & ~(EXT_PAGES - 1UL);

	if (!hooked) {
		ktap_error("the region is not hooked in");
		return;
	}
	expect_refused(set_block(TEST_BLOCK, spte(m + 1, false)), -XEN_EINVAL);
	expect_refused(set_block(TEST_BLOCK, spte(m + 256, true)), -XEN_EINVAL);
	/* Bit 12 of a superpage entry is its PAT bit. */
	expect_refused(set_block(TEST_BLOCK, spte(m, false) | 0x1000),
		       -XEN_EINVAL);
	end_refusals();
}

static void test_refused_attributes(void)
{
	long b = free_block(WRITABLE);
	xen_pfn_t m = block_mfn(b < 0 ? 0 : (unsigned long)b);

	if (!hooked) {
		ktap_error("the region is not hooked in");
		return;
	}
	expect_refused(set_block(TEST_BLOCK, spte(m, false) | _PAGE_PCD),
		       -XEN_EINVAL);
	expect_refused(set_block(TEST_BLOCK, spte(m, true) | _PAGE_PWT),
		       -XEN_EINVAL);
	end_refusals();
}

/* No 1 GiB pages: PSE in an L3 entry is refused, however aligned. */
static void test_refused_1g(void)
{
	uint64_t ma = virt_to_maddr(&l3[PT_ENTRIES - 1]);
	xen_pfn_t m = block_mfn(0) & ~((1UL << 18) - 1);

	if (!hooked) {
		ktap_error("the region is not hooked in");
		return;
	}
	expect_rc(mmu_update1(ma | MMU_NORMAL_PT_UPDATE, spte(m, false)),
		  -XEN_EINVAL);
	expect_rc(mmu_update1(ma | MMU_NORMAL_PT_UPDATE, spte(0, true)),
		  -XEN_EINVAL);
	expect_eq(l3[PT_ENTRIES - 1], 0);
}

/* Memory that is not the guest's: frame 0 (firmware's), the M2P. */
static void test_refused_not_owned(void)
{
	xen_pfn_t m2p_mfns[1];
	struct xen_machphys_mfn_list l = {.max_extents = 1};

	if (!hooked) {
		ktap_error("the region is not hooked in");
		return;
	}
	expect_refused(set_block(TEST_BLOCK, spte(0, false)), -XEN_EBUSY);
	expect_refused(set_block(TEST_BLOCK, spte(0, true)), -XEN_EBUSY);
	set_xen_guest_handle(l.extent_start, m2p_mfns);
	if (expect_rc(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l), 0) &&
	    expect(l.nr_extents == 1)) {
		expect_refused(set_block(TEST_BLOCK, spte(m2p_mfns[0], false)),
			       -XEN_EBUSY);
		expect_refused(set_block(TEST_BLOCK, spte(m2p_mfns[0], true)),
			       -XEN_EBUSY);
	}
	end_refusals();
}

/* Writable superpages over its own tables: the L2 being written, the L4. */
static void test_refused_own_tables(void)
{
	xen_pfn_t own = virt_to_mfn(l2[0]) & ~(EXT_PAGES - 1UL);
	xen_pfn_t l4 = current_l4_mfn() & ~(EXT_PAGES - 1UL);

	if (!hooked) {
		ktap_error("the region is not hooked in");
		return;
	}
	expect_refused(set_block(TEST_BLOCK, spte(own, true)), -XEN_EBUSY);
	expect_refused(set_block(TEST_BLOCK, spte(l4, true)), -XEN_EBUSY);
	/* Read-only is allowed, as a read-only 4 KiB alias of a table is. */
	if (supported && contiguous(virt_to_pfn(l2[0]) / EXT_PAGES) &&
	    expect_rc(set_block(TEST_BLOCK, spte(own, false)), 0)) {
		volatile uint64_t *alias =
			block_va(TEST_BLOCK) +
			(virt_to_mfn(l2[0]) - own) * PT_ENTRIES;

		expect_eq(alias[0], l2[0][0]);
		expect_rc(set_block(TEST_BLOCK, 0), 0);
		flush();
	}
	end_refusals();
}

/* A writable extent outside the initial region, or -1 (the case skips). */
static long writable_block(void)
{
	long b;

	if (!need_superpages())
		return -1;
	b = free_block(WRITABLE);
	if (b < 0)
		ktap_skip("no writable extent outside the initial region");
	return b;
}

static bool unmap_block(unsigned long b)
{
	if (!expect_rc(set_block(b, 0), 0))
		return false;
	kind[b] = UNMAPPED;
	flush();
	return true;
}

static void remap_writable(unsigned long b)
{
	if (expect_rc(set_block(b, spte(block_mfn(b), true)), 0))
		kind[b] = WRITABLE;
}

static long reservation(unsigned int cmd, xen_pfn_t *frame)
{
	struct xen_memory_reservation r = {.nr_extents = 1,
					   .domid = DOMID_SELF};

	set_xen_guest_handle(r.extent_start, frame);
	return HYPERVISOR_memory_op(cmd, &r);
}

/* An extent with one frame given back is no longer wholly the guest's. */
static void test_refused_given_back(void)
{
	long b = writable_block();
	unsigned long pfn;
	xen_pfn_t head, frame;

	if (b < 0 || !unmap_block(b))
		return;
	head = block_mfn(b);
	pfn = b * EXT_PAGES + 100;
	frame = p2m[pfn];
	if (!expect_rc(reservation(XENMEM_decrease_reservation, &frame), 1))
		return;
	p2m[pfn] = ~0UL;
	expect_rc(set_block(b, spte(head, true)), -XEN_EBUSY);
	expect_rc(set_block(b, spte(head, false)), -XEN_EBUSY);
	frame = pfn;
	if (!expect_rc(reservation(XENMEM_populate_physmap, &frame), 1)) {
		ktap_error("lost pfn %#lx", pfn);
		return;
	}
	p2m[pfn] = frame;
	ktap_diag("frame %#lx given back, pfn %#lx now at %#lx", head + 100,
		  pfn, frame);
	/* The same frame again makes the extent whole again. */
	if (contiguous(b))
		remap_writable(b);
}

/*
 * A frame inside a live writable superpage: no table, no descriptor page,
 * until the superpage goes; then a writable superpage over it is refused
 * and a read-only one is not.
 */
static void test_live_superpage_excludes_tables(void)
{
	long b = writable_block();
	xen_pfn_t head, f;
	volatile uint64_t *sp;

	if (b < 0)
		return;
	head = block_mfn(b);
	f = head + 7;
	sp = block_va(b) + 7 * PT_ENTRIES;
	for (unsigned int k = 0; k < PT_ENTRIES; k++)
		sp[k] = 0;
	expect_rc(mmuext1(MMUEXT_PIN_L1_TABLE, f), -XEN_EINVAL);
	expect_rc(mmuext1(MMUEXT_PIN_L2_TABLE, f), -XEN_EINVAL);
	expect_rc(mmuext1(MMUEXT_PIN_L4_TABLE, f), -XEN_EINVAL);
	/* Named as the L1 of another of the region's L2 entries. */
	expect_rc(set_block(TEST_BLOCK, pte_rw(f)), -XEN_EINVAL);
	gdt_frames[0] = f;
	expect_rc(hypercall2(__HYPERVISOR_set_gdt, gdt_frames, 1), -XEN_EINVAL);
	/* Another writable mapping of it is fine. */
	if (expect(map_page(window, pte_rw(f)))) {
		((volatile uint64_t *)window)[3] = 0x77;
		expect_eq(sp[3], 0x77);
		sp[3] = 0;
	}
	expect(restore(window));
	/* Unmapped, it may become a table. */
	if (!unmap_block(b))
		return;
	if (expect_rc(mmuext1(MMUEXT_PIN_L1_TABLE, f), 0)) {
		expect_rc(set_block(b, spte(head, true)), -XEN_EBUSY);
		expect_rc(set_block(b, spte(head, false)), 0);
		expect_rc(set_block(b, 0), 0);
		expect_rc(mmuext1(MMUEXT_UNPIN_TABLE, f), 0);
	}
	remap_writable(b);
}

/* A va inside a superpage has no L1 to update. */
static void test_update_va_inside(void)
{
	long b = free_block(WRITABLE);
	unsigned long va;

	if (!need_superpages())
		return;
	if (b < 0)
		b = free_block(READ_ONLY);
	if (b < 0) {
		ktap_skip("no extent outside the initial region");
		return;
	}
	va = (unsigned long)block_va(b);
	expect_rc(update_va(va + 0x3000, pte_ro(virt_to_mfn(window)),
			    UVMF_INVLPG),
		  -XEN_EINVAL);
	expect_rc(update_va(va, 0, UVMF_INVLPG), -XEN_EINVAL);
	expect_eq(pte_mfn(l2[b / PT_ENTRIES][b % PT_ENTRIES]), block_mfn(b));
}

/*
 * Everything unmapped, the region unhooked: its tables lose their last
 * type reference, and with it what their superpages held, so that they
 * may be writable again.
 */
static void test_unmap(void)
{
	xen_pfn_t l4 = current_l4_mfn();

	if (!hooked) {
		ktap_error("the region is not hooked in");
		return;
	}
	for (unsigned long b = 0; b < nr_blocks; b++)
		if (kind[b] != UNMAPPED && expect_rc(set_block(b, 0), 0))
			kind[b] = UNMAPPED;
	expect_rc(mmu_update1(((l4 << PAGE_SHIFT) + REGION_SLOT * 8) |
				      MMU_NORMAL_PT_UPDATE,
			      0),
		  0);
	flush();
	expect(restore(l3));
	for (unsigned int i = 0; i < NR_L2; i++)
		expect(restore(l2[i]));
	/* Free of its superpages, a frame may be a table again. */
	if (supported && nr_rw) {
		long b = free_block(UNMAPPED);

		if (b >= 0 && contiguous((unsigned long)b)) {
			xen_pfn_t f = block_mfn(b) + 9;

			if (expect(map_page(window, pte_rw(f)))) {
				memset(window, 0, PAGE_SIZE);
				expect(restore(window));
				expect_rc(mmuext1(MMUEXT_PIN_L1_TABLE, f), 0);
				expect_rc(mmuext1(MMUEXT_UNPIN_TABLE, f), 0);
			}
		}
	}
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_hook_region),
	KTAP_CASE(test_map_memory),
	KTAP_CASE(test_contents),
	KTAP_CASE(test_refused_misaligned),
	KTAP_CASE(test_refused_attributes),
	KTAP_CASE(test_refused_1g),
	KTAP_CASE(test_refused_not_owned),
	KTAP_CASE(test_refused_own_tables),
	KTAP_CASE(test_refused_given_back),
	KTAP_CASE(test_live_superpage_excludes_tables),
	KTAP_CASE(test_update_va_inside),
	KTAP_CASE(test_unmap),
};

int main(void)
{
	return ktap_main("superpage", cases, ARRAY_SIZE(cases));
}
