/* SPDX-License-Identifier: MIT */
/*
 * boot/multiboot1.c over a fake physical memory: QEMU's -kernel/-initrd
 * structure, GRUB 2's, and loaders passing pointers mica cannot read.
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

static struct mb1_mem mem;
static struct boot_info bi;
static const struct boot_image img = {TEST_IMAGE_START, TEST_IMAGE_END};

static int parse(uint32_t info)
{
	const char *why;
	int rc;

	log_reset();
	memset(&bi, 0x5a, sizeof(bi));
	rc = bootinfo_parse_mb1(&bi, info, mb1_read_phys, &img);
	why = bootinfo_violation(&bi, &img);
	if (why)
		fail_msg("invariant violated: %s", why);
	return rc;
}

static uint32_t rd(uint32_t info, uint32_t off)
{
	uint32_t v;

	memcpy(&v, mem.bytes + (info + off - MB1_MEM_BASE), 4);
	return v;
}

static void test_qemu(void **state)
{
	/* -initrd "/etc/hostname a=1 b=2,/etc/hosts c=3,/boot/x" */
	static const char *const mods[] = {"/etc/hostname a=1 b=2",
					   "/etc/hosts c=3", "/boot/x"};
	uint32_t info = mb1_build_qemu(&mem, "loglvl=debug", mods, 3);

	assert_int_equal(parse(info), 0);
	assert_int_equal(log_count(LOGLVL_ERR) + log_count(LOGLVL_WARN), 0);
	assert_int_equal(bi.source, BOOT_FROM_MULTIBOOT1);
	assert_false(bi.efi_firmware);
	assert_string_equal(bi.loader_name, "qemu");
	assert_string_equal(bi.cmdline, "loglvl=debug");
	assert_int_equal(bi.nr_modules, 3);
	assert_string_equal(bi.modules[0].cmdline, "a=1 b=2");
	assert_string_equal(bi.modules[1].cmdline, "c=3");
	assert_string_equal(bi.modules[2].cmdline, "");
	assert_int_equal(bi.modules[1].start, 0x1002000);
	assert_int_equal(bi.modules[1].end, 0x1003001);
	assert_int_equal(bi.acpi_rsdp, 0);
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);

	assert_int_equal(bi.nr_memmap, 6);
	assert_int_equal(bi.memmap[3].start, 0x100000);
	assert_int_equal(bi.memmap[3].end, 0xffe0000);
	assert_int_equal(bi.memmap[3].type, BOOT_MEM_RAM);
	/* image, the structure, three modules */
	assert_int_equal(bi.nr_reserved, 5);
	assert_int_equal(bi.reserved[1].start, info);
	assert_int_equal(bi.reserved[1].end, info + 88);
}

static void test_qemu_empty_append(void **state)
{
	/* QEMU without -append still writes "<file> " */
	uint32_t info = mb1_build_qemu(&mem, "", NULL, 0);

	assert_int_equal(parse(info), 0);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nr_modules, 0);
}

static void test_qemu_extra_spaces(void **state)
{
	static const char *const mods[] = {"   /a   x=1  y"};
	uint32_t info = mb1_build_qemu(&mem, "  a  b", mods, 1);

	assert_int_equal(parse(info), 0);
	/* The name and the blanks around it go; the rest stays as it is. */
	assert_string_equal(bi.cmdline, "a  b");
	assert_string_equal(bi.modules[0].cmdline, "x=1  y");
}

static void test_grub2_keeps_first_word(void **state)
{
	static const char *const mods[] = {"a=1 b=2"};
	uint32_t info = mb1_build_qemu(&mem, "x", mods, 1);

	/* GRUB 2's multiboot command passes the arguments alone. */
	mb1_w32(&mem, info + MBI_LOADER_NAME, mb1_put_str(&mem, "GRUB 2.06"));
	mb1_w32(&mem, info + MBI_CMDLINE, mb1_put_str(&mem, "loglvl=debug x"));
	assert_int_equal(parse(info), 0);
	assert_string_equal(bi.cmdline, "loglvl=debug x");
	assert_string_equal(bi.modules[0].cmdline, "a=1 b=2");

	/* GRUB legacy does not. */
	mb1_w32(&mem, info + MBI_LOADER_NAME,
		mb1_put_str(&mem, "GNU GRUB 0.97"));
	mb1_w32(&mem, info + MBI_CMDLINE,
		mb1_put_str(&mem, "/boot/mica.elf loglvl=debug"));
	assert_int_equal(parse(info), 0);
	assert_string_equal(bi.cmdline, "loglvl=debug");
	assert_string_equal(bi.modules[0].cmdline, "b=2");
}

static void test_bad_info_pointer(void **state)
{
	assert_int_equal(parse(0x100), -EFAULT);
	assert_true(
		log_has(LOGLVL_ERR, "cannot read the information structure"));
	assert_int_equal(bi.nr_memmap, 0);
	/* Straddling the end of readable memory. */
	assert_int_equal(parse(MB1_MEM_BASE + MB1_MEM_SIZE - 40), -EFAULT);
	assert_int_equal(
		bootinfo_parse_mb1(&bi, ~0ULL - 10, mb1_read_phys, NULL),
		-EFAULT);
}

static void test_bad_pointers(void **state)
{
	static const char *const mods[] = {"/a x", "/b y"};
	uint32_t info = mb1_build_qemu(&mem, "loglvl=debug", mods, 2);
	uint32_t mods_addr = rd(info, MBI_MODS_ADDR);

	mb1_w32(&mem, info + MBI_CMDLINE, 0xdead0000);
	mb1_w32(&mem, info + MBI_LOADER_NAME, 0xffffffff);
	mb1_w32(&mem, mods_addr + 16 + 8, 0x7000); /* module 1's string */
	assert_int_equal(parse(info), -EFAULT);
	assert_true(log_has(
		LOGLVL_ERR,
		"boot loader name runs into unreadable memory at 0xffffffff"));
	assert_true(log_has(
		LOGLVL_ERR,
		"command line runs into unreadable memory at 0xdead0000"));
	assert_true(log_has(
		LOGLVL_ERR,
		"module command line runs into unreadable memory at 0x7000"));
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nr_modules, 2);
	/* no loader name: the file name is assumed present and dropped */
	assert_string_equal(bi.modules[0].cmdline, "x");
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_int_equal(bi.nr_memmap, 6);

	mb1_w32(&mem, MB1_MEM_BASE + MB1_MEM_SIZE - 16, 0x5000000);
	mb1_w32(&mem, MB1_MEM_BASE + MB1_MEM_SIZE - 12, 0x5001000);
	mb1_w32(&mem, info + MBI_MODS_ADDR, MB1_MEM_BASE + MB1_MEM_SIZE - 16);
	mb1_w32(&mem, info + MBI_MMAP_ADDR, 0x100000);
	assert_int_equal(parse(info), -EFAULT);
	assert_true(log_has(LOGLVL_ERR, "cannot read the module list"));
	assert_true(log_has(LOGLVL_ERR, "cannot read the memory map"));
	/* The first module entry was readable, the second not. */
	assert_int_equal(bi.nr_modules, 1);
	/* Without the map, the memory sizes are the fallback. */
	assert_true(log_has(LOGLVL_WARN, "using the lower/upper memory sizes"));
	assert_int_equal(bi.nr_memmap, 2);
	assert_int_equal(bi.memmap[0].start, 0);
	assert_int_equal(bi.memmap[0].end, 639 * 1024);
	assert_int_equal(bi.memmap[1].start, 0x100000);
	assert_int_equal(bi.memmap[1].end, 0x100000 + 261120 * 1024);
}

static void test_null_strings(void **state)
{
	static const char *const mods[] = {"/a x"};
	uint32_t info = mb1_build_qemu(&mem, "loglvl=debug", mods, 1);

	/* A null pointer means no string, not one at address 0. */
	mb1_w32(&mem, info + MBI_CMDLINE, 0);
	mb1_w32(&mem, info + MBI_LOADER_NAME, 0);
	assert_int_equal(parse(info), 0);
	assert_string_equal(bi.cmdline, "");
	assert_string_equal(bi.loader_name, "");
	assert_string_equal(bi.modules[0].cmdline, "x");
}

static void test_unterminated_string(void **state)
{
	uint32_t info = mb1_build_qemu(&mem, "x", NULL, 0);
	uint32_t s = MB1_MEM_BASE + MB1_MEM_SIZE - 4;

	/* "/k a" right at the end of memory, no NUL after it */
	memcpy(mem.bytes + (s - MB1_MEM_BASE), "/k a", 4);
	mb1_w32(&mem, info + MBI_CMDLINE, s);
	assert_int_equal(parse(info), -EFAULT);
	assert_true(log_has(LOGLVL_ERR,
			    "command line runs into unreadable memory"));
	assert_string_equal(bi.cmdline, "a");
}

static void test_long_strings(void **state)
{
	static char big[3000];
	uint32_t info = mb1_build_qemu(&mem, "x", NULL, 0);

	memset(big, 'y', sizeof(big) - 1);
	big[0] = '/';
	big[10] = ' ';
	mb1_w32(&mem, info + MBI_CMDLINE, mb1_put_str(&mem, big));
	assert_int_equal(parse(info), -E2BIG);
	assert_true(
		log_has(LOGLVL_WARN, "command line longer than 1023 bytes"));
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);

	/* A "file name" that never ends. */
	big[10] = 'y';
	mb1_w32(&mem, info + MBI_CMDLINE, mb1_put_str(&mem, big));
	mb1_w32(&mem, info + MBI_LOADER_NAME, mb1_put_str(&mem, big + 1));
	assert_int_equal(parse(info), -E2BIG);
	assert_true(log_has(LOGLVL_WARN, "boot loader name longer than 63"));
	assert_int_equal(strlen(bi.loader_name), BOOT_LOADER_NAME_MAX - 1);
	assert_string_equal(bi.cmdline, "");
}

static void test_bad_mmap(void **state)
{
	uint32_t info = mb1_build_qemu(&mem, "x", NULL, 0);
	uint32_t map = rd(info, MBI_MMAP_ADDR);

	/* The third entry's size field is too small: keep the first two. */
	mb1_w32(&mem, map + 48, 12);
	assert_int_equal(parse(info), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "entry at offset 48 has size 12"));
	assert_int_equal(bi.nr_memmap, 2);

	/* An entry running past the map's length. */
	mb1_w32(&mem, map + 48, 20);
	mb1_w32(&mem, info + MBI_MMAP_LENGTH, 24 * 2 + 20);
	assert_int_equal(parse(info), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "has size 20 (map length 68)"));
	assert_int_equal(bi.nr_memmap, 2);

	/* A larger entry size is stepped over correctly. */
	mb1_w32(&mem, info + MBI_MMAP_LENGTH, 24 * 6);
	mb1_w32(&mem, map, 68); /* entries 1 and 2 become padding */
	assert_int_equal(parse(info), 0);
	assert_int_equal(bi.nr_memmap, 4);
}

static void test_no_memory_info(void **state)
{
	uint32_t info = mb1_build_qemu(&mem, "x", NULL, 0);

	mb1_w32(&mem, info + MBI_FLAGS, (1 << 2) | (1 << 9));
	assert_int_equal(parse(info), -ENODATA);
	assert_true(log_has(LOGLVL_ERR, "no memory map and no memory size"));
}

static void test_modules(void **state)
{
	static const uint32_t r[][2] = {
		{0x1000000, 0x1001000},
		{0x1ff000, 0x201000},	/* overlaps the image */
		{0x2000000, 0x2000000}, /* empty */
		{0x3000000, 0x3001000},
	};
	static const char *const c[] = {"/a 1", "/b 2", "/c 3", NULL};
	uint32_t info = mb1_build_qemu(&mem, "x", NULL, 0);

	mb1_w32(&mem, info + MBI_MODS_COUNT, 4);
	mb1_w32(&mem, info + MBI_MODS_ADDR, mb1_put_mods(&mem, r, c, 4));
	assert_int_equal(parse(info), -EINVAL);
	assert_true(
		log_has(LOGLVL_ERR,
			"module 1 [0x1ff000, 0x201000) overlaps mica's image"));
	assert_true(
		log_has(LOGLVL_ERR, "module 2 at 0x2000000 ends at 0x2000000"));
	assert_int_equal(bi.nr_modules, 2);
	assert_string_equal(bi.modules[0].cmdline, "1");
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_int_equal(bi.modules[1].start, 0x3000000);
}

static void test_too_many_modules(void **state)
{
	static uint32_t r[40][2];
	uint32_t info = mb1_build_qemu(&mem, "x", NULL, 0);

	for (unsigned int i = 0; i < 40; i++) {
		r[i][0] = 0x1000000 + 0x1000 * i;
		r[i][1] = r[i][0] + 0x800;
	}
	mb1_w32(&mem, info + MBI_MODS_COUNT, 40);
	mb1_w32(&mem, info + MBI_MODS_ADDR, mb1_put_mods(&mem, r, NULL, 40));
	assert_int_equal(parse(info), -ENOSPC);
	assert_true(log_has(LOGLVL_WARN, "40 modules, only the first 32"));
	assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);

	/* A count of four billion must not mean four billion reads. */
	mb1_w32(&mem, info + MBI_MODS_COUNT, 0xffffffff);
	assert_int_equal(parse(info), -ENOSPC);
	assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
}

static void test_framebuffer(void **state)
{
	uint32_t info = mb1_build_qemu(&mem, "x", NULL, 0);
	uint32_t flags = rd(info, MBI_FLAGS) | (1 << 12);
	uint8_t *p = mem.bytes + (info - MB1_MEM_BASE);

	mb1_w32(&mem, info + MBI_FLAGS, flags);
	mb1_w64(&mem, info + MBI_FB_ADDR, 0xfd000000);
	mb1_w32(&mem, info + MBI_FB_PITCH, 3200);
	mb1_w32(&mem, info + MBI_FB_WIDTH, 800);
	mb1_w32(&mem, info + MBI_FB_HEIGHT, 600);
	p[MBI_FB_BPP] = 32;
	p[MBI_FB_TYPE] = 1;
	memcpy(p + MBI_FB_COLOUR, "\x10\x08\x08\x08\x00\x08", 6);
	assert_int_equal(parse(info), 0);
	assert_int_equal(bi.fb.type, BOOT_FB_RGB);
	assert_int_equal(bi.fb.addr, 0xfd000000);
	assert_int_equal(bi.fb.width, 800);
	assert_int_equal(bi.fb.red_pos, 16);
	assert_int_equal(bi.fb.blue_size, 8);
	/* the structure is reserved whole, framebuffer fields included */
	assert_int_equal(bi.reserved[1].end, info + 116);

	p[MBI_FB_TYPE] = 2;
	mb1_w64(&mem, info + MBI_FB_ADDR, 0xb8000);
	mb1_w32(&mem, info + MBI_FB_PITCH, 160);
	mb1_w32(&mem, info + MBI_FB_WIDTH, 80);
	mb1_w32(&mem, info + MBI_FB_HEIGHT, 25);
	p[MBI_FB_BPP] = 16;
	assert_int_equal(parse(info), 0);
	assert_int_equal(bi.fb.type, BOOT_FB_EGA_TEXT);

	p[MBI_FB_TYPE] = 0;
	assert_int_equal(parse(info), 0);
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);

	p[MBI_FB_TYPE] = 2;
	mb1_w32(&mem, info + MBI_FB_WIDTH, 0);
	assert_int_equal(parse(info), -EINVAL);
	assert_true(log_has(LOGLVL_ERR, "inconsistent"));
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);
}

static void test_framebuffer_unreadable(void **state)
{
	uint32_t info = MB1_MEM_BASE + MB1_MEM_SIZE - 88;

	/* flag 12 set, but the structure ends where memory does */
	mb1_init(&mem);
	mb1_w32(&mem, info + MBI_FLAGS, (1 << 0) | (1 << 12));
	mb1_w32(&mem, info + MBI_MEM_UPPER, 1024);
	assert_int_equal(parse(info), -EFAULT);
	assert_true(log_has(LOGLVL_ERR, "framebuffer fields"));
	assert_int_equal(bi.fb.type, BOOT_FB_NONE);
	assert_int_equal(bi.nr_memmap, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu),
		cmocka_unit_test(test_qemu_empty_append),
		cmocka_unit_test(test_qemu_extra_spaces),
		cmocka_unit_test(test_grub2_keeps_first_word),
		cmocka_unit_test(test_bad_info_pointer),
		cmocka_unit_test(test_bad_pointers),
		cmocka_unit_test(test_null_strings),
		cmocka_unit_test(test_unterminated_string),
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_bad_mmap),
		cmocka_unit_test(test_no_memory_info),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_framebuffer),
		cmocka_unit_test(test_framebuffer_unreadable),
	};

	return cmocka_run_group_tests_name("multiboot1", tests, NULL, NULL);
}
