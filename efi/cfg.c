/* SPDX-License-Identifier: MIT */
/*
 * mica.cfg, the file mica.efi reads from its own folder: one `key=value`
 * per line (efi/loader.h, docs/uefi.md). A person writes it by hand on a
 * FAT volume, often on another system, so CRLF line ends and a missing
 * final newline are accepted, and anything else unexpected is an error
 * that names the line rather than a guess.
 */
#include <mica/errno.h>

#include "loader.h"

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Copy [s, s + n) to dst[size] with a NUL; false if it does not fit. */
static bool copy(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return false;
	__builtin_memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

static int bad(struct cfg_error *err, unsigned int line, const char *msg)
{
	err->line = line;
	err->msg = msg;
	return -EINVAL;
}

/*
 * A file name from the start of [s, s + n): printable ASCII up to the first
 * blank. Returns the name's length, or 0 with err set.
 */
static size_t file_name(char *dst, const char *s, size_t n,
			struct cfg_error *err, unsigned int line)
{
	size_t i = 0;

	while (i < n && !is_space(s[i])) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x21 || ch > 0x7e) {
			bad(err, line,
			    "a file name may only hold printable ASCII characters");
			return 0;
		}
		i++;
	}
	if (!i) {
		bad(err, line, "a file name is missing after '='");
		return 0;
	}
	if (!copy(dst, CFG_NAME_MAX, s, i)) {
		bad(err, line, "the file name is longer than 255 characters");
		return 0;
	}
	for (char *p = dst; *p; p++)
		if (*p == '/')
			*p = '\\';
	return i;
}

static int parse_line(struct cfg *c, const char *s, size_t n,
		      bool *seen_cmdline, struct cfg_error *err,
		      unsigned int line)
{
	const char *eq = NULL, *val;
	size_t klen, vlen, used;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=') {
			eq = s + i;
			break;
		}
	}
	if (!eq)
		return bad(
			err, line,
			"expected key=value (kernel=, cmdline=, module= or test=)");
	klen = (size_t)(eq - s);
	val = eq + 1;
	vlen = n - klen - 1;

	if (klen == 6 && !__builtin_memcmp(s, "kernel", 6)) {
		if (c->kernel[0])
			return bad(err, line, "a second kernel= line");
		used = file_name(c->kernel, val, vlen, err, line);
		if (!used)
			return -EINVAL;
		if (used != vlen)
			return bad(
				err, line,
				"kernel= takes only a file name: put mica's options on a cmdline= line");
		return 0;
	}
	if (klen == 7 && !__builtin_memcmp(s, "cmdline", 7)) {
		if (*seen_cmdline)
			return bad(
				err, line,
				"a second cmdline= line: put all of mica's options on one");
		*seen_cmdline = true;
		if (!copy(c->cmdline, sizeof(c->cmdline), val, vlen))
			return bad(
				err, line,
				"mica's command line is longer than 1023 characters");
		return 0;
	}
	if (klen == 6 && !__builtin_memcmp(s, "module", 6)) {
		struct cfg_module *m;

		if (c->nr_modules >= BOOT_MAX_MODULES)
			return bad(
				err, line,
				"more than 32 module= lines: mica takes at most 32 modules");
		m = &c->modules[c->nr_modules];
		used = file_name(m->file, val, vlen, err, line);
		if (!used)
			return -EINVAL;
		while (used < vlen && is_space(val[used]))
			used++;
		if (!copy(m->args, sizeof(m->args), val + used, vlen - used))
			return bad(
				err, line,
				"the module's command line is longer than 1023 characters");
		c->nr_modules++;
		return 0;
	}
	if (klen == 4 && !__builtin_memcmp(s, "test", 4)) {
		if (vlen != 9 || __builtin_memcmp(val, "stale-key", 9))
			return bad(
				err, line,
				"test= takes only stale-key (for mica's tests)");
		c->test_stale_key = true;
		return 0;
	}
	return bad(
		err, line,
		"unknown key: the keys are kernel=, cmdline=, module= and test=");
}

int cfg_parse(struct cfg *c, const char *text, size_t len,
	      struct cfg_error *err)
{
	bool seen_cmdline = false;
	unsigned int line = 0;
	size_t pos = 0;

	__builtin_memset(c, 0, sizeof(*c));
	err->line = 0;
	err->msg = NULL;
	if (len > CFG_FILE_MAX)
		return bad(err, 0, "the file is larger than 64 KiB");
	/* Windows editors mark their encoding at the start of the file. */
	if (len >= 2 && ((text[0] == '\xff' && text[1] == '\xfe') ||
			 (text[0] == '\xfe' && text[1] == '\xff')))
		return bad(
			err, 0,
			"the file is UTF-16 text: save it as ASCII or UTF-8");
	if (len >= 3 && !__builtin_memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		size_t start = pos, end;
		int rc;

		line++;
		while (pos < len && text[pos] != '\n')
			pos++;
		end = pos;
		if (pos < len)
			pos++; /* the '\n' */
		if (end > start && text[end - 1] == '\r')
			end--;
		if (end - start > CFG_LINE_MAX)
			return bad(
				err, line,
				"the line is too long (at most 1088 characters)");
		for (size_t i = start; i < end; i++) {
			unsigned char ch = (unsigned char)text[i];

			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return bad(
					err, line,
					"a control character (is this a text file?)");
		}
		while (start < end && is_space(text[start]))
			start++;
		while (end > start && is_space(text[end - 1]))
			end--;
		if (start == end || text[start] == '#')
			continue;
		rc = parse_line(c, text + start, end - start, &seen_cmdline,
				err, line);
		if (rc)
			return rc;
	}
	if (!c->kernel[0])
		return bad(
			err, 0,
			"no kernel= line: name mica's ELF file, e.g. kernel=mica.elf");
	return 0;
}
