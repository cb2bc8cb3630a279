/* SPDX-License-Identifier: MIT */
/*
 * mica.efi: boots mica from UEFI firmware without GRUB, by doing what GRUB
 * does on UEFI for a multiboot2 kernel, so that mica keeps one entry
 * (start32 in boot/head.S) and one parser (boot/multiboot2.c):
 *
 *  1. read mica.cfg from mica.efi's own folder (efi/cfg.c);
 *  2. load mica.elf's PT_LOAD segments at their physical addresses
 *     (efi/elf.c checks the file first) and each module, page-aligned,
 *     below 4 GiB;
 *  3. find a console mica can use: the GOP framebuffer or COM1;
 *  4. build a multiboot2 information block (efi/mbi.c): command lines,
 *     "mica.efi" as the loader name, modules, framebuffer, the ACPI RSDPs
 *     and the system table from the configuration table, and last the EFI
 *     memory map;
 *  5. GetMemoryMap() + ExitBootServices(), again while the map key is
 *     stale;
 *  6. efi/handoff.S: leave long mode for 32-bit protected mode with paging
 *     off and jump to the entry with eax = 0x36d76289, ebx = the block.
 *
 * Up to step 5 every failure prints "mica.efi: ..." on the firmware
 * console, frees what was allocated, waits a little for the message to be
 * read, and returns the error to the firmware: the boot manager then tries
 * its next entry. From ExitBootServices() on nothing can fail.
 *
 * UEFI runs this in long mode with memory identity-mapped, on one CPU, at
 * TPL_APPLICATION.
 */
#include <efi.h>
#include <efilib.h>

#include <mica/errno.h>

#include "loader.h"

#define LOADER_NAME "mica.efi"
#define CFG_FILE L"mica.cfg"
#define COM1 0x3f8
#define UART_SCR 7
#define PAGE_SIZE 4096
#define BELOW_4G 0xffffffffULL
#define MAX_ALLOCS (BOOT_MAX_MODULES + 8)
#define PATH_MAX (2 * CFG_NAME_MAX + 2)
/* Seconds an error message stays up before the firmware takes over. */
#define ERROR_WAIT 10
/* Descriptors the map may gain between sizing it and reading it. */
#define MMAP_SLACK 32
#define EBS_TRIES 8

/* efi/handoff.S, copied below 4 GiB and called there. */
extern const uint8_t handoff_start[],
	handoff_end[] __attribute__((visibility("hidden")));
typedef void (*handoff_fn)(uint32_t entry, uint32_t info);

struct loader {
	EFI_HANDLE image;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root;
	CHAR16 dir[PATH_MAX]; /* mica.efi's folder, ending in '\' */
	struct cfg *cfg;
	struct {
		EFI_PHYSICAL_ADDRESS addr;
		UINTN pages;
	} allocs[MAX_ALLOCS];
	unsigned int nr_allocs;
	struct elf_image elf;
	uint32_t mod_start[BOOT_MAX_MODULES], mod_end[BOOT_MAX_MODULES];
	struct boot_framebuffer fb;
	bool com1;
	const uint8_t *rsdp1, *rsdp2;
	uint32_t rsdp2_len;
	UINTN wait; /* seconds, from the load options' "wait=N" */
	/* ExitBootServices() was called: only memory services are left. */
	bool exit_tried;
};

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static UINT64 pages_of(UINT64 bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Pages that the error path gives back; below 4 GiB unless any is set. */
static EFI_STATUS alloc_pages(struct loader *l, EFI_ALLOCATE_TYPE how,
			      EFI_MEMORY_TYPE type, UINT64 pages,
			      EFI_PHYSICAL_ADDRESS *addr)
{
	EFI_STATUS st;

	if (l->nr_allocs >= MAX_ALLOCS)
		return EFI_OUT_OF_RESOURCES;
	if (how == AllocateMaxAddress)
		*addr = BELOW_4G;
	st = BS->AllocatePages(how, type, pages, addr);
	if (EFI_ERROR(st))
		return st;
	l->allocs[l->nr_allocs].addr = *addr;
	l->allocs[l->nr_allocs].pages = pages;
	l->nr_allocs++;
	return EFI_SUCCESS;
}

static void free_pages(struct loader *l, EFI_PHYSICAL_ADDRESS addr)
{
	for (unsigned int i = 0; i < l->nr_allocs; i++) {
		if (l->allocs[i].addr != addr)
			continue;
		BS->FreePages(addr, l->allocs[i].pages);
		l->allocs[i] = l->allocs[--l->nr_allocs];
		return;
	}
}

static void free_all(struct loader *l)
{
	while (l->nr_allocs)
		free_pages(l, l->allocs[0].addr);
}

/* ---- files --------------------------------------------------------------- */

/*
 * mica.efi's folder on its volume, from the file path node(s) of the image's
 * device path ("\EFI\BOOT\BOOTX64.EFI" -> "\EFI\BOOT\"). The root when
 * there is none, as when another loader started mica.efi from memory.
 */
static void image_dir(struct loader *l)
{
	EFI_DEVICE_PATH *dp = l->li->FilePath;
	UINTN n = 0, cut = 0;

	for (; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
		const uint8_t *name = (const uint8_t *)dp + 4;
		UINTN chars = (DevicePathNodeLength(dp) - 4) / 2;

		if (DevicePathType(dp) != MEDIA_DEVICE_PATH ||
		    DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		/* Nodes are joined by a '\'; device paths are unaligned. */
		if (n && l->dir[n - 1] != L'\\' && n < PATH_MAX - 1)
			l->dir[n++] = L'\\';
		for (UINTN i = 0; i < chars && n < PATH_MAX - 1; i++) {
			CHAR16 ch;

			CopyMem(&ch, name + 2 * i, sizeof(ch));
			if (!ch)
				break;
			if (ch == L'/')
				ch = L'\\';
			if (ch == L'\\' && n && l->dir[n - 1] == L'\\')
				continue;
			l->dir[n++] = ch;
		}
	}
	for (UINTN i = 0; i < n; i++)
		if (l->dir[i] == L'\\')
			cut = i + 1;
	if (!cut || l->dir[0] != L'\\') {
		l->dir[0] = L'\\';
		cut = 1;
	}
	l->dir[cut] = 0;
}

/* A name from mica.cfg, relative to mica.efi's folder unless it is absolute. */
static void file_path(const struct loader *l, CHAR16 *out, const char *name)
{
	UINTN n = 0;

	if (name[0] != '\\')
		for (const CHAR16 *d = l->dir; *d && n < PATH_MAX - 1; d++)
			out[n++] = *d;
	for (; *name && n < PATH_MAX - 1; name++)
		out[n++] = (CHAR16)(unsigned char)*name;
	out[n] = 0;
}

static EFI_STATUS open_volume(EFI_HANDLE h, EFI_FILE_HANDLE *root)
{
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	st = BS->HandleProtocol(h, &gEfiSimpleFileSystemProtocolGuid,
				(void **)&fs);
	if (!EFI_ERROR(st))
		st = fs->OpenVolume(fs, root);
	return st;
}

/* Whether device path child lies below parent (a partition of a disk). */
static bool path_below(EFI_DEVICE_PATH *parent, EFI_DEVICE_PATH *child)
{
	UINTN n = DevicePathSize(parent) - END_DEVICE_PATH_LENGTH;

	return DevicePathSize(child) > n + END_DEVICE_PATH_LENGTH &&
	       !CompareMem(parent, child, n);
}

/*
 * GRUB's chainloader on a CD names the whole disc as mica.efi's device, and
 * UEFI has no file system there: the FAT volume is the disc's El Torito EFI
 * image, a child of that device. The first volume below the device with a
 * mica.cfg in mica.efi's folder is taken.
 */
static EFI_STATUS open_root_below(struct loader *l)
{
	EFI_DEVICE_PATH *dev = DevicePathFromHandle(l->li->DeviceHandle);
	EFI_STATUS st = EFI_NOT_FOUND;
	CHAR16 path[PATH_MAX];
	EFI_HANDLE *handles;
	UINTN n;

	if (!dev || EFI_ERROR(BS->LocateHandleBuffer(
			    ByProtocol, &gEfiSimpleFileSystemProtocolGuid, NULL,
			    &n, &handles)))
		return st;
	StrCpy(path, l->dir);
	StrCat(path, CFG_FILE);
	for (UINTN i = 0; i < n && EFI_ERROR(st); i++) {
		EFI_DEVICE_PATH *dp = DevicePathFromHandle(handles[i]);
		EFI_FILE_HANDLE root, fh;

		if (!dp || !path_below(dev, dp) ||
		    EFI_ERROR(open_volume(handles[i], &root)))
			continue;
		if (!EFI_ERROR(root->Open(root, &fh, path, EFI_FILE_MODE_READ,
					  0))) {
			fh->Close(fh);
			l->root = root;
			st = EFI_SUCCESS;
		} else {
			root->Close(root);
		}
	}
	FreePool(handles);
	return st;
}

static EFI_STATUS open_root(struct loader *l)
{
	EFI_STATUS st;

	st = open_volume(l->li->DeviceHandle, &l->root);
	if (EFI_ERROR(st) && !EFI_ERROR(open_root_below(l)))
		st = EFI_SUCCESS;
	if (EFI_ERROR(st))
		Print(L"mica.efi: cannot open the volume mica.efi was loaded from (%r): mica.efi, mica.cfg and mica.elf must sit on a FAT file system, such as the EFI system partition\r\n",
		      st);
	return st;
}

/*
 * Open path and return its size. The messages name the file and its role
 * (what); a missing file's message ends with hint, what to do about it.
 */
static EFI_STATUS open_file(struct loader *l, const CHAR16 *path,
			    const char *what, const char *hint,
			    EFI_FILE_HANDLE *fh, UINT64 *size)
{
	EFI_FILE_INFO *info;
	EFI_STATUS st;

	st = l->root->Open(l->root, fh, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
	if (st == EFI_NOT_FOUND) {
		Print(L"mica.efi: %a %s not found: %a\r\n", what, path, hint);
		return st;
	}
	if (EFI_ERROR(st)) {
		Print(L"mica.efi: cannot open %a %s: %r\r\n", what, path, st);
		return st;
	}
	info = LibFileInfo(*fh);
	if (!info) {
		Print(L"mica.efi: cannot read the size of %a %s\r\n", what,
		      path);
		st = EFI_DEVICE_ERROR;
	} else if (info->Attribute & EFI_FILE_DIRECTORY) {
		Print(L"mica.efi: %a %s is a folder, not a file\r\n", what,
		      path);
		st = EFI_INVALID_PARAMETER;
	} else if (!info->FileSize) {
		Print(L"mica.efi: %a %s is empty\r\n", what, path);
		st = EFI_INVALID_PARAMETER;
	} else {
		*size = info->FileSize;
	}
	if (info)
		FreePool(info);
	if (EFI_ERROR(st))
		(*fh)->Close(*fh);
	return st;
}

static EFI_STATUS read_all(EFI_FILE_HANDLE fh, void *buf, UINT64 size,
			   const char *what, const CHAR16 *path)
{
	uint8_t *p = buf;
	UINT64 done = 0;

	while (done < size) {
		UINTN n = size - done;
		EFI_STATUS st = fh->Read(fh, &n, p + done);

		if (EFI_ERROR(st)) {
			Print(L"mica.efi: reading %a %s failed: %r\r\n", what,
			      path, st);
			return st;
		}
		if (!n) {
			Print(L"mica.efi: %a %s ended after %ld of its %ld bytes\r\n",
			      what, path, done, size);
			return EFI_END_OF_FILE;
		}
		done += n;
	}
	return EFI_SUCCESS;
}

/*
 * Read a whole file into fresh pages (below 4 GiB when below4g), the rest
 * of the last page zeroed.
 */
static EFI_STATUS load_file(struct loader *l, const char *name,
			    const char *what, bool below4g,
			    EFI_PHYSICAL_ADDRESS *addr, UINT64 *size)
{
	CHAR16 path[PATH_MAX];
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;

	file_path(l, path, name);
	st = open_file(l, path, what,
		       "mica.cfg names it: copy it there or correct the name",
		       &fh, size);
	if (EFI_ERROR(st))
		return st;
	st = alloc_pages(l, below4g ? AllocateMaxAddress : AllocateAnyPages,
			 EfiLoaderData, pages_of(*size), addr);
	if (EFI_ERROR(st)) {
		Print(L"mica.efi: %a %s is %ld MiB, too large for the free memory%a (%r)\r\n",
		      what, path, (*size + (1 << 20) - 1) >> 20,
		      below4g ? " below 4 GiB" : "", st);
	} else {
		st = read_all(fh, (void *)(UINTN)*addr, *size, what, path);
		if (!EFI_ERROR(st))
			SetMem((uint8_t *)(UINTN)*addr + *size,
			       pages_of(*size) * PAGE_SIZE - *size, 0);
	}
	fh->Close(fh);
	return st;
}

/* ---- the steps ----------------------------------------------------------- */

static EFI_STATUS read_cfg(struct loader *l)
{
	CHAR16 path[PATH_MAX];
	struct cfg_error err;
	EFI_FILE_HANDLE fh;
	UINT64 size = 0;
	char *text;
	EFI_STATUS st;

	StrCpy(path, l->dir);
	StrCat(path, CFG_FILE);
	st = open_file(
		l, path, "configuration file",
		"mica.efi reads mica's file name, command line and modules from a mica.cfg next to it (docs/uefi.md)",
		&fh, &size);
	if (EFI_ERROR(st))
		return st;
	if (size > CFG_FILE_MAX) {
		Print(L"mica.efi: %s is %ld bytes; a configuration file has at most %d\r\n",
		      path, size, CFG_FILE_MAX);
		fh->Close(fh);
		return EFI_BAD_BUFFER_SIZE;
	}
	text = AllocatePool(size);
	l->cfg = AllocatePool(sizeof(*l->cfg));
	if (!text || !l->cfg) {
		st = EFI_OUT_OF_RESOURCES;
		Print(L"mica.efi: no memory for %s: %r\r\n", path, st);
	} else {
		st = read_all(fh, text, size, "configuration file", path);
	}
	fh->Close(fh);
	if (!EFI_ERROR(st) && cfg_parse(l->cfg, text, size, &err)) {
		if (err.line)
			Print(L"mica.efi: %s, line %d: %a\r\n", path, err.line,
			      err.msg);
		else
			Print(L"mica.efi: %s: %a\r\n", path, err.msg);
		st = EFI_LOAD_ERROR;
	}
	if (text)
		FreePool(text);
	return st;
}

static EFI_STATUS load_kernel(struct loader *l)
{
	EFI_PHYSICAL_ADDRESS file, at;
	struct elf_image *img = &l->elf;
	CHAR16 path[PATH_MAX];
	const char *why;
	UINT64 size;
	EFI_STATUS st;

	st = load_file(l, l->cfg->kernel, "kernel", false, &file, &size);
	if (EFI_ERROR(st))
		return st;
	file_path(l, path, l->cfg->kernel);
	if (elf_check((void *)(UINTN)file, size, img, &why)) {
		Print(L"mica.efi: kernel %s is not one mica.efi can start: %a\r\n",
		      path, why);
		st = EFI_LOAD_ERROR;
		goto out;
	}
	at = img->start;
	st = alloc_pages(l, AllocateAddress, EfiLoaderData,
			 (img->end - img->start) / PAGE_SIZE, &at);
	if (EFI_ERROR(st)) {
		Print(L"mica.efi: kernel %s must be loaded at [%lx, %lx), but the firmware is using that memory (%r)\r\n",
		      path, img->start, img->end, st);
		goto out;
	}
	/* Zeroed first: bss, and any gap between segments, reads as zero. */
	SetMem((void *)(UINTN)img->start, img->end - img->start, 0);
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct elf_segment *s = &img->seg[i];

		CopyMem((void *)(UINTN)s->paddr,
			(uint8_t *)(UINTN)file + s->offset, s->filesz);
	}
out:
	free_pages(l, file);
	return st;
}

static EFI_STATUS load_modules(struct loader *l)
{
	for (unsigned int i = 0; i < l->cfg->nr_modules; i++) {
		EFI_PHYSICAL_ADDRESS addr;
		UINT64 size;
		EFI_STATUS st;

		st = load_file(l, l->cfg->modules[i].file, "module", true,
			       &addr, &size);
		if (EFI_ERROR(st))
			return st;
		l->mod_start[i] = (uint32_t)addr;
		l->mod_end[i] = (uint32_t)(addr + size);
	}
	return EFI_SUCCESS;
}

static bool mask_field(UINT32 mask, uint8_t *pos, uint8_t *size)
{
	unsigned int p, s = 0;

	if (!mask)
		return false;
	p = (unsigned int)__builtin_ctz(mask);
	for (mask >>= p; mask & 1; mask >>= 1)
		s++;
	if (mask)
		return false; /* not one run of bits */
	*pos = (uint8_t)p;
	*size = (uint8_t)s;
	return true;
}

/* 8 bits a channel in a 32-bit pixel, at the given bit positions. */
static void rgb8(struct boot_framebuffer *fb, uint8_t r, uint8_t g, uint8_t b)
{
	fb->bpp = 32;
	fb->red_pos = r;
	fb->green_pos = g;
	fb->blue_pos = b;
	fb->red_size = fb->green_size = fb->blue_size = 8;
}

/* A GOP mode as multiboot2 describes a direct-colour framebuffer. */
static bool gop_framebuffer(EFI_GRAPHICS_OUTPUT_PROTOCOL *gop,
			    struct boot_framebuffer *fb)
{
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
	EFI_PIXEL_BITMASK *px;
	UINT32 all;

	if (!gop->Mode || !gop->Mode->Info || !gop->Mode->FrameBufferBase)
		return false;
	info = gop->Mode->Info;
	px = &info->PixelInformation;
	SetMem(fb, sizeof(*fb), 0);
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		rgb8(fb, 0, 8, 16);
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		rgb8(fb, 16, 8, 0);
		break;
	case PixelBitMask:
		if (!mask_field(px->RedMask, &fb->red_pos, &fb->red_size) ||
		    !mask_field(px->GreenMask, &fb->green_pos,
				&fb->green_size) ||
		    !mask_field(px->BlueMask, &fb->blue_pos, &fb->blue_size))
			return false;
		all = px->RedMask | px->GreenMask | px->BlueMask |
		      px->ReservedMask;
		fb->bpp = (uint8_t)((32 - __builtin_clz(all) + 7) & ~7);
		break;
	default: /* PixelBltOnly: no framebuffer to write to */
		return false;
	}
	if (!info->HorizontalResolution || !info->VerticalResolution ||
	    info->PixelsPerScanLine < info->HorizontalResolution)
		return false;
	fb->type = BOOT_FB_RGB;
	fb->addr = gop->Mode->FrameBufferBase;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->pitch = info->PixelsPerScanLine * (fb->bpp / 8);
	return true;
}

/*
 * The GOP framebuffer, in the mode the firmware set (mica's multiboot2
 * header states no preference). A GOP on a device (one with a device path)
 * is preferred to the console splitter's virtual one, which need not
 * describe a framebuffer of its own.
 */
static void find_framebuffer(struct loader *l)
{
	EFI_HANDLE *handles;
	UINTN n;

	if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol,
					     &gEfiGraphicsOutputProtocolGuid,
					     NULL, &n, &handles)))
		return;
	for (UINTN i = 0; i < n; i++) {
		EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
		struct boot_framebuffer fb;
		void *dp;

		if (EFI_ERROR(BS->HandleProtocol(
			    handles[i], &gEfiGraphicsOutputProtocolGuid,
			    (void **)&gop)) ||
		    !gop_framebuffer(gop, &fb))
			continue;
		if (!l->fb.type)
			l->fb = fb;
		if (!EFI_ERROR(BS->HandleProtocol(
			    handles[i], &gEfiDevicePathProtocolGuid, &dp))) {
			l->fb = fb;
			break;
		}
	}
	FreePool(handles);
}

/*
 * Whether a 16550 answers at COM1, the port mica's serial console drives:
 * the scratch register keeps what is written to it. Only the scratch
 * register is touched, so a firmware console on the port is undisturbed.
 */
static bool com1_present(void)
{
	uint8_t saved = inb(COM1 + UART_SCR), a, b;

	outb(COM1 + UART_SCR, 0x5a);
	a = inb(COM1 + UART_SCR);
	outb(COM1 + UART_SCR, 0xa5);
	b = inb(COM1 + UART_SCR);
	outb(COM1 + UART_SCR, saved);
	return a == 0x5a && b == 0xa5;
}

static EFI_STATUS find_console(struct loader *l)
{
	find_framebuffer(l);
	l->com1 = com1_present();
	if (l->fb.type || l->com1)
		return EFI_SUCCESS;
	Print(L"mica.efi: this machine has no GOP framebuffer and no serial port at COM1 (0x%x): mica would have no console. Connect a display or a serial port, or enable the firmware's graphics output\r\n",
	      COM1);
	return EFI_UNSUPPORTED;
}

/* The RSDPs from the configuration table; mica's parser checks the sums. */
static void find_acpi(struct loader *l)
{
	static EFI_GUID acpi1 = ACPI_TABLE_GUID, acpi2 = ACPI_20_TABLE_GUID;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		const uint8_t *r = t->VendorTable;
		bool v2 = !CompareGuid(&t->VendorGuid, &acpi2);
		UINT32 len;

		if ((!v2 && CompareGuid(&t->VendorGuid, &acpi1)) || !r ||
		    CompareMem(r, "RSD PTR ", 8))
			continue;
		if (!v2) {
			l->rsdp1 = r;
		} else if (r[15] >= 2) { /* revision 2: the XSDT's RSDP */
			CopyMem(&len, r + 20, sizeof(len));
			l->rsdp2 = r;
			l->rsdp2_len = len >= 36 && len <= 4096 ? len : 36;
		}
	}
}

static void build_info(const struct loader *l, struct mbi *m)
{
	mbi_string(m, 1, l->cfg->cmdline);
	mbi_string(m, 2, LOADER_NAME);
	for (unsigned int i = 0; i < l->cfg->nr_modules; i++)
		mbi_module(m, l->mod_start[i], l->mod_end[i],
			   l->cfg->modules[i].args);
	if (l->fb.type)
		mbi_framebuffer(m, &l->fb);
	if (l->rsdp1)
		mbi_rsdp(m, 14, l->rsdp1, 20);
	if (l->rsdp2)
		mbi_rsdp(m, 15, l->rsdp2, l->rsdp2_len);
	mbi_efi64(m, (UINT64)(UINTN)ST);
}

/*
 * The information block, sized for everything but the memory map plus room
 * for the map as it is now and MMAP_SLACK more descriptors: this
 * allocation and the firmware's own activity until ExitBootServices()
 * may split a few ranges.
 */
static EFI_STATUS alloc_info(struct loader *l, struct mbi *m)
{
	EFI_PHYSICAL_ADDRESS addr;
	UINTN map_size = 0, key, dsize = 0;
	UINT32 dver;
	UINT64 size;
	EFI_STATUS st;

	mbi_init(m, NULL, 0);
	build_info(l, m);
	st = BS->GetMemoryMap(&map_size, NULL, &key, &dsize, &dver);
	if (st != EFI_BUFFER_TOO_SMALL ||
	    dsize < sizeof(EFI_MEMORY_DESCRIPTOR)) {
		Print(L"mica.efi: the firmware does not report its memory map (%r)\r\n",
		      st);
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	size = m->len + MBI_EFI_MMAP_OVERHEAD + map_size + MMAP_SLACK * dsize;
	st = alloc_pages(l, AllocateMaxAddress, EfiLoaderData, pages_of(size),
			 &addr);
	if (EFI_ERROR(st)) {
		Print(L"mica.efi: no memory below 4 GiB for the boot information (%r)\r\n",
		      st);
		return st;
	}
	mbi_init(m, (void *)(UINTN)addr, pages_of(size) * PAGE_SIZE);
	build_info(l, m);
	return EFI_SUCCESS;
}

static EFI_STATUS alloc_handoff(struct loader *l, handoff_fn *fn)
{
	UINTN len = (UINTN)(handoff_end - handoff_start);
	EFI_PHYSICAL_ADDRESS addr;
	EFI_STATUS st;

	/* Code type: firmware that maps data no-execute still runs it. */
	st = alloc_pages(l, AllocateMaxAddress, EfiLoaderCode, pages_of(len),
			 &addr);
	if (EFI_ERROR(st)) {
		Print(L"mica.efi: no memory below 4 GiB for the mode switch (%r)\r\n",
		      st);
		return st;
	}
	CopyMem((void *)(UINTN)addr, handoff_start, len);
	*fn = (handoff_fn)(UINTN)addr;
	return EFI_SUCCESS;
}

/*
 * The last firmware calls. The map goes straight into the block's last tag;
 * a stale key (the map changed after it was read: a timer event allocated,
 * say) means reading it again. After a failed ExitBootServices() only the
 * memory map services may be used, so nothing else is called until it
 * succeeds. Returns only on failure.
 */
static EFI_STATUS exit_and_start(struct loader *l, struct mbi *m,
				 handoff_fn handoff)
{
	UINTN map_size, key, dsize;
	UINT32 dver;
	EFI_STATUS st = EFI_SUCCESS;
	size_t room;
	void *map = mbi_efi_mmap_room(m, &room);

	if (!map) {
		Print(L"mica.efi: the boot information does not fit in its %ld bytes\r\n",
		      (UINT64)m->size);
		return EFI_BUFFER_TOO_SMALL;
	}
	for (unsigned int i = 0; i < EBS_TRIES; i++) {
		map_size = room;
		st = BS->GetMemoryMap(&map_size, map, &key, &dsize, &dver);
		if (EFI_ERROR(st))
			break;
		/* The test of the retry: a key the firmware must refuse. */
		if (i == 0 && l->cfg->test_stale_key)
			key ^= 0x5a5a;
		st = BS->ExitBootServices(l->image, key);
		l->exit_tried = true;
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	if (EFI_ERROR(st) && !l->exit_tried) {
		Print(L"mica.efi: the firmware's memory map does not fit in the %ld bytes left for it (%r)\r\n",
		      (UINT64)room, st);
		return st;
	}
	if (EFI_ERROR(st)) {
		/* Best effort: the console may be gone already. */
		Print(L"mica.efi: leaving the firmware's boot services failed (%r)\r\n",
		      st);
		return st;
	}
	mbi_efi_mmap_end(m, (uint32_t)map_size, (uint32_t)dsize, dver);
	handoff(l->elf.entry, (uint32_t)(UINTN)m->buf);
	return EFI_LOAD_ERROR; /* not reached */
}

/* "wait=N" among the load options (UCS-2), as efibootmgr -u sets them. */
static UINTN option_wait(const EFI_LOADED_IMAGE *li)
{
	const CHAR16 *o = li->LoadOptions;
	UINTN n = li->LoadOptionsSize / sizeof(CHAR16), v = 0;

	for (UINTN i = 0; o && i + 5 <= n; i++) {
		if ((i && o[i - 1] != L' ') || StrnCmp(o + i, L"wait=", 5))
			continue;
		for (i += 5; i < n && o[i] >= L'0' && o[i] <= L'9'; i++)
			v = v < 3600 ? v * 10 + (o[i] - L'0') : v;
		return v;
	}
	return ERROR_WAIT;
}

/* Keep an error on the screen for a while: the boot manager clears it. */
static void pause(UINTN seconds)
{
	EFI_EVENT events[2];
	EFI_INPUT_KEY key;
	UINTN which;

	if (!seconds)
		return;
	Print(L"mica.efi: returning to the firmware in %d seconds, or at a key press\r\n",
	      (int)seconds);
	if (!ST->ConIn ||
	    EFI_ERROR(BS->CreateEvent(EVT_TIMER, 0, NULL, NULL, &events[1]))) {
		BS->Stall(seconds * 1000000);
		return;
	}
	events[0] = ST->ConIn->WaitForKey;
	BS->SetTimer(events[1], TimerRelative, seconds * 10000000);
	BS->WaitForEvent(2, events, &which);
	BS->CloseEvent(events[1]);
	ST->ConIn->ReadKeyStroke(ST->ConIn, &key);
}

static EFI_STATUS boot(struct loader *l)
{
	handoff_fn handoff;
	struct mbi m;
	EFI_STATUS st;

	st = BS->HandleProtocol(l->image, &gEfiLoadedImageProtocolGuid,
				(void **)&l->li);
	if (EFI_ERROR(st)) {
		Print(L"mica.efi: no loaded-image protocol on its own handle (%r)\r\n",
		      st);
		return st;
	}
	l->wait = option_wait(l->li);
	image_dir(l);
	st = open_root(l);
	if (!EFI_ERROR(st))
		st = read_cfg(l);
	if (!EFI_ERROR(st))
		st = load_kernel(l);
	if (!EFI_ERROR(st))
		st = load_modules(l);
	if (!EFI_ERROR(st))
		st = find_console(l);
	if (EFI_ERROR(st))
		return st;
	find_acpi(l);
	st = alloc_info(l, &m);
	if (!EFI_ERROR(st))
		st = alloc_handoff(l, &handoff);
	if (EFI_ERROR(st))
		return st;
	Print(L"mica.efi: starting %a at %lx with %d module%a\r\n",
	      l->cfg->kernel, (UINT64)l->elf.entry, (int)l->cfg->nr_modules,
	      l->cfg->nr_modules == 1 ? "" : "s");
	return exit_and_start(l, &m, handoff);
}

/* Called by gnu-efi's start-up code (crt0), with the SysV ABI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static struct loader l;
	EFI_STATUS st;

	InitializeLib(image, systab);
	l.image = image;
	st = boot(&l);
	/* Only failures come back here. */
	free_all(&l);
	if (l.cfg)
		FreePool(l.cfg);
	if (l.exit_tried)
		return st; /* files and the console may be shut down */
	if (l.root)
		l.root->Close(l.root);
	pause(l.li ? l.wait : ERROR_WAIT);
	return st;
}
