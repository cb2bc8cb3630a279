obj-y += elf.o
