# SPDX-License-Identifier: MIT
obj-y += sched.o
