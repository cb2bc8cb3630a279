# SPDX-License-Identifier: MIT
# mica: plain GNU make. `make help` lists the targets.

BUILD ?= build
debug ?= y

CC := gcc
LD := ld
OBJCOPY := objcopy
OBJDUMP := objdump
NM := nm

Q := @
ifeq ($(V),1)
Q :=
endif

# ---- the hypervisor ---------------------------------------------------------

KERNEL_CPPFLAGS := -Iinclude -nostdinc -isystem $(shell $(CC) -print-file-name=include)
KERNEL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-common -fno-strict-aliasing \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-fcf-protection=none -mno-red-zone -mgeneral-regs-only -fpie -fvisibility=hidden \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes -Wmissing-prototypes \
	-Wshadow -Wvla -MMD -MP
ifeq ($(debug),y)
KERNEL_CPPFLAGS += -DMICA_DEBUG
else
KERNEL_CPPFLAGS += -DNDEBUG
endif
KERNEL_ASFLAGS := -D__ASSEMBLER__ -g -Wa,--noexecstack
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-dynamic-linker --build-id=none -z norelro

# Each directory lists its objects in its Rules.mk as `obj-y += name.o`.
KERNEL_DIRS := boot kernel mm drivers
define include_dir
obj-y :=
include $(1)/Rules.mk
kernel-objs += $$(addprefix $(BUILD)/$(1)/,$$(obj-y))
endef
kernel-objs :=
$(foreach d,$(KERNEL_DIRS),$(eval $(call include_dir,$(d))))

.PHONY: all
all: $(BUILD)/mica.elf

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CPPFLAGS) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_CPPFLAGS) $(KERNEL_ASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/linker.ld: linker.ld include/asm/config.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KERNEL_CPPFLAGS) -D__ASSEMBLER__ -E -P -x c $< -o $@

$(BUILD)/mica.elf: $(kernel-objs) $(BUILD)/linker.ld
	@echo "  LD      $@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $(BUILD)/linker.ld -Map=$(BUILD)/mica.ldmap -o $@ $(kernel-objs)
	$(Q)$(NM) -n $@ > $(BUILD)/mica.map
	$(Q)$(OBJDUMP) -d -S $@ > $(BUILD)/mica.lst

-include $(kernel-objs:.o=.d)

# ---- running it -------------------------------------------------------------

QEMU ?= qemu-system-x86_64
QEMU_MEM ?= 256
APPEND ?=

.PHONY: qemu
qemu: $(BUILD)/mica.elf
	$(QEMU) -M pc -m $(QEMU_MEM) -kernel $(BUILD)/mica.elf -append "$(APPEND)" \
		-serial stdio -display none -no-reboot

.PHONY: clean
clean:
	rm -rf $(BUILD)
