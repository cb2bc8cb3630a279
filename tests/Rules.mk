# SPDX-License-Identifier: MIT
# Host unit tests and fuzzers. Included by the top Makefile.
#
#   make host-test    every cmocka test under ASan and UBSan, plus the
#                     documentation checks; TAP per binary, and as the last
#                     line "N passed, N failed"
#   make fuzz         the boot-information fuzzer for FUZZ_SECONDS
#   make fuzz-heap    the heap fuzzer (tests/fuzz/fuzz_heap.c) for FUZZ_SECONDS
#   make fuzz-xmalloc the xmalloc fuzzer (tests/fuzz/fuzz_xmalloc.c), the same
#   make fuzz-vmap    the vmap fuzzer (tests/fuzz/fuzz_vmap.c) for FUZZ_SECONDS
#   make fuzz-pv-elf  the guest ELF loader's fuzzer (tests/fuzz/fuzz_pv_elf.c)
#   make fuzz-pv-mm   the page-type fuzzer (tests/fuzz/fuzz_pv_mm.c), the same
#   make fuzz-memory-op  memory_op's fuzzer (tests/fuzz/fuzz_memory_op.c)
#   make fuzz-smoke   every fuzzer for 10 seconds each (make check runs it)
#
# The tests compile the real sources (boot/*.c, kernel/cmdline.c, ...) for
# the host with -DMICA_HOST; tests/host/harness.c stands in for printk.

HT := $(BUILD)/host/tests
HT_CFLAGS := -std=gnu11 -g -O1 -DMICA_HOST -Iinclude -Itests/host \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wvla \
	-Wmissing-prototypes -Wstrict-prototypes -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP

# The sources under test, and the test environment around them.
ht-parser-srcs := boot/bootinfo.c boot/multiboot2.c boot/multiboot1.c \
	kernel/lib.c
ht-env-srcs := tests/host/harness.c tools/host/support.c tests/host/blob.c \
	tests/host/invariants.c
ht-objs := $(patsubst %.c,$(HT)/%.o,$(ht-parser-srcs) $(ht-env-srcs))
# mica's vsnprintf under another name, beside the C library's.
ht-vsprintf := $(HT)/kernel/vsprintf-renamed.o

# Tests of the boot parsers and libraries: tests/host/test_<name>.c.
ht-tests := bootinfo multiboot2 multiboot1 cmdline vsprintf efi pv_elf
ht-bins := $(addprefix $(HT)/test_,$(ht-tests))
# Tests built on the mm/ host library (Makefile: `make host`).
ht-mm-tests := $(patsubst tests/host/test_%.c,%,$(wildcard tests/host/test_heap.c \
	tests/host/test_xmalloc.c tests/host/test_vmap.c tests/host/test_xvmalloc.c \
	tests/host/test_pv_mm.c tests/host/test_memory_op.c \
	tests/host/test_contig_range.c))
ht-mm-bins := $(addprefix $(HT)/test_,$(ht-mm-tests))

$(HT)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOST_CC) $(HT_CFLAGS) -c $< -o $@

$(ht-vsprintf): kernel/vsprintf.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $< (as mica_vsnprintf)"
	$(Q)$(HOST_CC) $(HT_CFLAGS) -Dvsnprintf=mica_vsnprintf \
		-Dsnprintf=mica_snprintf -c $< -o $@

$(ht-bins): $(HT)/test_%: $(HT)/tests/host/test_%.o $(ht-objs) $(ht-vsprintf)
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(HT_CFLAGS) -o $@ $^ -lcmocka

# mica.efi's firmware-independent parts (efi/loader.h), beside the
# multiboot2 parser that reads the blocks they build.
ht-efi-objs := $(patsubst %.c,$(HT)/%.o,efi/cfg.c efi/elf.c efi/mbi.c)
$(HT)/tests/host/test_efi.o: HT_CFLAGS += -Iefi
$(HT)/test_efi: $(ht-efi-objs)

# The PV guest loader, on images from the test builder (guest_elf.h).
ht-pv-elf-objs := $(patsubst %.c,$(HT)/%.o,kernel/pv/elf.c tests/host/guest_elf.c)
$(HT)/test_pv_elf: $(ht-pv-elf-objs)

# Only this test declares options, so only it has a mica_param section for
# cmdline_parse() to walk.
$(HT)/test_cmdline: $(HT)/kernel/cmdline.o

# The PV domain builder on the host machine, with the loader, the image
# builder, the log capture and the page-type audit; it sees the library's
# debug build too, mm/pv_mm.c included. --wrap lets the test make the two
# page-type calls the builder makes fail.
ht-pv-build-objs := $(patsubst %.c,$(HT)/%.o,kernel/pv/build.c kernel/pv/elf.c \
	kernel/lib.c tests/host/guest_elf.c tests/host/harness.c \
	tests/host/pv_mm_check.c)
$(HT)/kernel/pv/build.o $(HT)/tests/host/test_pv_build.o: \
	HT_CFLAGS += -DMICA_DEBUG -Ikernel/pv
$(HT)/test_pv_build: $(HT)/tests/host/test_pv_build.o $(ht-pv-build-objs) \
		$(BUILD)/host/libmica-mm-debug.a
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(HT_CFLAGS) -Wl,--wrap=pv_pin_table \
		-Wl,--wrap=get_page_and_type -o $@ $^ -lcmocka

# They see the library's debug build: boxed frame numbers, poison checks.
$(patsubst $(HT)/test_%,$(HT)/tests/host/test_%.o,$(ht-mm-bins)): HT_CFLAGS += -DMICA_DEBUG
$(ht-mm-bins): $(HT)/test_%: $(HT)/tests/host/test_%.o $(BUILD)/host/libmica-mm-debug.a
	@echo "  HOSTLD  $@"
	$(Q)$(HOST_CC) $(HT_CFLAGS) -o $@ $(filter %.o,$^) \
		$(BUILD)/host/libmica-mm-debug.a -lcmocka

# The contiguous-range test looks at the heap's pageblocks and lists.
$(HT)/tests/host/test_contig_range.o: HT_CFLAGS += -Imm

# The page-type audit (tests/host/pv_mm_check.c), shared with the fuzzer.
$(HT)/tests/host/pv_mm_check.o: HT_CFLAGS += -DMICA_DEBUG
$(HT)/test_pv_mm: $(HT)/tests/host/pv_mm_check.o

-include $(ht-objs:.o=.d) $(ht-vsprintf:.o=.d) $(HT)/kernel/cmdline.d \
	$(ht-efi-objs:.o=.d) $(ht-pv-elf-objs:.o=.d) $(HT)/kernel/pv/build.d \
	$(HT)/tests/host/test_pv_build.d \
	$(patsubst %,$(HT)/tests/host/test_%.d,$(ht-tests) $(ht-mm-tests)) \
	$(HT)/tests/host/pv_mm_check.d

.PHONY: host-test
host-test: $(ht-bins) $(ht-mm-bins) $(HT)/test_pv_build
	$(Q)bash tests/host/run.sh $(ht-bins) $(ht-mm-bins) $(HT)/test_pv_build \
		-- scripts/check-cmdline-doc.sh

# ---- fuzzing ----------------------------------------------------------------

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FZ := $(BUILD)/host/fuzz
FZ_CFLAGS := -std=gnu11 -g -O1 -DMICA_HOST -Iinclude -Itests/host \
	-Wall -Wextra -Werror -Wno-unused-parameter -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fz-srcs := tests/fuzz/fuzz_bootinfo.c boot/bootinfo.c boot/multiboot2.c \
	boot/multiboot1.c kernel/cmdline.c kernel/lib.c tests/host/harness.c \
	tools/host/support.c \
	tests/host/blob.c tests/host/invariants.c

$(FZ)/fuzz_bootinfo: $(fz-srcs) $(wildcard include/mica/*.h boot/*.h tests/host/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FZ_CFLAGS) -o $@ $(fz-srcs)

# Seeds: the unit tests' typical blocks, written by the builder.
$(FZ)/gen_corpus: tests/fuzz/gen_corpus.c tests/host/blob.c tests/host/blob.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) -std=gnu11 -g -Iinclude -Itests/host -Wall -Wextra -Werror \
		-o $@ tests/fuzz/gen_corpus.c tests/host/blob.c

$(FZ)/seeds.stamp: $(FZ)/gen_corpus
	$(Q)rm -rf $(FZ)/seeds && mkdir -p $(FZ)/seeds $(FZ)/corpus
	$(Q)$(FZ)/gen_corpus $(FZ)/seeds
	$(Q)touch $@

# fuzz-run SECONDS: new findings go to $(FZ)/corpus, crashes to $(FZ)/.
fuzz-run = $(FZ)/fuzz_bootinfo -max_total_time=$(1) -timeout=10 \
	-rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
	-artifact_prefix=$(FZ)/ \
	$(FZ)/corpus $(FZ)/seeds $(wildcard tests/fuzz/corpus)

.PHONY: fuzz fuzz-smoke
fuzz: $(FZ)/fuzz_bootinfo $(FZ)/seeds.stamp
	$(Q)$(call fuzz-run,$(FUZZ_SECONDS))

fuzz-smoke: $(FZ)/fuzz_bootinfo $(FZ)/seeds.stamp $(FZ)/fuzz_heap \
		$(FZ)/fuzz_xmalloc $(FZ)/fuzz_vmap $(FZ)/fuzz_pv_elf $(FZ)/fuzz_pv_mm \
		$(FZ)/pv-elf-seeds.stamp $(FZ)/fuzz_memory_op
	$(Q)$(call fuzz-run,10)
	$(Q)$(call fuzz-heap-run,10)
	$(Q)$(call fuzz-xmalloc-run,10)
	$(Q)$(call fuzz-vmap-run,10)
	$(Q)$(call fuzz-pv-elf-run,10)
	$(Q)$(call fuzz-pv-mm-run,10)
	$(Q)$(call fuzz-memory-op-run,10)

# The heap fuzzer: the real mm/ sources (the host library's list), debug
# build. Seeds in tests/fuzz/corpus-heap, findings in $(FZ)/heap-corpus,
# crashes as $(FZ)/heap-crash-*. Long inputs from the start
# (-len_control=0): an input is an operation sequence, and depth pays.
fzh-srcs := tests/fuzz/fuzz_heap.c $(host-lib-srcs)

$(FZ)/fuzz_heap: $(fzh-srcs) tests/fuzz/fuzz_heap.ignorelist tests/fuzz/fuzz_util.h \
		$(wildcard include/mica/*.h include/asm/*.h mm/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FZ_CFLAGS) -DMICA_DEBUG -Imm -fno-inline-functions \
		-fsanitize-coverage-ignorelist=tests/fuzz/fuzz_heap.ignorelist \
		-o $@ $(fzh-srcs)

fuzz-heap-run = mkdir -p $(FZ)/heap-corpus && $(FZ)/fuzz_heap \
	-max_total_time=$(1) -timeout=20 -rss_limit_mb=2048 -max_len=1024 \
	-len_control=0 -print_final_stats=1 -artifact_prefix=$(FZ)/heap- \
	$(FZ)/heap-corpus tests/fuzz/corpus-heap

.PHONY: fuzz-heap
fuzz-heap: $(FZ)/fuzz_heap
	$(Q)$(call fuzz-heap-run,$(FUZZ_SECONDS))

# The xmalloc fuzzer: mm/xmalloc.c over the real heap, debug build. It needs
# no seeds (any bytes are an operation sequence); findings go to
# $(FZ)/xmalloc-corpus, crashes to $(FZ)/xmalloc-crash-*.
fzx-srcs := tests/fuzz/fuzz_xmalloc.c $(host-lib-srcs)

$(FZ)/fuzz_xmalloc: $(fzx-srcs) tests/fuzz/fuzz_xmalloc.ignorelist tests/fuzz/fuzz_util.h \
		$(wildcard include/mica/*.h include/asm/*.h mm/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FZ_CFLAGS) -DMICA_DEBUG -fno-inline-functions \
		-fsanitize-coverage-ignorelist=tests/fuzz/fuzz_xmalloc.ignorelist \
		-o $@ $(fzx-srcs)

fuzz-xmalloc-run = mkdir -p $(FZ)/xmalloc-corpus && $(FZ)/fuzz_xmalloc \
	-max_total_time=$(1) -timeout=20 -rss_limit_mb=2048 -max_len=2048 \
	-len_control=0 -print_final_stats=1 -artifact_prefix=$(FZ)/xmalloc- \
	$(FZ)/xmalloc-corpus

.PHONY: fuzz-xmalloc
fuzz-xmalloc: $(FZ)/fuzz_xmalloc
	$(Q)$(call fuzz-xmalloc-run,$(FUZZ_SECONDS))

# The vmap fuzzer: mm/vmap.c over the heap and the host's vmap area, built
# as the heap fuzzer is. Findings in $(FZ)/vmap-corpus, crashes as
# $(FZ)/vmap-crash-*; seeds in tests/fuzz/corpus-vmap.
fzv-srcs := tests/fuzz/fuzz_vmap.c $(host-lib-srcs)

$(FZ)/fuzz_vmap: $(fzv-srcs) tests/fuzz/fuzz_vmap.ignorelist tests/fuzz/fuzz_util.h \
		$(wildcard include/mica/*.h include/asm/*.h mm/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FZ_CFLAGS) -DMICA_DEBUG -Imm -fno-inline-functions \
		-fsanitize-coverage-ignorelist=tests/fuzz/fuzz_vmap.ignorelist \
		-o $@ $(fzv-srcs)

fuzz-vmap-run = mkdir -p $(FZ)/vmap-corpus && $(FZ)/fuzz_vmap \
	-max_total_time=$(1) -timeout=20 -rss_limit_mb=2048 -max_len=2048 \
	-len_control=0 -print_final_stats=1 -artifact_prefix=$(FZ)/vmap- \
	$(FZ)/vmap-corpus tests/fuzz/corpus-vmap

.PHONY: fuzz-vmap
fuzz-vmap: $(FZ)/fuzz_vmap
	$(Q)$(call fuzz-vmap-run,$(FUZZ_SECONDS))

# The guest ELF loader's fuzzer: kernel/pv/elf.c on raw images. Seeds are
# written by gen_pv_elf_corpus from the unit tests' image builder into
# $(FZ)/pv-elf-seeds; findings go to $(FZ)/pv-elf-corpus, crashes to
# $(FZ)/pv-elf-crash-*. The input is the image itself: fuzz_util.h's byte
# readers go unused.
fze-srcs := tests/fuzz/fuzz_pv_elf.c kernel/pv/elf.c kernel/lib.c \
	tools/host/support.c

$(FZ)/fuzz_pv_elf: $(fze-srcs) tests/fuzz/fuzz_util.h \
		$(wildcard include/mica/*.h include/public/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FZ_CFLAGS) -Wno-unused-function -o $@ $(fze-srcs)

$(FZ)/gen_pv_elf_corpus: tests/fuzz/gen_pv_elf_corpus.c tests/host/guest_elf.c \
		tests/host/guest_elf.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) -std=gnu11 -g -Iinclude -Itests/host -Wall -Wextra -Werror \
		-o $@ tests/fuzz/gen_pv_elf_corpus.c tests/host/guest_elf.c

$(FZ)/pv-elf-seeds.stamp: $(FZ)/gen_pv_elf_corpus
	$(Q)rm -rf $(FZ)/pv-elf-seeds && mkdir -p $(FZ)/pv-elf-seeds
	$(Q)$(FZ)/gen_pv_elf_corpus $(FZ)/pv-elf-seeds
	$(Q)touch $@

fuzz-pv-elf-run = mkdir -p $(FZ)/pv-elf-corpus && $(FZ)/fuzz_pv_elf \
	-max_total_time=$(1) -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
	-print_final_stats=1 -artifact_prefix=$(FZ)/pv-elf- \
	$(FZ)/pv-elf-corpus $(FZ)/pv-elf-seeds

.PHONY: fuzz-pv-elf
fuzz-pv-elf: $(FZ)/fuzz_pv_elf $(FZ)/pv-elf-seeds.stamp
	$(Q)$(call fuzz-pv-elf-run,$(FUZZ_SECONDS))

# The page-type fuzzer: mm/pv_mm.c over the heap, built as the heap fuzzer
# is, with the audit the unit test uses. Any bytes are an operation
# sequence: no seeds. Findings in $(FZ)/pv-mm-corpus, crashes as
# $(FZ)/pv-mm-crash-*.
fzp-srcs := tests/fuzz/fuzz_pv_mm.c tests/host/pv_mm_check.c $(host-lib-srcs)

$(FZ)/fuzz_pv_mm: $(fzp-srcs) tests/fuzz/fuzz_pv_mm.ignorelist tests/fuzz/fuzz_util.h \
		tests/host/pv_mm_check.h \
		$(wildcard include/mica/*.h include/asm/*.h include/public/*.h mm/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FZ_CFLAGS) -DMICA_DEBUG -fno-inline-functions \
		-fsanitize-coverage-ignorelist=tests/fuzz/fuzz_pv_mm.ignorelist \
		-o $@ $(fzp-srcs)

fuzz-pv-mm-run = mkdir -p $(FZ)/pv-mm-corpus && $(FZ)/fuzz_pv_mm \
	-max_total_time=$(1) -timeout=20 -rss_limit_mb=2048 -max_len=2048 \
	-len_control=0 -print_final_stats=1 -artifact_prefix=$(FZ)/pv-mm- \
	$(FZ)/pv-mm-corpus

.PHONY: fuzz-pv-mm
fuzz-pv-mm: $(FZ)/fuzz_pv_mm
	$(Q)$(call fuzz-pv-mm-run,$(FUZZ_SECONDS))

# memory_op's fuzzer: mm/memory.c over the heap and mm/pv_mm.c, built as
# the heap fuzzer is. It needs no seeds; findings go to
# $(FZ)/memory-op-corpus, crashes to $(FZ)/memory-op-crash-*.
fzm-srcs := tests/fuzz/fuzz_memory_op.c $(host-lib-srcs)

$(FZ)/fuzz_memory_op: $(fzm-srcs) tests/fuzz/fuzz_memory_op.ignorelist \
		tests/fuzz/fuzz_util.h tests/host/memop_args.h \
		$(wildcard include/mica/*.h include/asm/*.h include/public/*.h \
		mm/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FZ_CFLAGS) -DMICA_DEBUG -Imm -fno-inline-functions \
		-fsanitize-coverage-ignorelist=tests/fuzz/fuzz_memory_op.ignorelist \
		-o $@ $(fzm-srcs)

fuzz-memory-op-run = mkdir -p $(FZ)/memory-op-corpus && $(FZ)/fuzz_memory_op \
	-max_total_time=$(1) -timeout=20 -rss_limit_mb=2048 -max_len=2048 \
	-len_control=0 -print_final_stats=1 -artifact_prefix=$(FZ)/memory-op- \
	$(FZ)/memory-op-corpus

.PHONY: fuzz-memory-op
fuzz-memory-op: $(FZ)/fuzz_memory_op
	$(Q)$(call fuzz-memory-op-run,$(FUZZ_SECONDS))
