/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for PV page types: the real mm/pv_mm.c over the real
 * heap on a host machine, debug build, a guest's page-table work decoded
 * from the input.
 *
 * A domain of NR_SINGLE zeroed frames and a 2 MiB extent, another
 * domain's frames, an extent half the domain's and half the other's, a free
 * frame and addresses beyond RAM to aim entries at; NR_PICKS frames of the
 * domain's extent are worked on as its single frames are (written, made
 * tables, given back), and entries are now and then superpages (PSE, the
 * domain's extent, the mixed one, misaligned, beyond RAM, with stray
 * attributes). Operations: writing a
 * frame as the guest could (one it may write: no type, or writable),
 * mmu_update batches of normal, PRESERVE_AD, machphys and undefined
 * requests, pins and unpins of any level, both base pointers,
 * update_va_mapping with its flushes, and giving frames back (which frees
 * them once nothing maps them).
 *
 * After every step the audit (tests/host/pv_mm_check.c) recomputes every
 * count from the tables and finds them equal: no frame is both writable
 * and a table, every entry is the domain's and allowed. A refused request
 * changes no count. At the end relinquishing leaves every frame its
 * allocation reference only, and the heap gets every page back.
 *
 * FUZZ_PV_MM_TRACE=1 prints every operation as it runs.
 */
#include <stdint.h>
#include <string.h>

#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/host.h>
#include <mica/paging.h>
#include <mica/pv_mm.h>
#include <public/xen.h>

#include "pv_mm_check.h" /* tests/host/ */

#define NR_SINGLE 24
#define NR_PICKS 8
#define NR_FRAMES (NR_SINGLE + NR_PICKS)
#define EXT 512
#define MIXED_OURS 256 /* the mixed extent's first frames are the domain's */
#define NR_WATCH (NR_SINGLE + EXT + MIXED_OURS)
#define NR_OTHER 2
#define MAX_OPS 300
#define MACHINE_FRAMES 2048

#define FUZZ_NAME "fuzz_pv_mm"
#define FUZZ_TRACE_ENV "FUZZ_PV_MM_TRACE"
#include "fuzz_util.h"

static struct domain dom, other;
static struct vcpu vcpu;
static mfn_t frames[NR_FRAMES], theirs[NR_OTHER], freed, ext, mixed;
/* The frames of ext that are among frames[], and every frame watched. */
static const unsigned int picks[NR_PICKS] = {0, 1, 2, 100, 255, 256, 510, 511};
static mfn_t watch[NR_WATCH];
static unsigned int nr_watch;
static unsigned long start_free;
static unsigned int chain_slot[3]; /* op_chain()'s L2, L3 and L4 slots */
static unsigned int chain_super;   /* an L2 slot it made a superpage */

static struct page_info *pg_of(mfn_t m)
{
	return mfn_to_page(m);
}

static bool ours(mfn_t m)
{
	return (pg_of(m)->count_info & PGC_inuse) && pg_of(m)->v.owner == &dom;
}

/* ---- decoding ---- */

static mfn_t target(void)
{
	unsigned int c = u8();

	if (c < 200)
		return frames[c % NR_FRAMES];
	if (c < 220)
		return theirs[c % NR_OTHER];
	if (c < 235)
		return freed;
	return _mfn(MACHINE_FRAMES + c % 8);
}

static unsigned int slot(void)
{
	static const unsigned int special[] = {0,   1,	 2,   255, 256,
					       271, 272, 493, 511};
	unsigned int c = u8();

	return c < 128 ? special[c % ARRAY_SIZE(special)] : u16() % 512;
}

/* A superpage entry: mostly of the domain's extent, now and then not. */
static uint64_t super_entry(void)
{
	static const uint64_t flag[] = {
		_PAGE_RW,     _PAGE_RW, _PAGE_USER, _PAGE_ACCESSED, _PAGE_DIRTY,
		_PAGE_GLOBAL, _PAGE_NX, _PAGE_PCD,  _PAGE_PSE_PAT};
	unsigned int c = u8(), bits = u16();
	mfn_t m;
	uint64_t e;

	if (c < 160)
		m = ext;
	else if (c < 185)
		m = mixed;
	else if (c < 210)
		m = mfn_add(ext, u8() % EXT); /* misaligned, mostly */
	else if (c < 230)
		m = _mfn(mfn_x(theirs[c & 1]) & ~(EXT - 1UL));
	else if (c < 245)
		m = _mfn(0);
	else
		m = _mfn(MACHINE_FRAMES);
	e = mfn_to_maddr(m) | _PAGE_PRESENT | _PAGE_PSE;
	for (unsigned int i = 0; i < ARRAY_SIZE(flag); i++)
		if (bits & (1u << i) && (i < 7 || u8() < 40))
			e |= flag[i];
	return e;
}

static uint64_t entry(void)
{
	static const uint64_t flag[] = {
		_PAGE_RW,  _PAGE_USER, _PAGE_ACCESSED, _PAGE_DIRTY,
		_PAGE_PSE, _PAGE_PCD,  _PAGE_GLOBAL,   _PAGE_NX,
		1UL << 52, _PAGE_PWT,  0x200UL,	       1UL << 62,
	};
	unsigned int c = u8(), bits = u16();
	uint64_t e;

	if (c < 16)
		return 0;
	if (c < 48)
		return super_entry();
	e = mfn_to_maddr(target()) | (c < 240 ? _PAGE_PRESENT : 0);
	/* Mostly the flags a guest uses; now and then any of them. */
	for (unsigned int i = 0; i < ARRAY_SIZE(flag); i++)
		if (bits & (1u << i) && (i < 4 || u8() < 40))
			e |= flag[i];
	return e;
}

/* ---- checks ---- */

struct snap {
	unsigned long count[NR_WATCH], type[NR_WATCH], superpages;
};

static void snapshot(struct snap *s)
{
	for (unsigned int i = 0; i < nr_watch; i++) {
		s->count[i] = pg_of(watch[i])->count_info;
		s->type[i] = pg_of(watch[i])->u.type_info;
	}
	s->superpages = dom.nr_superpages;
}

/*
 * A refused request took nothing and dropped nothing. (The stale type of
 * a frame with no type reference may go: a failed validation clears it.)
 */
static void unchanged(const struct snap *s, const char *what, int rc)
{
	struct snap now;

	snapshot(&now);
	REQUIRE(now.superpages == s->superpages,
		"%s refused (%d) but the domain's superpages went %lu -> %lu",
		what, rc, s->superpages, now.superpages);
	for (unsigned int i = 0; i < nr_watch; i++) {
		unsigned long held = s->type[i] & PGT_count_mask;

		REQUIRE(now.count[i] == s->count[i] &&
				(held ? now.type[i] == s->type[i]
				      : !(now.type[i] & PGT_count_mask)),
			"%s refused (%d) but frame %u went %#lx/%#lx -> %#lx/%#lx",
			what, rc, i, s->count[i], s->type[i], now.count[i],
			now.type[i]);
	}
}

static void check_all(void)
{
	const char *why = pv_mm_violation(&dom);

	REQUIRE(!why, "audit: %s", why);
}

/* ---- operations ---- */

static void op_write(void)
{
	unsigned int f = u8() % NR_FRAMES, s = slot();
	uint64_t e = entry();
	unsigned long t = pg_of(frames[f])->u.type_info;
	uint64_t *p;

	/* The guest writes only frames it may map writable. */
	if (!ours(frames[f]) ||
	    ((t & PGT_count_mask) && (t & PGT_type_mask) != PGT_writable_page))
		return;
	note("write frame %u[%u] = %#lx", f, s, e);
	p = map_domain_page(frames[f]);
	p[s] = e;
	unmap_domain_page(p);
}

static void op_mmu_update(void)
{
	struct mmu_update req[3];
	unsigned int n = 1 + u8() % 3, done = ~0u;
	struct snap before;
	long rc;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int c = u8();
		mfn_t f = c < 240 ? frames[c % NR_FRAMES] : target();

		req[i].ptr = mfn_to_maddr(f) + slot() * 8;
		c = u8();
		req[i].ptr |= c < 200	? MMU_NORMAL_PT_UPDATE
			      : c < 225 ? MMU_PT_UPDATE_PRESERVE_AD
			      : c < 245 ? MMU_MACHPHYS_UPDATE
					: c % 8;
		req[i].val = entry();
		note("  req %u: ptr %#lx val %#lx", i, req[i].ptr, req[i].val);
	}
	snapshot(&before);
	rc = do_mmu_update((unsigned long)req, n, (unsigned long)&done,
			   DOMID_SELF);
	note("mmu_update x%u = %ld, done %u (%lu superpages)", n, rc, done,
	     dom.nr_superpages);
	REQUIRE(rc ? done < n : done == n, "rc %ld with done %u of %u", rc,
		done, n);
	if (rc && !done)
		unchanged(&before, "mmu_update", (int)rc);
}

static void op_pin(void)
{
	mfn_t m = target();
	unsigned int level = 1 + u8() % 4;
	struct snap before;
	int rc;

	snapshot(&before);
	rc = pv_pin_table(&dom, m, level);
	note("pin L%u %#lx = %d", level, mfn_x(m), rc);
	if (rc)
		unchanged(&before, "pin", rc);
}

static void op_unpin(void)
{
	mfn_t m = target();
	struct snap before;
	int rc;

	snapshot(&before);
	rc = pv_unpin_table(&dom, m);
	note("unpin %#lx = %d", mfn_x(m), rc);
	if (rc)
		unchanged(&before, "unpin", rc);
}

static void op_baseptr(void)
{
	unsigned int c = u8();
	mfn_t m = c < 32 ? INVALID_MFN : target();
	struct snap before;
	int rc;

	snapshot(&before);
	if (c & 1)
		rc = pv_new_user_baseptr(&vcpu, m);
	else
		rc = mfn_eq(m, INVALID_MFN) ? 0 : pv_new_baseptr(&vcpu, m);
	note("%s baseptr %#lx = %d", c & 1 ? "user" : "kernel", mfn_x(m), rc);
	if (rc)
		unchanged(&before, "baseptr", rc);
}

static void op_update_va(void)
{
	unsigned long va = 0, flags;
	uint64_t val;
	struct snap before;
	long rc;

	/* Through the last chain, or the slots the others favour. */
	bool on_chain = u8() < 128;

	bool in_super = on_chain && u8() < 64;

	for (unsigned int level = 4; level >= 1; level--)
		va |= (unsigned long)(on_chain && level > 1
					      ? chain_slot[level - 2]
					      : slot())
		      << (12 + 9 * (level - 1));
	/* Now and then inside the chain's superpage, which has no L1. */
	if (in_super)
		va = (va & ~(511UL << 21)) | (unsigned long)chain_super << 21;
	if (va >> 47)
		va |= 0xffff000000000000UL; /* the hypervisor's, or above */
	if (u8() < 16)
		va ^= 1UL << 47; /* the hole */
	val = entry();
	flags = u8() % 8;
	vcpu.kernel_mode = u8() >= 32;
	snapshot(&before);
	rc = do_update_va_mapping(va, val, flags);
	note("update_va_mapping(%#lx, %#lx, %#lx)%s = %ld", va, val, flags,
	     vcpu.kernel_mode ? "" : " in user mode", rc);
	if (rc)
		unchanged(&before, "update_va_mapping", (int)rc);
	vcpu.kernel_mode = true;
}

/*
 * A whole L4-to-L1 path written into four frames the guest may write, at
 * the slots the others favour, then made the base pointer: random bytes
 * alone seldom get update_va_mapping that far.
 */
static void op_chain(void)
{
	unsigned int f[4];
	uint64_t *p;
	int rc;

	for (unsigned int i = 0; i < 4; i++) {
		/* Four different frames of no type, each 1..4 past the last. */
		f[i] = i ? (f[i - 1] + 1 + u8() % 4) % NR_FRAMES
			 : u8() % NR_FRAMES;
		if (!ours(frames[f[i]]) ||
		    (pg_of(frames[f[i]])->u.type_info & PGT_count_mask))
			return;
	}
	for (unsigned int i = 0; i < 3; i++) {
		chain_slot[2 - i] = slot();
		p = map_domain_page(frames[f[i]]);
		p[chain_slot[2 - i]] = mfn_to_maddr(frames[f[i + 1]]) |
				       _PAGE_PRESENT | _PAGE_RW;
		/* The L2 maps a superpage beside the L1, at times. */
		if (i == 2 && u8() < 128) {
			chain_super = slot();
			if (chain_super != chain_slot[0])
				p[chain_super] = super_entry();
		}
		unmap_domain_page(p);
	}
	rc = pv_new_baseptr(&vcpu, frames[f[0]]);
	note("chain %u -> %u -> %u -> %u as base pointer = %d", f[0], f[1],
	     f[2], f[3], rc);
}

/*
 * A frame of no type filled with a few superpage entries and pinned as an
 * L2, which random writes and pins seldom line up to do.
 */
static void op_super_l2(void)
{
	unsigned int f = u8() % NR_FRAMES, n = 1 + u8() % 4;
	struct snap before;
	uint64_t *p;
	int rc;

	if (!ours(frames[f]) ||
	    (pg_of(frames[f])->u.type_info & PGT_count_mask))
		return;
	p = map_domain_page(frames[f]);
	for (unsigned int i = 0; i < n; i++)
		p[slot()] = super_entry();
	unmap_domain_page(p);
	snapshot(&before);
	rc = pv_pin_table(&dom, frames[f], 2);
	note("superpage L2 %u, %u entries, pinned = %d (%lu superpages)", f, n,
	     rc, dom.nr_superpages);
	if (rc)
		unchanged(&before, "pin of superpages", rc);
}

static void op_give_back(void)
{
	unsigned int f = u8() % NR_FRAMES;

	if (!ours(frames[f]))
		return;
	note("give back frame %u (count %lu)", f,
	     pg_of(frames[f])->count_info & PGC_count_mask);
	put_page_alloc_ref(pg_of(frames[f]));
}

static void op_mmuext(void)
{
	struct mmuext_op op = {.cmd = u8() % 22};
	unsigned int done = ~0u;
	long rc;

	op.arg1.mfn = op.cmd == MMUEXT_INVLPG_LOCAL ? (unsigned long)u16() << 12
						    : mfn_x(target());
	rc = do_mmuext_op((unsigned long)&op, 1, (unsigned long)&done,
			  DOMID_SELF);
	note("mmuext_op %u %#lx = %ld", op.cmd, (unsigned long)op.arg1.mfn, rc);
	REQUIRE(done == (rc ? 0u : 1u), "mmuext_op %ld, done %u", rc, done);
}

/* ---- machines ---- */

/* The domain's extent, its picks among frames[], and the mixed extent. */
static void machine_extents(void)
{
	struct page_info *pg = alloc_domheap_pages(&dom, 9, MEMF_zero);

	REQUIRE(pg, "no 2 MiB extent for the domain");
	ext = page_to_mfn(pg);
	for (unsigned int i = 0; i < NR_PICKS; i++)
		frames[NR_SINGLE + i] = mfn_add(ext, picks[i]);
	for (unsigned int i = 0; i < EXT; i++)
		watch[NR_SINGLE + i] = mfn_add(ext, i);
	pg = alloc_domheap_pages(NULL, 9, MEMF_zero);
	REQUIRE(pg, "no 2 MiB extent to share");
	mixed = page_to_mfn(pg);
	for (unsigned int i = 0; i < EXT; i++)
		REQUIRE(assign_pages(i < MIXED_OURS ? &dom : &other, pg + i, 0,
				     0) == 0,
			"assign_pages");
	for (unsigned int i = 0; i < MIXED_OURS; i++)
		watch[NR_SINGLE + EXT + i] = mfn_add(mixed, i);
	nr_watch = NR_WATCH;
}

static void machine(void)
{
	struct page_info *pg;

	host_vmap_pages = 8;
	heap_scramble = u8() & 1;
	REQUIRE(host_machine_init(MACHINE_FRAMES) == 0, "host_machine_init");
	pv_test_domain(&dom, &vcpu, 1, NR_SINGLE + EXT + MIXED_OURS);
	memset(&other, 0, sizeof(other));
	domain_mm_init(&other, 2, NR_OTHER + EXT - MIXED_OURS);
	start_free = heap_free_pages();
	for (unsigned int i = 0; i < NR_SINGLE; i++) {
		pg = alloc_domheap_pages(&dom, 0, MEMF_zero);
		REQUIRE(pg, "no memory for the domain");
		frames[i] = watch[i] = page_to_mfn(pg);
	}
	if (u8() & 1) {
		machine_extents();
	} else {
		/*
		 * Half the machines have no extents, at a tenth of the cost:
		 * superpage entries then name the (aligned down) extents of
		 * single frames, partly the domain's, and are refused.
		 */
		nr_watch = NR_FRAMES;
		for (unsigned int i = NR_SINGLE; i < NR_FRAMES; i++) {
			pg = alloc_domheap_pages(&dom, 0, MEMF_zero);
			REQUIRE(pg, "no memory for the domain");
			frames[i] = watch[i] = page_to_mfn(pg);
		}
		ext = _mfn(mfn_x(frames[0]) & ~(EXT - 1UL));
		mixed = _mfn(mfn_x(frames[NR_SINGLE]) & ~(EXT - 1UL));
	}
	for (unsigned int i = 0; i < NR_OTHER; i++) {
		pg = alloc_domheap_pages(&other, 0, MEMF_zero);
		REQUIRE(pg, "no memory for the other domain");
		theirs[i] = page_to_mfn(pg);
	}
	pg = alloc_domheap_pages(NULL, 0, 0);
	freed = page_to_mfn(pg);
	free_domheap_pages(pg, 0);
}

static void teardown(void)
{
	pv_relinquish_page_types(&dom);
	check_all();
	for (uint32_t m = dom.page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next)
		REQUIRE((frame_table[m].count_info & PGC_count_mask) == 1 &&
				!frame_table[m].u.type_info,
			"relinquished, mfn %#x has count_info %#lx, type_info %#lx",
			m, frame_table[m].count_info,
			frame_table[m].u.type_info);
	domain_relinquish_memory(&dom);
	domain_relinquish_memory(&other);
	REQUIRE(heap_free_pages() == start_free,
		"everything freed, yet the heap has %lu pages, not %lu",
		heap_free_pages(), start_free);
	REQUIRE(heap_check() == 0, "heap_check failed");
	host_machine_fini();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_begin(data, size);
	machine();
	for (unsigned int ops = 0; in_n && ops < MAX_OPS; ops++) {
		unsigned int c;

		switch (u8() % 16) {
		case 0:
		case 1:
		case 2:
		case 3:
			op_write();
			break;
		case 4:
		case 5:
		case 6:
			op_mmu_update();
			break;
		case 7:
		case 8:
			op_pin();
			break;
		case 9:
			op_unpin();
			break;
		case 10:
			op_baseptr();
			break;
		case 11:
		case 12:
			op_update_va();
			break;
		case 13:
			op_mmuext();
			break;
		case 14:
			op_give_back();
			break;
		default:
			c = u8();
			if (c < 96) {
				op_chain();
			} else if (c < 192) {
				op_super_l2();
			} else if (u8() < 16) {
				note("relinquish, a new machine");
				teardown();
				machine();
			}
			break;
		}
		check_all();
	}
	teardown();
	return 0;
}
