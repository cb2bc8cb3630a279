# SPDX-License-Identifier: MIT
obj-y += desc.o
