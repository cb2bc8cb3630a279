/* SPDX-License-Identifier: MIT */
/*
 * Looking up the symbol table tools/gensyms.sh generates at link time: a
 * sorted array of (address, size, name offset) and a block of names.
 */
#include <mica/lib.h>
#include <mica/symbols.h>

struct symtab_entry {
	unsigned long addr;
	unsigned long size;
	unsigned long name; /* offset into symtab_names */
};

/* The first link pass has an empty table (symtab_count 0). */
extern const struct symtab_entry symtab_entries[];
extern const unsigned long symtab_count;
extern const char symtab_names[];

const char *symbol_lookup(unsigned long addr, unsigned long *offset,
			  unsigned long *size)
{
	unsigned long lo = 0, hi;

	if (!symtab_count)
		return NULL;
	hi = symtab_count;
	/* The last entry whose address is <= addr. */
	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (symtab_entries[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (addr < symtab_entries[lo].addr)
		return NULL;
	if (addr >= symtab_entries[lo].addr +
			    MAX(symtab_entries[lo].size, 1UL) &&
	    (lo + 1 == symtab_count || symtab_entries[lo].size))
		return NULL;
	*offset = addr - symtab_entries[lo].addr;
	*size = symtab_entries[lo].size;
	return symtab_names + symtab_entries[lo].name;
}
