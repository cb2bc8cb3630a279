# SPDX-License-Identifier: MIT
# The boot image, the QEMU harness, and the run/check/bench/debug targets.
# Included by the top Makefile after tests/Rules.mk.

# ---- the bootable image -----------------------------------------------------

# mica's command line in the ISO's default entry, GRUB's menu timeout, and
# files to load as multiboot2 modules (in order).
ISO_APPEND ?=
ISO_TIMEOUT ?= 0
ISO_MODULES ?=
# The test image boots its "self tests" entry with this added.
TEST_APPEND ?=

shell-quote = '$(subst ','\'',$(1))'
iso-config := $(ISO_APPEND)|$(ISO_TIMEOUT)|$(ISO_MODULES)|$(TEST_APPEND)

all: $(BUILD)/mica.iso

.PHONY: iso
iso: $(BUILD)/mica.iso

# Rewritten only when the variables above change, so the images are remade
# exactly then.
$(BUILD)/iso.config: FORCE
	@mkdir -p $(@D)
	$(Q)printf '%s\n' $(call shell-quote,$(iso-config)) | cmp -s - $@ || \
		printf '%s\n' $(call shell-quote,$(iso-config)) > $@

# Both images also carry mica.efi in their EFI system partition, a third
# GRUB entry on UEFI machines; the test image's mica.cfg runs the self tests.
iso-deps := $(BUILD)/mica.elf scripts/mkiso.sh scripts/grub.cfg.in \
	scripts/xorriso-esp.sh $(BUILD)/mica.efi $(BUILD)/iso.config $(ISO_MODULES)
iso-modules := $(foreach m,$(ISO_MODULES),--module $(m))

$(BUILD)/mica.iso: $(iso-deps)
	@echo "  ISO     $@"
	$(Q)bash scripts/mkiso.sh --out $@ --kernel $< --default 0 \
		--timeout $(ISO_TIMEOUT) --append $(call shell-quote,$(ISO_APPEND)) \
		$(iso-modules) --efi $(BUILD)/mica.efi

$(BUILD)/mica-test.iso: $(iso-deps)
	@echo "  ISO     $@"
	$(Q)bash scripts/mkiso.sh --out $@ --kernel $< --default 1 --timeout 0 \
		--append $(call shell-quote,$(strip $(ISO_APPEND) $(TEST_APPEND))) \
		$(iso-modules) --efi $(BUILD)/mica.efi \
		--efi-append $(call shell-quote,$(strip selftest $(ISO_APPEND) $(TEST_APPEND)))

.PHONY: FORCE
FORCE:

# ---- the trivial kernel: the floor for `make bench` -------------------------

TRIVIAL := $(BUILD)/tests/qemu/trivial/trivial.elf

.PHONY: trivial
trivial: $(TRIVIAL)

$(BUILD)/tests/qemu/trivial/trivial.o: tests/qemu/trivial/trivial.S
	@mkdir -p $(@D)
	@echo "  AS32    $<"
	$(Q)$(CC) -m32 -nostdinc -D__ASSEMBLER__ -Wa,--noexecstack -c $< -o $@

$(TRIVIAL): $(BUILD)/tests/qemu/trivial/trivial.o tests/qemu/trivial/trivial.ld
	@echo "  LD32    $@"
	$(Q)$(LD) -m elf_i386 -nostdlib -static -z noexecstack --build-id=none \
		-T tests/qemu/trivial/trivial.ld -o $@ $<

# ---- running ----------------------------------------------------------------

# make run [APPEND="..."] [QEMU_MEM=256] [RUN_INITRD=a,b] [MACHINE=pc|q35]
#   ends with the contig guest's results table (tools/contig_report.py)
# make run-iso [FIRMWARE=bios|ovmf]
MACHINE ?= pc
FIRMWARE ?= bios
# The demo guests: the contiguity experiments as the initial domain (their
# heap dumps are its sysctl; one domain runs them one after another), and
# hello, sched and traps as ordinary domains beside.
RUN_INITRD ?= $(BUILD)/guests/contig.elf name=contig mem=128M,$(BUILD)/guests/hello.elf name=hello mem=32M,$(BUILD)/guests/sched.elf name=sched mem=32M,$(BUILD)/guests/traps.elf name=traps mem=32M
OVMF ?= /usr/share/ovmf/OVMF.fd
GDB_PORT ?= 1234

qemu-display := $(if $(DISPLAY),,-display none)
# The serial console on this terminal with QEMU's monitor muxed in (as
# -serial mon:stdio), and a copy of it in RUN_LOG for the results table.
RUN_LOG ?= $(BUILD)/run-serial.log
qemu-run := $(QEMU) -M $(MACHINE) -m $(QEMU_MEM) \
	-chardev stdio,id=con0,mux=on,logfile=$(RUN_LOG) -serial chardev:con0 \
	-mon chardev=con0 $(qemu-display) -no-reboot
qemu-kernel-args = -kernel $(BUILD)/mica.elf -append $(call shell-quote,$(APPEND)) \
	$(if $(RUN_INITRD),-initrd $(call shell-quote,$(RUN_INITRD)))

.PHONY: deps
deps:
	$(Q)bash scripts/deps.sh

# The tools first, then the build, then QEMU: as separate steps so that a
# parallel make cannot start compiling before the compiler is installed.
.PHONY: run
run:
	$(Q)bash scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory $(BUILD)/mica.elf guests
	@echo "mica on the serial console: Ctrl-a x quits QEMU, Ctrl-a c its monitor"
	$(Q)mkdir -p $(dir $(RUN_LOG)) && rm -f $(RUN_LOG)
	$(Q)$(qemu-run) $(qemu-kernel-args); rc=$$?; \
		python3 tools/contig_report.py --quiet $(RUN_LOG); exit $$rc

.PHONY: run-iso
run-iso:
	$(Q)bash scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory $(BUILD)/mica.iso
	@echo "mica on the serial console: Ctrl-a x quits QEMU, Ctrl-a c its monitor"
	$(Q)$(qemu-run) $(if $(filter ovmf,$(FIRMWARE)),-bios $(OVMF)) \
		-cdrom $(BUILD)/mica.iso -boot d

.PHONY: debug
debug:
	$(Q)bash scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory $(BUILD)/mica.elf
	$(Q)QEMU=$(QEMU) GDB_PORT=$(GDB_PORT) bash scripts/debug.sh $(BUILD)/mica.elf \
		$(call shell-quote,$(APPEND)) -M $(MACHINE) -m $(QEMU_MEM)

# ---- testing ----------------------------------------------------------------

# The last line is "N passed, N failed"; the status is non-zero on failure.
.PHONY: check
check:
	$(Q)bash scripts/deps.sh
	$(Q)BUILD=$(BUILD) MAKE="$(MAKE)" bash scripts/check.sh

# One QEMU boot, e.g. make qemu-test QEMU_TEST_ARGS="--machine q35 --mem 6G"
QEMU_TEST_ARGS ?=
.PHONY: qemu-test
qemu-test: $(BUILD)/mica.elf
	$(Q)bash scripts/qemu-test.sh --kernel $(BUILD)/mica.elf \
		$(if $(APPEND),--append $(call shell-quote,$(APPEND))) $(QEMU_TEST_ARGS)

# ---- benchmarks -------------------------------------------------------------

BENCH_RUNS ?= 11
# OVMF boots take seconds each under TCG: fewer of them.
BENCH_EFI_RUNS ?= 7
.PHONY: bench
bench:
	$(Q)bash scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory $(BUILD)/mica.elf $(TRIVIAL) bench-tools \
		$(BUILD)/mica.efi efi-tools guests
	$(Q)QEMU=$(QEMU) bash scripts/bench-boot.sh --runs $(BENCH_RUNS) \
		--kernel $(BUILD)/mica.elf --trivial $(TRIVIAL) \
		--out docs/benchmarks.md
	$(Q)QEMU=$(QEMU) BUILD=$(BUILD) bash scripts/bench-guest.sh --runs $(BENCH_RUNS) \
		--kernel $(BUILD)/mica.elf --guest $(BUILD)/guests/hello.elf \
		--trivial $(TRIVIAL) --out docs/benchmarks.md
	$(Q)QEMU=$(QEMU) OVMF=$(OVMF) bash scripts/bench-efi.sh --runs $(BENCH_EFI_RUNS) \
		--efi $(BUILD)/mica.efi --kernel $(BUILD)/mica.elf \
		--trivial $(BUILD)/efi/trivial.efi --out docs/benchmarks.md
	$(Q)bash scripts/bench-heap.sh --bench $(BENCH_BIN)/heap_bench \
		--out docs/benchmarks.md
	$(Q)bash scripts/bench-xmalloc.sh --build $(BUILD) --out docs/benchmarks.md
	$(Q)bash scripts/bench-vmap.sh --bench $(BENCH_BIN)/vmap_bench \
		--out docs/benchmarks.md
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/release debug=n \
		$(BUILD)/release/mica.elf
	$(Q)QEMU=$(QEMU) bash scripts/bench-kernel.sh \
		--kernel $(BUILD)/release/mica.elf --out docs/benchmarks.md

# ---- the contiguity experiments' pictures ---------------------------------

# make plots: the contig guest's boots (scripts/test-contig.sh), the same
# guest on Xen 4.17 when it is installed, and docs/contig-*.png from their
# logs. Debian's python3, which python3-matplotlib installs into.
PLOT_PYTHON ?= /usr/bin/python3
PLOT_DIR ?= docs
.PHONY: plots
plots:
	$(Q)bash scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory $(BUILD)/mica.elf guests
	$(Q)rm -rf $(BUILD)/contig
	$(Q)BUILD=$(BUILD) bash scripts/test-contig.sh $(BUILD)/contig | tail -n 1
	$(Q)BUILD=$(BUILD) bash scripts/test-xen.sh --log-dir $(BUILD)/contig \
		$(BUILD)/guests/contig.elf | tail -n 1
	$(Q)$(PLOT_PYTHON) tools/plot_contig.py --out $(PLOT_DIR) $(BUILD)/contig/*.log

# ---- help -------------------------------------------------------------------

.PHONY: help
help:
	@echo "mica targets (BUILD=$(BUILD)):"
	@echo "  all           the kernel ($(BUILD)/mica.elf), the ISO and the test guests"
	@echo "  guests        the test guests, $(BUILD)/guests/<name>.elf (docs/guests.md)"
	@echo "  iso           $(BUILD)/mica.iso: GRUB, BIOS + UEFI (and mica.efi), for a CD or"
	@echo "                a USB stick"
	@echo "                (ISO_APPEND=, ISO_MODULES=, ISO_TIMEOUT=)"
	@echo "  run           boot mica in QEMU on the serial console (APPEND=, QEMU_MEM=,"
	@echo "                MACHINE=pc|q35, RUN_INITRD=)"
	@echo "  run-iso       boot the ISO in QEMU (FIRMWARE=bios|ovmf)"
	@echo "  efi           $(BUILD)/mica.efi, mica's UEFI loader, in an ESP folder $(BUILD)/esp"
	@echo "                and a FAT image $(BUILD)/mica-esp.img (EFI_APPEND=, EFI_MODULES=)"
	@echo "  run-efi       boot that image in QEMU under OVMF"
	@echo "  debug         QEMU stopped at the first instruction, with gdb attached"
	@echo "  check         every test; the last line is 'N passed, N failed'"
	@echo "  qemu-test     one self-test boot (QEMU_TEST_ARGS=, see scripts/qemu-test.sh)"
	@echo "  host-test     unit tests on the host (cmocka, ASan, UBSan)"
	@echo "  fuzz-smoke    a short run of each fuzzer"
	@echo "  bench         boot time against a trivial kernel, mica.efi against a trivial"
	@echo "                GNU-EFI application, the heap's instruction counts, times and"
	@echo "                fragmentation, xmalloc's beside glibc and jemalloc, vmalloc+vfree"
	@echo "                against a model of Xen's bitmap, the in-kernel mapping"
	@echo "                benchmarks -> docs/benchmarks.md"
	@echo "  plots         the contiguity experiments, booted, and their figures in"
	@echo "                docs/contig-*.png (docs/contig.md)"
	@echo "  deps          check for (as root on Debian: install) the tools needed"
	@echo "  clean         remove $(BUILD)"
	@echo "Options: V=1 shows commands, debug=n builds a release kernel."
