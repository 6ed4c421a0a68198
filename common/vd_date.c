#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vd_date.h"
#include "vd_error.h"

char *
vd_date_format(time_t t, char *out)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, VD_DATE_LEN, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return out;
}

char *
vd_date_days_ago(long days, char *out)
{
	return vd_date_format(time(NULL) - (time_t)days * 86400, out);
}

/* n decimal digits at *p, advancing it; -1 when they are not there. */
static int
digits(const char **p, int n)
{
	int v = 0;

	while (n--) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	return v;
}

int
vd_date_parse(const char *s, int end_of_day, char *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, timed = 0;
	struct tm tm = { 0 };
	time_t t;

	if ((y = digits(&p, 4)) < 0 || *p++ != '-' || (mo = digits(&p, 2)) < 0 ||
	    *p++ != '-' || (d = digits(&p, 2)) < 0)
		return VD_EUSAGE;
	if (*p == 'T' || *p == ' ') {
		p++;
		timed = 1;
		if ((h = digits(&p, 2)) < 0 || *p++ != ':' || (mi = digits(&p, 2)) < 0)
			return VD_EUSAGE;
		if (*p == ':') {
			p++;
			if ((sec = digits(&p, 2)) < 0)
				return VD_EUSAGE;
			if (*p == '.') {
				int n = 0;

				p++;
				while (*p >= '0' && *p <= '9') {
					if (n < 3)
						ms = ms * 10 + (*p - '0');
					n++;
					p++;
				}
				if (n == 0)
					return VD_EUSAGE;
				while (n++ < 3)
					ms *= 10;
			}
		}
		if (*p == 'Z')
			p++;
	}
	if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 59)
		return VD_EUSAGE;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	/* timegm normalises 2026-02-30 to March 2: such a day does not exist */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return VD_EUSAGE;
	if (end_of_day && !timed)
		t += 86400;
	vd_date_format(t, out);
	snprintf(out + 20, VD_DATE_LEN - 20, "%03dZ", ms);
	return VD_OK;
}

char *
vd_now_iso(char *buf)
{
	/* the second's part formatted once a second, not once a line of a
	 * bulk write (gmtime_r and strftime: 2,000 instructions) */
	static _Thread_local time_t last = -1;
	static _Thread_local char second[24];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(second, sizeof second, "%Y-%m-%dT%H:%M:%S", &tm);
		last = ts.tv_sec;
	}
	snprintf(buf, 32, "%s.%03uZ", second, (unsigned)(ts.tv_nsec / 1000000) % 1000u);
	return buf;
}

double
vd_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
