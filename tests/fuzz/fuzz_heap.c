/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the heap: the real mm/buddy.c, heap.c, scrub.c and
 * heap_stats.c on a host machine (tools/host/machine.c), in a debug build,
 * driven by operation sequences decoded from the input.
 *
 * Input: a machine shape and the policy (grouping, scramble), then one
 * operation after another until the bytes run out (a missing byte reads as
 * zero, so every input means something). Operations: xenheap, domheap and
 * exact-length allocations and frees with every flag, partial domheap
 * frees, assign_pages, domain_relinquish_memory, max_pages changes,
 * heap_scrub_some, writes into owned memory, scramble toggles, claims of
 * given ranges (alloc_contig_range) and their release, isolating and
 * un-isolating pageblocks, and a fresh machine.
 *
 * A shadow model knows the state and the contents of every frame. After
 * every step it must agree with the heap: heap_check() passes, counters
 * add up, nothing is handed out twice, chunks are aligned and below their
 * MEMF_bits limit, domains hold exactly what they were given and never
 * more than max_pages; memory comes out scrubbed (zero with MEMF_zero, a
 * domain's old data at most with MEMF_no_scrub); a refused request
 * changes nothing, and a request is refused only when the model shows that
 * no naturally aligned free block outside the isolated pageblocks could
 * serve it. Nothing is ever allocated from an isolated block. A range
 * claim succeeds exactly when every frame of it is free and none of its
 * blocks is isolated, and hands out exactly those frames, scrubbed; a
 * refused one changes nothing. Freeing everything (isolations undone
 * first) restores the initial free lists exactly.
 *
 * Grouping is chosen per machine, before its memory is added: the heap
 * files chunks by it, so switching it with chunks filed is unsupported.
 * Scrambling may change at any time.
 *
 * FUZZ_HEAP_TRACE=1 prints every operation as it runs.
 *
 * One limit on reproducing a crash: heap.c's scramble generator is not
 * reset by heap_init, so an input replayed alone may see other choices
 * than it did inside a fuzzing session.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/arch_mm.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <mica/host.h>

#include "heap.h" /* SCRUB_PATTERN */

#define MAX_HEAP_FRAMES (64UL * 1024) /* what one machine hands the heap */
#define MAX_RANGES 8
#define MAX_UNITS 2048
#define NR_DOMS 3
#define NO_DOM 0xff
#define GIB_FRAMES (1UL << 18)
#define WORDS (PAGE_SIZE / sizeof(uint64_t))
#define MAX_OPS 600
#define SCRUB_ALL_MAX 512UL /* pages heap_scrub_some may take at once */

#define FUZZ_NAME "fuzz_heap"
#define FUZZ_TRACE_ENV "FUZZ_HEAP_TRACE"
#include "fuzz_util.h"

/* ---- the shadow model ---- */

/* Frames the heap was given, contiguous runs indexed into the arrays below. */
struct mrange {
	unsigned long start, end, base;
};
static struct mrange mr[MAX_RANGES];
static unsigned int nr_mr;

enum { S_FREE, S_XEN, S_ANON, S_CONTIG, S_RANGE, S_DOM /* + domain index */ };
static uint8_t fstate[MAX_HEAP_FRAMES];

/*
 * What a frame holds: zero (the machine's RAM starts so), the scrub pattern,
 * or the words a seed generates. A free frame may also have been scrubbed
 * since: the model does not know which ones heap_scrub_some() took.
 */
enum { C_ZERO, C_POISON };
static uint32_t fcontent[MAX_HEAP_FRAMES];
static uint32_t next_seed;

static unsigned long m_total, m_free;

/* What the program owns: one record per allocation (or per piece of one). */
enum { K_XEN, K_DOM, K_CONTIG, K_RANGE };
struct unit {
	unsigned long mfn, nr;
	uint8_t kind, order, dom;
};
static struct unit units[MAX_UNITS];
static unsigned int nr_units;

static struct domain doms[NR_DOMS];
static unsigned long dom_pages[NR_DOMS];

static struct heap_stats initial;
static unsigned int check_every;

/* Isolated ranges: their pageblocks never overlap (the heap refuses). */
#define MAX_ISO 8
static struct {
	unsigned long start, nr;
} iso[MAX_ISO];
static unsigned int nr_iso;

static bool isolated(unsigned long mfn)
{
	unsigned long b = mfn >> PAGEBLOCK_ORDER;

	for (unsigned int i = 0; i < nr_iso; i++)
		if (b >= iso[i].start >> PAGEBLOCK_ORDER &&
		    b <= (iso[i].start + iso[i].nr - 1) >> PAGEBLOCK_ORDER)
			return true;
	return false;
}

static const unsigned long max_pages_choice[] = {
	0, 1, 2, 5, 16, 100, 511, 512, 1000, 4096, 20000, ~0UL,
};

static unsigned long pick_max_pages(void)
{
	return max_pages_choice[u8() % (sizeof(max_pages_choice) /
					sizeof(max_pages_choice[0]))];
}

/* The model's index of mfn, or -1 when the heap was not given it. */
static long fidx(unsigned long mfn)
{
	for (unsigned int i = 0; i < nr_mr; i++)
		if (mfn >= mr[i].start && mfn < mr[i].end)
			return (long)(mr[i].base + mfn - mr[i].start);
	return -1;
}

static __always_inline uint64_t content_word(uint32_t c, unsigned int i)
{
	if (c == C_ZERO)
		return 0;
	if (c == C_POISON)
		return SCRUB_PATTERN;
	return (((uint64_t)c << 32) | i) ^ 0x5a5a0f0f00000000UL;
}

static bool page_holds(unsigned long mfn, uint32_t c)
{
	const uint64_t *p = arch_mfn_to_virt(mfn);

	for (unsigned int i = 0; i < WORDS; i++)
		if (p[i] != content_word(c, i))
			return false;
	return true;
}

static void fill_page(unsigned long mfn, uint32_t c)
{
	uint64_t *p = arch_mfn_to_virt(mfn);

	for (unsigned int i = 0; i < WORDS; i++)
		p[i] = content_word(c, i);
}

/* ---- checks ---- */

static void stats(struct heap_stats *s)
{
	heap_get_stats(s);
}

static bool same_stats(const struct heap_stats *a, const struct heap_stats *b)
{
	if (a->total_pages != b->total_pages ||
	    a->free_pages != b->free_pages ||
	    a->dirty_pages != b->dirty_pages ||
	    a->largest_order != b->largest_order ||
	    a->blocks_unmovable != b->blocks_unmovable ||
	    a->blocks_guest != b->blocks_guest)
		return false;
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		if (a->free_by_order[o] != b->free_by_order[o])
			return false;
	return true;
}

static void check_domain(unsigned int i, bool walk)
{
	struct domain *d = &doms[i];
	unsigned long n = 0;

	REQUIRE(d->tot_pages == dom_pages[i],
		"d%u: tot_pages %lu, model says %lu", i, d->tot_pages,
		dom_pages[i]);
	if (!walk)
		return;
	for (uint32_t m = d->page_list.head; m != PAGE_LIST_NULL;
	     m = frame_table[m].next) {
		long k = fidx(m);

		REQUIRE(k >= 0 && fstate[k] == S_DOM + i,
			"d%u's page list holds mfn %#x, which is not its", i,
			m);
		REQUIRE(frame_table[m].v.owner == d &&
				(frame_table[m].count_info & PGC_allocated),
			"d%u's mfn %#x: owner or PGC_allocated lost", i, m);
		REQUIRE(++n <= d->tot_pages, "d%u's page list is too long", i);
	}
	REQUIRE(n == d->tot_pages, "d%u's page list holds %lu pages, not %lu",
		i, n, d->tot_pages);
}

static void check_all(bool full)
{
	struct heap_stats s;

	stats(&s);
	REQUIRE(s.total_pages == m_total && s.free_pages == m_free,
		"heap says %lu free of %lu, model %lu of %lu", s.free_pages,
		s.total_pages, m_free, m_total);
	REQUIRE(s.dirty_pages <= s.free_pages, "%lu dirty of %lu free",
		s.dirty_pages, s.free_pages);
	if (full)
		REQUIRE(heap_check() == 0, "heap_check failed");
	for (unsigned int i = 0; i < NR_DOMS; i++)
		check_domain(i, full);
}

/*
 * Whether the model holds a free naturally aligned block of 2^order frames
 * below limit: then the buddy heap, which merges eagerly, has a chunk that
 * can serve it.
 */
static bool block_free(unsigned int order, unsigned long limit)
{
	unsigned long n = 1UL << order;

	if (order > MAX_ORDER || m_free < n)
		return false;
	for (unsigned int r = 0; r < nr_mr; r++) {
		unsigned long e = mr[r].end < limit ? mr[r].end : limit;
		unsigned long s = (mr[r].start + n - 1) & ~(n - 1);

		if (!s)
			s = n; /* frame 0 is never the heap's */
		while (s + n <= e) {
			unsigned long base = mr[r].base + s - mr[r].start, j;

			for (j = n; j && fstate[base + j - 1] == S_FREE &&
				    !isolated(s + j - 1);
			     j--)
				;
			if (!j)
				return true;
			/* The used frame at j - 1 rules out every block up to it. */
			s = (s + j + n - 1) & ~(n - 1);
		}
	}
	return false;
}

/* The frame number below which MEMF_bits keeps a chunk; 0 for none. */
static unsigned long bits_limit(unsigned int flags)
{
	unsigned int b = flags & MEMF_bits_mask;

	if (!b)
		return ~0UL;
	if (b <= PAGE_SHIFT)
		return 0;
	return b - PAGE_SHIFT >= 40 ? ~0UL : 1UL << (b - PAGE_SHIFT);
}

static unsigned int pick_flags(bool guest_ok)
{
	unsigned int f = 0, b = u8();

	if (b & 1)
		f |= MEMF_no_scrub;
	if (b & 2)
		f |= MEMF_zero;
	if ((b & 4) && guest_ok)
		f |= MEMF_guest;
	if (b & 8) {
		unsigned int bits = u8();

		/* Mostly limits that bite on these machines; sometimes odd ones. */
		f |= MEMF_bits(bits & 0x80 ? bits : 12 + bits % 24);
	}
	return f;
}

/* What must hold of a new allocation, before the model records it. */
static void check_taken(const char *what, unsigned long mfn, unsigned long nr,
			unsigned long align, unsigned int flags,
			const struct heap_stats *before)
{
	struct heap_stats s;

	REQUIRE(mfn && !(mfn & (align - 1)), "%s: mfn %#lx not aligned to %#lx",
		what, mfn, align);
	REQUIRE(mfn + nr <= bits_limit(flags),
		"%s: [%#lx, %#lx) beyond MEMF_bits(%u)", what, mfn, mfn + nr,
		flags & MEMF_bits_mask);
	for (unsigned long i = 0; i < nr; i++) {
		long k = fidx(mfn + i);
		const struct page_info *pg = frame_table + mfn + i;

		REQUIRE(k >= 0, "%s: mfn %#lx was never given to the heap",
			what, mfn + i);
		REQUIRE(fstate[k] == S_FREE,
			"%s: mfn %#lx handed out twice (state %u)", what,
			mfn + i, fstate[k]);
		REQUIRE(!isolated(mfn + i),
			"%s: mfn %#lx handed out of an isolated pageblock",
			what, mfn + i);
		REQUIRE((pg->count_info & PGC_inuse) &&
				!(pg->count_info &
				  (PGC_free_head | PGC_need_scrub)),
			"%s: mfn %#lx count_info %#lx", what, mfn + i,
			pg->count_info);
	}
	stats(&s);
	REQUIRE(s.free_pages == before->free_pages - nr,
		"%s of %lu frames: free pages went %lu -> %lu", what, nr,
		before->free_pages, s.free_pages);
}

/*
 * Scrubbed (or zeroed) memory, or with MEMF_no_scrub what the frame held:
 * never anyone's data otherwise. Records what the new owner sees.
 */
static void check_contents(const char *what, unsigned long mfn,
			   unsigned long nr, unsigned int flags, uint8_t state)
{
	for (unsigned long i = 0; i < nr; i++) {
		long k = fidx(mfn + i);
		uint32_t c;

		if (flags & MEMF_zero)
			c = C_ZERO;
		else if (!(flags & MEMF_no_scrub) ||
			 page_holds(mfn + i, C_POISON))
			c = C_POISON;
		else
			c = fcontent[k];
		REQUIRE(page_holds(mfn + i, c),
			"%s: mfn %#lx (flags %#x) does not hold %s (it last held %#x)",
			what, mfn + i, flags,
			c == C_ZERO	? "zeros"
			: c == C_POISON ? "the scrub pattern"
					: "its old data",
			fcontent[k]);
		fcontent[k] = c;
		fstate[k] = state;
	}
	m_free -= nr;
}

/* Nothing may change when a request is refused. */
static void check_refused(const char *what, const struct heap_stats *before)
{
	struct heap_stats s;

	stats(&s);
	REQUIRE(same_stats(before, &s), "%s: refused, but the heap changed",
		what);
}

static void add_unit(unsigned long mfn, unsigned long nr, uint8_t kind,
		     uint8_t order, uint8_t dom)
{
	if (nr_units == MAX_UNITS)
		fail("model: out of unit records");
	units[nr_units++] = (struct unit){mfn, nr, kind, order, dom};
}

static void drop_unit(unsigned int i)
{
	units[i] = units[--nr_units];
}

/* The program's own memory must hold what it last wrote. */
static void check_owned(const struct unit *u)
{
	for (unsigned long i = 0; i < u->nr; i++) {
		long k = fidx(u->mfn + i);

		/* Sampled: the ends and every frame the fuzzer wrote. */
		if (i && i != u->nr - 1 && fcontent[k] <= C_POISON)
			continue;
		REQUIRE(page_holds(u->mfn + i, fcontent[k]),
			"mfn %#lx changed while allocated (expected content %#x)",
			u->mfn + i, fcontent[k]);
	}
}

static void model_free(unsigned long mfn, unsigned long nr, bool scrubbed)
{
	for (unsigned long i = 0; i < nr; i++) {
		long k = fidx(mfn + i);

		fstate[k] = S_FREE;
		if (scrubbed)
			fcontent[k] = C_POISON;
	}
	m_free += nr;
}

/* ---- operations ---- */

static void op_xen_alloc(void)
{
	unsigned int b = u8();
	unsigned int order = b & 0x80 ? b % (MAX_ORDER + 4) : b % 5;
	unsigned int flags = pick_flags(false);
	unsigned long limit = bits_limit(flags);
	struct heap_stats before;
	void *v;

	if (order > 12 && order <= MAX_ORDER)
		order = 12; /* keep the touched memory bounded */
	stats(&before);
	v = alloc_xenheap_pages(order, flags);
	note("xen alloc order %u flags %#x -> %p", order, flags, v);
	if (!v) {
		check_refused("xenheap", &before);
		REQUIRE(!limit || !block_free(order, limit),
			"xenheap order %u flags %#x refused with a free block",
			order, flags);
		return;
	}
	REQUIRE(order <= MAX_ORDER && limit,
		"xenheap: order %u flags %#x granted", order, flags);
	{
		unsigned long m = arch_virt_to_mfn(v);

		check_taken("xenheap", m, 1UL << order, 1UL << order, flags,
			    &before);
		for (unsigned long i = 0; i < (1UL << order); i++)
			REQUIRE(frame_table[m + i].count_info & PGC_xen_heap,
				"xenheap mfn %#lx lacks PGC_xen_heap", m + i);
		check_contents("xenheap", m, 1UL << order, flags, S_XEN);
		add_unit(m, 1UL << order, K_XEN, order, NO_DOM);
	}
}

static void op_dom_alloc(bool for_domain)
{
	unsigned int b = u8();
	unsigned int order = b & 0x80 ? b % (MAX_ORDER + 3) : b % 10;
	unsigned int di = u8() % NR_DOMS;
	unsigned int flags = pick_flags(true);
	struct domain *d = for_domain ? &doms[di] : NULL;
	unsigned long n, limit = bits_limit(flags), tot = d ? d->tot_pages : 0;
	bool assign, legal;
	struct heap_stats before;
	struct page_info *pg;

	if (for_domain && (b & 0x40))
		flags |= MEMF_no_owner;
	if (order > 10 && order <= MAX_ORDER)
		order = 10;
	n = 1UL << order;
	assign = d && !(flags & MEMF_no_owner);
	legal = order <= MAX_ORDER && limit &&
		!(assign && (tot > d->max_pages || n > d->max_pages - tot));
	stats(&before);
	pg = alloc_domheap_pages(d, order, flags);
	note("dom alloc d%d order %u flags %#x (tot %lu max %lu) -> %#lx",
	     d ? (int)di : -1, order, flags, tot, d ? d->max_pages : 0,
	     pg ? mfn_x(page_to_mfn(pg)) : ~0UL);
	if (!pg) {
		check_refused("domheap", &before);
		REQUIRE(!legal || !block_free(order, limit),
			"domheap order %u flags %#x refused with a free block",
			order, flags);
		if (d)
			REQUIRE(d->tot_pages == tot,
				"refusal changed tot_pages");
		return;
	}
	REQUIRE(legal,
		"domheap: d%d order %u flags %#x granted (tot %lu, max %lu)",
		d ? (int)di : -1, order, flags, tot, d ? d->max_pages : 0);
	{
		unsigned long m = mfn_x(page_to_mfn(pg));

		check_taken("domheap", m, n, n, flags, &before);
		for (unsigned long i = 0; i < n; i++) {
			REQUIRE(pg[i].v.owner == (assign ? d : NULL),
				"domheap mfn %#lx: wrong owner", m + i);
			REQUIRE(!(pg[i].count_info & PGC_xen_heap),
				"domheap mfn %#lx is marked xenheap", m + i);
		}
		check_contents("domheap", m, n, flags,
			       assign ? S_DOM + di : S_ANON);
		if (assign) {
			REQUIRE(d->tot_pages == tot + n &&
					d->tot_pages <= d->max_pages,
				"d%u: tot_pages %lu after %lu + %lu (max %lu)",
				di, d->tot_pages, tot, n, d->max_pages);
			dom_pages[di] += n;
		}
		add_unit(m, n, K_DOM, order, assign ? di : NO_DOM);
	}
}

static int find_unit(uint8_t kind, unsigned int pick)
{
	unsigned int seen = 0;

	for (unsigned int i = 0; i < nr_units; i++)
		if (units[i].kind == kind)
			seen++;
	if (!seen)
		return -1;
	pick %= seen;
	for (unsigned int i = 0; i < nr_units; i++)
		if (units[i].kind == kind && !pick--)
			return (int)i;
	return -1;
}

static void op_xen_free(void)
{
	int i = find_unit(K_XEN, u16());
	struct unit u;

	if (i < 0)
		return;
	u = units[i];
	note("xen free mfn %#lx order %u", u.mfn, u.order);
	check_owned(&u);
	free_xenheap_pages(arch_mfn_to_virt(u.mfn), u.order);
	drop_unit((unsigned int)i);
	model_free(u.mfn, u.nr, true); /* the xenheap scrubs at once */
}

/*
 * Free a domheap allocation, or a naturally aligned piece of it: the rest
 * stays allocated, as the pieces a buddy split would leave.
 */
static void op_dom_free(void)
{
	int i = find_unit(K_DOM, u16());
	unsigned int b = u8(), j;
	struct unit u;
	unsigned long target, base;

	if (i < 0)
		return;
	u = units[i];
	j = b % (u.order + 1);
	if (nr_units + u.order >= MAX_UNITS)
		j = u.order;
	target = u.mfn + ((unsigned long)u8() << j) % u.nr;
	target &= ~((1UL << j) - 1);
	note("dom free d%d mfn %#lx order %u of [%#lx, order %u]",
	     u.dom == NO_DOM ? -1 : u.dom, target, j, u.mfn, u.order);
	check_owned(&u);
	drop_unit((unsigned int)i);
	base = u.mfn;
	for (unsigned int l = u.order; l > j; l--) {
		unsigned long half = 1UL << (l - 1);

		if (target >= base + half) {
			add_unit(base, half, K_DOM, l - 1, u.dom);
			base += half;
		} else {
			add_unit(base + half, half, K_DOM, l - 1, u.dom);
		}
	}
	free_domheap_pages(frame_table + target, j);
	model_free(target, 1UL << j, false);
	if (u.dom != NO_DOM) {
		dom_pages[u.dom] -= 1UL << j;
		REQUIRE(doms[u.dom].tot_pages == dom_pages[u.dom],
			"d%u: tot_pages %lu after a free, model %lu", u.dom,
			doms[u.dom].tot_pages, dom_pages[u.dom]);
	}
}

static void op_contig_alloc(void)
{
	unsigned int b = u8(), flags = pick_flags(false), order = 0;
	unsigned long nr = 1 + u16() % 1024, align = 1UL << (b % 11);
	unsigned long limit = bits_limit(flags);
	struct heap_stats before;
	struct page_info *pg;
	bool legal;

	/* Now and then an argument the allocator must refuse. */
	switch (b >> 4) {
	case 0:
		nr = 0;
		break;
	case 1:
		align = 3UL << (b % 5);
		break;
	case 2:
		nr = (1UL << MAX_ORDER) + 1 + u8();
		break;
	case 3:
		align = (1UL << MAX_ORDER) << (b % 3);
		break;
	}
	legal = nr && align && !(align & (align - 1)) &&
		nr <= (1UL << MAX_ORDER) && align <= (1UL << MAX_ORDER) &&
		limit;
	while ((1UL << order) < nr || (1UL << order) < align)
		order++;
	stats(&before);
	pg = alloc_contig_pages(nr, align, flags);
	note("contig alloc nr %lu align %lu flags %#x -> %#lx", nr, align,
	     flags, pg ? mfn_x(page_to_mfn(pg)) : ~0UL);
	if (!pg) {
		check_refused("contig", &before);
		REQUIRE(!legal || !block_free(order, limit),
			"contig nr %lu align %lu flags %#x refused with a free block",
			nr, align, flags);
		return;
	}
	REQUIRE(legal, "contig nr %lu align %lu flags %#x granted", nr, align,
		flags);
	check_taken("contig", mfn_x(page_to_mfn(pg)), nr, align, flags,
		    &before);
	check_contents("contig", mfn_x(page_to_mfn(pg)), nr, flags, S_CONTIG);
	add_unit(mfn_x(page_to_mfn(pg)), nr, K_CONTIG, 0, NO_DOM);
}

static void op_contig_free(void)
{
	int i = find_unit(K_CONTIG, u16());
	struct unit u;

	if (i < 0)
		return;
	u = units[i];
	note("contig free mfn %#lx nr %lu", u.mfn, u.nr);
	check_owned(&u);
	free_contig_pages(frame_table + u.mfn, u.nr);
	drop_unit((unsigned int)i);
	model_free(u.mfn, u.nr, false);
}

/*
 * A range to claim or isolate: mostly inside the heap's frames, now and
 * then aligned to pageblocks, across a hole, or reaching past max_page.
 */
static void pick_range(unsigned long *start, unsigned long *nr)
{
	unsigned int b = u8();
	struct mrange *r = &mr[u8() % (nr_mr ? nr_mr : 1)];

	*nr = b & 0x80 ? 1 + u8() % 8 : 1 + u16() % 1536;
	*start = nr_mr ? r->start + (u16() % (r->end - r->start)) : u16();
	if (b & 0x40) {
		*start &= ~(PAGEBLOCK_PAGES - 1);
		*nr = (1 + b % 3) * PAGEBLOCK_PAGES;
	}
	if ((b & 0x3f) == 1)
		*nr = 0;
	if ((b & 0x3f) == 2)
		*start = max_page - 1 - u8() % 4;
	if ((b & 0x3f) == 3)
		*nr = ~0UL - u8();
}

/* Whether the model says the claim of [s, s + nr) must succeed. */
static int range_outcome(unsigned long s, unsigned long nr)
{
	if (!nr || s >= max_page || nr > max_page - s)
		return -EINVAL;
	for (unsigned long m = s; m < s + nr; m++) {
		long k = fidx(m);

		if (k < 0 || fstate[k] != S_FREE || isolated(m))
			return -EBUSY;
	}
	return 0;
}

static void op_range_claim(void)
{
	unsigned long s, nr;
	struct heap_stats before;
	int rc, want;

	pick_range(&s, &nr);
	want = range_outcome(s, nr);
	stats(&before);
	rc = alloc_contig_range(_mfn(s), nr);
	note("claim [%#lx, +%#lx) -> %d (model %d)", s, nr, rc, want);
	REQUIRE(rc == want, "alloc_contig_range(%#lx, %lu) returned %d, not %d",
		s, nr, rc, want);
	if (rc) {
		check_refused("range claim", &before);
		return;
	}
	check_taken("range claim", s, nr, 1, 0, &before);
	for (unsigned long i = 0; i < nr; i++)
		REQUIRE(frame_table[s + i].count_info == PGC_inuse &&
				!frame_table[s + i].v.owner,
			"claimed mfn %#lx: count_info %#lx", s + i,
			frame_table[s + i].count_info);
	check_contents("range claim", s, nr, 0, S_RANGE);
	add_unit(s, nr, K_RANGE, 0, NO_DOM);
}

static void op_range_free(void)
{
	int i = find_unit(K_RANGE, u16());
	struct unit u;

	if (i < 0)
		return;
	u = units[i];
	note("claim free [%#lx, +%#lx)", u.mfn, u.nr);
	check_owned(&u);
	free_contig_range(_mfn(u.mfn), u.nr);
	drop_unit((unsigned int)i);
	model_free(u.mfn, u.nr, false);
}

static void op_isolate(void)
{
	unsigned long s, nr, b0, b1;
	struct heap_stats before;
	int rc, want = 0;

	pick_range(&s, &nr);
	if (nr > 4 * PAGEBLOCK_PAGES && nr < max_page)
		nr = 1 + nr % (4 * PAGEBLOCK_PAGES);
	if (!nr || s >= max_page || nr > max_page - s) {
		want = -EINVAL;
	} else {
		b0 = s >> PAGEBLOCK_ORDER;
		b1 = (s + nr - 1) >> PAGEBLOCK_ORDER;
		for (unsigned long b = b0; b <= b1 && !want; b++)
			if (isolated(b << PAGEBLOCK_ORDER))
				want = -EBUSY;
		if (!want && nr_iso == MAX_ISO)
			return;
	}
	stats(&before);
	rc = heap_isolate_range(_mfn(s), nr);
	note("isolate [%#lx, +%#lx) -> %d (model %d)", s, nr, rc, want);
	REQUIRE(rc == want, "heap_isolate_range(%#lx, %lu) returned %d, not %d",
		s, nr, rc, want);
	if (rc) {
		check_refused("isolation", &before);
		return;
	}
	stats(&before);
	REQUIRE(before.free_pages == m_free, "isolating changed free pages");
	iso[nr_iso].start = s;
	iso[nr_iso++].nr = nr;
}

static void unisolate(unsigned int i)
{
	note("unisolate [%#lx, +%#lx)", iso[i].start, iso[i].nr);
	heap_unisolate_range(_mfn(iso[i].start), iso[i].nr);
	iso[i] = iso[--nr_iso];
}

static void relinquish(unsigned int di)
{
	unsigned long n;

	for (unsigned int i = 0; i < nr_units;) {
		if (units[i].kind == K_DOM && units[i].dom == di) {
			check_owned(&units[i]);
			model_free(units[i].mfn, units[i].nr, false);
			drop_unit(i);
		} else {
			i++;
		}
	}
	n = domain_relinquish_memory(&doms[di]);
	note("relinquish d%u -> %lu", di, n);
	REQUIRE(n == dom_pages[di], "d%u: relinquished %lu pages, owned %lu",
		di, n, dom_pages[di]);
	REQUIRE(doms[di].tot_pages == 0 &&
			doms[di].page_list.head == PAGE_LIST_NULL,
		"d%u: pages left after relinquishing", di);
	dom_pages[di] = 0;
}

static void op_assign(void)
{
	unsigned int di = u8() % NR_DOMS;
	int i = find_unit(K_DOM, u16());
	struct domain *d = &doms[di];
	unsigned long tot = d->tot_pages;
	struct unit *u;
	bool legal;
	int rc;

	if (i < 0 || units[i].dom != NO_DOM)
		return;
	u = &units[i];
	legal = !(tot > d->max_pages || u->nr > d->max_pages - tot);
	rc = assign_pages(d, frame_table + u->mfn, u->order, 0);
	note("assign mfn %#lx order %u to d%u (tot %lu max %lu) -> %d", u->mfn,
	     u->order, di, tot, d->max_pages, rc);
	REQUIRE(rc == (legal ? 0 : -ENOMEM), "assign_pages returned %d", rc);
	if (rc) {
		REQUIRE(d->tot_pages == tot,
			"refused assign_pages changed tot_pages");
		for (unsigned long k = 0; k < u->nr; k++)
			REQUIRE(!frame_table[u->mfn + k].v.owner,
				"refused assign_pages gave mfn %#lx an owner",
				u->mfn + k);
		return;
	}
	REQUIRE(d->tot_pages == tot + u->nr, "assign_pages: tot_pages %lu",
		d->tot_pages);
	for (unsigned long k = 0; k < u->nr; k++)
		fstate[fidx(u->mfn + k)] = S_DOM + di;
	u->dom = di;
	dom_pages[di] += u->nr;
}

static void op_scrub(void)
{
	unsigned int b = u8();
	unsigned long budget = b & 0x80 ? ~0UL : b, done;
	struct heap_stats before, after;

	stats(&before);
	if (budget == ~0UL && before.dirty_pages > SCRUB_ALL_MAX)
		budget = SCRUB_ALL_MAX;
	done = heap_scrub_some(budget);
	stats(&after);
	note("scrub %lu -> %lu (dirty %lu)", budget, done, before.dirty_pages);
	REQUIRE(done == (budget < before.dirty_pages ? budget
						     : before.dirty_pages),
		"heap_scrub_some(%lu) scrubbed %lu of %lu dirty pages", budget,
		done, before.dirty_pages);
	REQUIRE(after.dirty_pages == before.dirty_pages - done &&
			after.free_pages == before.free_pages,
		"scrubbing: dirty %lu -> %lu, free %lu -> %lu",
		before.dirty_pages, after.dirty_pages, before.free_pages,
		after.free_pages);
}

static void op_write(void)
{
	unsigned int i = u16(), b = u8();
	struct unit *u;

	if (!nr_units)
		return;
	u = &units[i % nr_units];
	/* One frame, or all of a small allocation. */
	for (unsigned long k = 0; k < u->nr; k++) {
		if (u->nr > 4 && k != (b * 257UL) % u->nr)
			continue;
		next_seed = next_seed < 2 ? 2 : next_seed + 1;
		fill_page(u->mfn + k, next_seed);
		fcontent[fidx(u->mfn + k)] = next_seed;
	}
	note("write unit mfn %#lx nr %lu", u->mfn, u->nr);
}

/* ---- machines ---- */

static unsigned int add_range(struct host_range *r, unsigned int n,
			      unsigned long start, unsigned long end)
{
	if (n == MAX_RANGES || end <= start)
		return n;
	if (end - start > MAX_HEAP_FRAMES - m_total)
		end = start + (MAX_HEAP_FRAMES - m_total);
	if (end <= start + (start == 0))
		return n;
	r[n] = (struct host_range){start, end};
	m_total +=
		end - start - (start == 0); /* the heap never takes frame 0 */
	return n + 1;
}

/* A machine shape from the input: ranges ascending, disjoint. */
static unsigned int decode_shape(struct host_range *r, unsigned long *nr_frames)
{
	unsigned int n = 0, k;
	unsigned long cur, slot;

	m_total = 0;
	switch (u8() % 6) {
	case 0: /* one range: the whole machine */
		*nr_frames = 2 + u16() % 16384;
		return add_range(r, n, 0, *nr_frames);
	case 1: /* several ranges with holes (or none) between them */
		cur = u8();
		k = 2 + u8() % 5;
		for (unsigned int i = 0; i < k; i++) {
			unsigned long gap = u8() & 0x80 ? 0 : u16() % 4096;
			unsigned long len = 1 + u16() % 6144;

			n = add_range(r, n, cur + gap, cur + gap + len);
			cur += gap + len;
		}
		*nr_frames = cur + u8();
		return n;
	case 2: /* unaligned ends, in one or two ranges */
		cur = 1 + 2 * (unsigned long)u8();
		n = add_range(r, n, cur, cur + 1 + 2 * (u16() % 4096));
		cur = r[0].end + 1 + u8() * 3UL;
		n = add_range(r, n, cur, cur + 3 + 2 * (u16() % 2048));
		*nr_frames = cur + 4096 + 5;
		return n;
	case 3: /* low memory, a range across 4 GiB, one above */
		n = add_range(r, n, 1 + u8(), 2 + u8() + u16() % 2048);
		cur = (1UL << 20) - 1 - u16() % 2048;
		n = add_range(r, n, cur, (1UL << 20) + 1 + u16() % 4096);
		cur = (1UL << 20) + 8192 + u16();
		n = add_range(r, n, cur, cur + 1 + u16() % 8192);
		*nr_frames = cur + 8192 + 1;
		return n;
	case 4: /* a sparse machine of several GiB: ranges far apart, high up */
		*nr_frames = (4 + u8() % 5) * GIB_FRAMES;
		k = 1 + u8() % 3;
		slot = *nr_frames / k;
		for (unsigned int i = 0; i < k; i++) {
			unsigned long len = 1 + u16() % 8192;
			unsigned long off = ((unsigned long)u16() << 8 | u8()) %
					    (slot - len);

			n = add_range(r, n, i * slot + off,
				      i * slot + off + len);
		}
		return n;
	default: /* tiny: a few frames, maybe none */
		*nr_frames = 1 + u8() % 64;
		k = u8() % 4;
		cur = 0;
		for (unsigned int i = 0; i < k && cur < *nr_frames; i++) {
			unsigned long s = cur + u8() % 8;
			unsigned long e = s + 1 + u8() % 16;

			if (e > *nr_frames)
				e = *nr_frames;
			n = add_range(r, n, s, e);
			cur = e + 1;
		}
		return n;
	}
}

static void new_machine(void)
{
	struct host_range r[MAX_RANGES];
	unsigned long nr_frames;
	unsigned int n = decode_shape(r, &nr_frames), policy = u8();
	int rc;

	heap_grouping = policy & 1;
	heap_scramble = policy & 2;
	nr_mr = 0;
	for (unsigned int i = 0; i < n; i++) {
		unsigned long s = r[i].start ? r[i].start : 1;

		if (s >= r[i].end)
			continue;
		if (nr_mr && mr[nr_mr - 1].end == s) {
			mr[nr_mr - 1].end = r[i].end;
			continue;
		}
		mr[nr_mr].start = s;
		mr[nr_mr].end = r[i].end;
		mr[nr_mr].base = nr_mr ? mr[nr_mr - 1].base +
						 mr[nr_mr - 1].end -
						 mr[nr_mr - 1].start
				       : 0;
		nr_mr++;
	}
	memset(fstate, S_FREE, m_total);
	memset(fcontent, C_ZERO, m_total * sizeof(fcontent[0]));
	m_free = m_total;
	nr_units = 0;
	nr_iso = 0;
	rc = host_machine_init_ranges(nr_frames, r, n);
	note("machine %lu frames, %u ranges, %lu pages, grouping %d scramble %d -> %d",
	     nr_frames, n, m_total, heap_grouping, heap_scramble, rc);
	REQUIRE(rc == 0, "host_machine_init_ranges: %d", rc);
	for (unsigned int i = 0; i < NR_DOMS; i++) {
		domain_mm_init(&doms[i], (domid_t)(i + 1), pick_max_pages());
		dom_pages[i] = 0;
	}
	check_every = m_total <= 16384 ? 1 : 4;
	stats(&initial);
	REQUIRE(initial.dirty_pages == m_total,
		"a new machine has %lu dirty pages of %lu", initial.dirty_pages,
		m_total);
	check_all(true);
}

/* Give everything back: the heap must be as it was after boot. */
static void free_everything(void)
{
	struct heap_stats s;
	unsigned long dirty;

	for (unsigned int i = 0; i < NR_DOMS; i++)
		relinquish(i);
	/* Half the isolations undone before the frees, half after. */
	for (unsigned int i = nr_iso / 2; i--;)
		unisolate(0);
	while (nr_units) {
		struct unit u = units[nr_units - 1];

		check_owned(&u);
		if (u.kind == K_XEN)
			free_xenheap_pages(arch_mfn_to_virt(u.mfn), u.order);
		else if (u.kind == K_DOM)
			free_domheap_pages(frame_table + u.mfn, u.order);
		else if (u.kind == K_RANGE)
			free_contig_range(_mfn(u.mfn), u.nr);
		else
			free_contig_pages(frame_table + u.mfn, u.nr);
		model_free(u.mfn, u.nr, u.kind == K_XEN);
		nr_units--;
	}
	check_all(true);
	while (nr_iso)
		unisolate(0);
	note("freed everything");
	check_all(true);
	stats(&s);
	dirty = s.dirty_pages;
	s.dirty_pages = initial.dirty_pages;
	REQUIRE(same_stats(&s, &initial),
		"all freed: %lu pages free (was %lu), largest order %d (was %d), or the chunks or pageblocks differ",
		s.free_pages, initial.free_pages, (int)s.largest_order,
		(int)initial.largest_order);
	/* Scrubbing costs a page of writes each: all of it on small heaps. */
	if (dirty <= SCRUB_ALL_MAX) {
		REQUIRE(heap_scrub_some(~0UL) == dirty,
			"scrubbing all of %lu dirty", dirty);
		dirty = 0;
	} else {
		REQUIRE(heap_scrub_some(SCRUB_ALL_MAX) == SCRUB_ALL_MAX,
			"scrubbing %lu of %lu dirty", SCRUB_ALL_MAX, dirty);
		dirty -= SCRUB_ALL_MAX;
	}
	stats(&s);
	REQUIRE(s.dirty_pages == dirty,
		"%lu dirty pages after scrubbing, not %lu", s.dirty_pages,
		dirty);
	REQUIRE(heap_check() == 0, "heap_check after scrubbing all");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_begin(data, size);
	new_machine();
	for (unsigned int step = 1; in_n && step <= MAX_OPS; step++) {
		switch (u8() % 24) {
		case 0:
		case 1:
			op_xen_alloc();
			break;
		case 2:
			op_xen_free();
			break;
		case 3:
		case 4:
			op_dom_alloc(false);
			break;
		case 5:
		case 6:
		case 7:
			op_dom_alloc(true);
			break;
		case 8:
		case 9:
			op_dom_free();
			break;
		case 10:
			op_contig_alloc();
			break;
		case 11:
			op_contig_free();
			break;
		case 12:
			relinquish(u8() % NR_DOMS);
			break;
		case 13: {
			unsigned int di = u8() % NR_DOMS;

			relinquish(di);
			domain_mm_init(&doms[di], (domid_t)(di + 1),
				       pick_max_pages());
			note("d%u max_pages %lu", di, doms[di].max_pages);
			break;
		}
		case 14: {
			/* Lowered below what it holds, too: it must only shrink. */
			unsigned int di = u8() % NR_DOMS;

			doms[di].max_pages = pick_max_pages();
			note("d%u max_pages %lu", di, doms[di].max_pages);
			break;
		}
		case 15:
			op_assign();
			break;
		case 16:
			op_scrub();
			break;
		case 17:
			op_write();
			break;
		case 18:
			heap_scramble = !heap_scramble;
			note("scramble %d", heap_scramble);
			break;
		case 19:
		case 20:
			op_range_claim();
			break;
		case 21:
			op_range_free();
			break;
		case 22:
			if (nr_iso && (u8() & 1))
				unisolate(u8() % nr_iso);
			else
				op_isolate();
			break;
		default:
			if (u8() & 1) {
				free_everything();
			} else {
				free_everything();
				new_machine();
			}
			break;
		}
		check_all(step % check_every == 0);
	}
	free_everything();
	host_machine_fini();
	host_log_hook = NULL;
	return 0;
}
