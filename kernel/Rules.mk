obj-y += setup.o
obj-y += console.o
obj-y += string.o
obj-y += lib.o
obj-y += vsprintf.o
