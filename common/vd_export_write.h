/* One window of an export written: its rows through o's encoder, each
 * to train or valid by the split. What the one-thread export and each
 * thread of the two-thread one run (vd_export.c, vd_export_par.c). */
#ifndef VD_EXPORT_WRITE_H
#define VD_EXPORT_WRITE_H

#include <stdio.h>
#include <sqlite3.h>

#include "vd_config.h"
#include "vd_export.h"

/* Write the rows with since <= created_at < until, newest first, to
 * out[0] (and out[1], the validation side of a split, when not NULL),
 * adding to counts; the encoder's header first when header is set. db
 * is the caller's alone for the call. VD_EWRITE on a write error, VD_EDB
 * on a database error. */
int vd_export_write_range(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_export_opts *o, const char *since, const char *until, int header,
    FILE *out[2], long long counts[2]);

/* Is question on the training side of a split at share split? */
int vd_export_split_train(const char *question, size_t len, unsigned long long seed,
    double split);

#endif
