/* SPDX-License-Identifier: MIT */
/*
 * The heap's state, shared by mm/heap.c, mm/scrub.c, mm/heap_stats.c and
 * mm/contig.c.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <asm/config.h>
#include <mica/mm.h>

#include "buddy.h"

#define NIL ((unsigned long)~0UL)

/*
 * Per 2 MiB pageblock, one byte: its type in the low bits, and PB_ISOLATED
 * beside it (mm/contig.c), so that isolating a block keeps its type and
 * undoing it gives that type back. Values stay below PB_VALUES.
 */
enum pb_type { PB_FREE = 0, PB_UNMOVABLE = 1, PB_GUEST = 2 };
#define PB_TYPE_MASK 3
#define PB_ISOLATED 4
#define PB_VALUES 8
extern uint8_t *pb_type;
extern unsigned long isolated_blocks; /* pageblocks with PB_ISOLATED */

extern unsigned long total_pages, free_pages, dirty_pages;

/*
 * Scrubbed memory holds SCRUB_PATTERN: zero in release builds, a poison
 * pattern in debug builds, checked when the frame is handed out again.
 */
#ifdef MICA_DEBUG
#define SCRUB_PATTERN 0xc2c2c2c2c2c2c2c2UL
#else
#define SCRUB_PATTERN 0UL
#endif

/*
 * The order of the largest naturally aligned chunk that starts at mfn and
 * holds at most n frames (n > 0): how a range is cut into chunks.
 */
static inline unsigned int aligned_order(unsigned long mfn, unsigned long n)
{
	unsigned int order = mfn ? __builtin_ctzl(mfn) : MAX_ORDER;

	if (order > MAX_ORDER)
		order = MAX_ORDER;
	while ((1UL << order) > n)
		order--;
	return order;
}

/*
 * For mm/contig.c. heap_file_chunk(): file the free chunk [mfn, mfn +
 * 2^order), its frames' PGC_need_scrub as they are and first_dirty
 * relative to mfn, merging it as any free does. heap_claim_frames(): mark
 * nr free frames, already off the lists, in use, scrubbed, owned by
 * nobody. heap_chunk_at(): the head of the free chunk holding frame mfn,
 * or NIL.
 */
void heap_file_chunk(unsigned long mfn, unsigned int order,
		     uint32_t first_dirty);
void heap_claim_frames(unsigned long mfn, unsigned long nr);
unsigned long heap_chunk_at(unsigned long mfn);

void scrub_page(unsigned long mfn);
/* Panics unless the frame still holds SCRUB_PATTERN. */
void check_scrubbed(unsigned long mfn);

#endif
