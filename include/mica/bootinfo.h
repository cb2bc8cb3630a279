/* SPDX-License-Identifier: MIT */
/*
 * The one structure every entry path hands to the kernel.
 *
 * The multiboot2 parser (GRUB on BIOS or UEFI, and mica.efi, which hands
 * over a multiboot2 block of its own: docs/uefi.md) and the multiboot1
 * parser (QEMU -kernel) each fill a struct boot_info for the same C entry.
 * Everything in it is a copy: nothing points back into the loader's data,
 * so the loader's memory may be reused once the parser returns.
 */
#ifndef MICA_BOOTINFO_H
#define MICA_BOOTINFO_H

#include <mica/types.h>

#define BOOT_CMDLINE_MAX 1024
#define BOOT_MODULE_CMDLINE_MAX 1024
#define BOOT_LOADER_NAME_MAX 64
#define BOOT_MAX_MODULES 32
#define BOOT_MAX_MEMMAP 256
#define BOOT_MAX_RESERVED (BOOT_MAX_MODULES + 8)

enum boot_mem_type {
	BOOT_MEM_RAM = 1,      /* usable RAM */
	BOOT_MEM_RESERVED = 2, /* firmware, MMIO, anything unknown */
	BOOT_MEM_ACPI = 3,     /* ACPI tables, reclaimable after parsing */
	BOOT_MEM_NVS = 4,      /* ACPI NVS: never touched */
	BOOT_MEM_UNUSABLE = 5, /* bad RAM */
};

struct boot_mem_range {
	paddr_t start;
	paddr_t end;   /* exclusive */
	uint32_t type; /* enum boot_mem_type */
};

struct boot_module {
	paddr_t start;
	paddr_t end;			       /* exclusive */
	char cmdline[BOOT_MODULE_CMDLINE_MAX]; /* without the file name */
};

enum boot_fb_type {
	BOOT_FB_NONE = 0,
	BOOT_FB_RGB = 1,      /* linear framebuffer, direct colour */
	BOOT_FB_EGA_TEXT = 2, /* VGA text mode at fb.addr (0xb8000) */
};

struct boot_framebuffer {
	uint32_t type; /* enum boot_fb_type */
	paddr_t addr;
	uint32_t pitch;	 /* bytes per line */
	uint32_t width;	 /* pixels, or characters in text mode */
	uint32_t height; /* pixels, or lines in text mode */
	uint8_t bpp;
	uint8_t red_pos, red_size;
	uint8_t green_pos, green_size;
	uint8_t blue_pos, blue_size;
};

enum boot_source {
	BOOT_FROM_MULTIBOOT2 = 1,
	BOOT_FROM_MULTIBOOT1 = 2,
};

struct boot_info {
	uint32_t source;   /* enum boot_source */
	bool efi_firmware; /* the firmware was UEFI (boot services are gone) */
	char loader_name[BOOT_LOADER_NAME_MAX];
	char cmdline[BOOT_CMDLINE_MAX]; /* mica's own, without the file name */

	/*
	 * The firmware's map, sorted by start, overlaps resolved (the more
	 * restrictive type wins), adjacent ranges of one type merged.
	 */
	unsigned int nr_memmap;
	struct boot_mem_range memmap[BOOT_MAX_MEMMAP];

	unsigned int nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];

	/*
	 * Ranges that hold something mica still needs (the image, the modules,
	 * the loader's boot-info block) and so must not be handed out, besides
	 * what the memory map already marks non-RAM.
	 */
	unsigned int nr_reserved;
	struct boot_mem_range reserved[BOOT_MAX_RESERVED];

	struct boot_framebuffer fb;
	paddr_t acpi_rsdp;  /* 0: not given by the loader, scan for it */
	paddr_t efi_systab; /* 0 unless booted by UEFI */
};

/* Where the image lies in physical memory, for the overlap checks. */
struct boot_image {
	paddr_t start;
	paddr_t end;
};

/*
 * Parse a multiboot2 information block of at most avail bytes at blob (the
 * block lives at physical address pa). Returns 0 or a negative errno; on
 * error a message saying what was wrong has been printed and bi holds what
 * could be salvaged.
 */
int bootinfo_parse_mb2(struct boot_info *bi, const void *blob, size_t avail,
		       paddr_t pa, const struct boot_image *img);

/*
 * Parse a multiboot1 information block. read_phys copies len bytes of
 * physical memory at pa into buf and returns 0, or -1 if that memory cannot
 * be read; multiboot1 scatters its data across memory by pointer, so the
 * parser never dereferences a loader-supplied address itself.
 */
typedef int (*bootinfo_read_fn)(void *buf, paddr_t pa, size_t len);
int bootinfo_parse_mb1(struct boot_info *bi, paddr_t info_pa,
		       bootinfo_read_fn read_phys,
		       const struct boot_image *img);

/*
 * Sort and normalise bi->memmap in place (see struct boot_info). Called by
 * the parsers; exposed for the tests.
 */
void bootinfo_normalise_memmap(struct boot_info *bi);

/*
 * Add a range that must never be handed out. Returns 0, or -ENOSPC.
 */
int bootinfo_reserve(struct boot_info *bi, paddr_t start, paddr_t end);

/*
 * The usable RAM: memmap's RAM ranges less the first MiB, less every
 * reserved range, each range shrunk to whole pages. Writes up to max
 * ranges to out, sorted and disjoint, and returns how many it wrote.
 */
unsigned int bootinfo_usable(const struct boot_info *bi,
			     struct boot_mem_range *out, unsigned int max);

/*
 * Compare bi's modules with what a test runner says it loaded (mica's
 * selftest_modules= option, docs/cmdline.md): spec lists one
 * "SIZE[/CMDLINE]" per module, in order, separated by commas; SIZE is a
 * number of bytes (any base), CMDLINE the module's command line with %XX
 * escapes (%20 a space, %2c a comma, %25 a percent sign) and no file name.
 * An empty spec means no modules. Each module must start on a page
 * boundary, span exactly SIZE bytes, be in the reserved list and, where
 * CMDLINE is given, carry exactly that command line. Returns the number of
 * mismatches, or -EINVAL if spec is malformed; why then holds the first
 * problem (empty when there is none).
 */
int bootinfo_check_modules(const struct boot_info *bi, const char *spec,
			   char *why, size_t why_len);

const char *boot_mem_type_name(uint32_t type);

#endif
