# SPDX-License-Identifier: MIT
# The test guests: Xen x86-64 PV kernels built against include/public and
# guests/lib only, each build/guests/<name>.elf. Included by the top Makefile.
#
# Each guests/<name>/Rules.mk lists its objects (obj-y += file.o); they are
# linked with the runtime in guests/lib/ at the layout of guests/lib/guest.ld.

GUESTS := hello traps crash mmu memory sched contig superpage desc batch hostile

# A plain static ELF at a high virtual address: -mcmodel=kernel with
# -fno-pic, as Linux's PV kernels, so that the builder needs no relocation.
GUEST_CPPFLAGS := -Iinclude -Iguests/lib -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include)
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-common -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -fcf-protection=none \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes \
	-Wmissing-prototypes -Wshadow -Wvla -MMD -MP
GUEST_ASFLAGS := -D__ASSEMBLER__ -g -Wa,--noexecstack
GUEST_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 \
	-z noexecstack --build-id=none -T guests/lib/guest.ld

GB := $(BUILD)/guests

obj-y :=
include guests/lib/Rules.mk
guest-lib-objs := $(addprefix $(GB)/lib/,$(obj-y)) \
	$(GB)/lib/kernel/string.o $(GB)/lib/kernel/vsprintf.o

define guest_dir
obj-y :=
include guests/$(1)/Rules.mk
guest-$(1)-objs := $$(addprefix $(GB)/$(1)/,$$(obj-y))
$(GB)/$(1).elf: $$(guest-$(1)-objs) $$(guest-lib-objs) guests/lib/guest.ld
	@echo "  LD      $$@"
	$(Q)$(LD) $(GUEST_LDFLAGS) -o $$@ $$(guest-$(1)-objs) $$(guest-lib-objs)
guest-objs += $$(guest-$(1)-objs)
endef
guest-objs :=
$(foreach g,$(GUESTS),$(eval $(call guest_dir,$(g))))
guest-elfs := $(foreach g,$(GUESTS),$(GB)/$(g).elf)

$(GB)/%.o: guests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(GUEST_CPPFLAGS) $(GUEST_CFLAGS) -c $< -o $@

$(GB)/%.o: guests/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(GUEST_CPPFLAGS) $(GUEST_ASFLAGS) -MMD -MP -c $< -o $@

$(GB)/lib/kernel/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (for guests)"
	$(Q)$(CC) $(GUEST_CPPFLAGS) $(GUEST_CFLAGS) -c $< -o $@

.PHONY: guests
guests: $(guest-elfs)
all: guests

-include $(guest-objs:.o=.d) $(guest-lib-objs:.o=.d)
