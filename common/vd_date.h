/* Dates and clocks: dates given on the command line (--since, --until,
 * --days), turned into the ISO 8601 UTC form stored in created_at so they
 * compare as text; the time now in that form; the one monotonic clock. */
#ifndef VD_DATE_H
#define VD_DATE_H

#include <time.h>

#define VD_DATE_LEN 32   /* room for 2026-11-24T20:27:03.440Z and NUL */

/* Parse YYYY-MM-DD, or YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z] (UTC), checking
 * that the day exists. out gets the ISO form with milliseconds. With
 * end_of_day, a date without a time means the end of that day (the start
 * of the next), so an --until date includes its own day. VD_EUSAGE when s
 * is not such a date. */
int vd_date_parse(const char *s, int end_of_day, char *out);

/* The time t as ISO 8601 UTC with milliseconds into out (VD_DATE_LEN). */
char *vd_date_format(time_t t, char *out);

/* Now minus days whole days, as ISO 8601 UTC into out. */
char *vd_date_days_ago(long days, char *out);

/* Current time as ISO 8601 UTC with milliseconds, into buf (>= 32 bytes). */
char *vd_now_iso(char *buf);

/* Seconds on the monotonic clock: for durations and deadlines. */
double vd_monotonic(void);

#endif
