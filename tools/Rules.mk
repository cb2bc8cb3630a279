# SPDX-License-Identifier: MIT
# Host benchmarks of the mm/ library (release build, `make host`). Included
# by the top Makefile; `make bench` runs them through scripts/bench-*.sh.

BENCH_BIN := $(BUILD)/bench
BENCH_CFLAGS := -std=gnu11 -O2 -g -DMICA_HOST -Iinclude -Wall -Wextra -Werror \
	-Wno-unused-parameter -MMD -MP

$(BENCH_BIN)/heap_bench: tools/bench/heap_bench.c $(BUILD)/host/libmica-mm.a
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) -o $@ $< $(BUILD)/host/libmica-mm.a

$(BENCH_BIN)/vmap_bench: tools/bench/vmap_bench.c $(BUILD)/host/libmica-mm.a
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) -o $@ $< $(BUILD)/host/libmica-mm.a

# xmalloc's, twice: beside glibc's malloc, and beside jemalloc's.
$(BENCH_BIN)/xmalloc_bench: tools/bench/xmalloc_bench.c $(BUILD)/host/libmica-mm.a
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) -o $@ $< $(BUILD)/host/libmica-mm.a

$(BENCH_BIN)/xmalloc_bench-je: tools/bench/xmalloc_bench.c $(BUILD)/host/libmica-mm.a
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@ (jemalloc)"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) -DBENCH_JEMALLOC -o $@ $< \
		$(BUILD)/host/libmica-mm.a -ljemalloc

.PHONY: bench-tools
bench-tools: $(BENCH_BIN)/heap_bench $(BENCH_BIN)/xmalloc_bench \
	$(BENCH_BIN)/xmalloc_bench-je $(BENCH_BIN)/vmap_bench

-include $(BENCH_BIN)/heap_bench.d $(BENCH_BIN)/xmalloc_bench.d \
	$(BENCH_BIN)/xmalloc_bench-je.d $(BENCH_BIN)/vmap_bench.d

# Each benchmark once, on tiny counts and under callgrind as make bench runs
# them, so that one that no longer runs fails make check. Nothing is timed.
bench-cg = valgrind -q --tool=callgrind --callgrind-out-file=/dev/null \
	--collect-atstart=no --toggle-collect=op_$(1)

.PHONY: bench-smoke
bench-smoke: bench-tools
	$(Q)$(call bench-cg,alloc0) $(BENCH_BIN)/heap_bench op alloc0 100 0 >/dev/null
	$(Q)$(call bench-cg,alloc_split) $(BENCH_BIN)/heap_bench op alloc_split 10 18 >/dev/null
	$(Q)$(BENCH_BIN)/heap_bench frag >/dev/null
	$(Q)$(call bench-cg,malloc) $(BENCH_BIN)/xmalloc_bench op hot 100 >/dev/null
	$(Q)$(call bench-cg,malloc) $(BENCH_BIN)/xmalloc_bench-je op hot 100 >/dev/null
	$(Q)$(call bench-cg,vmalloc_vfree) $(BENCH_BIN)/vmap_bench op vmalloc_vfree 10 100 >/dev/null
	@echo "bench-smoke: every benchmark ran"
