# SPDX-License-Identifier: MIT
obj-y += superpage.o
