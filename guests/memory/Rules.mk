# SPDX-License-Identifier: MIT
obj-y += memory.o
