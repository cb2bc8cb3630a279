/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the vmap area: the real mm/vmap.c over the real heap
 * on a host machine (tools/host/machine.c: memfd frames mapped into a
 * PROT_NONE reservation), debug build, driven by operation sequences
 * decoded from the input.
 *
 * Input: a machine shape (frames, vmap area size, a heap that is all of
 * memory or a few ranges without 2 MiB chunks, scrambling), then one
 * operation after another until the bytes run out (a missing byte reads as
 * zero). Operations: vmalloc and vzalloc of small and of 2 MiB-and-more
 * sizes, vmap of frames the program holds (repeats allowed), vfree,
 * vunmap, vunmap_range of any part of an area, reading areas back,
 * vmap_to_mfn and the reverse lookup, vmap_describe of any address,
 * filling the vmap area until it refuses, taking and giving back heap
 * memory (so that allocations fail part-way), claims of physical ranges
 * (alloc_contig_range), which move vmalloc() frames, and their release,
 * and a fresh machine.
 *
 * A shadow model knows every area, which of its pages are mapped and what
 * they hold. After every step vmap_check() and heap_check() pass and the
 * model agrees with the vmap area: contents, frames, reverse lookups,
 * descriptions. A refused request changes nothing (the heap's free count,
 * the number of areas); freeing everything gives the heap back every page
 * it had and leaves the vmap area without a node of the pool. A claim
 * that succeeds leaves every area's contents and addresses as they were,
 * none of its pages in the claimed frames; one refused early (-EBUSY)
 * moves nothing.
 *
 *
 * FUZZ_VMAP_TRACE=1 prints every operation as it runs.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/arch_mm.h>
#include <mica/errno.h>
#include <mica/host.h>
#include <mica/vmap.h>

#include "heap.h" /* SCRUB_PATTERN */

#define SZ_2M (1UL << 21)
#define MAX_AREAS 48
#define MAX_PAGES 1200 /* of one area */
#define MAX_VMAP 32    /* frames one vmap() maps */
#define NR_HELD 16     /* frames held for vmap() */
#define MAX_HOG 4096
#define MAX_OPS 400

#define FUZZ_NAME "fuzz_vmap"
#define FUZZ_TRACE_ENV "FUZZ_VMAP_TRACE"
#include "fuzz_util.h"

/* ---- the model ---- */

struct sarea {
	char *va;
	unsigned long pages;
	bool vmalloc, zero;
	uint32_t tag;
	uint8_t mapped[MAX_PAGES];
	uint8_t src[MAX_VMAP]; /* vmap(): the held frame of each page */
};

static struct sarea areas[MAX_AREAS];
static unsigned int nr_areas;
static struct page_info *held[NR_HELD];
static struct page_info *hog[MAX_HOG];
static unsigned int nr_hog;
static unsigned long start_free; /* the heap before anything was taken */
#define MAX_CLAIMS 8
static struct {
	unsigned long start, nr;
} claims[MAX_CLAIMS];
static unsigned int nr_claims;
static unsigned long vmap_pages_now;

static unsigned long live_areas(void)
{
	struct vmap_stats s;

	vmap_get_stats(&s);
	return s.areas;
}

static uint64_t word_of(const struct sarea *a, unsigned long i)
{
	return ((uint64_t)a->tag << 32 | i) ^ 0x3c3c00005a5a0000UL;
}

static uint64_t held_word(unsigned int h)
{
	return 0x7e1d000000000000UL | h;
}

static unsigned long mapped_count(const struct sarea *a)
{
	unsigned long n = 0;

	for (unsigned long i = 0; i < a->pages; i++)
		n += a->mapped[i];
	return n;
}

static void drop_area(unsigned int k)
{
	areas[k] = areas[--nr_areas];
}

/* What a page of an area must hold, read through the vmap area. */
static void check_page(const struct sarea *a, unsigned long i)
{
	const uint64_t *w = (const uint64_t *)(a->va + i * PAGE_SIZE);
	mfn_t m = vmap_to_mfn(w);

	if (!a->mapped[i]) {
		REQUIRE(mfn_eq(m, INVALID_MFN),
			"area %p page %lu: unmapped, yet maps mfn %#lx", a->va,
			i, mfn_x(m));
		return;
	}
	REQUIRE(!mfn_eq(m, INVALID_MFN), "area %p page %lu: not mapped", a->va,
		i);
	if (a->vmalloc) {
		REQUIRE(w[0] == word_of(a, i) &&
				w[PAGE_SIZE / 8 - 1] == ~word_of(a, i),
			"area %p page %lu holds %#lx...%#lx", a->va, i, w[0],
			w[PAGE_SIZE / 8 - 1]);
		REQUIRE(vmap_mfn_to_va(m) == w,
			"area %p page %lu: mfn %#lx maps back to %p", a->va, i,
			mfn_x(m), vmap_mfn_to_va(m));
	} else {
		REQUIRE(mfn_eq(m, page_to_mfn(held[a->src[i]])),
			"area %p page %lu maps mfn %#lx, not held frame %u",
			a->va, i, mfn_x(m), a->src[i]);
		REQUIRE(w[0] == held_word(a->src[i]),
			"area %p page %lu holds %#lx", a->va, i, w[0]);
		REQUIRE(!vmap_mfn_to_va(m), "a vmap()ed frame maps back");
	}
}

static void check_describe(const struct sarea *a, unsigned long i)
{
	struct vmap_where w;
	unsigned long va = (unsigned long)a->va + i * PAGE_SIZE + (i % 7);

	REQUIRE(vmap_describe(va, &w), "%#lx not in the vmap area", va);
	REQUIRE(w.has_area && w.start == (unsigned long)a->va &&
			w.pages == a->pages && w.vmalloc == a->vmalloc &&
			w.mapped == mapped_count(a),
		"%#lx: described as area %#lx of %lu pages (%lu mapped)", va,
		w.start, w.pages, w.mapped);
	if (i == a->pages)
		REQUIRE(w.place == VMAP_GUARD_ABOVE, "%#lx: place %d, a guard",
			va, w.place);
	else
		REQUIRE(w.place == (a->mapped[i] ? VMAP_MAPPED
						 : VMAP_UNMAPPED) &&
				w.offset == i,
			"%#lx: place %d offset %lu", va, w.place, w.offset);
}

static void check_all(void)
{
	REQUIRE(vmap_check() == 0, "vmap_check failed");
	REQUIRE(heap_check() == 0, "heap_check failed");
	REQUIRE(live_areas() == nr_areas, "%lu areas, model %u", live_areas(),
		nr_areas);
}

/* ---- operations ---- */

static void fill_vmalloc(struct sarea *a)
{
	for (unsigned long i = 0; i < a->pages; i++) {
		uint64_t *w = (uint64_t *)(a->va + i * PAGE_SIZE);

		/* Fresh from the heap: scrubbed, or zero for vzalloc. */
		REQUIRE(w[0] == (a->zero ? 0 : SCRUB_PATTERN) &&
				w[PAGE_SIZE / 8 - 1] ==
					(a->zero ? 0 : SCRUB_PATTERN),
			"area %p page %lu starts %#lx", a->va, i, w[0]);
		w[0] = word_of(a, i);
		w[PAGE_SIZE / 8 - 1] = ~word_of(a, i);
		a->mapped[i] = 1;
	}
}

static void op_vmalloc(bool zero)
{
	unsigned int c = u8();
	unsigned long pages = c < 200 ? 1 + c % 16 : 500 + u16() % 600;
	unsigned long before = heap_free_pages(), n0 = live_areas();
	struct sarea *a = &areas[nr_areas];
	char *p;

	if (nr_areas == MAX_AREAS)
		return;
	p = zero ? vzalloc(pages * PAGE_SIZE - c % 64)
		 : vmalloc(pages * PAGE_SIZE - c % 64);
	note("%s(%lu pages) = %p", zero ? "vzalloc" : "vmalloc", pages, p);
	if (!p) {
		REQUIRE(heap_free_pages() == before && live_areas() == n0,
			"a refused vmalloc kept %lu pages or an area",
			before - heap_free_pages());
		return;
	}
	REQUIRE(IS_ALIGNED((unsigned long)p, PAGE_SIZE), "%p unaligned", p);
	memset(a, 0, sizeof(*a));
	a->va = p;
	a->pages = pages;
	a->vmalloc = true;
	a->zero = zero;
	a->tag = (uint32_t)(nr_trace * 2654435761u);
	fill_vmalloc(a);
	nr_areas++;
}

static void op_vmap(void)
{
	unsigned int nr = 1 + u8() % MAX_VMAP;
	unsigned long before = heap_free_pages(), n0 = live_areas();
	struct sarea *a = &areas[nr_areas];
	mfn_t m[MAX_VMAP];
	char *p;

	if (nr_areas == MAX_AREAS)
		return;
	memset(a, 0, sizeof(*a));
	for (unsigned int i = 0; i < nr; i++) {
		a->src[i] = u8() % NR_HELD;
		m[i] = page_to_mfn(held[a->src[i]]);
	}
	p = vmap(m, nr);
	note("vmap(%u frames) = %p", nr, p);
	if (!p) {
		REQUIRE(heap_free_pages() == before && live_areas() == n0,
			"a refused vmap kept %lu pages or an area",
			before - heap_free_pages());
		return;
	}
	a->va = p;
	a->pages = nr;
	memset(a->mapped, 1, nr);
	nr_areas++;
}

static void op_free(void)
{
	unsigned int k;

	if (!nr_areas)
		return;
	k = u8() % nr_areas;
	note("%s(%p)", areas[k].vmalloc ? "vfree" : "vunmap", areas[k].va);
	if (areas[k].vmalloc)
		vfree(areas[k].va);
	else
		vunmap(areas[k].va);
	drop_area(k);
}

static void op_unmap_range(void)
{
	struct sarea *a;
	unsigned long first, nr, before;
	unsigned int k;
	int rc, want;

	if (!nr_areas)
		return;
	k = u8() % nr_areas;
	a = &areas[k];
	first = u16() % a->pages;
	nr = 1 + u16() % (a->pages - first);
	/* Now and then a range that is not inside the area. */
	if (u8() % 16 == 0)
		nr = a->pages - first + 1 + u8() % 3;
	before = heap_free_pages();
	rc = vunmap_range(a->va + first * PAGE_SIZE, nr);
	note("vunmap_range(%p + %lu pages, %lu) = %d", a->va, first, nr, rc);
	if (first + nr > a->pages) {
		REQUIRE(rc == -EINVAL, "a range past the area gave %d", rc);
		return;
	}
	if (rc == -ENOMEM) {
		/* Splitting a 2 MiB page needed a page table. */
		REQUIRE(heap_free_pages() == before,
			"a refused split kept memory");
		return;
	}
	for (unsigned long i = first; i < first + nr; i++)
		a->mapped[i] = 0;
	want = (int)mapped_count(a);
	REQUIRE(rc == want, "%d pages still mapped, model says %d", rc, want);
	if (!rc)
		drop_area(k);
}

static void op_read(void)
{
	struct sarea *a;

	if (!nr_areas)
		return;
	a = &areas[u8() % nr_areas];
	note("read %p (%lu pages)", a->va, a->pages);
	for (unsigned int s = 0; s < 8; s++) {
		unsigned long i = u16() % (a->pages + 1);

		if (i < a->pages)
			check_page(a, i);
		check_describe(a, i);
	}
}

/*
 * Fill the vmap area with vmap()s of one held frame (page tables are all
 * the memory that takes), halving what is left until nothing fits, then
 * free it all again. The host keeps these mappings in its page table only
 * (host_vmap_mmap): an mmap call per page was most of the fuzzer's time,
 * and nothing reads them.
 */
static void op_fill(void)
{
	static mfn_t same[16384];
	void *p[64];
	unsigned int n = 0, how = u8();
	unsigned long before;
	struct vmap_stats s;

	for (unsigned long i = 0; i < ARRAY_SIZE(same); i++)
		same[i] = page_to_mfn(held[0]);
	host_vmap_mmap = false;
	for (vmap_get_stats(&s); n < ARRAY_SIZE(p) && s.largest_free >= 2;
	     vmap_get_stats(&s)) {
		unsigned long nr = s.largest_free - 1; /* and its guard */

		if (how & (1u << (n % 8)) && nr > 1)
			nr /= 2;
		p[n] = vmap(same, (unsigned int)MIN(nr, ARRAY_SIZE(same)));
		if (!p[n])
			break;
		n++;
	}
	note("fill: %u areas, %lu pages left", n, s.largest_free);
	before = heap_free_pages();
	if (s.largest_free < 2)
		REQUIRE(!vmalloc(PAGE_SIZE) && !vmap(same, 1) &&
				heap_free_pages() == before,
			"an allocation in a full vmap area");
	REQUIRE(vmap_check() == 0, "vmap_check failed with the area full");
	while (n)
		vunmap(p[--n]);
	host_vmap_mmap = true;
}

static void op_hog(void)
{
	unsigned int n = u16() % 2048;

	note("hog %u", n);
	while (n-- && nr_hog < MAX_HOG &&
	       (hog[nr_hog] = alloc_domheap_pages(NULL, 0, MEMF_no_scrub)))
		nr_hog++;
}

static void op_unhog(void)
{
	unsigned int n = u16() % 2048;

	note("unhog %u", n);
	while (n-- && nr_hog)
		free_domheap_pages(hog[--nr_hog], 0);
}

static void op_free_space(void)
{
	struct vmap_where w;
	unsigned long va = (unsigned long)(u16() % vmap_pages_now)
			   << PAGE_SHIFT;
	struct vmap_stats s;

	vmap_get_stats(&s);
	va += s.start + u8();
	note("describe %#lx", va);
	REQUIRE(vmap_describe(va, &w), "%#lx: not in the vmap area", va);
	/* Whatever it is, the model agrees where it knows the area. */
	for (unsigned int k = 0; k < nr_areas; k++) {
		unsigned long s0 = (unsigned long)areas[k].va;

		if (va >= s0 && va < s0 + (areas[k].pages + 1) * PAGE_SIZE) {
			REQUIRE(w.has_area && w.start == s0,
				"%#lx: described as in area %#lx, not %#lx", va,
				w.start, s0);
			return;
		}
	}
	REQUIRE(w.place == VMAP_FREE || w.place == VMAP_GUARD_BELOW,
		"%#lx: in no area, described as place %d", va, w.place);
}

/* Every mapped page of every area: where it is and what it holds. */
static void check_every_page(void)
{
	for (unsigned int k = 0; k < nr_areas; k++)
		for (unsigned long i = 0; i < areas[k].pages; i++)
			check_page(&areas[k], i);
}

/* The frame of each mapped page, in area order, into out (of max). */
static unsigned long page_mfns(unsigned long *out, unsigned long max)
{
	unsigned long n = 0;

	for (unsigned int k = 0; k < nr_areas; k++)
		for (unsigned long i = 0; i < areas[k].pages && n < max; i++)
			out[n++] =
				mfn_x(vmap_to_mfn(areas[k].va + i * PAGE_SIZE));
	return n;
}

/*
 * Claim a physical range: around a page of a vmalloc() area (its frame,
 * its 2 MiB block, a few frames about it), or anywhere.
 */
static void op_claim(void)
{
	static unsigned long before[MAX_AREAS * MAX_PAGES];
	unsigned long s, nr, n, free0 = heap_free_pages();
	unsigned int b = u8();
	int rc;

	if (nr_claims == MAX_CLAIMS)
		return;
	if (nr_areas && (b & 3)) {
		struct sarea *a = &areas[u8() % nr_areas];
		unsigned long i = u16() % a->pages;

		s = mfn_x(vmap_to_mfn(a->va + i * PAGE_SIZE));
		if (s == mfn_x(INVALID_MFN))
			return;
		nr = 1 + u8() % 4;
		if ((b & 3) == 2) {
			s &= ~(PAGEBLOCK_PAGES - 1);
			nr = PAGEBLOCK_PAGES;
		} else if ((b & 3) == 3) {
			s = s > 8 ? s - u8() % 8 : s;
			nr += u8() % 16;
		}
	} else {
		s = u16() % (max_page + 8);
		nr = 1 + u16() % 1024;
	}
	n = page_mfns(before, ARRAY_SIZE(before));
	rc = alloc_contig_range(_mfn(s), nr);
	note("claim [%#lx, +%#lx) -> %d", s, nr, rc);
	REQUIRE(rc == 0 || rc == -EBUSY || rc == -ENOMEM || rc == -EINVAL,
		"alloc_contig_range returned %d", rc);
	check_all();
	check_every_page();
	if (rc == -EINVAL) {
		REQUIRE(s + nr > max_page, "a range inside the heap refused");
		return;
	}
	if (rc == -EBUSY) {
		/* Refused before anything moved. */
		REQUIRE(heap_free_pages() == free0,
			"a refused claim kept memory");
		{
			static unsigned long after[MAX_AREAS * MAX_PAGES];

			REQUIRE(page_mfns(after, ARRAY_SIZE(after)) == n &&
					!memcmp(before, after,
						n * sizeof(before[0])),
				"a claim refused early moved a page");
		}
		return;
	}
	if (rc)
		return;
	for (unsigned long m = s; m < s + nr; m++)
		REQUIRE(frame_table[m].count_info == PGC_inuse &&
				!frame_table[m].v.owner,
			"claimed mfn %#lx: count_info %#lx", m,
			frame_table[m].count_info);
	claims[nr_claims].start = s;
	claims[nr_claims++].nr = nr;
	n = page_mfns(before, ARRAY_SIZE(before));
	for (unsigned long j = 0; j < n; j++)
		REQUIRE(before[j] == mfn_x(INVALID_MFN) || before[j] - s >= nr,
			"a page still maps claimed mfn %#lx", before[j]);
}

static void unclaim(unsigned int c)
{
	note("unclaim [%#lx, +%#lx)", claims[c].start, claims[c].nr);
	free_contig_range(_mfn(claims[c].start), claims[c].nr);
	claims[c] = claims[--nr_claims];
}

/* ---- machines ---- */

static void teardown(void)
{
	while (nr_claims)
		unclaim(0);
	while (nr_areas) {
		if (areas[0].vmalloc)
			vfree(areas[0].va);
		else
			vunmap(areas[0].va);
		drop_area(0);
	}
	while (nr_hog)
		free_domheap_pages(hog[--nr_hog], 0);
	for (unsigned int h = 0; h < NR_HELD; h++)
		if (held[h])
			free_domheap_pages(held[h], 0);
	memset(held, 0, sizeof(held));
	{
		struct vmap_stats s;

		vmap_get_stats(&s);
		REQUIRE(heap_free_pages() == start_free,
			"everything freed, yet the heap has %lu pages, not %lu",
			heap_free_pages(), start_free);
		REQUIRE(s.nodes == 1 && !s.pool_pages && !s.mapped_pages,
			"empty vmap area with %lu nodes, %lu pool pages",
			s.nodes, s.pool_pages);
	}
	host_machine_fini();
}

static void machine(void)
{
	static const unsigned long vmap_choice[] = {8,	  64,	300,  1024,
						    2048, 4096, 16384};
	unsigned int shape = u8();
	unsigned long frames = 4096UL << (shape % 3);
	int rc;

	vmap_pages_now = vmap_choice[(shape >> 2) % 7];
	host_vmap_pages = vmap_pages_now;
	heap_scramble = shape & 0x40;
	if (shape & 0x80) {
		/* Small ranges off 2 MiB boundaries: no order-9 chunk at all. */
		struct host_range r[4];

		for (unsigned int i = 0; i < 4; i++) {
			r[i].start = 1024UL * (i + 1) + 7;
			r[i].end = r[i].start + 200 + u8() * 2;
		}
		rc = host_machine_init_ranges(frames, r, 4);
	} else {
		rc = host_machine_init(frames);
	}
	REQUIRE(rc == 0, "host_machine_init: %d", rc);
	start_free = heap_free_pages();
	for (unsigned int h = 0; h < NR_HELD; h++) {
		uint64_t *w;

		held[h] = alloc_domheap_pages(NULL, 0, 0);
		REQUIRE(held[h], "no memory for held frames");
		w = arch_mfn_to_virt(mfn_x(page_to_mfn(held[h])));
		w[0] = held_word(h);
	}
	note("machine: %lu frames, vmap area of %lu pages, %s%s", frames,
	     vmap_pages_now, shape & 0x80 ? "ranges" : "all of it",
	     heap_scramble ? ", scrambled" : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_begin(data, size);
	machine();
	check_all();
	for (unsigned int ops = 0; in_n && ops < MAX_OPS; ops++) {
		switch (u8() % 14) {
		case 0:
		case 1:
			op_vmalloc(false);
			break;
		case 2:
			op_vmalloc(true);
			break;
		case 3:
			op_vmap();
			break;
		case 4:
		case 5:
			op_free();
			break;
		case 6:
			op_unmap_range();
			break;
		case 7:
			op_read();
			break;
		case 8:
			op_fill();
			break;
		case 9:
			op_hog();
			break;
		case 10:
			op_unhog();
			break;
		case 11:
			op_claim();
			break;
		case 12:
			if (nr_claims)
				unclaim(u8() % nr_claims);
			break;
		default:
			if (u8() % 8 == 0) {
				teardown();
				machine();
			} else {
				op_free_space();
			}
			break;
		}
		check_all();
	}
	teardown();
	return 0;
}
