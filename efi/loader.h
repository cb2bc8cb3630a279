/* SPDX-License-Identifier: MIT */
/*
 * mica.efi's firmware-independent parts: the mica.cfg parser (cfg.c), the
 * checks on mica.elf (elf.c) and the multiboot2 information block builder
 * (mbi.c). They call no firmware service and keep no global state, so the
 * host tests compile them unchanged (tests/host/test_efi.c) and feed the
 * blocks mbi.c builds to mica's own multiboot2 parser. efi/main.c is the
 * GNU-EFI glue around them; docs/uefi.md describes the whole loader.
 *
 * Every input here is untrusted (a file on a FAT volume): each size and
 * offset is checked before it is used, and a failure comes back as a
 * negative errno with a message for the firmware console.
 */
#ifndef EFI_LOADER_H
#define EFI_LOADER_H

#include <mica/bootinfo.h>
#include <mica/types.h>

/* ---- mica.cfg ---- */

#define CFG_NAME_MAX 256	 /* a file name, with its NUL */
#define CFG_FILE_MAX (64 * 1024) /* mica.cfg itself */
#define CFG_LINE_MAX (BOOT_CMDLINE_MAX + 64)

struct cfg_module {
	char file[CFG_NAME_MAX];
	char args[BOOT_MODULE_CMDLINE_MAX]; /* the module's command line */
};

struct cfg {
	char kernel[CFG_NAME_MAX];
	char cmdline[BOOT_CMDLINE_MAX]; /* mica's command line */
	unsigned int nr_modules;
	struct cfg_module modules[BOOT_MAX_MODULES];
	/*
	 * test=stale-key: the first ExitBootServices() gets a map key that is
	 * wrong, so that the retry for a stale key runs (scripts/test-efi.sh).
	 */
	bool test_stale_key;
};

struct cfg_error {
	unsigned int line; /* 1-based; 0: the file as a whole */
	const char *msg;   /* what is wrong and what to write instead */
};

/*
 * Parse len bytes of mica.cfg (docs/uefi.md has the format):
 *
 *     # comment
 *     kernel=mica.elf
 *     cmdline=loglvl=debug console=com1,fb
 *     module=guest.elf console=hvc0
 *     test=stale-key
 *
 * File names are printable ASCII without spaces; '/' is accepted for '\'.
 * Returns 0 with c filled, or -EINVAL with err saying which line is wrong
 * and why (c then holds no useful data).
 */
int cfg_parse(struct cfg *c, const char *text, size_t len,
	      struct cfg_error *err);

/* ---- mica.elf ---- */

#define ELF_MAX_SEGMENTS 16

struct elf_segment {
	uint64_t offset; /* in the file */
	uint64_t filesz;
	uint64_t paddr; /* where it must be loaded */
	uint64_t memsz; /* filesz, then zeroes up to memsz */
};

struct elf_image {
	unsigned int nr_segments; /* PT_LOAD segments with memsz != 0 */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	uint64_t start, end; /* every segment, rounded out to 4 KiB pages */
	uint32_t entry;	     /* physical: the multiboot2 header's entry tag */
};

/*
 * Check that the size bytes at file are an x86-64 ELF executable that a
 * multiboot2 loader without relocation support can start: PT_LOAD
 * segments that lie inside the file, do not overlap and end below 4 GiB,
 * a valid multiboot2 header in the first 32 KiB whose entry point lies in
 * a loaded segment, and no request mica.efi cannot satisfy. Returns 0
 * with img filled, or -ENOEXEC / -EINVAL with *why set.
 */
int elf_check(const void *file, size_t size, struct elf_image *img,
	      const char **why);

/* ---- the multiboot2 information block ---- */

/*
 * A block under construction in [buf, buf + size). With buf NULL nothing
 * is written and only len grows: a first pass sizes the block. A tag that
 * does not fit sets overflow, and no later tag is written.
 */
struct mbi {
	uint8_t *buf;
	size_t size;
	size_t len;
	size_t room; /* for the EFI memory map, once mbi_efi_mmap_room() ran */
	bool overflow;
};

void mbi_init(struct mbi *m, void *buf, size_t size);
/* Tags 1 (command line) and 2 (boot loader name). */
void mbi_string(struct mbi *m, uint32_t type, const char *s);
/* Tag 3: the module at [start, end) with its command line. */
void mbi_module(struct mbi *m, uint32_t start, uint32_t end, const char *args);
/* Tag 8 for a direct-colour framebuffer (fb->type BOOT_FB_RGB). */
void mbi_framebuffer(struct mbi *m, const struct boot_framebuffer *fb);
/* Tag 14 (ACPI 1.0) or 15 (2.0): a copy of len bytes of the RSDP. */
void mbi_rsdp(struct mbi *m, uint32_t type, const void *rsdp, uint32_t len);
/* Tag 12: the EFI system table. */
void mbi_efi64(struct mbi *m, uint64_t systab);

/*
 * The EFI memory map comes last, since it can only be read once nothing
 * is allocated any more: mbi_efi_mmap_room() says where its descriptors
 * go and how many bytes of room the block has left for them (0 if it has
 * overflowed); mbi_efi_mmap_end() then closes the block around the map_size
 * bytes the firmware wrote there (at most that room) and cannot fail, so
 * it may run after ExitBootServices(). It returns the block's total size.
 */
void *mbi_efi_mmap_room(struct mbi *m, size_t *room);
size_t mbi_efi_mmap_end(struct mbi *m, uint32_t map_size, uint32_t desc_size,
			uint32_t desc_version);

/* The size of everything but the EFI memory map's descriptors. */
#define MBI_EFI_MMAP_OVERHEAD (16 + 8)

#endif
