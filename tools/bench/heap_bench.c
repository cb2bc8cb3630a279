/* SPDX-License-Identifier: MIT */
/*
 * Heap benchmarks on the host library (release build).
 *
 *   heap_bench time       median ns of each operation (noisy: quote ratios)
 *   heap_bench op NAME N [K]
 *                         run one operation N times, for callgrind
 *                         (alloc_split, free_merge: from one chunk of
 *                         order K, 18 by default):
 *       valgrind --tool=callgrind --collect-atstart=no \
 *                --toggle-collect=op_NAME heap_bench op NAME N
 *       instructions per operation = Ir / N
 *   heap_bench frag       the fragmentation experiment, grouping on and off
 *
 * scripts/bench-heap.sh runs all three and writes docs/benchmarks.md.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mica/domain.h>
#include <mica/host.h>

#include "bench_util.h"

#define GIB_FRAMES (1UL << 18)
#define NOINLINE NOIPA

/* 2 GiB machine whose memory is clean, as after the idle scrubber ran. */
static void machine(void)
{
	heap_scramble = false;
	if (host_machine_init(2 * GIB_FRAMES)) {
		fprintf(stderr, "host_machine_init failed\n");
		exit(1);
	}
	heap_scrub_some(~0UL);
}

/* The operations callgrind counts, one call each. */
static struct page_info *NOINLINE op_alloc0(void)
{
	return alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
}

static void NOINLINE op_free0(struct page_info *pg)
{
	free_domheap_pages(pg, 0);
}

static struct page_info *NOINLINE op_alloc_split(void)
{
	return alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
}

static void NOINLINE op_free_merge(struct page_info *pg)
{
	free_domheap_pages(pg, 0);
}

/*
 * The fast path: order-0 chunks on the free list whose buddies are in use,
 * so an allocation neither splits nor a free merges.
 */
static struct page_info **fast_setup(unsigned long n)
{
	struct page_info **pg = malloc(2 * n * sizeof(*pg));

	for (unsigned long i = 0; i < 2 * n; i++)
		pg[i] = alloc_domheap_pages(NULL, 0, MEMF_no_scrub);
	for (unsigned long i = 0; i < 2 * n; i += 2)
		free_domheap_pages(pg[i], 0);
	heap_scrub_some(~0UL);
	return pg;
}

/*
 * The cascade: only one free chunk, of order k, so that an order-0
 * allocation splits it k times and its free merges k times. k = 18 is the
 * worst case; k = 0 is the same work without a cascade, so the cost of one
 * level is (cost(18) - cost(0)) / 18.
 */
static void cascade_setup(unsigned int k)
{
	const struct host_range r = {GIB_FRAMES, GIB_FRAMES + (1UL << k)};

	heap_scramble = false;
	if (host_machine_init_ranges(2 * GIB_FRAMES, &r, 1))
		exit(1);
	heap_scrub_some(~0UL);
}

/* Populate 1 GiB at order k: callgrind counts the whole loop. */
static void NOINLINE op_populate(struct page_info **pg, unsigned long nr,
				 unsigned int order)
{
	for (unsigned long i = 0; i < nr; i++)
		pg[i] = alloc_domheap_pages(NULL, order, MEMF_no_scrub);
}

static void NOINLINE op_free_random(struct page_info **pg, unsigned long nr,
				    unsigned int order)
{
	for (unsigned long i = 0; i < nr; i++)
		free_domheap_pages(pg[i], order);
}

static void shuffle(struct page_info **pg, unsigned long nr)
{
	for (unsigned long i = nr - 1; i > 0; i--) {
		unsigned long k = rnd() % (i + 1);
		struct page_info *x = pg[i];

		pg[i] = pg[k];
		pg[k] = x;
	}
}

static int run_op(const char *name, unsigned long n, unsigned int k)
{
	if (!strcmp(name, "populate") || !strcmp(name, "free_random")) {
		/* n is ignored: 1 GiB at order k (0 or 9). */
		unsigned long nr = GIB_FRAMES >> k;
		struct page_info **pg = malloc(nr * sizeof(*pg));

		machine();
		op_populate(pg, nr, k);
		shuffle(pg, nr);
		op_free_random(pg, nr, k);
		free(pg);
		host_machine_fini();
		return 0;
	}
	if (!strcmp(name, "alloc0") || !strcmp(name, "free0")) {
		struct page_info **pg, **got = malloc(n * sizeof(*got));

		machine();
		pg = fast_setup(n);
		if (!strcmp(name, "alloc0")) {
			for (unsigned long i = 0; i < n; i++)
				got[i] = op_alloc0();
		} else {
			for (unsigned long i = 0; i < n; i++)
				got[i] = alloc_domheap_pages(NULL, 0,
							     MEMF_no_scrub);
			for (unsigned long i = 0; i < n; i++)
				op_free0(got[i]);
		}
		free(pg);
		free(got);
	} else if (!strcmp(name, "alloc_split") ||
		   !strcmp(name, "free_merge")) {
		cascade_setup(k);
		for (unsigned long i = 0; i < n; i++) {
			struct page_info *pg =
				!strcmp(name, "alloc_split")
					? op_alloc_split()
					: alloc_domheap_pages(NULL, 0,
							      MEMF_no_scrub);

			if (!strcmp(name, "alloc_split"))
				free_domheap_pages(pg, 0);
			else
				op_free_merge(pg);
			heap_scrub_some(1);
		}
	} else {
		fprintf(stderr, "unknown op %s\n", name);
		return 1;
	}
	host_machine_fini();
	return 0;
}

/*
 * Median wall-clock times. Each measurement repeats on one machine, which
 * is scrubbed between repetitions so that every one starts from the same
 * clean heap; the first populate after the machine is made (frame table
 * cold in the caches) is reported on its own.
 */
static void time_all(void)
{
	enum { REPS = 9 };
	const unsigned long n = 100000;
	uint64_t ta[REPS], tf[REPS], t0;

	/* Fast path, alloc and free. */
	machine();
	for (int r = 0; r < REPS; r++) {
		struct page_info **pg = fast_setup(n),
				 **got = malloc(n * sizeof(*got));

		t0 = now();
		for (unsigned long i = 0; i < n; i++)
			got[i] = op_alloc0();
		ta[r] = now() - t0;
		t0 = now();
		for (unsigned long i = 0; i < n; i++)
			op_free0(got[i]);
		tf[r] = now() - t0;
		for (unsigned long i = 1; i < 2 * n; i += 2)
			free_domheap_pages(pg[i], 0);
		heap_scrub_some(~0UL);
		free(pg);
		free(got);
	}
	host_machine_fini();
	printf("order0_alloc_fast_ns %.1f\n", (double)median(ta, REPS) / n);
	printf("order0_free_fast_ns %.1f\n", (double)median(tf, REPS) / n);

	/* Worst case: 18 splits then 18 merges. */
	cascade_setup(MAX_ORDER);
	for (int r = 0; r < REPS; r++) {
		uint64_t split = 0, merge = 0;

		for (int i = 0; i < 1000; i++) {
			struct page_info *pg;

			t0 = now();
			pg = op_alloc_split();
			split += now() - t0;
			t0 = now();
			op_free_merge(pg);
			merge += now() - t0;
			heap_scrub_some(1);
		}
		ta[r] = split / 1000;
		tf[r] = merge / 1000;
	}
	host_machine_fini();
	printf("split18_alloc_ns %" PRIu64 "\n", median(ta, REPS));
	printf("merge18_free_ns %" PRIu64 "\n", median(tf, REPS));

	/* Populating 1 GiB at order 0 and at order 9, then freeing at random. */
	for (unsigned int order = 0; order <= 9; order += 9) {
		unsigned long nr = GIB_FRAMES >> order;
		struct page_info **pg = malloc(nr * sizeof(*pg));
		uint64_t cold = 0;

		memset(pg, 0, nr * sizeof(*pg));
		machine();
		for (int r = 0; r <= REPS; r++) {
			t0 = now();
			op_populate(pg, nr, order);
			t0 = now() - t0;
			if (r == 0)
				cold = t0;
			else
				ta[r - 1] = t0;
			shuffle(pg, nr);
			t0 = now();
			op_free_random(pg, nr, order);
			if (r)
				tf[r - 1] = now() - t0;
			heap_scrub_some(~0UL);
		}
		host_machine_fini();
		printf("populate_1gib_order%u_ms %.3f\n", order,
		       median(ta, REPS) / 1e6);
		printf("populate_1gib_order%u_cold_ms %.3f\n", order,
		       cold / 1e6);
		printf("free_1gib_order%u_random_ms %.3f\n", order,
		       median(tf, REPS) / 1e6);
		free(pg);
	}
}

/*
 * The fragmentation experiment, on a 1 GiB machine. Domains come and go:
 * each is built page by page (half of them at 4 KiB, as a PV guest without
 * superpages is populated; the others in 2 MiB extents), balloons pages out
 * and back in, and is destroyed. As each is built, mica allocates
 * unmovable pages beside it: per-domain metadata (page tables, the p2m; one
 * page per 128 of the guest's) freed with the domain, and now and then a
 * long-lived page of its own (one per 512 guest pages, a quarter of them
 * freed again later). Those long-lived pages are what fragments the heap:
 * without grouping they land among the guests' pages and pin a 2 MiB block
 * each once the guests are gone. At the end every domain is destroyed; what
 * share of the free memory is in wholly free 2 MiB blocks?
 */
enum { DOMS = 6, STEPS = 600, META_MAX = 512, KEEP_MAX = 8192 };

struct frag_dom {
	struct domain d;
	void *meta[META_MAX];
	unsigned int nmeta;
	bool built;
};

static void *keep[KEEP_MAX];
static unsigned long nkeep;

static void keep_one(void)
{
	void *p;

	if (nkeep < KEEP_MAX && (p = alloc_xenheap_pages(0, MEMF_no_scrub)))
		keep[nkeep++] = p;
	if (nkeep && rnd() % 4 == 0) {
		unsigned long i = rnd() % nkeep;

		free_xenheap_pages(keep[i], 0);
		keep[i] = keep[--nkeep];
	}
}

static void dom_destroy(struct frag_dom *fd)
{
	domain_relinquish_memory(&fd->d);
	while (fd->nmeta)
		free_xenheap_pages(fd->meta[--fd->nmeta], 0);
	fd->built = false;
}

/* Give the domain up to `want` more pages, with mica's pages beside them. */
static void dom_grow(struct frag_dom *fd, unsigned long want, bool super)
{
	unsigned long target = fd->d.tot_pages + want;

	if (target > fd->d.max_pages)
		target = fd->d.max_pages;
	while (fd->d.tot_pages < target) {
		unsigned long before = fd->d.tot_pages;
		bool ok = super && target - before >= PAGEBLOCK_PAGES &&
			  !(before % PAGEBLOCK_PAGES) &&
			  alloc_domheap_pages(&fd->d, PAGEBLOCK_ORDER,
					      MEMF_no_scrub);

		if (!ok && !alloc_domheap_pages(&fd->d, 0, MEMF_no_scrub))
			return; /* out of memory: the domain stays smaller */
		for (unsigned long p = before + 1; p <= fd->d.tot_pages; p++) {
			if (p % 128 == 0 && fd->nmeta < META_MAX) {
				void *m = alloc_xenheap_pages(0, MEMF_no_scrub);

				if (m)
					fd->meta[fd->nmeta++] = m;
			}
			if (p % 512 == 0)
				keep_one();
		}
	}
}

/* Balloon out about one page in eight of the domain, chosen at random. */
static void dom_shrink(struct frag_dom *fd)
{
	for (uint32_t m = fd->d.page_list.head; m != PAGE_LIST_NULL;) {
		uint32_t next = frame_table[m].next;

		if (rnd() % 8 == 0)
			free_domheap_pages(frame_table + m, 0);
		m = next;
	}
}

static void frag(bool grouping)
{
	static struct frag_dom doms[DOMS];
	struct heap_stats s;
	unsigned long peak_keep = 0;

	rng = 12345;
	heap_grouping = grouping;
	heap_scramble = false;
	nkeep = 0;
	if (host_machine_init(GIB_FRAMES))
		exit(1);
	heap_scrub_some(~0UL);
	for (int i = 0; i < DOMS; i++) {
		memset(&doms[i], 0, sizeof(doms[i]));
		domain_mm_init(&doms[i].d, i + 1, 0);
	}
	for (int step = 0; step < STEPS; step++) {
		struct frag_dom *fd = &doms[rnd() % DOMS];
		unsigned int what = rnd() % 8;

		if (!fd->built) {
			/* 16..128 MiB, half of the domains with superpages. */
			fd->d.max_pages = (16 + rnd() % 113) << 8;
			fd->built = true;
			dom_grow(fd, fd->d.max_pages, rnd() % 2);
		} else if (what < 3) {
			dom_shrink(fd); /* balloon out */
		} else if (what < 6) {
			dom_grow(fd, fd->d.max_pages, false); /* balloon in */
		} else {
			dom_destroy(fd);
		}
		if (nkeep > peak_keep)
			peak_keep = nkeep;
		heap_scrub_some(4096); /* the idle loop */
	}
	for (int i = 0; i < DOMS; i++)
		dom_destroy(&doms[i]);
	if (heap_check())
		exit(1);
	heap_get_stats(&s);
	printf("frag_grouping_%s free_in_2mib_blocks_pct %.1f free_mib %lu "
	       "long_lived_pages %lu\n",
	       grouping ? "on" : "off",
	       100.0 * s.free_blocks * PAGEBLOCK_PAGES / s.free_pages,
	       s.free_pages >> 8, nkeep);
	while (nkeep)
		free_xenheap_pages(keep[--nkeep], 0);
	host_machine_fini();
}

int main(int argc, char **argv)
{
	/*
	 * Nothing here uses the vmap area: a small one, which valgrind can
	 * reserve where it cannot reserve the kernel's 64 GiB.
	 */
	host_vmap_pages = 1024;
	if (argc >= 2 && !strcmp(argv[1], "time")) {
		time_all();
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "op"))
		return run_op(argv[2], strtoul(argv[3], NULL, 0),
			      argc >= 5 ? strtoul(argv[4], NULL, 0)
					: MAX_ORDER);
	if (argc >= 2 && !strcmp(argv[1], "frag")) {
		frag(true);
		frag(false);
		return 0;
	}
	fprintf(stderr, "usage: heap_bench time | op NAME N | frag\n");
	return 2;
}
