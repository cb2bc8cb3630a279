/* SPDX-License-Identifier: MIT */
/*
 * The loader-independent half of struct boot_info: normalising the memory
 * map, the reserved list, and the usable RAM derived from both. Runs before
 * any allocator exists, so it works in place or in static scratch space and
 * is not reentrant (boot is single-threaded). Also built on the host
 * (MICA_HOST) for the unit tests and the fuzzer.
 */
#include <asm/config.h>
#include <mica/bootinfo.h>
#include <mica/errno.h>
#include <mica/lib.h>

#include "bootinfo_priv.h"

/* The first MiB holds the BIOS data area, the EBDA and option ROMs. */
#define LOW_MEM_END 0x100000UL

const char *boot_mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_RAM:
		return "RAM";
	case BOOT_MEM_RESERVED:
		return "reserved";
	case BOOT_MEM_ACPI:
		return "ACPI data";
	case BOOT_MEM_NVS:
		return "ACPI NVS";
	case BOOT_MEM_UNUSABLE:
		return "unusable";
	default:
		return "unknown";
	}
}

/* Where ranges overlap, the highest rank wins: the more restrictive use. */
static unsigned int rank(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_RAM:
		return 1;
	case BOOT_MEM_ACPI:
		return 2;
	case BOOT_MEM_NVS:
		return 4;
	case BOOT_MEM_UNUSABLE:
		return 5;
	default: /* BOOT_MEM_RESERVED and anything unknown */
		return 3;
	}
}

static uint32_t known_type(uint32_t type)
{
	return rank(type) == 3 ? BOOT_MEM_RESERVED : type;
}

/*
 * The smallest range boundary above pos, or false if there is none. With
 * the boundaries visited in order, every range either covers a whole step
 * [pos, next) or none of it.
 */
static bool next_boundary(const struct boot_mem_range *r, unsigned int n,
			  paddr_t pos, paddr_t *next, bool found)
{
	for (unsigned int i = 0; i < n; i++) {
		paddr_t b;

		if (r[i].start >= r[i].end)
			continue;
		if (r[i].start > pos)
			b = r[i].start;
		else if (r[i].end > pos)
			b = r[i].end;
		else
			continue;
		if (!found || b < *next)
			*next = b;
		found = true;
	}
	return found;
}

static bool covers(const struct boot_mem_range *r, paddr_t pos)
{
	return r->start <= pos && pos < r->end;
}

static struct boot_mem_range scratch[BOOT_MAX_MEMMAP];

void bootinfo_normalise_memmap(struct boot_info *bi)
{
	unsigned int n = MIN(bi->nr_memmap, (unsigned int)BOOT_MAX_MEMMAP);
	unsigned int out = 0;
	paddr_t pos = 0, next = 0;

	/*
	 * Sweep the boundaries in address order and give each step the type
	 * of the highest-ranked range covering it: O(n^2) on at most a few
	 * hundred ranges, once per boot, with no sorting pass to get wrong.
	 */
	while (next_boundary(bi->memmap, n, pos, &next, false)) {
		unsigned int best = 0;
		uint32_t type = 0;

		for (unsigned int i = 0; i < n; i++) {
			const struct boot_mem_range *r = &bi->memmap[i];

			if (covers(r, pos) && rank(r->type) > best) {
				best = rank(r->type);
				type = known_type(r->type);
			}
		}
		if (best) {
			struct boot_mem_range *prev =
				out ? &scratch[out - 1] : NULL;

			if (prev && prev->end == pos && prev->type == type) {
				prev->end = next;
			} else if (out < BOOT_MAX_MEMMAP) {
				scratch[out].start = pos;
				scratch[out].end = next;
				scratch[out].type = type;
				out++;
			} else {
				/* Dropping the top of the map only loses RAM. */
				printk(LOG_WARN
				       "memmap: more than %u ranges once overlaps are split, ignoring everything from %#lx\n",
				       BOOT_MAX_MEMMAP, (unsigned long)pos);
				break;
			}
		}
		pos = next;
	}
	memcpy(bi->memmap, scratch, out * sizeof(scratch[0]));
	bi->nr_memmap = out;
}

int bootinfo_reserve(struct boot_info *bi, paddr_t start, paddr_t end)
{
	if (start >= end)
		return 0;
	for (unsigned int i = 0; i < bi->nr_reserved; i++)
		if (bi->reserved[i].start <= start &&
		    end <= bi->reserved[i].end)
			return 0;
	if (bi->nr_reserved >= BOOT_MAX_RESERVED) {
		printk(LOG_ERR
		       "bootinfo: no room to reserve [%#lx, %#lx): more than %u reserved ranges\n",
		       (unsigned long)start, (unsigned long)end,
		       BOOT_MAX_RESERVED);
		return -ENOSPC;
	}
	bi->reserved[bi->nr_reserved].start = start;
	bi->reserved[bi->nr_reserved].end = end;
	bi->reserved[bi->nr_reserved].type = BOOT_MEM_RESERVED;
	bi->nr_reserved++;
	return 0;
}

/* Is [pos, next) usable RAM? (No boundary lies inside it.) */
static bool usable_at(const struct boot_info *bi, unsigned int nm,
		      unsigned int nr, paddr_t pos)
{
	bool ram = false;

	if (pos < LOW_MEM_END)
		return false;
	for (unsigned int i = 0; i < nm; i++) {
		if (!covers(&bi->memmap[i], pos))
			continue;
		if (bi->memmap[i].type != BOOT_MEM_RAM)
			return false;
		ram = true;
	}
	if (!ram)
		return false;
	for (unsigned int i = 0; i < nr; i++)
		if (covers(&bi->reserved[i], pos))
			return false;
	return true;
}

static unsigned int emit_pages(struct boot_mem_range *out, unsigned int n,
			       unsigned int max, paddr_t start, paddr_t end)
{
	paddr_t s, e = ROUNDDOWN(end, (paddr_t)PAGE_SIZE);

	if (start > ~(paddr_t)0 - (PAGE_SIZE - 1))
		return n;
	s = ROUNDUP(start, (paddr_t)PAGE_SIZE);
	if (s >= e || n >= max)
		return n;
	out[n].start = s;
	out[n].end = e;
	out[n].type = BOOT_MEM_RAM;
	return n + 1;
}

unsigned int bootinfo_usable(const struct boot_info *bi,
			     struct boot_mem_range *out, unsigned int max)
{
	unsigned int nm = MIN(bi->nr_memmap, (unsigned int)BOOT_MAX_MEMMAP);
	unsigned int nr = MIN(bi->nr_reserved, (unsigned int)BOOT_MAX_RESERVED);
	const struct boot_mem_range low = {0, LOW_MEM_END, BOOT_MEM_RESERVED};
	paddr_t pos = 0, next = 0, run_start = 0, run_end = 0;
	unsigned int n = 0;
	bool in_run = false;

	/*
	 * The same sweep as the normalisation, over the map, the reserved
	 * list and the 1 MiB line together, so that neither list needs to be
	 * sorted or disjoint for the answer to be.
	 */
	for (;;) {
		bool found = next_boundary(bi->memmap, nm, pos, &next, false);

		found = next_boundary(bi->reserved, nr, pos, &next, found);
		found = next_boundary(&low, 1, pos, &next, found);
		if (!found || n >= max)
			break;
		if (usable_at(bi, nm, nr, pos)) {
			if (in_run && run_end == pos) {
				run_end = next;
			} else {
				if (in_run)
					n = emit_pages(out, n, max, run_start,
						       run_end);
				in_run = true;
				run_start = pos;
				run_end = next;
			}
		}
		pos = next;
	}
	if (in_run)
		n = emit_pages(out, n, max, run_start, run_end);
	return n;
}

bool bootinfo_add_mem(struct boot_info *bi, uint64_t start, uint64_t len,
		      uint32_t type)
{
	uint64_t end = start + len;
	struct boot_mem_range *last;

	if (!len)
		return true;
	if (end < start)
		end = ~0ULL;
	last = bi->nr_memmap ? &bi->memmap[bi->nr_memmap - 1] : NULL;
	if (last && last->type == type && last->end == start) {
		last->end = end;
		return true;
	}
	if (bi->nr_memmap >= BOOT_MAX_MEMMAP) {
		/* Firmware maps repeat types in a row: merging makes room. */
		bootinfo_normalise_memmap(bi);
		if (bi->nr_memmap >= BOOT_MAX_MEMMAP)
			return false;
	}
	bi->memmap[bi->nr_memmap].start = start;
	bi->memmap[bi->nr_memmap].end = end;
	bi->memmap[bi->nr_memmap].type = type;
	bi->nr_memmap++;
	return true;
}

uint32_t bootinfo_e820_type(uint32_t type)
{
	switch (type) {
	case 1:
		return BOOT_MEM_RAM;
	case 3:
		return BOOT_MEM_ACPI;
	case 4:
		return BOOT_MEM_NVS;
	case 5:
		return BOOT_MEM_UNUSABLE;
	default: /* 2 and whatever a later specification adds */
		return BOOT_MEM_RESERVED;
	}
}

bool bootinfo_fb_sane(const struct boot_framebuffer *fb)
{
	uint64_t bytes = (uint64_t)fb->pitch * fb->height;

	return fb->addr && fb->width && fb->height && fb->bpp &&
	       (uint64_t)fb->pitch * 8 >= (uint64_t)fb->width * fb->bpp &&
	       fb->addr + bytes >= fb->addr;
}

/* %XX escapes into dst, up to a comma or the end; NULL if malformed. */
static const char *unescape(const char *p, char *dst, size_t size)
{
	size_t n = 0;

	for (; *p && *p != ','; p++) {
		char c = *p;

		if (c == '%') {
			const char *end;
			char hex[3] = {p[1], p[1] ? p[2] : 0, 0};
			unsigned long long v = mica_strtoull(hex, &end, 16);

			if (end != hex + 2)
				return NULL;
			c = (char)v;
			p += 2;
		}
		if (n + 1 >= size)
			return NULL;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return p;
}

static bool reserved(const struct boot_info *bi, paddr_t start, paddr_t end)
{
	for (unsigned int i = 0; i < bi->nr_reserved; i++)
		if (bi->reserved[i].start <= start &&
		    end <= bi->reserved[i].end)
			return true;
	return false;
}

int bootinfo_check_modules(const struct boot_info *bi, const char *spec,
			   char *why, size_t why_len)
{
	static char want[BOOT_MODULE_CMDLINE_MAX];
	const char *p = spec;
	unsigned int n = 0;
	int bad = 0;

#define MISMATCH(...)                                        \
	do {                                                 \
		if (!bad++)                                  \
			snprintf(why, why_len, __VA_ARGS__); \
	} while (0)

	why[0] = '\0';
	while (*p) {
		const struct boot_module *m;
		const char *end;
		unsigned long long size = mica_strtoull(p, &end, 0);
		bool have_cmdline = *end == '/';

		if (end == p || (*end && *end != ',' && *end != '/')) {
			snprintf(
				why, why_len,
				"entry %u of the spec is not SIZE[/CMDLINE]: %s",
				n, p);
			return -EINVAL;
		}
		p = end;
		if (have_cmdline) {
			p = unescape(p + 1, want, sizeof(want));
			if (!p) {
				snprintf(
					why, why_len,
					"entry %u of the spec has a bad %%XX escape or is too long",
					n);
				return -EINVAL;
			}
		}
		if (*p == ',' && !*++p) {
			snprintf(why, why_len, "the spec ends in a comma");
			return -EINVAL;
		}
		if (n++ >= bi->nr_modules)
			continue;
		m = &bi->modules[n - 1];
		if (!IS_ALIGNED(m->start, PAGE_SIZE))
			MISMATCH(
				"module %u starts at %#lx, not on a page boundary",
				n - 1, m->start);
		if (m->end - m->start != size)
			MISMATCH("module %u is %lu bytes, not %llu", n - 1,
				 m->end - m->start, size);
		if (!reserved(bi, m->start, m->end))
			MISMATCH("module %u [%#lx, %#lx) is not reserved",
				 n - 1, m->start, m->end);
		if (have_cmdline && strcmp(m->cmdline, want))
			MISMATCH(
				"module %u has command line \"%s\", not \"%s\"",
				n - 1, m->cmdline, want);
	}
	if (n != bi->nr_modules)
		MISMATCH("mica has %u modules, the spec %u", bi->nr_modules, n);
	return bad;
#undef MISMATCH
}
