/* SPDX-License-Identifier: MIT */
/*
 * What mica.efi checks before it copies mica.elf anywhere: the ELF64
 * header, every PT_LOAD program header against the file's size and the
 * 4 GiB line, and the multiboot2 header GRUB would read (its entry tag is
 * the 32-bit entry mica.efi jumps to). Offsets are read with memcpy, since
 * the file buffer need not be aligned, and every sum is checked for
 * overflow before it is compared.
 */
#include <mica/errno.h>

#include "loader.h"

/* ELF64 (the System V ABI), the fields used. */
#define EH_SIZE 64
#define EH_TYPE 16
#define EH_MACHINE 18
#define EH_VERSION 20
#define EH_ENTRY 24
#define EH_PHOFF 32
#define EH_PHENTSIZE 54
#define EH_PHNUM 56
#define PH_SIZE 56
#define PH_TYPE 0
#define PH_OFFSET 8
#define PH_VADDR 16
#define PH_PADDR 24
#define PH_FILESZ 32
#define PH_MEMSZ 40
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define MAX_PHNUM 64

/* The multiboot2 header (Multiboot2 specification, section 3.1). */
#define MB2_MAGIC 0xe85250d6
#define MB2_SEARCH 32768
#define MB2_HDR_END 0
#define MB2_HDR_INFO_REQ 1
#define MB2_HDR_ADDRESS 2
#define MB2_HDR_ENTRY 3
#define MB2_HDR_EFI_BS 7
#define MB2_HDR_EFI32_ENTRY 8
#define MB2_HDR_EFI64_ENTRY 9
#define MB2_HDR_OPTIONAL 1

#define PAGE 4096ULL
#define LIMIT_4G (1ULL << 32)

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* The information tags main.c puts in the block (efi/mbi.c). */
static bool info_given(uint32_t type)
{
	switch (type) {
	case 1:	 /* command line */
	case 2:	 /* boot loader name */
	case 3:	 /* modules */
	case 8:	 /* framebuffer, when there is one */
	case 12: /* EFI 64-bit system table */
	case 14: /* ACPI 1.0 RSDP */
	case 15: /* ACPI 2.0 RSDP */
	case 17: /* EFI memory map */
		return true;
	default:
		return false;
	}
}

static int fail(const char **why, const char *msg, int rc)
{
	*why = msg;
	return rc;
}

/*
 * The multiboot2 header's tags from the one at off; the header is
 * [hdr, hdr + len) and lies inside the file.
 */
static int mb2_tags(const uint8_t *hdr, uint32_t len, bool *have_entry,
		    uint32_t *entry, const char **why)
{
	uint32_t off = 16;

	while (off + 8 <= len) {
		uint16_t type = rd16(hdr + off), flags = rd16(hdr + off + 2);
		uint32_t size = rd32(hdr + off + 4);
		bool optional = flags & MB2_HDR_OPTIONAL;

		if (size < 8 || size > len - off)
			return fail(
				why,
				"a multiboot2 header tag runs past the header's end",
				-ENOEXEC);
		switch (type) {
		case MB2_HDR_END:
			return 0;
		case MB2_HDR_INFO_REQ:
			for (uint32_t i = 8; !optional && i + 4 <= size; i += 4)
				if (!info_given(rd32(hdr + off + i)))
					return fail(
						why,
						"the multiboot2 header requires information mica.efi does not give (it gives the command line, loader name, modules, framebuffer, ACPI RSDP, EFI system table and EFI memory map)",
						-ENOEXEC);
			break;
		case MB2_HDR_ENTRY:
			if (size < 12)
				return fail(
					why,
					"the multiboot2 entry tag is too short",
					-ENOEXEC);
			*entry = rd32(hdr + off + 8);
			*have_entry = true;
			break;
		case MB2_HDR_ADDRESS:
		case MB2_HDR_EFI_BS:
		case MB2_HDR_EFI32_ENTRY:
		case MB2_HDR_EFI64_ENTRY:
			/*
			 * Loading by the address tag, or entering with boot
			 * services still running: not what mica.efi does.
			 */
			if (!optional)
				return fail(
					why,
					"the multiboot2 header requires an address tag or EFI boot services, which mica.efi does not support",
					-ENOEXEC);
			break;
		default:
			/* Console, framebuffer, module alignment, relocation. */
			break;
		}
		off += (size + 7) & ~7U;
	}
	return fail(why, "the multiboot2 header has no end tag", -ENOEXEC);
}

/* The multiboot2 header: 8-byte aligned, wholly in the first 32 KiB. */
static int find_mb2(const uint8_t *f, size_t size, bool *have_entry,
		    uint32_t *entry, const char **why)
{
	size_t limit = size < MB2_SEARCH ? size : MB2_SEARCH;

	for (size_t off = 0; off + 16 <= limit; off += 8) {
		uint32_t magic = rd32(f + off), arch = rd32(f + off + 4);
		uint32_t len = rd32(f + off + 8), sum = rd32(f + off + 12);

		if (magic != MB2_MAGIC || magic + arch + len + sum)
			continue;
		if (arch != 0)
			return fail(
				why,
				"the multiboot2 header is not for i386/x86-64 (architecture 0)",
				-ENOEXEC);
		if (len < 16 || len > limit - off)
			return fail(
				why,
				"the multiboot2 header does not fit in the first 32 KiB of the file",
				-ENOEXEC);
		return mb2_tags(f + off, len, have_entry, entry, why);
	}
	return fail(
		why,
		"no multiboot2 header in the first 32 KiB: is this mica.elf?",
		-ENOEXEC);
}

static int load_segments(const uint8_t *f, size_t size, uint64_t phoff,
			 uint16_t phnum, struct elf_image *img,
			 uint64_t e_entry, bool have_entry, const char **why)
{
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + (size_t)i * PH_SIZE;
		struct elf_segment s;
		uint64_t vaddr;

		if (rd32(ph + PH_TYPE) != PT_LOAD)
			continue;
		s.offset = rd64(ph + PH_OFFSET);
		s.filesz = rd64(ph + PH_FILESZ);
		s.paddr = rd64(ph + PH_PADDR);
		s.memsz = rd64(ph + PH_MEMSZ);
		vaddr = rd64(ph + PH_VADDR);
		if (!s.memsz)
			continue;
		if (s.filesz > s.memsz)
			return fail(
				why,
				"a PT_LOAD segment has more bytes in the file than in memory",
				-ENOEXEC);
		if (s.offset > size || s.filesz > size - s.offset)
			return fail(
				why,
				"a PT_LOAD segment runs past the end of the file (truncated copy?)",
				-ENOEXEC);
		if (s.paddr >= LIMIT_4G || s.memsz > LIMIT_4G - s.paddr)
			return fail(
				why,
				"a PT_LOAD segment ends above 4 GiB: mica's 32-bit entry cannot reach it",
				-ENOEXEC);
		for (unsigned int j = 0; j < img->nr_segments; j++) {
			const struct elf_segment *o = &img->seg[j];

			if (s.paddr < o->paddr + o->memsz &&
			    o->paddr < s.paddr + s.memsz)
				return fail(
					why,
					"two PT_LOAD segments overlap in physical memory",
					-ENOEXEC);
		}
		if (img->nr_segments >= ELF_MAX_SEGMENTS)
			return fail(why, "more than 16 PT_LOAD segments",
				    -ENOEXEC);
		/* Without an entry tag: the ELF entry, moved to its paddr. */
		if (!have_entry && e_entry >= vaddr &&
		    e_entry - vaddr < s.filesz) {
			img->entry = (uint32_t)(s.paddr + (e_entry - vaddr));
			have_entry = true;
		}
		img->seg[img->nr_segments++] = s;
	}
	if (!img->nr_segments)
		return fail(why, "no PT_LOAD segment", -ENOEXEC);
	if (!have_entry)
		return fail(
			why,
			"the ELF entry point lies in no PT_LOAD segment and the multiboot2 header has no entry tag",
			-ENOEXEC);
	return 0;
}

int elf_check(const void *file, size_t size, struct elf_image *img,
	      const char **why)
{
	const uint8_t *f = file;
	uint64_t phoff, e_entry;
	uint16_t phnum;
	uint32_t entry = 0;
	bool have_entry = false, in_seg = false;
	int rc;

	__builtin_memset(img, 0, sizeof(*img));
	*why = NULL;
	if (size < EH_SIZE || f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' ||
	    f[3] != 'F')
		return fail(why, "not an ELF file", -ENOEXEC);
	if (f[4] != 2 || f[5] != 1 || f[6] != 1 || rd32(f + EH_VERSION) != 1)
		return fail(why,
			    "not a little-endian 64-bit ELF file of version 1",
			    -ENOEXEC);
	if (rd16(f + EH_MACHINE) != EM_X86_64 || rd16(f + EH_TYPE) != ET_EXEC)
		return fail(why, "not an x86-64 executable (ET_EXEC) ELF file",
			    -ENOEXEC);
	phoff = rd64(f + EH_PHOFF);
	phnum = rd16(f + EH_PHNUM);
	if (rd16(f + EH_PHENTSIZE) != PH_SIZE || !phnum || phnum > MAX_PHNUM)
		return fail(
			why,
			"the ELF program header table has an unexpected entry size or count",
			-ENOEXEC);
	if (phoff > size || (uint64_t)phnum * PH_SIZE > size - phoff)
		return fail(
			why,
			"the ELF program header table runs past the end of the file",
			-ENOEXEC);

	rc = find_mb2(f, size, &have_entry, &entry, why);
	if (rc)
		return rc;
	img->entry = entry;
	e_entry = rd64(f + EH_ENTRY);
	rc = load_segments(f, size, phoff, phnum, img, e_entry, have_entry,
			   why);
	if (rc)
		return rc;

	img->start = ~0ULL;
	img->end = 0;
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t lo = s->paddr & ~(PAGE - 1);
		uint64_t hi = (s->paddr + s->memsz + PAGE - 1) & ~(PAGE - 1);

		if (lo < img->start)
			img->start = lo;
		if (hi > img->end)
			img->end = hi;
		if (img->entry >= s->paddr && img->entry - s->paddr < s->filesz)
			in_seg = true;
	}
	if (!in_seg)
		return fail(
			why,
			"the multiboot2 entry point lies outside every loaded segment",
			-ENOEXEC);
	if (img->end > LIMIT_4G)
		return fail(why, "the image ends above 4 GiB", -ENOEXEC);
	return 0;
}
