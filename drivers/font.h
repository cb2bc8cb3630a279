/* SPDX-License-Identifier: MIT */
/*
 * The console font: 8x16 glyphs for printable ASCII and one fallback glyph
 * for every other character. A glyph is 16 rows of one byte, top row
 * first, most significant bit leftmost. The table is generated at build
 * time by tools/psf2c.py from a PSF console font (see drivers/Rules.mk).
 */
#ifndef DRIVERS_FONT_H
#define DRIVERS_FONT_H

#include <mica/types.h>

#define FONT_WIDTH 8
#define FONT_HEIGHT 16
#define FONT_FIRST 0x20
#define FONT_LAST 0x7e
#define FONT_FALLBACK (FONT_LAST - FONT_FIRST + 1) /* index in font8x16 */
#define FONT_GLYPHS (FONT_FALLBACK + 1)

extern const uint8_t font8x16[FONT_GLYPHS][FONT_HEIGHT];

static inline const uint8_t *font_glyph(unsigned char c)
{
	if (c < FONT_FIRST || c > FONT_LAST)
		return font8x16[FONT_FALLBACK];
	return font8x16[c - FONT_FIRST];
}

#endif
