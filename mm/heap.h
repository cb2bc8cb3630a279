/* SPDX-License-Identifier: MIT */
/* The heap's state, shared by mm/heap.c, mm/scrub.c and mm/heap_stats.c. */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <asm/config.h>
#include <mica/mm.h>

#include "buddy.h"

#define NIL ((unsigned long)~0UL)

enum pb_type { PB_FREE = 0, PB_UNMOVABLE = 1, PB_GUEST = 2 };
extern uint8_t *pb_type; /* per 2 MiB pageblock */

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

void scrub_page(unsigned long mfn);
/* Panics unless the frame still holds SCRUB_PATTERN. */
void check_scrubbed(unsigned long mfn);

#endif
