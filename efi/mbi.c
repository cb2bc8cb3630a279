/* SPDX-License-Identifier: MIT */
/*
 * The multiboot2 information block mica.efi hands to mica (Multiboot2
 * specification, section 3.6): a u32 total size, a u32 zero, then tags
 * each 8-byte aligned, the last an end tag. The layouts are the
 * specification's, written field by field, so that mica's parser
 * (boot/multiboot2.c) reads mica.efi's block exactly as it reads GRUB's.
 */
#include "loader.h"

#define TAG_MODULE 3
#define TAG_FRAMEBUFFER 8
#define TAG_EFI64 12
#define TAG_EFI_MMAP 17
#define FB_TYPE_RGB 1

static void put32(uint8_t *p, uint32_t v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/*
 * Room for a tag of size bytes at the end of the block: a pointer to it,
 * or NULL when only counting or when it does not fit. len always grows,
 * so a counting pass gives the size the block needs.
 */
static uint8_t *tag(struct mbi *m, uint32_t type, size_t size)
{
	size_t off = m->len;

	m->len = off + ((size + 7) & ~(size_t)7);
	if (!m->buf || m->overflow)
		return NULL;
	if (m->len > m->size) {
		m->overflow = true;
		return NULL;
	}
	__builtin_memset(m->buf + off, 0, m->len - off);
	put32(m->buf + off, type);
	put32(m->buf + off + 4, (uint32_t)size);
	return m->buf + off;
}

void mbi_init(struct mbi *m, void *buf, size_t size)
{
	m->buf = buf;
	m->size = size;
	m->len = 8; /* total_size and reserved, written at the end */
	m->room = 0;
	m->overflow = buf && size < 8;
}

void mbi_string(struct mbi *m, uint32_t type, const char *s)
{
	size_t n = str_len(s);
	uint8_t *t = tag(m, type, 8 + n + 1);

	if (t)
		__builtin_memcpy(t + 8, s, n + 1);
}

void mbi_module(struct mbi *m, uint32_t start, uint32_t end, const char *args)
{
	size_t n = str_len(args);
	uint8_t *t = tag(m, TAG_MODULE, 16 + n + 1);

	if (!t)
		return;
	put32(t + 8, start);
	put32(t + 12, end);
	__builtin_memcpy(t + 16, args, n + 1);
}

void mbi_framebuffer(struct mbi *m, const struct boot_framebuffer *fb)
{
	/* The common part (32 bytes), then the six colour field bytes. */
	uint8_t *t = tag(m, TAG_FRAMEBUFFER, 38);

	if (!t)
		return;
	put64(t + 8, fb->addr);
	put32(t + 16, fb->pitch);
	put32(t + 20, fb->width);
	put32(t + 24, fb->height);
	t[28] = fb->bpp;
	t[29] = FB_TYPE_RGB;
	t[32] = fb->red_pos;
	t[33] = fb->red_size;
	t[34] = fb->green_pos;
	t[35] = fb->green_size;
	t[36] = fb->blue_pos;
	t[37] = fb->blue_size;
}

void mbi_rsdp(struct mbi *m, uint32_t type, const void *rsdp, uint32_t len)
{
	uint8_t *t = tag(m, type, 8 + (size_t)len);

	if (t)
		__builtin_memcpy(t + 8, rsdp, len);
}

void mbi_efi64(struct mbi *m, uint64_t systab)
{
	uint8_t *t = tag(m, TAG_EFI64, 16);

	if (t)
		put64(t + 8, systab);
}

void *mbi_efi_mmap_room(struct mbi *m, size_t *room)
{
	size_t need = m->len + MBI_EFI_MMAP_OVERHEAD;

	*room = 0;
	if (!m->buf || m->overflow || need > m->size)
		return NULL;
	/* Descriptors are 8-byte multiples: the room stays aligned. */
	*room = m->room = (m->size - need) & ~(size_t)7;
	return m->buf + m->len + 16;
}

size_t mbi_efi_mmap_end(struct mbi *m, uint32_t map_size, uint32_t desc_size,
			uint32_t desc_version)
{
	uint8_t *t = m->buf + m->len;
	size_t end;

	if (map_size > m->room) /* the firmware wrote no more than that */
		map_size = (uint32_t)m->room;
	end = m->len + ((16 + (size_t)map_size + 7) & ~(size_t)7);

	put32(t, TAG_EFI_MMAP);
	put32(t + 4, 16 + map_size);
	put32(t + 8, desc_size);
	put32(t + 12, desc_version);
	put32(m->buf + end, 0); /* the end tag */
	put32(m->buf + end + 4, 8);
	m->len = end + 8;
	put32(m->buf, (uint32_t)m->len);
	put32(m->buf + 4, 0);
	return m->len;
}
