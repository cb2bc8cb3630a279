/* SPDX-License-Identifier: MIT */
/*
 * The image's own symbol table, for backtraces: function symbols of the
 * text, generated at link time (tools/gensyms.sh) into .rodata.symtab.
 */
#ifndef MICA_SYMBOLS_H
#define MICA_SYMBOLS_H

#include <mica/types.h>

/*
 * The function containing addr: its name, and addr's offset into it and
 * the function's size. NULL when addr is not in mica's text.
 */
const char *symbol_lookup(unsigned long addr, unsigned long *offset,
			  unsigned long *size);

#endif
