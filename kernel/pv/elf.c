/* SPDX-License-Identifier: MIT */
/*
 * PV guest kernel images: pv_elf_parse() validates, pv_elf_load() copies
 * (the contract is include/mica/pv_elf.h). Every header is copied out of
 * the image with memcpy after its range has been checked against the
 * file, and every sum is checked before it is used, so that no input can
 * make mica read outside the image or compute a wrapped address.
 */
#include <asm/config.h>
#include <mica/elf.h>
#include <mica/errno.h>
#include <mica/guest_access.h>
#include <mica/lib.h>
#include <mica/pv_elf.h>
#include <public/elfnote.h>
#include <public/features.h>

/* What the parse has seen so far, beside what it fills in. */
struct parse {
	struct pv_elf *elf;
	Elf64_Ehdr eh;
	/* Numeric notes (or __xen_guest values) by note type, as given. */
	uint64_t num[XEN_ELFNOTE_MAX + 1];
	bool have[XEN_ELFNOTE_MAX + 1];
	unsigned int nr_notes; /* every note, whatever its name */
	unsigned int nr_xen;   /* the Xen ones */
};

static int __printf(2, 3) bad(const struct pv_elf *elf, const char *fmt, ...)
{
	char msg[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(LOG_ERR "%sbad guest ELF: %s\n", elf->who, msg);
	return -ENOEXEC;
}

/* Whether [off, off + len) lies inside the file. */
static bool in_file(const struct pv_elf *elf, uint64_t off, uint64_t len)
{
	return off <= elf->size && len <= elf->size - off;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Keep a string value, truncated to the field. */
static void keep(char dst[PV_ELF_STR_MAX], const char *src, size_t len)
{
	len = MIN(len, (size_t)PV_ELF_STR_MAX - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- features ---- */

/* Their names in XEN_ELFNOTE_FEATURES, indexed by XENFEAT_* bit. */
static const char *const feature_names[] = {
	[XENFEAT_writable_page_tables] = "writable_page_tables",
	[XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
	[XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
	[XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
	[XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
	[XENFEAT_mmu_pt_update_preserve_ad] = "mmu_pt_update_preserve_ad",
	[XENFEAT_highmem_assist] = "highmem_assist",
	[XENFEAT_gnttab_map_avail_bits] = "gnttab_map_avail_bits",
	[XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
	[XENFEAT_hvm_safe_pvclock] = "hvm_safe_pvclock",
	[XENFEAT_hvm_pirqs] = "hvm_pirqs",
	[XENFEAT_dom0] = "dom0",
	[XENFEAT_memory_op_vnode_supported] = "memory_op_vnode_supported",
	[XENFEAT_ARM_SMCCC_supported] = "ARM_SMCCC_supported",
	[XENFEAT_linux_rsdp_unrestricted] = "linux_rsdp_unrestricted",
	[XENFEAT_not_direct_mapped] = "not_direct_mapped",
	[XENFEAT_direct_mapped] = "direct_mapped",
};

static int feature_bit(const char *name, size_t len)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(feature_names); i++)
		if (feature_names[i] && strlen(feature_names[i]) == len &&
		    !memcmp(feature_names[i], name, len))
			return (int)i;
	return -1;
}

/*
 * "name|!name|...": known names are recorded as supported, the '!' ones
 * also as required; an unknown name is ignored unless it is required.
 */
static int parse_features(struct pv_elf *elf, const char *s, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t end = pos, n;
		bool required;
		int bit;

		while (end < len && s[end] != '|')
			end++;
		required = s[pos] == '!';
		n = end - pos - required;
		if (end > pos && n) {
			bit = feature_bit(s + pos + required, n);
			if (bit < 0 && required)
				return bad(
					elf,
					"it requires the Xen feature '%.*s', which is unknown",
					(int)MIN(n, (size_t)64),
					s + pos + required);
			if (bit >= 0) {
				elf->f_supported |= 1U << bit;
				if (required)
					elf->f_required |= 1U << bit;
			}
		}
		pos = end + 1;
	}
	return 0;
}

/* ---- Xen's ELF notes ---- */

static int numeric(const struct pv_elf *elf, const uint8_t *desc,
		   uint32_t descsz, const char *name, uint64_t *v)
{
	uint32_t v32;

	if (descsz == 4) {
		memcpy(&v32, desc, 4);
		*v = v32;
		return 0;
	}
	if (descsz == 8) {
		memcpy(v, desc, 8);
		return 0;
	}
	return bad(elf, "note %s has a %u-byte value, not 4 or 8", name,
		   descsz);
}

/* A string note's length, or an error if it has no NUL. */
static int string(const struct pv_elf *elf, const uint8_t *desc,
		  uint32_t descsz, const char *name, size_t *len)
{
	*len = strnlen((const char *)desc, descsz);
	if (*len == descsz)
		return bad(elf, "note %s is not a NUL-terminated string", name);
	return 0;
}

/*
 * The notes mica reads, by the names messages give them. Others
 * (HV_START_LOW, L1_MFN_VALID, ...) are nothing x86-64 PV uses.
 */
static const char *const note_names[XEN_ELFNOTE_MAX + 1] = {
	[XEN_ELFNOTE_ENTRY] = "ENTRY",
	[XEN_ELFNOTE_HYPERCALL_PAGE] = "HYPERCALL_PAGE",
	[XEN_ELFNOTE_VIRT_BASE] = "VIRT_BASE",
	[XEN_ELFNOTE_PADDR_OFFSET] = "PADDR_OFFSET",
	[XEN_ELFNOTE_XEN_VERSION] = "XEN_VERSION",
	[XEN_ELFNOTE_GUEST_OS] = "GUEST_OS",
	[XEN_ELFNOTE_GUEST_VERSION] = "GUEST_VERSION",
	[XEN_ELFNOTE_LOADER] = "LOADER",
	[XEN_ELFNOTE_PAE_MODE] = "PAE_MODE",
	[XEN_ELFNOTE_FEATURES] = "FEATURES",
	[XEN_ELFNOTE_BSD_SYMTAB] = "BSD_SYMTAB",
	[XEN_ELFNOTE_INIT_P2M] = "INIT_P2M",
	[XEN_ELFNOTE_SUPPORTED_FEATURES] = "SUPPORTED_FEATURES",
	[XEN_ELFNOTE_PHYS32_ENTRY] = "PHYS32_ENTRY",
};

/* A string note (types XEN_VERSION to BSD_SYMTAB) of len bytes. */
static int string_note(struct pv_elf *elf, uint32_t type, const char *s,
		       size_t len)
{
	char *const kept[XEN_ELFNOTE_MAX + 1] = {
		[XEN_ELFNOTE_XEN_VERSION] = elf->xen_version,
		[XEN_ELFNOTE_GUEST_OS] = elf->guest_os,
		[XEN_ELFNOTE_GUEST_VERSION] = elf->guest_version,
		[XEN_ELFNOTE_LOADER] = elf->loader,
		[XEN_ELFNOTE_PAE_MODE] = elf->pae_mode,
	};

	if (type == XEN_ELFNOTE_FEATURES)
		return parse_features(elf, s, len);
	if (type == XEN_ELFNOTE_BSD_SYMTAB)
		elf->bsd_symtab = !strcmp(s, "yes");
	else
		keep(kept[type], s, len);
	return 0;
}

static int xen_note(struct parse *p, uint32_t type, const uint8_t *desc,
		    uint32_t descsz)
{
	const char *name = type <= XEN_ELFNOTE_MAX ? note_names[type] : NULL;
	struct pv_elf *elf = p->elf;
	uint32_t map;
	uint64_t v;
	size_t len;
	int rc;

	if (!name)
		return 0;
	switch (type) {
	case XEN_ELFNOTE_XEN_VERSION ... XEN_ELFNOTE_BSD_SYMTAB:
		rc = string(elf, desc, descsz, name, &len);
		return rc ? rc
			  : string_note(elf, type, (const char *)desc, len);
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		/* One 32-bit map per submap; mica knows the first. */
		if (descsz < 4 || descsz % 4)
			return bad(
				elf,
				"note SUPPORTED_FEATURES is %u bytes, not a multiple of 4",
				descsz);
		memcpy(&map, desc, 4);
		elf->f_supported |= map;
		elf->has_supported_features = true;
		return 0;
	default:
		rc = numeric(elf, desc, descsz, name, &v);
		if (rc)
			return rc;
		p->num[type] = v;
		p->have[type] = true;
		return 0;
	}
}

/*
 * The notes of one table, [off, off + len) in the file: a PT_NOTE segment
 * or an SHT_NOTE section (what, index: for messages). Names and descs are
 * padded to 4 bytes, as Xen reads them; the last desc may be unpadded.
 */
static int parse_notes(struct parse *p, uint64_t off, uint64_t len,
		       const char *what, unsigned int index)
{
	const struct pv_elf *elf = p->elf;
	const uint8_t *t;
	uint64_t pos = 0;

	if (!in_file(elf, off, len))
		return bad(elf, "%s %u runs past the end of the file", what,
			   index);
	t = elf->image + off;
	if (off % 4)
		return bad(elf, "%s %u is not 4-byte aligned", what, index);
	while (pos < len) {
		Elf64_Nhdr nh;
		uint64_t name, desc;
		int rc;

		if (len - pos < sizeof(nh))
			return bad(elf, "%s %u ends in a partial note header",
				   what, index);
		if (++p->nr_notes > PV_ELF_MAX_NOTES)
			return bad(elf, "more than %u ELF notes",
				   PV_ELF_MAX_NOTES);
		memcpy(&nh, t + pos, sizeof(nh));
		/* Sums of 32-bit sizes and a file offset: no 64-bit overflow. */
		name = pos + sizeof(nh);
		desc = name + ROUNDUP((uint64_t)nh.n_namesz, 4);
		if (desc > len || nh.n_descsz > len - desc)
			return bad(
				elf,
				"note %u of %s %u runs past the end of its table",
				p->nr_notes, what, index);
		if (nh.n_namesz && t[name + nh.n_namesz - 1])
			return bad(
				elf,
				"note %u of %s %u has a name that is not NUL-terminated",
				p->nr_notes, what, index);
		pos = desc + ROUNDUP((uint64_t)nh.n_descsz, 4);
		if (nh.n_namesz != 4 || memcmp(t + name, XEN_ELFNOTE_NAME, 4))
			continue;
		rc = xen_note(p, nh.n_type, t + desc, nh.n_descsz);
		if (rc)
			return rc;
		p->nr_xen++;
	}
	return 0;
}

/* ---- the legacy __xen_guest string ---- */

/* A number, written as C would (0x..., 0..., decimal), short enough not to wrap. */
static bool legacy_number(const char *s, uint64_t *v)
{
	const char *end;

	if (!*s || strlen(s) > 18)
		return false;
	*v = mica_strtoull(s, &end, 0);
	return end != s && !*end;
}

/* The legacy keys, by the note that replaced each. */
static const struct {
	const char *key;
	uint32_t type;
} legacy_keys[] = {
	{"GUEST_OS", XEN_ELFNOTE_GUEST_OS},
	{"GUEST_VER", XEN_ELFNOTE_GUEST_VERSION},
	{"XEN_VER", XEN_ELFNOTE_XEN_VERSION},
	{"LOADER", XEN_ELFNOTE_LOADER},
	{"PAE", XEN_ELFNOTE_PAE_MODE},
	{"FEATURES", XEN_ELFNOTE_FEATURES},
	{"BSD_SYMTAB", XEN_ELFNOTE_BSD_SYMTAB},
	{"VIRT_BASE", XEN_ELFNOTE_VIRT_BASE},
	{"VIRT_ENTRY", XEN_ELFNOTE_ENTRY},
	{"ELF_PADDR_OFFSET", XEN_ELFNOTE_PADDR_OFFSET},
	{"HYPERCALL_PAGE", XEN_ELFNOTE_HYPERCALL_PAGE},
};

static int legacy_entry(struct parse *p, const char *key, const char *val)
{
	uint32_t type = 0;
	uint64_t v;

	for (unsigned int i = 0; i < ARRAY_SIZE(legacy_keys); i++)
		if (!strcmp(key, legacy_keys[i].key))
			type = legacy_keys[i].type;
	switch (type) {
	case 0:
		return 0; /* a key mica does not use */
	case XEN_ELFNOTE_BSD_SYMTAB:
		/* Its presence says yes. */
		return string_note(p->elf, type, "yes", 3);
	case XEN_ELFNOTE_XEN_VERSION ... XEN_ELFNOTE_FEATURES:
		return string_note(p->elf, type, val, strlen(val));
	}
	if (!legacy_number(val, &v))
		return bad(p->elf, "__xen_guest: %s=%s is not a number", key,
			   val);
	/* A page number from VIRT_BASE: made an address in check_xen_info(). */
	if (type == XEN_ELFNOTE_HYPERCALL_PAGE) {
		if (v >> (64 - PAGE_SHIFT))
			return bad(
				p->elf,
				"__xen_guest: HYPERCALL_PAGE=%s is too large",
				val);
		v <<= PAGE_SHIFT;
	}
	p->num[type] = v;
	p->have[type] = true;
	return 0;
}

/* "KEY=value,KEY=value,KEY": the string s of len bytes (no NUL in it). */
static int parse_legacy(struct parse *p, const char *s, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		char key[32], val[128];
		size_t k = 0, v = 0;
		int rc;

		while (pos < len && s[pos] != '=' && s[pos] != ',') {
			if (k == sizeof(key) - 1)
				return bad(
					p->elf,
					"__xen_guest: a key is longer than %zu characters",
					sizeof(key) - 1);
			key[k++] = s[pos++];
		}
		if (pos < len && s[pos] == '=')
			for (pos++; pos < len && s[pos] != ','; pos++) {
				if (v == sizeof(val) - 1)
					return bad(
						p->elf,
						"__xen_guest: the value of %.*s is longer than %zu characters",
						(int)k, key, sizeof(val) - 1);
				val[v++] = s[pos];
			}
		key[k] = val[v] = '\0';
		pos++; /* the ',' */
		rc = legacy_entry(p, key, val);
		if (rc)
			return rc;
	}
	p->elf->legacy = true;
	return 0;
}

/* Section header i (< e_shnum: the table was checked to be in the file). */
static void section(const struct parse *p, unsigned int i, Elf64_Shdr *sh)
{
	memcpy(sh, p->elf->image + p->eh.e_shoff + (uint64_t)i * sizeof(*sh),
	       sizeof(*sh));
}

/* Program header i, likewise. */
static void segment(const struct parse *p, unsigned int i, Elf64_Phdr *ph)
{
	memcpy(ph, p->elf->image + p->eh.e_phoff + (uint64_t)i * sizeof(*ph),
	       sizeof(*ph));
}

/* The __xen_guest section, found by name, if there is one. */
static int find_legacy(struct parse *p)
{
	const struct pv_elf *elf = p->elf;
	static const char name[] = "__xen_guest";
	Elf64_Shdr strtab, sh;
	unsigned int ndx = p->eh.e_shstrndx;

	if (ndx == SHN_UNDEF || ndx >= SHN_LORESERVE || ndx >= p->eh.e_shnum)
		return 0;
	section(p, ndx, &strtab);
	if (strtab.sh_type != SHT_STRTAB ||
	    !in_file(elf, strtab.sh_offset, strtab.sh_size))
		return bad(
			elf,
			"the section name table (section %u) is not a string table inside the file",
			ndx);
	for (unsigned int i = 1; i < p->eh.e_shnum; i++) {
		section(p, i, &sh);
		if (sh.sh_name >= strtab.sh_size ||
		    strtab.sh_size - sh.sh_name < sizeof(name) ||
		    memcmp(elf->image + strtab.sh_offset + sh.sh_name, name,
			   sizeof(name)))
			continue;
		if (sh.sh_type == SHT_NOBITS)
			return parse_legacy(p, "", 0);
		if (!in_file(elf, sh.sh_offset, sh.sh_size))
			return bad(
				elf,
				"section __xen_guest runs past the end of the file");
		return parse_legacy(
			p, (const char *)elf->image + sh.sh_offset,
			strnlen((const char *)elf->image + sh.sh_offset,
				sh.sh_size));
	}
	return 0;
}

/* Notes from PT_NOTE segments, else SHT_NOTE sections, else __xen_guest. */
static int find_notes(struct parse *p)
{
	Elf64_Phdr ph;
	Elf64_Shdr sh;
	int rc;

	for (unsigned int i = 0; i < p->eh.e_phnum; i++) {
		segment(p, i, &ph);
		/* Some binutils leave p_offset 0 in note segments: skip those. */
		if (ph.p_type != PT_NOTE || !ph.p_offset)
			continue;
		rc = parse_notes(p, ph.p_offset, ph.p_filesz, "PT_NOTE segment",
				 i);
		if (rc)
			return rc;
	}
	for (unsigned int i = 1; !p->nr_xen && i < p->eh.e_shnum; i++) {
		section(p, i, &sh);
		if (sh.sh_type != SHT_NOTE)
			continue;
		rc = parse_notes(p, sh.sh_offset, sh.sh_size,
				 "SHT_NOTE section", i);
		if (rc)
			return rc;
	}
	return p->nr_xen ? 0 : find_legacy(p);
}

/* ---- the image ---- */

/* A header table: its count, its entry size and its place in the file. */
static int check_table(const struct pv_elf *elf, const char *what,
		       const char *entsize_field, uint64_t off, unsigned int n,
		       unsigned int entsize, size_t want, unsigned int max)
{
	if (!n)
		return 0;
	if (n > max)
		return bad(elf, "%u %s headers, more than %u", n, what, max);
	if (entsize != want)
		return bad(elf, "%s is %u, not %zu", entsize_field, entsize,
			   want);
	if (off % 8 || !in_file(elf, off, (uint64_t)n * want))
		return bad(
			elf,
			"the %s header table (at %#lx) is misaligned or runs past the end of the file",
			what, (unsigned long)off);
	return 0;
}

static int check_header(struct parse *p)
{
	const struct pv_elf *elf = p->elf;
	const Elf64_Ehdr *eh = &p->eh;
	int rc;

	if (elf->size < sizeof(*eh))
		return bad(elf, "%zu bytes, too short for an ELF header",
			   elf->size);
	memcpy(&p->eh, elf->image, sizeof(p->eh));
	if (memcmp(eh->e_ident, "\177ELF", 4))
		return bad(elf, "not an ELF file (no ELF magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return bad(elf, "not a 64-bit ELF file (class %u)",
			   eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad(elf, "not a little-endian ELF file");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_version != EV_CURRENT)
		return bad(elf, "ELF version %u, not 1", eh->e_version);
	if (eh->e_type != ET_EXEC)
		return bad(elf, "not an executable (e_type %u)", eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return bad(elf, "not an x86-64 ELF file (e_machine %u)",
			   eh->e_machine);
	if (eh->e_ehsize != sizeof(*eh))
		return bad(elf, "e_ehsize is %u, not %zu", eh->e_ehsize,
			   sizeof(*eh));

	if (!eh->e_phnum)
		return bad(elf, "no program headers");
	rc = check_table(elf, "program", "e_phentsize", eh->e_phoff,
			 eh->e_phnum, eh->e_phentsize, sizeof(Elf64_Phdr),
			 PV_ELF_MAX_PHDRS);
	/* e_shnum 0: no sections (or extended numbering, not read). */
	if (!rc)
		rc = check_table(elf, "section", "e_shentsize", eh->e_shoff,
				 eh->e_shnum, eh->e_shentsize,
				 sizeof(Elf64_Shdr), PV_ELF_MAX_SHDRS);
	return rc;
}

static unsigned long value(const struct parse *p, uint32_t type,
			   unsigned long dflt)
{
	return p->have[type] ? p->num[type] : dflt;
}

/* Whether the Xen information makes it a PV kernel Xen would load. */
static int check_xen_info(struct parse *p)
{
	struct pv_elf *elf = p->elf;

	if (!p->nr_xen && !elf->legacy)
		return bad(
			elf,
			"no Xen ELF notes and no __xen_guest section: not a Xen PV kernel");
	if (!has_prefix(elf->loader, "generic") &&
	    !has_prefix(elf->guest_os, "linux"))
		return bad(
			elf,
			"built neither for the generic loader (LOADER \"%s\") nor as Linux (GUEST_OS \"%s\")",
			elf->loader, elf->guest_os);
	if (!has_prefix(elf->xen_version, "xen-3.0"))
		return bad(elf, "built for Xen version \"%s\", not xen-3.0",
			   elf->xen_version);
	if (p->have[XEN_ELFNOTE_PADDR_OFFSET] &&
	    !p->have[XEN_ELFNOTE_VIRT_BASE])
		return bad(elf, "PADDR_OFFSET is given without VIRT_BASE");
	/* The values, with Xen's defaults; __xen_guest puts VAs in p_paddr. */
	elf->virt_base = value(p, XEN_ELFNOTE_VIRT_BASE, 0);
	elf->elf_paddr_offset = value(p, XEN_ELFNOTE_PADDR_OFFSET,
				      elf->legacy ? elf->virt_base : 0);
	elf->virt_entry = value(p, XEN_ELFNOTE_ENTRY, p->eh.e_entry);
	elf->virt_hypercall =
		value(p, XEN_ELFNOTE_HYPERCALL_PAGE, PV_ELF_UNSET);
	if (elf->legacy && p->have[XEN_ELFNOTE_HYPERCALL_PAGE])
		elf->virt_hypercall += elf->virt_base;
	elf->p2m_base = value(p, XEN_ELFNOTE_INIT_P2M, PV_ELF_UNSET);
	elf->has_phys32_entry = p->have[XEN_ELFNOTE_PHYS32_ENTRY];
	elf->phys32_entry = (uint32_t)p->num[XEN_ELFNOTE_PHYS32_ENTRY];
	return 0;
}

static int load_segments(struct parse *p)
{
	struct pv_elf *elf = p->elf;
	unsigned long offset = elf->virt_base - elf->elf_paddr_offset;
	Elf64_Phdr ph;

	for (unsigned int i = 0; i < p->eh.e_phnum; i++) {
		struct pv_elf_segment *s = &elf->seg[elf->nr_segs];

		segment(p, i, &ph);
		/* What Xen loads: PT_LOAD with some access; memsz 0 is nothing. */
		if (ph.p_type != PT_LOAD ||
		    !(ph.p_flags & (PF_R | PF_W | PF_X)) || !ph.p_memsz)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			return bad(
				elf,
				"PT_LOAD segment %u has p_filesz %#lx above its p_memsz %#lx",
				i, (unsigned long)ph.p_filesz,
				(unsigned long)ph.p_memsz);
		if (!in_file(elf, ph.p_offset, ph.p_filesz))
			return bad(
				elf,
				"PT_LOAD segment %u runs past the end of the file",
				i);
		if (ph.p_align & (ph.p_align - 1))
			return bad(
				elf,
				"PT_LOAD segment %u has p_align %#lx, not a power of two",
				i, (unsigned long)ph.p_align);
		if (elf->nr_segs == PV_ELF_MAX_SEGS)
			return bad(elf, "more than %u PT_LOAD segments",
				   PV_ELF_MAX_SEGS);
		s->va = ph.p_paddr + offset; /* wraps as Xen's does */
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->memsz = ph.p_memsz;
		/* A segment ending at 2^64 would wrap virt_kend to 0. */
		if (!guest_range_ok(s->va, s->memsz) || !(s->va + s->memsz))
			return bad(
				elf,
				"PT_LOAD segment %u at %#lx (%#lx bytes) is not in the guest's part of the address space",
				i, s->va, (unsigned long)s->memsz);
		for (unsigned int j = 0; j < elf->nr_segs; j++) {
			const struct pv_elf_segment *o = &elf->seg[j];

			if (s->va < o->va + o->memsz &&
			    o->va < s->va + s->memsz)
				return bad(
					elf,
					"PT_LOAD segment %u overlaps an earlier one at %#lx",
					i, o->va);
		}
		/*
		 * Only a note: Linux's per-CPU segment has p_vaddr 0 and
		 * is loaded by its p_paddr, as here.
		 */
		if (s->va != ph.p_vaddr)
			printk(LOG_DEBUG
			       "%sguest ELF: segment %u loads at %#lx (p_paddr + VIRT_BASE - PADDR_OFFSET), not at its p_vaddr %#lx\n",
			       elf->who, i, s->va, (unsigned long)ph.p_vaddr);
		if (!elf->nr_segs || s->va < elf->virt_kstart)
			elf->virt_kstart = s->va;
		if (!elf->nr_segs || s->va + s->memsz > elf->virt_kend)
			elf->virt_kend = s->va + s->memsz;
		elf->nr_segs++;
	}
	if (!elf->nr_segs)
		return bad(elf, "no loadable PT_LOAD segment");
	return 0;
}

static int check_addresses(struct parse *p)
{
	struct pv_elf *elf = p->elf;
	bool entry_ok = false;

	if (!IS_ALIGNED(elf->virt_base, PAGE_SIZE))
		return bad(elf, "VIRT_BASE %#lx is not page-aligned",
			   elf->virt_base);
	if (elf->virt_base > elf->virt_kstart)
		return bad(elf,
			   "the image starts at %#lx, below VIRT_BASE %#lx",
			   elf->virt_kstart, elf->virt_base);
	if (!guest_range_ok(elf->virt_base, elf->virt_kend - elf->virt_base))
		return bad(
			elf,
			"VIRT_BASE %#lx to the image's end %#lx crosses the hypervisor's or the non-canonical hole",
			elf->virt_base, elf->virt_kend);
	for (unsigned int i = 0; i < elf->nr_segs; i++)
		if (elf->virt_entry >= elf->seg[i].va &&
		    elf->virt_entry - elf->seg[i].va < elf->seg[i].filesz)
			entry_ok = true;
	if (!entry_ok)
		return bad(
			elf,
			"the entry point %#lx is not in the file bytes of any PT_LOAD segment",
			elf->virt_entry);
	if (p->have[XEN_ELFNOTE_HYPERCALL_PAGE] &&
	    (!IS_ALIGNED(elf->virt_hypercall, PAGE_SIZE) ||
	     elf->virt_hypercall < elf->virt_kstart ||
	     elf->virt_hypercall >= elf->virt_kend)) {
		return bad(
			elf,
			"HYPERCALL_PAGE %#lx is not a page-aligned address inside the image [%#lx, %#lx)",
			elf->virt_hypercall, elf->virt_kstart, elf->virt_kend);
	}
	if (p->have[XEN_ELFNOTE_INIT_P2M] &&
	    elf->p2m_base >= elf->virt_kstart && elf->p2m_base < elf->virt_kend)
		return bad(elf, "INIT_P2M %#lx lies inside the image",
			   elf->p2m_base);
	return 0;
}

static int check_features(const struct pv_elf *elf)
{
	uint32_t refused = elf->f_required & ~PV_ELF_FEATURES_REQUIRABLE;
	unsigned int bit;

	if (!refused)
		return 0;
	bit = __builtin_ctz(refused);
	printk(LOG_ERR
	       "%sguest kernel requires the Xen feature %s, which mica does not provide\n",
	       elf->who, feature_names[bit]);
	return -EOPNOTSUPP;
}

int pv_elf_parse(struct pv_elf *elf, const void *image, size_t size,
		 const char *who)
{
	struct parse p = {.elf = elf};
	int rc;

	memset(elf, 0, sizeof(*elf));
	elf->image = image;
	elf->size = size;
	/* "(d1)" becomes the prefix "(d1) " of every message. */
	if (who && *who)
		snprintf(elf->who, sizeof(elf->who), "%s ", who);
	rc = check_header(&p);
	if (!rc)
		rc = find_notes(&p);
	if (!rc)
		rc = check_xen_info(&p);
	if (!rc)
		rc = load_segments(&p);
	if (!rc)
		rc = check_addresses(&p);
	if (!rc)
		rc = check_features(elf);
	if (rc)
		return rc;
	if (elf->has_phys32_entry)
		printk(LOG_DEBUG
		       "%sguest ELF: PHYS32_ENTRY %#x is a PVH entry; loading as PV from %#lx\n",
		       elf->who, elf->phys32_entry, elf->virt_entry);
	if (elf->bsd_symtab)
		printk(LOG_WARN
		       "%sguest ELF: BSD_SYMTAB asks for the symbol table, which mica does not load\n",
		       elf->who);
	return 0;
}

int pv_elf_load(const struct pv_elf *elf, pv_elf_write_fn write, void *ctx)
{
	for (unsigned int i = 0; i < elf->nr_segs; i++) {
		const struct pv_elf_segment *s = &elf->seg[i];

		for (uint64_t done = 0; done < s->memsz;) {
			unsigned long va = s->va + done;
			uint64_t n = MIN(PAGE_SIZE - (va & ~PAGE_MASK),
					 s->memsz - done);
			const void *src = NULL;
			int rc;

			if (done < s->filesz) {
				n = MIN(n, s->filesz - done);
				src = elf->image + s->offset + done;
			}
			rc = write(ctx, va, src, n);
			if (rc)
				return rc;
			done += n;
		}
	}
	return 0;
}
