obj-y += head.o
