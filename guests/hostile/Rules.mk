# SPDX-License-Identifier: MIT
obj-y += hostile.o
