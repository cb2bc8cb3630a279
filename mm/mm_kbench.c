/* SPDX-License-Identifier: MIT */
/*
 * Benchmarks of what only the kernel can measure about memory: mapping a
 * frame with map_domain_page() and the xenheap's mapping on allocation,
 * with the direct map and without (directmap=off). Each figure is the
 * median of REPS runs of N operations, in now_ns() nanoseconds: under
 * QEMU's -icount shift=0 one nanosecond is one guest instruction, so the
 * same figures count instructions exactly (scripts/bench-kernel.sh).
 */
#include <mica/domain_page.h>
#include <mica/kbench.h>
#include <mica/mm.h>
#include <mica/paging.h>
#include <mica/time.h>

#define REPS 7
#define N 4096

static void report_mode(const struct kbench *b)
{
	kbench_report(b, directmap ? "directmap_on" : "directmap_off", 1,
		      "mode");
}

KBENCH(mm, map_domain_page)
{
	struct page_info *pg = alloc_domheap_pages(NULL, 0, MEMF_zero);
	uint64_t pair[REPS], touch[REPS];
	volatile uint64_t sink = 0;

	if (!pg) {
		printk("bench: mm.map_domain_page: no memory\n");
		return;
	}
	report_mode(b);
	for (unsigned int r = 0; r < REPS; r++) {
		uint64_t t0 = now_ns();

		for (unsigned int i = 0; i < N; i++)
			unmap_domain_page(map_domain_page(page_to_mfn(pg)));
		pair[r] = now_ns() - t0;
		t0 = now_ns();
		/* Reading through the mapping takes the TLB miss too. */
		for (unsigned int i = 0; i < N; i++) {
			const uint64_t *p = map_domain_page(page_to_mfn(pg));

			sink += p[i % 512];
			unmap_domain_page(p);
		}
		touch[r] = now_ns() - t0;
	}
	(void)sink;
	kbench_report(b, "map_unmap_pair", median_u64(pair, REPS) / N, "ns");
	kbench_report(b, "map_read_unmap", median_u64(touch, REPS) / N, "ns");
	free_domheap_pages(pg, 0);
}

KBENCH(mm, xenheap_page)
{
	uint64_t t[REPS];
	void *p[64];

	report_mode(b);
	for (unsigned int r = 0; r < REPS; r++) {
		uint64_t t0 = now_ns();

		for (unsigned int i = 0; i < N / 64; i++) {
			for (unsigned int k = 0; k < 64; k++)
				p[k] = alloc_xenheap_pages(0, 0);
			for (unsigned int k = 0; k < 64; k++)
				free_xenheap_pages(p[k], 0);
		}
		t[r] = now_ns() - t0;
	}
	kbench_report(b, "alloc_free_pair", median_u64(t, REPS) / N, "ns");
}
