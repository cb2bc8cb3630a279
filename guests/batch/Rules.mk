# SPDX-License-Identifier: MIT
obj-y += batch.o
