/* SPDX-License-Identifier: MIT */
/*
 * Framebuffer console ("fb") on the linear framebuffer the loader set up
 * and described in boot_info->fb (GRUB's gfxpayload or VBE mode, the GOP
 * mode on UEFI): 8x16 character cells in any direct-colour format of 8 to
 * 32 bits a pixel.
 *
 * The framebuffer is only ever written. Reading it back is very slow on
 * real hardware (write-combined PCI memory) and under emulation, so the
 * terminal grid (drivers/term.c) is the shadow of the text and a second
 * array remembers which cell each position of the screen shows: after a
 * scroll only the cells whose content moved are redrawn. Messages logged
 * before the console registered are replayed into the grid first and drawn
 * once.
 *
 * The renderer takes a pixel pointer and a geometry, so that the self
 * tests draw into memory of their own.
 */
#include <mica/bootinfo.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/paging.h>
#include <mica/selftest.h>

#include "font.h"
#include "term.h"

#define CURSOR_ROWS 2 /* an underline, in the cell's foreground colour */

#define __always_inline inline __attribute__((always_inline))

struct fbcon {
	struct term term;
	uint8_t *base; /* pixel (0, 0) */
	size_t pitch;  /* bytes from one pixel row to the next */
	unsigned int bypp;
	uint16_t *drawn; /* the cell each position shows; 0: must be drawn */
	uint32_t palette[16]; /* the VGA colours in the pixel format */
	unsigned int cur_x, cur_y;
	bool cursor_shown;
	/* Four pixels for each nibble of a glyph row, in nib_attr's colours. */
	int nib_attr;
	uint8_t nib[16][16];
	unsigned long cells_drawn; /* for the tests and measurements */
};

/* The 16 colours of the VGA text palette, as 0xRRGGBB. */
static const uint32_t vga_rgb[16] = {
	0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa,
	0xaa5500, 0xaaaaaa, 0x555555, 0x5555ff, 0x55ff55, 0x55ffff,
	0xff5555, 0xff55ff, 0xffff55, 0xffffff,
};

static uint32_t channel(uint8_t v, unsigned int pos, unsigned int size)
{
	if (!size)
		return 0;
	/* Scale 0..255 to 0..2^size - 1, rounding to nearest. */
	return ((v * ((1u << size) - 1) + 127) / 255) << pos;
}

/* A 0xRRGGBB colour as a pixel value in fb's format. */
static uint32_t fb_pixel(const struct boot_framebuffer *fb, uint32_t rgb)
{
	return channel(rgb >> 16, fb->red_pos, fb->red_size) |
	       channel(rgb >> 8, fb->green_pos, fb->green_size) |
	       channel(rgb, fb->blue_pos, fb->blue_size);
}

static bool channel_fits(unsigned int pos, unsigned int size, unsigned int bits)
{
	return size <= 16 && pos < 32 && pos + size <= bits;
}

/* Why fbcon cannot draw on fb, or NULL if it can. */
static const char *fb_format_problem(const struct boot_framebuffer *fb)
{
	unsigned int bits = ROUNDUP(fb->bpp, 8u);

	if (fb->bpp < 8 || fb->bpp > 32)
		return "bits a pixel not in 8..32";
	if (!channel_fits(fb->red_pos, fb->red_size, bits) ||
	    !channel_fits(fb->green_pos, fb->green_size, bits) ||
	    !channel_fits(fb->blue_pos, fb->blue_size, bits))
		return "colour fields outside the pixel";
	if (!(fb->red_size | fb->green_size | fb->blue_size))
		return "no colour fields";
	if (fb->width < FONT_WIDTH || fb->height < FONT_HEIGHT)
		return "smaller than a character";
	if (fb->width > 65536 || fb->height > 65536)
		return "implausibly large";
	if (fb->pitch < (uint64_t)fb->width * (bits / 8))
		return "lines shorter than their pixels";
	return NULL;
}

/*
 * memset() stores bytes, which is slow for megabytes of framebuffer under
 * emulation; pixels are stored at least 8 bytes at a time.
 */
static void fill_zero(void *p, size_t n)
{
	uint64_t *q = p;

	for (; n >= 8; n -= 8)
		*q++ = 0;
	memset(q, 0, n);
}

/*
 * Draw on the framebuffer at base described by fb (its addr is not used),
 * keeping the text in cells and the drawn state in drawn, each of
 * (width / 8) * (height / 16) entries. Clears the whole framebuffer.
 */
static int fbcon_setup(struct fbcon *fc, void *base,
		       const struct boot_framebuffer *fb, uint16_t *cells,
		       uint16_t *drawn)
{
	unsigned int cols = fb->width / FONT_WIDTH;
	unsigned int rows = fb->height / FONT_HEIGHT;

	if (fb_format_problem(fb))
		return -EINVAL;
	fc->base = base;
	fc->pitch = fb->pitch;
	fc->bypp = (fb->bpp + 7) / 8;
	fc->drawn = drawn;
	for (unsigned int i = 0; i < ARRAY_SIZE(fc->palette); i++)
		fc->palette[i] = fb_pixel(fb, vga_rgb[i]);
	fc->nib_attr = -1;
	fc->cursor_shown = false;
	fc->cells_drawn = 0;
	term_init(&fc->term, cells, cols, rows);

	/*
	 * Black is 0 in every direct-colour format: clear the margins too,
	 * and record the grid as blank so that only text gets drawn.
	 */
	fill_zero(base, (size_t)fb->pitch * fb->height);
	for (size_t i = 0; i < (size_t)cols * rows; i++)
		drawn[i] = TERM_BLANK;
	BUILD_BUG_ON(TERM_DEFAULT_ATTR >> 4 != TERM_BLACK);
	return 0;
}

static void build_nibbles(struct fbcon *fc, uint8_t attr)
{
	uint32_t fg = fc->palette[attr & 0x0f], bg = fc->palette[attr >> 4];

	for (unsigned int n = 0; n < 16; n++) {
		uint8_t *p = fc->nib[n];

		for (unsigned int px = 0; px < 4; px++) {
			uint32_t c = n & (8 >> px) ? fg : bg;

			/* Pixels are little-endian in memory, as on any PC. */
			for (unsigned int b = 0; b < fc->bypp; b++)
				*p++ = (uint8_t)(c >> (8 * b));
		}
	}
	fc->nib_attr = attr;
}

/* Constant bypp per call site: the copies become plain moves. */
static __always_inline void draw_rows(uint8_t *dst, size_t pitch,
				      const uint8_t *glyph, uint8_t under,
				      const uint8_t (*nib)[16],
				      unsigned int bypp)
{
	for (unsigned int r = 0; r < FONT_HEIGHT; r++, dst += pitch) {
		uint8_t bits = glyph[r];

		if (r >= FONT_HEIGHT - CURSOR_ROWS)
			bits |= under;
		__builtin_memcpy(dst, nib[bits >> 4], 4 * bypp);
		__builtin_memcpy(dst + 4 * bypp, nib[bits & 15], 4 * bypp);
	}
}

static void draw_cell(struct fbcon *fc, unsigned int x, unsigned int y,
		      uint16_t cell, bool cursor)
{
	const uint8_t *glyph = font_glyph(cell & 0xff);
	uint8_t *dst = fc->base + (size_t)y * FONT_HEIGHT * fc->pitch +
		       (size_t)x * FONT_WIDTH * fc->bypp;
	uint8_t under = cursor ? 0xff : 0;

	if (fc->nib_attr != cell >> 8)
		build_nibbles(fc, cell >> 8);
	switch (fc->bypp) {
	case 1:
		draw_rows(dst, fc->pitch, glyph, under, fc->nib, 1);
		break;
	case 2:
		draw_rows(dst, fc->pitch, glyph, under, fc->nib, 2);
		break;
	case 3:
		draw_rows(dst, fc->pitch, glyph, under, fc->nib, 3);
		break;
	default:
		draw_rows(dst, fc->pitch, glyph, under, fc->nib, 4);
		break;
	}
	fc->cells_drawn++;
}

/* Bring the framebuffer up to date with the grid. */
static void fbcon_show(struct fbcon *fc)
{
	struct term *t = &fc->term;
	unsigned int lo, hi, i;

	term_take_dirty(t, &lo, &hi);
	if (fc->cursor_shown) {
		/*
		 * Take the cursor off its cell, wherever it goes next: its
		 * drawn entry is 0, so the loop redraws it.
		 */
		if (lo >= hi) {
			lo = fc->cur_y;
			hi = fc->cur_y + 1;
		} else {
			lo = MIN(lo, fc->cur_y);
			hi = MAX(hi, fc->cur_y + 1);
		}
	}
	for (unsigned int y = lo; y < hi; y++) {
		for (unsigned int x = 0; x < t->cols; x++) {
			i = y * t->cols + x;
			if (t->cells[i] == fc->drawn[i])
				continue;
			draw_cell(fc, x, y, t->cells[i], false);
			fc->drawn[i] = t->cells[i];
		}
	}
	fc->cur_x = MIN(t->x, t->cols - 1);
	fc->cur_y = t->y;
	i = fc->cur_y * t->cols + fc->cur_x;
	draw_cell(fc, fc->cur_x, fc->cur_y, t->cells[i], true);
	fc->drawn[i] = 0;
	fc->cursor_shown = true;
}

static void fbcon_put(struct fbcon *fc, const char *s, size_t n, uint8_t attr)
{
	fc->term.attr = attr;
	term_write(&fc->term, s, n);
	fbcon_show(fc);
}

/* ---- the console --------------------------------------------------------- */

static struct fbcon fbcon;
static bool fbcon_busy, fbcon_replaying;

static void fb_write(struct console *c, const char *s, size_t n)
{
	/* A fault while drawing must not recurse into here. */
	if (fbcon_busy)
		return;
	fbcon_busy = true;
	fbcon.term.attr = term_level_attr(console_write_level);
	term_write(&fbcon.term, s, n);
	if (!fbcon_replaying)
		fbcon_show(&fbcon);
	fbcon_busy = false;
}

static struct console fb_console = {
	.name = "fb",
	.write = fb_write,
};

static int fb_console_init(void)
{
	const struct boot_framebuffer *fb = &boot_info->fb;
	const char *problem = fb_format_problem(fb);
	size_t size, ncells;
	unsigned int pages;
	paddr_t pa;
	uint16_t *cells;
	void *base;
	int rc;

	if (fb->type != BOOT_FB_RGB || !console_enabled("fb"))
		return 0;
	if (problem) {
		printk(LOG_ERR
		       "fbcon: cannot use the loader's %ux%u framebuffer (%u bits a pixel, %u bytes a line, red %u:%u green %u:%u blue %u:%u): %s\n",
		       fb->width, fb->height, fb->bpp, fb->pitch, fb->red_pos,
		       fb->red_size, fb->green_pos, fb->green_size,
		       fb->blue_pos, fb->blue_size, problem);
		return -EINVAL;
	}
	size = (size_t)fb->pitch * fb->height;
	base = phys_map(fb->addr, size, PHYS_WC);
	if (!base) {
		printk(LOG_ERR
		       "fbcon: cannot map the framebuffer [%#lx, %#lx)\n",
		       fb->addr, fb->addr + size);
		return -ENOMEM;
	}
	ncells = (size_t)(fb->width / FONT_WIDTH) * (fb->height / FONT_HEIGHT);
	pages = ROUNDUP(2 * ncells * sizeof(*cells), PAGE_SIZE) >> PAGE_SHIFT;
	pa = boot_alloc_pages(pages, 1);
	if (!pa) {
		printk(LOG_ERR "fbcon: no memory for the text of %zu cells\n",
		       ncells);
		return -ENOMEM;
	}
	cells = __va(pa);
	rc = fbcon_setup(&fbcon, base, fb, cells, cells + ncells);
	if (rc)
		return rc;

	/* Draw the replayed log once, not once a line. */
	fbcon_replaying = true;
	console_register(&fb_console);
	fbcon_replaying = false;
	fbcon_show(&fbcon);
	printk("fbcon: %ux%u, %u bits a pixel, at %#lx: %ux%u characters\n",
	       fb->width, fb->height, fb->bpp, fb->addr, fbcon.term.cols,
	       fbcon.term.rows);
	return 0;
}
__initcall(fb_console_init, INIT_LATE_CONSOLE);

/* ---- self tests on memory framebuffers ----------------------------------- */

#define T_COLS 4
#define T_ROWS 3
#define T_WIDTH (T_COLS * FONT_WIDTH + 3)   /* a margin on the right */
#define T_HEIGHT (T_ROWS * FONT_HEIGHT + 5) /* and at the bottom */
#define T_PITCH (T_WIDTH * 4 + 12)	    /* lines wider than the pixels */

static uint8_t fake_fb[T_PITCH * T_HEIGHT];
static uint16_t t_cells[T_COLS * T_ROWS], t_drawn[T_COLS * T_ROWS];

static const struct boot_framebuffer xrgb8888 = {
	.type = BOOT_FB_RGB,
	.pitch = T_PITCH,
	.width = T_WIDTH,
	.height = T_HEIGHT,
	.bpp = 32,
	.red_pos = 16,
	.red_size = 8,
	.green_pos = 8,
	.green_size = 8,
	.blue_pos = 0,
	.blue_size = 8,
};

static const struct boot_framebuffer xbgr8888 = {
	.type = BOOT_FB_RGB,
	.pitch = T_PITCH,
	.width = T_WIDTH,
	.height = T_HEIGHT,
	.bpp = 32,
	.red_pos = 0,
	.red_size = 8,
	.green_pos = 8,
	.green_size = 8,
	.blue_pos = 16,
	.blue_size = 8,
};

static const struct boot_framebuffer rgb565 = {
	.type = BOOT_FB_RGB,
	.pitch = T_PITCH,
	.width = T_WIDTH,
	.height = T_HEIGHT,
	.bpp = 16,
	.red_pos = 11,
	.red_size = 5,
	.green_pos = 5,
	.green_size = 6,
	.blue_pos = 0,
	.blue_size = 5,
};

static const struct boot_framebuffer rgb555 = {
	.type = BOOT_FB_RGB,
	.pitch = T_PITCH,
	.width = T_WIDTH,
	.height = T_HEIGHT,
	.bpp = 15,
	.red_pos = 10,
	.red_size = 5,
	.green_pos = 5,
	.green_size = 5,
	.blue_pos = 0,
	.blue_size = 5,
};

static const struct boot_framebuffer rgb888 = {
	.type = BOOT_FB_RGB,
	.pitch = T_PITCH,
	.width = T_WIDTH,
	.height = T_HEIGHT,
	.bpp = 24,
	.red_pos = 16,
	.red_size = 8,
	.green_pos = 8,
	.green_size = 8,
	.blue_pos = 0,
	.blue_size = 8,
};

static const struct boot_framebuffer *const formats[] = {
	&xrgb8888, &xbgr8888, &rgb888, &rgb565, &rgb555,
};

static uint32_t pixel_at(const struct boot_framebuffer *fb, unsigned int x,
			 unsigned int y)
{
	const uint8_t *p = fake_fb + (size_t)y * fb->pitch +
			   (size_t)x * ((fb->bpp + 7) / 8);
	uint32_t v = 0;

	for (unsigned int b = 0; b < (fb->bpp + 7u) / 8; b++)
		v |= (uint32_t)p[b] << (8 * b);
	return v;
}

/*
 * Whether cell (cx, cy) shows ch in fg on bg, pixel by pixel, with the
 * cursor's underline if cursor. Reports the first wrong pixel.
 */
static bool cell_shows(struct selftest_ctx *t,
		       const struct boot_framebuffer *fb, unsigned int cx,
		       unsigned int cy, char ch, uint32_t fg, uint32_t bg,
		       bool cursor)
{
	const uint8_t *glyph = font_glyph((unsigned char)ch);

	for (unsigned int r = 0; r < FONT_HEIGHT; r++) {
		for (unsigned int c = 0; c < FONT_WIDTH; c++) {
			bool on = glyph[r] & (0x80 >> c) ||
				  (cursor && r >= FONT_HEIGHT - CURSOR_ROWS);
			unsigned int x = cx * FONT_WIDTH + c;
			unsigned int y = cy * FONT_HEIGHT + r;
			uint32_t got = pixel_at(fb, x, y);

			if (got != (on ? fg : bg)) {
				selftest_fail(
					t, __FILE__, __LINE__,
					"'%c' at cell %u,%u: pixel %u,%u is %#x, want %#x",
					ch, cx, cy, x, y, got, on ? fg : bg);
				return false;
			}
		}
	}
	return true;
}

static void fill_fake(void)
{
	memset(fake_fb, 0xee, sizeof(fake_fb));
}

static void put_str(struct fbcon *fc, const char *s, uint8_t attr)
{
	fbcon_put(fc, s, strlen(s), attr);
}

SELFTEST(fbcon, colour_conversion)
{
	/* Worked by hand from the channel positions and sizes. */
	ST_CHECK_EQ(t, fb_pixel(&xrgb8888, 0xff5555), 0xff5555);
	ST_CHECK_EQ(t, fb_pixel(&xbgr8888, 0xff5555), 0x5555ff);
	ST_CHECK_EQ(t, fb_pixel(&xbgr8888, 0x0000aa), 0xaa0000);
	ST_CHECK_EQ(t, fb_pixel(&rgb565, 0xffffff), 0xffff);
	/* 0x55 is 10.33 of 31 and 21 of 63. */
	ST_CHECK_EQ(t, fb_pixel(&rgb565, 0xff5555), 0xf800 | 21 << 5 | 10);
	ST_CHECK_EQ(t, fb_pixel(&rgb565, 0x00aa00), 42 << 5);
	/* 0xaa is 20.67 of 31. */
	ST_CHECK_EQ(t, fb_pixel(&rgb555, 0xaa0000), 21 << 10);
	ST_CHECK_EQ(t, fb_pixel(&rgb555, 0x0000ff), 0x1f);
	ST_CHECK_EQ(t, fb_pixel(&rgb555, 0xffffff), 0x7fff);
	ST_CHECK_EQ(t, fb_pixel(&rgb888, 0x123456), 0x123456);

	/* Formats that cannot be right are refused. */
	{
		struct boot_framebuffer bad = xrgb8888;

		bad.red_pos = 28;
		ST_CHECK(t, fb_format_problem(&bad),
			 "red field past 32 bits accepted");
		bad = rgb565;
		bad.green_pos = 11;
		ST_CHECK(t, fb_format_problem(&bad),
			 "green field past 16 bits accepted");
		bad = rgb565;
		bad.pitch = T_WIDTH;
		ST_CHECK(t, fb_format_problem(&bad),
			 "pitch below width accepted");
		bad = rgb565;
		bad.bpp = 4;
		ST_CHECK(t, fb_format_problem(&bad), "4 bits a pixel accepted");
		bad = rgb565;
		bad.height = FONT_HEIGHT - 1;
		ST_CHECK(t, fb_format_problem(&bad),
			 "no room for a row accepted");
		for (unsigned int i = 0; i < ARRAY_SIZE(formats); i++)
			ST_CHECK(t, !fb_format_problem(formats[i]),
				 "format %u refused: %s", i,
				 fb_format_problem(formats[i]));
	}
}

/* Every byte of every pixel lands where the format says, on each format. */
SELFTEST(fbcon, glyph_pixels)
{
	const uint8_t attr = TERM_ATTR(TERM_LIGHT_RED, TERM_BLUE);
	const uint8_t *a = font_glyph('A');
	unsigned int lit = 0;

	/* The glyph under test is a real one, not blank or the fallback. */
	for (unsigned int r = 0; r < FONT_HEIGHT; r++)
		for (uint8_t bits = a[r]; bits; bits &= bits - 1)
			lit++;
	ST_CHECK(t, lit > 10 && memcmp(a, font_glyph(0x80), FONT_HEIGHT),
		 "the font's 'A' has %u pixels lit", lit);

	for (unsigned int f = 0; f < ARRAY_SIZE(formats); f++) {
		const struct boot_framebuffer *fb = formats[f];
		struct fbcon fc;
		uint32_t red = fb_pixel(fb, 0xff5555);
		uint32_t blue = fb_pixel(fb, 0x0000aa);
		uint32_t grey = fb_pixel(fb, 0xaaaaaa);
		unsigned int bypp = (fb->bpp + 7) / 8;

		fill_fake();
		ST_CHECK(t,
			 fbcon_setup(&fc, fake_fb, fb, t_cells, t_drawn) == 0,
			 "format %u refused", f);
		ST_CHECK(t, pixel_at(fb, T_WIDTH - 1, T_HEIGHT - 1) == 0,
			 "format %u: the margin is not cleared", f);
		/* Beyond the last pixel of a line, the pitch's slack. */
		ST_CHECK_EQ(t, fake_fb[T_WIDTH * bypp], 0);

		put_str(&fc, " A", attr);
		cell_shows(t, fb, 1, 0, 'A', red, blue, false);
		/* A blank in a coloured background shows the background. */
		cell_shows(t, fb, 0, 0, ' ', red, blue, false);
		/* The cursor sits under the next cell, on black. */
		cell_shows(t, fb, 2, 0, ' ', grey, 0, true);
		cell_shows(t, fb, 3, 0, ' ', 0, 0, false);
		ST_CHECK(t, pixel_at(fb, T_COLS * FONT_WIDTH, 0) == 0,
			 "format %u: drew into the right margin", f);
	}
}

SELFTEST(fbcon, scroll_redraws_only_changes)
{
	const struct boot_framebuffer *fb = &xrgb8888;
	uint32_t grey = fb_pixel(fb, 0xaaaaaa), red = fb_pixel(fb, 0xff5555);
	struct fbcon fc;
	unsigned long before;

	fill_fake();
	fbcon_setup(&fc, fake_fb, fb, t_cells, t_drawn);
	put_str(&fc, "ab\ncd\n", TERM_DEFAULT_ATTR);
	put_str(&fc, "E", term_level_attr(LOGLVL_ERR));
	cell_shows(t, fb, 0, 2, 'E', red, 0, false);

	put_str(&fc, "\nfg", TERM_DEFAULT_ATTR);
	cell_shows(t, fb, 0, 0, 'c', grey, 0, false);
	cell_shows(t, fb, 1, 0, 'd', grey, 0, false);
	cell_shows(t, fb, 0, 1, 'E', red, 0, false);
	cell_shows(t, fb, 1, 1, ' ', grey, 0, false);
	cell_shows(t, fb, 0, 2, 'f', grey, 0, false);
	cell_shows(t, fb, 1, 2, 'g', grey, 0, false);
	cell_shows(t, fb, 2, 2, ' ', grey, 0, true);
	ST_CHECK(t, pixel_at(fb, 0, T_ROWS * FONT_HEIGHT) == 0,
		 "drew into the bottom margin");

	/* Identical lines scrolling up redraw nothing but the cursor. */
	put_str(&fc, "\rxy\nxy\nxy", TERM_DEFAULT_ATTR);
	before = fc.cells_drawn;
	put_str(&fc, "\nxy", TERM_DEFAULT_ATTR);
	ST_CHECK(t, fc.cells_drawn - before == 2,
		 "a scroll of identical lines drew %lu cells",
		 fc.cells_drawn - before);
	cell_shows(t, fb, 1, 0, 'y', grey, 0, false);
	cell_shows(t, fb, 2, 2, ' ', grey, 0, true);
	cell_shows(t, fb, 2, 1, ' ', grey, 0, false);

	/* A lone carriage return moves the cursor and nothing else. */
	before = fc.cells_drawn;
	put_str(&fc, "\r", TERM_DEFAULT_ATTR);
	ST_CHECK_EQ(t, fc.cells_drawn - before, 2);
	cell_shows(t, fb, 0, 2, 'x', grey, 0, true);
	cell_shows(t, fb, 2, 2, ' ', grey, 0, false);
}
