# SPDX-License-Identifier: MIT
# The guest runtime; kernel/string.c and kernel/vsprintf.c are shared with
# mica as plain C library code (they need only mica/lib.h).
obj-y += head.o
obj-y += start.o
obj-y += console.o
obj-y += ktap.o
obj-y += traps.o
obj-y += entry.o
obj-y += mm.o
obj-y += string.o
obj-y += events.o
obj-y += upcall.o
