#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Read the text off a screendump of mica's framebuffer console.

    screen2text.py SCREEN.ppm FONT.c

SCREEN.ppm is a binary PPM (QEMU's monitor `screendump` writes one); FONT.c
is the glyph table the build generated ($(BUILD)/drivers/font8x16.c). Each
8x16 cell is split into background (the colour of its top-left pixel) and
foreground, and matched against the font, with or without the cursor's
underline; a cell that matches no glyph prints as '?'. Trailing blanks are dropped. For checks that the console
really drew something, without anyone looking at a picture.
"""

import re
import sys

WIDTH, HEIGHT = 8, 16
CURSOR_ROWS = 2


def load_font(path):
    text = open(path).read()
    glyphs = {}
    code = None
    for line in text.splitlines():
        m = re.match(r"\s*/\* U\+([0-9A-F]{4}) ", line)
        if m:
            code = int(m.group(1), 16)
            continue
        m = re.match(r"\s*\{ (0x[0-9a-f]{2}(?:, 0x[0-9a-f]{2})*) \},", line)
        if m and code is not None:
            rows = tuple(int(b, 16) for b in m.group(1).split(", "))
            # The first character wins: ' ' and a blank cell look alike.
            glyphs.setdefault(rows, chr(code))
            code = None
    if len(glyphs) < 90:
        raise SystemExit("%s: found only %d glyphs" % (path, len(glyphs)))
    return glyphs


def load_ppm(path):
    data = open(path, "rb").read()
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while end < len(data) and not data[end:end + 1].isspace():
            end += 1
        if end == pos:
            raise SystemExit("%s: not a PPM (header cut short)" % path)
        fields.append(data[pos:end])
        pos = end
    if (fields[0] != b"P6" or not all(f.isdigit() for f in fields[1:])
            or int(fields[3]) != 255):
        raise SystemExit("%s: not an 8-bit binary PPM" % path)
    width, height = int(fields[1]), int(fields[2])
    if len(data) - (pos + 1) < width * height * 3:
        raise SystemExit("%s: the image is cut short" % path)
    return width, height, data[pos + 1:]


def screen_lines(glyphs, width, height, px):
    """The text of a screen, one string per row of cells."""
    cursor_glyphs = {}
    for rows, ch in glyphs.items():
        cursor_glyphs.setdefault(rows[:-CURSOR_ROWS], ch)

    def pixel(x, y):
        i = (y * width + x) * 3
        return px[i:i + 3]

    lines = []
    for cy in range(height // HEIGHT):
        line = []
        for cx in range(width // WIDTH):
            x0, y0 = cx * WIDTH, cy * HEIGHT
            bg = pixel(x0, y0)
            blank = bg * WIDTH
            rows = []
            for r in range(HEIGHT):
                i = ((y0 + r) * width + x0) * 3
                # Most rows of most cells are background: one comparison.
                if px[i:i + 3 * WIDTH] == blank:
                    rows.append(0)
                    continue
                rows.append(sum(0x80 >> c for c in range(WIDTH)
                                if pixel(x0 + c, y0 + r) != bg))
            rows = tuple(rows)
            ch = glyphs.get(rows)
            if ch is None and rows[-CURSOR_ROWS:] == (0xFF,) * CURSOR_ROWS:
                # The cursor underlines its cell.
                ch = cursor_glyphs.get(rows[:-CURSOR_ROWS])
            line.append(ch or "?")
        lines.append("".join(line).rstrip())
    return lines


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: screen2text.py SCREEN.ppm FONT.c\n")
        return 2
    glyphs = load_font(argv[2])
    for line in screen_lines(glyphs, *load_ppm(argv[1])):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
