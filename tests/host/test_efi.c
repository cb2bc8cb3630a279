/* SPDX-License-Identifier: MIT */
/*
 * mica.efi's firmware-independent parts on the host: the mica.cfg parser
 * on good and malformed files, the mica.elf checks on crafted images, and
 * the multiboot2 block builder, whose output goes through mica's own
 * parser (boot/multiboot2.c): what mica.efi writes is what mica reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mica/bootinfo.h>
#include <mica/errno.h>
#include <mica/lib.h>

#include "harness.h"
#include "invariants.h"
#include "loader.h"

static struct cfg cfg;
static struct cfg_error err;

static int parse_cfg(const char *text)
{
	return cfg_parse(&cfg, text, strlen(text), &err);
}

/* The error is on line, and its message contains text. */
static void assert_cfg_error(const char *text, unsigned int line,
			     const char *msg)
{
	assert_int_equal(parse_cfg(text), -EINVAL);
	assert_int_equal(err.line, line);
	assert_non_null(err.msg);
	if (!strstr(err.msg, msg))
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, msg);
}

static void test_cfg_typical(void **state)
{
	assert_int_equal(
		parse_cfg(
			"# mica on this PC\r\n"
			"\r\n"
			"kernel=mica.elf\r\n"
			"  cmdline=loglvl=debug console=com1,fb  \r\n"
			"module=guests/linux.elf console=hvc0 root=/dev/xvda\r\n"
			"\t# a comment\n"
			"module=\\initrd.img\n"
			"module=empty.bin"),
		0);
	assert_string_equal(cfg.kernel, "mica.elf");
	assert_string_equal(cfg.cmdline, "loglvl=debug console=com1,fb");
	assert_int_equal(cfg.nr_modules, 3);
	assert_string_equal(cfg.modules[0].file, "guests\\linux.elf");
	assert_string_equal(cfg.modules[0].args, "console=hvc0 root=/dev/xvda");
	assert_string_equal(cfg.modules[1].file, "\\initrd.img");
	assert_string_equal(cfg.modules[1].args, "");
	assert_string_equal(cfg.modules[2].file, "empty.bin");
}

static void test_cfg_minimal(void **state)
{
	assert_int_equal(parse_cfg("kernel=mica.elf"), 0);
	assert_string_equal(cfg.cmdline, "");
	assert_int_equal(cfg.nr_modules, 0);
	assert_false(cfg.test_stale_key);
	assert_int_equal(parse_cfg("kernel=mica.elf\ntest=stale-key\n"), 0);
	assert_true(cfg.test_stale_key);
	assert_int_equal(parse_cfg("kernel=mica.elf"), 0);
	assert_false(cfg.test_stale_key);
	/* An empty command line is one. */
	assert_int_equal(parse_cfg("cmdline=\nkernel=k\n"), 0);
	assert_string_equal(cfg.cmdline, "");
}

static void test_cfg_malformed(void **state)
{
	assert_cfg_error("", 0, "no kernel= line");
	assert_cfg_error("# only a comment\ncmdline=selftest\n", 0,
			 "no kernel= line");
	assert_cfg_error("kernel=mica.elf\nmodules=a.bin\n", 2, "unknown key");
	assert_cfg_error("kernel=mica.elf\ntest=fresh-key\n", 2,
			 "test= takes only stale-key");
	assert_cfg_error("kernel=mica.elf\nmica.elf\n", 2,
			 "expected key=value");
	assert_cfg_error("kernel=a\nkernel=b\n", 2, "a second kernel=");
	assert_cfg_error("kernel=a\ncmdline=x\ncmdline=y\n", 3,
			 "a second cmdline=");
	assert_cfg_error("kernel=mica.elf selftest\n", 1, "only a file name");
	assert_cfg_error("kernel=\n", 1, "file name is missing");
	assert_cfg_error("kernel=k\nmodule=\n", 2, "file name is missing");
	assert_cfg_error("kernel=k\nmodule= args\n", 2, "file name is missing");
	assert_cfg_error("kernel=k\nmodule=gu\xc3\xa9st.bin\n", 2,
			 "printable ASCII");
	/* A NUL: mica.cfg saved as UTF-16, say. */
	assert_int_equal(cfg_parse(&cfg, "kernel=k\0\n", 10, &err), -EINVAL);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.msg, "control character"));
	assert_cfg_error("kernel=k\ncmdline=a\x1b[0m\n", 2,
			 "control character");
	assert_cfg_error("\xff\xfek\0e\0", 0, "UTF-16");
}

static void test_cfg_utf8_bom(void **state)
{
	assert_int_equal(parse_cfg("\xef\xbb\xbfkernel=mica.elf\n"), 0);
	assert_string_equal(cfg.kernel, "mica.elf");
}

static void test_cfg_limits(void **state)
{
	static char text[CFG_FILE_MAX + 2];
	char *p = text;

	/* 32 modules fit; a 33rd does not. */
	p += sprintf(p, "kernel=k\n");
	for (int i = 0; i < BOOT_MAX_MODULES; i++)
		p += sprintf(p, "module=m%d a%d\n", i, i);
	assert_int_equal(parse_cfg(text), 0);
	assert_int_equal(cfg.nr_modules, BOOT_MAX_MODULES);
	assert_string_equal(cfg.modules[31].args, "a31");
	sprintf(p, "module=one-more\n");
	assert_cfg_error(text, 34, "at most 32 modules");

	/* mica's command line: 1023 characters fit, 1024 do not. */
	p = text + sprintf(text, "kernel=k\ncmdline=");
	memset(p, 'x', BOOT_CMDLINE_MAX - 1);
	p[BOOT_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(parse_cfg(text), 0);
	assert_int_equal(strlen(cfg.cmdline), BOOT_CMDLINE_MAX - 1);
	strcat(text, "x");
	assert_cfg_error(text, 2, "longer than 1023");

	/* A module's command line likewise. */
	p = text + sprintf(text, "kernel=k\nmodule=m ");
	memset(p, 'y', BOOT_MODULE_CMDLINE_MAX);
	p[BOOT_MODULE_CMDLINE_MAX] = '\0';
	assert_cfg_error(text, 2, "longer than 1023");

	/* File names: 255 characters. */
	p = text + sprintf(text, "kernel=");
	memset(p, 'n', CFG_NAME_MAX);
	p[CFG_NAME_MAX] = '\0';
	assert_cfg_error(text, 1, "longer than 255");
	p[CFG_NAME_MAX - 1] = '\0';
	assert_int_equal(parse_cfg(text), 0);

	/* A line longer than any valid one. */
	p = text + sprintf(text, "kernel=k\n# ");
	memset(p, 'c', CFG_LINE_MAX);
	p[CFG_LINE_MAX] = '\0';
	assert_cfg_error(text, 2, "line is too long");

	/* The file as a whole. */
	memset(text, '#', sizeof(text));
	assert_int_equal(cfg_parse(&cfg, text, CFG_FILE_MAX + 1, &err),
			 -EINVAL);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, "larger than 64 KiB"));
}

/* ---- mica.elf ---- */

struct elf_file {
	uint8_t b[64 * 1024] __attribute__((aligned(8)));
	size_t len;
};

static struct elf_file f;
static struct elf_image img;
static const char *why;

static void w16(size_t off, uint16_t v)
{
	memcpy(f.b + off, &v, 2);
}

static void w32(size_t off, uint32_t v)
{
	memcpy(f.b + off, &v, 4);
}

static void w64(size_t off, uint64_t v)
{
	memcpy(f.b + off, &v, 8);
}

#define VIRT 0xffff82d080000000ULL
#define MB2_AT 0x1000 /* the multiboot2 header's offset in the file */

static void phdr(unsigned int i, uint32_t type, uint64_t off, uint64_t paddr,
		 uint64_t filesz, uint64_t memsz)
{
	size_t p = 64 + (size_t)i * 56;

	w32(p, type);
	w32(p + 4, 5);
	w64(p + 8, off);
	w64(p + 16, VIRT + paddr);
	w64(p + 24, paddr);
	w64(p + 32, filesz);
	w64(p + 40, memsz);
	w64(p + 48, 0x1000);
}

/*
 * A header at MB2_AT: an optional information request, an entry tag at
 * entry (0: none), then the extra tag (type, flags, one u32) if xtype.
 */
static void mb2_header(uint32_t entry, uint16_t xtype, uint16_t xflags,
		       uint32_t xval)
{
	size_t p = MB2_AT + 16;
	uint32_t len;

	w16(p, 1); /* information request: optional */
	w16(p + 2, 1);
	w32(p + 4, 16);
	w32(p + 8, 1);
	w32(p + 12, 6);
	p += 16;
	if (entry) {
		w16(p, 3);
		w16(p + 2, 0);
		w32(p + 4, 12);
		w32(p + 8, entry);
		p += 16;
	}
	if (xtype) {
		w16(p, xtype);
		w16(p + 2, xflags);
		w32(p + 4, 12);
		w32(p + 8, xval);
		p += 16;
	}
	w32(p, 0); /* end tag */
	w32(p + 4, 8);
	p += 8;
	len = (uint32_t)(p - MB2_AT);
	w32(MB2_AT, 0xe85250d6);
	w32(MB2_AT + 4, 0);
	w32(MB2_AT + 8, len);
	w32(MB2_AT + 12, -(0xe85250d6 + len));
}

/*
 * Like mica.elf: text with the multiboot2 header from file offset 0x1000
 * at 2 MiB, data at 2 MiB + 0x3000 followed by bss.
 */
static void elf_build(void)
{
	memset(&f, 0, sizeof(f));
	f.len = 0x5000;
	memcpy(f.b,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	w16(16, 2);  /* ET_EXEC */
	w16(18, 62); /* EM_X86_64 */
	w32(20, 1);
	w64(24, VIRT + 0x200100); /* e_entry */
	w64(32, 64);		  /* e_phoff */
	w16(52, 64);
	w16(54, 56);
	w16(56, 3);
	phdr(0, 1, 0x1000, 0x200000, 0x3000, 0x3000);
	phdr(1, 1, 0x4000, 0x203000, 0x1000, 0x5800);
	phdr(2, 0x6474e551, 0, 0, 0, 0); /* PT_GNU_STACK: ignored */
	mb2_header(0x200040, 0, 0, 0);
}

static int check(void)
{
	return elf_check(f.b, f.len, &img, &why);
}

static void assert_elf_error(const char *msg)
{
	assert_int_equal(check(), -ENOEXEC);
	assert_non_null(why);
	if (!strstr(why, msg))
		fail_msg("error \"%s\" lacks \"%s\"", why, msg);
}

static void test_elf_mica_like(void **state)
{
	elf_build();
	assert_int_equal(check(), 0);
	assert_int_equal(img.nr_segments, 2);
	assert_int_equal(img.start, 0x200000);
	assert_int_equal(img.end, 0x209000); /* 0x208800 rounded up */
	assert_int_equal(img.entry, 0x200040);
	assert_int_equal(img.seg[1].offset, 0x4000);
	assert_int_equal(img.seg[1].filesz, 0x1000);
	assert_int_equal(img.seg[1].memsz, 0x5800);
}

static void test_elf_entry_from_elf_header(void **state)
{
	/* Without an entry tag, e_entry moved from its vaddr to its paddr. */
	elf_build();
	mb2_header(0, 0, 0, 0);
	assert_int_equal(check(), 0);
	assert_int_equal(img.entry, 0x200100);
	w64(24, VIRT + 0x900000); /* in no segment */
	assert_elf_error("entry point lies in no PT_LOAD");
}

static void test_elf_bad_headers(void **state)
{
	elf_build();
	f.b[1] = 'X';
	assert_elf_error("not an ELF file");
	elf_build();
	f.b[4] = 1; /* ELFCLASS32 */
	assert_elf_error("64-bit");
	elf_build();
	w16(18, 3); /* EM_386 */
	assert_elf_error("x86-64");
	elf_build();
	w16(16, 3); /* ET_DYN */
	assert_elf_error("ET_EXEC");
	elf_build();
	w16(54, 32);
	assert_elf_error("entry size or count");
	elf_build();
	w64(32, f.len - 100); /* the table runs off the end */
	assert_elf_error("program header table runs past");
	elf_build();
	assert_int_equal(elf_check(f.b, 40, &img, &why), -ENOEXEC);
}

static void test_elf_bad_segments(void **state)
{
	elf_build();
	phdr(1, 1, 0x4000, 0x203000, 0x2000, 0x1000);
	assert_elf_error("more bytes in the file than in memory");
	elf_build();
	phdr(1, 1, 0x4000, 0x203000, 0x1001, 0x5800);
	assert_elf_error("past the end of the file");
	elf_build();
	phdr(1, 1, ~0ULL - 10, 0x203000, 0x100, 0x5800);
	assert_elf_error("past the end of the file");
	elf_build();
	phdr(1, 1, 0x4000, 0xfffff000, 0x1000, 0x2000);
	assert_elf_error("above 4 GiB");
	elf_build();
	phdr(1, 1, 0x4000, ~0ULL - 0xfff, 0x1000, 0x1000);
	assert_elf_error("above 4 GiB");
	elf_build();
	phdr(1, 1, 0x4000, 0x202000, 0x1000, 0x1000);
	assert_elf_error("overlap");
	elf_build();
	phdr(0, 2, 0x1000, 0x200000, 0x3000, 0x3000);
	phdr(1, 2, 0x4000, 0x203000, 0x1000, 0x5800);
	assert_elf_error("no PT_LOAD");
}

static void test_elf_multiboot2_header(void **state)
{
	elf_build();
	w32(MB2_AT + 12, 0); /* checksum */
	assert_elf_error("no multiboot2 header");
	elf_build();
	mb2_header(0x300000, 0, 0, 0);
	assert_elf_error("outside every loaded segment");
	elf_build();
	mb2_header(0x200040, 1, 0, 6); /* requires a BIOS memory map */
	assert_elf_error("requires information");
	elf_build();
	mb2_header(0x200040, 1, 0, 17); /* requires the EFI map: fine */
	assert_int_equal(check(), 0);
	elf_build();
	mb2_header(0x200040, 7, 0, 0); /* EFI boot services, required */
	assert_elf_error("EFI boot services");
	elf_build();
	mb2_header(0x200040, 7, 1, 0); /* optional: ignored */
	assert_int_equal(check(), 0);
	elf_build();
	mb2_header(0x200040, 0, 0, 0);
	w32(MB2_AT + 16 + 4, 4000); /* a tag runs past the header */
	assert_elf_error("runs past");
}

/* ---- the information block, through mica's parser ---- */

#define INFO_PA 0x7f00000UL

static uint8_t block[16384] __attribute__((aligned(8)));
static struct boot_info bi;

/* An RSDP of the given revision, checksummed as ACPI requires. */
static void make_rsdp(uint8_t *r, int revision)
{
	uint8_t sum = 0;

	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "MICA  ", 6);
	r[15] = (uint8_t)revision;
	r[16] = 0x00;
	r[17] = 0x10;
	r[20] = 36;
	for (int i = 0; i < 20; i++)
		sum += r[i];
	r[8] = (uint8_t)-sum;
}

/* UEFI descriptors: type, pad, phys, virt, pages, attributes (48 bytes). */
static uint32_t efi_map(uint8_t *d, size_t room)
{
	static const struct {
		uint32_t type;
		uint64_t phys, pages;
	} map[] = {
		{7, 0x0, 0xa0},	       /* conventional */
		{2, 0x200000, 0x9},    /* loader data: mica's image */
		{4, 0x209000, 0x100},  /* boot services data */
		{9, 0x7ff0000, 0x10},  /* ACPI reclaim */
		{10, 0x8000000, 0x10}, /* ACPI NVS */
	};
	uint32_t n = 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		assert_true(n + 48 <= room);
		memset(d + n, 0, 48);
		memcpy(d + n, &map[i].type, 4);
		memcpy(d + n + 8, &map[i].phys, 8);
		memcpy(d + n + 24, &map[i].pages, 8);
		n += 48;
	}
	return n;
}

static void build(struct mbi *m, const uint8_t *rsdp1, const uint8_t *rsdp2)
{
	static const struct boot_framebuffer fb = {
		.type = BOOT_FB_RGB,
		.addr = 0x80000000,
		.pitch = 5120,
		.width = 1280,
		.height = 800,
		.bpp = 32,
		.red_pos = 16,
		.red_size = 8,
		.green_pos = 8,
		.green_size = 8,
		.blue_pos = 0,
		.blue_size = 8,
	};

	mbi_string(m, 1, "selftest loglvl=debug");
	mbi_string(m, 2, "mica.efi");
	mbi_module(m, 0x1000000, 0x1000123, "console=hvc0 root=/dev/xvda");
	mbi_module(m, 0x1001000, 0x1002000, "");
	mbi_framebuffer(m, &fb);
	mbi_rsdp(m, 14, rsdp1, 20);
	mbi_rsdp(m, 15, rsdp2, 36);
	mbi_efi64(m, 0x7f9e018);
}

static void test_mbi_round_trip(void **state)
{
	const struct boot_image kimg = {0x200000, 0x209000};
	uint8_t rsdp1[36], rsdp2[36];
	struct mbi count, m;
	size_t room, total, off;
	uint32_t map_size;
	void *map;
	const char *bad;

	make_rsdp(rsdp1, 0);
	make_rsdp(rsdp2, 2);
	mbi_init(&count, NULL, 0);
	build(&count, rsdp1, rsdp2);
	memset(block, 0xa5, sizeof(block));
	mbi_init(&m, block, sizeof(block));
	build(&m, rsdp1, rsdp2);
	assert_false(m.overflow);
	assert_int_equal(m.len, count.len); /* the sizing pass is exact */
	map = mbi_efi_mmap_room(&m, &room);
	assert_ptr_equal(map, block + m.len + 16);
	assert_int_equal(room, sizeof(block) - m.len - MBI_EFI_MMAP_OVERHEAD);
	map_size = efi_map(map, room);
	total = mbi_efi_mmap_end(&m, map_size, 48, 1);
	assert_int_equal(total, count.len + 16 + map_size + 8);

	log_reset();
	assert_int_equal(bootinfo_parse_mb2(&bi, block, total, INFO_PA, &kimg),
			 0);
	assert_int_equal(log_count(LOGLVL_ERR) + log_count(LOGLVL_WARN), 0);
	bad = bootinfo_violation(&bi, &kimg);
	if (bad)
		fail_msg("invariant violated: %s", bad);
	assert_int_equal(bi.source, BOOT_FROM_MULTIBOOT2);
	assert_true(bi.efi_firmware);
	assert_string_equal(bi.loader_name, "mica.efi");
	assert_string_equal(bi.cmdline, "selftest loglvl=debug");
	assert_int_equal(bi.nr_modules, 2);
	assert_int_equal(bi.modules[0].start, 0x1000000);
	assert_int_equal(bi.modules[0].end, 0x1000123);
	assert_string_equal(bi.modules[0].cmdline,
			    "console=hvc0 root=/dev/xvda");
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_int_equal(bi.fb.type, BOOT_FB_RGB);
	assert_int_equal(bi.fb.addr, 0x80000000);
	assert_int_equal(bi.fb.width, 1280);
	assert_int_equal(bi.fb.pitch, 5120);
	assert_int_equal(bi.fb.red_pos, 16);
	assert_int_equal(bi.fb.blue_size, 8);
	assert_int_equal(bi.efi_systab, 0x7f9e018);
	/* The ACPI 2.0 copy, inside the block. */
	off = bi.acpi_rsdp - INFO_PA;
	assert_true(off + 36 <= total);
	assert_int_equal(block[off + 15], 2);
	/* Boot services and loader memory are RAM once they have exited. */
	assert_int_equal(bi.nr_memmap, 4);
	assert_int_equal(bi.memmap[0].end, 0xa0000);
	assert_int_equal(bi.memmap[1].start, 0x200000);
	assert_int_equal(bi.memmap[1].end, 0x309000);
	assert_int_equal(bi.memmap[1].type, BOOT_MEM_RAM);
	assert_int_equal(bi.memmap[2].type, BOOT_MEM_ACPI);
	assert_int_equal(bi.memmap[3].type, BOOT_MEM_NVS);
}

static void test_mbi_overflow(void **state)
{
	uint8_t rsdp[36];
	struct mbi m;
	size_t room = 1;

	make_rsdp(rsdp, 2);
	mbi_init(&m, block, 64);
	build(&m, rsdp, rsdp);
	assert_true(m.overflow);
	assert_null(mbi_efi_mmap_room(&m, &room));
	assert_int_equal(room, 0);

	/* Counting never overflows, and gives no room to write into. */
	mbi_init(&m, NULL, 0);
	build(&m, rsdp, rsdp);
	assert_false(m.overflow);
	assert_null(mbi_efi_mmap_room(&m, &room));
}

static void test_mbi_map_clamped_to_room(void **state)
{
	struct mbi m;
	size_t room, total;

	mbi_init(&m, block, 256);
	mbi_string(&m, 2, "mica.efi");
	assert_non_null(mbi_efi_mmap_room(&m, &room));
	/* A firmware claiming to have written more than it was offered. */
	total = mbi_efi_mmap_end(&m, (uint32_t)room + 4096, 48, 1);
	assert_true(total <= 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_typical),
		cmocka_unit_test(test_cfg_minimal),
		cmocka_unit_test(test_cfg_malformed),
		cmocka_unit_test(test_cfg_utf8_bom),
		cmocka_unit_test(test_cfg_limits),
		cmocka_unit_test(test_elf_mica_like),
		cmocka_unit_test(test_elf_entry_from_elf_header),
		cmocka_unit_test(test_elf_bad_headers),
		cmocka_unit_test(test_elf_bad_segments),
		cmocka_unit_test(test_elf_multiboot2_header),
		cmocka_unit_test(test_mbi_round_trip),
		cmocka_unit_test(test_mbi_overflow),
		cmocka_unit_test(test_mbi_map_clamped_to_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
