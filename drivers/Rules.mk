obj-y += uart.o
