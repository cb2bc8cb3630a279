/* SPDX-License-Identifier: MIT */
/*
 * The ELF64 file format (System V gABI and its x86-64 supplement): the
 * headers and constants mica's guest loader reads. Files are read with
 * memcpy into these structures, never through pointers into the file,
 * since an image need not be aligned.
 */
#ifndef MICA_ELF_H
#define MICA_ELF_H

#include <mica/types.h>

#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1

#define ET_EXEC 2
#define EM_X86_64 62

#define PT_NULL 0
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 0x1
#define PF_W 0x2
#define PF_R 0x4
#define PN_XNUM 0xffff /* e_phnum: the real count is elsewhere */

#define SHT_NULL 0
#define SHT_PROGBITS 1
#define SHT_STRTAB 3
#define SHT_NOTE 7
#define SHT_NOBITS 8
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00 /* e_shstrndx at or above: no usable index */

typedef struct {
	unsigned char e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} Elf64_Phdr;

typedef struct {
	uint32_t sh_name;
	uint32_t sh_type;
	uint64_t sh_flags;
	uint64_t sh_addr;
	uint64_t sh_offset;
	uint64_t sh_size;
	uint32_t sh_link;
	uint32_t sh_info;
	uint64_t sh_addralign;
	uint64_t sh_entsize;
} Elf64_Shdr;

/* A note: this header, the name padded to 4 bytes, the desc likewise. */
typedef struct {
	uint32_t n_namesz;
	uint32_t n_descsz;
	uint32_t n_type;
} Elf64_Nhdr;

BUILD_BUG_ON(sizeof(Elf64_Ehdr) != 64);
BUILD_BUG_ON(sizeof(Elf64_Phdr) != 56);
BUILD_BUG_ON(sizeof(Elf64_Shdr) != 64);

#endif
