obj-y += paging.o
obj-y += paging_selftest.o
# The portable allocators, also built for the host (`make host`).
mm-portable := buddy.o heap.o scrub.o heap_stats.o vmap.o
obj-y += frametable.o
obj-y += $(mm-portable) heap_selftest.o vmap_selftest.o
