/* SPDX-License-Identifier: MIT */
/*
 * kernel/pv/elf.c on hand-built guest images (guest_elf.h): what a valid
 * kernel parses to and how it loads, and one refusal per check, each with
 * the message that names it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/pv_elf.h>
#include <public/elfnote.h>

#include "guest_elf.h"
#include "harness.h"

#define WHO "(d7) "
#define WHO_ARG "(d7)"

static struct gelf g;
static struct gelf_out out;
static struct pv_elf elf;

static int setup(void **state)
{
	gelf_typical(&g);
	log_reset();
	return 0;
}

static int parse_out(void)
{
	log_reset();
	return pv_elf_parse(&elf, out.buf, out.len, WHO_ARG);
}

static int parse(void)
{
	gelf_write(&g, &out);
	return parse_out();
}

static void set_note_u64(uint32_t type, uint64_t v)
{
	gelf_drop(&g, type);
	gelf_note_u64(&g, type, v);
}

static void set_note_str(uint32_t type, const char *s)
{
	gelf_drop(&g, type);
	gelf_note_str(&g, type, s);
}

/* ---- what a valid kernel parses to ---- */

static void test_typical(void **state)
{
	assert_int_equal(parse(), 0);
	assert_int_equal(log_count(LOGLVL_ERR) + log_count(LOGLVL_WARN), 0);
	assert_int_equal(elf.virt_base, GELF_VBASE);
	assert_int_equal(elf.elf_paddr_offset, 0);
	assert_int_equal(elf.virt_entry, GELF_ENTRY);
	assert_int_equal(elf.virt_hypercall, GELF_HYPERCALL);
	assert_int_equal(elf.p2m_base, PV_ELF_UNSET);
	assert_int_equal(elf.virt_kstart, GELF_VBASE);
	assert_int_equal(elf.virt_kend, GELF_KEND);
	assert_int_equal(elf.nr_segs, 2);
	assert_int_equal(elf.seg[1].va, GELF_VBASE + 0x2000);
	assert_int_equal(elf.seg[1].offset, out.seg_off[1]);
	assert_int_equal(elf.seg[1].filesz, 0x340);
	assert_int_equal(elf.seg[1].memsz, 0x6000);
	assert_string_equal(elf.guest_os, "mica-test");
	assert_string_equal(elf.guest_version, "1.0");
	assert_string_equal(elf.xen_version, "xen-3.0");
	assert_string_equal(elf.loader, "generic");
	assert_int_equal(elf.f_supported,
			 (1U << XENFEAT_writable_page_tables) |
				 (1U << XENFEAT_pae_pgdir_above_4gb));
	assert_int_equal(elf.f_required, 1U << XENFEAT_writable_page_tables);
	assert_false(elf.legacy);
	assert_false(elf.has_supported_features);
	assert_false(elf.has_phys32_entry);
}

static void test_defaults_and_short_values(void **state)
{
	/* A low-half kernel: VIRT_BASE 0, e_entry, 4-byte notes, "linux". */
	gelf_empty(&g);
	g.entry = 0x400100;
	gelf_seg(&g, 0x400000, 0x400000, 0x1000, 0x1000, 5);
	gelf_note_str(&g, XEN_ELFNOTE_GUEST_OS, "linux");
	gelf_note_str(&g, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	gelf_note_u32(&g, XEN_ELFNOTE_HYPERCALL_PAGE, 0x400000);
	gelf_note_u32(&g, XEN_ELFNOTE_SUPPORTED_FEATURES, 1U << XENFEAT_dom0);
	assert_int_equal(parse(), 0);
	assert_int_equal(elf.virt_base, 0);
	assert_int_equal(elf.elf_paddr_offset, 0);
	assert_int_equal(elf.virt_entry, 0x400100);
	assert_int_equal(elf.virt_hypercall, 0x400000);
	assert_true(elf.has_supported_features);
	assert_int_equal(elf.f_supported, 1U << XENFEAT_dom0);
	assert_int_equal(elf.f_required, 0);
}

static void test_notes_from_section(void **state)
{
	g.notes_in = GELF_NOTES_SECTION;
	assert_int_equal(parse(), 0);
	assert_int_equal(elf.virt_hypercall, GELF_HYPERCALL);
	assert_string_equal(elf.loader, "generic");
}

/* binutils bug: a PT_NOTE with p_offset 0 is skipped, the section read. */
static void test_note_segment_at_offset_zero(void **state)
{
	gelf_write(&g, &out);
	gelf_put64(&out, GE_PH(out.note_phdr) + GE_PH_OFFSET, 0);
	assert_int_equal(parse_out(), 0);
	assert_int_equal(elf.virt_entry, GELF_ENTRY);
	/* Without the section too, the kernel has no notes left. */
	g.no_sections = true;
	gelf_write(&g, &out);
	gelf_put64(&out, GE_PH(out.note_phdr) + GE_PH_OFFSET, 0);
	assert_int_equal(parse_out(), -ENOEXEC);
	assert_true(log_has(LOGLVL_ERR, "no Xen ELF notes"));
}

static void test_features_parsing(void **state)
{
	set_note_str(XEN_ELFNOTE_FEATURES,
		     "writable_descriptor_tables||!pae_pgdir_above_4gb|"
		     "some_future_feature|dom0|");
	gelf_note_u32(&g, XEN_ELFNOTE_SUPPORTED_FEATURES,
		      1U << XENFEAT_hvm_callback_vector);
	assert_int_equal(parse(), 0);
	assert_int_equal(elf.f_supported,
			 (1U << XENFEAT_writable_descriptor_tables) |
				 (1U << XENFEAT_pae_pgdir_above_4gb) |
				 (1U << XENFEAT_dom0) |
				 (1U << XENFEAT_hvm_callback_vector));
	assert_int_equal(elf.f_required, 1U << XENFEAT_pae_pgdir_above_4gb);
}

static void test_required_feature_unsupported(void **state)
{
	set_note_str(XEN_ELFNOTE_FEATURES,
		     "!writable_page_tables|!supervisor_mode_kernel");
	assert_int_equal(parse(), -EOPNOTSUPP);
	assert_true(log_has(
		LOGLVL_ERR, WHO
		"guest kernel requires the Xen feature supervisor_mode_kernel, which mica does not provide"));
	/* Marked required through __xen_guest: the same. */
	gelf_typical(&g);
	g.notes_in = GELF_NOTES_NONE;
	g.xen_guest =
		"GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xffffffff80000000,"
		"ELF_PADDR_OFFSET=0,FEATURES=!auto_translated_physmap";
	assert_int_equal(parse(), -EOPNOTSUPP);
	assert_true(log_has(LOGLVL_ERR, "auto_translated_physmap"));
}

static void test_legacy_xen_guest(void **state)
{
	/* Legacy kernels put VAs in p_paddr; ELF_PADDR_OFFSET defaults to VIRT_BASE. */
	g.notes_in = GELF_NOTES_NONE;
	g.seg[0].paddr = g.seg[0].vaddr;
	g.seg[1].paddr = g.seg[1].vaddr;
	g.xen_guest = "GUEST_OS=linux,GUEST_VER=2.6,XEN_VER=xen-3.0,"
		      "VIRT_BASE=0xffffffff80000000,HYPERCALL_PAGE=0x1,"
		      "VIRT_ENTRY=0xffffffff80000080,LOADER=generic,PAE=yes,"
		      "FEATURES=!writable_page_tables|pae_pgdir_above_4gb";
	assert_int_equal(parse(), 0);
	assert_int_equal(log_count(LOGLVL_WARN), 0);
	assert_true(elf.legacy);
	assert_int_equal(elf.virt_base, GELF_VBASE);
	assert_int_equal(elf.elf_paddr_offset, GELF_VBASE);
	assert_int_equal(elf.virt_kstart, GELF_VBASE);
	assert_int_equal(elf.virt_hypercall, GELF_VBASE + 0x1000);
	assert_int_equal(elf.virt_entry, GELF_VBASE + 0x80);
	assert_string_equal(elf.guest_os, "linux");
	assert_string_equal(elf.guest_version, "2.6");
	assert_string_equal(elf.pae_mode, "yes");
	assert_int_equal(elf.f_required, 1U << XENFEAT_writable_page_tables);
}

static void test_legacy_refusals(void **state)
{
	static const struct {
		const char *s, *msg;
	} cases[] = {
		{"GUEST_OS=linux,VIRT_BASE=0xzz",
		 "VIRT_BASE=0xzz is not a number"},
		{"VIRT_BASE=", "VIRT_BASE= is not a number"},
		/* 2^64 would wrap: too long to be parsed. */
		{"VIRT_BASE=0x10000000000000000", "is not a number"},
		{"HYPERCALL_PAGE=0x10000000000000",
		 "HYPERCALL_PAGE=0x10000000000000 is too large"},
		{"AN_EXTREMELY_LONG_KEY_THAT_NEVER_ENDS=1",
		 "a key is longer than 31"},
		{"GUEST_OS=linuxlinuxlinuxlinuxlinuxlinuxlinuxlinuxlinuxlinuxlinux"
		 "linuxlinuxlinuxlinuxlinuxlinuxlinuxlinuxlinuxlinuxlinuxlinuxlinux"
		 "linuxlinux",
		 "the value of GUEST_OS is longer than 127"},
		{"GUEST_OS=linux,XEN_VER=xen-3.0,FEATURES=!bogus",
		 "'bogus', which is unknown"},
		{"GUEST_OS=windows,XEN_VER=xen-3.0",
		 "built neither for the generic loader"},
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		gelf_typical(&g);
		g.notes_in = GELF_NOTES_NONE;
		g.xen_guest = cases[i].s;
		if (parse() != -ENOEXEC || !log_has(LOGLVL_ERR, cases[i].msg))
			fail_msg(
				"__xen_guest \"%s\": not refused with \"%s\"; log: %s",
				cases[i].s, cases[i].msg, test_log);
	}
}

static void test_pvh_entry_noted(void **state)
{
	gelf_note_u32(&g, XEN_ELFNOTE_PHYS32_ENTRY, 0x1000040);
	assert_int_equal(parse(), 0);
	assert_true(elf.has_phys32_entry);
	assert_int_equal(elf.phys32_entry, 0x1000040);
	assert_int_equal(elf.virt_entry, GELF_ENTRY);
	assert_true(
		log_has(LOGLVL_DEBUG, "PHYS32_ENTRY 0x1000040 is a PVH entry"));
}

static void test_warnings(void **state)
{
	gelf_note_str(&g, XEN_ELFNOTE_BSD_SYMTAB, "yes");
	g.seg[1].vaddr += 0x1000; /* p_vaddr disagrees with p_paddr's rule */
	assert_int_equal(parse(), 0);
	assert_true(elf.bsd_symtab);
	assert_int_equal(elf.seg[1].va, GELF_VBASE + 0x2000);
	assert_true(
		log_has(LOGLVL_DEBUG, WHO
			"guest ELF: segment 1 loads at 0xffffffff80002000"));
	assert_true(log_has(LOGLVL_WARN, "BSD_SYMTAB"));
	assert_int_equal(log_count(LOGLVL_ERR), 0);
}

/* Xen's rule: p_paddr + VIRT_BASE - PADDR_OFFSET, wrapping. */
static void test_paddr_offset(void **state)
{
	/* FreeBSD style: PADDR_OFFSET = VIRT_BASE, p_paddr = p_vaddr. */
	set_note_u64(XEN_ELFNOTE_PADDR_OFFSET, GELF_VBASE);
	g.seg[0].paddr = g.seg[0].vaddr;
	g.seg[1].paddr = g.seg[1].vaddr;
	assert_int_equal(parse(), 0);
	assert_int_equal(elf.virt_kstart, GELF_VBASE);
	assert_int_equal(elf.virt_kend, GELF_KEND);
	assert_int_equal(log_count(LOGLVL_WARN), 0);
}

/* ---- loading ---- */

#define LOAD_PAGES 8

struct sink {
	uint8_t mem[LOAD_PAGES * 4096];
	unsigned long base;
	unsigned int calls;
	int fail_at; /* this call fails with -EIO; -1: never */
};

static int sink_write(void *ctx, unsigned long va, const void *src, size_t len)
{
	struct sink *s = ctx;

	/* The contract: inside one page, inside the image. */
	assert_true(len > 0 && len <= 4096);
	assert_int_equal(va >> 12, (va + len - 1) >> 12);
	assert_true(va >= s->base && va + len <= s->base + sizeof(s->mem));
	if ((int)s->calls++ == s->fail_at)
		return -EIO;
	if (src)
		memcpy(s->mem + (va - s->base), src, len);
	else
		memset(s->mem + (va - s->base), 0, len);
	return 0;
}

static void test_load(void **state)
{
	static struct sink s;

	/* Data not page-aligned in the file, bss starting mid-page. */
	g.seg[1].vaddr += 0x123;
	g.seg[1].paddr += 0x123;
	g.seg[1].memsz -= 0x123;
	assert_int_equal(parse(), 0);
	memset(s.mem, 0xee, sizeof(s.mem));
	s.base = GELF_VBASE;
	s.fail_at = -1;
	assert_int_equal(pv_elf_load(&elf, sink_write, &s), 0);
	for (unsigned long off = 0; off < 0x8000; off++) {
		unsigned long va = GELF_VBASE + off;
		uint8_t want;

		if (off < 0x2000)
			want = gelf_byte(va);
		else if (off < 0x2123)
			want = 0xee; /* between the segments: not touched */
		else if (off < 0x2123 + 0x340)
			want = gelf_byte(va);
		else
			want = 0; /* bss */
		if (s.mem[off] != want)
			fail_msg("byte at %#lx is %#x, not %#x", va, s.mem[off],
				 want);
	}
}

static void test_load_error_stops(void **state)
{
	static struct sink s;

	assert_int_equal(parse(), 0);
	s.base = GELF_VBASE;
	s.fail_at = 3;
	assert_int_equal(pv_elf_load(&elf, sink_write, &s), -EIO);
	assert_int_equal(s.calls, 4);
}

/* ---- one refusal per check ---- */

struct refusal {
	const char *name;
	void (*mutate)(void);		   /* on g, before writing */
	void (*patch)(struct gelf_out *o); /* on the image, after */
	const char *msg;
	int rc;
	/* Or a header field of width bytes at offset at set to val. */
	size_t at;
	unsigned int width;
	uint64_t val;
};

#define FIELD(name, at, width, val, msg)                        \
	{                                                       \
		name, NULL, NULL, msg, -ENOEXEC, at, width, val \
	}

static void p_short(struct gelf_out *o)
{
	o->len = 40;
}
static void p_magic(struct gelf_out *o)
{
	o->buf[1] = 'X';
}
static void p_class32(struct gelf_out *o)
{
	o->buf[4] = 1;
}
static void p_big_endian(struct gelf_out *o)
{
	o->buf[5] = 2;
}
static void m_et_dyn(void)
{
	g.type = 3;
}
static void m_machine(void)
{
	g.machine = 3;
}
static void p_phoff_end(struct gelf_out *o)
{
	gelf_put64(o, GE_EH_PHOFF, o->len - 56);
}
static void p_shoff_end(struct gelf_out *o)
{
	gelf_put64(o, GE_EH_SHOFF, o->shoff + 64);
}
static void p_shstrtab_outside(struct gelf_out *o)
{
	/* The name table's offset beyond the file; read only for __xen_guest. */
	unsigned int last = 2; /* null, __xen_guest, .shstrtab */

	gelf_put64(o, o->shoff + last * 64 + GE_SH_OFFSET, o->len + 1);
}
static void m_legacy_only(void)
{
	g.notes_in = GELF_NOTES_NONE;
	g.xen_guest = "GUEST_OS=linux,XEN_VER=xen-3.0";
}

static void p_note_table_end(struct gelf_out *o)
{
	gelf_put64(o, GE_PH(o->note_phdr) + GE_PH_FILESZ, o->len);
}
static void p_note_table_wrap(struct gelf_out *o)
{
	gelf_put64(o, GE_PH(o->note_phdr) + GE_PH_OFFSET, ~0UL - 3);
}
static void p_note_table_misaligned(struct gelf_out *o)
{
	gelf_put64(o, GE_PH(o->note_phdr) + GE_PH_OFFSET, o->notes_off + 2);
	gelf_put64(o, GE_PH(o->note_phdr) + GE_PH_FILESZ, o->notes_len - 2);
}
static void p_note_partial(struct gelf_out *o)
{
	gelf_put64(o, GE_PH(o->note_phdr) + GE_PH_FILESZ, o->notes_len + 6);
}
static void p_note_desc_long(struct gelf_out *o)
{
	gelf_put32(o, o->note_off[gelf_find(&g, XEN_ELFNOTE_VIRT_BASE)] + 4,
		   0x10000);
}
static void p_note_desc_huge(struct gelf_out *o)
{
	gelf_put32(o, o->note_off[gelf_find(&g, XEN_ELFNOTE_VIRT_BASE)] + 4,
		   0xffffffff);
}
static void p_note_name_huge(struct gelf_out *o)
{
	gelf_put32(o, o->note_off[gelf_find(&g, XEN_ELFNOTE_VIRT_BASE)],
		   0xfffffff0);
}
static void m_note_name_unterminated(void)
{
	gelf_note_raw(&g, "Xen!", 4, XEN_ELFNOTE_GUEST_OS, "x", 2);
}
static void m_numeric_size(void)
{
	gelf_drop(&g, XEN_ELFNOTE_VIRT_BASE);
	gelf_note_raw(&g, "Xen", 4, XEN_ELFNOTE_VIRT_BASE, "\0\0", 2);
}
static void m_string_unterminated(void)
{
	gelf_drop(&g, XEN_ELFNOTE_GUEST_OS);
	gelf_note_raw(&g, "Xen", 4, XEN_ELFNOTE_GUEST_OS, "linux", 5);
}
static void m_supported_size(void)
{
	gelf_note_raw(&g, "Xen", 4, XEN_ELFNOTE_SUPPORTED_FEATURES,
		      "\1\0\0\0\0\0", 6);
}
static void m_many_notes(void)
{
	g.filler_notes = PV_ELF_MAX_NOTES;
}
static void m_no_notes(void)
{
	g.notes_in = GELF_NOTES_NONE;
}
static void m_foreign_notes_only(void)
{
	for (unsigned int t = 0; t <= XEN_ELFNOTE_MAX; t++)
		gelf_drop(&g, t);
}
static void m_no_loader(void)
{
	gelf_drop(&g, XEN_ELFNOTE_LOADER);
}
static void m_xen_version(void)
{
	set_note_str(XEN_ELFNOTE_XEN_VERSION, "xen-2.0");
}
static void m_offset_without_base(void)
{
	gelf_drop(&g, XEN_ELFNOTE_VIRT_BASE);
}
static void m_unknown_required(void)
{
	set_note_str(XEN_ELFNOTE_FEATURES,
		     "pae_pgdir_above_4gb|!no_such_feature");
}
static void m_hvm_required(void)
{
	set_note_str(XEN_ELFNOTE_FEATURES, "!hvm_callback_vector");
}

static void m_filesz_above_memsz(void)
{
	g.seg[1].filesz = 0x7000;
}
static void p_segment_end(struct gelf_out *o)
{
	gelf_put64(o, GE_PH(1) + GE_PH_OFFSET, o->len - 0x100);
}
static void p_segment_offset_wrap(struct gelf_out *o)
{
	gelf_put64(o, GE_PH(1) + GE_PH_OFFSET, ~0UL - 0x10);
}
static void p_segment_filesz_wrap(struct gelf_out *o)
{
	gelf_put64(o, GE_PH(1) + GE_PH_FILESZ, ~0UL);
	gelf_put64(o, GE_PH(1) + GE_PH_MEMSZ, ~0UL);
}
static void m_align(void)
{
	g.seg[0].align = 3;
}
static void m_many_segments(void)
{
	for (unsigned int i = 0; i < PV_ELF_MAX_SEGS - 1; i++)
		gelf_seg(&g, GELF_KEND + i * 0x1000, 0x8000 + i * 0x1000, 0x10,
			 0x1000, 4);
}
/* A segment at guest address va: p_paddr = va - VIRT_BASE, wrapping. */
static void add_at(uint64_t va, uint64_t memsz)
{
	gelf_seg(&g, va, va - GELF_VBASE, 0x10, memsz, 4);
}
static void m_non_canonical(void)
{
	add_at(0x0000900000000000UL, 0x1000);
}
static void m_hypervisor_hole(void)
{
	add_at(0xffff800000001000UL, 0x1000);
}
static void m_hole_end(void)
{
	add_at(0xffff87fffffff000UL, 0x2000);
}
static void m_ends_at_top(void)
{
	add_at(0xfffffffffffff000UL, 0x1000);
}
static void m_crosses_low_half(void)
{
	add_at(0x00007ffffffff000UL, 0x2000);
}
static void m_overlap(void)
{
	add_at(GELF_VBASE + 0x1800, 0x1000);
}
static void m_none_loadable(void)
{
	g.seg[0].flags = 0;
	g.seg[1].memsz = 0;
	g.seg[1].filesz = 0;
}
static void m_base_unaligned(void)
{
	set_note_u64(XEN_ELFNOTE_VIRT_BASE, GELF_VBASE + 0x10);
}
static void m_base_above_image(void)
{
	set_note_u64(XEN_ELFNOTE_VIRT_BASE, GELF_VBASE + 0x1000);
	set_note_u64(XEN_ELFNOTE_PADDR_OFFSET, 0x1000);
}
static void m_range_crosses_hole(void)
{
	/* VIRT_BASE in the low half, the image (unmoved) in the high one. */
	set_note_u64(XEN_ELFNOTE_VIRT_BASE, 0x400000);
	set_note_u64(XEN_ELFNOTE_PADDR_OFFSET, 0x400000 - GELF_VBASE);
}
static void m_entry_outside(void)
{
	set_note_u64(XEN_ELFNOTE_ENTRY, GELF_KEND + 0x1000);
}
static void m_entry_in_bss(void)
{
	set_note_u64(XEN_ELFNOTE_ENTRY, GELF_VBASE + 0x3000);
}
static void m_entry_default_outside(void)
{
	gelf_drop(&g, XEN_ELFNOTE_ENTRY);
	g.entry = 0x1000;
}
static void m_hypercall_unaligned(void)
{
	set_note_u64(XEN_ELFNOTE_HYPERCALL_PAGE, GELF_HYPERCALL + 8);
}
static void m_hypercall_above(void)
{
	set_note_u64(XEN_ELFNOTE_HYPERCALL_PAGE, GELF_KEND);
}
static void m_hypercall_below(void)
{
	set_note_u64(XEN_ELFNOTE_HYPERCALL_PAGE, GELF_VBASE - 0x1000);
}
static void m_init_p2m_inside(void)
{
	set_note_u64(XEN_ELFNOTE_INIT_P2M, GELF_VBASE + 0x3000);
}

static const struct refusal refusals[] = {
	{"short", NULL, p_short, "40 bytes, too short for an ELF header",
	 -ENOEXEC, 0, 0, 0},
	{"magic", NULL, p_magic, "not an ELF file", -ENOEXEC, 0, 0, 0},
	{"class32", NULL, p_class32, "not a 64-bit ELF file (class 1)",
	 -ENOEXEC, 0, 0, 0},
	{"big-endian", NULL, p_big_endian, "not a little-endian ELF file",
	 -ENOEXEC, 0, 0, 0},
	FIELD("version", GE_EH_VERSION, 4, 2, "ELF version 2, not 1"),
	{"et-dyn", m_et_dyn, NULL, "not an executable (e_type 3)", -ENOEXEC, 0,
	 0, 0},
	{"machine", m_machine, NULL, "not an x86-64 ELF file (e_machine 3)",
	 -ENOEXEC, 0, 0, 0},
	FIELD("ehsize", GE_EH_EHSIZE, 2, 52, "e_ehsize is 52, not 64"),
	FIELD("no-phdrs", GE_EH_PHNUM, 2, 0, "no program headers"),
	FIELD("many-phdrs", GE_EH_PHNUM, 2, 65,
	      "65 program headers, more than 64"),
	FIELD("phentsize", GE_EH_PHENTSIZE, 2, 32, "e_phentsize is 32, not 56"),
	{"phoff-end", NULL, p_phoff_end, "the program header table", -ENOEXEC,
	 0, 0, 0},
	FIELD("phoff-wrap", GE_EH_PHOFF, 8, ~0UL - 7,
	      "the program header table"),
	FIELD("phoff-misaligned", GE_EH_PHOFF, 8, 68,
	      "program header table (at 0x44) is misaligned"),
	FIELD("many-shdrs", GE_EH_SHNUM, 2, 4097,
	      "4097 section headers, more than 4096"),
	FIELD("shentsize", GE_EH_SHENTSIZE, 2, 40, "e_shentsize is 40, not 64"),
	{"shoff-end", NULL, p_shoff_end, "the section header table", -ENOEXEC,
	 0, 0, 0},
	{"shstrtab-outside", m_legacy_only, p_shstrtab_outside,
	 "the section name table (section 2) is not a string table inside the file",
	 -ENOEXEC, 0, 0, 0},
	{"note-table-end", NULL, p_note_table_end,
	 "PT_NOTE segment 2 runs past the end of the file", -ENOEXEC, 0, 0, 0},
	{"note-table-wrap", NULL, p_note_table_wrap,
	 "PT_NOTE segment 2 runs past the end of the file", -ENOEXEC, 0, 0, 0},
	{"note-table-misaligned", NULL, p_note_table_misaligned,
	 "PT_NOTE segment 2 is not 4-byte aligned", -ENOEXEC, 0, 0, 0},
	{"note-partial", NULL, p_note_partial,
	 "PT_NOTE segment 2 ends in a partial note header", -ENOEXEC, 0, 0, 0},
	{"note-desc-long", NULL, p_note_desc_long,
	 "runs past the end of its table", -ENOEXEC, 0, 0, 0},
	{"note-desc-huge", NULL, p_note_desc_huge,
	 "runs past the end of its table", -ENOEXEC, 0, 0, 0},
	{"note-name-huge", NULL, p_note_name_huge,
	 "runs past the end of its table", -ENOEXEC, 0, 0, 0},
	{"note-name-unterminated", m_note_name_unterminated, NULL,
	 "has a name that is not NUL-terminated", -ENOEXEC, 0, 0, 0},
	{"numeric-size", m_numeric_size, NULL,
	 "note VIRT_BASE has a 2-byte value, not 4 or 8", -ENOEXEC, 0, 0, 0},
	{"string-unterminated", m_string_unterminated, NULL,
	 "note GUEST_OS is not a NUL-terminated string", -ENOEXEC, 0, 0, 0},
	{"supported-features-size", m_supported_size, NULL,
	 "note SUPPORTED_FEATURES is 6 bytes", -ENOEXEC, 0, 0, 0},
	{"many-notes", m_many_notes, NULL, "more than 1024 ELF notes", -ENOEXEC,
	 0, 0, 0},
	{"no-notes", m_no_notes, NULL,
	 "no Xen ELF notes and no __xen_guest section: not a Xen PV kernel",
	 -ENOEXEC, 0, 0, 0},
	{"foreign-notes-only", m_foreign_notes_only, NULL, "no Xen ELF notes",
	 -ENOEXEC, 0, 0, 0},
	{"loader", m_no_loader, NULL,
	 "built neither for the generic loader (LOADER \"\") nor as Linux (GUEST_OS \"mica-test\")",
	 -ENOEXEC, 0, 0, 0},
	{"xen-version", m_xen_version, NULL,
	 "built for Xen version \"xen-2.0\", not xen-3.0", -ENOEXEC, 0, 0, 0},
	{"offset-without-base", m_offset_without_base, NULL,
	 "PADDR_OFFSET is given without VIRT_BASE", -ENOEXEC, 0, 0, 0},
	{"unknown-required", m_unknown_required, NULL,
	 "requires the Xen feature 'no_such_feature', which is unknown",
	 -ENOEXEC, 0, 0, 0},
	{"hvm-required", m_hvm_required, NULL,
	 "requires the Xen feature hvm_callback_vector, which mica does not provide",
	 -EOPNOTSUPP, 0, 0, 0},
	{"filesz-above-memsz", m_filesz_above_memsz, NULL,
	 "PT_LOAD segment 1 has p_filesz 0x7000 above its p_memsz 0x6000",
	 -ENOEXEC, 0, 0, 0},
	{"segment-end", NULL, p_segment_end,
	 "PT_LOAD segment 1 runs past the end of the file", -ENOEXEC, 0, 0, 0},
	{"segment-offset-wrap", NULL, p_segment_offset_wrap,
	 "PT_LOAD segment 1 runs past the end of the file", -ENOEXEC, 0, 0, 0},
	{"segment-filesz-wrap", NULL, p_segment_filesz_wrap,
	 "PT_LOAD segment 1 runs past the end of the file", -ENOEXEC, 0, 0, 0},
	{"align", m_align, NULL,
	 "PT_LOAD segment 0 has p_align 0x3, not a power of two", -ENOEXEC, 0,
	 0, 0},
	{"many-segments", m_many_segments, NULL,
	 "more than 16 PT_LOAD segments", -ENOEXEC, 0, 0, 0},
	{"non-canonical", m_non_canonical, NULL,
	 "PT_LOAD segment 2 at 0x900000000000 (0x1000 bytes) is not in the guest's part of the address space",
	 -ENOEXEC, 0, 0, 0},
	{"hypervisor-hole", m_hypervisor_hole, NULL,
	 "PT_LOAD segment 2 at 0xffff800000001000", -ENOEXEC, 0, 0, 0},
	{"hole-end", m_hole_end, NULL,
	 "PT_LOAD segment 2 at 0xffff87fffffff000", -ENOEXEC, 0, 0, 0},
	{"ends-at-top", m_ends_at_top, NULL,
	 "PT_LOAD segment 2 at 0xfffffffffffff000", -ENOEXEC, 0, 0, 0},
	{"crosses-low-half", m_crosses_low_half, NULL,
	 "PT_LOAD segment 2 at 0x7ffffffff000", -ENOEXEC, 0, 0, 0},
	{"overlap", m_overlap, NULL,
	 "PT_LOAD segment 2 overlaps an earlier one at 0xffffffff80000000",
	 -ENOEXEC, 0, 0, 0},
	{"none-loadable", m_none_loadable, NULL, "no loadable PT_LOAD segment",
	 -ENOEXEC, 0, 0, 0},
	{"base-unaligned", m_base_unaligned, NULL,
	 "VIRT_BASE 0xffffffff80000010 is not page-aligned", -ENOEXEC, 0, 0, 0},
	{"base-above-image", m_base_above_image, NULL,
	 "the image starts at 0xffffffff80000000, below VIRT_BASE 0xffffffff80001000",
	 -ENOEXEC, 0, 0, 0},
	{"range-crosses-hole", m_range_crosses_hole, NULL,
	 "VIRT_BASE 0x400000 to the image's end 0xffffffff80008000 crosses",
	 -ENOEXEC, 0, 0, 0},
	{"entry-outside", m_entry_outside, NULL,
	 "the entry point 0xffffffff80009000 is not in the file bytes of any PT_LOAD segment",
	 -ENOEXEC, 0, 0, 0},
	{"entry-in-bss", m_entry_in_bss, NULL,
	 "the entry point 0xffffffff80003000 is not in the file bytes",
	 -ENOEXEC, 0, 0, 0},
	{"entry-default-outside", m_entry_default_outside, NULL,
	 "the entry point 0x1000 is not", -ENOEXEC, 0, 0, 0},
	{"hypercall-unaligned", m_hypercall_unaligned, NULL,
	 "HYPERCALL_PAGE 0xffffffff80001008 is not a page-aligned address inside the image [0xffffffff80000000, 0xffffffff80008000)",
	 -ENOEXEC, 0, 0, 0},
	{"hypercall-above", m_hypercall_above, NULL,
	 "HYPERCALL_PAGE 0xffffffff80008000 is not", -ENOEXEC, 0, 0, 0},
	{"hypercall-below", m_hypercall_below, NULL,
	 "HYPERCALL_PAGE 0xffffffff7ffff000 is not", -ENOEXEC, 0, 0, 0},
	{"init-p2m-inside", m_init_p2m_inside, NULL,
	 "INIT_P2M 0xffffffff80003000 lies inside the image", -ENOEXEC, 0, 0,
	 0},
};

static void test_refusal(void **state)
{
	const struct refusal *r = *state;
	int rc, want = r->rc;
	char line[256];

	gelf_typical(&g);
	if (r->mutate)
		r->mutate();
	gelf_write(&g, &out);
	if (r->patch)
		r->patch(&out);
	if (r->width == 2)
		gelf_put16(&out, r->at, (uint16_t)r->val);
	else if (r->width == 4)
		gelf_put32(&out, r->at, (uint32_t)r->val);
	else if (r->width == 8)
		gelf_put64(&out, r->at, r->val);
	rc = parse_out();
	if (rc != want)
		fail_msg("%s: returned %d, not %d; log: %s", r->name, rc, want,
			 test_log);
	/* One error, with the domain's prefix, naming the problem. */
	snprintf(line, sizeof(line), "%s%s", WHO,
		 want == -ENOEXEC ? "bad guest ELF: "
				  : "guest kernel requires");
	if (log_count(LOGLVL_ERR) != 1 || !log_has(LOGLVL_ERR, line) ||
	    !log_has(LOGLVL_ERR, r->msg))
		fail_msg("%s: expected one error with \"%s\"; log: %s", r->name,
			 r->msg, test_log);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_setup(test_typical, setup),
		cmocka_unit_test_setup(test_defaults_and_short_values, setup),
		cmocka_unit_test_setup(test_notes_from_section, setup),
		cmocka_unit_test_setup(test_note_segment_at_offset_zero, setup),
		cmocka_unit_test_setup(test_features_parsing, setup),
		cmocka_unit_test_setup(test_required_feature_unsupported,
				       setup),
		cmocka_unit_test_setup(test_legacy_xen_guest, setup),
		cmocka_unit_test_setup(test_legacy_refusals, setup),
		cmocka_unit_test_setup(test_pvh_entry_noted, setup),
		cmocka_unit_test_setup(test_warnings, setup),
		cmocka_unit_test_setup(test_paddr_offset, setup),
		cmocka_unit_test_setup(test_load, setup),
		cmocka_unit_test_setup(test_load_error_stops, setup),
	};
	static struct CMUnitTest
		tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(refusals)];
	static char names[ARRAY_SIZE(refusals)][64];
	unsigned int n = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	for (unsigned int i = 0; i < ARRAY_SIZE(refusals); i++) {
		snprintf(names[i], sizeof(names[i]), "refuses_%s",
			 refusals[i].name);
		tests[n++] = (struct CMUnitTest){
			.name = names[i],
			.test_func = test_refusal,
			.initial_state = (void *)&refusals[i],
		};
	}
	return _cmocka_run_group_tests("pv_elf", tests, n, NULL, NULL);
}
