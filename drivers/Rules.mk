obj-y += uart.o
obj-y += term.o
obj-y += vga.o
obj-y += fbcon.o
obj-y += font8x16.o

# The console font is generated from a PSF font: console-setup's VGA-style
# 8x16 (public domain), from Debian's console-setup-linux package. Another
# 8x16 PSF font will do: make FONT_PSF=/path/font.psf.gz
FONT_PSF ?= /usr/share/consolefonts/Lat15-VGA16.psf.gz

$(BUILD)/drivers/font8x16.c: tools/psf2c.py $(FONT_PSF)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)python3 tools/psf2c.py $(FONT_PSF) $@

$(BUILD)/drivers/font8x16.o: $(BUILD)/drivers/font8x16.c drivers/font.h
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CPPFLAGS) -Idrivers $(KERNEL_CFLAGS) -c $< -o $@

$(FONT_PSF):
	@echo "error: $@ is missing: install Debian's console-setup-linux package, or name another 8x16 PSF font with FONT_PSF=" >&2
	@exit 1
obj-y += acpi.o
obj-y += power.o
obj-y += time.o
obj-y += lapic.o
obj-y += rtc.o
