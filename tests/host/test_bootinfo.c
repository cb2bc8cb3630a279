/* SPDX-License-Identifier: MIT */
/*
 * boot/bootinfo.c: memory map normalisation, the reserved list and the
 * usable RAM derived from them, on hand-made maps.
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

#include "harness.h"
#include "invariants.h"

#define MiB 0x100000UL
#define GiB 0x40000000UL

static struct boot_info bi;
static struct boot_mem_range out[BOOT_MAX_MEMMAP * 2];

static int setup(void **state)
{
	memset(&bi, 0, sizeof(bi));
	memset(out, 0xcc, sizeof(out));
	log_reset();
	return 0;
}

static void add(paddr_t start, paddr_t end, uint32_t type)
{
	assert_true(bi.nr_memmap < BOOT_MAX_MEMMAP);
	bi.memmap[bi.nr_memmap++] = (struct boot_mem_range){start, end, type};
}

static void check_range(const struct boot_mem_range *r, paddr_t start,
			paddr_t end, uint32_t type)
{
	assert_int_equal(r->start, start);
	assert_int_equal(r->end, end);
	assert_int_equal(r->type, type);
}

static unsigned int usable(void)
{
	const char *why;

	bootinfo_normalise_memmap(&bi);
	why = bootinfo_violation(&bi, NULL);
	if (why)
		fail_msg("invariant violated: %s", why);
	return bootinfo_usable(&bi, out, ARRAY_SIZE(out));
}

static void test_sort_and_merge(void **state)
{
	add(3 * MiB, 4 * MiB, BOOT_MEM_RAM);
	add(1 * MiB, 2 * MiB, BOOT_MEM_RAM);
	add(2 * MiB, 3 * MiB, BOOT_MEM_RAM);
	add(8 * MiB, 9 * MiB, BOOT_MEM_RAM);
	add(4 * MiB, 5 * MiB, BOOT_MEM_ACPI);
	add(5 * MiB, 6 * MiB, BOOT_MEM_ACPI);
	bootinfo_normalise_memmap(&bi);
	assert_int_equal(bi.nr_memmap, 3);
	check_range(&bi.memmap[0], 1 * MiB, 4 * MiB, BOOT_MEM_RAM);
	check_range(&bi.memmap[1], 4 * MiB, 6 * MiB, BOOT_MEM_ACPI);
	check_range(&bi.memmap[2], 8 * MiB, 9 * MiB, BOOT_MEM_RAM);
}

static void test_restrictive_type_wins(void **state)
{
	/* RAM < ACPI < reserved < NVS < unusable, whatever the order. */
	add(0, 10 * MiB, BOOT_MEM_RAM);
	add(1 * MiB, 9 * MiB, BOOT_MEM_ACPI);
	add(2 * MiB, 8 * MiB, BOOT_MEM_RESERVED);
	add(3 * MiB, 7 * MiB, BOOT_MEM_NVS);
	add(4 * MiB, 6 * MiB, BOOT_MEM_UNUSABLE);
	add(4 * MiB, 6 * MiB, BOOT_MEM_RAM);
	add(0, 10 * MiB, BOOT_MEM_RAM);
	bootinfo_normalise_memmap(&bi);
	assert_int_equal(bi.nr_memmap, 9);
	check_range(&bi.memmap[0], 0, 1 * MiB, BOOT_MEM_RAM);
	check_range(&bi.memmap[1], 1 * MiB, 2 * MiB, BOOT_MEM_ACPI);
	check_range(&bi.memmap[2], 2 * MiB, 3 * MiB, BOOT_MEM_RESERVED);
	check_range(&bi.memmap[3], 3 * MiB, 4 * MiB, BOOT_MEM_NVS);
	check_range(&bi.memmap[4], 4 * MiB, 6 * MiB, BOOT_MEM_UNUSABLE);
	check_range(&bi.memmap[5], 6 * MiB, 7 * MiB, BOOT_MEM_NVS);
	check_range(&bi.memmap[8], 9 * MiB, 10 * MiB, BOOT_MEM_RAM);
}

static void test_empty_and_unknown(void **state)
{
	add(5 * MiB, 5 * MiB, BOOT_MEM_RESERVED);
	add(7 * MiB, 6 * MiB, BOOT_MEM_RESERVED);
	add(1 * MiB, 2 * MiB, 77);
	add(2 * MiB, 3 * MiB, BOOT_MEM_RESERVED);
	add(3 * MiB, 4 * MiB, 0);
	bootinfo_normalise_memmap(&bi);
	/* Unknown types are reserved, and then merge with reserved. */
	assert_int_equal(bi.nr_memmap, 1);
	check_range(&bi.memmap[0], 1 * MiB, 4 * MiB, BOOT_MEM_RESERVED);

	memset(&bi, 0, sizeof(bi));
	bootinfo_normalise_memmap(&bi);
	assert_int_equal(bi.nr_memmap, 0);
}

static void test_top_of_address_space(void **state)
{
	add(~0ULL - 0x1000, ~0ULL, BOOT_MEM_RAM);
	add(0, 0x1000, BOOT_MEM_RAM);
	bootinfo_normalise_memmap(&bi);
	assert_int_equal(bi.nr_memmap, 2);
	check_range(&bi.memmap[1], ~0ULL - 0x1000, ~0ULL, BOOT_MEM_RAM);
	/* Not a whole page once aligned: nothing usable up there. */
	assert_int_equal(usable(), 0);
}

static void test_normalise_overflow(void **state)
{
	/* 100 RAM ranges, 50 with a reserved MiB inside: 200 from 150. */
	for (unsigned int i = 0; i < 100; i++) {
		paddr_t base = 16 * MiB * (i + 1);

		add(base, base + 4 * MiB, BOOT_MEM_RAM);
	}
	for (unsigned int i = 0; i < 50; i++) {
		paddr_t base = 16 * MiB * (i + 1);

		add(base + MiB, base + 2 * MiB, BOOT_MEM_RESERVED);
	}
	bootinfo_normalise_memmap(&bi);
	assert_int_equal(bi.nr_memmap, 200);
	assert_int_equal(log_count(LOGLVL_WARN), 0);
	/* That fitted; 128 ranges split in three do not. */
	memset(&bi, 0, sizeof(bi));
	for (unsigned int i = 0; i < 128; i++) {
		paddr_t base = 16 * MiB * (i + 1);

		add(base, base + 4 * MiB, BOOT_MEM_RAM);
		add(base + MiB, base + 2 * MiB, BOOT_MEM_RESERVED);
	}
	bootinfo_normalise_memmap(&bi);
	assert_true(log_has(LOGLVL_WARN, "more than 256 ranges"));
	assert_int_equal(bi.nr_memmap, BOOT_MAX_MEMMAP);
	assert_null(bootinfo_violation(&bi, NULL));
	/* The lowest ranges are the ones kept. */
	check_range(&bi.memmap[0], 16 * MiB, 17 * MiB, BOOT_MEM_RAM);
}

static void test_first_mib_excluded(void **state)
{
	add(0, 0x9fc00, BOOT_MEM_RAM);
	add(0x9fc00, 0xa0000, BOOT_MEM_RESERVED);
	add(0xf0000, MiB, BOOT_MEM_RESERVED);
	add(MiB, 64 * MiB, BOOT_MEM_RAM);
	assert_int_equal(usable(), 1);
	check_range(&out[0], MiB, 64 * MiB, BOOT_MEM_RAM);

	/* A range across the 1 MiB line keeps only its upper part. */
	memset(&bi, 0, sizeof(bi));
	add(0, 16 * MiB, BOOT_MEM_RAM);
	assert_int_equal(usable(), 1);
	check_range(&out[0], MiB, 16 * MiB, BOOT_MEM_RAM);

	/* Every boundary below 1 MiB is still below it. */
	memset(&bi, 0, sizeof(bi));
	add(0x1000, 0x80000, BOOT_MEM_RAM);
	add(0x80000, 0xc0000, BOOT_MEM_RAM);
	add(0xc0000, 0xff000, BOOT_MEM_ACPI);
	add(0xff000, 2 * MiB, BOOT_MEM_RAM);
	assert_int_equal(usable(), 1);
	check_range(&out[0], MiB, 2 * MiB, BOOT_MEM_RAM);

	/* Only low memory: nothing. */
	memset(&bi, 0, sizeof(bi));
	add(0, MiB, BOOT_MEM_RAM);
	assert_int_equal(usable(), 0);
}

static void test_reserved_cut_out(void **state)
{
	add(MiB, 64 * MiB, BOOT_MEM_RAM);
	/* The image, a module sharing pages with nothing, an odd one. */
	assert_int_equal(bootinfo_reserve(&bi, 2 * MiB, 4 * MiB), 0);
	assert_int_equal(bootinfo_reserve(&bi, 0x1000100, 0x1000200), 0);
	assert_int_equal(bootinfo_reserve(&bi, 0x2000800, 0x2003001), 0);
	assert_int_equal(usable(), 4);
	check_range(&out[0], MiB, 2 * MiB, BOOT_MEM_RAM);
	/* Partly used pages are not usable. */
	check_range(&out[1], 4 * MiB, 0x1000000, BOOT_MEM_RAM);
	check_range(&out[2], 0x1001000, 0x2000000, BOOT_MEM_RAM);
	check_range(&out[3], 0x2004000, 64 * MiB, BOOT_MEM_RAM);
}

static void test_reserved_unsorted_overlapping(void **state)
{
	add(MiB, 32 * MiB, BOOT_MEM_RAM);
	bootinfo_reserve(&bi, 20 * MiB, 24 * MiB);
	bootinfo_reserve(&bi, 4 * MiB, 8 * MiB);
	bootinfo_reserve(&bi, 6 * MiB, 10 * MiB);
	bootinfo_reserve(&bi, 0, 2 * MiB);
	bootinfo_reserve(&bi, 22 * MiB, 40 * MiB);
	assert_int_equal(usable(), 2);
	check_range(&out[0], 2 * MiB, 4 * MiB, BOOT_MEM_RAM);
	check_range(&out[1], 10 * MiB, 20 * MiB, BOOT_MEM_RAM);
}

static void test_pci_hole_and_high_ram(void **state)
{
	/* 6 GiB on a PC: RAM to 3 GiB, the hole, the rest above 4 GiB. */
	add(0, 0x9fc00, BOOT_MEM_RAM);
	add(MiB, 3 * GiB - 0x20000, BOOT_MEM_RAM);
	add(3 * GiB - 0x20000, 3 * GiB, BOOT_MEM_RESERVED);
	add(0xfeffc000, 0xff000000, BOOT_MEM_RESERVED);
	add(0xfffc0000, 4 * GiB, BOOT_MEM_RESERVED);
	add(4 * GiB, 7 * GiB, BOOT_MEM_RAM);
	add(1024 * GiB, 1024 * GiB + 0x1fff, BOOT_MEM_RAM);
	bootinfo_reserve(&bi, 2 * MiB, 3 * MiB);
	assert_int_equal(usable(), 4);
	check_range(&out[0], MiB, 2 * MiB, BOOT_MEM_RAM);
	check_range(&out[1], 3 * MiB, 3 * GiB - 0x20000, BOOT_MEM_RAM);
	check_range(&out[2], 4 * GiB, 7 * GiB, BOOT_MEM_RAM);
	check_range(&out[3], 1024 * GiB, 1024 * GiB + 0x1000, BOOT_MEM_RAM);
}

static void test_unaligned_ram(void **state)
{
	add(MiB + 1, 2 * MiB - 1, BOOT_MEM_RAM);
	add(4 * MiB + 0x800, 4 * MiB + 0x1800, BOOT_MEM_RAM);
	assert_int_equal(usable(), 1);
	check_range(&out[0], MiB + 0x1000, 2 * MiB - 0x1000, BOOT_MEM_RAM);
}

static void test_adjacent_ram_merges(void **state)
{
	/* Two unaligned halves of one page are one usable page together. */
	add(MiB, MiB + 0x800, BOOT_MEM_RAM);
	add(MiB + 0x800, MiB + 0x1000, BOOT_MEM_RAM);
	add(MiB + 0x1000, MiB + 0x2000, BOOT_MEM_ACPI);
	assert_int_equal(usable(), 1);
	check_range(&out[0], MiB, MiB + 0x1000, BOOT_MEM_RAM);
}

static void test_usable_unnormalised(void **state)
{
	/* mica.efi may call it before normalising: same answer. */
	add(MiB, 64 * MiB, BOOT_MEM_RAM);
	add(16 * MiB, 17 * MiB, BOOT_MEM_RESERVED);
	add(8 * MiB, 20 * MiB, BOOT_MEM_RAM);
	assert_int_equal(bootinfo_usable(&bi, out, ARRAY_SIZE(out)), 2);
	check_range(&out[0], MiB, 16 * MiB, BOOT_MEM_RAM);
	check_range(&out[1], 17 * MiB, 64 * MiB, BOOT_MEM_RAM);
}

static void test_usable_max(void **state)
{
	for (unsigned int i = 0; i < 10; i++)
		add((i + 1) * 2 * MiB, (i + 1) * 2 * MiB + MiB, BOOT_MEM_RAM);
	bootinfo_normalise_memmap(&bi);
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(bootinfo_usable(&bi, out, 3), 3);
	check_range(&out[2], 6 * MiB, 7 * MiB, BOOT_MEM_RAM);
	/* Nothing written past max. */
	assert_int_equal(out[3].start, 0xccccccccccccccccULL);
	assert_int_equal(bootinfo_usable(&bi, out, 0), 0);
}

static void test_reserve(void **state)
{
	assert_int_equal(bootinfo_reserve(&bi, 5, 5), 0);
	assert_int_equal(bootinfo_reserve(&bi, 6, 5), 0);
	assert_int_equal(bi.nr_reserved, 0);
	assert_int_equal(bootinfo_reserve(&bi, 0x1000, 0x3000), 0);
	/* contained in one already there: nothing new */
	assert_int_equal(bootinfo_reserve(&bi, 0x1000, 0x2000), 0);
	assert_int_equal(bi.nr_reserved, 1);
	for (unsigned int i = 1; i < BOOT_MAX_RESERVED; i++)
		assert_int_equal(
			bootinfo_reserve(&bi, 0x10000 * i, 0x10000 * i + 1), 0);
	assert_int_equal(bootinfo_reserve(&bi, 0x10000000, 0x10001000),
			 -ENOSPC);
	assert_true(log_has(LOGLVL_ERR,
			    "no room to reserve [0x10000000, 0x10001000)"));
	assert_int_equal(bi.nr_reserved, BOOT_MAX_RESERVED);
}

static void test_type_names(void **state)
{
	assert_string_equal(boot_mem_type_name(BOOT_MEM_RAM), "RAM");
	assert_string_equal(boot_mem_type_name(BOOT_MEM_RESERVED), "reserved");
	assert_string_equal(boot_mem_type_name(BOOT_MEM_ACPI), "ACPI data");
	assert_string_equal(boot_mem_type_name(BOOT_MEM_NVS), "ACPI NVS");
	assert_string_equal(boot_mem_type_name(BOOT_MEM_UNUSABLE), "unusable");
	assert_string_equal(boot_mem_type_name(0), "unknown");
	assert_string_equal(boot_mem_type_name(1000), "unknown");
}

static void add_module(paddr_t start, paddr_t end, const char *cmdline)
{
	struct boot_module *m = &bi.modules[bi.nr_modules++];

	m->start = start;
	m->end = end;
	strcpy(m->cmdline, cmdline);
	assert_int_equal(bootinfo_reserve(&bi, start, end), 0);
}

/* What -initrd "a.elf args a=1,b.bin more  args, and, commas" delivers. */
static void two_modules(void)
{
	add_module(0x281000, 0x28218c, "args a=1");
	add_module(0x283000, 0x286039, "more  args, and, 100%");
}

static void test_check_modules_match(void **state)
{
	char why[160];

	two_modules();
	assert_int_equal(
		bootinfo_check_modules(
			&bi,
			"4492/args%20a=1,12345/more%20%20args%2c and%2C 100%25",
			why, sizeof(why)),
		0);
	assert_string_equal(why, "");
	/* Command lines are optional; sizes take any base. */
	assert_int_equal(
		bootinfo_check_modules(&bi, "0x118c,12345", why, sizeof(why)),
		0);
}

static void test_check_modules_mismatch(void **state)
{
	char why[160];

	two_modules();
	assert_int_equal(
		bootinfo_check_modules(&bi, "4492,12346", why, sizeof(why)), 1);
	assert_string_equal(why, "module 1 is 12345 bytes, not 12346");
	assert_int_equal(
		bootinfo_check_modules(&bi, "4492/args%20a=1,12345/more%20args",
				       why, sizeof(why)),
		1);
	assert_string_equal(
		why,
		"module 1 has command line \"more  args, and, 100%\", not \"more args\"");
	/* The file name must be gone. */
	assert_int_equal(bootinfo_check_modules(&bi,
						"4492/a.elf%20args%20a=1,12345",
						why, sizeof(why)),
			 1);
	assert_int_equal(bootinfo_check_modules(&bi, "4492", why, sizeof(why)),
			 1);
	assert_string_equal(why, "mica has 2 modules, the spec 1");
	assert_int_equal(bootinfo_check_modules(&bi, "", why, sizeof(why)), 1);
	assert_int_equal(
		bootinfo_check_modules(&bi, "4492,12345,1", why, sizeof(why)),
		1);
	assert_string_equal(why, "mica has 2 modules, the spec 3");
}

static void test_check_modules_placement(void **state)
{
	char why[160];

	add_module(0x281000, 0x28218c, "");
	/* Not page-aligned, and not reserved. */
	bi.modules[bi.nr_modules++] =
		(struct boot_module){.start = 0x283010, .end = 0x283020};
	assert_int_equal(
		bootinfo_check_modules(&bi, "4492,16", why, sizeof(why)), 2);
	assert_string_equal(
		why, "module 1 starts at 0x283010, not on a page boundary");
	bi.nr_modules = 0;
	assert_int_equal(bootinfo_check_modules(&bi, "", why, sizeof(why)), 0);
}

static void test_check_modules_bad_spec(void **state)
{
	char why[160];

	two_modules();
	assert_int_equal(bootinfo_check_modules(&bi, "x", why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why,
			    "entry 0 of the spec is not SIZE[/CMDLINE]: x");
	assert_int_equal(bootinfo_check_modules(&bi, "4492k", why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(bootinfo_check_modules(&bi, "4492,", why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "the spec ends in a comma");
	assert_int_equal(
		bootinfo_check_modules(&bi, "4492/a%2", why, sizeof(why)),
		-EINVAL);
	assert_int_equal(
		bootinfo_check_modules(&bi, "4492/a%zz", why, sizeof(why)),
		-EINVAL);
	assert_int_equal(
		bootinfo_check_modules(&bi, "4492/%", why, sizeof(why)),
		-EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sort_and_merge, setup),
		cmocka_unit_test_setup(test_restrictive_type_wins, setup),
		cmocka_unit_test_setup(test_empty_and_unknown, setup),
		cmocka_unit_test_setup(test_top_of_address_space, setup),
		cmocka_unit_test_setup(test_normalise_overflow, setup),
		cmocka_unit_test_setup(test_first_mib_excluded, setup),
		cmocka_unit_test_setup(test_reserved_cut_out, setup),
		cmocka_unit_test_setup(test_reserved_unsorted_overlapping,
				       setup),
		cmocka_unit_test_setup(test_pci_hole_and_high_ram, setup),
		cmocka_unit_test_setup(test_unaligned_ram, setup),
		cmocka_unit_test_setup(test_adjacent_ram_merges, setup),
		cmocka_unit_test_setup(test_usable_unnormalised, setup),
		cmocka_unit_test_setup(test_usable_max, setup),
		cmocka_unit_test_setup(test_reserve, setup),
		cmocka_unit_test_setup(test_type_names, setup),
		cmocka_unit_test_setup(test_check_modules_match, setup),
		cmocka_unit_test_setup(test_check_modules_mismatch, setup),
		cmocka_unit_test_setup(test_check_modules_placement, setup),
		cmocka_unit_test_setup(test_check_modules_bad_spec, setup),
	};

	return cmocka_run_group_tests_name("bootinfo", tests, NULL, NULL);
}
