#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_forget.h"
#include "vd_index.h"
#include "vd_lineage.h"

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

struct found {
	sqlite3 *db;
	json_t *list;
};

/* A recorded export that wrote count of the chosen exchanges, added to
 * the list. */
static int
add_export(long long dataset_id, long long count, void *arg)
{
	static const char sql[] = "SELECT json_object('dataset_id', id, 'name', name,"
	    " 'format', format, 'path', path, 'created_at', created_at)"
	    " FROM training_datasets WHERE id = ?";
	struct found *f = arg;
	sqlite3_stmt *st;
	json_error_t e;
	json_t *o = NULL;
	int rc;

	if (vd_db_prepare(f->db, sql, &st))
		return VD_EDB;
	sqlite3_bind_int64(st, 1, dataset_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    (o = json_loads((const char *)sqlite3_column_text(st, 0), 0, &e))) {
		json_object_set_new(o, "exchanges", json_integer(count));
		json_array_append_new(f->list, o);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(f->db));
	return VD_OK;
}

/* The chosen ids (ascending) and the exports that wrote any of them. */
static int
describe(sqlite3 *db, json_t *rec)
{
	struct found f = { db, json_array() };
	json_t *ids = json_array();
	long long *a = NULL, *p;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	json_object_set_new(rec, "log_ids", ids);
	json_object_set_new(rec, "exports", f.list);
	if (vd_db_prepare(db, "SELECT log_id FROM temp.forget_ids ORDER BY log_id", &st))
		return VD_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(p = realloc(a, cap * sizeof *a))) {
				sqlite3_finalize(st);
				free(a);
				return vd_error(VD_ENOMEM, "out of memory");
			}
			a = p;
		}
		a[n] = sqlite3_column_int64(st, 0);
		json_array_append_new(ids, json_integer(a[n++]));
	}
	sqlite3_finalize(st);
	rc = rc != SQLITE_DONE ? vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db))
	    : n ? vd_lineage_find(db, a, n, add_export, &f) : VD_OK;
	free(a);
	json_object_set_new(rec, "exchanges", json_integer((json_int_t)n));
	return rc;
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
