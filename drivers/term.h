/* SPDX-License-Identifier: MIT */
/*
 * A text terminal on a grid of character cells, shared by the VGA text
 * console and the framebuffer console. term_write() interprets text into
 * the grid only (\n, \r, \t, \b, line wrap, scrolling) and records which
 * rows changed; each console then shows those rows in its own way, so the
 * grid doubles as the shadow copy of the screen.
 *
 * A cell is a character in the low byte and a VGA attribute (foreground
 * colour in bits 0-3, background in bits 4-6) in the high byte, as in VGA
 * text memory. Only printable ASCII is stored as itself: any other UTF-8
 * character is stored as TERM_UNKNOWN, and other control characters are
 * dropped. Blanks are stored with the default foreground, so that a blank
 * is the same cell whatever colour it was written in.
 */
#ifndef DRIVERS_TERM_H
#define DRIVERS_TERM_H

#include <mica/types.h>

enum term_colour {
	TERM_BLACK,
	TERM_BLUE,
	TERM_GREEN,
	TERM_CYAN,
	TERM_RED,
	TERM_MAGENTA,
	TERM_BROWN,
	TERM_LIGHT_GREY,
	TERM_DARK_GREY,
	TERM_LIGHT_BLUE,
	TERM_LIGHT_GREEN,
	TERM_LIGHT_CYAN,
	TERM_LIGHT_RED,
	TERM_LIGHT_MAGENTA,
	TERM_YELLOW,
	TERM_WHITE,
};

#define TERM_ATTR(fg, bg) ((uint8_t)((bg) << 4 | (fg)))
#define TERM_DEFAULT_ATTR TERM_ATTR(TERM_LIGHT_GREY, TERM_BLACK)
#define TERM_UNKNOWN 0x7f /* a character that is not printable ASCII */
#define TERM_CELL(ch, attr) ((uint16_t)((attr) << 8 | (uint8_t)(ch)))
#define TERM_BLANK TERM_CELL(' ', TERM_DEFAULT_ATTR)
#define TERM_TAB 8

struct term {
	uint16_t *cells; /* rows * cols, row after row */
	unsigned int cols, rows;
	/* The cursor; x == cols: the line is full, wrap before what follows. */
	unsigned int x, y;
	/* For the characters written next. */
	uint8_t attr;
	unsigned int dirty_lo, dirty_hi; /* rows [lo, hi) changed */
};

/* Use cells (cols * rows of them) as a blank screen, cursor top left. */
void term_init(struct term *t, uint16_t *cells, unsigned int cols,
	       unsigned int rows);

/* Blank the screen and home the cursor. */
void term_clear(struct term *t);

void term_write(struct term *t, const char *s, size_t n);

/*
 * The rows changed since the last call, as [*lo, *hi); returns false (and
 * an empty range) if none did.
 */
bool term_take_dirty(struct term *t, unsigned int *lo, unsigned int *hi);

/* The attribute messages of a log level (LOGLVL_*) are shown in. */
uint8_t term_level_attr(unsigned int level);

#endif
