/* SPDX-License-Identifier: MIT */
/*
 * The floor for mica.efi in `make bench`: the least a GNU-EFI application
 * can do, built with mica.efi's flags and started from the same kind of
 * drive. It prints one line on the firmware console (which OVMF copies to
 * the serial port) and powers the machine off through the runtime
 * services, so that the time from starting QEMU to that line is what the
 * firmware costs before any loader does any work.
 */
#include <efi.h>
#include <efilib.h>

/* Called by gnu-efi's start-up code (crt0), with the SysV ABI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	InitializeLib(image, systab);
	Print(L"trivial-efi: ready\r\n");
	RT->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}
