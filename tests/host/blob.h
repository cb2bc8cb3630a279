/* SPDX-License-Identifier: MIT */
/*
 * Builders for crafted boot-information blocks: multiboot2 blobs tag by
 * tag, and a fake physical memory holding a multiboot1 structure. Shared by
 * the unit tests and the fuzzer's seed corpus generator. Every builder
 * writes the layouts of the specifications, not mica's structures, so a
 * parser bug cannot hide behind a builder that shares it.
 */
#ifndef TESTS_HOST_BLOB_H
#define TESTS_HOST_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include <mica/types.h>

/* ---- multiboot2 ---- */

struct mb2_blob {
	uint8_t buf[65536] __aligned(8);
	size_t len;
};

struct mb2_mmap_entry {
	uint64_t base, len;
	uint32_t type; /* multiboot2/E820: 1 RAM, 2 reserved, 3 ACPI, ... */
};

struct efi_desc {
	uint32_t type; /* EFI memory type */
	uint64_t phys;
	uint64_t pages;
};

void mb2_init(struct mb2_blob *b);
/* A tag of type with payload; returns its offset in the blob. */
size_t mb2_tag(struct mb2_blob *b, uint32_t type, const void *payload,
	       uint32_t len);
size_t mb2_str(struct mb2_blob *b, uint32_t type, const char *s);
size_t mb2_module(struct mb2_blob *b, uint32_t start, uint32_t end,
		  const char *cmdline);
size_t mb2_mmap(struct mb2_blob *b, const struct mb2_mmap_entry *e,
		unsigned int n);
size_t mb2_efi_mmap(struct mb2_blob *b, const struct efi_desc *d,
		    unsigned int n, uint32_t desc_size);
size_t mb2_fb_rgb(struct mb2_blob *b, uint64_t addr, uint32_t w, uint32_t h,
		  uint32_t pitch, uint8_t bpp);
size_t mb2_fb_ega(struct mb2_blob *b, uint32_t cols, uint32_t rows);
size_t mb2_fb_indexed(struct mb2_blob *b, uint64_t addr, uint32_t w,
		      uint32_t h);
/* An ACPI RSDP copy, version 1 (tag 14) or 2 (tag 15), checksummed. */
size_t mb2_rsdp(struct mb2_blob *b, int version);
size_t mb2_u64_tag(struct mb2_blob *b, uint32_t type, uint64_t v);
/* Adds the end tag and sets total_size; returns the length. */
size_t mb2_finish(struct mb2_blob *b);
/* Sets total_size to the current length without an end tag. */
size_t mb2_finish_no_end(struct mb2_blob *b);
/* Patch the size field of the tag at offset off. */
void mb2_set_tag_size(struct mb2_blob *b, size_t off, uint32_t size);

/* Typical machines. */
void mb2_build_bios(struct mb2_blob *b);
void mb2_build_uefi(struct mb2_blob *b);

/* The image the tests pretend mica occupies (as linked: 2 MiB up). */
#define TEST_IMAGE_START 0x200000UL
#define TEST_IMAGE_END 0x400000UL
/* Where the multiboot2 blobs pretend to live. */
#define TEST_MB2_PA 0x10000UL

/* ---- multiboot1: a fake physical memory ---- */

#define MB1_MEM_BASE 0x8000UL
#define MB1_MEM_SIZE 0x10000UL

struct mb1_mem {
	uint8_t bytes[MB1_MEM_SIZE];
	size_t used; /* bump allocator */
};

extern struct mb1_mem *mb1_current; /* what mb1_read_phys reads */
int mb1_read_phys(void *buf, paddr_t pa, size_t len);

void mb1_init(struct mb1_mem *m);
/* Copy data in and return its physical address. */
uint32_t mb1_put(struct mb1_mem *m, const void *data, size_t len);
uint32_t mb1_put_str(struct mb1_mem *m, const char *s);
/* Little-endian stores at a physical address. */
void mb1_w32(struct mb1_mem *m, uint32_t pa, uint32_t v);
void mb1_w64(struct mb1_mem *m, uint32_t pa, uint64_t v);
/* An E820-style map of size-prefixed 24-byte entries. */
uint32_t mb1_put_mmap(struct mb1_mem *m, const struct mb2_mmap_entry *e,
		      unsigned int n, uint32_t *length);
/* A module list; cmdlines[i] may be NULL for no string. */
uint32_t mb1_put_mods(struct mb1_mem *m, const uint32_t (*range)[2],
		      const char *const *cmdlines, unsigned int n);
/* A zeroed 116-byte information structure. */
uint32_t mb1_put_info(struct mb1_mem *m);

/* The information structure's offsets (multiboot 0.6.96, section 3.3). */
#define MBI_FLAGS 0
#define MBI_MEM_LOWER 4
#define MBI_MEM_UPPER 8
#define MBI_CMDLINE 16
#define MBI_MODS_COUNT 20
#define MBI_MODS_ADDR 24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR 48
#define MBI_LOADER_NAME 64
#define MBI_FB_ADDR 88
#define MBI_FB_PITCH 96
#define MBI_FB_WIDTH 100
#define MBI_FB_HEIGHT 104
#define MBI_FB_BPP 108
#define MBI_FB_TYPE 109
#define MBI_FB_COLOUR 110

/* A QEMU-like structure: loader "qemu", file names first. */
uint32_t mb1_build_qemu(struct mb1_mem *m, const char *cmdline,
			const char *const *mod_cmdlines, unsigned int nmods);

#endif
