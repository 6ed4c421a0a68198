/* Small Unicode bar charts for a terminal: the distribution of ratings and
 * the average rating day by day. */
#ifndef VD_CHART_H
#define VD_CHART_H

#include <stdio.h>
#include <sqlite3.h>

#include "vd_stats.h"

#define VD_CHART_WIDTH 40   /* cells of the longest bar */

/* Bars for ratings 1 to 5 of c, the longest VD_CHART_WIDTH cells. */
int vd_chart_ratings(FILE *f, const struct vd_counts *c);

/* One bar per day from the day of since (ISO 8601) to today, UTC, scaled
 * 0..5; days without ratings show no bar. VD_EDB on a database error,
 * VD_EWRITE on a write error. */
int vd_chart_daily(FILE *f, sqlite3 *db, const char *since);

#endif
