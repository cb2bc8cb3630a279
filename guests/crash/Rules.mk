obj-y += crash.o
