/* SPDX-License-Identifier: MIT */
/* Guest kernel images for the tests (guest_elf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_elf.h"

/* Xen's note numbers, from xen/include/public/elfnote.h. */
enum {
	NOTE_ENTRY = 1,
	NOTE_HYPERCALL_PAGE = 2,
	NOTE_VIRT_BASE = 3,
	NOTE_PADDR_OFFSET = 4,
	NOTE_XEN_VERSION = 5,
	NOTE_GUEST_OS = 6,
	NOTE_GUEST_VERSION = 7,
	NOTE_LOADER = 8,
	NOTE_FEATURES = 10,
};

static void need(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "guest_elf: %s\n", what);
		abort();
	}
}

void gelf_put16(struct gelf_out *o, size_t off, uint16_t v)
{
	need(off + 2 <= GELF_BUF, "patch beyond the buffer");
	memcpy(o->buf + off, &v, 2);
}

void gelf_put32(struct gelf_out *o, size_t off, uint32_t v)
{
	need(off + 4 <= GELF_BUF, "patch beyond the buffer");
	memcpy(o->buf + off, &v, 4);
}

void gelf_put64(struct gelf_out *o, size_t off, uint64_t v)
{
	need(off + 8 <= GELF_BUF, "patch beyond the buffer");
	memcpy(o->buf + off, &v, 8);
}

void gelf_empty(struct gelf *g)
{
	memset(g, 0, sizeof(*g));
	g->type = 2;	 /* ET_EXEC */
	g->machine = 62; /* EM_X86_64 */
}

unsigned int gelf_seg(struct gelf *g, uint64_t vaddr, uint64_t paddr,
		      uint64_t filesz, uint64_t memsz, uint32_t flags)
{
	struct gelf_seg *s = &g->seg[g->nr_segs];

	need(g->nr_segs < GELF_MAX_SEGS, "too many segments");
	*s = (struct gelf_seg){.type = 1,
			       .flags = flags,
			       .vaddr = vaddr,
			       .paddr = paddr,
			       .filesz = filesz,
			       .memsz = memsz,
			       .align = 0x1000};
	return g->nr_segs++;
}

unsigned int gelf_note_raw(struct gelf *g, const char *name, uint32_t namesz,
			   uint32_t type, const void *desc, uint32_t descsz)
{
	struct gelf_note *n = &g->note[g->nr_notes];

	need(g->nr_notes < GELF_MAX_NOTES, "too many notes");
	need(namesz <= sizeof(n->name) && descsz <= GELF_MAX_DESC,
	     "note too large");
	memset(n, 0, sizeof(*n));
	memcpy(n->name, name, namesz);
	n->namesz = namesz;
	n->type = type;
	memcpy(n->desc, desc, descsz);
	n->descsz = descsz;
	return g->nr_notes++;
}

unsigned int gelf_note_str(struct gelf *g, uint32_t type, const char *s)
{
	return gelf_note_raw(g, "Xen", 4, type, s, strlen(s) + 1);
}

unsigned int gelf_note_u64(struct gelf *g, uint32_t type, uint64_t v)
{
	return gelf_note_raw(g, "Xen", 4, type, &v, 8);
}

unsigned int gelf_note_u32(struct gelf *g, uint32_t type, uint32_t v)
{
	return gelf_note_raw(g, "Xen", 4, type, &v, 4);
}

int gelf_find(const struct gelf *g, uint32_t type)
{
	for (unsigned int i = 0; i < g->nr_notes; i++)
		if (g->note[i].type == type && !strcmp(g->note[i].name, "Xen"))
			return (int)i;
	return -1;
}

void gelf_drop(struct gelf *g, uint32_t type)
{
	int i;

	while ((i = gelf_find(g, type)) >= 0) {
		memmove(&g->note[i], &g->note[i + 1],
			(g->nr_notes - i - 1) * sizeof(g->note[0]));
		g->nr_notes--;
	}
}

void gelf_typical(struct gelf *g)
{
	static const uint8_t gnu_desc[16] = {1, 2, 3, 4};

	gelf_empty(g);
	g->entry = GELF_ENTRY;
	gelf_seg(g, GELF_VBASE, 0, 0x2000, 0x2000, 5);
	gelf_seg(g, GELF_VBASE + 0x2000, 0x2000, 0x340, 0x6000, 6);
	gelf_note_str(g, NOTE_GUEST_OS, "mica-test");
	gelf_note_str(g, NOTE_GUEST_VERSION, "1.0");
	gelf_note_str(g, NOTE_XEN_VERSION, "xen-3.0");
	gelf_note_str(g, NOTE_LOADER, "generic");
	gelf_note_raw(g, "GNU", 4, 3, gnu_desc, sizeof(gnu_desc));
	gelf_note_u64(g, NOTE_VIRT_BASE, GELF_VBASE);
	gelf_note_u64(g, NOTE_PADDR_OFFSET, 0);
	gelf_note_u64(g, NOTE_ENTRY, GELF_ENTRY);
	gelf_note_u64(g, NOTE_HYPERCALL_PAGE, GELF_HYPERCALL);
	gelf_note_str(g, NOTE_FEATURES,
		      "!writable_page_tables|pae_pgdir_above_4gb");
}

/* Append len bytes at the next multiple of align; returns their offset. */
static size_t place(struct gelf_out *o, size_t len, size_t align)
{
	size_t at = (o->len + align - 1) & ~(align - 1);

	need(at <= GELF_BUF && len <= GELF_BUF - at, "image too large");
	o->len = at + len;
	return at;
}

static void put_note(struct gelf_out *o, const char *name, uint32_t namesz,
		     uint32_t type, const void *desc, uint32_t descsz)
{
	size_t at =
		place(o, 12 + ((namesz + 3) & ~3U) + ((descsz + 3) & ~3U), 4);

	gelf_put32(o, at, namesz);
	gelf_put32(o, at + 4, descsz);
	gelf_put32(o, at + 8, type);
	memcpy(o->buf + at + 12, name, namesz);
	memcpy(o->buf + at + 12 + ((namesz + 3) & ~3U), desc, descsz);
}

static void put_phdr(struct gelf_out *o, unsigned int i, uint32_t type,
		     uint32_t flags, uint64_t off, uint64_t vaddr,
		     uint64_t paddr, uint64_t filesz, uint64_t memsz,
		     uint64_t align)
{
	size_t p = GE_PH(i);

	gelf_put32(o, p + GE_PH_TYPE, type);
	gelf_put32(o, p + GE_PH_FLAGS, flags);
	gelf_put64(o, p + GE_PH_OFFSET, off);
	gelf_put64(o, p + GE_PH_VADDR, vaddr);
	gelf_put64(o, p + GE_PH_PADDR, paddr);
	gelf_put64(o, p + GE_PH_FILESZ, filesz);
	gelf_put64(o, p + GE_PH_MEMSZ, memsz);
	gelf_put64(o, p + GE_PH_ALIGN, align);
}

static void put_shdr(struct gelf_out *o, unsigned int i, uint32_t name,
		     uint32_t type, uint64_t off, uint64_t size, uint64_t align)
{
	size_t s = o->shoff + (size_t)i * 64;

	gelf_put32(o, s + GE_SH_NAME, name);
	gelf_put32(o, s + GE_SH_TYPE, type);
	gelf_put64(o, s + GE_SH_OFFSET, off);
	gelf_put64(o, s + GE_SH_SIZE, size);
	gelf_put64(o, s + 48, align); /* sh_addralign */
}

size_t gelf_write(const struct gelf *g, struct gelf_out *o)
{
	static const char strtab[] = "\0.shstrtab\0.notes\0__xen_guest";
	bool notes = g->notes_in != GELF_NOTES_NONE &&
		     (g->nr_notes || g->filler_notes);
	bool note_seg = notes && g->notes_in == GELF_NOTES_SEGMENT;
	unsigned int phnum = g->nr_segs + note_seg, shnum = 0;
	size_t strtab_off = 0, guest_off = 0, guest_len = 0;

	memset(o->buf, 0, sizeof(o->buf));
	o->len = 0;
	place(o, 64 + (size_t)phnum * 56, 8);

	/* The ELF header. */
	memcpy(o->buf, "\177ELF\2\1\1", 7); /* 64-bit, LSB, version 1 */
	gelf_put16(o, GE_EH_TYPE, g->type);
	gelf_put16(o, GE_EH_MACHINE, g->machine);
	gelf_put32(o, GE_EH_VERSION, 1);
	gelf_put64(o, GE_EH_ENTRY, g->entry);
	gelf_put64(o, GE_EH_PHOFF, 64);
	gelf_put16(o, GE_EH_EHSIZE, 64);
	gelf_put16(o, GE_EH_PHENTSIZE, 56);
	gelf_put16(o, GE_EH_PHNUM, phnum);

	o->notes_off = o->len;
	if (notes) {
		for (unsigned int i = 0; i < g->filler_notes; i++)
			put_note(o, "Fill", 5, 0, "", 0);
		for (unsigned int i = 0; i < g->nr_notes; i++) {
			const struct gelf_note *n = &g->note[i];

			o->note_off[i] = (o->len + 3) & ~3UL;
			put_note(o, n->name, n->namesz, n->type, n->desc,
				 n->descsz);
		}
	}
	o->notes_len = o->len - o->notes_off;

	for (unsigned int i = 0; i < g->nr_segs; i++) {
		const struct gelf_seg *s = &g->seg[i];
		size_t at = place(o, s->filesz, 16);

		for (uint64_t k = 0; k < s->filesz; k++)
			o->buf[at + k] = gelf_byte(s->vaddr + k);
		o->seg_off[i] = at;
		put_phdr(o, i, s->type, s->flags, at, s->vaddr, s->paddr,
			 s->filesz, s->memsz, s->align);
	}
	if (note_seg) {
		o->note_phdr = g->nr_segs;
		put_phdr(o, g->nr_segs, 4, 4, o->notes_off, 0, 0, o->notes_len,
			 0, 4);
	}

	if (g->no_sections)
		return o->len;
	if (g->xen_guest) {
		guest_len = strlen(g->xen_guest) + 1;
		guest_off = place(o, guest_len, 1);
		memcpy(o->buf + guest_off, g->xen_guest, guest_len);
	}
	strtab_off = place(o, sizeof(strtab), 1);
	memcpy(o->buf + strtab_off, strtab, sizeof(strtab));
	shnum = 2 + notes + !!g->xen_guest;
	o->shoff = place(o, (size_t)shnum * 64, 8);
	gelf_put64(o, GE_EH_SHOFF, o->shoff);
	gelf_put16(o, GE_EH_SHENTSIZE, 64);
	gelf_put16(o, GE_EH_SHNUM, shnum);
	gelf_put16(o, GE_EH_SHSTRNDX, shnum - 1);
	/* [0] is the null section; names are offsets into strtab. */
	if (notes)
		put_shdr(o, 1, 11, 7, o->notes_off, o->notes_len, 4);
	if (g->xen_guest)
		put_shdr(o, 1 + notes, 18, 1, guest_off, guest_len, 1);
	put_shdr(o, shnum - 1, 1, 3, strtab_off, sizeof(strtab), 1);
	return o->len;
}
