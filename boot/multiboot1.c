/* SPDX-License-Identifier: MIT */
/*
 * The multiboot (version 0.6.96) information structure, as QEMU's -kernel
 * and GRUB's multiboot command build it, turned into a struct boot_info.
 * Its data hangs off 32-bit physical pointers the loader chose; every one
 * is read through the caller's read_phys, which refuses memory it cannot
 * reach, so a bad pointer costs an error message, never a fault.
 */
#include <mica/bootinfo.h>
#include <mica/errno.h>
#include <mica/lib.h>

#include "bootinfo_priv.h"

/* The information structure's fields by byte offset, and their flags. */
#define MB1_FLAGS 0
#define MB1_MEM_LOWER 4	  /* KiB below 1 MiB, flag 0 */
#define MB1_MEM_UPPER 8	  /* KiB above 1 MiB, flag 0 */
#define MB1_CMDLINE 16	  /* flag 2 */
#define MB1_MODS_COUNT 20 /* flag 3 */
#define MB1_MODS_ADDR 24
#define MB1_MMAP_LENGTH 44 /* flag 6 */
#define MB1_MMAP_ADDR 48
#define MB1_LOADER_NAME 64 /* flag 9 */
#define MB1_FB_ADDR 88	   /* flag 12, to the end of the structure */
#define MB1_FB_PITCH 96
#define MB1_FB_WIDTH 100
#define MB1_FB_HEIGHT 104
#define MB1_FB_BPP 108
#define MB1_FB_TYPE 109
#define MB1_FB_COLOUR 110
#define MB1_INFO_BASE_SIZE 88 /* what every loader provides */
#define MB1_INFO_SIZE 116

#define MB1_F_MEM (1U << 0)
#define MB1_F_CMDLINE (1U << 2)
#define MB1_F_MODS (1U << 3)
#define MB1_F_MMAP (1U << 6)
#define MB1_F_LOADER_NAME (1U << 9)
#define MB1_F_FB (1U << 12)

#define MB1_MOD_SIZE 16	      /* u32 start, end, string, reserved */
#define MB1_MMAP_ENTRY_MIN 20 /* after the size field: u64, u64, u32 */

#define MB1_FB_INDEXED 0
#define MB1_FB_RGB 1
#define MB1_FB_EGA_TEXT 2

/* Enough for any real firmware map; bounds a loop over a bogus length. */
#define MB1_MMAP_MAX_ENTRIES 4096
/* How far a file name to skip may run before the real string starts. */
#define MB1_NAME_MAX 4096

struct mb1_state {
	struct boot_info *bi;
	bootinfo_read_fn read_phys;
	const struct boot_image *img;
	bool strip_name;
	int rc;
};

static void fail(struct mb1_state *s, int rc)
{
	if (!s->rc)
		s->rc = rc;
}

static bool read_or_fail(struct mb1_state *s, void *buf, paddr_t pa, size_t len,
			 const char *what)
{
	if (s->read_phys(buf, pa, len) == 0)
		return true;
	printk(LOG_ERR
	       "multiboot: cannot read the %s at %#lx (%zu bytes): the boot loader passed a bad pointer\n",
	       what, pa, len);
	fail(s, -EFAULT);
	return false;
}

/*
 * Copy the NUL-terminated string at pa into dst, one byte per read so that
 * a string ending just before unreadable memory is still fine. With
 * skip_word, the first word and the spaces after it are dropped: loaders
 * other than GRUB 2 put the file name there.
 */
static void read_str(struct mb1_state *s, char *dst, size_t dst_size,
		     paddr_t pa, bool skip_word, const char *what)
{
	enum { LEAD, WORD, GAP, TEXT } state = skip_word ? LEAD : TEXT;
	size_t n = 0, skipped = 0;

	for (;; pa++) {
		char c;

		if (s->read_phys(&c, pa, 1)) {
			printk(LOG_ERR
			       "multiboot: %s runs into unreadable memory at %#lx; cut there\n",
			       what, pa);
			fail(s, -EFAULT);
			break;
		}
		if (!c)
			break;
		if (state != TEXT) {
			if (state == LEAD && c != ' ')
				state = WORD;
			else if (state == WORD && c == ' ')
				state = GAP;
			else if (state == GAP && c != ' ')
				state = TEXT;
			if (state != TEXT) {
				if (++skipped > MB1_NAME_MAX) {
					printk(LOG_ERR
					       "multiboot: %s: file name longer than %u bytes\n",
					       what, MB1_NAME_MAX);
					fail(s, -E2BIG);
					break;
				}
				continue;
			}
		}
		if (n + 1 >= dst_size) {
			printk(LOG_WARN
			       "multiboot: %s longer than %zu bytes, truncated\n",
			       what, dst_size - 1);
			fail(s, -E2BIG);
			break;
		}
		dst[n++] = c;
	}
	dst[n] = '\0';
}

/* Does this loader put the file name first on command lines? */
static bool loader_prepends_name(const char *name)
{
	/*
	 * GRUB 2's multiboot and module commands pass only the arguments; it
	 * calls itself "GRUB 2.xx" (or "GRUB 1.9x" before 2.00). QEMU
	 * ("qemu"), GRUB legacy ("GNU GRUB 0.9x") and other loaders pass the
	 * whole line, file name first.
	 */
	for (const char *p = name; *p; p++)
		if (!strncmp(p, "GRUB ", 5) && p[5] >= '1' && p[5] <= '9')
			return false;
	return true;
}

static void parse_modules(struct mb1_state *s, uint32_t count, paddr_t addr)
{
	struct boot_info *bi = s->bi;

	if (count > BOOT_MAX_MODULES) {
		printk(LOG_WARN
		       "multiboot: %u modules, only the first %u are used\n",
		       count, BOOT_MAX_MODULES);
		fail(s, -ENOSPC);
		count = BOOT_MAX_MODULES;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint8_t mod[MB1_MOD_SIZE];
		uint32_t start, end;
		struct boot_module *m;

		if (!read_or_fail(s, mod, addr + (paddr_t)i * MB1_MOD_SIZE,
				  sizeof(mod), "module list"))
			return;
		start = rd32(mod);
		end = rd32(mod + 4);
		if (start >= end) {
			printk(LOG_ERR
			       "multiboot: module %u at %#x ends at %#x, not above its start (an empty file?); module dropped\n",
			       i, start, end);
			fail(s, -EINVAL);
			continue;
		}
		if (s->img && start < s->img->end && s->img->start < end) {
			printk(LOG_ERR
			       "multiboot: module %u [%#x, %#x) overlaps mica's image [%#lx, %#lx): the boot loader put it in the wrong place; module dropped\n",
			       i, start, end, s->img->start, s->img->end);
			fail(s, -EINVAL);
			continue;
		}
		m = &bi->modules[bi->nr_modules++];
		m->start = start;
		m->end = end;
		if (rd32(mod + 8))
			read_str(s, m->cmdline, sizeof(m->cmdline),
				 rd32(mod + 8), s->strip_name,
				 "module command line");
		if (bootinfo_reserve(bi, start, end))
			fail(s, -ENOSPC);
	}
}

static void parse_mmap(struct mb1_state *s, uint32_t length, paddr_t addr)
{
	uint32_t off = 0;
	unsigned int n = 0;

	/* Each entry: u32 size (of the rest), u64 base, u64 length, u32 type. */
	while (length - off >= 4) {
		uint8_t e[MB1_MMAP_ENTRY_MIN];
		uint32_t size;

		if (!read_or_fail(s, &size, addr + off, 4, "memory map"))
			return;
		if (size < MB1_MMAP_ENTRY_MIN || size > length - off - 4) {
			printk(LOG_ERR
			       "multiboot: memory map entry at offset %u has size %u (map length %u); rest of the map ignored\n",
			       off, size, length);
			fail(s, -EINVAL);
			return;
		}
		if (++n > MB1_MMAP_MAX_ENTRIES) {
			printk(LOG_ERR
			       "multiboot: memory map has more than %u entries; rest ignored\n",
			       MB1_MMAP_MAX_ENTRIES);
			fail(s, -E2BIG);
			return;
		}
		if (!read_or_fail(s, e, addr + off + 4, sizeof(e),
				  "memory map"))
			return;
		if (!bootinfo_add_mem(s->bi, rd64(e), rd64(e + 8),
				      bootinfo_e820_type(rd32(e + 16)))) {
			printk(LOG_WARN
			       "multiboot: memory map has more than %u distinct ranges; rest ignored\n",
			       BOOT_MAX_MEMMAP);
			fail(s, -ENOSPC);
			return;
		}
		off += size + 4;
	}
}

static void parse_fb(struct mb1_state *s, const uint8_t *info)
{
	struct boot_framebuffer fb = {0};
	const uint8_t *c = info + MB1_FB_COLOUR;

	fb.addr = rd64(info + MB1_FB_ADDR);
	fb.pitch = rd32(info + MB1_FB_PITCH);
	fb.width = rd32(info + MB1_FB_WIDTH);
	fb.height = rd32(info + MB1_FB_HEIGHT);
	fb.bpp = info[MB1_FB_BPP];
	switch (info[MB1_FB_TYPE]) {
	case MB1_FB_RGB:
		fb.type = BOOT_FB_RGB;
		fb.red_pos = c[0];
		fb.red_size = c[1];
		fb.green_pos = c[2];
		fb.green_size = c[3];
		fb.blue_pos = c[4];
		fb.blue_size = c[5];
		break;
	case MB1_FB_EGA_TEXT:
		fb.type = BOOT_FB_EGA_TEXT;
		break;
	case MB1_FB_INDEXED:
		printk(LOG_INFO
		       "multiboot: indexed-colour framebuffer not supported, not using it\n");
		return;
	default:
		printk(LOG_ERR
		       "multiboot: framebuffer of unknown type %u ignored\n",
		       info[MB1_FB_TYPE]);
		fail(s, -EINVAL);
		return;
	}
	if (!bootinfo_fb_sane(&fb)) {
		printk(LOG_ERR
		       "multiboot: framebuffer %ux%u, %u bpp, pitch %u at %#lx is inconsistent; ignored\n",
		       fb.width, fb.height, fb.bpp, fb.pitch, fb.addr);
		fail(s, -EINVAL);
		return;
	}
	s->bi->fb = fb;
}

int bootinfo_parse_mb1(struct boot_info *bi, paddr_t info_pa,
		       bootinfo_read_fn read_phys, const struct boot_image *img)
{
	struct mb1_state s = {.bi = bi, .read_phys = read_phys, .img = img};
	uint8_t info[MB1_INFO_SIZE] = {0};
	size_t info_size = MB1_INFO_BASE_SIZE;
	uint32_t flags;

	memset(bi, 0, sizeof(*bi));
	bi->source = BOOT_FROM_MULTIBOOT1;
	if (img)
		bootinfo_reserve(bi, img->start, img->end);
	if (!read_or_fail(&s, info, info_pa, MB1_INFO_BASE_SIZE,
			  "information structure"))
		return s.rc;
	flags = rd32(info + MB1_FLAGS);
	if (flags & MB1_F_FB) {
		if (read_or_fail(&s, info + MB1_INFO_BASE_SIZE,
				 info_pa + MB1_INFO_BASE_SIZE,
				 MB1_INFO_SIZE - MB1_INFO_BASE_SIZE,
				 "framebuffer fields"))
			info_size = MB1_INFO_SIZE;
		else
			flags &= ~MB1_F_FB;
	}
	bootinfo_reserve(bi, info_pa, info_pa + info_size);

	/*
	 * The name decides how the command lines read, so it comes first. A
	 * null pointer means no string: address 0 is readable, but holds the
	 * real-mode interrupt table.
	 */
	if ((flags & MB1_F_LOADER_NAME) && rd32(info + MB1_LOADER_NAME))
		read_str(&s, bi->loader_name, sizeof(bi->loader_name),
			 rd32(info + MB1_LOADER_NAME), false,
			 "boot loader name");
	s.strip_name = loader_prepends_name(bi->loader_name);
	if ((flags & MB1_F_CMDLINE) && rd32(info + MB1_CMDLINE))
		read_str(&s, bi->cmdline, sizeof(bi->cmdline),
			 rd32(info + MB1_CMDLINE), s.strip_name,
			 "command line");
	if (flags & MB1_F_MODS)
		parse_modules(&s, rd32(info + MB1_MODS_COUNT),
			      rd32(info + MB1_MODS_ADDR));
	if (flags & MB1_F_MMAP)
		parse_mmap(&s, rd32(info + MB1_MMAP_LENGTH),
			   rd32(info + MB1_MMAP_ADDR));
	if (!bi->nr_memmap && (flags & MB1_F_MEM)) {
		/* A loader without a map still says how much RAM there is. */
		printk(LOG_WARN
		       "multiboot: no memory map, using the lower/upper memory sizes\n");
		bootinfo_add_mem(bi, 0,
				 (uint64_t)rd32(info + MB1_MEM_LOWER) << 10,
				 BOOT_MEM_RAM);
		bootinfo_add_mem(bi, 0x100000,
				 (uint64_t)rd32(info + MB1_MEM_UPPER) << 10,
				 BOOT_MEM_RAM);
	}
	if (flags & MB1_F_FB)
		parse_fb(&s, info);
	bootinfo_normalise_memmap(bi);
	if (!bi->nr_memmap) {
		printk(LOG_ERR
		       "multiboot: the boot loader gave no memory map and no memory size; mica cannot run without one\n");
		fail(&s, -ENODATA);
	}
	return s.rc;
}
