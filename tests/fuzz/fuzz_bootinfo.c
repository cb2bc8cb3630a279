/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the boot-input parsers. The first byte, modulo 3,
 * picks the parser:
 *
 *   0: the rest is a multiboot2 block, handed over with exactly its length
 *      as the readable size (ASan catches any read beyond);
 *   1: the rest is physical memory from MEM_BASE up, with the multiboot1
 *      structure at its start, read only through a read_phys that refuses
 *      everything outside it;
 *   2: the rest is a command line, applied to options of every type.
 *
 * Whatever the input, the parser must return, print what was wrong, and
 * leave a struct boot_info satisfying tests/host/invariants.c (or, for the
 * command line, options holding values of their own type).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/bootinfo.h>
#include <mica/param.h>

#include "harness.h"
#include "invariants.h"

#define MEM_BASE 0x100000UL

static const uint8_t *mem;
static size_t mem_size;

static int read_phys(void *buf, paddr_t pa, size_t len)
{
	if (pa < MEM_BASE || len > mem_size || pa - MEM_BASE > mem_size - len)
		return -1;
	memcpy(buf, mem + (pa - MEM_BASE), len);
	return 0;
}

static struct boot_info bi;

static bool opt_bool;
static uint8_t opt_u8;
static uint64_t opt_u64;
static uint32_t opt_size;
static char opt_str[5];
static int opt_custom(const char *s)
{
	return strlen(s) % 2 ? -1 : 0;
}
boolean_param("b", opt_bool);
integer_param("u8", opt_u8);
integer_param("u64", opt_u64);
size_param("size", opt_size);
string_param("str", opt_str);
custom_param("c", opt_custom);

static void fuzz_cmdline(const char *line)
{
	int bad = cmdline_parse(line);

	if (bad < 0 || (bad && !log_count(1) && !log_count(2)) ||
	    memchr(opt_str, '\0', sizeof(opt_str)) == NULL ||
	    *(uint8_t *)&opt_bool > 1) {
		fprintf(stderr, "cmdline: %d problems, options inconsistent\n",
			bad);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The image sits where the fuzzer's blocks can claim modules. */
	static const struct boot_image img = {0x200000, 0x400000};
	const char *why;
	uint8_t *copy;
	int rc;

	if (!size)
		return 0;
	log_reset();
	/* An exact-size heap copy, so any over-read hits a redzone. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] % 3 == 2) {
		char *line = malloc(size);

		if (line) {
			memcpy(line, data + 1, size - 1);
			line[size - 1] = '\0';
			fuzz_cmdline(line);
			free(line);
		}
		free(copy);
		return 0;
	}
	if (data[0] % 3 == 0) {
		rc = bootinfo_parse_mb2(&bi, copy, size - 1, 0x10000, &img);
		if (bi.acpi_rsdp && (bi.acpi_rsdp < 0x10000 ||
				     bi.acpi_rsdp + 20 > 0x10000 + size - 1)) {
			fprintf(stderr, "acpi_rsdp %#lx outside the block\n",
				bi.acpi_rsdp);
			abort();
		}
	} else {
		mem = copy;
		mem_size = size - 1;
		rc = bootinfo_parse_mb1(&bi, MEM_BASE, read_phys, &img);
	}
	/* A failure must say why; success need not be silent (warnings). */
	if (rc > 0 || (rc < 0 && !log_count(1) && !log_count(2))) {
		fprintf(stderr, "rc %d without an error message\n", rc);
		abort();
	}
	why = bootinfo_violation(&bi, &img);
	if (why) {
		fprintf(stderr, "invariant violated: %s\n", why);
		abort();
	}
	free(copy);
	return 0;
}
