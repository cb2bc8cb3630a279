/* SPDX-License-Identifier: MIT */
/*
 * The cell-grid terminal behind the VGA and framebuffer consoles (see
 * term.h). Pure memory work: no hardware, so it is tested as it is.
 */
#include <mica/lib.h>
#include <mica/selftest.h>

#include "term.h"

static void mark(struct term *t, unsigned int lo, unsigned int hi)
{
	if (t->dirty_lo >= t->dirty_hi) {
		t->dirty_lo = lo;
		t->dirty_hi = hi;
		return;
	}
	t->dirty_lo = MIN(t->dirty_lo, lo);
	t->dirty_hi = MAX(t->dirty_hi, hi);
}

static void blank(uint16_t *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cells[i] = TERM_BLANK;
}

void term_init(struct term *t, uint16_t *cells, unsigned int cols,
	       unsigned int rows)
{
	t->cells = cells;
	t->cols = cols;
	t->rows = rows;
	t->attr = TERM_DEFAULT_ATTR;
	t->dirty_lo = t->dirty_hi = 0;
	term_clear(t);
}

void term_clear(struct term *t)
{
	blank(t->cells, (size_t)t->cols * t->rows);
	t->x = t->y = 0;
	mark(t, 0, t->rows);
}

static void newline(struct term *t)
{
	size_t cols = t->cols;

	t->x = 0;
	if (t->y + 1 < t->rows) {
		t->y++;
		return;
	}
	/* The grid is the shadow: scrolling never reads the screen. */
	memmove(t->cells, t->cells + cols,
		(t->rows - 1) * cols * sizeof(*t->cells));
	blank(t->cells + (t->rows - 1) * cols, cols);
	mark(t, 0, t->rows);
}

static void put(struct term *t, unsigned char ch)
{
	uint8_t attr = t->attr;

	if (t->x >= t->cols)
		newline(t);
	if (ch == ' ')
		attr = (attr & 0xf0) | (TERM_DEFAULT_ATTR & 0x0f);
	t->cells[t->y * t->cols + t->x] = TERM_CELL(ch, attr);
	mark(t, t->y, t->y + 1);
	t->x++;
}

void term_write(struct term *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		switch (ch) {
		case '\n':
			newline(t);
			break;
		case '\r':
			t->x = 0;
			break;
		case '\t':
			do
				put(t, ' ');
			while (t->x % TERM_TAB && t->x < t->cols);
			break;
		case '\b':
			if (t->x)
				t->x--;
			break;
		default:
			if (ch >= 0x20 && ch < 0x7f)
				put(t, ch);
			else if (ch >= 0xc0) /* a UTF-8 lead byte */
				put(t, TERM_UNKNOWN);
			/* Other controls and UTF-8 continuation bytes: nothing. */
			break;
		}
	}
}

bool term_take_dirty(struct term *t, unsigned int *lo, unsigned int *hi)
{
	*lo = t->dirty_lo;
	*hi = t->dirty_hi;
	t->dirty_lo = t->dirty_hi = 0;
	return *lo < *hi;
}

uint8_t term_level_attr(unsigned int level)
{
	switch (level) {
	case LOGLVL_ERR:
		return TERM_ATTR(TERM_LIGHT_RED, TERM_BLACK);
	case LOGLVL_WARN:
		return TERM_ATTR(TERM_YELLOW, TERM_BLACK);
	case LOGLVL_DEBUG:
		return TERM_ATTR(TERM_DARK_GREY, TERM_BLACK);
	default:
		return TERM_DEFAULT_ATTR;
	}
}

/* ---- self tests ---------------------------------------------------------- */

#define T_COLS 10
#define T_ROWS 3

/* The row as a string, blanks as ' ' and TERM_UNKNOWN as '?'. */
static const char *row_text(const struct term *t, unsigned int y)
{
	static char buf[T_COLS + 1];

	for (unsigned int x = 0; x < t->cols; x++) {
		uint8_t ch = t->cells[y * t->cols + x] & 0xff;

		buf[x] = ch == TERM_UNKNOWN ? '?' : (char)ch;
	}
	buf[t->cols] = '\0';
	return buf;
}

#define CHECK_ROW(t, term, y, want)                   \
	ST_CHECK(t, !strcmp(row_text(term, y), want), \
		 "row %u is \"%s\", want \"%s\"", y, row_text(term, y), want)

static void put_str(struct term *t, const char *s)
{
	term_write(t, s, strlen(s));
}

SELFTEST(term, controls_and_wrap)
{
	uint16_t cells[T_COLS * T_ROWS];
	struct term term;
	unsigned int lo, hi;

	term_init(&term, cells, T_COLS, T_ROWS);
	ST_CHECK(t, term_take_dirty(&term, &lo, &hi) && lo == 0 && hi == T_ROWS,
		 "init dirties [%u, %u)", lo, hi);
	ST_CHECK(t, !term_take_dirty(&term, &lo, &hi), "dirty twice");

	put_str(&term, "ab\tc\rX\n");
	CHECK_ROW(t, &term, 0, "Xb      c ");
	CHECK_ROW(t, &term, 1, "          ");
	ST_CHECK(t, term_take_dirty(&term, &lo, &hi) && lo == 0 && hi == 1,
		 "dirty [%u, %u), want [0, 1)", lo, hi);
	ST_CHECK(t, term.x == 0 && term.y == 1, "cursor at %u,%u", term.x,
		 term.y);

	/* A full line waits for the next character before wrapping. */
	put_str(&term, "1234567890");
	ST_CHECK(t, term.x == T_COLS && term.y == 1, "cursor at %u,%u", term.x,
		 term.y);
	put_str(&term, "\b\bz7");
	CHECK_ROW(t, &term, 1, "12345678z7");
	put_str(&term, "8");
	CHECK_ROW(t, &term, 2, "8         ");
	ST_CHECK(t, term.x == 1 && term.y == 2, "cursor at %u,%u", term.x,
		 term.y);

	/* Backspace stops at the margin; controls and UTF-8 tails vanish. */
	put_str(&term, "\b\b\b\001\033y\xc3\xa9!");
	CHECK_ROW(t, &term, 2, "y?!       ");
	ST_CHECK_EQ(t, term.cells[2 * T_COLS + 1],
		    TERM_CELL(TERM_UNKNOWN, TERM_DEFAULT_ATTR));
}

SELFTEST(term, scroll_and_attributes)
{
	uint16_t cells[T_COLS * T_ROWS];
	struct term term;
	unsigned int lo, hi;

	term_init(&term, cells, T_COLS, T_ROWS);
	put_str(&term, "one\ntwo\nthree");
	term_take_dirty(&term, &lo, &hi);
	term.attr = TERM_ATTR(TERM_LIGHT_RED, TERM_BLUE);
	put_str(&term, "\nx y");
	CHECK_ROW(t, &term, 0, "two       ");
	CHECK_ROW(t, &term, 1, "three     ");
	CHECK_ROW(t, &term, 2, "x y       ");
	ST_CHECK(t, term_take_dirty(&term, &lo, &hi) && lo == 0 && hi == T_ROWS,
		 "scroll dirties [%u, %u)", lo, hi);
	ST_CHECK_EQ(t, term.cells[2 * T_COLS], TERM_CELL('x', 0x1c));
	/* A blank keeps the background but not the foreground. */
	ST_CHECK_EQ(t, term.cells[2 * T_COLS + 1], TERM_CELL(' ', 0x17));
	ST_CHECK_EQ(t, term.cells[2 * T_COLS + 3], TERM_BLANK);
	ST_CHECK_EQ(t, term.cells[0], TERM_CELL('t', TERM_DEFAULT_ATTR));

	/* A wrap at the last row scrolls too. */
	put_str(&term, "4567890ab");
	CHECK_ROW(t, &term, 0, "three     ");
	CHECK_ROW(t, &term, 1, "x y4567890");
	CHECK_ROW(t, &term, 2, "ab        ");

	ST_CHECK_EQ(t, term_level_attr(LOGLVL_ERR) & 0x0f, TERM_LIGHT_RED);
	ST_CHECK_EQ(t, term_level_attr(LOGLVL_INFO), TERM_DEFAULT_ATTR);
}
