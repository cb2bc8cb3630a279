/* SPDX-License-Identifier: MIT */
/*
 * Writes the fuzzer's seed corpus: the unit tests' typical blocks, each
 * prefixed with the byte that selects its parser in fuzz_bootinfo.c.
 *
 *   gen_corpus DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"

static const char *dir;

static void put(const char *name, uint8_t selector, const void *data,
		size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&selector, 1, 1, f) != 1 ||
	    fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* The multiboot1 fuzzer maps its input at this address. */
#define FUZZ_MEM_BASE 0x100000UL

/* Rebase a fake memory built at MB1_MEM_BASE to the fuzzer's address. */
static void rebase(struct mb1_mem *m, uint32_t info)
{
	static const unsigned int ptrs[] = {MBI_CMDLINE, MBI_MODS_ADDR,
					    MBI_MMAP_ADDR, MBI_LOADER_NAME};
	uint32_t delta = FUZZ_MEM_BASE - MB1_MEM_BASE, v, count, mods;

	memcpy(&count, m->bytes + info - MB1_MEM_BASE + MBI_MODS_COUNT, 4);
	memcpy(&mods, m->bytes + info - MB1_MEM_BASE + MBI_MODS_ADDR, 4);
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *p = m->bytes + mods - MB1_MEM_BASE + 16 * i + 8;

		memcpy(&v, p, 4);
		if (v)
			v += delta;
		memcpy(p, &v, 4);
	}
	for (unsigned int i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		uint8_t *p = m->bytes + info - MB1_MEM_BASE + ptrs[i];

		memcpy(&v, p, 4);
		v += delta;
		memcpy(p, &v, 4);
	}
}

int main(int argc, char **argv)
{
	static struct mb2_blob b;
	static struct mb1_mem m;
	static const char *const mods[] = {"/etc/hostname a=1 b=2",
					   "/etc/hosts c=3"};
	static const char line[] =
		"b no-b b=on u8=255 u64=0x10 size=4M str=abcdefg c=xy zz";
	uint32_t info;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	dir = argv[1];
	mb2_build_bios(&b);
	put("mb2-bios", 0, b.buf, b.len);
	mb2_build_uefi(&b);
	put("mb2-uefi", 0, b.buf, b.len);

	info = mb1_build_qemu(&m, "loglvl=debug", mods, 2);
	if (info != MB1_MEM_BASE)
		return 1;
	rebase(&m, info);
	put("mb1-qemu", 1, m.bytes, m.used);
	put("cmdline", 2, line, sizeof(line) - 1);
	return 0;
}
