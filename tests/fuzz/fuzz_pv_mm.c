/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for PV page types: the real mm/pv_mm.c over the real
 * heap on a host machine, debug build, a guest's page-table work decoded
 * from the input.
 *
 * A domain of NR_FRAMES zeroed frames, another domain's frames, a free
 * frame and addresses beyond RAM to aim entries at. Operations: writing a
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

#define NR_FRAMES 24
#define NR_OTHER 2
#define MAX_OPS 300
#define MACHINE_FRAMES 2048

#define FUZZ_NAME "fuzz_pv_mm"
#define FUZZ_TRACE_ENV "FUZZ_PV_MM_TRACE"
#include "fuzz_util.h"

static struct domain dom, other;
static struct vcpu vcpu;
static mfn_t frames[NR_FRAMES], theirs[NR_OTHER], freed;
static unsigned long start_free;
static unsigned int chain_slot[3]; /* op_chain()'s L2, L3 and L4 slots */

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
	e = mfn_to_maddr(target()) | (c < 240 ? _PAGE_PRESENT : 0);
	/* Mostly the flags a guest uses; now and then any of them. */
	for (unsigned int i = 0; i < ARRAY_SIZE(flag); i++)
		if (bits & (1u << i) && (i < 4 || u8() < 40))
			e |= flag[i];
	return e;
}

/* ---- checks ---- */

struct snap {
	unsigned long count[NR_FRAMES], type[NR_FRAMES];
};

static void snapshot(struct snap *s)
{
	for (unsigned int i = 0; i < NR_FRAMES; i++) {
		s->count[i] = pg_of(frames[i])->count_info;
		s->type[i] = pg_of(frames[i])->u.type_info;
	}
}

/*
 * A refused request took nothing and dropped nothing. (The stale type of
 * a frame with no type reference may go: a failed validation clears it.)
 */
static void unchanged(const struct snap *s, const char *what, int rc)
{
	struct snap now;

	snapshot(&now);
	for (unsigned int i = 0; i < NR_FRAMES; i++) {
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
	note("mmu_update x%u = %ld, done %u", n, rc, done);
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

	for (unsigned int level = 4; level >= 1; level--)
		va |= (unsigned long)(on_chain && level > 1
					      ? chain_slot[level - 2]
					      : slot())
		      << (12 + 9 * (level - 1));
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
		unmap_domain_page(p);
	}
	rc = pv_new_baseptr(&vcpu, frames[f[0]]);
	note("chain %u -> %u -> %u -> %u as base pointer = %d", f[0], f[1],
	     f[2], f[3], rc);
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

static void machine(void)
{
	struct page_info *pg;

	host_vmap_pages = 8;
	heap_scramble = u8() & 1;
	REQUIRE(host_machine_init(MACHINE_FRAMES) == 0, "host_machine_init");
	pv_test_domain(&dom, &vcpu, 1, NR_FRAMES);
	memset(&other, 0, sizeof(other));
	domain_mm_init(&other, 2, NR_OTHER);
	start_free = heap_free_pages();
	for (unsigned int i = 0; i < NR_FRAMES; i++) {
		pg = alloc_domheap_pages(&dom, 0, MEMF_zero);
		REQUIRE(pg, "no memory for the domain");
		frames[i] = page_to_mfn(pg);
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
			if (u8() < 128) {
				op_chain();
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
