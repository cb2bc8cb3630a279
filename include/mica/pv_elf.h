/* SPDX-License-Identifier: MIT */
/*
 * The PV guest kernel loader (kernel/pv/elf.c): a 64-bit x86-64 ELF
 * executable held in memory (a boot module), read as Xen reads it.
 *
 * pv_elf_parse() validates the whole image before anything is built from
 * it: the ELF header, the program headers, the Xen ELF notes (PT_NOTE
 * segments; SHT_NOTE sections if the segments hold none; the legacy
 * __xen_guest section if neither does) and the addresses they give. Every
 * size, offset and address is checked, with overflow-safe arithmetic,
 * against the file and against the guest's half of the address space. A
 * malformed or hostile image is refused with one printk naming the
 * problem, prefixed by the caller's `who` ("(d1)"), and an error:
 *
 *     (d1) bad guest ELF: PT_LOAD segment 2 runs past the end of the file
 *
 * Addresses follow Xen's rule, not p_vaddr: a segment is loaded at
 * p_paddr + VIRT_BASE - PADDR_OFFSET (PADDR_OFFSET defaults to 0 with the
 * notes, to VIRT_BASE with __xen_guest; VIRT_BASE to 0), which is p_vaddr
 * for every kernel that links its p_paddr as Xen expects (Linux's per-CPU
 * segment, at p_vaddr 0, is one that loads by its p_paddr).
 *
 * The parsed struct points into the image, which must outlive it.
 * pv_elf_load() then copies the segments into the guest through a
 * callback, so it needs no knowledge of guest memory.
 */
#ifndef MICA_PV_ELF_H
#define MICA_PV_ELF_H

#include <mica/types.h>
#include <public/features.h>

/* A value no note gave (virt_hypercall, p2m_base). */
#define PV_ELF_UNSET (~0UL)

/* Limits on what a guest image may hold. */
#define PV_ELF_MAX_PHDRS 64   /* program headers */
#define PV_ELF_MAX_SEGS 16    /* loadable ones among them */
#define PV_ELF_MAX_SHDRS 4096 /* section headers */
#define PV_ELF_MAX_NOTES 1024 /* notes of any name, all tables together */
#define PV_ELF_STR_MAX 32     /* kept of each string note, NUL included */

/*
 * XENFEAT_* bits (include/public/features.h) a kernel may mark required
 * ('!' in XEN_ELFNOTE_FEATURES) and still be loaded. A required feature
 * outside this set is refused. writable_page_tables is here because Linux
 * marks it "!writable_page_tables" and Xen's PV loader accepts that; dom0
 * is checked by the builder against the kind of domain.
 */
#define PV_ELF_FEATURES_REQUIRABLE              \
	((1U << XENFEAT_writable_page_tables) | \
	 (1U << XENFEAT_pae_pgdir_above_4gb) | (1U << XENFEAT_dom0))

struct pv_elf_segment {
	uint64_t offset; /* of its bytes in the file */
	uint64_t filesz; /* bytes copied from the file */
	uint64_t memsz;	 /* bytes in memory; beyond filesz, zeroed */
	unsigned long va;
};

struct pv_elf {
	const uint8_t *image;
	size_t size;
	char who[24]; /* message prefix: "(d1) ", or empty */

	/* Where and how it loads, with the defaults applied. */
	unsigned long virt_base;
	unsigned long elf_paddr_offset;
	unsigned long virt_entry;
	unsigned long virt_hypercall; /* page-aligned, or PV_ELF_UNSET */
	unsigned long p2m_base;	      /* XEN_ELFNOTE_INIT_P2M, or UNSET */
	/* [virt_kstart, virt_kend): every loadable segment's bytes. */
	unsigned long virt_kstart, virt_kend;
	unsigned int nr_segs;
	struct pv_elf_segment seg[PV_ELF_MAX_SEGS];

	/* What it says about itself (strings truncated, NUL-terminated). */
	char xen_version[PV_ELF_STR_MAX];
	char guest_os[PV_ELF_STR_MAX];
	char guest_version[PV_ELF_STR_MAX];
	char loader[PV_ELF_STR_MAX];
	char pae_mode[PV_ELF_STR_MAX];
	uint32_t
		f_supported; /* XENFEAT_* bits: FEATURES + SUPPORTED_FEATURES */
	uint32_t f_required; /* the '!' ones */
	bool has_supported_features; /* a SUPPORTED_FEATURES note exists */
	bool bsd_symtab;	     /* asked for its symbols (not loaded) */
	bool has_phys32_entry;	     /* a PVH entry, which PV ignores */
	uint32_t phys32_entry;
	bool legacy; /* described by __xen_guest rather than notes */
};

/*
 * Parse and validate the image [image, image + size). 0, or -ENOEXEC for
 * an image that is malformed or not a Xen PV kernel, -EOPNOTSUPP for one
 * that requires a feature mica does not provide; either after a printk.
 */
int pv_elf_parse(struct pv_elf *elf, const void *image, size_t size,
		 const char *who);

/*
 * Writes len bytes at guest address va, from src or zeros if src is NULL.
 * [va, va + len) never crosses a page boundary. 0 or -errno.
 */
typedef int (*pv_elf_write_fn)(void *ctx, unsigned long va, const void *src,
			       size_t len);

/*
 * Copy every loadable segment of a parsed image to its address and zero
 * the rest of its memsz (bss). 0, or the first error write returned.
 */
int pv_elf_load(const struct pv_elf *elf, pv_elf_write_fn write, void *ctx);

#endif
