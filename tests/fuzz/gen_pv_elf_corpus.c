/* SPDX-License-Identifier: MIT */
/*
 * Writes fuzz_pv_elf's seeds: small valid guest images of each kind the
 * loader reads (notes in a segment or a section, __xen_guest, a low-half
 * kernel, PVH and feature notes), built by the unit tests' guest_elf.c
 * with little file data so that the fuzzer's mutations land on headers.
 *
 *   gen_pv_elf_corpus DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_elf.h"

static const char *dir;
static struct gelf_out out;

static void put(const char *name, const struct gelf *g)
{
	char path[4096];
	size_t len = gelf_write(g, &out);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(out.buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* The typical kernel with only a little of each segment in the file. */
static void small(struct gelf *g)
{
	gelf_typical(g);
	g->seg[0].filesz = 0x80;
	g->seg[1].filesz = 0x20;
}

int main(int argc, char **argv)
{
	static struct gelf g;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	small(&g);
	put("typical", &g);

	small(&g);
	g.notes_in = GELF_NOTES_SECTION;
	put("section-notes", &g);

	small(&g);
	g.notes_in = GELF_NOTES_NONE;
	g.seg[0].paddr = g.seg[0].vaddr;
	g.seg[1].paddr = g.seg[1].vaddr;
	g.xen_guest =
		"GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xffffffff80000000,"
		"HYPERCALL_PAGE=0x1,LOADER=generic,FEATURES=!writable_page_tables";
	put("legacy", &g);

	gelf_empty(&g);
	g.entry = 0x400010;
	gelf_seg(&g, 0x400000, 0x400000, 0x40, 0x3000, 5);
	gelf_note_str(&g, 6, "linux");	       /* GUEST_OS */
	gelf_note_str(&g, 5, "xen-3.0");       /* XEN_VERSION */
	gelf_note_u32(&g, 2, 0x401000);	       /* HYPERCALL_PAGE */
	gelf_note_u32(&g, 17, 1U << 11);       /* SUPPORTED_FEATURES: dom0 */
	gelf_note_u32(&g, 18, 0x400010);       /* PHYS32_ENTRY */
	gelf_note_u64(&g, 15, 0x8000000000UL); /* INIT_P2M */
	gelf_note_str(&g, 11, "yes");	       /* BSD_SYMTAB */
	put("low-half", &g);

	small(&g);
	gelf_drop(&g, 10);
	gelf_note_str(&g, 10,
		      "writable_descriptor_tables|!pae_pgdir_above_4gb|"
		      "future|!dom0");
	gelf_note_str(&g, 9, "yes"); /* PAE_MODE */
	put("features", &g);
	return 0;
}
