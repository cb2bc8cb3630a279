# SPDX-License-Identifier: MIT
obj-y += mmu.o
