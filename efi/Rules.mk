# SPDX-License-Identifier: MIT
# mica.efi, the UEFI loader (docs/uefi.md), and the GNU-EFI applications its
# tests and benchmark use.
# Included by the top Makefile.
#
#   make efi    $(BUILD)/mica.efi, the ESP folder $(BUILD)/esp (EFI/BOOT:
#               BOOTX64.EFI, mica.cfg, mica.elf) and its FAT image
#               $(BUILD)/mica-esp.img (EFI_APPEND=, EFI_MODULES=)

# Debian's gnu-efi: headers, start-up code, libraries and linker script.
GNU_EFI_INC ?= /usr/include/efi
GNU_EFI_LIB ?= /usr/lib

# A UEFI application is a relocatable PE image: position-independent code
# linked as an ELF shared object, then converted by objcopy. UCS-2 strings
# (-fshort-wchar); no red zone, since firmware interrupts run on the
# caller's stack; GNU_EFI_USE_MS_ABI declares the firmware's function
# pointers ms_abi, so calls through them are type-checked C calls rather
# than uefi_call_wrapper()'s untyped casts.
EFI_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fpic -fshort-wchar \
	-mno-red-zone -fno-stack-protector -fno-stack-check \
	-fno-asynchronous-unwind-tables -fcf-protection=none -fno-strict-aliasing \
	-DGNU_EFI_USE_MS_ABI -isystem $(GNU_EFI_INC) -isystem $(GNU_EFI_INC)/x86_64 \
	-Iinclude \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	-Wvla -MMD -MP
EFI_LDFLAGS := -nostdlib -shared -Bsymbolic -znocombreloc --no-undefined \
	--build-id=none -T $(GNU_EFI_LIB)/elf_x86_64_efi.lds
EFI_LIBS := -L$(GNU_EFI_LIB) -lefi -lgnuefi
# The sections a PE image keeps (gnu-efi's own list).
EFI_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
	-j .rela -j .rel.* -j .rela.* -j .reloc

EB := $(BUILD)/efi

$(EB)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  EFICC   $<"
	$(Q)$(CC) $(EFI_CFLAGS) -c $< -o $@

$(EB)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  EFIAS   $<"
	$(Q)$(CC) $(EFI_CFLAGS) -D__ASSEMBLER__ -Wa,--noexecstack -c $< -o $@

# efi-app NAME, OBJECTS: $(EB)/NAME.efi from the objects.
define efi-app
$(EB)/$(1).so: $(2)
	@echo "  EFILD   $$@"
	$$(Q)$$(LD) $$(EFI_LDFLAGS) -o $$@ $$(GNU_EFI_LIB)/crt0-efi-x86_64.o $$^ \
		$$(EFI_LIBS)

$(EB)/$(1).efi: $(EB)/$(1).so
	@echo "  EFIAPP  $$@"
	$$(Q)$$(OBJCOPY) $$(EFI_SECTIONS) --target efi-app-x86_64 \
		--subsystem=10 $$< $$@
endef

mica-efi-objs := $(addprefix $(EB)/efi/,main.o cfg.o elf.o mbi.o handoff.o)
$(eval $(call efi-app,mica,$(mica-efi-objs)))

# The runner that starts mica.efi again and again for the error-case tests
# (scripts/test-efi.sh), and the floor `make bench` compares mica.efi with
# (scripts/bench-efi.sh).
$(eval $(call efi-app,runner,$(EB)/tests/efi/runner.o))
$(eval $(call efi-app,trivial,$(EB)/tests/efi/trivial.o))

$(BUILD)/mica.efi: $(EB)/mica.efi
	$(Q)cp $< $@

-include $(mica-efi-objs:.o=.d) $(EB)/tests/efi/runner.d $(EB)/tests/efi/trivial.d

# ---- the ESP ------------------------------------------------------------------

# mica's command line in mica.cfg, and files to load as modules (in order).
EFI_APPEND ?=
EFI_MODULES ?=
efi-config := $(EFI_APPEND)|$(EFI_MODULES)

$(BUILD)/efi.config: FORCE
	@mkdir -p $(@D)
	$(Q)printf '%s\n' $(call shell-quote,$(efi-config)) | cmp -s - $@ || \
		printf '%s\n' $(call shell-quote,$(efi-config)) > $@

$(BUILD)/mica-esp.img: $(BUILD)/mica.efi $(BUILD)/mica.elf scripts/mkesp.sh \
		$(BUILD)/efi.config $(EFI_MODULES)
	@echo "  ESP     $(BUILD)/esp, $@"
	$(Q)bash scripts/mkesp.sh --out $(BUILD)/esp --efi $(BUILD)/mica.efi \
		--kernel $(BUILD)/mica.elf --append $(call shell-quote,$(EFI_APPEND)) \
		$(foreach m,$(EFI_MODULES),--module $(m)) --image $@

.PHONY: efi efi-tools
efi: $(BUILD)/mica-esp.img
efi-tools: $(EB)/runner.efi $(EB)/trivial.efi

# make run-efi: the FAT image under OVMF on this terminal. snapshot=on: OVMF
# stores its variables on the drive, and the image stays as built.
.PHONY: run-efi
run-efi:
	$(Q)bash scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory $(BUILD)/mica-esp.img
	@echo "mica on the serial console: Ctrl-a x quits QEMU, Ctrl-a c its monitor"
	$(Q)$(qemu-run) -bios $(OVMF) \
		-drive format=raw,file=$(BUILD)/mica-esp.img,snapshot=on
