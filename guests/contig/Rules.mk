# SPDX-License-Identifier: MIT
obj-y += contig.o common.o remap.o dma.o balloon.o
