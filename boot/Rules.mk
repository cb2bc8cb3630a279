obj-y += head.o
obj-y += bootinfo.o
obj-y += multiboot2.o
obj-y += multiboot1.o
