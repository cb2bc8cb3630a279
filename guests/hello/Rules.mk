# SPDX-License-Identifier: MIT
obj-y += hello.o
