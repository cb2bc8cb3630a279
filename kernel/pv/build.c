/* SPDX-License-Identifier: MIT */
/*
 * The PV domain builder: Xen's x86-64 start-of-day layout (the contract
 * and the layout are in include/mica/pv_build.h; the facts come from Xen's
 * xen/arch/x86/pv/dom0_build.c). Everything that can fail for lack of
 * memory or room is done before the tables are typed, and undone on the
 * one exit path: the pages go back with their M2P entries reset.
 */
#include <asm/config.h>
#include <mica/arch_mm.h>
#include <mica/domain_page.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/lib.h>
#include <mica/m2p.h>
#include <mica/paging.h>
#include <mica/pv_build.h>
#include <mica/pv_mm.h>
#include <mica/xvmalloc.h>
#include <public/features.h>
#include <public/xen.h>

#include "pv.h"

#define SZ_4M (1UL << 22)
#define MIN_PADDING (512UL << 10) /* after the boot stack, as Xen leaves */

/* Xen's protections: the guest kernel is in ring 3, so all are _PAGE_USER. */
#define L1_PROT (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_USER)
#define TABLE_PROT (L1_PROT | _PAGE_DIRTY)

#define X86_EFLAGS_MBS 0x2 /* bit 1, always set */
#define X86_EFLAGS_IF 0x200

/* The domain's frames: pfn 0 up are ext[] 512 at a time, then one[]. */
struct pv_mem {
	unsigned long *ext, nr_ext; /* first mfns of the 2 MiB extents */
	unsigned long *one, nr_one; /* the 4 KiB frames */
};

struct build {
	struct domain *d;
	const struct pv_elf *elf;
	unsigned long nr_pages;
	bool initial;
	struct pv_layout l;
	struct pv_mem mem;
};

static mfn_t pfn_mfn(const struct pv_mem *m, unsigned long pfn)
{
	if (pfn < m->nr_ext << PAGEBLOCK_ORDER)
		return _mfn(m->ext[pfn >> PAGEBLOCK_ORDER] +
			    (pfn & (PAGEBLOCK_PAGES - 1)));
	return _mfn(m->one[pfn - (m->nr_ext << PAGEBLOCK_ORDER)]);
}

/* ---- the layout ---- */

/* How many 2^shift-byte spans [lo, hi) touches (hi > lo). */
static unsigned long spans(unsigned long lo, unsigned long hi,
			   unsigned int shift)
{
	return ((hi - 1) >> shift) - (lo >> shift) + 1;
}

/* x + a, rounded up to a page (a may be 0): false if it wraps. */
static bool page_after(unsigned long x, unsigned long a, unsigned long *r)
{
	if (__builtin_add_overflow(x, a, r) ||
	    __builtin_add_overflow(*r, PAGE_SIZE - 1, r))
		return false;
	*r &= PAGE_MASK;
	return true;
}

/* Whether pages [v_start, end) and n more fit in nr_pages. */
static bool fits(const struct pv_layout *l, unsigned long end, unsigned long n,
		 unsigned long nr_pages)
{
	unsigned long pages = (end - l->v_start) >> PAGE_SHIFT;

	return pages <= nr_pages && n <= nr_pages - pages;
}

static int too_high(const struct pv_elf *elf)
{
	printk(LOG_ERR
	       "%sthe initial mapping from %#lx would run past the guest's part of the address space\n",
	       elf->who, elf->virt_base);
	return -EINVAL;
}

int pv_build_layout(const struct pv_elf *elf, unsigned long nr_pages,
		    bool initial, struct pv_layout *l)
{
	unsigned long p2m_bytes, next, n = 2, need;

	memset(l, 0, sizeof(*l));
	if (!nr_pages || __builtin_mul_overflow(nr_pages, 8UL, &p2m_bytes)) {
		printk(LOG_ERR "%s%lu pages of memory cannot be built\n",
		       elf->who, nr_pages);
		return -EINVAL;
	}
	l->v_start = elf->virt_base;
	l->vkern_start = elf->virt_kstart;
	l->vkern_end = elf->virt_kend;
	if (!page_after(l->vkern_end, 0, &l->vphysmap_start) ||
	    !page_after(l->vphysmap_start, p2m_bytes, &next))
		return too_high(elf);
	l->vphysmap_end = l->vphysmap_start + p2m_bytes;
	l->vstartinfo_start = next;
	if (!page_after(next, PAGE_SIZE, &next))
		return too_high(elf);
	if (!initial) {
		l->vxenstore = next;
		l->vconsole = next + PAGE_SIZE;
		if (!page_after(next, 2 * PAGE_SIZE, &next))
			return too_high(elf);
	}
	l->vpt_start = next;
	if (!fits(l, l->vpt_start, n, nr_pages))
		goto too_small;

	/*
	 * The tables map the region, which ends after them: find the fewest
	 * frames n that map a region holding n frames of tables. A region
	 * that needs more than n tables needs at least that many, so the
	 * search may jump there.
	 */
	for (;;) {
		unsigned long end;

		if (__builtin_mul_overflow(n, PAGE_SIZE, &end) ||
		    __builtin_add_overflow(end, l->vpt_start, &end) ||
		    __builtin_add_overflow(end, PAGE_SIZE, &l->vstack_end) ||
		    __builtin_add_overflow(l->vstack_end, SZ_4M - 1, &end))
			return too_high(elf);
		l->v_end = end & ~(SZ_4M - 1);
		if (l->v_end - l->vstack_end < MIN_PADDING &&
		    __builtin_add_overflow(l->v_end, SZ_4M, &l->v_end))
			return too_high(elf);
		/* A region ending at 2^64 is refused: v_end would be 0. */
		if (!l->v_end)
			return too_high(elf);
		l->nr_l3 = spans(l->v_start, l->v_end, L4_PAGE_SHIFT);
		l->nr_l2 = spans(l->v_start, l->v_end, L3_PAGE_SHIFT);
		l->nr_l1 = spans(l->v_start, l->v_end, L2_PAGE_SHIFT);
		need = 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
		if (need <= n)
			break;
		n = need;
		if (!fits(l, l->vpt_start, n, nr_pages))
			goto too_small;
	}
	l->nr_pt_frames = n;
	l->vstack_start = l->vstack_end - PAGE_SIZE;
	if (!guest_range_ok(l->v_start, l->v_end - l->v_start))
		return too_high(elf);
	if ((l->v_end - l->v_start) >> PAGE_SHIFT > nr_pages)
		goto too_small;
	return 0;
too_small:
	printk(LOG_ERR
	       "%sthe kernel, its p2m, start_info, page tables and stack need more than the domain's %lu pages\n",
	       elf->who, nr_pages);
	return -ENOMEM;
}

/* ---- memory ---- */

/* Heapsort: the arrays can hold millions of frames. */
static void sift(unsigned long *v, unsigned long i, unsigned long n)
{
	for (unsigned long c; (c = 2 * i + 1) < n; i = c) {
		unsigned long x;

		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[i] >= v[c])
			return;
		x = v[i];
		v[i] = v[c];
		v[c] = x;
	}
}

static void sort_mfns(unsigned long *v, unsigned long n)
{
	for (unsigned long i = n / 2; i-- > 0;)
		sift(v, i, n);
	for (unsigned long end = n; end-- > 1;) {
		unsigned long x = v[0];

		v[0] = v[end];
		v[end] = x;
		sift(v, 0, end);
	}
}

static int alloc_memory(struct build *b)
{
	struct pv_mem *m = &b->mem;
	unsigned long want = b->nr_pages >> PAGEBLOCK_ORDER, rest;
	struct page_info *pg;

	m->ext = want ? xvmalloc_array(unsigned long, want) : NULL;
	if (want && !m->ext)
		return -ENOMEM;
	while (m->nr_ext < want &&
	       (pg = alloc_domheap_pages(b->d, PAGEBLOCK_ORDER, MEMF_guest)))
		m->ext[m->nr_ext++] = mfn_x(page_to_mfn(pg));
	/* What is not in 2 MiB extents: the remainder, or all once they ran out. */
	rest = b->nr_pages - (m->nr_ext << PAGEBLOCK_ORDER);
	m->one = rest ? xvmalloc_array(unsigned long, rest) : NULL;
	if (rest && !m->one)
		return -ENOMEM;
	while (m->nr_one < rest) {
		pg = alloc_domheap_pages(b->d, 0, MEMF_guest);
		if (!pg)
			return -ENOMEM;
		m->one[m->nr_one++] = mfn_x(page_to_mfn(pg));
	}
	sort_mfns(m->ext, m->nr_ext);
	sort_mfns(m->one, m->nr_one);
	return 0;
}

/* A region page, mapped: the caller unmaps it. */
static void *map_va(const struct build *b, unsigned long va)
{
	ASSERT(va >= b->l.v_start &&
	       va - b->l.v_start < b->l.v_end - b->l.v_start);
	return (uint8_t *)map_domain_page(
		       pfn_mfn(&b->mem, (va - b->l.v_start) >> PAGE_SHIFT)) +
	       (va & ~PAGE_MASK);
}

static mfn_t va_mfn(const struct build *b, unsigned long va)
{
	return pfn_mfn(&b->mem, (va - b->l.v_start) >> PAGE_SHIFT);
}

/* The p2m list in the guest, and the M2P, for every pfn. */
static void fill_p2m(const struct build *b)
{
	const unsigned long per_page = PAGE_SIZE / sizeof(uint64_t);

	for (unsigned long pfn = 0; pfn < b->nr_pages; pfn += per_page) {
		uint64_t *p = map_va(b, b->l.vphysmap_start + pfn * 8);
		unsigned long n = MIN(per_page, b->nr_pages - pfn);

		for (unsigned long i = 0; i < n; i++) {
			mfn_t m = pfn_mfn(&b->mem, pfn + i);

			p[i] = mfn_x(m);
			set_gpfn_from_mfn(m, pfn + i);
		}
		unmap_domain_page(p);
	}
}

static int load_write(void *ctx, unsigned long va, const void *src, size_t len)
{
	const struct build *b = ctx;
	uint8_t *p = map_va(b, va);

	if (src)
		memcpy(p, src, len);
	else
		memset(p, 0, len);
	unmap_domain_page(p);
	return 0;
}

/* ---- page tables ---- */

/* The frame of bootstrap table i: 0 the L4, then L3s, L2s, L1s. */
static mfn_t pt_mfn(const struct build *b, unsigned long i)
{
	return va_mfn(b, b->l.vpt_start + i * PAGE_SIZE);
}

static void set_entry(mfn_t table, unsigned int slot, mfn_t to, uint64_t prot)
{
	uint64_t *t = map_domain_page(table);

	t[slot] = mfn_to_maddr(to) | prot;
	unmap_domain_page(t);
}

static void build_tables(const struct build *b)
{
	const struct pv_layout *l = &b->l;
	unsigned long first_l2 = 1 + l->nr_l3, first_l1 = first_l2 + l->nr_l2;
	unsigned long pt_first = (l->vpt_start - l->v_start) >> PAGE_SHIFT;
	unsigned long nr = (l->v_end - l->v_start) >> PAGE_SHIFT, cur = ~0UL;
	uint64_t *t = map_domain_page(pt_mfn(b, 0)), *l1 = NULL;

	arch_pv_init_l4(t);
	unmap_domain_page(t);
	/* Each table covers one span of the level above's: 512 GiB, 1 GiB, 2 MiB. */
	for (unsigned long i = 0; i < l->nr_l3; i++)
		set_entry(pt_mfn(b, 0),
			  ((l->v_start >> L4_PAGE_SHIFT) + i) & 511,
			  pt_mfn(b, 1 + i), TABLE_PROT);
	for (unsigned long i = 0; i < l->nr_l2; i++) {
		unsigned long g = (l->v_start >> L3_PAGE_SHIFT) + i;

		set_entry(
			pt_mfn(b, 1 + (g >> 9) - (l->v_start >> L4_PAGE_SHIFT)),
			g & 511, pt_mfn(b, first_l2 + i), TABLE_PROT);
	}
	for (unsigned long i = 0; i < l->nr_l1; i++) {
		unsigned long m = (l->v_start >> L2_PAGE_SHIFT) + i;

		set_entry(pt_mfn(b, first_l2 + (m >> 9) -
					    (l->v_start >> L3_PAGE_SHIFT)),
			  m & 511, pt_mfn(b, first_l1 + i), TABLE_PROT);
	}
	/* Every page of the region; the tables themselves read-only. */
	for (unsigned long pfn = 0; pfn < nr; pfn++) {
		unsigned long va = l->v_start + (pfn << PAGE_SHIFT);
		unsigned long i =
			(va >> L2_PAGE_SHIFT) - (l->v_start >> L2_PAGE_SHIFT);
		bool table = pfn - pt_first < l->nr_pt_frames;

		if (i != cur) {
			unmap_domain_page(l1);
			l1 = map_domain_page(pt_mfn(b, first_l1 + i));
			cur = i;
		}
		l1[(va >> PAGE_SHIFT) & 511] =
			mfn_to_maddr(pfn_mfn(&b->mem, pfn)) |
			(table ? L1_PROT & ~_PAGE_RW : L1_PROT);
	}
	unmap_domain_page(l1);
}

/*
 * The page-type step: pin the L4 (which validates the whole bootstrap
 * tree and types every frame it maps) and take vCPU 0's guest_table
 * reference. Nothing is left taken on failure.
 */
static int type_boot_tables(struct domain *d, struct vcpu *v, mfn_t l4)
{
	int rc = pv_pin_table(d, l4, 4);

	if (rc)
		return rc;
	rc = get_page_and_type(mfn_to_page(l4), d, PGT_l4_page_table);
	if (rc) {
		pv_unpin_table(d, l4);
		return rc;
	}
	v->guest_table = l4;
	return 0;
}

/* ---- start of day ---- */

/*
 * 128 stubs of 32 bytes, stub i issuing hypercall i: push %rcx; push %r11;
 * mov $i,%eax; syscall; pop %r11; pop %rcx; ret. iret's never returns and
 * pushes rax as well. int3 fills the rest, as Xen's.
 */
static void write_hypercall_page(uint8_t *p)
{
	memset(p, 0xcc, PAGE_SIZE);
	for (uint32_t i = 0; i < XEN_NR_HYPERCALL_STUBS;
	     i++, p += XEN_HYPERCALL_STUB_SIZE) {
		static const uint8_t call[] = {0x51, 0x41, 0x53, 0xb8};
		static const uint8_t iret[] = {0x51, 0x41, 0x53, 0x50, 0xb8};
		static const uint8_t back[] = {0x0f, 0x05, 0x41,
					       0x5b, 0x59, 0xc3};
		bool is_iret = i == __HYPERVISOR_iret;
		size_t at = is_iret ? sizeof(iret) : sizeof(call);

		memcpy(p, is_iret ? iret : call, at);
		memcpy(p + at, &i, 4);
		/* syscall, and for all but iret the way back. */
		memcpy(p + at + 4, back, is_iret ? 2 : sizeof(back));
	}
}

static void fill_start_info(const struct build *b, const char *cmdline)
{
	struct start_info *si = map_va(b, b->l.vstartinfo_start);
	const struct domain *d = b->d;

	mica_strlcpy(si->magic, XEN_START_INFO_MAGIC, sizeof(si->magic));
	si->nr_pages = b->nr_pages;
	si->shared_info = mfn_to_maddr(_mfn(arch_virt_to_mfn(d->shared_info)));
	si->flags = b->initial ? SIF_PRIVILEGED | SIF_INITDOMAIN : 0;
	if (!b->initial) {
		si->store_mfn = mfn_x(d->store_mfn);
		si->store_evtchn = d->store_port;
		si->console.domU.mfn = mfn_x(d->console_mfn);
		si->console.domU.evtchn = d->console_port;
	}
	/* console.dom0: no VGA information for guests (info_off 0). */
	si->pt_base = b->l.vpt_start;
	si->nr_pt_frames = b->l.nr_pt_frames;
	si->mfn_list = b->l.vphysmap_start;
	if (cmdline &&
	    mica_strlcpy((char *)si->cmd_line, cmdline, sizeof(si->cmd_line)) >=
		    sizeof(si->cmd_line))
		printk(LOG_WARN "%scommand line cut to %zu characters\n",
		       b->elf->who, sizeof(si->cmd_line) - 1);
	/* The p2m is in the initial mapping: first_p2m_pfn, nr_p2m_frames 0. */
	unmap_domain_page(si);
}

static void set_entry_state(const struct build *b, struct vcpu *v)
{
	struct cpu_regs *r = v->regs;

	memset(r, 0, sizeof(*r));
	r->rip = b->elf->virt_entry;
	r->rsp = b->l.vstack_end;
	r->rsi = b->l.vstartinfo_start;
	r->rflags = X86_EFLAGS_IF | X86_EFLAGS_MBS;
	r->cs = FLAT_KERNEL_CS64;
	r->ss = FLAT_KERNEL_SS64;
	v->sel_ds = v->sel_es = v->sel_fs = v->sel_gs = 0;
	v->kernel_mode = true;
	v->kernel_ss = FLAT_KERNEL_SS64;
	v->kernel_sp = b->l.vstack_end;
}

static int check_domain(const struct build *b)
{
	const struct domain *d = b->d;
	const struct pv_elf *elf = b->elf;

	if (!d->vcpu[0] || !d->vcpu[0]->regs || !d->shared_info ||
	    d->tot_pages || d->page_list.head != PAGE_LIST_NULL) {
		printk(LOG_ERR "%sthe domain is not new: not built\n",
		       elf->who);
		return -EINVAL;
	}
	/* Xen's rules: a kernel that lists its features must list dom0 to be it. */
	if (b->initial && elf->has_supported_features &&
	    !(elf->f_supported & (1U << XENFEAT_dom0))) {
		printk(LOG_ERR
		       "%sthe kernel does not support running as the initial domain\n",
		       elf->who);
		return -EINVAL;
	}
	if (!b->initial && (elf->f_required & (1U << XENFEAT_dom0))) {
		printk(LOG_ERR
		       "%sthe kernel requires being the initial domain\n",
		       elf->who);
		return -EINVAL;
	}
	return 0;
}

static void release_memory(struct build *b)
{
	struct domain *d = b->d;

	for (uint32_t m = d->page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next)
		set_gpfn_from_mfn(_mfn(m), INVALID_M2P_ENTRY);
	domain_relinquish_memory(d);
	d->console_mfn = d->store_mfn = INVALID_MFN;
}

int pv_build(struct domain *d, const struct pv_elf *elf, unsigned long nr_pages,
	     const char *cmdline)
{
	struct build b = {.d = d,
			  .elf = elf,
			  .nr_pages = nr_pages,
			  .initial = d->is_privileged};
	struct vcpu *v = d->vcpu[0];
	int rc;

	rc = check_domain(&b);
	if (!rc)
		rc = pv_build_layout(elf, nr_pages, b.initial, &b.l);
	if (rc)
		return rc;
	if (!b.initial) {
		int console = evtchn_alloc_unbound_xen(d);
		int store = evtchn_alloc_unbound_xen(d);

		if (console <= 0 || store <= 0) {
			printk(LOG_ERR
			       "%sno event channels for the console and xenstore\n",
			       elf->who);
			return -ENOSPC;
		}
		d->console_port = console;
		d->store_port = store;
	}
	rc = alloc_memory(&b);
	if (rc) {
		printk(LOG_ERR "%sout of memory for its %lu pages\n", elf->who,
		       nr_pages);
		goto out;
	}

	for (unsigned long pfn = 0;
	     pfn < (b.l.v_end - b.l.v_start) >> PAGE_SHIFT; pfn++)
		clear_domain_page(pfn_mfn(&b.mem, pfn));
	fill_p2m(&b);
	rc = pv_elf_load(elf, load_write, &b);
	if (rc)
		goto out;
	if (!b.initial) {
		d->store_mfn = va_mfn(&b, b.l.vxenstore);
		d->console_mfn = va_mfn(&b, b.l.vconsole);
	}
	fill_start_info(&b, cmdline);
	build_tables(&b);
	if (elf->virt_hypercall != PV_ELF_UNSET) {
		uint8_t *p = map_va(&b, elf->virt_hypercall);

		write_hypercall_page(p);
		unmap_domain_page(p);
	}
	for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;

	rc = type_boot_tables(d, v, pt_mfn(&b, 0));
	if (rc) {
		printk(LOG_ERR
		       "%sits bootstrap page tables were refused (%d)\n",
		       elf->who, rc);
		goto out;
	}
	set_entry_state(&b, v);
	printk(LOG_DEBUG
	       "%s%lu pages (%lu in 2 MiB extents); kernel %#lx-%#lx, p2m %#lx-%#lx, start_info %#lx, page tables %#lx (%lu), stack %#lx-%#lx, end %#lx\n",
	       elf->who, nr_pages, b.mem.nr_ext << PAGEBLOCK_ORDER,
	       b.l.vkern_start, b.l.vkern_end, b.l.vphysmap_start,
	       b.l.vphysmap_end, b.l.vstartinfo_start, b.l.vpt_start,
	       b.l.nr_pt_frames, b.l.vstack_start, b.l.vstack_end, b.l.v_end);
out:
	if (rc)
		release_memory(&b);
	xvfree(b.mem.ext);
	xvfree(b.mem.one);
	return rc;
}
