/* The statistics in the Prometheus text exposition format, for
 * node_exporter's textfile collector: HELP and TYPE lines, counters named
 * vasdom_*_total, gauges for figures that can go down. */
#ifndef VD_PROM_H
#define VD_PROM_H

#include <stdio.h>

#include "vd_stats.h"

/* Write every metric of s to f. VD_EWRITE on a write error. */
int vd_prom_write(FILE *f, const struct vd_stats *s);

#endif
