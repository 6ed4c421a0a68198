#include <errno.h>
#include <string.h>
#include <time.h>

#include "vd_chart.h"
#include "vd_date.h"
#include "vd_error.h"

/* A bar of value / max of width cells, in eighths of a cell, padded with
 * spaces to the full width so the figures after it line up. */
static void
bar(FILE *f, double value, double max)
{
	static const char *const part[8] = {
		"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"
	};
	long eighths = max > 0 ? (long)(value / max * VD_CHART_WIDTH * 8 + 0.5) : 0;
	long cells = 0;

	if (eighths > VD_CHART_WIDTH * 8)
		eighths = VD_CHART_WIDTH * 8;
	for (; eighths >= 8; eighths -= 8, cells++)
		fputs("\u2588", f);
	if (eighths > 0) {
		fputs(part[eighths], f);
		cells++;
	}
	for (; cells < VD_CHART_WIDTH; cells++)
		putc(' ', f);
}

static int
checked(FILE *f)
{
	if (ferror(f))
		return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	return VD_OK;
}

int
vd_chart_ratings(FILE *f, const struct vd_counts *c)
{
	long long max = 0;
	int i;

	for (i = 0; i < 5; i++)
		if (c->by_rating[i] > max)
			max = c->by_rating[i];
	fprintf(f, "Ratings: %lld rated of %lld exchanges", c->rated, c->total);
	if (c->rated)
		fprintf(f, ", average %.2f", c->rating_sum / (double)c->rated);
	fputc('\n', f);
	for (i = 0; i < 5; i++) {
		fprintf(f, "  %d\u2605 ", i + 1);
		bar(f, (double)c->by_rating[i], (double)max);
		fprintf(f, " %lld\n", c->by_rating[i]);
	}
	return checked(f);
}

struct daily {
	FILE *f;
	time_t next;    /* the first day not printed yet */
};

static time_t
day_of(const char *ymd)
{
	struct tm tm = { 0 };

	if (sscanf(ymd, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static void
empty_days(struct daily *d, time_t until)
{
	char day[VD_DATE_LEN];

	for (; d->next < until; d->next += 86400) {
		vd_date_format(d->next, day);
		fprintf(d->f, "  %.10s ", day);
		bar(d->f, 0, 5);
		fputs(" -\n", d->f);
	}
}

static int
one_day(const char *period, const struct vd_counts *c, void *arg)
{
	struct daily *d = arg;
	time_t t = day_of(period);

	empty_days(d, t);
	fprintf(d->f, "  %s ", period);
	if (c->rated) {
		double avg = c->rating_sum / (double)c->rated;

		bar(d->f, avg, 5);
		fprintf(d->f, " %.2f (%lld rated)\n", avg, c->rated);
	} else {
		bar(d->f, 0, 5);
		fputs(" -\n", d->f);
	}
	d->next = t + 86400;
	return VD_OK;
}

int
vd_chart_daily(FILE *f, sqlite3 *db, const char *since)
{
	struct daily d = { f, day_of(since) };
	int rc;

	fprintf(f, "Average rating by day since %.10s (UTC)\n", since);
	if ((rc = vd_stats_series(db, 0, since, one_day, &d)))
		return rc;
	empty_days(&d, time(NULL) - time(NULL) % 86400 + 1);
	return checked(f);
}
