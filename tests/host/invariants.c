/* SPDX-License-Identifier: MIT */
/* The struct boot_info invariants (invariants.h). */
#include <stdio.h>
#include <string.h>

#include <asm/config.h>

#include "invariants.h"

static char why[256];

#define VIOLATION(...)                                   \
	do {                                             \
		snprintf(why, sizeof(why), __VA_ARGS__); \
		return why;                              \
	} while (0)

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

const char *bootinfo_violation(const struct boot_info *bi,
			       const struct boot_image *img)
{
	static struct boot_mem_range usable[BOOT_MAX_MEMMAP * 2];
	static struct boot_info copy;
	unsigned int n;

	if (!terminated(bi->loader_name, sizeof(bi->loader_name)) ||
	    !terminated(bi->cmdline, sizeof(bi->cmdline)))
		VIOLATION("unterminated loader name or command line");
	if (bi->nr_memmap > BOOT_MAX_MEMMAP)
		VIOLATION("nr_memmap %u", bi->nr_memmap);
	for (unsigned int i = 0; i < bi->nr_memmap; i++) {
		const struct boot_mem_range *r = &bi->memmap[i];

		if (r->start >= r->end)
			VIOLATION("memmap[%u] empty", i);
		if (r->type < BOOT_MEM_RAM || r->type > BOOT_MEM_UNUSABLE)
			VIOLATION("memmap[%u] type %u", i, r->type);
		if (i && r->start < r[-1].end)
			VIOLATION("memmap[%u] unsorted or overlapping", i);
		if (i && r->start == r[-1].end && r->type == r[-1].type)
			VIOLATION("memmap[%u] not merged with its neighbour",
				  i);
	}
	/* Normalising a normalised map changes nothing. */
	memcpy(&copy, bi, sizeof(copy));
	bootinfo_normalise_memmap(&copy);
	if (copy.nr_memmap != bi->nr_memmap ||
	    memcmp(copy.memmap, bi->memmap,
		   bi->nr_memmap * sizeof(bi->memmap[0])))
		VIOLATION("normalisation is not idempotent");

	if (bi->nr_modules > BOOT_MAX_MODULES)
		VIOLATION("nr_modules %u", bi->nr_modules);
	for (unsigned int i = 0; i < bi->nr_modules; i++) {
		const struct boot_module *m = &bi->modules[i];
		bool reserved = false;

		if (m->start >= m->end)
			VIOLATION("module %u empty", i);
		if (img && m->start < img->end && img->start < m->end)
			VIOLATION("module %u overlaps the image", i);
		if (!terminated(m->cmdline, sizeof(m->cmdline)))
			VIOLATION("module %u cmdline unterminated", i);
		for (unsigned int j = 0; j < bi->nr_reserved; j++)
			reserved |= bi->reserved[j].start <= m->start &&
				    m->end <= bi->reserved[j].end;
		if (!reserved)
			VIOLATION("module %u not reserved", i);
	}
	if (bi->nr_reserved > BOOT_MAX_RESERVED)
		VIOLATION("nr_reserved %u", bi->nr_reserved);
	if (img && img->start < img->end &&
	    (!bi->nr_reserved || bi->reserved[0].start != img->start ||
	     bi->reserved[0].end != img->end))
		VIOLATION("the image is not reserved first");

	if (bi->fb.type != BOOT_FB_NONE) {
		const struct boot_framebuffer *fb = &bi->fb;

		if (fb->type != BOOT_FB_RGB && fb->type != BOOT_FB_EGA_TEXT)
			VIOLATION("fb type %u", fb->type);
		if (!fb->addr || !fb->width || !fb->height || !fb->bpp ||
		    (uint64_t)fb->pitch * 8 < (uint64_t)fb->width * fb->bpp ||
		    fb->addr + (uint64_t)fb->pitch * fb->height < fb->addr)
			VIOLATION("inconsistent framebuffer");
	}

	n = bootinfo_usable(bi, usable, BOOT_MAX_MEMMAP * 2);
	if (n > BOOT_MAX_MEMMAP * 2)
		VIOLATION("usable returned %u", n);
	for (unsigned int i = 0; i < n; i++) {
		const struct boot_mem_range *u = &usable[i];
		bool in_ram = false;

		if (u->start >= u->end || u->start % PAGE_SIZE ||
		    u->end % PAGE_SIZE)
			VIOLATION("usable[%u] empty or unaligned", i);
		if (u->start < 0x100000)
			VIOLATION("usable[%u] below 1 MiB", i);
		if (i && u->start < u[-1].end)
			VIOLATION("usable[%u] unsorted or overlapping", i);
		for (unsigned int j = 0; j < bi->nr_memmap; j++)
			in_ram |= bi->memmap[j].type == BOOT_MEM_RAM &&
				  bi->memmap[j].start <= u->start &&
				  u->end <= bi->memmap[j].end;
		if (!in_ram)
			VIOLATION("usable[%u] not inside one RAM range", i);
		for (unsigned int j = 0; j < bi->nr_reserved; j++)
			if (u->start < bi->reserved[j].end &&
			    bi->reserved[j].start < u->end)
				VIOLATION("usable[%u] overlaps reserved[%u]", i,
					  j);
	}
	return NULL;
}
