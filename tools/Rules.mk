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
