#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_forget.h"
#include "vd_index.h"

/* The counts reported, each of the rows that go with the chosen ids. */
static const struct {
	const char *name, *sql;
} counts[] = {
	{ "ratings", "SELECT count(*) FROM ratings WHERE log_id IN temp.forget_ids" },
	{ "embeddings", "SELECT count(*) FROM embeddings WHERE log_id IN temp.forget_ids" },
	{ "vector_changes", "SELECT count(*) FROM vector_changes WHERE log_id IN temp.forget_ids" },
	{ "index_changes", "SELECT count(*) FROM index_changes WHERE log_id IN temp.forget_ids" },
};

/* Children first; the exchanges' own triggers then take their text out
 * of the search index and log the deletion for the search caches, which
 * the last statements drop with the rest of that log (see below). */
static const char delete_sql[] =
    "DELETE FROM ratings WHERE log_id IN temp.forget_ids;"
    "DELETE FROM embeddings WHERE log_id IN temp.forget_ids;"
    "DELETE FROM export_rows WHERE log_id IN temp.forget_ids;"
    "DELETE FROM exchanges WHERE log_id IN temp.forget_ids;"
    "DELETE FROM vector_changes WHERE log_id IN temp.forget_ids;"
    "DELETE FROM text_changes WHERE log_id IN temp.forget_ids;"
    /* A search cache file that still holds a forgotten vector can no
     * longer learn from the log that it must mask it: so every file is
     * declared older than the log (the pruning bound set to its end),
     * which makes it rebuilt, even one a slow process saves later, and
     * the whole log goes. */
    "INSERT INTO index_cursors (model, seq)"
    "  SELECT '', coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'index_changes'), 0)"
    "  ON CONFLICT (model) DO UPDATE SET seq = excluded.seq;"
    "DELETE FROM index_cursors WHERE model <> '';"
    "DELETE FROM index_changes;"
    /* FTS5 deletes by adding tombstones: the old entries stay in its
     * segments until they are merged, so merge them all */
    "INSERT INTO exchanges_fts (exchanges_fts) VALUES ('optimize');";

static int
int_of(sqlite3 *db, const char *sql, json_t *rec, const char *name)
{
	long long v;

	if (vd_db_int(db, sql, NULL, &v))
		return VD_EDB;
	json_object_set_new(rec, name, json_integer(v));
	return VD_OK;
}

/* The chosen ids (ascending) and the exports that wrote any of them. */
static int
describe(sqlite3 *db, json_t *rec)
{
	static const char exports[] = "SELECT json_object('dataset_id', d.id, 'name', d.name,"
	    " 'format', d.format, 'path', d.path, 'created_at', d.created_at,"
	    " 'exchanges', count(*)) FROM export_rows e"
	    " JOIN training_datasets d ON d.id = e.dataset_id"
	    " WHERE e.log_id IN temp.forget_ids GROUP BY d.id ORDER BY d.id";
	json_t *ids = json_array(), *list = json_array(), *o;
	sqlite3_stmt *st;
	json_error_t e;
	int rc;

	json_object_set_new(rec, "log_ids", ids);
	json_object_set_new(rec, "exports", list);
	if (vd_db_prepare(db, "SELECT log_id FROM temp.forget_ids ORDER BY log_id", &st))
		return VD_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(ids, json_integer(sqlite3_column_int64(st, 0)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || vd_db_prepare(db, exports, &st))
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((o = json_loads((const char *)sqlite3_column_text(st, 0), 0, &e)))
			json_array_append_new(list, o);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	json_object_set_new(rec, "exchanges", json_integer((json_int_t)json_array_size(ids)));
	return VD_OK;
}

/* Choose the ids into temp.forget_ids and describe them into rec. */
static int
choose(sqlite3 *db, const struct vd_log_filter *f, json_t *rec)
{
	sqlite3_stmt *st;
	char *where = vd_log_where(f), *sql;
	size_t i;
	int rc;

	if (!where)
		return vd_error(VD_ENOMEM, "out of memory");
	sql = sqlite3_mprintf("INSERT INTO temp.forget_ids SELECT x.log_id FROM exchanges x%s",
	    where);
	free(where);
	if (!sql)
		return vd_error(VD_ENOMEM, "out of memory");
	rc = vd_db_prepare(db, sql, &st);
	sqlite3_free(sql);
	if (rc)
		return rc;
	vd_log_bind(st, f, 1);
	if ((rc = vd_db_step_done(db, st)) || (rc = describe(db, rec)))
		return rc;
	for (i = 0; i < sizeof counts / sizeof *counts; i++)
		if ((rc = int_of(db, counts[i].sql, rec, counts[i].name)))
			return rc;
	return VD_OK;
}

/* Empty the write-ahead log into the file and truncate it, waiting for
 * readers within the busy timeout; *done is 0 when one kept it. */
static int
checkpoint(sqlite3 *db, int *done)
{
	int busy = 0, rc;

	rc = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		busy = 1;
	else if (rc != SQLITE_OK)
		return vd_error(VD_EDB, "database: checkpoint: %s", sqlite3_errmsg(db));
	*done = !busy;
	return VD_OK;
}

int
vd_forget(sqlite3 *db, const struct vd_log_filter *f, int dry_run, json_t **out)
{
	json_t *rec = json_object();
	long long n, caches = 0;
	int rc, truncated = 0;

	*out = NULL;
	if (!rec)
		return vd_error(VD_ENOMEM, "out of memory");
	json_object_set_new(rec, "dry_run", json_boolean(dry_run));
	/* the pages freed below are overwritten, in the log and the file */
	if ((rc = vd_db_exec(db, "PRAGMA secure_delete = ON;"
	    " CREATE TEMP TABLE IF NOT EXISTS forget_ids (log_id INTEGER PRIMARY KEY);"
	    " DELETE FROM temp.forget_ids")) || (rc = vd_db_begin(db)))
		goto fail;
	if ((rc = choose(db, f, rec)))
		goto fail;
	n = json_integer_value(json_object_get(rec, "exchanges"));
	if (dry_run || n == 0) {
		vd_db_rollback(db);
	} else if ((rc = vd_db_exec(db, delete_sql)) || (rc = vd_db_commit(db)) ||
	    (rc = vd_index_remove_files(db, &caches)) || (rc = checkpoint(db, &truncated))) {
		goto fail;
	}
	json_object_set_new(rec, "search_caches", json_integer(caches));
	json_object_set_new(rec, "wal_truncated", json_boolean(truncated));
	vd_db_exec(db, "DROP TABLE temp.forget_ids");
	*out = rec;
	return VD_OK;
fail:
	vd_db_rollback(db);
	json_decref(rec);
	return rc;
}
