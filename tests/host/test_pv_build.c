/* SPDX-License-Identifier: MIT */
/*
 * kernel/pv/build.c on a host machine (tools/host/machine.c) with the real
 * heap: a domain built from a test image, then every part of Xen's layout
 * checked from the guest's side. The page tables are walked from the L4
 * to translate each address, so the kernel's bytes, the p2m, start_info
 * and the hypercall page are all read through the tables the guest gets.
 * Failures must leave the heap and the M2P as they were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mica/arch_mm.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/host.h>
#include <mica/lib.h>
#include <mica/m2p.h>
#include <mica/paging.h>
#include <mica/pv_build.h>
#include <mica/pv_mm.h>
#include <public/elfnote.h>
#include <public/xen.h>

#include "guest_elf.h"
#include "harness.h"
#include "pv.h"

#define MACHINE_FRAMES (1UL << 18) /* 1 GiB */
#define MiB_PAGES(n) ((unsigned long)(n) << 8)
#define KERNEL_PORT_CONSOLE 5
#define KERNEL_PORT_STORE 6

static struct gelf g;
static struct gelf_out img;
static struct pv_elf elf;
static struct domain dom;
static struct vcpu vcpu;
static struct cpu_regs regs;
static unsigned long free_at_start;

/* ---- what the builder calls outside mm/ ---- */

static int next_port, port_rc;

int evtchn_alloc_unbound_xen(struct domain *d)
{
	assert_ptr_equal(d, &dom);
	return port_rc ? port_rc : next_port++;
}

/*
 * The page-type calls, until mm/pv_mm.c (branch pv-mm) lands: a model that
 * checks what the builder asks and counts what it holds.
 */
static int pin_rc, ref_rc;
static unsigned int pins, l4_refs;
static mfn_t pinned;

int pv_pin_table(struct domain *d, mfn_t mfn, unsigned int level)
{
	assert_ptr_equal(d, &dom);
	assert_int_equal(level, 4);
	assert_ptr_equal(mfn_to_page(mfn)->v.owner, d);
	if (pin_rc)
		return pin_rc;
	pins++;
	pinned = mfn;
	return 0;
}

int pv_unpin_table(struct domain *d, mfn_t mfn)
{
	assert_true(pins && mfn_eq(mfn, pinned));
	pins--;
	return 0;
}

int get_page_and_type(struct page_info *pg, const struct domain *d,
		      unsigned long type)
{
	assert_ptr_equal(d, &dom);
	assert_int_equal(type, PGT_l4_page_table);
	assert_true(pins && mfn_eq(page_to_mfn(pg), pinned));
	if (ref_rc)
		return ref_rc;
	l4_refs++;
	return 0;
}

/* ---- the domain ---- */

static void new_domain(bool initial, unsigned long max_pages)
{
	memset(&dom, 0, sizeof(dom));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&regs, 0xa5, sizeof(regs));
	domain_mm_init(&dom, 3, max_pages);
	dom.is_privileged = initial;
	dom.console_mfn = dom.store_mfn = INVALID_MFN;
	dom.shared_info = alloc_xenheap_pages(0, MEMF_zero);
	assert_non_null(dom.shared_info);
	vcpu.domain = &dom;
	vcpu.regs = &regs;
	vcpu.guest_table = vcpu.guest_table_user = INVALID_MFN;
	dom.vcpu[0] = &vcpu;
	dom.max_vcpus = 1;
	next_port = KERNEL_PORT_CONSOLE;
	port_rc = pin_rc = ref_rc = 0;
	pins = l4_refs = 0;
}

/* What kernel/pv/domain.c does when the domain goes. */
static void destroy_domain(void)
{
	if (l4_refs) {
		l4_refs--;
		pv_unpin_table(&dom, vcpu.guest_table);
	}
	for (uint32_t m = dom.page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next)
		set_gpfn_from_mfn(_mfn(m), INVALID_M2P_ENTRY);
	domain_relinquish_memory(&dom);
	free_xenheap_pages(dom.shared_info, 0);
	dom.shared_info = NULL;
}

static int setup(void **state)
{
	heap_scramble = false;
	heap_grouping = true;
	if (host_machine_init(MACHINE_FRAMES))
		return -1;
	free_at_start = heap_free_pages();
	gelf_typical(&g);
	log_reset();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(heap_check(), 0);
	host_machine_fini();
	return 0;
}

/* Every M2P entry invalid, and the heap back where it started. */
static void assert_nothing_held(void)
{
	assert_int_equal(dom.tot_pages, 0);
	assert_int_equal(pins + l4_refs, 0);
	assert_true(mfn_eq(vcpu.guest_table, INVALID_MFN));
	for (unsigned long m = 0; m < max_page; m++)
		if (host_m2p[m] != INVALID_M2P_ENTRY)
			fail_msg("M2P entry of mfn %#lx left at %#lx", m,
				 host_m2p[m]);
	free_xenheap_pages(dom.shared_info, 0);
	dom.shared_info = NULL;
	assert_int_equal(heap_free_pages(), free_at_start);
}

static int build(unsigned long nr_pages, const char *cmdline)
{
	gelf_write(&g, &img);
	assert_int_equal(pv_elf_parse(&elf, img.buf, img.len, "(d3)"), 0);
	log_reset();
	return pv_build(&dom, &elf, nr_pages, cmdline);
}

/* A build that fails with rc, saying msg (unless NULL), holding nothing. */
static void build_refused(unsigned long nr_pages, int rc, const char *msg)
{
	assert_int_equal(build(nr_pages, NULL), rc);
	if (msg && !log_has(LOGLVL_ERR, msg))
		fail_msg("no error \"%s\"; log: %s", msg, test_log);
	assert_nothing_held();
}

/* ---- the guest's view: its page tables ---- */

static uint64_t entry(mfn_t table, unsigned int slot)
{
	const uint64_t *t = map_domain_page(table);
	uint64_t e = t[slot];

	unmap_domain_page(t);
	return e;
}

static mfn_t next_table(uint64_t e)
{
	return _mfn((e & PADDR_MASK) >> PAGE_SHIFT);
}

/*
 * The L1 entry mapping va, the levels above checked on the way: present,
 * user, writable, not a large page. 0 if anything on the way is missing.
 */
static uint64_t walk(unsigned long va)
{
	mfn_t t = vcpu.guest_table;
	static const unsigned int shifts[] = {39, 30, 21};

	for (unsigned int i = 0; i < 3; i++) {
		uint64_t e = entry(t, (va >> shifts[i]) & 511);

		if (!(e & _PAGE_PRESENT))
			return 0;
		assert_int_equal(e & (_PAGE_USER | _PAGE_RW | _PAGE_PSE),
				 _PAGE_USER | _PAGE_RW);
		t = next_table(e);
	}
	return entry(t, (va >> 12) & 511);
}

/* Read len bytes of the guest at va through its page tables. */
static void gread(unsigned long va, void *dst, size_t len)
{
	uint8_t *d = dst;

	while (len) {
		uint64_t e = walk(va);
		size_t n = MIN(len, PAGE_SIZE - (va & ~PAGE_MASK));
		const uint8_t *p;

		if (!(e & _PAGE_PRESENT))
			fail_msg("guest address %#lx is not mapped", va);
		p = map_domain_page(next_table(e));
		memcpy(d, p + (va & ~PAGE_MASK), n);
		unmap_domain_page(p);
		d += n;
		va += n;
		len -= n;
	}
}

static uint64_t gread64(unsigned long va)
{
	uint64_t v;

	gread(va, &v, 8);
	return v;
}

static void read_start_info(struct start_info *si)
{
	gread(regs.rsi, si, sizeof(*si));
}

/* ---- the checks every successful build passes ---- */

/* p2m = M2P^-1 for every pfn, every frame d's, each pfn's frame distinct. */
static void check_p2m(unsigned long nr_pages, unsigned long mfn_list)
{
	static uint8_t seen[MACHINE_FRAMES];

	memset(seen, 0, sizeof(seen));
	assert_int_equal(dom.tot_pages, nr_pages);
	for (unsigned long pfn = 0; pfn < nr_pages; pfn++) {
		uint64_t mfn = gread64(mfn_list + pfn * 8);

		assert_true(mfn < max_page);
		if (seen[mfn]++)
			fail_msg("mfn %#lx appears twice in the p2m", mfn);
		assert_ptr_equal(mfn_to_page(_mfn(mfn))->v.owner, &dom);
		if (host_m2p[mfn] != pfn)
			fail_msg("M2P of mfn %#lx is %#lx, not pfn %#lx", mfn,
				 host_m2p[mfn], pfn);
	}
}

/*
 * The 2 MiB extents first: pfns 512k.. 512k+511 one aligned run of mfns,
 * the runs ascending, then the 4 KiB frames ascending. Returns how many
 * pfns are in extents.
 */
static unsigned long check_extents(unsigned long nr_pages,
				   unsigned long mfn_list)
{
	unsigned long in_ext = 0, prev = 0;

	for (unsigned long pfn = 0; pfn + 512 <= nr_pages; pfn += 512) {
		uint64_t first = gread64(mfn_list + pfn * 8);
		bool run = !(first & 511);

		for (unsigned long i = 1; run && i < 512; i++)
			run = gread64(mfn_list + (pfn + i) * 8) == first + i;
		if (!run)
			break;
		if (pfn)
			assert_true(first > prev);
		prev = first;
		in_ext += 512;
	}
	for (unsigned long pfn = in_ext + 1; pfn < nr_pages; pfn++)
		assert_true(gread64(mfn_list + pfn * 8) >
			    gread64(mfn_list + (pfn - 1) * 8));
	return in_ext;
}

/*
 * The initial mapping: every page of [v_start, v_end) mapped to p2m[pfn],
 * user, writable except the page-table frames, nothing else present in
 * the tables but mica's slots.
 */
static void check_mapping(const struct pv_layout *l)
{
	unsigned long nr = (l->v_end - l->v_start) >> PAGE_SHIFT;
	unsigned long pt0 = (l->vpt_start - l->v_start) >> PAGE_SHIFT;
	unsigned long present[4] = {0};

	for (unsigned long pfn = 0; pfn < nr; pfn++) {
		unsigned long va = l->v_start + (pfn << PAGE_SHIFT);
		uint64_t e = walk(va);
		bool table = pfn >= pt0 && pfn < pt0 + l->nr_pt_frames;

		if (!(e & _PAGE_PRESENT))
			fail_msg("%#lx, pfn %#lx, not mapped", va, pfn);
		assert_true(e & _PAGE_USER);
		if (!!(e & _PAGE_RW) == table)
			fail_msg("%#lx, pfn %#lx: %s", va, pfn,
				 table ? "a page table mapped writable"
				       : "not writable");
		assert_int_equal(next_table(e).m,
				 gread64(l->vphysmap_start + pfn * 8));
	}
	/* Beyond the region, nothing: one page either side. */
	assert_false(walk(l->v_end) & _PAGE_PRESENT);
	if (l->v_start)
		assert_false(walk(l->v_start - PAGE_SIZE) & _PAGE_PRESENT);

	/* The L4: mica's slots, and one entry per L3. */
	for (unsigned int s = 0; s < 512; s++) {
		uint64_t e = entry(vcpu.guest_table, s);

		if (s >= 256 && s <= 271)
			assert_int_equal(e, HOST_PV_L4_SLOT(s));
		else if (e & _PAGE_PRESENT)
			present[3]++;
	}
	assert_int_equal(present[3], l->nr_l3);
	/* The tables are the nr_pt_frames frames at pt_base, L4 first. */
	assert_int_equal(next_table(walk(l->vpt_start)).m,
			 mfn_x(vcpu.guest_table));
	assert_int_equal(l->nr_pt_frames, 1 + l->nr_l3 + l->nr_l2 + l->nr_l1);
}

static const uint8_t stub_call[] = {0x51, 0x41, 0x53, 0xb8};
static const uint8_t stub_ret[] = {0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3};

static void check_hypercall_page(unsigned long va)
{
	static uint8_t page[PAGE_SIZE];

	gread(va, page, PAGE_SIZE);
	for (unsigned int i = 0; i < 128; i++) {
		const uint8_t *s = page + 32 * i;
		uint32_t nr;

		if (i == __HYPERVISOR_iret) {
			static const uint8_t iret[] = {0x51, 0x41, 0x53, 0x50,
						       0xb8, 23,   0,	 0,
						       0,    0x0f, 0x05};

			assert_memory_equal(s, iret, sizeof(iret));
			continue;
		}
		assert_memory_equal(s, stub_call, 4);
		memcpy(&nr, s + 4, 4);
		assert_int_equal(nr, i);
		assert_memory_equal(s + 8, stub_ret, sizeof(stub_ret));
		for (unsigned int k = 14; k < 32; k++)
			assert_int_equal(s[k], 0xcc);
	}
}

/* The typical image's bytes, its bss and the region's padding. */
static void check_kernel(const struct pv_layout *l)
{
	static uint8_t buf[0x8000];

	gread(GELF_VBASE, buf, sizeof(buf));
	for (unsigned long off = 0; off < sizeof(buf); off++) {
		unsigned long va = GELF_VBASE + off;
		uint8_t want = off < 0x2000 || (off >= 0x2000 && off < 0x2340)
				       ? gelf_byte(va)
				       : 0;

		if (off >= 0x1000 && off < 0x2000)
			continue; /* the hypercall page */
		if (buf[off] != want)
			fail_msg("kernel byte at %#lx is %#x, not %#x", va,
				 buf[off], want);
	}
	/* The stack and the padding are zero. */
	for (unsigned long va = l->vstack_start; va < l->v_end; va += 8)
		assert_int_equal(gread64(va), 0);
}

static void check_entry_state(const struct pv_layout *l)
{
	assert_int_equal(regs.rip, elf.virt_entry);
	assert_int_equal(regs.rsp, l->vstack_end);
	assert_int_equal(regs.rsi, l->vstartinfo_start);
	assert_int_equal(regs.rflags, 0x202);
	assert_int_equal(regs.cs, 0xe033);
	assert_int_equal(regs.ss, 0xe02b);
	assert_int_equal(regs.rax | regs.rbx | regs.rcx | regs.rdx | regs.rdi |
				 regs.rbp | regs.r8 | regs.r9 | regs.r10 |
				 regs.r11 | regs.r12 | regs.r13 | regs.r14 |
				 regs.r15,
			 0);
	assert_true(vcpu.kernel_mode);
	assert_int_equal(vcpu.kernel_ss, 0xe02b);
	assert_int_equal(vcpu.kernel_sp, l->vstack_end);
	assert_int_equal(pins, 1);
	assert_int_equal(l4_refs, 1);
	assert_true(mfn_eq(pinned, vcpu.guest_table));
}

static void check_all(unsigned long nr_pages, bool initial,
		      const struct pv_layout *want)
{
	struct start_info si;

	read_start_info(&si);
	assert_string_equal(si.magic, "xen-3.0-x86_64");
	assert_int_equal(si.nr_pages, nr_pages);
	assert_int_equal(si.shared_info, arch_virt_to_mfn(dom.shared_info)
						 << PAGE_SHIFT);
	assert_int_equal(si.flags,
			 initial ? SIF_INITDOMAIN | SIF_PRIVILEGED : 0);
	assert_int_equal(si.pt_base, want->vpt_start);
	assert_int_equal(si.nr_pt_frames, want->nr_pt_frames);
	assert_int_equal(si.mfn_list, want->vphysmap_start);
	assert_int_equal(si.mod_start | si.mod_len, 0);
	assert_int_equal(si.first_p2m_pfn | si.nr_p2m_frames, 0);
	check_p2m(nr_pages, si.mfn_list);
	check_extents(nr_pages, si.mfn_list);
	check_mapping(want);
	check_entry_state(want);
	if (initial) {
		assert_int_equal(si.store_mfn | si.store_evtchn, 0);
		assert_int_equal(si.console.dom0.info_off |
					 si.console.dom0.info_size,
				 0);
		assert_true(mfn_eq(dom.console_mfn, INVALID_MFN));
	} else {
		assert_int_equal(si.console.domU.evtchn, KERNEL_PORT_CONSOLE);
		assert_int_equal(si.store_evtchn, KERNEL_PORT_STORE);
		assert_int_equal(dom.console_port, KERNEL_PORT_CONSOLE);
		assert_int_equal(dom.store_port, KERNEL_PORT_STORE);
		assert_int_equal(si.console.domU.mfn,
				 next_table(walk(want->vconsole)).m);
		assert_int_equal(si.store_mfn,
				 next_table(walk(want->vxenstore)).m);
		assert_int_equal(mfn_x(dom.console_mfn), si.console.domU.mfn);
		assert_int_equal(mfn_x(dom.store_mfn), si.store_mfn);
		/* The rings start empty. */
		for (unsigned long o = 0; o < PAGE_SIZE; o += 8)
			assert_int_equal(gread64(want->vconsole + o) |
						 gread64(want->vxenstore + o),
					 0);
	}
	for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		assert_int_equal(
			dom.shared_info->vcpu_info[i].evtchn_upcall_mask, 1);
}

/* ---- builds ---- */

/*
 * An ordinary domain of 128 MiB + 100 pages from the typical image: the
 * kernel ends at VIRT_BASE + 0x8000, so the p2m is 0x8000..0x48320, then
 * start_info, the xenstore and console pages, five tables (L4, L3, L2,
 * two L1s for the 4 MiB region) and the stack.
 */
static void test_ordinary_domain(void **state)
{
	const unsigned long nr = MiB_PAGES(128) + 100;
	const struct pv_layout want = {
		.v_start = GELF_VBASE,
		.v_end = GELF_VBASE + 0x400000,
		.vkern_start = GELF_VBASE,
		.vkern_end = GELF_KEND,
		.vphysmap_start = GELF_VBASE + 0x8000,
		.vphysmap_end = GELF_VBASE + 0x8000 + nr * 8,
		.vstartinfo_start = GELF_VBASE + 0x49000,
		.vxenstore = GELF_VBASE + 0x4a000,
		.vconsole = GELF_VBASE + 0x4b000,
		.vpt_start = GELF_VBASE + 0x4c000,
		.nr_pt_frames = 5,
		.nr_l3 = 1,
		.nr_l2 = 1,
		.nr_l1 = 2,
		.vstack_start = GELF_VBASE + 0x51000,
		.vstack_end = GELF_VBASE + 0x52000,
	};
	struct pv_layout l;
	struct start_info si;

	new_domain(false, nr);
	assert_int_equal(build(nr, "console=hvc0 root=/dev/xvda"), 0);
	assert_int_equal(log_count(LOGLVL_ERR) + log_count(LOGLVL_WARN), 0);
	assert_int_equal(pv_build_layout(&elf, nr, false, &l), 0);
	assert_memory_equal(&l, &want, sizeof(l));
	check_all(nr, false, &want);
	check_kernel(&want);
	check_hypercall_page(GELF_HYPERCALL);
	read_start_info(&si);
	assert_string_equal((const char *)si.cmd_line,
			    "console=hvc0 root=/dev/xvda");
	/* 256 extents of 2 MiB, then the 100 frames. */
	assert_int_equal(check_extents(nr, si.mfn_list), MiB_PAGES(128));
	destroy_domain();
	assert_int_equal(heap_free_pages(), free_at_start);
}

/*
 * The initial domain, laid out as real Xen lays out a 128 MiB dom0 whose
 * kernel ends at 0x111000: p2m 0x111000-0x151000, start_info 0x151000,
 * page tables 0x152000-0x157000, stack 0x157000-0x158000, end 0x400000.
 */
static void test_initial_domain_as_xen(void **state)
{
	const unsigned long nr = MiB_PAGES(128);
	struct pv_layout l;
	struct start_info si;

	g.seg[1].memsz = 0x111000 - 0x2000;
	new_domain(true, nr);
	assert_int_equal(build(nr, NULL), 0);
	assert_int_equal(pv_build_layout(&elf, nr, true, &l), 0);
	assert_int_equal(l.vphysmap_start - GELF_VBASE, 0x111000);
	assert_int_equal(l.vphysmap_end - GELF_VBASE, 0x151000);
	assert_int_equal(l.vstartinfo_start - GELF_VBASE, 0x151000);
	assert_int_equal(l.vxenstore | l.vconsole, 0);
	assert_int_equal(l.vpt_start - GELF_VBASE, 0x152000);
	assert_int_equal(l.nr_pt_frames, 5);
	assert_int_equal(l.vstack_start - GELF_VBASE, 0x157000);
	assert_int_equal(l.vstack_end - GELF_VBASE, 0x158000);
	assert_int_equal(l.v_end - GELF_VBASE, 0x400000);
	check_all(nr, true, &l);
	read_start_info(&si);
	assert_int_equal(si.cmd_line[0], 0);
	destroy_domain();
	assert_int_equal(heap_free_pages(), free_at_start);
}

/* Less than 512 KiB after the stack: Xen adds another 4 MiB. */
static void test_padding_rule(void **state)
{
	const unsigned long nr = MiB_PAGES(64);
	struct pv_layout l;

	/*
	 * p2m 0x360000-0x380000, start_info 0x380000, five tables would end
	 * the stack at 0x387000, 484 KiB short of 4 MiB: the region grows to
	 * 8 MiB, which takes four L1s, so seven tables, the stack to 0x389000.
	 */
	g.seg[1].memsz = 0x360000 - 0x2000;
	gelf_write(&g, &img);
	assert_int_equal(pv_elf_parse(&elf, img.buf, img.len, "(d3)"), 0);
	assert_int_equal(pv_build_layout(&elf, nr, true, &l), 0);
	assert_int_equal(l.vpt_start - GELF_VBASE, 0x381000);
	assert_int_equal(l.vstack_end - GELF_VBASE, 0x389000);
	assert_int_equal(l.v_end - GELF_VBASE, 0x800000);
	assert_int_equal(l.nr_l1, 4);
	assert_int_equal(l.nr_pt_frames, 7);
	new_domain(true, nr);
	assert_int_equal(pv_build(&dom, &elf, nr, NULL), 0);
	check_all(nr, true, &l);
	destroy_domain();
}

/*
 * A low-half kernel 2 MiB below 512 GiB, 3 MiB long, so that its region
 * crosses into the next L4 slot: two L3s, two L2s, three L1s, 6 MiB.
 */
static void test_region_across_l4_slots(void **state)
{
	const unsigned long base = (512UL << 30) - (2UL << 20);
	const unsigned long nr = MiB_PAGES(512);
	struct pv_layout l;

	gelf_empty(&g);
	g.entry = base + 0x100;
	gelf_seg(&g, base, 0, 0x1000, 0x300000, 7);
	gelf_note_str(&g, XEN_ELFNOTE_LOADER, "generic");
	gelf_note_str(&g, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	gelf_note_u64(&g, XEN_ELFNOTE_VIRT_BASE, base);
	gelf_note_u64(&g, XEN_ELFNOTE_HYPERCALL_PAGE, base + 0x1000);
	new_domain(false, nr);
	assert_int_equal(build(nr, NULL), 0);
	assert_int_equal(pv_build_layout(&elf, nr, false, &l), 0);
	assert_int_equal(l.nr_l3, 2);
	assert_int_equal(l.nr_l2, 2);
	assert_int_equal(l.v_end - l.v_start, 6UL << 20);
	assert_int_equal(l.nr_l1, 3);
	assert_int_equal(l.nr_pt_frames, 8);
	check_all(nr, false, &l);
	check_hypercall_page(base + 0x1000);
	destroy_domain();
	assert_int_equal(heap_free_pages(), free_at_start);
}

/* The heap has no 2 MiB chunk: everything in 4 KiB frames, ascending. */
static void test_no_2m_extents(void **state)
{
	static struct host_range ranges[64];
	const unsigned long nr = MiB_PAGES(16);
	struct start_info si;
	struct pv_layout l;

	host_machine_fini();
	/* Runs of 500 frames: never a whole aligned 512. */
	for (unsigned int i = 0; i < ARRAY_SIZE(ranges); i++)
		ranges[i] = (struct host_range){1024 + i * 512,
						1024 + i * 512 + 500};
	assert_int_equal(
		host_machine_init_ranges(1UL << 16, ranges, ARRAY_SIZE(ranges)),
		0);
	free_at_start = heap_free_pages();
	new_domain(false, nr);
	assert_int_equal(build(nr, NULL), 0);
	assert_int_equal(pv_build_layout(&elf, nr, false, &l), 0);
	check_all(nr, false, &l);
	read_start_info(&si);
	assert_int_equal(check_extents(nr, si.mfn_list), 0);
	destroy_domain();
	assert_int_equal(heap_free_pages(), free_at_start);
}

/* alloc_order=scramble: the heap hands frames out of order, the p2m sorts them. */
static void test_scrambled_heap(void **state)
{
	const unsigned long nr = MiB_PAGES(32) + 300;
	struct pv_layout l;
	struct start_info si;

	heap_scramble = true;
	new_domain(false, nr);
	assert_int_equal(build(nr, NULL), 0);
	assert_int_equal(pv_build_layout(&elf, nr, false, &l), 0);
	check_all(nr, false, &l);
	read_start_info(&si);
	assert_int_equal(check_extents(nr, si.mfn_list), MiB_PAGES(32));
	destroy_domain();
	heap_scramble = false;
	assert_int_equal(heap_free_pages(), free_at_start);
}

static void test_long_cmdline_cut(void **state)
{
	static char line[2000];
	struct start_info si;

	memset(line, 'x', sizeof(line) - 1);
	new_domain(false, MiB_PAGES(16));
	assert_int_equal(build(MiB_PAGES(16), line), 0);
	assert_true(log_has(LOGLVL_WARN, "(d3) command line cut to 1023"));
	read_start_info(&si);
	assert_int_equal(strlen((const char *)si.cmd_line), 1023);
	destroy_domain();
}

/* ---- failures: refused, and nothing left behind ---- */

static void test_image_does_not_fit(void **state)
{
	/* 1 MiB: the 4 MiB region does not fit. */
	new_domain(false, MiB_PAGES(1));
	build_refused(
		MiB_PAGES(1), -ENOMEM,
		"(d3) the kernel, its p2m, start_info, page tables and stack need more than the domain's 256 pages");
	/* A 1 GiB bss: refused before the table search. */
	g.seg[1].memsz = 1UL << 30;
	new_domain(false, MiB_PAGES(64));
	build_refused(MiB_PAGES(64), -ENOMEM,
		      "need more than the domain's 16384 pages");
}

static void test_out_of_memory(void **state)
{
	/* More than the machine has: the heap runs out part-way. */
	const unsigned long nr = MACHINE_FRAMES + 1000;

	new_domain(false, nr);
	build_refused(nr, -ENOMEM, "(d3) out of memory");
	/* max_pages below the size: assign refuses part-way. */
	new_domain(false, MiB_PAGES(8));
	build_refused(MiB_PAGES(16), -ENOMEM,
		      "(d3) out of memory for its 4096 pages");
}

static void test_out_of_memory_in_4k(void **state)
{
	/* No 2 MiB chunk and too few frames: fails in the 4 KiB loop. */
	static const struct host_range r[] = {{100, 600}, {700, 1200}};

	host_machine_fini();
	assert_int_equal(host_machine_init_ranges(4096, r, ARRAY_SIZE(r)), 0);
	free_at_start = heap_free_pages();
	new_domain(false, 2048);
	build_refused(2048, -ENOMEM, "(d3) out of memory for its 2048 pages");
}

static void test_tables_refused(void **state)
{
	new_domain(false, MiB_PAGES(16));
	pin_rc = -EINVAL;
	build_refused(MiB_PAGES(16), -EINVAL,
		      "(d3) its bootstrap page tables were refused (-22)");
	/* The pin works, the guest_table reference does not: unpinned again. */
	new_domain(false, MiB_PAGES(16));
	ref_rc = -EINVAL;
	build_refused(MiB_PAGES(16), -EINVAL, NULL);
}

static void test_no_event_channels(void **state)
{
	new_domain(false, MiB_PAGES(16));
	port_rc = -ENOSPC;
	build_refused(MiB_PAGES(16), -ENOSPC,
		      "(d3) no event channels for the console and xenstore");
}

static void test_domain_not_new(void **state)
{
	struct page_info *pg;

	new_domain(false, MiB_PAGES(16) + 1);
	pg = alloc_domheap_pages(&dom, 0, 0);
	assert_non_null(pg);
	assert_int_equal(build(MiB_PAGES(16), NULL), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "(d3) the domain is not new"));
	domain_relinquish_memory(&dom);
	assert_nothing_held();
}

static void test_dom0_features(void **state)
{
	/* Says what it supports, and dom0 is not among it. */
	gelf_note_u32(&g, XEN_ELFNOTE_SUPPORTED_FEATURES, 1U << 5);
	new_domain(true, MiB_PAGES(16));
	build_refused(
		MiB_PAGES(16), -EINVAL,
		"(d3) the kernel does not support running as the initial domain");
	/* Requires dom0, built as an ordinary domain. */
	gelf_typical(&g);
	gelf_drop(&g, XEN_ELFNOTE_FEATURES);
	gelf_note_str(&g, XEN_ELFNOTE_FEATURES, "!dom0");
	new_domain(false, MiB_PAGES(16));
	build_refused(MiB_PAGES(16), -EINVAL,
		      "(d3) the kernel requires being the initial domain");
	/* ... and as the initial domain it is fine. */
	new_domain(true, MiB_PAGES(16));
	assert_int_equal(build(MiB_PAGES(16), NULL), 0);
	destroy_domain();
}

static void test_region_leaves_address_space(void **state)
{
	struct pv_layout l;

	/* The image fits below 2^64, its p2m and tables would not. */
	gelf_empty(&g);
	g.entry = 0xffffffffffe00000UL;
	gelf_seg(&g, 0xffffffffffe00000UL, 0, 0x100, 0x1000, 5);
	gelf_note_str(&g, XEN_ELFNOTE_LOADER, "generic");
	gelf_note_str(&g, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	gelf_note_u64(&g, XEN_ELFNOTE_VIRT_BASE, 0xffffffffffe00000UL);
	new_domain(false, MiB_PAGES(16));
	build_refused(MiB_PAGES(16), -EINVAL,
		      "would run past the guest's part of the address space");

	/* A low-half kernel 64 KiB below 2^47: its region would cross it. */
	gelf_empty(&g);
	g.entry = 0x7fffffff0000UL;
	gelf_seg(&g, 0x7fffffff0000UL, 0x7fffffff0000UL, 0x100, 0x1000, 5);
	gelf_note_str(&g, XEN_ELFNOTE_GUEST_OS, "linux");
	gelf_note_str(&g, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	gelf_note_u64(&g, XEN_ELFNOTE_VIRT_BASE, 0x7fffffff0000UL);
	gelf_note_u64(&g, XEN_ELFNOTE_PADDR_OFFSET, 0x7fffffff0000UL);
	gelf_write(&g, &img);
	assert_int_equal(pv_elf_parse(&elf, img.buf, img.len, "(d3)"), 0);
	assert_int_equal(pv_build_layout(&elf, MiB_PAGES(16), false, &l),
			 -EINVAL);

	/* No memory at all. */
	assert_int_equal(pv_build_layout(&elf, 0, false, &l), -EINVAL);
	assert_int_equal(pv_build_layout(&elf, ~0UL, false, &l), -EINVAL);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ordinary_domain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_initial_domain_as_xen,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_padding_rule, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_region_across_l4_slots,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_2m_extents, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scrambled_heap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_long_cmdline_cut, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_image_does_not_fit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory_in_4k, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tables_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_event_channels, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_domain_not_new, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dom0_features, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_region_leaves_address_space, setup, teardown),
	};

	return cmocka_run_group_tests_name("pv_build", tests, NULL, NULL);
}
