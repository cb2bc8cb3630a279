/* SPDX-License-Identifier: MIT */
/*
 * Page references, page types and the page-table hypercalls of PV guests:
 * what lets a guest write its own page tables without ever reaching memory
 * it does not own. The contract is in include/mica/pv_mm.h. The rules and
 * the answers are Xen's (xen/arch/x86/mm.c), so that a guest written for
 * Xen sees the same ones.
 *
 * One CPU at a time; a table's contents are only touched through
 * map_domain_page(). A batch runs to its end, to its first error, or until
 * hypercall_preempt_check() says it has run long enough: then it continues
 * as Xen's do (include/mica/hypercall.h), from the request it stopped at,
 * with MMU_UPDATE_PREEMPTED in the count and the number done so far in
 * pdone. Validating one table is never cut short.
 *
 * Validating a table takes the references its entries need, each asking
 * the next level down, so it recurses at most four deep (a linear entry
 * needs a table validated already and validates nothing). Devalidation,
 * when a table's last type reference goes, runs on an explicit stack of at
 * most five tables instead: four levels, and one linear hop, since a table
 * mapped by a linear entry may hold none itself.
 *
 * Superpages are mica's own (Xen dropped its PV superpages in 2017): an L2
 * entry with PSE takes what the 512 L1 entries it replaces would. Xen kept
 * a second count per 2 MiB extent (spage_info) so that only an extent's
 * first mapping touched its frames; that array, indexed by a guest's mfn,
 * is where XSA-167 struck (MMUEXT_MARK_SUPER indexed it unchecked), and its
 * states had to be kept in step with the frames' types. mica keeps no
 * state but the frames' own: each superpage costs 512 references to take
 * and 512 to drop, and pv_superpage_budget() bounds how many a domain has.
 */
#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/hypercall.h>
#include <mica/lib.h>
#include <mica/m2p.h>
#include <mica/paging.h>
#include <mica/param.h>
#include <mica/pv_mm.h>
#include <public/xen.h>

#define PT_ENTRIES 512
#define MAX_DEMOTE 5

/* Guest PTE bits beyond mica/paging.h's: those software may use. */
#define _PAGE_AVAIL 0xe00UL
#define _PAGE_AVAIL_HIGH (0x7ffUL << 52)
/* Marks a guest kernel mapping that mica made a user one (Xen's). */
#define _PAGE_GUEST_KERNEL (1UL << 52)

/*
 * What a present entry may hold (Xen's base_disallow_mask, inverted). L1
 * entries may also be global. Refused everywhere: the caching attributes
 * (PWT, PCD, PAT), as Xen refuses them to domains without I/O memory, and
 * so every mica domain; and PSE, except in an L2 entry with superpages on.
 * A superpage is a leaf, global allowed as in an L1 entry, but its address
 * is 2 MiB aligned: bit 12 is its PAT bit, bits 13..20 are reserved.
 */
#define BASE_ALLOWED                                              \
	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | \
	 _PAGE_DIRTY | _PAGE_AVAIL | _PAGE_AVAIL_HIGH | _PAGE_NX | PADDR_MASK)
#define L1_DISALLOW (~(BASE_ALLOWED | _PAGE_GLOBAL))
#define LN_DISALLOW (~BASE_ALLOWED)
#define SUPER_LOW_BITS (((1UL << L2_PAGE_SHIFT) - 1) & PAGE_MASK)
#define SUPER_DISALLOW \
	(~(BASE_ALLOWED | _PAGE_GLOBAL | _PAGE_PSE) | SUPER_LOW_BITS)

bool opt_pv_superpages = true;
boolean_param("pv_superpages", opt_pv_superpages);

/* Bits a present entry may change without being checked again. */
#define FASTPATH_FLAGS                                              \
	(_PAGE_NX | _PAGE_AVAIL_HIGH | _PAGE_AVAIL | _PAGE_GLOBAL | \
	 _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_USER)

static inline mfn_t pte_mfn(uint64_t e)
{
	return _mfn((e & PADDR_MASK) >> PAGE_SHIFT);
}

static inline unsigned long type_of(unsigned long type_info)
{
	return type_info & PGT_type_mask;
}

static inline bool is_table(unsigned long type)
{
	return type >= PGT_l1_page_table && type <= PGT_l4_page_table;
}

static inline unsigned int level_of(unsigned long type)
{
	return (unsigned int)(type >> 61);
}

/* Whether present entry e of a table of the given level maps 2 MiB. */
static inline bool is_superpage(uint64_t e, unsigned int level)
{
	return level == 2 && (e & _PAGE_PSE);
}

/* Bits present entry e may not hold at level (a superpage's included). */
static inline uint64_t disallowed(uint64_t e, unsigned int level)
{
	if (level == 1)
		return e & L1_DISALLOW;
	if (is_superpage(e, level) && opt_pv_superpages)
		return e & SUPER_DISALLOW;
	return e & LN_DISALLOW;
}

/* Whether L4 slot i is the guest's, not one of the hypervisor's. */
static inline bool guest_l4_slot(unsigned int i)
{
	return i < HYPERVISOR_L4_FIRST || i > HYPERVISOR_L4_LAST;
}

static inline bool guest_slot(unsigned int level, unsigned int i)
{
	return level != 4 || guest_l4_slot(i);
}

static inline int linear_count(const struct page_info *pg)
{
	return (int16_t)(pg->u.type_info >> PGT_linear_shift);
}

static inline void set_linear_count(struct page_info *pg, int n)
{
	pg->u.type_info = (pg->u.type_info & ~PGT_linear_mask) |
			  (unsigned long)(uint16_t)n << PGT_linear_shift;
}

/* ---- general references ---- */

bool get_page(struct page_info *pg, const struct domain *d)
{
	unsigned long c = pg->count_info;

	/* In use, not the heap's own (xmalloc, vmalloc), and d's. */
	if ((c & (PGC_inuse | PGC_xmalloc | PGC_vmap)) != PGC_inuse || !d ||
	    pg->v.owner != d)
		return false;
	/* Count 0: on its way to the heap. At the mask: it would wrap. */
	if (!(c & PGC_count_mask) || (c & PGC_count_mask) == PGC_count_mask)
		return false;
	pg->count_info = c + 1;
	return true;
}

void put_page(struct page_info *pg)
{
	unsigned long c = pg->count_info;

	BUG_ON(!(c & PGC_count_mask));
	pg->count_info = --c;
	if (likely(c & PGC_count_mask))
		return;
	/* Every type reference comes with a general one. */
	BUG_ON(pg->u.type_info & PGT_count_mask);
	/* No stale translation may reach the frame once it is another's. */
	arch_flush_tlb_soon();
	set_gpfn_from_mfn(page_to_mfn(pg), INVALID_M2P_ENTRY);
	pg->u.type_info = 0;
	free_domheap_page_released(pg);
}

bool put_page_alloc_ref(struct page_info *pg)
{
	if ((pg->count_info & (PGC_allocated | PGC_xen_heap)) != PGC_allocated)
		return false;
	pg->count_info &= ~PGC_allocated;
	put_page(pg);
	return true;
}

/* A general reference on frame mfn for d, or NULL. */
static struct page_info *get_page_from_mfn(mfn_t mfn, const struct domain *d)
{
	struct page_info *pg;

	if (!mfn_valid(mfn))
		return NULL;
	pg = mfn_to_page(mfn);
	return get_page(pg, d) ? pg : NULL;
}

/* ---- dropping type references ---- */

/* A table whose entries' references are being dropped. */
struct demote {
	struct page_info *pg;
	uint64_t *t;
	unsigned int level, slot;
	bool general; /* pg's general reference goes too, once it is done */
};

/*
 * Drop a type reference on pg, held by an entry of ptpg, or by a pin, a
 * base pointer or a caller (ptpg NULL). True if it was a validated table's
 * last: then the count stays at 1 and PGT_validated is clear until the
 * caller has dropped what the table's entries hold.
 */
static bool release_type(struct page_info *pg, struct page_info *ptpg)
{
	unsigned long x = pg->u.type_info;

	BUG_ON(!(x & PGT_count_mask));
	if (ptpg && type_of(x) == type_of(ptpg->u.type_info)) {
		/* A linear entry (get_linear_type()). */
		ASSERT(linear_count(ptpg) > 0 && linear_count(pg) < 0);
		set_linear_count(ptpg, linear_count(ptpg) - 1);
		set_linear_count(pg, linear_count(pg) + 1);
		x = pg->u.type_info;
	}
	if ((x & PGT_count_mask) == 1 && is_table(type_of(x)) &&
	    (x & PGT_validated)) {
		pg->u.type_info = x & ~PGT_validated;
		return true;
	}
	pg->u.type_info = x - 1;
	return false;
}

/* An L1 entry's references on pg: a writable type if RW, and a general one. */
static void put_l1e(uint64_t e, struct page_info *pg)
{
	if (e & _PAGE_RW) {
		BUG_ON(type_of(pg->u.type_info) != PGT_writable_page ||
		       !(pg->u.type_info & PGT_count_mask));
		pg->u.type_info--;
	}
	put_page(pg);
}

/*
 * A superpage entry's references, those of the L1 entries it stands for:
 * on the first n of its frames (all 512 once it was taken), for d.
 */
static void put_superpage(uint64_t e, unsigned int n, struct domain *d)
{
	for (unsigned int i = 0; i < n; i++)
		put_l1e(e, mfn_to_page(mfn_add(pte_mfn(e), i)));
	if (n == PT_ENTRIES) {
		BUG_ON(!d->nr_superpages);
		d->nr_superpages--;
	}
}

/*
 * The next entry of s's table that holds a table's type reference, after
 * dropping the references of the entries before it that hold none (the L1
 * entries' on data frames): the table it maps, or NULL at the end.
 */
static struct page_info *next_table_ref(struct demote *s)
{
	while (s->slot < PT_ENTRIES) {
		unsigned int i = s->slot++;
		uint64_t e = s->t[i];
		struct page_info *pg;

		if (!(e & _PAGE_PRESENT) || !guest_slot(s->level, i))
			continue;
		pg = mfn_to_page(pte_mfn(e));
		if (s->level == 1)
			put_l1e(e, pg);
		else if (is_superpage(e, s->level))
			put_superpage(e, PT_ENTRIES, s->pg->v.owner);
		else if (pg !=
			 s->pg) /* an entry mapping its table holds none */
			return pg;
	}
	return NULL;
}

/*
 * Drop a type reference on pg held by an entry of ptpg (or NULL, as in
 * release_type()), and with general its general reference too. A table's
 * last type reference takes those of its entries with it, and theirs, ...:
 * depth first on st[], without recursion.
 */
static void put_type_ref(struct page_info *pg, struct page_info *ptpg,
			 bool general)
{
	struct demote st[MAX_DEMOTE];
	unsigned int n = 0;

	for (;;) {
		if (release_type(pg, ptpg)) {
			BUG_ON(n == MAX_DEMOTE);
			st[n++] = (struct demote){
				.pg = pg,
				.t = map_domain_page(page_to_mfn(pg)),
				.level = level_of(type_of(pg->u.type_info)),
				.general = general,
			};
		} else if (general) {
			put_page(pg);
		}
		/* The next reference to drop; tables with none left are done. */
		for (;;) {
			if (!n)
				return;
			pg = next_table_ref(&st[n - 1]);
			if (pg)
				break;
			n--;
			unmap_domain_page(st[n].t);
			ASSERT(!linear_count(st[n].pg));
			st[n].pg->u.type_info--;
			if (st[n].general)
				put_page(st[n].pg);
		}
		ptpg = st[n - 1].pg;
		general = true;
	}
}

/* What a present entry of ptpg's, at level, holds. */
static void put_entry(uint64_t e, unsigned int level, struct page_info *ptpg)
{
	struct page_info *pg;

	if (!(e & _PAGE_PRESENT))
		return;
	pg = mfn_to_page(pte_mfn(e));
	if (level == 1)
		put_l1e(e, pg);
	else if (is_superpage(e, level))
		put_superpage(e, PT_ENTRIES, ptpg->v.owner);
	else if (pg != ptpg)
		put_type_ref(pg, ptpg, true);
}

void put_page_type(struct page_info *pg)
{
	put_type_ref(pg, NULL, false);
}

void put_page_and_type(struct page_info *pg)
{
	put_type_ref(pg, NULL, true);
}

/* ---- taking them: validation ---- */

/*
 * An L1 entry's references: a general one on its frame, and a writable
 * type when it maps it writable. Xen's answers: -EPERM beyond RAM (an I/O
 * mapping, which no mica domain may make), -EBUSY for a frame that is not
 * d's or cannot be writable.
 */
static int get_leaf(mfn_t mfn, bool writable, const struct domain *d)
{
	struct page_info *pg;

	if (!mfn_valid(mfn))
		return -EPERM;
	pg = mfn_to_page(mfn);
	if (!get_page(pg, d))
		return -EBUSY;
	if (writable && get_page_type(pg, PGT_writable_page)) {
		put_page(pg);
		return -EBUSY;
	}
	return 0;
}

static int get_l1e(uint64_t e, const struct domain *d)
{
	if (e & L1_DISALLOW)
		return -EINVAL;
	return get_leaf(pte_mfn(e), e & _PAGE_RW, d);
}

/*
 * A superpage entry's references: each of its 512 frames' as an L1 entry
 * with e's rights would take them, the first refusal undoing the rest.
 * Every frame goes through mfn_valid() and get_page() as it would there:
 * the extent's head is no key into any other table (XSA-167's lesson).
 */
static int get_superpage(uint64_t e, struct domain *d)
{
	mfn_t first = pte_mfn(e);
	unsigned int i;
	int rc = 0;

	if (!opt_pv_superpages || (e & SUPER_DISALLOW))
		return -EINVAL;
	if (d->nr_superpages >= pv_superpage_budget(d))
		return -ENOSPC;
	for (i = 0; i < PT_ENTRIES && !rc; i++)
		rc = get_leaf(mfn_add(first, i), e & _PAGE_RW, d);
	if (rc) {
		put_superpage(e, i - 1, d);
		return rc;
	}
	d->nr_superpages++;
	return 0;
}

/*
 * A type reference on pg, a table of ptpg's own level that a read-only
 * entry of ptpg maps (Xen's linear page tables), or -EINVAL. pg must be
 * validated already; it must hold no linear entries, and ptpg must be
 * mapped by none, so that linear tables never chain.
 */
static int get_linear_type(struct page_info *pg, struct page_info *ptpg,
			   unsigned int level)
{
	unsigned long x = pg->u.type_info;
	int entries = linear_count(ptpg), uses = linear_count(pg);

	if (type_of(x) != PGT_lN_page_table(level) || !(x & PGT_validated) ||
	    (x & PGT_count_mask) == PGT_count_mask || entries < 0 ||
	    entries == INT16_MAX || uses > 0 || uses == INT16_MIN)
		return -EINVAL;
	set_linear_count(ptpg, entries + 1);
	set_linear_count(pg, uses - 1);
	pg->u.type_info++;
	return 0;
}

/* The references a present entry of ptpg's (owned by d) at level needs. */
static int get_entry(uint64_t e, unsigned int level, struct page_info *ptpg,
		     struct domain *d)
{
	struct page_info *pg;
	int rc;

	if (level == 1)
		return get_l1e(e, d);
	if (is_superpage(e, level))
		return get_superpage(e, d);
	if (e & LN_DISALLOW)
		return -EINVAL;
	pg = get_page_from_mfn(pte_mfn(e), d);
	if (!pg)
		return -EINVAL;
	rc = get_page_type(pg, PGT_lN_page_table(level - 1));
	if (rc == -EINVAL && !(e & _PAGE_RW)) {
		/* Read-only, it may map a table of its own level. */
		if (pg == ptpg) {
			/* Its own table: that holds no reference at all. */
			put_page(pg);
			return 0;
		}
		rc = get_linear_type(pg, ptpg, level);
	}
	if (rc)
		put_page(pg);
	return rc;
}

/* What mica stores for a guest's present entry (Xen's adjust_guest_lNe). */
static uint64_t adjust_entry(uint64_t e, unsigned int level)
{
	if (level == 1 || is_superpage(e, level)) {
		/* The guest kernel runs in ring 3: its pages are user pages, */
		if (!(e & _PAGE_USER))
			e |= _PAGE_GUEST_KERNEL | _PAGE_USER;
		/* and its user pages, in both its tables, global ones. */
		if (!(e & _PAGE_GUEST_KERNEL))
			e |= _PAGE_GLOBAL;
		return e;
	}
	switch (level) {
	case 4:
		return e | _PAGE_ACCESSED | _PAGE_USER;
	default:
		return e | _PAGE_USER;
	}
}

/*
 * Check every present guest entry of pg, a table of the given level, and
 * take what it needs; on the first refusal give back what the entries
 * before it took. A valid L4 gets the hypervisor's slots.
 */
static int validate_table(struct page_info *pg, unsigned int level)
{
	struct domain *d = pg->v.owner;
	uint64_t *t = map_domain_page(page_to_mfn(pg));
	unsigned int i;
	int rc = 0;

	for (i = 0; i < PT_ENTRIES; i++) {
		if (!(t[i] & _PAGE_PRESENT) || !guest_slot(level, i))
			continue;
		rc = get_entry(t[i], level, pg, d);
		if (rc)
			break;
		t[i] = adjust_entry(t[i], level);
	}
	if (rc) {
		while (i--)
			if (guest_slot(level, i))
				put_entry(t[i], level, pg);
	} else if (level == 4) {
		arch_pv_init_l4(t);
	}
	unmap_domain_page(t);
	return rc;
}

int get_page_type(struct page_info *pg, unsigned long type)
{
	unsigned long x = pg->u.type_info;
	int rc;

	ASSERT(is_table(type) || type == PGT_writable_page ||
	       type == PGT_seg_desc_page);
	if ((x & PGT_count_mask) == PGT_count_mask)
		return -EINVAL;
	if (x & PGT_count_mask) {
		/* One type at a time, and only once it is validated. */
		if (type_of(x) != type || !(x & PGT_validated))
			return -EINVAL;
		pg->u.type_info = x + 1;
		return 0;
	}
	if (type_of(x) != type) {
		/* Stale writable translations must not outlive the type. */
		if (type_of(x) == PGT_writable_page)
			arch_flush_tlb_soon();
		x = type | (is_table(type) ? 0 : PGT_validated);
	}
	pg->u.type_info = (x & ~PGT_linear_mask) + 1;
	if (x & PGT_validated)
		return 0;
	rc = validate_table(pg, level_of(type));
	if (rc) {
		pg->u.type_info = 0;
		return rc;
	}
	pg->u.type_info |= PGT_validated;
	return 0;
}

int get_page_and_type(struct page_info *pg, const struct domain *d,
		      unsigned long type)
{
	int rc;

	if (!get_page(pg, d))
		return -EINVAL;
	rc = get_page_type(pg, type);
	if (rc)
		put_page(pg);
	return rc;
}

/* get_page_and_type() on frame mfn, which may be anything. */
static int get_mfn_and_type(mfn_t mfn, const struct domain *d,
			    unsigned long type)
{
	if (!mfn_valid(mfn))
		return -EINVAL;
	return get_page_and_type(mfn_to_page(mfn), d, type);
}

/* ---- pins and base pointers ---- */

int pv_pin_table(struct domain *d, mfn_t mfn, unsigned int level)
{
	struct page_info *pg;
	int rc;

	if (level < 1 || level > 4)
		return -EINVAL;
	rc = get_mfn_and_type(mfn, d, PGT_lN_page_table(level));
	if (rc)
		return rc;
	pg = mfn_to_page(mfn);
	if (pg->u.type_info & PGT_pinned) {
		put_page_and_type(pg);
		return -EBUSY;
	}
	pg->u.type_info |= PGT_pinned;
	return 0;
}

int pv_unpin_table(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = get_page_from_mfn(mfn, d);

	if (!pg)
		return -EINVAL;
	if (!(pg->u.type_info & PGT_pinned)) {
		put_page(pg);
		return -EINVAL;
	}
	pg->u.type_info &= ~PGT_pinned;
	put_page_and_type(pg);
	put_page(pg);
	return 0;
}

int pv_new_baseptr(struct vcpu *v, mfn_t mfn)
{
	mfn_t old = v->guest_table;
	int rc;

	if (mfn_eq(old, mfn)) {
		arch_pv_load_cr3(v);
		return 0;
	}
	rc = get_mfn_and_type(mfn, v->domain, PGT_l4_page_table);
	if (rc)
		return rc;
	v->guest_table = mfn;
	arch_pv_load_cr3(v);
	/* Only now: the old table was in cr3 until the line above. */
	if (!mfn_eq(old, INVALID_MFN))
		put_page_and_type(mfn_to_page(old));
	return 0;
}

int pv_new_user_baseptr(struct vcpu *v, mfn_t mfn)
{
	mfn_t old = v->guest_table_user;
	int rc;

	if (mfn_eq(old, mfn))
		return 0;
	if (!mfn_eq(mfn, INVALID_MFN)) {
		rc = get_mfn_and_type(mfn, v->domain, PGT_l4_page_table);
		if (rc)
			return rc;
	}
	v->guest_table_user = mfn;
	if (!v->kernel_mode)
		arch_pv_load_cr3(v);
	if (!mfn_eq(old, INVALID_MFN))
		put_page_and_type(mfn_to_page(old));
	return 0;
}

/* ---- writing entries ---- */

/*
 * Write val into entry slot of pg, a validated table of the given level:
 * the new entry's references are taken first, the old entry's dropped
 * after the write.
 */
static int mod_entry(struct page_info *pg, unsigned int level,
		     unsigned int slot, uint64_t val, bool preserve_ad)
{
	uint64_t *t, old;
	int rc = 0;

	if (!guest_slot(level, slot))
		return -EINVAL;
	t = map_domain_page(page_to_mfn(pg));
	old = t[slot];
	if (preserve_ad)
		val |= old & (_PAGE_ACCESSED | _PAGE_DIRTY);
	if (val & _PAGE_PRESENT) {
		if (disallowed(val, level)) {
			rc = -EINVAL;
			goto out;
		}
		/* The same frame and rights: the old references serve. */
		if ((old & _PAGE_PRESENT) && !((old ^ val) & ~FASTPATH_FLAGS)) {
			t[slot] = adjust_entry(val, level);
			goto out;
		}
		rc = get_entry(val, level, pg, pg->v.owner);
		if (rc)
			goto out;
		val = adjust_entry(val, level);
	}
	t[slot] = val;
	put_entry(old, level, pg);
out:
	unmap_domain_page(t);
	return rc;
}

static void write_entry(struct page_info *pg, unsigned int slot, uint64_t val)
{
	uint64_t *t = map_domain_page(page_to_mfn(pg));

	t[slot] = val;
	unmap_domain_page(t);
}

/* MMU_NORMAL_PT_UPDATE of the entry at machine address maddr. */
static int update_pte(struct domain *d, uint64_t maddr, uint64_t val,
		      bool preserve_ad)
{
	struct page_info *pg = get_page_from_mfn(maddr_to_mfn(maddr), d);
	unsigned int slot = (maddr & ~PAGE_MASK) / sizeof(uint64_t);
	unsigned long x;
	int rc = -EINVAL;

	if (!pg)
		return -EINVAL;
	x = pg->u.type_info;
	if ((x & PGT_count_mask) && (x & PGT_validated)) {
		/* In use: a page table, a writable frame or a descriptor page. */
		if (is_table(type_of(x))) {
			rc = mod_entry(pg, level_of(type_of(x)), slot, val,
				       preserve_ad);
		} else if (type_of(x) == PGT_writable_page) {
			write_entry(pg, slot, val);
			rc = 0;
		}
	} else if (!get_page_type(pg, PGT_writable_page)) {
		/* Not in use: an ordinary frame, written as the guest could. */
		write_entry(pg, slot, val);
		put_page_type(pg);
		rc = 0;
	}
	put_page(pg);
	return rc;
}

/* MMU_MACHPHYS_UPDATE: the M2P entry of d's frame at maddr becomes pfn. */
static int machphys_update(struct domain *d, uint64_t maddr, uint64_t pfn)
{
	struct page_info *pg = get_page_from_mfn(maddr_to_mfn(maddr), d);

	if (!pg)
		return -EINVAL;
	set_gpfn_from_mfn(page_to_mfn(pg), pfn);
	put_page(pg);
	return 0;
}

int pv_mmu_update_one(struct domain *d, uint64_t ptr, uint64_t val)
{
	unsigned int cmd = ptr & (sizeof(uint64_t) - 1);

	switch (cmd) {
	case MMU_NORMAL_PT_UPDATE:
	case MMU_PT_UPDATE_PRESERVE_AD:
	case MMU_PT_UPDATE_NO_TRANSLATE: /* a PV guest is never translated */
		return update_pte(d, ptr - cmd, val,
				  cmd == MMU_PT_UPDATE_PRESERVE_AD);
	case MMU_MACHPHYS_UPDATE:
		return machphys_update(d, ptr, val);
	default:
		return -ENOSYS;
	}
}

/* ---- the hypercalls ---- */

/*
 * Whose frames a batch may name: only the caller's (DOMID_SELF). Xen says
 * -ESRCH for the caller's own id ("cannot specify itself as foreign
 * domain") and for ids of no domain, -EPERM where a domain may not act on
 * another's memory, which in mica is every case left.
 */
static int foreign_check(const struct domain *d, domid_t id)
{
	if (id == DOMID_SELF)
		return 0;
	if (id == d->domain_id ||
	    (id >= DOMID_FIRST_RESERVED && id != DOMID_IO && id != DOMID_XEN))
		return -ESRCH;
	return -EPERM;
}

/*
 * A batch's count, without Xen's continuation marker, which says that
 * pdone holds the number done before: *done starts from it.
 */
static unsigned int batch_count(unsigned int count, unsigned long pdone,
				unsigned int *done)
{
	*done = 0;
	if (!(count & MMU_UPDATE_PREEMPTED))
		return count;
	if (pdone && copy_from_guest(done, pdone, sizeof(*done)))
		*done = 0;
	return count & ~MMU_UPDATE_PREEMPTED;
}

static void report_done(unsigned long pdone, unsigned int done)
{
	/* As Xen, a pdone that cannot be written changes no answer. */
	if (pdone)
		(void)copy_to_guest(pdone, &done, sizeof(done));
}

long do_mmu_update(unsigned long ureqs, unsigned int count, unsigned long pdone,
		   unsigned int foreigndom)
{
	struct domain *d = current->domain;
	unsigned int done, i = 0, pt = foreigndom >> 16;
	int rc;

	count = batch_count(count, pdone, &done);
	if (!guest_range_ok(ureqs, (size_t)count * sizeof(struct mmu_update)))
		return -EFAULT;
	/* Bits 31..16: 1 + the owner of the page tables, or 0 for the caller. */
	if (pt && pt - 1 != d->domain_id)
		return pt - 1 >= DOMID_FIRST_RESERVED ? -ESRCH : -EPERM;
	rc = foreign_check(d, (domid_t)foreigndom);
	for (; !rc && i < count; i++) {
		struct mmu_update req;

		if (i && hypercall_preempt_check()) {
			report_done(pdone, done + i);
			return hypercall_continue(__HYPERVISOR_mmu_update,
						  ureqs + i * sizeof(req),
						  (count - i) |
							  MMU_UPDATE_PREEMPTED,
						  pdone, foreigndom);
		}
		if (copy_from_guest_offset(&req, ureqs, i, 1)) {
			rc = -EFAULT;
			break;
		}
		rc = pv_mmu_update_one(d, req.ptr, req.val);
		if (rc)
			break;
	}
	report_done(pdone, done + i);
	return rc;
}

/*
 * The L1 table mapping va in v's current page tables, with a general
 * reference, or NULL. Every frame a validated table's guest entry names is
 * one of the guest's, so the walk maps nothing else.
 */
static struct page_info *guest_l1(struct vcpu *v, unsigned long va)
{
	mfn_t mfn = v->kernel_mode ? v->guest_table : v->guest_table_user;

	if (mfn_eq(mfn, INVALID_MFN))
		return NULL;
	for (unsigned int level = 4; level > 1; level--) {
		const uint64_t *t = map_domain_page(mfn);
		uint64_t e =
			t[(va >> (PAGE_SHIFT + 9 * (level - 1))) % PT_ENTRIES];

		unmap_domain_page(t);
		if ((e & (_PAGE_PRESENT | _PAGE_PSE)) != _PAGE_PRESENT)
			return NULL;
		mfn = pte_mfn(e);
		if (!mfn_valid(mfn))
			return NULL;
	}
	return get_page_from_mfn(mfn, v->domain);
}

/* The vCPUs of d, as bits of a vCPU bitmap. */
static unsigned long vcpu_bits(const struct domain *d)
{
	unsigned long bits = 0;

	for (unsigned int i = 0; i < d->max_vcpus && i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			bits |= 1UL << i;
	return bits;
}

/*
 * update_va_mapping's flush. All of a domain's vCPUs run on this CPU, so
 * UVMF_LOCAL, UVMF_ALL and a bitmap naming any of them flush it alike.
 */
static int flush_after(struct vcpu *v, unsigned long va, unsigned long flags)
{
	unsigned long how = flags & UVMF_FLUSHTYPE_MASK;
	unsigned long who = flags & ~UVMF_FLUSHTYPE_MASK;

	if (how != UVMF_TLB_FLUSH && how != UVMF_INVLPG)
		return 0;
	if (who != UVMF_LOCAL && who != UVMF_ALL) {
		unsigned long bits = 0;

		/* A pointer to a bitmap, one word of it with <= 64 vCPUs. */
		if (v->domain->max_vcpus &&
		    copy_from_guest(&bits, who, sizeof(bits)))
			return -EFAULT;
		if (!(bits & vcpu_bits(v->domain)))
			return 0;
	}
	if (how == UVMF_TLB_FLUSH)
		arch_flush_tlb_local();
	else
		arch_invlpg(va);
	return 0;
}

long do_update_va_mapping(unsigned long va, uint64_t val, unsigned long flags)
{
	struct vcpu *v = current;
	struct page_info *l1;
	unsigned long x;
	int rc = -EINVAL;

	if (!guest_range_ok(va, 1))
		return -EINVAL;
	l1 = guest_l1(v, va);
	if (!l1)
		return -EINVAL;
	x = l1->u.type_info;
	if (type_of(x) == PGT_l1_page_table && (x & PGT_count_mask) &&
	    (x & PGT_validated))
		rc = mod_entry(l1, 1, (va >> PAGE_SHIFT) % PT_ENTRIES, val,
			       false);
	put_page(l1);
	/* A refused update changed nothing to flush. */
	if (rc)
		return rc;
	return flush_after(v, va, flags);
}

static int mmuext_one(struct vcpu *v, const struct mmuext_op *op)
{
	struct domain *d = v->domain;
	mfn_t mfn = _mfn(op->arg1.mfn);
	int rc;

	switch (op->cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		rc = pv_pin_table(d, mfn, op->cmd - MMUEXT_PIN_L1_TABLE + 1);
		/* Xen answers a second pin with -EINVAL: other -EBUSYs are L1s'. */
		if (rc == -EBUSY &&
		    (mfn_to_page(mfn)->u.type_info & PGT_pinned))
			rc = -EINVAL;
		return rc;
	case MMUEXT_UNPIN_TABLE:
		return pv_unpin_table(d, mfn);
	case MMUEXT_NEW_BASEPTR:
		return pv_new_baseptr(v, mfn);
	case MMUEXT_NEW_USER_BASEPTR:
		/* mfn 0, never a guest's frame, clears it. */
		return pv_new_user_baseptr(v, op->arg1.mfn ? mfn : INVALID_MFN);
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_TLB_FLUSH_ALL:
		arch_flush_tlb_local();
		return 0;
	case MMUEXT_INVLPG_LOCAL:
	case MMUEXT_INVLPG_ALL:
		/* Xen ignores an address outside the guest's part. */
		if (guest_range_ok(op->arg1.linear_addr, 1))
			arch_invlpg(op->arg1.linear_addr);
		return 0;
	case MMUEXT_MARK_SUPER:
	case MMUEXT_UNMARK_SUPER:
		return -EOPNOTSUPP; /* Xen's answer since it dropped them */
	default:
		return -ENOSYS;
	}
}

long do_mmuext_op(unsigned long uops, unsigned int count, unsigned long pdone,
		  unsigned int foreigndom)
{
	struct vcpu *v = current;
	unsigned int done, i;
	int rc;

	count = batch_count(count, pdone, &done);
	if (!guest_range_ok(uops, (size_t)count * sizeof(struct mmuext_op)))
		return -EFAULT;
	rc = foreign_check(v->domain, (domid_t)foreigndom);
	if (rc)
		return rc;
	for (i = 0; i < count; i++) {
		struct mmuext_op op;

		if (i && hypercall_preempt_check()) {
			report_done(pdone, done + i);
			return hypercall_continue(
				__HYPERVISOR_mmuext_op, uops + i * sizeof(op),
				(count - i) | MMU_UPDATE_PREEMPTED, pdone,
				foreigndom);
		}
		if (copy_from_guest_offset(&op, uops, i, 1)) {
			rc = -EFAULT;
			break;
		}
		rc = mmuext_one(v, &op);
		if (rc)
			break;
	}
	report_done(pdone, done + i);
	return rc;
}

/* ---- a domain's end ---- */

/* Drop what a vCPU's reference to a frame (a base pointer, a GDT frame) holds. */
static void drop_vcpu_ref(mfn_t *mfn)
{
	if (!mfn_eq(*mfn, INVALID_MFN))
		put_page_and_type(mfn_to_page(*mfn));
	*mfn = INVALID_MFN;
}

/*
 * Unpin d's pinned tables of the given level. Each frame is held while its
 * pin goes, which may take other frames of the list with it (those d gave
 * back): its successor is read once that is over.
 */
static void unpin_level(struct domain *d, unsigned int level)
{
	uint32_t m = d->page_list.head;

	while (m != PAGE_LIST_NULL) {
		struct page_info *pg = frame_table + m;
		bool held = get_page(pg, d);

		if (held &&
		    type_of(pg->u.type_info) == PGT_lN_page_table(level) &&
		    (pg->u.type_info & PGT_pinned)) {
			pg->u.type_info &= ~PGT_pinned;
			put_page_and_type(pg);
		}
		m = pg->next;
		if (held)
			put_page(pg);
	}
}

void pv_relinquish_page_types(struct domain *d)
{
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		struct vcpu *v = d->vcpu[i];

		if (!v)
			continue;
		drop_vcpu_ref(&v->guest_table);
		drop_vcpu_ref(&v->guest_table_user);
		for (unsigned int f = 0; f < v->nr_gdt_frames; f++)
			drop_vcpu_ref(&v->gdt_frames[f]);
		v->nr_gdt_frames = v->gdt_ents = 0;
	}
	/* Top down, as Xen: a table goes before the tables it maps. */
	for (unsigned int level = 4; level >= 1; level--)
		unpin_level(d, level);
	ASSERT(!d->nr_superpages);
	/* With no type reference left, no frame keeps a stale type. */
	for (uint32_t m = d->page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next)
		if (!(frame_table[m].u.type_info & PGT_count_mask))
			frame_table[m].u.type_info = 0;
}
