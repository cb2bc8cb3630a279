/* SPDX-License-Identifier: MIT */
/*
 * VGA text console ("vga"): the colour text screen of BIOS machines.
 *
 * Used only when the screen is known to be in text mode: the loader said
 * so (multiboot2's EGA text framebuffer), or a multiboot1 loader started
 * mica on BIOS firmware and the BIOS data area reports a text mode. Never
 * on UEFI firmware or when the loader set up a graphics framebuffer: such
 * machines may have no VGA at all, and RAM where its memory used to be.
 *
 * Text memory is written, never read back: the grid of drivers/term.c is
 * the shadow, and a second copy of what the screen shows lets a scroll
 * rewrite only the cells that changed (legacy VGA memory is slow).
 */
#include <asm/io.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/paging.h>
#include <mica/selftest.h>

#include "term.h"

#define VGA_WINDOW_START 0xa0000
#define VGA_WINDOW_END 0xc0000
#define VGA_COLOUR_TEXT 0xb8000
#define VGA_MONO_TEXT 0xb0000
#define VGA_MAX_CELLS (132 * 60) /* the largest common text mode */

#define CRTC_COLOUR 0x3d4
#define CRTC_MONO 0x3b4
#define CRTC_CURSOR_START 0x0a
#define CRTC_CURSOR_HI 0x0e
#define CRTC_CURSOR_LO 0x0f
#define CURSOR_DISABLE 0x20

/* The BIOS data area, as the BIOS left it. */
#define BDA_VIDEO_MODE 0x449
#define BDA_COLUMNS 0x44a
#define BDA_CRTC_BASE 0x463
#define BDA_LAST_ROW 0x484

#define CP437_SQUARE 0xfe /* shown for TERM_UNKNOWN */

struct vga {
	struct term term;
	volatile uint16_t *mem;
	uint16_t *drawn;     /* what mem holds; 0: unknown */
	unsigned int stride; /* cells from one row of mem to the next */
	uint16_t crtc;	     /* CRTC index port; 0: none (the tests) */
};

static void vga_setup(struct vga *v, volatile uint16_t *mem, unsigned int cols,
		      unsigned int rows, unsigned int stride, uint16_t *cells,
		      uint16_t *drawn, uint16_t crtc)
{
	v->mem = mem;
	v->drawn = drawn;
	v->stride = stride;
	v->crtc = crtc;
	memset(drawn, 0, (size_t)cols * rows * sizeof(*drawn));
	term_init(&v->term, cells, cols, rows);
}

static void crtc_write(uint16_t crtc, uint8_t reg, uint8_t val)
{
	outb(reg, crtc);
	outb(val, crtc + 1);
}

static void vga_show(struct vga *v)
{
	struct term *t = &v->term;
	unsigned int lo, hi, pos;

	if (term_take_dirty(t, &lo, &hi)) {
		for (unsigned int y = lo; y < hi; y++) {
			for (unsigned int x = 0; x < t->cols; x++) {
				unsigned int i = y * t->cols + x;
				uint16_t cell = t->cells[i];

				if (cell == v->drawn[i])
					continue;
				v->drawn[i] = cell;
				if ((cell & 0xff) == TERM_UNKNOWN)
					cell = (cell & 0xff00) | CP437_SQUARE;
				v->mem[y * v->stride + x] = cell;
			}
		}
	}
	if (!v->crtc)
		return;
	pos = t->y * v->stride + MIN(t->x, t->cols - 1);
	crtc_write(v->crtc, CRTC_CURSOR_HI, pos >> 8);
	crtc_write(v->crtc, CRTC_CURSOR_LO, pos & 0xff);
}

static void vga_put(struct vga *v, const char *s, size_t n, uint8_t attr)
{
	v->term.attr = attr;
	term_write(&v->term, s, n);
	vga_show(v);
}

static struct vga vga;
static uint16_t vga_cells[VGA_MAX_CELLS], vga_drawn[VGA_MAX_CELLS];
static bool vga_busy;

static void vga_write(struct console *c, const char *s, size_t n)
{
	/* A fault while drawing must not recurse into here. */
	if (vga_busy)
		return;
	vga_busy = true;
	vga_put(&vga, s, n, term_level_attr(console_write_level));
	vga_busy = false;
}

static struct console vga_console = {
	.name = "vga",
	.write = vga_write,
};

struct text_mode {
	paddr_t addr;
	unsigned int cols, rows, stride;
	uint16_t crtc;
};

/*
 * The mode a multiboot1 loader left on BIOS firmware, from the BIOS data
 * area (the early map reaches it at INIT_CONSOLE).
 */
static int bios_text_mode(struct text_mode *m)
{
	const uint8_t *bda = __va(0);
	uint8_t mode = bda[BDA_VIDEO_MODE] & 0x7f; /* bit 7: kept memory */
	uint16_t crtc = *(const uint16_t *)(bda + BDA_CRTC_BASE);

	if (mode > 3 && mode != 7) {
		printk("vga: BIOS video mode %#x is not a text mode\n", mode);
		return -ENODEV;
	}
	m->addr = mode == 7 ? VGA_MONO_TEXT : VGA_COLOUR_TEXT;
	m->crtc = mode == 7 ? CRTC_MONO : CRTC_COLOUR;
	if (crtc == CRTC_MONO || crtc == CRTC_COLOUR)
		m->crtc = crtc;
	m->cols = *(const uint16_t *)(bda + BDA_COLUMNS);
	/* Before the EGA the BIOS kept no row count: 25 then. */
	m->rows = bda[BDA_LAST_ROW] ? bda[BDA_LAST_ROW] + 1u : 25;
	if (m->cols < 40 || m->cols > 132) {
		printk(LOG_WARN
		       "vga: BIOS data area says %u columns: assuming 80x25\n",
		       m->cols);
		m->cols = 80;
		m->rows = 25;
	}
	m->stride = m->cols;
	return 0;
}

static int loader_text_mode(struct text_mode *m)
{
	const struct boot_framebuffer *fb = &boot_info->fb;

	m->addr = fb->addr;
	m->cols = fb->width;
	m->rows = fb->height;
	m->stride = fb->pitch / 2;
	m->crtc = m->addr == VGA_MONO_TEXT ? CRTC_MONO : CRTC_COLOUR;
	return 0;
}

/* Whether writes to text memory stick: there may be no VGA at all. */
static bool text_memory_works(volatile uint16_t *cell)
{
	uint16_t old = *cell;
	bool ok;

	*cell = 0x5aa5;
	ok = *cell == 0x5aa5;
	*cell = 0xa55a;
	ok = ok && *cell == 0xa55a;
	*cell = old;
	return ok;
}

static int vga_init(void)
{
	const struct boot_info *bi = boot_info;
	struct text_mode m;
	size_t size;
	void *mem;
	int rc;

	if (!console_enabled("vga") || bi->efi_firmware)
		return 0;
	if (bi->fb.type == BOOT_FB_EGA_TEXT)
		rc = loader_text_mode(&m);
	else if (bi->fb.type == BOOT_FB_NONE &&
		 bi->source == BOOT_FROM_MULTIBOOT1)
		rc = bios_text_mode(&m);
	else
		return 0;
	if (rc)
		return rc;

	size = (size_t)m.stride * m.rows * 2;
	if (!m.cols || !m.rows || m.stride < m.cols ||
	    (size_t)m.cols * m.rows > VGA_MAX_CELLS ||
	    m.addr < VGA_WINDOW_START || m.addr >= VGA_WINDOW_END ||
	    size > VGA_WINDOW_END - m.addr) {
		printk(LOG_ERR
		       "vga: text mode %ux%u (%u cells a row) at %#lx is not one a VGA has\n",
		       m.cols, m.rows, m.stride, m.addr);
		return -EINVAL;
	}
	mem = phys_map(m.addr, size, PHYS_UC);
	if (!mem) {
		printk(LOG_ERR "vga: cannot map text memory at %#lx\n", m.addr);
		return -ENOMEM;
	}
	if (!text_memory_works(mem)) {
		printk("vga: no text memory at %#lx\n", m.addr);
		return -ENODEV;
	}
	vga_setup(&vga, mem, m.cols, m.rows, m.stride, vga_cells, vga_drawn,
		  m.crtc);
	/* The loader may have hidden the cursor. */
	outb(CRTC_CURSOR_START, m.crtc);
	outb(inb(m.crtc + 1) & ~CURSOR_DISABLE, m.crtc + 1);
	vga_show(&vga);
	console_register(&vga_console);
	return 0;
}
__initcall(vga_init, INIT_CONSOLE);

/* ---- self tests on a fake text buffer ------------------------------------ */

#define T_COLS 12
#define T_ROWS 3
#define T_STRIDE 13 /* wider than the screen, as a loader may say */

static uint16_t fake_mem[T_ROWS * T_STRIDE];

static uint16_t cell_at(unsigned int x, unsigned int y)
{
	return fake_mem[y * T_STRIDE + x];
}

static bool row_is(unsigned int y, const char *s, uint8_t attr)
{
	for (unsigned int x = 0; x < T_COLS; x++) {
		char ch = *s ? *s++ : ' ';
		uint8_t a = ch == ' ' ? TERM_DEFAULT_ATTR : attr;

		if (cell_at(x, y) != TERM_CELL(ch, a))
			return false;
	}
	return true;
}

SELFTEST(vga, text_and_scroll)
{
	static uint16_t cells[T_COLS * T_ROWS], drawn[T_COLS * T_ROWS];
	struct vga v;
	const uint8_t red = TERM_ATTR(TERM_LIGHT_RED, TERM_BLACK);

	for (unsigned int i = 0; i < ARRAY_SIZE(fake_mem); i++)
		fake_mem[i] = 0xdead;
	vga_setup(&v, fake_mem, T_COLS, T_ROWS, T_STRIDE, cells, drawn, 0);
	vga_show(&v);
	ST_CHECK(t, row_is(0, "", 0) && row_is(2, "", 0),
		 "the screen is not cleared: %#x", cell_at(0, 0));
	ST_CHECK(t,
		 cell_at(T_COLS, 0) == 0xdead &&
			 cell_at(T_STRIDE - 1, 2) == 0xdead,
		 "cells beyond the row's end were written");

	vga_put(&v, "abc\n", 4, TERM_DEFAULT_ATTR);
	vga_put(&v, "er\tx\n", 5, red);
	ST_CHECK(t, row_is(0, "abc", TERM_DEFAULT_ATTR), "row 0: %#x",
		 cell_at(0, 0));
	ST_CHECK(t, row_is(1, "er      x", red), "row 1: %#x", cell_at(0, 1));
	ST_CHECK_EQ(t, cell_at(2, 1), TERM_BLANK);
	ST_CHECK_EQ(t, cell_at(T_COLS - 1, 1), TERM_BLANK);

	vga_put(&v, "d\xe2\x82\xac", 4, TERM_DEFAULT_ATTR);
	ST_CHECK_EQ(t, cell_at(1, 2),
		    TERM_CELL(CP437_SQUARE, TERM_DEFAULT_ATTR));

	/* Scrolling moves every row up and blanks the last one. */
	vga_put(&v, "\nxyz", 4, TERM_DEFAULT_ATTR);
	ST_CHECK(t, row_is(0, "er      x", red), "row 0 after scroll: %#x",
		 cell_at(0, 0));
	ST_CHECK(t, cell_at(0, 1) == TERM_CELL('d', TERM_DEFAULT_ATTR),
		 "row 1 after scroll: %#x", cell_at(0, 1));
	ST_CHECK(t, row_is(2, "xyz", TERM_DEFAULT_ATTR),
		 "row 2 after scroll: %#x", cell_at(0, 2));
	ST_CHECK(t, cell_at(T_COLS, 1) == 0xdead, "scroll wrote past the row");

	/* Unchanged cells are not rewritten: text memory is slow. */
	fake_mem[0] = 0xbeef;
	vga_put(&v, "w", 1, TERM_DEFAULT_ATTR);
	ST_CHECK_EQ(t, cell_at(3, 2), TERM_CELL('w', TERM_DEFAULT_ATTR));
	ST_CHECK_EQ(t, fake_mem[0], 0xbeef);
}
