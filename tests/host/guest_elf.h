/* SPDX-License-Identifier: MIT */
/*
 * A builder for guest kernel images: 64-bit ELF executables with Xen's
 * notes, written byte by byte from the ELF specification (not through
 * mica's include/mica/elf.h), so that a parser bug cannot hide behind a
 * builder that shares it. Shared by the loader's and the builder's unit
 * tests and by the fuzzer's seed generator.
 *
 *     struct gelf g;
 *     static struct gelf_out o;
 *
 *     gelf_typical(&g);                 a valid kernel (below)
 *     g.seg[1].filesz = 0x9000;         ... made wrong on purpose
 *     gelf_write(&g, &o);               o.buf[0..o.len) is the image
 *     gelf_put64(&o, GE_PH(0) + GE_PH_OFFSET, ~0UL);   or patched after
 */
#ifndef TESTS_HOST_GUEST_ELF_H
#define TESTS_HOST_GUEST_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mica/types.h>

/* Field offsets of the ELF64 layouts (System V gABI). */
#define GE_EH_TYPE 16
#define GE_EH_MACHINE 18
#define GE_EH_VERSION 20
#define GE_EH_ENTRY 24
#define GE_EH_PHOFF 32
#define GE_EH_SHOFF 40
#define GE_EH_EHSIZE 52
#define GE_EH_PHENTSIZE 54
#define GE_EH_PHNUM 56
#define GE_EH_SHENTSIZE 58
#define GE_EH_SHNUM 60
#define GE_EH_SHSTRNDX 62
#define GE_PH_TYPE 0
#define GE_PH_FLAGS 4
#define GE_PH_OFFSET 8
#define GE_PH_VADDR 16
#define GE_PH_PADDR 24
#define GE_PH_FILESZ 32
#define GE_PH_MEMSZ 40
#define GE_PH_ALIGN 48
#define GE_SH_NAME 0
#define GE_SH_TYPE 4
#define GE_SH_OFFSET 24
#define GE_SH_SIZE 32
/* Offset of program header i (they start right after the ELF header). */
#define GE_PH(i) (64 + (size_t)(i)*56)

/* Where the typical kernel lives: Linux's x86-64 layout, smaller. */
#define GELF_VBASE 0xffffffff80000000UL
#define GELF_ENTRY (GELF_VBASE + 0x40)
#define GELF_HYPERCALL (GELF_VBASE + 0x1000)
#define GELF_KEND (GELF_VBASE + 0x8000)

#define GELF_MAX_SEGS 20
#define GELF_MAX_NOTES 24
#define GELF_MAX_DESC 128

struct gelf_seg {
	uint32_t type;	/* PT_LOAD (1) unless set otherwise */
	uint32_t flags; /* PF_X 1, PF_W 2, PF_R 4 */
	uint64_t vaddr, paddr, filesz, memsz, align;
};

struct gelf_note {
	char name[8];
	uint32_t namesz;
	uint32_t type;
	uint8_t desc[GELF_MAX_DESC];
	uint32_t descsz;
};

enum gelf_notes_in {
	GELF_NOTES_SEGMENT, /* a PT_NOTE segment, and a .notes section */
	GELF_NOTES_SECTION, /* only an SHT_NOTE section */
	GELF_NOTES_NONE,
};

struct gelf {
	uint16_t type, machine;
	uint64_t entry;
	struct gelf_seg seg[GELF_MAX_SEGS];
	unsigned int nr_segs;
	struct gelf_note note[GELF_MAX_NOTES];
	unsigned int nr_notes;
	unsigned int filler_notes; /* "Fill" notes written before the others */
	enum gelf_notes_in notes_in;
	const char *xen_guest; /* a __xen_guest section's string, or NULL */
	bool no_sections;      /* no section header table at all */
};

#define GELF_BUF (256 * 1024)

struct gelf_out {
	uint8_t buf[GELF_BUF] __aligned(4096);
	size_t len;
	size_t shoff;
	size_t notes_off, notes_len;	 /* the note block */
	size_t note_off[GELF_MAX_NOTES]; /* each of g->note[], its header */
	unsigned int note_phdr;		 /* index of the PT_NOTE header */
	size_t seg_off[GELF_MAX_SEGS];	 /* file offset of each segment */
};

/* The byte the builder writes at guest address va of a segment's file part. */
static inline uint8_t gelf_byte(uint64_t va)
{
	return (uint8_t)(va ^ (va >> 8) ^ (va >> 16) ^ 0x5a);
}

/*
 * A valid kernel: VIRT_BASE GELF_VBASE, PADDR_OFFSET 0; text (R+X) at
 * VIRT_BASE, 0x2000 bytes, with the entry at +0x40 and the hypercall page
 * at +0x1000; data (R+W) at +0x2000, 0x340 bytes in the file and 0x6000 in
 * memory; notes GUEST_OS "mica-test", XEN_VERSION "xen-3.0", LOADER
 * "generic", FEATURES "!writable_page_tables|pae_pgdir_above_4gb", a GNU
 * note among them.
 */
void gelf_typical(struct gelf *g);
/* Only the header fields, no segment, no note. */
void gelf_empty(struct gelf *g);

/* Add a segment or a note; the note functions return its index. */
unsigned int gelf_seg(struct gelf *g, uint64_t vaddr, uint64_t paddr,
		      uint64_t filesz, uint64_t memsz, uint32_t flags);
unsigned int gelf_note_raw(struct gelf *g, const char *name, uint32_t namesz,
			   uint32_t type, const void *desc, uint32_t descsz);
unsigned int gelf_note_str(struct gelf *g, uint32_t type, const char *s);
unsigned int gelf_note_u64(struct gelf *g, uint32_t type, uint64_t v);
unsigned int gelf_note_u32(struct gelf *g, uint32_t type, uint32_t v);
/* The index of the Xen note of this type, or -1. */
int gelf_find(const struct gelf *g, uint32_t type);
/* Remove every Xen note of this type. */
void gelf_drop(struct gelf *g, uint32_t type);

/* Lay the image out in o; returns its length. */
size_t gelf_write(const struct gelf *g, struct gelf_out *o);

void gelf_put16(struct gelf_out *o, size_t off, uint16_t v);
void gelf_put32(struct gelf_out *o, size_t off, uint32_t v);
void gelf_put64(struct gelf_out *o, size_t off, uint64_t v);

#endif
