/* SPDX-License-Identifier: MIT */
/*
 * desc: a PV guest's own descriptor table. set_gdt takes frames of the
 * guest's that are mapped read-only nowhere writable, checks every
 * descriptor in them (code and data segments get DPL 3, since the guest
 * kernel runs in ring 3; system descriptors are refused) and makes them
 * the first entries of the GDT; update_descriptor changes one entry.
 *
 * Where Xen and mica legitimately differ: Xen accepts a 64-bit call gate
 * whose target is a guest selector or its flat kernel code selector (it
 * forces the gate's DPL to 0 so that using it faults into Xen, which
 * emulates it), mica refuses every call gate. The call-gate case accepts
 * either answer, in the form each gives, and says which it saw.
 */
#include "ktap.h"
#include "mm.h"
#include "traps.h"

#define GDT_ENTRIES 512
#define MAX_GDT_ENTRIES 7168 /* 14 frames: Xen's FIRST_RESERVED_GDT_ENTRY */

/* Descriptor fields, in the 64-bit word the CPU reads. */
#define D_TYPE(t) ((uint64_t)(t) << 40)
#define D_S (1UL << 44) /* code or data */
#define D_DPL(d) ((uint64_t)(d) << 45)
#define D_DPL_MASK D_DPL(3)
#define D_P (1UL << 47)
#define D_L (1UL << 53)
#define D_G (1UL << 55)

#define T_DATA_RW_A 0x3 /* read/write data, accessed */
#define T_CODE_XR_A 0xb /* execute/read code, accessed */
#define T_LDT 0x2
#define T_TSS 0x9
#define T_CALL_GATE 0xc

/* Entries of the test GDT, and their selectors with RPL 3. */
#define E_DATA 3
#define E_CODE 4
#define E_SPARE 6
#define SEL(e) ((uint16_t)((e) << 3 | 3))

#define DATA_BASE 0x12345000UL
#define DATA_LIMIT 0x6789UL

/* Xen's hypervisor code selector: a reserved entry no gate may name. */
#define XEN_HYPERVISOR_CS 0xe008

static uint64_t gdt[GDT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t plain[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t other[PT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t big[14][GDT_ENTRIES] __aligned(PAGE_SIZE);
static uint64_t list_pages[2][PT_ENTRIES] __aligned(PAGE_SIZE);
static volatile uint64_t canary = 0x5eed5eedcafef00dUL;

static uint64_t segment(uint32_t base, uint32_t limit, unsigned int type,
			unsigned int dpl, uint64_t extra)
{
	return (limit & 0xffffUL) | (uint64_t)(base & 0xffffff) << 16 |
	       D_TYPE(type) | D_S | D_DPL(dpl) | D_P |
	       (uint64_t)(limit & 0xf0000) << 32 |
	       (uint64_t)(base >> 24) << 56 | extra;
}

static uint64_t data_desc(uint32_t limit, unsigned int dpl)
{
	return segment(DATA_BASE, limit, T_DATA_RW_A, dpl, 0);
}

/* A system descriptor of the given type (the low half of a 16-byte one). */
static uint64_t system_desc(unsigned int type, unsigned int dpl)
{
	return 0x67 | (0x1000UL << 16) | D_TYPE(type) | D_DPL(dpl) | D_P;
}

static uint64_t call_gate(uint16_t target, unsigned int dpl)
{
	uint32_t off = 0x80001234;

	return (off & 0xffff) | (uint64_t)target << 16 | D_TYPE(T_CALL_GATE) |
	       D_DPL(dpl) | D_P | (uint64_t)(off >> 16) << 48;
}

static unsigned int dpl_of(uint64_t d)
{
	return (unsigned int)(d >> 45) & 3;
}

static volatile uint64_t *vol(void *p)
{
	return (volatile uint64_t *)p;
}

/*
 * lar (access rights) or lsl (limit) of a selector as the CPU sees it;
 * false if it may not look (lar and lsl answer only for DPL >= CPL).
 */
#define SEG_QUERY(insn, sel, out)                          \
	({                                                 \
		uint32_t _v = 0;                           \
		bool _ok;                                  \
		__asm__ volatile(insn " %k2, %k0; setz %1" \
				 : "+r"(_v), "=qm"(_ok)    \
				 : "r"((uint32_t)(sel))    \
				 : "cc");                  \
		*(out) = _v;                               \
		_ok;                                       \
	})
#define lar(sel, ar) SEG_QUERY("lar", sel, ar)
#define lsl(sel, limit) SEG_QUERY("lsl", sel, limit)

static bool set_ro(void *va)
{
	return update_va((unsigned long)va, pte_ro(virt_to_mfn(va)),
			 UVMF_INVLPG) == 0;
}

static bool set_rw(void *va)
{
	return update_va((unsigned long)va, pte_rw(virt_to_mfn(va)),
			 UVMF_INVLPG) == 0;
}

static long set_gdt1(void *frame, unsigned int entries)
{
	xen_ulong_t mfn = virt_to_mfn(frame);

	return HYPERVISOR_set_gdt(&mfn, entries);
}

/* No GDT of the guest's any more: its frames are plain pages again. */
static bool gdt_off(void)
{
	return HYPERVISOR_set_gdt(NULL, 0) == 0;
}

/* The test GDT, built while writable, read-only from here on. */
static bool gdt_build(void)
{
	memset(gdt, 0, sizeof(gdt));
	gdt[E_DATA] = data_desc(DATA_LIMIT, 0);
	gdt[E_CODE] = segment(0, 0xfffff, T_CODE_XR_A, 0, D_L | D_G);
	if (!set_ro(gdt)) {
		ktap_error("cannot map the GDT page read-only");
		return false;
	}
	return true;
}

static bool gdt_on(void)
{
	if (!gdt_build())
		return false;
	if (!expect_rc(set_gdt1(gdt, GDT_ENTRIES), 0)) {
		set_rw(gdt);
		return false;
	}
	return true;
}

static void gdt_done(void)
{
	expect(gdt_off());
	expect(set_rw(gdt));
}

static void load_fs(uint16_t sel)
{
	__asm__ volatile("mov %k0, %%fs" : : "r"((uint32_t)sel) : "memory");
}

static uint16_t read_fs(void)
{
	uint16_t sel;

	__asm__ volatile("mov %%fs, %0" : "=r"(sel));
	return sel;
}

/* A read through fs: the segment's base is what the descriptor says. */
static int fs_read(unsigned long off, uint64_t *val)
{
	unsigned int before = last_trap.count;
	uint64_t v = 0;

	__asm__ volatile("1: movq %%fs:(%[p]), %[v]\n2:\n" _ASM_EXTABLE(1b, 2b)
			 : [v] "+r"(v)
			 : [p] "r"(off)
			 : "memory");
	*val = v;
	return last_trap.count == before ? -1 : (int)last_trap.vector;
}

static void test_set_gdt_and_load(void)
{
	uint32_t ar, limit;
	uint64_t v = 0;

	if (!gdt_on())
		return;
	/* The descriptors were fixed in place: DPL 0 became 3. */
	expect_eq(dpl_of(*vol(&gdt[E_DATA])), 3);
	expect_eq(dpl_of(*vol(&gdt[E_CODE])), 3);
	expect_eq(*vol(&gdt[E_DATA]) & ~D_DPL_MASK,
		  data_desc(DATA_LIMIT, 0) & ~D_DPL_MASK);
	/* The CPU sees them: lar only answers for DPL >= CPL (3). */
	if (expect(lar(SEL(E_DATA), &ar)))
		expect_eq((ar >> 8) & 0xff, 0xf0 | T_DATA_RW_A);
	if (expect(lar(SEL(E_CODE), &ar)))
		expect_eq((ar >> 8) & 0xff, 0xf0 | T_CODE_XR_A);
	if (expect(lsl(SEL(E_DATA), &limit)))
		expect_eq(limit, DATA_LIMIT);
	/* An entry the guest left empty is no segment. */
	expect(!lar(SEL(E_SPARE), &ar));

	load_fs(SEL(E_DATA));
	expect_eq(read_fs(), SEL(E_DATA));
	/* fs's base is now the descriptor's: fs:(x - base) reads x. */
	if (expect_eq(fs_read((unsigned long)&canary - DATA_BASE, &v), -1))
		expect_eq(v, canary);
	load_fs(0);
	expect_rc(HYPERVISOR_set_segment_base(SEGBASE_FS, 0), 0);
	gdt_done();
}

static void test_update_descriptor(void)
{
	uint64_t want = data_desc(0x4321, 1);
	uint32_t limit;
	xen_pfn_t l4 = current_l4_mfn();

	if (!gdt_on())
		return;
	if (expect_rc(HYPERVISOR_update_descriptor(virt_to_maddr(&gdt[E_DATA]),
						   want),
		      0)) {
		expect_eq(*vol(&gdt[E_DATA]), (want & ~D_DPL_MASK) | D_DPL(3));
		if (expect(lsl(SEL(E_DATA), &limit)))
			expect_eq(limit, 0x4321);
	}
	/* Misaligned, it would straddle two descriptors. */
	expect_rc(HYPERVISOR_update_descriptor(virt_to_maddr(&gdt[E_DATA]) + 4,
					       want),
		  -XEN_EINVAL);
	/* A TSS is refused, and the entry keeps what it had. */
	expect_rc(HYPERVISOR_update_descriptor(virt_to_maddr(&gdt[E_SPARE]),
					       system_desc(T_TSS, 0)),
		  -XEN_EINVAL);
	expect_eq(*vol(&gdt[E_SPARE]), 0);
	/* A page table is not the guest's to write. */
	expect_rc(HYPERVISOR_update_descriptor(l4 << PAGE_SHIFT | 8, want),
		  -XEN_EINVAL);
	/* Nor a frame beyond any memory. */
	expect_rc(HYPERVISOR_update_descriptor(1UL << 51, want), -XEN_EINVAL);
	gdt_done();

	/* An ordinary writable page of the guest's takes a descriptor too. */
	plain[5] = 0;
	if (expect_rc(HYPERVISOR_update_descriptor(virt_to_maddr(&plain[5]),
						   data_desc(0x10, 0)),
		      0))
		expect_eq(*vol(&plain[5]),
			  (data_desc(0x10, 0) & ~D_DPL_MASK) | D_DPL(3));
}

/* set_gdt of the test GDT with d at E_SPARE, which must be refused. */
static void expect_refused(uint64_t d, const char *what)
{
	memset(gdt, 0, sizeof(gdt));
	gdt[E_SPARE] = d;
	if (!set_ro(gdt)) {
		ktap_error("cannot map the GDT page read-only");
		return;
	}
	expect_msg(set_gdt1(gdt, GDT_ENTRIES) == -XEN_EINVAL,
		   "set_gdt with %s was not refused with -EINVAL", what);
	/* Refused whole: the descriptor is as the guest wrote it. */
	expect_eq(*vol(&gdt[E_SPARE]), d);
	expect(set_rw(gdt));
}

static void test_system_descriptors(void)
{
	uint64_t gate = call_gate(FLAT_KERNEL_CS, 3), got;
	long rc;

	expect_refused(system_desc(T_TSS, 0), "a TSS");
	expect_refused(system_desc(T_TSS, 3), "a TSS of DPL 3");
	expect_refused(system_desc(T_LDT, 3), "an LDT");
	expect_refused(call_gate(XEN_HYPERVISOR_CS, 3),
		       "a call gate into the hypervisor's code");

	/* Type 0 is no descriptor at all (a gate's second half): harmless. */
	memset(gdt, 0, sizeof(gdt));
	gdt[E_SPARE] = D_P | D_DPL(0) | 0x1234;
	if (!set_ro(gdt)) {
		ktap_error("cannot map the GDT page read-only");
		return;
	}
	if (expect_rc(set_gdt1(gdt, GDT_ENTRIES), 0)) {
		expect_eq(*vol(&gdt[E_SPARE]), D_P | D_DPL(0) | 0x1234);
		expect(gdt_off());
	}
	expect(set_rw(gdt));

	/* A call gate to the flat kernel code: Xen takes it, mica does not. */
	memset(gdt, 0, sizeof(gdt));
	gdt[E_SPARE] = gate;
	gdt[E_SPARE + 1] = 0xffffffffUL; /* the offset's upper half */
	if (!set_ro(gdt)) {
		ktap_error("cannot map the GDT page read-only");
		return;
	}
	rc = set_gdt1(gdt, GDT_ENTRIES);
	got = *vol(&gdt[E_SPARE]);
	if (rc == 0) {
		/* Xen's form: DPL 0 so that using it faults, the DPL in the RPL. */
		ktap_diag("call gate accepted (as Xen does)");
		expect_eq(got, (gate & ~(D_DPL_MASK | (3UL << 16))) |
				       ((uint64_t)(FLAT_KERNEL_CS & ~3) | 3)
					       << 16);
		expect(gdt_off());
	} else {
		ktap_diag("call gate refused (as mica refuses every one)");
		expect_rc(rc, -XEN_EINVAL);
		expect_eq(got, gate);
	}
	expect(set_rw(gdt));
}

static void test_writable_frame(void)
{
	memset(gdt, 0, sizeof(gdt));
	expect_rc(set_gdt1(gdt, GDT_ENTRIES), -XEN_EINVAL);
	/* Still an ordinary writable page. */
	expect_eq(probe_write(&gdt[1], 7), -1);
	expect_eq(*vol(&gdt[1]), 7);
}

static void test_foreign_frames(void)
{
	struct xen_machphys_mfn_list l = {.max_extents = 1};
	xen_ulong_t m2p_mfn = 0, huge = 1UL << 40;

	set_xen_guest_handle(l.extent_start, &m2p_mfn);
	if (expect_rc(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &l), 0) &&
	    expect(l.nr_extents == 1))
		expect_rc(HYPERVISOR_set_gdt(&m2p_mfn, 1), -XEN_EINVAL);
	expect_rc(HYPERVISOR_set_gdt(&huge, 1), -XEN_EINVAL);
}

static void test_entries_limit(void)
{
	xen_ulong_t frames[14];
	unsigned int i, ro = 0;

	expect_rc(HYPERVISOR_set_gdt(NULL, MAX_GDT_ENTRIES + 1), -XEN_EINVAL);
	expect_rc(HYPERVISOR_set_gdt(NULL, ~0U), -XEN_EINVAL);
	/* 7168 entries, 14 frames of empty descriptors: the most there is. */
	for (i = 0; i < 14; i++) {
		memset(big[i], 0, sizeof(big[i]));
		frames[i] = virt_to_mfn(big[i]);
		if (set_ro(big[i]))
			ro++;
	}
	if (ro == 14 &&
	    expect_rc(HYPERVISOR_set_gdt(frames, MAX_GDT_ENTRIES), 0)) {
		/* Every frame is held: none can be mapped writable. */
		expect_fail(update_va((unsigned long)big[13],
				      pte_rw(frames[13]), UVMF_INVLPG));
		expect(gdt_off());
	}
	if (ro != 14)
		ktap_error("cannot map the 14 frames read-only");
	for (i = 0; i < 14; i++)
		expect(set_rw(big[i]));
}

static void test_no_writable_mapping_while_in_gdt(void)
{
	xen_pfn_t mfn = virt_to_mfn(gdt);
	uint64_t ma;
	const uint64_t *pte;

	if (!gdt_on())
		return;
	/* Its own mapping cannot become writable, */
	expect_fail(update_va((unsigned long)gdt, pte_rw(mfn), UVMF_INVLPG));
	expect_eq(probe_write(&gdt[E_SPARE], 1), X86_EXC_PF);
	/* nor can a second one be, through either call; a read-only one can. */
	expect_fail(update_va((unsigned long)other, pte_rw(mfn), UVMF_INVLPG));
	pte = pt_walk(current_l4_mfn(), (unsigned long)other, 1, &ma);
	if (expect(pte != NULL)) {
		expect_fail(
			mmu_update1(ma | MMU_NORMAL_PT_UPDATE, pte_rw(mfn)));
		expect_eq(pte_mfn(*pte), virt_to_mfn(other));
		if (expect_rc(update_va((unsigned long)other, pte_ro(mfn),
					UVMF_INVLPG),
			      0))
			expect_eq(*vol(&other[E_DATA]), *vol(&gdt[E_DATA]));
		expect(set_rw(other));
	}
	/* mmu_update does not write into it as into a plain page. */
	expect_fail(
		mmu_update1(virt_to_maddr(&gdt[E_SPARE]) | MMU_NORMAL_PT_UPDATE,
			    data_desc(1, 3)));
	expect_eq(*vol(&gdt[E_SPARE]), 0);
	/* A refused set_gdt leaves the one in place. */
	expect_rc(set_gdt1(plain, GDT_ENTRIES), -XEN_EINVAL);
	expect_fail(update_va((unsigned long)gdt, pte_rw(mfn), UVMF_INVLPG));
	gdt_done();
	/* Out of the GDT, it is an ordinary page again. */
	expect_eq(probe_write(&gdt[E_SPARE], 1), -1);
}

static void test_bad_frame_list(void)
{
	xen_ulong_t *last = &list_pages[0][PT_ENTRIES - 1];

	expect_rc(HYPERVISOR_set_gdt((void *)0x1000, 1), -XEN_EFAULT);
	expect_rc(HYPERVISOR_set_gdt((void *)0x800000000000UL, 1), -XEN_EFAULT);
	expect_rc(HYPERVISOR_set_gdt((void *)0xffff830000000000UL, 1),
		  -XEN_EFAULT);
	/* No entries, no frames read: the pointer does not matter. */
	expect_rc(HYPERVISOR_set_gdt((void *)0x1000, 0), 0);
	/*
	 * A list whose second frame cannot be read is -EFAULT before its
	 * first frame, which is no good either, is looked at.
	 */
	*last = 1UL << 40;
	if (!expect_rc(update_va((unsigned long)list_pages[1], 0, UVMF_INVLPG),
		       0))
		return;
	expect_rc(HYPERVISOR_set_gdt(last, 2 * GDT_ENTRIES), -XEN_EFAULT);
	expect(set_rw(list_pages[1]));
}

static const struct ktap_case cases[] = {
	KTAP_CASE(test_set_gdt_and_load),
	KTAP_CASE(test_update_descriptor),
	KTAP_CASE(test_system_descriptors),
	KTAP_CASE(test_writable_frame),
	KTAP_CASE(test_foreign_frames),
	KTAP_CASE(test_entries_limit),
	KTAP_CASE(test_no_writable_mapping_while_in_gdt),
	KTAP_CASE(test_bad_frame_list),
};

int main(void)
{
	return ktap_main("desc", cases, ARRAY_SIZE(cases));
}
