/* SPDX-License-Identifier: MIT */
/* Helpers the boot-information parsers share (boot/bootinfo.c). */
#ifndef BOOT_BOOTINFO_PRIV_H
#define BOOT_BOOTINFO_PRIV_H

#include <mica/bootinfo.h>

/*
 * Append [start, start + len) of the given type to bi->memmap, merging it
 * into the last range when they touch. A range wrapping past 2^64 is
 * clamped. When the array is full it is normalised to make room; returns
 * false if there still is none.
 */
bool bootinfo_add_mem(struct boot_info *bi, uint64_t start, uint64_t len,
		      uint32_t type);

/* The multiboot (1 and 2) memory types, which are the BIOS E820 ones. */
uint32_t bootinfo_e820_type(uint32_t type);

/*
 * Whether a framebuffer description is one the console can safely write
 * to (non-zero geometry, pitch holding a line, no address wrap-around).
 */
bool bootinfo_fb_sane(const struct boot_framebuffer *fb);

/*
 * Little-endian fields of a loader's block, which need not be aligned
 * (the fuzzer's are not even 8-byte aligned).
 */
static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

#endif
