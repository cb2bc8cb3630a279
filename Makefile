# SPDX-License-Identifier: MIT
# mica: plain GNU make. `make help` lists the targets.

BUILD ?= build
# Rules.mk files may define rules of their own: `make` still means `make all`.
.DEFAULT_GOAL := all
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

MICA_VERSION := 0.1
KERNEL_CPPFLAGS := -DMICA_VERSION=\"$(MICA_VERSION)\" -Iinclude -nostdinc -isystem $(shell $(CC) -print-file-name=include)
KERNEL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-common -fno-strict-aliasing \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-fcf-protection=none -mno-red-zone -mgeneral-regs-only -fpie -fvisibility=hidden \
	-include include/mica/visibility.h \
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
KERNEL_DIRS := boot kernel kernel/pv mm drivers
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

# Two passes: the symbol table for backtraces comes from the first link's
# text symbols. The text precedes the table, so its addresses do not move;
# the second link checks that they did not.
mica-link = $(LD) $(KERNEL_LDFLAGS) -T $(BUILD)/linker.ld
$(BUILD)/mica.elf: $(kernel-objs) $(BUILD)/linker.ld tools/gensyms.sh
	@echo "  LD      $@"
	$(Q)bash tools/gensyms.sh < /dev/null > $(BUILD)/symtab0.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/symtab0.S -o $(BUILD)/symtab0.o
	$(Q)$(mica-link) -o $(BUILD)/.mica.pass1 $(kernel-objs) $(BUILD)/symtab0.o
	$(Q)$(NM) -n -S $(BUILD)/.mica.pass1 | bash tools/gensyms.sh > $(BUILD)/symtab.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $(BUILD)/symtab.S -o $(BUILD)/symtab.o
	$(Q)$(mica-link) -Map=$(BUILD)/mica.ldmap -o $@ $(kernel-objs) $(BUILD)/symtab.o
	$(Q)$(NM) -n -S $@ | bash tools/gensyms.sh | cmp -s - $(BUILD)/symtab.S || \
		{ echo "mica.elf: text moved between link passes" >&2; rm -f $@; exit 1; }
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

# ---- mm/ on the host ----------------------------------------------------------
# The real mm/ sources compiled natively (include/mica/host.h): a release
# library for benchmarks and a debug one with ASan and UBSan for tests.

HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -g -DMICA_HOST -Iinclude -Wall -Wextra -Werror \
	-Wno-unused-parameter -Wshadow -Wvla -MMD -MP
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
host-lib-srcs := $(addprefix mm/,$(mm-portable:.o=.c)) tools/host/machine.c tools/host/support.c \
	tools/host/guest_access.c

HOST_REL := $(BUILD)/host/rel
HOST_DBG := $(BUILD)/host/dbg
host-rel-objs := $(patsubst %.c,$(HOST_REL)/%.o,$(host-lib-srcs))
host-dbg-objs := $(patsubst %.c,$(HOST_DBG)/%.o,$(host-lib-srcs))

$(HOST_REL)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $< (release)"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -O2 -DNDEBUG -c $< -o $@

$(HOST_DBG)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $< (debug, sanitizers)"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -O1 -DMICA_DEBUG $(HOST_SAN) -c $< -o $@

# mm/Rules.mk lists the members: a file added there must reach the library
# even when every object is older than it.
$(BUILD)/host/libmica-mm.a: $(host-rel-objs) mm/Rules.mk
	$(Q)rm -f $@ && ar rcs $@ $(host-rel-objs)

$(BUILD)/host/libmica-mm-debug.a: $(host-dbg-objs) mm/Rules.mk
	$(Q)rm -f $@ && ar rcs $@ $(host-dbg-objs)

.PHONY: host
host: $(BUILD)/host/libmica-mm.a $(BUILD)/host/libmica-mm-debug.a

-include $(host-rel-objs:.o=.d) $(host-dbg-objs:.o=.d)

# ---- style ------------------------------------------------------------------

# Every C file as the committed .clang-format lays it out: tracked files and
# new ones not yet added, so that a file is formatted before its first commit.
format-srcs = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || \
	find boot kernel mm drivers include tests tools guests -name '*.[ch]')

.PHONY: format format-check
format:
	$(Q)clang-format -i $(format-srcs)

format-check:
	$(Q)clang-format --dry-run --Werror $(format-srcs) && \
		echo "format-check: $(words $(format-srcs)) files as .clang-format lays them out"

# Host tests, fuzzers (tests/Rules.mk) and the QEMU harness, ISO, run,
# check, bench and debug targets (scripts/Rules.mk).
include tests/Rules.mk
include scripts/Rules.mk
include guests/Rules.mk
include efi/Rules.mk
-include tools/Rules.mk
