/* A large streamed export on two cores (vd_export_par.c): the window cut
 * at its middle exchange, each half written by vd_export_write_range on
 * a connection of its own, the older half through a temporary file in
 * $TMPDIR; the bytes are those of the one-thread export. */
#ifndef VD_EXPORT_PAR_H
#define VD_EXPORT_PAR_H

#include <stdio.h>
#include <sqlite3.h>

#include "vd_config.h"
#include "vd_export.h"

/* *taken is 0 (and nothing is written) when it does not apply: pairs,
 * --max, --dedup, a small window, a writer at work, no temporary file;
 * the caller then writes in one thread. Otherwise the result of the
 * export, as vd_export_run's. */
int vd_export_parallel(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_export_opts *o, FILE *out[2], long long counts[2], int *taken);

#endif
