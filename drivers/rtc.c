/* SPDX-License-Identifier: MIT */
/*
 * The time of day from the CMOS real-time clock, read once at boot for the
 * guests' wall clock (shared_info's wc_sec/wc_nsec: the time at system
 * time 0). The RTC is read twice until two reads agree outside an update,
 * in BCD or binary, 12- or 24-hour form, as its status register B says.
 * Machines without one (legacy-free) read as all ones: the wall clock then
 * stays at 0, the epoch.
 */
#include <asm/io.h>
#include <mica/console.h>
#include <mica/init.h>
#include <mica/lib.h>
#include <mica/time.h>

void pv_set_wallclock(uint64_t sec, uint32_t nsec);

#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71

struct rtc_time {
	unsigned int sec, min, hour, mday, mon, year, century;
};

static uint8_t cmos(uint8_t reg)
{
	outb(reg, CMOS_ADDR); /* bit 7 clear: NMIs stay enabled */
	return inb(CMOS_DATA);
}

static void read_raw(struct rtc_time *t)
{
	t->sec = cmos(0x00);
	t->min = cmos(0x02);
	t->hour = cmos(0x04);
	t->mday = cmos(0x07);
	t->mon = cmos(0x08);
	t->year = cmos(0x09);
	t->century = cmos(0x32); /* ACPI FADT's usual century register */
}

static unsigned int bcd(unsigned int v)
{
	return (v & 0xf) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (a proleptic Gregorian civil date). */
static uint64_t days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
	unsigned int era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

static int rtc_init(void)
{
	struct rtc_time a, b;
	unsigned int tries = 0, status_b;
	bool pm;
	uint64_t secs, now;

	do {
		while ((cmos(0x0a) & 0x80) && ++tries < 100000)
			; /* an update is in progress */
		read_raw(&a);
		read_raw(&b);
	} while (memcmp(&a, &b, sizeof(a)) && ++tries < 100000);
	if (a.sec == 0xff && a.mon == 0xff) {
		printk(LOG_WARN
		       "rtc: no CMOS clock: guests' wall clock starts at 1970\n");
		return 0;
	}
	status_b = cmos(0x0b);
	pm = a.hour & 0x80;
	a.hour &= 0x7f;
	if (!(status_b & 0x04)) {
		a.sec = bcd(a.sec);
		a.min = bcd(a.min);
		a.hour = bcd(a.hour);
		a.mday = bcd(a.mday);
		a.mon = bcd(a.mon);
		a.year = bcd(a.year);
		a.century = bcd(a.century);
	}
	if (!(status_b & 0x02)) /* 12-hour clock */
		a.hour = a.hour % 12 + (pm ? 12 : 0);
	if (a.century < 19 || a.century > 99)
		a.century = 20;
	a.year += a.century * 100;
	if (a.mon < 1 || a.mon > 12 || a.mday < 1 || a.mday > 31 ||
	    a.hour > 23 || a.min > 59 || a.sec > 60) {
		printk(LOG_WARN
		       "rtc: nonsense time %u-%u-%u %u:%u:%u: wall clock at 1970\n",
		       a.year, a.mon, a.mday, a.hour, a.min, a.sec);
		return 0;
	}
	secs = days_from_civil(a.year, a.mon, a.mday) * 86400 + a.hour * 3600 +
	       a.min * 60 + a.sec;
	now = now_ns();
	/* The wall clock is the time of day at system time 0. */
	pv_set_wallclock(secs - now / 1000000000, 0);
	printk("rtc: %04u-%02u-%02u %02u:%02u:%02u UTC\n", a.year, a.mon,
	       a.mday, a.hour, a.min, a.sec);
	return 0;
}
__initcall(rtc_init, INIT_LATE);
