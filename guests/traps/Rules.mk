# SPDX-License-Identifier: MIT
obj-y += traps.o
obj-y += user.o
