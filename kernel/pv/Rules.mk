obj-y += arch.o domain.o event.o grant.o hypercall.o sched.o time.o traps.o
obj-y += boot.o descriptor.o pv_selftest.o
obj-y += sysctl.o
obj-y += elf.o build.o
