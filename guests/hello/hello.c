/* SPDX-License-Identifier: MIT */
/*
 * hello: what a PV domain finds at start of day. start_info's fields and
 * the builder's layout of the initial region, the p2m against the M2P for
 * every pfn, the initial mappings, shared_info's time, and xen_version.
 */
#include "ktap.h"
#include "mm.h"
#include "traps.h"

static unsigned long page_up(unsigned long va)
{
	return ROUNDUP(va, PAGE_SIZE);
}

static void test_magic(void)
{
	const char *m = start_info->magic;

	ktap_diag("magic \"%.32s\", flags %#x, nr_pages %lu", m,
		  start_info->flags, start_info->nr_pages);
	expect_msg(!strncmp(m, XEN_START_INFO_MAGIC,
			    sizeof(XEN_START_INFO_MAGIC) - 1),
		   "magic \"%.32s\" does not start \"%s\"", m,
		   XEN_START_INFO_MAGIC);
	expect(memchr(m, 0, sizeof(start_info->magic)) != NULL);
}

static void test_flags(void)
{
	uint32_t f = start_info->flags;

	/* Xen makes its initial domain privileged too. */
	if (f & SIF_INITDOMAIN)
		expect(f & SIF_PRIVILEGED);
	expect_msg(
		!(f & ~(SIF_PRIVILEGED | SIF_INITDOMAIN | SIF_MULTIBOOT_MOD |
			SIF_MOD_START_PFN | SIF_VIRT_P2M_4TOOLS | SIF_PM_MASK)),
		"unknown flags %#x", f);
	/* Without a ram disk there is no module to describe. */
	if (!start_info->mod_start)
		expect(!(f & (SIF_MULTIBOOT_MOD | SIF_MOD_START_PFN)));
}

static void test_nr_pages(void)
{
	domid_t self = DOMID_SELF;
	long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
	long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);

	ktap_diag("current reservation %ld, maximum %ld", cur, max);
	expect(start_info->nr_pages > 0);
	expect_eq(cur, start_info->nr_pages);
	expect(max >= cur);
}

static void test_cmdline(void)
{
	const char *c = (const char *)start_info->cmd_line;

	expect(memchr(c, 0, MAX_GUEST_CMDLINE) != NULL);
	ktap_diag("cmd_line \"%.80s\"", c);
}

/* The initial domain's console info lies in the start_info page, after it. */
static void test_dom0_console_info(void)
{
	uint32_t off = start_info->console.dom0.info_off;
	uint32_t size = start_info->console.dom0.info_size;
	const struct dom0_vga_console_info *ci;

	if (!is_initial_domain()) {
		ktap_skip("not the initial domain");
		return;
	}
	ktap_diag("console info at +%#x, %u bytes", off, size);
	if (!size)
		return;
	expect(off >= sizeof(struct start_info) && off + size <= PAGE_SIZE);
	ci = (const void *)((const char *)start_info + off);
	ktap_diag("video type %#x", ci->video_type);
	expect(ci->video_type == XEN_VGATYPE_TEXT_MODE_3 ||
	       ci->video_type == XEN_VGATYPE_VESA_LFB ||
	       ci->video_type == XEN_VGATYPE_EFI_LFB);
}

/*
 * The initial region, in order: the image, the ram disk if any, the p2m,
 * start_info, (domU) the xenstore and console pages, the page tables, the
 * boot stack.
 */
static void test_layout(void)
{
	unsigned long next = page_up((unsigned long)__image_end);
	unsigned long si = (unsigned long)start_info;
	unsigned long stack;

	ktap_diag("image %p-%p p2m %#lx start_info %#lx pt_base %#lx (%lu "
		  "frames) rsp %#lx",
		  __image_start, __image_end, start_info->mfn_list, si,
		  start_info->pt_base, start_info->nr_pt_frames, boot_rsp);
	if (start_info->mod_start) {
		if (start_info->flags & SIF_MOD_START_PFN) {
			ktap_diag("ram disk at pfn %#lx: not in the region",
				  start_info->mod_start);
		} else {
			expect_eq(start_info->mod_start, next);
			next = page_up(next + start_info->mod_len);
		}
	}
	expect_eq(start_info->mfn_list, next);
	next = page_up(next + start_info->nr_pages * sizeof(xen_pfn_t));
	expect_eq(si, next);
	next += PAGE_SIZE;
	if (!is_initial_domain()) {
		expect_eq(start_info->store_mfn,
			  p2m[virt_to_pfn((void *)next)]);
		next += PAGE_SIZE;
		expect_eq(start_info->console.domU.mfn,
			  p2m[virt_to_pfn((void *)next)]);
		next += PAGE_SIZE;
	}
	expect_eq(start_info->pt_base, next);
	next += start_info->nr_pt_frames * PAGE_SIZE;
	stack = next;
	expect_msg(boot_rsp > stack && boot_rsp <= stack + PAGE_SIZE,
		   "rsp %#lx is not in the boot stack page %#lx", boot_rsp,
		   stack);
	expect_msg(!(boot_rsp & 7), "rsp %#lx misaligned", boot_rsp);
}

/* Every pfn's frame maps back to it: m2p[p2m[pfn]] == pfn. */
static void test_p2m_m2p(void)
{
	unsigned long pfn, bad = 0;

	ktap_diag("M2P at %#lx-%#lx, max_mfn %#lx", m2p_mapping.v_start,
		  m2p_mapping.v_end, m2p_mapping.max_mfn);
	for (pfn = 0; pfn < start_info->nr_pages; pfn++) {
		xen_pfn_t mfn = p2m[pfn];

		if (!m2p_valid(mfn) || mfn_to_pfn(mfn) != pfn) {
			if (bad++ < 5)
				ktap_diag("pfn %#lx: mfn %#lx, m2p %#lx", pfn,
					  mfn,
					  m2p_valid(mfn) ? mfn_to_pfn(mfn) : 0);
		}
	}
	expect_msg(!bad, "%lu of %lu pfns do not map back", bad,
		   start_info->nr_pages);
}

static void test_machphys_mapping(void)
{
	struct xen_machphys_mapping m = {0};
	long rc = HYPERVISOR_memory_op(XENMEM_machphys_mapping, &m);

	if (!expect_rc(rc, 0))
		return;
	expect(m.v_start >= HYPERVISOR_VIRT_START);
	expect(m.v_end > m.v_start && m.v_end <= HYPERVISOR_VIRT_END);
	expect((m.max_mfn + 1) * sizeof(unsigned long) <= m.v_end - m.v_start);
}

/* The M2P is read-only to guests. */
static void test_m2p_readonly(void)
{
	volatile unsigned long *e =
		(volatile unsigned long *)&m2p[p2m[virt_to_pfn(__bss_start)]];
	int v = probe_write(e, *e);

	if (!expect_msg(v == X86_EXC_PF, "writing the M2P gave vector %d", v))
		return;
	expect_eq(last_trap.cr2, (unsigned long)e);
	expect_eq(last_trap.error_code &
			  (PFEC_present | PFEC_write | PFEC_user),
		  PFEC_present | PFEC_write);
}

/*
 * The builder maps pfn i at VIRT_BASE + i pages, for the whole region:
 * writable and user (a PV kernel runs in ring 3), but its own page tables
 * read-only. And it built the tables from exactly nr_pt_frames frames.
 */
static void test_initial_mappings(void)
{
	unsigned long pages = initial_region_pages(), i, bad = 0;
	unsigned long pt_first = virt_to_pfn((void *)start_info->pt_base);
	unsigned long pt_end = pt_first + start_info->nr_pt_frames;
	xen_pfn_t l4 = current_l4_mfn();

	for (i = 0; i < pages; i++) {
		unsigned long va = pfn_to_virt(i);
		const uint64_t *pte = pt_walk(l4, va, 1, NULL);
		uint64_t want = _PAGE_PRESENT | _PAGE_USER;
		bool pt = i >= pt_first && i < pt_end;

		xen_pfn_t mfn = p2m[i];

		if (!pt)
			want |= _PAGE_RW;
		/* start.c put the shared_info frame in this one's place. */
		if (va == (unsigned long)shared_info)
			mfn = start_info->shared_info >> PAGE_SHIFT;
		if (!pte || pte_mfn(*pte) != mfn ||
		    (*pte & (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)) != want) {
			if (bad++ < 5)
				ktap_diag(
					"pfn %#lx va %#lx: pte %#lx, mfn %#lx",
					i, va, pte ? *pte : 0, mfn);
		}
	}
	expect_msg(!bad, "%lu of %lu initial mappings wrong", bad, pages);
	/* Past the region, the L1s the builder made map nothing. */
	for (i = pages; i < ROUNDUP(pages, PT_ENTRIES); i++) {
		const uint64_t *pte = pt_walk(l4, pfn_to_virt(i), 1, NULL);

		if (pte && (*pte & _PAGE_PRESENT)) {
			expect_msg(false, "va %#lx past the region is mapped",
				   pfn_to_virt(i));
			break;
		}
	}
}

/* Count the tables reachable for the region: all must be in pt_base's run. */
static void test_page_tables(void)
{
	unsigned long pt_first = virt_to_pfn((void *)start_info->pt_base);
	unsigned long pt_end = pt_first + start_info->nr_pt_frames;
	unsigned long pages = initial_region_pages(), va, n = 1;
	xen_pfn_t l4 = current_l4_mfn(), seen[3] = {~0UL, ~0UL, ~0UL};
	const uint64_t *t4 = table_virt(l4);
	int level;

	if (!expect(t4 != NULL))
		return;
	/* The hypervisor's slots are in every L4: the M2P's first. */
	expect_msg(t4[256] & _PAGE_PRESENT, "L4 slot 256 (M2P) %#lx", t4[256]);
	for (va = (unsigned long)__image_start; va < pfn_to_virt(pages);
	     va += PAGE_SIZE) {
		for (level = 3; level >= 1; level--) {
			uint64_t ma;
			const uint64_t *e = pt_walk(l4, va, level + 1, &ma);
			xen_pfn_t mfn;
			unsigned long pfn;

			if (!expect(e && (*e & _PAGE_PRESENT)))
				return;
			mfn = pte_mfn(*e);
			if (mfn == seen[level - 1])
				continue;
			seen[level - 1] = mfn;
			n++;
			pfn = mfn_to_pfn(mfn);
			if (!expect_msg(
				    pfn >= pt_first && pfn < pt_end,
				    "L%d table of %#lx at pfn %#lx, outside "
				    "the page tables",
				    level, va, pfn))
				return;
		}
	}
	expect_eq(n, start_info->nr_pt_frames);
}

static void test_bss_zeroed(void)
{
	expect_msg(bss_was_zero, "the loader left .bss dirty");
}

static void test_shared_info_time(void)
{
	const struct vcpu_time_info *t = &shared_info->vcpu_info[0].time;
	uint64_t a, b;
	volatile unsigned long spin;

	ktap_diag("system time %lu ns, tsc mul %#x shift %d, wallclock %u.%09u",
		  t->system_time, t->tsc_to_system_mul, t->tsc_shift,
		  shared_info->wc_sec, shared_info->wc_nsec);
	expect(t->tsc_to_system_mul != 0);
	a = system_time_ns();
	for (spin = 0; spin < 1000000; spin++)
		;
	b = system_time_ns();
	expect_msg(b > a, "system time did not advance: %lu then %lu", a, b);
	expect(!(shared_info->wc_version & 1));
}

static void test_xen_version(void)
{
	long v = HYPERVISOR_xen_version(XENVER_version, NULL);
	xen_extraversion_t extra;
	static xen_capabilities_info_t caps;
	struct xen_compile_info ci;
	xen_changeset_info_t cs;
	struct xen_platform_parameters pp;

	memset(extra, 0, sizeof(extra));
	expect_rc(HYPERVISOR_xen_version(XENVER_extraversion, extra), 0);
	expect(memchr(extra, 0, sizeof(extra)) != NULL);
	ktap_diag("Xen %ld.%ld%.16s", v >> 16, v & 0xffff, extra);
	expect(v >> 16 >= 3);
	expect_rc(HYPERVISOR_xen_version(XENVER_compile_info, &ci), 0);
	expect(memchr(ci.compiler, 0, sizeof(ci.compiler)) != NULL);
	expect_rc(HYPERVISOR_xen_version(XENVER_changeset, cs), 0);
	expect(memchr(cs, 0, sizeof(cs)) != NULL);
	expect_rc(HYPERVISOR_xen_version(XENVER_capabilities, caps), 0);
	expect(memchr(caps, 0, sizeof(caps)) != NULL);
	ktap_diag("capabilities \"%.100s\"", caps);
	expect_msg(strstr(caps, XEN_START_INFO_MAGIC) != NULL,
		   "no %s in the capabilities", XEN_START_INFO_MAGIC);
	expect_rc(HYPERVISOR_xen_version(XENVER_platform_parameters, &pp), 0);
	expect_eq(pp.virt_start, HYPERVISOR_VIRT_START);
	expect_rc(HYPERVISOR_xen_version(XENVER_pagesize, NULL), PAGE_SIZE);
}

static void test_features(void)
{
	struct xen_feature_info fi = {.submap_idx = 0};

	if (!expect_rc(HYPERVISOR_xen_version(XENVER_get_features, &fi), 0))
		return;
	ktap_diag("features %#x", fi.submap);
	/* A PV guest's physmap is never translated, nor its kernel in ring 0. */
	expect(!(fi.submap & (1U << XENFEAT_auto_translated_physmap)));
	expect(!(fi.submap & (1U << XENFEAT_supervisor_mode_kernel)));
	fi.submap_idx = XENFEAT_NR_SUBMAPS;
	expect_rc(HYPERVISOR_xen_version(XENVER_get_features, &fi),
		  -XEN_EINVAL);
}

static void test_unknown_hypercalls(void)
{
	expect_rc(hypercall0(63), -XEN_ENOSYS);
	expect_rc(HYPERVISOR_xen_version(0x7fff, NULL), -XEN_ENOSYS);
	expect_rc(HYPERVISOR_memory_op(0x7fff, NULL), -XEN_ENOSYS);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_magic),
	KTAP_CASE(test_flags),
	KTAP_CASE(test_nr_pages),
	KTAP_CASE(test_cmdline),
	KTAP_CASE(test_dom0_console_info),
	KTAP_CASE(test_layout),
	KTAP_CASE(test_p2m_m2p),
	KTAP_CASE(test_machphys_mapping),
	KTAP_CASE(test_m2p_readonly),
	KTAP_CASE(test_initial_mappings),
	KTAP_CASE(test_page_tables),
	KTAP_CASE(test_bss_zeroed),
	KTAP_CASE(test_shared_info_time),
	KTAP_CASE(test_xen_version),
	KTAP_CASE(test_features),
	KTAP_CASE(test_unknown_hypercalls),
};

int main(void)
{
	return ktap_main("hello", cases, ARRAY_SIZE(cases));
}
