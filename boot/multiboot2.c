/* SPDX-License-Identifier: MIT */
/*
 * The multiboot2 information block (GRUB's multiboot2 command, BIOS or
 * UEFI) turned into a struct boot_info. The block is untrusted input: every
 * size and offset is checked against the bytes actually available, nothing
 * is read outside [blob, blob + avail), and each problem is reported and
 * skipped rather than fatal. Runs with the early page tables, on the host
 * under the unit tests and under libFuzzer.
 */
#include <mica/bootinfo.h>
#include <mica/errno.h>
#include <mica/lib.h>

#include "bootinfo_priv.h"

/* Tag types (the Multiboot2 specification, section 3.6). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS 18
#define MB2_TAG_EFI32_IH 19
#define MB2_TAG_EFI64_IH 20

#define MB2_MMAP_ENTRY_MIN 24 /* u64 base, u64 length, u32 type, u32 zero */
/* Entries may grow in later versions, but not beyond reason. */
#define MB2_ENTRY_MAX 1024
#define MB2_FB_COMMON_SIZE 32 /* the tag up to the colour information */
#define MB2_FB_RGB_SIZE (MB2_FB_COMMON_SIZE + 6)

#define MB2_FB_INDEXED 0
#define MB2_FB_RGB 1
#define MB2_FB_EGA_TEXT 2

/* UEFI memory descriptor: u32 type, pad, u64 phys, u64 virt, u64 pages. */
#define EFI_DESC_MIN 40
#define EFI_PAGE_SHIFT 12
enum {
	EFI_RESERVED,
	EFI_LOADER_CODE,
	EFI_LOADER_DATA,
	EFI_BOOT_SERVICES_CODE,
	EFI_BOOT_SERVICES_DATA,
	EFI_RUNTIME_SERVICES_CODE,
	EFI_RUNTIME_SERVICES_DATA,
	EFI_CONVENTIONAL,
	EFI_UNUSABLE,
	EFI_ACPI_RECLAIM,
	EFI_ACPI_NVS,
};

#define RSDP_V1_SIZE 20
#define RSDP_V2_SIZE 36

struct mb2_state {
	struct boot_info *bi;
	const struct boot_image *img;
	const uint8_t *base;
	paddr_t pa;
	const uint8_t *mmap; /* the first type-6 tag, if any */
	uint32_t mmap_size;
	const uint8_t *efi_mmap; /* the first type-17 tag, if any */
	uint32_t efi_mmap_size;
	bool efi_bs_active; /* tag 18: boot services still running */
	bool have_new_rsdp;
	int rc; /* the first error seen */
};

static void fail(struct mb2_state *s, int rc)
{
	if (!s->rc)
		s->rc = rc;
}

static bool tag_min(struct mb2_state *s, uint32_t type, uint32_t size,
		    uint32_t min)
{
	if (size >= min)
		return true;
	printk(LOG_ERR
	       "multiboot2: tag %u is %u bytes, too short for its %u-byte layout; ignored\n",
	       type, size, min);
	fail(s, -EINVAL);
	return false;
}

/*
 * Copy the NUL-terminated string in [src, src + len) to dst. An
 * unterminated string or one too long for dst is reported; what fits is
 * kept either way.
 */
static void copy_str(struct mb2_state *s, char *dst, size_t dst_size,
		     const uint8_t *src, size_t len, const char *what)
{
	size_t n = strnlen((const char *)src, len);

	if (n == len) {
		printk(LOG_ERR
		       "multiboot2: %s is not NUL-terminated within its tag\n",
		       what);
		fail(s, -EINVAL);
	}
	if (n >= dst_size) {
		printk(LOG_WARN
		       "multiboot2: %s is %zu bytes, truncated to %zu\n",
		       what, n, dst_size - 1);
		fail(s, -E2BIG);
		n = dst_size - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool overlaps(paddr_t s1, paddr_t e1, paddr_t s2, paddr_t e2)
{
	return s1 < e2 && s2 < e1;
}

static void parse_module(struct mb2_state *s, const uint8_t *t, uint32_t size)
{
	struct boot_info *bi = s->bi;
	uint32_t start, end;
	struct boot_module *m;

	if (!tag_min(s, MB2_TAG_MODULE, size, 16))
		return;
	start = rd32(t + 8);
	end = rd32(t + 12);
	if (start >= end) {
		printk(LOG_ERR
		       "multiboot2: module at %#x ends at %#x, not above its start (an empty file?); module dropped\n",
		       start, end);
		fail(s, -EINVAL);
		return;
	}
	if (s->img && overlaps(start, end, s->img->start, s->img->end)) {
		printk(LOG_ERR
		       "multiboot2: module [%#x, %#x) overlaps mica's image [%#lx, %#lx): the boot loader put it in the wrong place; module dropped\n",
		       start, end, s->img->start, s->img->end);
		fail(s, -EINVAL);
		return;
	}
	if (bi->nr_modules >= BOOT_MAX_MODULES) {
		printk(LOG_WARN
		       "multiboot2: more than %u modules, module [%#x, %#x) ignored\n",
		       BOOT_MAX_MODULES, start, end);
		fail(s, -ENOSPC);
		return;
	}
	m = &bi->modules[bi->nr_modules++];
	m->start = start;
	m->end = end;
	copy_str(s, m->cmdline, sizeof(m->cmdline), t + 16, size - 16,
		 "module command line");
	if (bootinfo_reserve(bi, start, end))
		fail(s, -ENOSPC);
}

static void parse_framebuffer(struct mb2_state *s, const uint8_t *t,
			      uint32_t size)
{
	struct boot_framebuffer fb = {0};
	uint8_t type;

	if (!tag_min(s, MB2_TAG_FRAMEBUFFER, size, MB2_FB_COMMON_SIZE))
		return;
	fb.addr = rd64(t + 8);
	fb.pitch = rd32(t + 16);
	fb.width = rd32(t + 20);
	fb.height = rd32(t + 24);
	fb.bpp = t[28];
	type = t[29];

	switch (type) {
	case MB2_FB_RGB:
		if (!tag_min(s, MB2_TAG_FRAMEBUFFER, size, MB2_FB_RGB_SIZE))
			return;
		fb.type = BOOT_FB_RGB;
		fb.red_pos = t[32];
		fb.red_size = t[33];
		fb.green_pos = t[34];
		fb.green_size = t[35];
		fb.blue_pos = t[36];
		fb.blue_size = t[37];
		break;
	case MB2_FB_EGA_TEXT:
		fb.type = BOOT_FB_EGA_TEXT;
		break;
	case MB2_FB_INDEXED:
		/* No palette support: leave the screen to the serial line. */
		printk(LOG_INFO
		       "multiboot2: indexed-colour framebuffer not supported, not using it\n");
		return;
	default:
		printk(LOG_ERR
		       "multiboot2: framebuffer of unknown type %u ignored\n",
		       type);
		fail(s, -EINVAL);
		return;
	}

	/* The console will write to this memory: it must be sane. */
	if (!bootinfo_fb_sane(&fb)) {
		printk(LOG_ERR
		       "multiboot2: framebuffer %ux%u, %u bpp, pitch %u at %#lx is inconsistent; ignored\n",
		       fb.width, fb.height, fb.bpp, fb.pitch, fb.addr);
		fail(s, -EINVAL);
		return;
	}
	s->bi->fb = fb;
}

static void parse_rsdp(struct mb2_state *s, const uint8_t *t, uint32_t size,
		       bool v2)
{
	uint32_t need = v2 ? RSDP_V2_SIZE : RSDP_V1_SIZE;
	uint8_t sum = 0;

	if (!tag_min(s, v2 ? MB2_TAG_ACPI_NEW : MB2_TAG_ACPI_OLD, size,
		     8 + need))
		return;
	for (unsigned int i = 0; i < RSDP_V1_SIZE; i++)
		sum += t[8 + i];
	if (memcmp(t + 8, "RSD PTR ", 8) || sum) {
		printk(LOG_ERR
		       "multiboot2: the ACPI RSDP copy has a bad signature or checksum; ACPI will scan for it\n");
		fail(s, -EINVAL);
		return;
	}
	/* The XSDT's RSDP is better; take the old one only without it. */
	if (v2 || !s->have_new_rsdp)
		s->bi->acpi_rsdp = s->pa + (paddr_t)(t + 8 - s->base);
	if (v2)
		s->have_new_rsdp = true;
}

static void parse_mmap(struct mb2_state *s, const uint8_t *t, uint32_t size)
{
	uint32_t esize, count;

	if (!tag_min(s, MB2_TAG_MMAP, size, 16))
		return;
	esize = rd32(t + 8);
	if (esize < MB2_MMAP_ENTRY_MIN || esize > MB2_ENTRY_MAX || esize % 8) {
		printk(LOG_ERR
		       "multiboot2: memory map entry size %u is invalid (must be a multiple of 8 from %u to %u); map ignored\n",
		       esize, MB2_MMAP_ENTRY_MIN, MB2_ENTRY_MAX);
		fail(s, -EINVAL);
		return;
	}
	count = (size - 16) / esize;
	if ((size - 16) % esize)
		printk(LOG_WARN
		       "multiboot2: memory map tag has %u stray bytes after its %u entries\n",
		       (size - 16) % esize, count);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = t + 16 + (size_t)i * esize;

		if (!bootinfo_add_mem(s->bi, rd64(e), rd64(e + 8),
				      bootinfo_e820_type(rd32(e + 16)))) {
			printk(LOG_WARN
			       "multiboot2: memory map has more than %u distinct ranges, ignoring %u entries\n",
			       BOOT_MAX_MEMMAP, count - i);
			fail(s, -ENOSPC);
			return;
		}
	}
}

static uint32_t efi_mem_type(uint32_t type, bool bs_active)
{
	switch (type) {
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
		/* Still the firmware's or GRUB's while boot services run. */
		return bs_active ? BOOT_MEM_RESERVED : BOOT_MEM_RAM;
	case EFI_CONVENTIONAL:
		return BOOT_MEM_RAM;
	case EFI_ACPI_RECLAIM:
		return BOOT_MEM_ACPI;
	case EFI_ACPI_NVS:
		return BOOT_MEM_NVS;
	case EFI_UNUSABLE:
		return BOOT_MEM_UNUSABLE;
	default: /* runtime services, MMIO, persistent, unaccepted, ... */
		return BOOT_MEM_RESERVED;
	}
}

static void parse_efi_mmap(struct mb2_state *s, const uint8_t *t, uint32_t size)
{
	uint32_t dsize, count;

	if (!tag_min(s, MB2_TAG_EFI_MMAP, size, 16))
		return;
	dsize = rd32(t + 8);
	if (dsize < EFI_DESC_MIN || dsize > MB2_ENTRY_MAX || dsize % 8) {
		printk(LOG_ERR
		       "multiboot2: EFI memory descriptor size %u is invalid (must be a multiple of 8 from %u to %u); EFI map ignored\n",
		       dsize, EFI_DESC_MIN, MB2_ENTRY_MAX);
		fail(s, -EINVAL);
		return;
	}
	count = (size - 16) / dsize;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *d = t + 16 + (size_t)i * dsize;
		uint64_t start = rd64(d + 8), pages = rd64(d + 24);
		uint64_t len;

		if (pages > (~0ULL >> EFI_PAGE_SHIFT)) {
			printk(LOG_ERR
			       "multiboot2: EFI memory descriptor at %#lx claims %#lx pages; ignored\n",
			       start, pages);
			fail(s, -EINVAL);
			continue;
		}
		len = pages << EFI_PAGE_SHIFT;
		if (!bootinfo_add_mem(
			    s->bi, start, len,
			    efi_mem_type(rd32(d), s->efi_bs_active))) {
			printk(LOG_WARN
			       "multiboot2: EFI memory map has more than %u distinct ranges, ignoring %u descriptors\n",
			       BOOT_MAX_MEMMAP, count - i);
			fail(s, -ENOSPC);
			return;
		}
	}
}

static void remember(struct mb2_state *s, const uint8_t **where,
		     uint32_t *where_size, const uint8_t *t, uint32_t size,
		     const char *what)
{
	if (*where) {
		printk(LOG_WARN "multiboot2: second %s tag ignored\n", what);
		return;
	}
	*where = t;
	*where_size = size;
}

static void parse_tag(struct mb2_state *s, const uint8_t *t, uint32_t type,
		      uint32_t size)
{
	struct boot_info *bi = s->bi;

	switch (type) {
	case MB2_TAG_CMDLINE:
		copy_str(s, bi->cmdline, sizeof(bi->cmdline), t + 8, size - 8,
			 "command line");
		break;
	case MB2_TAG_LOADER_NAME:
		copy_str(s, bi->loader_name, sizeof(bi->loader_name), t + 8,
			 size - 8, "boot loader name");
		break;
	case MB2_TAG_MODULE:
		parse_module(s, t, size);
		break;
	case MB2_TAG_MMAP:
		remember(s, &s->mmap, &s->mmap_size, t, size, "memory map");
		break;
	case MB2_TAG_FRAMEBUFFER:
		parse_framebuffer(s, t, size);
		break;
	case MB2_TAG_EFI64:
		bi->efi_firmware = true;
		if (tag_min(s, type, size, 16))
			bi->efi_systab = rd64(t + 8);
		break;
	case MB2_TAG_EFI32:
	case MB2_TAG_EFI32_IH:
	case MB2_TAG_EFI64_IH:
		bi->efi_firmware = true;
		break;
	case MB2_TAG_EFI_BS:
		bi->efi_firmware = true;
		s->efi_bs_active = true;
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		parse_rsdp(s, t, size, type == MB2_TAG_ACPI_NEW);
		break;
	case MB2_TAG_EFI_MMAP:
		bi->efi_firmware = true;
		remember(s, &s->efi_mmap, &s->efi_mmap_size, t, size,
			 "EFI memory map");
		break;
	default:
		/* Basic meminfo, boot device, ELF sections, ...: not needed. */
		break;
	}
}

static void build_memmap(struct mb2_state *s)
{
	struct boot_info *bi = s->bi;

	/*
	 * GRUB on UEFI may give only the EFI map, and where it gives both the
	 * EFI one is the firmware's own, unconverted.
	 */
	if (s->efi_mmap)
		parse_efi_mmap(s, s->efi_mmap, s->efi_mmap_size);
	if (!bi->nr_memmap && s->mmap) {
		if (s->efi_mmap)
			printk(LOG_WARN
			       "multiboot2: EFI memory map unusable, using the BIOS-style one\n");
		parse_mmap(s, s->mmap, s->mmap_size);
	}
	bootinfo_normalise_memmap(bi);
	if (!bi->nr_memmap) {
		printk(LOG_ERR
		       "multiboot2: %s; without a memory map mica cannot run: boot through GRUB's multiboot2 command\n",
		       s->mmap || s->efi_mmap
			       ? "the memory map has no entries"
			       : "no memory map tag (type 6 or 17)");
		fail(s, -ENODATA);
	}
}

int bootinfo_parse_mb2(struct boot_info *bi, const void *blob, size_t avail,
		       paddr_t pa, const struct boot_image *img)
{
	struct mb2_state s = {
		.bi = bi,
		.img = img,
		.base = blob,
		.pa = pa,
	};
	size_t limit, off = 8;
	bool ended = false, broken = false;
	uint32_t total;

	memset(bi, 0, sizeof(*bi));
	bi->source = BOOT_FROM_MULTIBOOT2;
	if (img)
		bootinfo_reserve(bi, img->start, img->end);
	if (!blob || avail < 16) {
		printk(LOG_ERR
		       "multiboot2: information block at %#lx is only %zu bytes: no room for a header and an end tag\n",
		       pa, avail);
		return -EINVAL;
	}
	total = rd32(s.base);
	limit = total;
	if (total > avail) {
		printk(LOG_ERR
		       "multiboot2: information block claims %u bytes but only %zu can be read; parsing those\n",
		       total, avail);
		fail(&s, -EINVAL);
		limit = avail;
	}
	if (limit < 16) {
		printk(LOG_ERR
		       "multiboot2: information block size %u is below the 16-byte minimum\n",
		       total);
		return -EINVAL;
	}
	/* It also holds the RSDP copy that acpi_rsdp points at. */
	bootinfo_reserve(bi, pa, pa + limit < pa ? ~(paddr_t)0 : pa + limit);

	while (off + 8 <= limit) {
		const uint8_t *t = s.base + off;
		uint32_t type = rd32(t), size = rd32(t + 4);

		if (size < 8) {
			printk(LOG_ERR
			       "multiboot2: tag %u at offset %zu has size %u, less than its own header; stopping there\n",
			       type, off, size);
			fail(&s, -EINVAL);
			broken = true;
			break;
		}
		if (size > limit - off) {
			printk(LOG_ERR
			       "multiboot2: tag %u at offset %zu (%u bytes) runs past the end of the %zu-byte block; stopping there\n",
			       type, off, size, limit);
			fail(&s, -EINVAL);
			broken = true;
			break;
		}
		if (type == MB2_TAG_END) {
			ended = true;
			break;
		}
		parse_tag(&s, t, type, size);
		off += ROUNDUP((size_t)size, 8);
	}
	if (!ended && !broken) {
		printk(LOG_ERR
		       "multiboot2: no end tag within the %zu-byte block\n",
		       limit);
		fail(&s, -EINVAL);
	}
	build_memmap(&s);
	return s.rc;
}
