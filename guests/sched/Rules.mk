obj-y += sched.o upcall.o
