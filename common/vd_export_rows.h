/* The rows of a streamed export (openai, csv, trl-kto), written by one
 * query over a window of created_at: shared by the one-thread export
 * (vd_export.c) and the two-thread one (vd_export_par.c). Not for the
 * binaries: they call vd_export_run. */
#ifndef VD_EXPORT_ROWS_H
#define VD_EXPORT_ROWS_H

#include <stdio.h>
#include <sqlite3.h>

#include "vd_config.h"
#include "vd_export.h"

struct vd_export_rows;

/* The SQL and the literal pieces of o's format, made once (db quotes the
 * system message). o must outlive *out; free with vd_export_rows_free. */
int vd_export_rows_new(sqlite3 *db, const struct vd_export_opts *o,
    struct vd_export_rows **out);
void vd_export_rows_free(struct vd_export_rows *x);

/* Write the rows with since <= created_at < until, newest first, on db
 * (which has vd_redact registered when o->redact), adding to counts; the
 * CSV header first when header is set. x is only read, so two threads may
 * share it, each with its own connection and streams. VD_EUSAGE on a
 * write error, VD_EDB on a database error. */
int vd_export_rows_write(const struct vd_export_rows *x, sqlite3 *db, const char *since,
    const char *until, int header, FILE *out[2], long long counts[2]);

/* The two-thread export of vd_export_par.c: *taken is 0 (and nothing is
 * written) when it does not apply, and the caller streams in one thread;
 * otherwise the result of the export. */
int vd_export_parallel(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_export_opts *o, FILE *out[2], long long counts[2], int *taken);

#endif
