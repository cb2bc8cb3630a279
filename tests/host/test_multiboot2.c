/* SPDX-License-Identifier: MIT */
/*
 * boot/multiboot2.c on crafted information blocks: GRUB-like BIOS and UEFI
 * ones, and every kind of damage the parser promises to survive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mica/bootinfo.h>
#include <mica/errno.h>
#include <mica/lib.h>

#include "blob.h"
#include "harness.h"
#include "invariants.h"

static struct mb2_blob b;
static struct boot_info bi;
static const struct boot_image img = {TEST_IMAGE_START, TEST_IMAGE_END};

static int parse_avail(size_t avail)
{
	const char *why;
	int rc;

	log_reset();
	memset(&bi, 0xa5, sizeof(bi)); /* the parser must clear it */
	rc = bootinfo_parse_mb2(&bi, b.buf, avail, TEST_MB2_PA, &img);
	why = bootinfo_violation(&bi, &img);
	if (why)
		fail_msg("invariant violated: %s", why);
	return rc;
}

static int parse(void)
{
	return parse_avail(b.len);
}

static void assert_range(unsigned int i, paddr_t start, paddr_t end,
			 uint32_t type)
{
	assert_true(i < bi.nr_memmap);
	assert_int_equal(bi.memmap[i].start, start);
	assert_int_equal(bi.memmap[i].end, end);
	assert_int_equal(bi.memmap[i].type, type);
}

static bool is_reserved(paddr_t start, paddr_t end)
{
	for (unsigned int i = 0; i < bi.nr_reserved; i++)
		if (bi.reserved[i].start == start && bi.reserved[i].end == end)
			return true;
	return false;
}

static void test_bios(void **state)
{
	size_t rsdp_off;

	mb2_build_bios(&b);
	assert_int_equal(parse(), 0);
	assert_int_equal(log_count(LOGLVL_ERR) + log_count(LOGLVL_WARN), 0);
	assert_int_equal(bi.source, BOOT_FROM_MULTIBOOT2);
	assert_false(bi.efi_firmware);
	assert_string_equal(bi.loader_name, "GRUB 2.06");
	assert_string_equal(bi.cmdline, "loglvl=debug console=com1");

	assert_int_equal(bi.nr_memmap, 7);
	assert_range(0, 0, 0x9fc00, BOOT_MEM_RAM);
	assert_range(1, 0x9fc00, 0xa0000, BOOT_MEM_RESERVED);
	assert_range(2, 0xf0000, 0x100000, BOOT_MEM_RESERVED);
	assert_range(3, 0x100000, 0x7fe0000, BOOT_MEM_RAM);
	assert_range(4, 0x7fe0000, 0x8000000, BOOT_MEM_ACPI);
	assert_range(5, 0xfffc0000, 0x100000000, BOOT_MEM_RESERVED);
	assert_range(6, 0x100000000, 0x140000000, BOOT_MEM_RAM);

	assert_int_equal(bi.nr_modules, 2);
	assert_int_equal(bi.modules[0].start, 0x1000000);
	assert_int_equal(bi.modules[0].end, 0x1001000);
	assert_string_equal(bi.modules[0].cmdline, "a=1 b=2");
	assert_string_equal(bi.modules[1].cmdline, "c=3");

	assert_true(is_reserved(TEST_IMAGE_START, TEST_IMAGE_END));
	assert_true(is_reserved(TEST_MB2_PA, TEST_MB2_PA + b.len));
	assert_true(is_reserved(0x1000000, 0x1001000));
	assert_true(is_reserved(0x1002000, 0x1002800));
	assert_int_equal(bi.nr_reserved, 4);

	assert_int_equal(bi.fb.type, BOOT_FB_EGA_TEXT);
	assert_int_equal(bi.fb.addr, 0xb8000);
	assert_int_equal(bi.fb.width, 80);
	assert_int_equal(bi.fb.height, 25);

	/* The RSDP copy is found inside the block, where ACPI will read. */
	rsdp_off = bi.acpi_rsdp - TEST_MB2_PA;
	assert_true(bi.acpi_rsdp > TEST_MB2_PA && rsdp_off + 20 <= b.len);
	assert_memory_equal(b.buf + rsdp_off, "RSD PTR ", 8);
	assert_int_equal(bi.efi_systab, 0);
}

static void test_uefi(void **state)
{
	size_t rsdp_off;

	mb2_build_uefi(&b);
	assert_int_equal(parse(), 0);
	assert_int_equal(log_count(LOGLVL_ERR) + log_count(LOGLVL_WARN), 0);
	assert_true(bi.efi_firmware);
	assert_int_equal(bi.efi_systab, 0x7f9e018);

	/* Boot services, loader and conventional memory are all RAM now. */
	assert_int_equal(bi.nr_memmap, 9);
	assert_range(0, 0, 0xa0000, BOOT_MEM_RAM);
	assert_range(1, 0xa0000, 0x100000, BOOT_MEM_RESERVED);
	assert_range(2, 0x100000, 0x7fe0000, BOOT_MEM_RAM);
	assert_range(3, 0x7fe0000, 0x7ff0000, BOOT_MEM_ACPI);
	assert_range(4, 0x7ff0000, 0x8000000, BOOT_MEM_NVS);
	assert_range(5, 0x8000000, 0x8010000, BOOT_MEM_RESERVED);
	assert_range(6, 0xffc00000, 0x100000000, BOOT_MEM_RESERVED);
	assert_range(7, 0x100000000, 0x100001000, BOOT_MEM_UNUSABLE);
	assert_range(8, 0x100001000, 0x101000000, BOOT_MEM_RAM);

	assert_int_equal(bi.fb.type, BOOT_FB_RGB);
	assert_int_equal(bi.fb.addr, 0x80000000);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.red_pos, 16);
	assert_int_equal(bi.fb.green_pos, 8);
	assert_int_equal(bi.fb.blue_pos, 0);
	assert_int_equal(bi.fb.blue_size, 8);

	/* The version 2 RSDP wins even though a v1 one follows it. */
	rsdp_off = bi.acpi_rsdp - TEST_MB2_PA;
	assert_true(rsdp_off + 36 <= b.len);
	assert_memory_equal(b.buf + rsdp_off, "RSD PTR ", 8);
	assert_int_equal(b.buf[rsdp_off + 15], 2);
	assert_int_equal(bi.nr_modules, 1);
}

static void test_efi_map_preferred(void **state)
{
	static const struct mb2_mmap_entry bogus[] = {{0, 0x1000, 1}};
	static const struct efi_desc d[] = {{7, 0x100000, 0x100}};

	mb2_init(&b);
	mb2_mmap(&b, bogus, 1);
	mb2_efi_mmap(&b, d, 1, 40);
	mb2_finish(&b);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_memmap, 1);
	assert_range(0, 0x100000, 0x200000, BOOT_MEM_RAM);
	assert_true(bi.efi_firmware);
}

static void test_efi_boot_services_active(void **state)
{
	static const struct efi_desc d[] = {
		{7, 0x100000, 0x100},
		{4, 0x200000, 0x100},
		{2, 0x300000, 0x100},
	};

	mb2_init(&b);
	mb2_efi_mmap(&b, d, 3, 48);
	mb2_tag(&b, 18, NULL, 0); /* after the map: must still apply */
	mb2_finish(&b);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_memmap, 2);
	assert_range(0, 0x100000, 0x200000, BOOT_MEM_RAM);
	assert_range(1, 0x200000, 0x400000, BOOT_MEM_RESERVED);
}

static void test_bad_efi_desc_size_falls_back(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0, 0x8000000, 1}};
	static const struct efi_desc d[] = {{7, 0x100000, 0x100}};
	size_t off;

	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	off = mb2_efi_mmap(&b, d, 1, 40);
	memset(b.buf + off + 8, 0, 4); /* descriptor size 0 */
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "EFI memory descriptor size 0"));
	assert_true(log_has(LOGLVL_WARN, "using the BIOS-style one"));
	assert_int_equal(bi.nr_memmap, 1);
	assert_range(0, 0, 0x8000000, BOOT_MEM_RAM);
}

static void test_efi_huge_page_count(void **state)
{
	static const struct efi_desc d[] = {
		{7, 0x100000, 0x100},
		{7, 0x1000000, 1ULL << 60},
	};

	mb2_init(&b);
	mb2_efi_mmap(&b, d, 2, 48);
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "claims"));
	assert_int_equal(bi.nr_memmap, 1);
}

static void test_too_many_efi_ranges(void **state)
{
	static struct efi_desc d[600];

	/* Alternating types cannot merge: more than the map can hold. */
	for (unsigned int i = 0; i < 600; i++)
		d[i] = (struct efi_desc){i % 2 ? 0 : 7, 0x100000 + 0x1000 * i,
					 1};
	mb2_init(&b);
	mb2_efi_mmap(&b, d, 600, 40);
	mb2_finish(&b);
	assert_int_equal(parse(), -ENOSPC);
	assert_true(log_has(LOGLVL_WARN, "more than 256 distinct ranges"));
	assert_int_equal(bi.nr_memmap, BOOT_MAX_MEMMAP);
	assert_range(0, 0x100000, 0x101000, BOOT_MEM_RAM);
}

static void test_many_mergeable_ranges(void **state)
{
	static struct mb2_mmap_entry e[1000];

	/* 1000 entries of one type, unsorted: all fit once merged. */
	for (unsigned int i = 0; i < 1000; i++)
		e[i] = (struct mb2_mmap_entry){0x100000 + 0x1000 * (999 - i),
					       0x1000, 1};
	mb2_init(&b);
	mb2_mmap(&b, e, 1000);
	mb2_finish(&b);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_memmap, 1);
	assert_range(0, 0x100000, 0x100000 + 1000 * 0x1000, BOOT_MEM_RAM);
}

static void test_truncated_tag(void **state)
{
	size_t off;

	mb2_build_bios(&b);
	/* Cut the block in the middle of the memory map's tag. */
	b.len = 8;
	mb2_str(&b, 2, "GRUB 2.06");
	off = mb2_tag(&b, 6, NULL, 0);
	mb2_set_tag_size(&b, off, 4);
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "tag 6 at offset 32 has size 4"));
	assert_string_equal(bi.loader_name, "GRUB 2.06");
	assert_true(log_has(LOGLVL_ERR, "no memory map tag"));
	assert_int_equal(bi.nr_memmap, 0);
}

static void test_zero_size_tag(void **state)
{
	size_t off;

	mb2_init(&b);
	off = mb2_str(&b, 1, "x");
	mb2_set_tag_size(&b, off, 0);
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "has size 0"));
}

static void test_tag_past_end(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0x100000, 0x100000, 1}};
	size_t off;

	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	off = mb2_str(&b, 1, "loglvl=debug");
	mb2_set_tag_size(&b, off, 4096);
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "runs past the end"));
	/* What came before the bad tag is kept. */
	assert_int_equal(bi.nr_memmap, 1);
	assert_string_equal(bi.cmdline, "");
}

static void test_oversized_tag_huge(void **state)
{
	size_t off;

	mb2_init(&b);
	off = mb2_str(&b, 1, "x");
	mb2_set_tag_size(&b, off, 0xfffffff8);
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "runs past the end"));
}

static void test_total_size_beyond_avail(void **state)
{
	mb2_build_bios(&b);
	/* The loader claims more than the caller can map. */
	assert_int_equal(parse_avail(b.len - 8), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "only"));
	assert_true(log_has(LOGLVL_ERR, "no end tag"));
	/* Everything but the end tag was readable. */
	assert_int_equal(bi.nr_memmap, 7);
	assert_int_equal(bi.nr_modules, 2);
	assert_true(is_reserved(TEST_MB2_PA, TEST_MB2_PA + b.len - 8));
}

static void test_tiny_blocks(void **state)
{
	mb2_init(&b);
	mb2_finish(&b);
	assert_int_equal(parse_avail(8), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "only 8 bytes"));
	assert_int_equal(bootinfo_parse_mb2(&bi, NULL, 0, 0, NULL), -EINVAL);

	/* total_size below the minimum */
	mb2_init(&b);
	mb2_finish(&b);
	memset(b.buf, 0, 4);
	b.buf[0] = 12;
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "below the 16-byte minimum"));
}

static void test_missing_end_tag(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0x100000, 0x100000, 1}};

	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	mb2_finish_no_end(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "no end tag"));
	assert_int_equal(bi.nr_memmap, 1);
}

static void test_zero_entry_map(void **state)
{
	mb2_init(&b);
	mb2_mmap(&b, NULL, 0);
	mb2_finish(&b);
	assert_int_equal(parse(), -ENODATA);
	assert_true(log_has(LOGLVL_ERR, "the memory map has no entries"));
	assert_int_equal(bi.nr_memmap, 0);
}

static void test_bad_entry_size(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0x100000, 0x100000, 1}};
	static const uint32_t bad[] = {0, 20, 28, 0x80000000};

	for (unsigned int i = 0; i < 4; i++) {
		size_t off;
		char msg[64];

		mb2_init(&b);
		off = mb2_mmap(&b, map, 1);
		memcpy(b.buf + off + 8, &bad[i], 4);
		mb2_finish(&b);
		assert_int_equal(parse(), -EINVAL);
		snprintf(msg, sizeof(msg), "entry size %u is invalid", bad[i]);
		assert_true(log_has(LOGLVL_ERR, msg));
		assert_int_equal(bi.nr_memmap, 0);
	}
}

static void test_larger_entry_size(void **state)
{
	uint8_t p[8 + 2 * 32] = {0};
	uint64_t v;
	uint32_t t = 1, es = 32;

	/* A future, longer entry: the parser must step by entry_size. */
	memcpy(p, &es, 4);
	v = 0x100000;
	memcpy(p + 8, &v, 8);
	memcpy(p + 16, &v, 8);
	memcpy(p + 24, &t, 4);
	v = 0x300000;
	memcpy(p + 40, &v, 8);
	v = 0x100000;
	memcpy(p + 48, &v, 8);
	t = 3;
	memcpy(p + 56, &t, 4);
	mb2_init(&b);
	mb2_tag(&b, 6, p, sizeof(p));
	mb2_finish(&b);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_memmap, 2);
	assert_range(0, 0x100000, 0x200000, BOOT_MEM_RAM);
	assert_range(1, 0x300000, 0x400000, BOOT_MEM_ACPI);
}

static void test_overlapping_unsorted_map(void **state)
{
	static const struct mb2_mmap_entry map[] = {
		{0x100000000, 0x100000000, 1}, /* 4..8 GiB */
		{0x100000, 0x7f00000, 1},      /* 1 MiB .. 128 MiB */
		{0x4000000, 0x100000, 2},      /* a hole inside it */
		{0x7e00000, 0x400000, 3},      /* ACPI over its end */
		{0x7f00000, 0x10000, 4},       /* NVS inside the ACPI */
		{0x0, 0xa0000, 1},
		{0x0, 0x1000, 5},	   /* bad page 0 */
		{0x50000, 0, 2},	   /* empty */
		{0x180000000, 0x1000, 99}, /* unknown type */
	};

	mb2_init(&b);
	mb2_mmap(&b, map, sizeof(map) / sizeof(map[0]));
	mb2_finish(&b);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_memmap, 11);
	assert_range(0, 0, 0x1000, BOOT_MEM_UNUSABLE);
	assert_range(1, 0x1000, 0xa0000, BOOT_MEM_RAM);
	assert_range(2, 0x100000, 0x4000000, BOOT_MEM_RAM);
	assert_range(3, 0x4000000, 0x4100000, BOOT_MEM_RESERVED);
	assert_range(4, 0x4100000, 0x7e00000, BOOT_MEM_RAM);
	assert_range(5, 0x7e00000, 0x7f00000, BOOT_MEM_ACPI);
	assert_range(6, 0x7f00000, 0x7f10000, BOOT_MEM_NVS);
	assert_range(7, 0x7f10000, 0x8200000, BOOT_MEM_ACPI);
	assert_range(8, 0x100000000, 0x180000000, BOOT_MEM_RAM);
	assert_range(9, 0x180000000, 0x180001000, BOOT_MEM_RESERVED);
	assert_range(10, 0x180001000, 0x200000000, BOOT_MEM_RAM);
}

static void test_range_wrapping(void **state)
{
	static const struct mb2_mmap_entry map[] = {
		{0x100000, 0x100000, 1},
		{0xfffffffffffff000, 0x2000, 2},
	};

	mb2_init(&b);
	mb2_mmap(&b, map, 2);
	mb2_finish(&b);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nr_memmap, 2);
	assert_range(1, 0xfffffffffffff000, ~0ULL, BOOT_MEM_RESERVED);
}

static void test_module_overlapping_image(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0, 0x8000000, 1}};

	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	mb2_module(&b, 0x3ff000, 0x401000, "bad");
	mb2_module(&b, 0x400000, 0x401000, "good");
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "overlaps mica's image"));
	assert_true(log_has(LOGLVL_ERR, "module dropped"));
	assert_int_equal(bi.nr_modules, 1);
	assert_string_equal(bi.modules[0].cmdline, "good");
	assert_false(is_reserved(0x3ff000, 0x401000));
}

static void test_empty_module(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0, 0x8000000, 1}};

	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	mb2_module(&b, 0, 0, "empty file");
	mb2_module(&b, 0x2000000, 0x1000000, "backwards");
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "not above its start"));
	assert_int_equal(bi.nr_modules, 0);
}

static void test_short_module_tag(void **state)
{
	uint32_t p = 0x1000000;

	mb2_init(&b);
	mb2_tag(&b, 3, &p, 4);
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "tag 3 is 12 bytes, too short"));
	assert_int_equal(bi.nr_modules, 0);
}

static void test_too_many_modules(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0, 0x80000000, 1}};

	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	for (unsigned int i = 0; i < BOOT_MAX_MODULES + 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "m%u", i);
		mb2_module(&b, 0x1000000 + 0x10000 * i,
			   0x1000000 + 0x10000 * i + 0x100, name);
	}
	mb2_finish(&b);
	assert_int_equal(parse(), -ENOSPC);
	assert_true(log_has(LOGLVL_WARN, "more than 32 modules"));
	assert_int_equal(log_count(LOGLVL_WARN), 3);
	assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
	assert_string_equal(bi.modules[31].cmdline, "m31");
	/* The image, the block and every kept module, nothing else. */
	assert_int_equal(bi.nr_reserved, 2 + BOOT_MAX_MODULES);
}

static void test_unterminated_strings(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0, 0x8000000, 1}};
	uint8_t mod[8 + 5] = {0, 0,   0,   1,	0,   0x10, 0,
			      1, 'h', 'e', 'l', 'l', 'o'};

	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	mb2_tag(&b, 1, "loglvl=debug", 12); /* no NUL */
	mb2_tag(&b, 2, "GRUB", 4);
	mb2_tag(&b, 3, mod, sizeof(mod));
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "command line is not NUL-terminated"));
	assert_true(log_has(LOGLVL_ERR, "boot loader name is not NUL"));
	assert_true(log_has(LOGLVL_ERR, "module command line is not NUL"));
	/* What there is, is kept (and terminated). */
	assert_string_equal(bi.cmdline, "loglvl=debug");
	assert_string_equal(bi.loader_name, "GRUB");
	assert_int_equal(bi.nr_modules, 1);
	assert_string_equal(bi.modules[0].cmdline, "hello");
}

static void test_overlong_strings(void **state)
{
	static char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	mb2_init(&b);
	mb2_str(&b, 1, big);
	mb2_str(&b, 2, big);
	mb2_finish(&b);
	assert_int_equal(parse(), -E2BIG);
	assert_true(log_has(LOGLVL_WARN,
			    "command line is 2999 bytes, truncated to 1023"));
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(strlen(bi.loader_name), BOOT_LOADER_NAME_MAX - 1);
}

static void test_framebuffers(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0, 0x8000000, 1}};
	size_t off;

	/* Indexed colour: not supported, not an error. */
	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	mb2_fb_indexed(&b, 0xa0000, 320, 200);
	mb2_finish(&b);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);
	assert_true(log_has(LOGLVL_INFO, "indexed-colour"));

	/* RGB without its colour fields. */
	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	off = mb2_fb_rgb(&b, 0x80000000, 1024, 768, 4096, 32);
	mb2_set_tag_size(&b, off, 8 + 26);
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);

	/* A pitch too small for a line of pixels. */
	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	mb2_fb_rgb(&b, 0x80000000, 1024, 768, 1024, 32);
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "inconsistent"));
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);

	/* Wrapping past the top of the address space. */
	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	mb2_fb_rgb(&b, 0xfffffffffff00000, 1024, 768, 4096, 32);
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);

	/* Unknown type. */
	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	off = mb2_fb_ega(&b, 80, 25);
	b.buf[off + 8 + 21] = 7;
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "unknown type 7"));
}

static void test_bad_rsdp(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0, 0x8000000, 1}};
	size_t off;

	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	off = mb2_rsdp(&b, 1);
	b.buf[off + 8 + 9] ^= 1; /* break the checksum */
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "checksum"));
	assert_int_equal(bi.acpi_rsdp, 0);

	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	off = mb2_rsdp(&b, 2);
	mb2_set_tag_size(&b, off, 8 + 20); /* v2 tag holding only v1 */
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "tag 15 is 28 bytes"));
	assert_int_equal(bi.acpi_rsdp, 0);
}

static void test_efi_tags_mark_uefi(void **state)
{
	static const struct mb2_mmap_entry map[] = {{0, 0x8000000, 1}};
	static const uint32_t types[] = {11, 12, 17, 18, 19, 20};

	for (unsigned int i = 0; i < 6; i++) {
		mb2_init(&b);
		mb2_mmap(&b, map, 1);
		mb2_u64_tag(&b, types[i], 0x1234);
		mb2_finish(&b);
		parse();
		assert_true(bi.efi_firmware);
	}
	mb2_init(&b);
	mb2_mmap(&b, map, 1);
	mb2_tag(&b, 12, "abcd", 4); /* too short for the pointer */
	mb2_finish(&b);
	assert_int_equal(parse(), -EINVAL);
	assert_int_equal(bi.efi_systab, 0);
}

static void test_blob_not_touched(void **state)
{
	static uint8_t copy[sizeof(b.buf)];

	/* The parser reads the loader's block, never writes it. */
	mb2_build_uefi(&b);
	memcpy(copy, b.buf, b.len);
	parse();
	assert_memory_equal(copy, b.buf, b.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bios),
		cmocka_unit_test(test_uefi),
		cmocka_unit_test(test_efi_map_preferred),
		cmocka_unit_test(test_efi_boot_services_active),
		cmocka_unit_test(test_bad_efi_desc_size_falls_back),
		cmocka_unit_test(test_efi_huge_page_count),
		cmocka_unit_test(test_too_many_efi_ranges),
		cmocka_unit_test(test_many_mergeable_ranges),
		cmocka_unit_test(test_truncated_tag),
		cmocka_unit_test(test_zero_size_tag),
		cmocka_unit_test(test_tag_past_end),
		cmocka_unit_test(test_oversized_tag_huge),
		cmocka_unit_test(test_total_size_beyond_avail),
		cmocka_unit_test(test_tiny_blocks),
		cmocka_unit_test(test_missing_end_tag),
		cmocka_unit_test(test_zero_entry_map),
		cmocka_unit_test(test_bad_entry_size),
		cmocka_unit_test(test_larger_entry_size),
		cmocka_unit_test(test_overlapping_unsorted_map),
		cmocka_unit_test(test_range_wrapping),
		cmocka_unit_test(test_module_overlapping_image),
		cmocka_unit_test(test_empty_module),
		cmocka_unit_test(test_short_module_tag),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_overlong_strings),
		cmocka_unit_test(test_framebuffers),
		cmocka_unit_test(test_bad_rsdp),
		cmocka_unit_test(test_efi_tags_mark_uefi),
		cmocka_unit_test(test_blob_not_touched),
	};

	return cmocka_run_group_tests_name("multiboot2", tests, NULL, NULL);
}
