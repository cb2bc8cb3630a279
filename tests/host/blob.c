/* SPDX-License-Identifier: MIT */
/* Builders for crafted boot-information blocks (blob.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "blob.h"

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

void mb2_init(struct mb2_blob *b)
{
	memset(b->buf, 0, sizeof(b->buf));
	b->len = 8; /* total_size, reserved */
}

size_t mb2_tag(struct mb2_blob *b, uint32_t type, const void *payload,
	       uint32_t len)
{
	size_t off = b->len;

	assert(off + 8 + len + 8 <= sizeof(b->buf));
	put32(b->buf + off, type);
	put32(b->buf + off + 4, 8 + len);
	if (len)
		memcpy(b->buf + off + 8, payload, len);
	b->len = (off + 8 + len + 7) & ~(size_t)7;
	return off;
}

void mb2_set_tag_size(struct mb2_blob *b, size_t off, uint32_t size)
{
	put32(b->buf + off + 4, size);
}

size_t mb2_str(struct mb2_blob *b, uint32_t type, const char *s)
{
	return mb2_tag(b, type, s, strlen(s) + 1);
}

size_t mb2_module(struct mb2_blob *b, uint32_t start, uint32_t end,
		  const char *cmdline)
{
	uint8_t p[8 + 2048];
	size_t n = strlen(cmdline) + 1;

	assert(n <= sizeof(p) - 8);
	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, cmdline, n);
	return mb2_tag(b, 3, p, 8 + n);
}

size_t mb2_mmap(struct mb2_blob *b, const struct mb2_mmap_entry *e,
		unsigned int n)
{
	static uint8_t p[8 + 24 * 1024];

	assert(n <= 1024);
	memset(p, 0, sizeof(p));
	put32(p, 24);
	put32(p + 4, 0);
	for (unsigned int i = 0; i < n; i++) {
		put64(p + 8 + 24 * i, e[i].base);
		put64(p + 8 + 24 * i + 8, e[i].len);
		put32(p + 8 + 24 * i + 16, e[i].type);
	}
	return mb2_tag(b, 6, p, 8 + 24 * n);
}

size_t mb2_efi_mmap(struct mb2_blob *b, const struct efi_desc *d,
		    unsigned int n, uint32_t desc_size)
{
	static uint8_t p[8 + 64 * 1024];

	assert(desc_size >= 40 && desc_size <= 64 && n <= 1024);
	memset(p, 0, sizeof(p));
	put32(p, desc_size);
	put32(p + 4, 1);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *q = p + 8 + (size_t)desc_size * i;

		put32(q, d[i].type);
		put64(q + 8, d[i].phys);
		put64(q + 16, 0);
		put64(q + 24, d[i].pages);
		put64(q + 32, 0xf); /* UC WC WT WB */
	}
	return mb2_tag(b, 17, p, 8 + desc_size * n);
}

static void fb_common(uint8_t *p, uint64_t addr, uint32_t pitch, uint32_t w,
		      uint32_t h, uint8_t bpp, uint8_t type)
{
	put64(p, addr);
	put32(p + 8, pitch);
	put32(p + 12, w);
	put32(p + 16, h);
	p[20] = bpp;
	p[21] = type;
	p[22] = p[23] = 0;
}

size_t mb2_fb_rgb(struct mb2_blob *b, uint64_t addr, uint32_t w, uint32_t h,
		  uint32_t pitch, uint8_t bpp)
{
	uint8_t p[30] = {0};

	fb_common(p, addr, pitch, w, h, bpp, 1);
	p[24] = 16; /* red position, size */
	p[25] = 8;
	p[26] = 8;
	p[27] = 8;
	p[28] = 0;
	p[29] = 8;
	return mb2_tag(b, 8, p, sizeof(p));
}

size_t mb2_fb_ega(struct mb2_blob *b, uint32_t cols, uint32_t rows)
{
	uint8_t p[24];

	fb_common(p, 0xb8000, cols * 2, cols, rows, 16, 2);
	return mb2_tag(b, 8, p, sizeof(p));
}

size_t mb2_fb_indexed(struct mb2_blob *b, uint64_t addr, uint32_t w, uint32_t h)
{
	uint8_t p[24 + 4 + 3 * 16] = {0};

	fb_common(p, addr, w, w, h, 8, 0);
	put32(p + 24, 16); /* palette entries (u16 + padding in GRUB) */
	return mb2_tag(b, 8, p, sizeof(p));
}

size_t mb2_rsdp(struct mb2_blob *b, int version)
{
	uint8_t r[36] = "RSD PTR ";
	uint8_t sum = 0;
	unsigned int len = version >= 2 ? 36 : 20;

	r[9] = 'M';
	r[15] = version >= 2 ? 2 : 0;
	put32(r + 16, 0x7fe1000);
	if (version >= 2) {
		put32(r + 20, 36);
		put64(r + 24, 0x7fe2000);
		for (unsigned int i = 0; i < 36; i++)
			sum += r[i];
		r[32] = -sum;
		sum = 0;
	}
	for (unsigned int i = 0; i < 20; i++)
		sum += r[i];
	r[8] = -sum;
	return mb2_tag(b, version >= 2 ? 15 : 14, r, len);
}

size_t mb2_u64_tag(struct mb2_blob *b, uint32_t type, uint64_t v)
{
	return mb2_tag(b, type, &v, sizeof(v));
}

size_t mb2_finish(struct mb2_blob *b)
{
	mb2_tag(b, 0, NULL, 0);
	put32(b->buf, b->len);
	return b->len;
}

size_t mb2_finish_no_end(struct mb2_blob *b)
{
	put32(b->buf, b->len);
	return b->len;
}

static const struct mb2_mmap_entry bios_map[] = {
	{0x0, 0x9fc00, 1},
	{0x9fc00, 0x400, 2},
	{0xf0000, 0x10000, 2},
	{0x100000, 0x7ee0000, 1},
	{0x7fe0000, 0x20000, 3},
	{0xfffc0000, 0x40000, 2},
	{0x100000000, 0x40000000, 1},
};

void mb2_build_bios(struct mb2_blob *b)
{
	uint32_t meminfo[2] = {639, 130944};

	mb2_init(b);
	mb2_str(b, 1, "loglvl=debug console=com1");
	mb2_str(b, 2, "GRUB 2.06");
	mb2_module(b, 0x1000000, 0x1001000, "a=1 b=2");
	mb2_module(b, 0x1002000, 0x1002800, "c=3");
	mb2_tag(b, 4, meminfo, sizeof(meminfo));
	mb2_tag(b, 42, "future", 6); /* unknown tags are skipped */
	mb2_mmap(b, bios_map, sizeof(bios_map) / sizeof(bios_map[0]));
	mb2_fb_ega(b, 80, 25);
	mb2_rsdp(b, 1);
	mb2_finish(b);
}

static const struct efi_desc uefi_map[] = {
	{3, 0x0, 0x1},		 /* boot services code */
	{7, 0x1000, 0x9f},	 /* conventional, to 0xa0000 */
	{0, 0xa0000, 0x60},	 /* reserved, to 1 MiB */
	{7, 0x100000, 0x700},	 /* to 0x800000 */
	{2, 0x800000, 0x100},	 /* loader data */
	{4, 0x900000, 0x100},	 /* boot services data */
	{7, 0xa00000, 0x75e0},	 /* to 0x7fe0000 */
	{9, 0x7fe0000, 0x10},	 /* ACPI reclaim */
	{10, 0x7ff0000, 0x10},	 /* ACPI NVS, to 128 MiB */
	{6, 0x8000000, 0x10},	 /* runtime services data */
	{11, 0xffc00000, 0x400}, /* MMIO, to 4 GiB */
	{8, 0x100000000, 0x1},	 /* unusable */
	{7, 0x100001000, 0xfff}, /* conventional, to 4 GiB + 16 MiB */
};

void mb2_build_uefi(struct mb2_blob *b)
{
	mb2_init(b);
	mb2_str(b, 1, "loglvl=debug");
	mb2_str(b, 2, "GRUB 2.12");
	mb2_u64_tag(b, 12, 0x7f9e018); /* EFI 64-bit system table */
	mb2_u64_tag(b, 20, 0x7f00a98); /* EFI 64-bit image handle */
	mb2_fb_rgb(b, 0x80000000, 1024, 768, 4096, 32);
	mb2_rsdp(b, 2);
	mb2_rsdp(b, 1); /* after the v2 one: must not override it */
	mb2_efi_mmap(b, uefi_map, sizeof(uefi_map) / sizeof(uefi_map[0]), 48);
	mb2_module(b, 0x1000000, 0x1001000, "a=1 b=2");
	mb2_finish(b);
}

/* ---- multiboot1 ---- */

struct mb1_mem *mb1_current;

int mb1_read_phys(void *buf, paddr_t pa, size_t len)
{
	if (!mb1_current || pa < MB1_MEM_BASE || len > MB1_MEM_SIZE ||
	    pa - MB1_MEM_BASE > MB1_MEM_SIZE - len)
		return -1;
	memcpy(buf, mb1_current->bytes + (pa - MB1_MEM_BASE), len);
	return 0;
}

void mb1_init(struct mb1_mem *m)
{
	memset(m->bytes, 0, sizeof(m->bytes));
	m->used = 0;
	mb1_current = m;
}

uint32_t mb1_put(struct mb1_mem *m, const void *data, size_t len)
{
	size_t off = m->used;

	assert(off + len <= sizeof(m->bytes));
	memcpy(m->bytes + off, data, len);
	m->used = (off + len + 7) & ~(size_t)7;
	return MB1_MEM_BASE + off;
}

uint32_t mb1_put_str(struct mb1_mem *m, const char *s)
{
	return mb1_put(m, s, strlen(s) + 1);
}

void mb1_w32(struct mb1_mem *m, uint32_t pa, uint32_t v)
{
	put32(m->bytes + (pa - MB1_MEM_BASE), v);
}

void mb1_w64(struct mb1_mem *m, uint32_t pa, uint64_t v)
{
	put64(m->bytes + (pa - MB1_MEM_BASE), v);
}

uint32_t mb1_put_mmap(struct mb1_mem *m, const struct mb2_mmap_entry *e,
		      unsigned int n, uint32_t *length)
{
	uint8_t buf[24 * 64];

	assert(n <= 64);
	for (unsigned int i = 0; i < n; i++) {
		put32(buf + 24 * i, 20);
		put64(buf + 24 * i + 4, e[i].base);
		put64(buf + 24 * i + 12, e[i].len);
		put32(buf + 24 * i + 20, e[i].type);
	}
	*length = 24 * n;
	return mb1_put(m, buf, 24 * n);
}

uint32_t mb1_put_mods(struct mb1_mem *m, const uint32_t (*range)[2],
		      const char *const *cmdlines, unsigned int n)
{
	uint8_t buf[16 * 64] = {0};

	assert(n <= 64);
	for (unsigned int i = 0; i < n; i++) {
		put32(buf + 16 * i, range[i][0]);
		put32(buf + 16 * i + 4, range[i][1]);
		put32(buf + 16 * i + 8, cmdlines && cmdlines[i]
						? mb1_put_str(m, cmdlines[i])
						: 0);
	}
	return mb1_put(m, buf, 16 * n);
}

uint32_t mb1_put_info(struct mb1_mem *m)
{
	uint8_t zero[116] = {0};

	return mb1_put(m, zero, sizeof(zero));
}

static const struct mb2_mmap_entry qemu_map[] = {
	{0x0, 0x9fc00, 1},	 {0x9fc00, 0x400, 2},
	{0xf0000, 0x10000, 2},	 {0x100000, 0xfee0000, 1},
	{0xffe0000, 0x20000, 2}, {0xfffc0000, 0x40000, 2},
};

uint32_t mb1_build_qemu(struct mb1_mem *m, const char *cmdline,
			const char *const *mod_cmdlines, unsigned int nmods)
{
	uint32_t info, len, ranges[64][2];
	char kcmd[1024];

	mb1_init(m);
	info = mb1_put_info(m);
	/* As QEMU's hw/i386/multiboot.c: "<kernel file> <-append>". */
	snprintf(kcmd, sizeof(kcmd), "%s %s", "/tmp/build/mica.elf", cmdline);
	mb1_w32(m, info + MBI_FLAGS,
		(1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 6) |
			(1 << 9));
	mb1_w32(m, info + MBI_MEM_LOWER, 639);
	mb1_w32(m, info + MBI_MEM_UPPER, 261120);
	mb1_w32(m, info + MBI_CMDLINE, mb1_put_str(m, kcmd));
	mb1_w32(m, info + MBI_LOADER_NAME, mb1_put_str(m, "qemu"));
	for (unsigned int i = 0; i < nmods; i++) {
		ranges[i][0] = 0x1000000 + 0x2000 * i;
		ranges[i][1] = ranges[i][0] + 0x1000 + i;
	}
	mb1_w32(m, info + MBI_MODS_COUNT, nmods);
	mb1_w32(m, info + MBI_MODS_ADDR,
		mb1_put_mods(m, ranges, mod_cmdlines, nmods));
	mb1_w32(m, info + MBI_MMAP_ADDR,
		mb1_put_mmap(m, qemu_map,
			     sizeof(qemu_map) / sizeof(qemu_map[0]), &len));
	mb1_w32(m, info + MBI_MMAP_LENGTH, len);
	return info;
}
