#include <stdio.h>

#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_export.h"
#include "vd_export_fmt.h"
#include "vd_export_par.h"
#include "vd_export_rows.h"
#include "vd_export_write.h"

int
vd_export_run(sqlite3 *db, const struct vd_config *cfg, const struct vd_export_opts *o,
    FILE *train, FILE *valid, long long counts[2])
{
	FILE *out[2] = { train, o->split > 0 ? valid : NULL };
	int rc, taken;

	counts[0] = counts[1] = 0;
	if ((rc = vd_export_parallel(db, cfg, o, out, counts, &taken)) || taken)
		return rc;
	return vd_export_write_range(db, cfg, o, vd_export_since(o), vd_export_until(o), 1, out,
	    counts);
}

int
vd_export_nothing(const struct vd_export_opts *o)
{
	return vd_error(VD_ENOTFOUND, "nothing to export: no %s%s", o->format->rows == VD_ROWS_PAIRS
	    ? "pairs of answers rated 1-2 and well rated ones"
	    : "exchanges rated at or above the threshold",
	    o->since || o->until ? " in the period" : "");
}

int
vd_export_record(sqlite3 *db, const char *name, const struct vd_export_encoder *f,
    long long count, int min_rating, const char *path, struct vd_lineage *lineage,
    int side, long long *id)
{
	sqlite3_stmt *st;
	long long row;
	char now[32];
	int rc;

	if ((rc = vd_db_begin(db)))
		return rc;
	if ((rc = vd_db_prepare(db, "INSERT INTO training_datasets (name, format, created_at,"
	    " sample_count, min_rating, path) VALUES (?,?,?,?,?,?)", &st)))
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, vd_now_iso(now), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, count);
	sqlite3_bind_int(st, 5, min_rating);
	if (path)
		sqlite3_bind_text(st, 6, path, -1, SQLITE_STATIC);
	if ((rc = vd_db_step_done(db, st)))
		goto fail;
	row = sqlite3_last_insert_rowid(db);
	if ((lineage && (rc = vd_lineage_store(db, lineage, side, row))) ||
	    (rc = vd_db_commit(db)))
		goto fail;
	if (id)
		*id = row;
	return VD_OK;
fail:
	vd_db_rollback(db);
	return rc;
}
