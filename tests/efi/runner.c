/* SPDX-License-Identifier: MIT */
/*
 * The error-case runner for scripts/test-efi.sh: starts mica.efi once per
 * case, in one firmware boot rather than one boot per case (OVMF's start
 * costs seconds under TCG). \runner.lst on the runner's volume names the
 * cases, one a line; case NAME is \cases\NAME\mica.efi beside its own
 * mica.cfg. Each is loaded and started as the boot manager starts a boot
 * entry, with "wait=0" as its load options so that an error message does
 * not pause; the runner prints
 *
 *     runner: case NAME
 *     ... what mica.efi printed ...
 *     runner: case NAME returned <status>
 *
 * and powers the machine off after the last case. A case that never
 * returns (mica.efi hung, or booted mica) leaves its "returned" line out.
 */
#include <efi.h>
#include <efilib.h>

#define LIST L"\\runner.lst"
#define NAME_MAX 64

static CHAR16 wait0[] = L"wait=0";

static void run(EFI_HANDLE image, EFI_HANDLE dev, const CHAR16 *name)
{
	CHAR16 path[2 * NAME_MAX];
	EFI_DEVICE_PATH *dp;
	EFI_LOADED_IMAGE *li;
	EFI_HANDLE child;
	EFI_STATUS st;

	SPrint(path, sizeof(path), L"\\cases\\%s\\mica.efi", name);
	Print(L"runner: case %s\r\n", name);
	dp = FileDevicePath(dev, path);
	st = dp ? BS->LoadImage(FALSE, image, dp, NULL, 0, &child)
		: EFI_OUT_OF_RESOURCES;
	if (dp)
		FreePool(dp);
	if (!EFI_ERROR(st) &&
	    !EFI_ERROR(BS->HandleProtocol(child, &gEfiLoadedImageProtocolGuid,
					  (void **)&li))) {
		li->LoadOptions = wait0;
		li->LoadOptionsSize = sizeof(wait0);
	}
	if (!EFI_ERROR(st))
		st = BS->StartImage(child, NULL, NULL);
	Print(L"runner: case %s returned %r\r\n", name, st);
}

/* Called by gnu-efi's start-up code (crt0), with the SysV ABI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root, list;
	char text[2048];
	CHAR16 name[NAME_MAX];
	UINTN len = sizeof(text) - 1, n = 0;
	EFI_STATUS st;

	InitializeLib(image, systab);
	st = BS->HandleProtocol(image, &gEfiLoadedImageProtocolGuid,
				(void **)&li);
	root = EFI_ERROR(st) ? NULL : LibOpenRoot(li->DeviceHandle);
	if (!root ||
	    EFI_ERROR(root->Open(root, &list, LIST, EFI_FILE_MODE_READ, 0)) ||
	    EFI_ERROR(list->Read(list, &len, text))) {
		Print(L"runner: cannot read %s\r\n", LIST);
		len = 0;
	}
	text[len] = '\n';
	for (UINTN i = 0; i <= len; i++) {
		if (text[i] == '\n' || text[i] == '\r') {
			name[n] = 0;
			if (n)
				run(image, li->DeviceHandle, name);
			n = 0;
		} else if (n < NAME_MAX - 1) {
			name[n++] = (CHAR16)(unsigned char)text[i];
		}
	}
	Print(L"runner: done\r\n");
	RT->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}
