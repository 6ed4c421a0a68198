#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_vectors.h"

#define BATCH 512

static const char *
scope_sql(enum vd_scope scope)
{
	return scope == VD_SCOPE_RATED ? " AND x.rating IS NOT NULL" : "";
}

static int
count_rows(sqlite3 *db, const char *sql, long long *n)
{
	sqlite3_stmt *st;

	if (vd_db_prepare(db, sql, &st))
		return VD_EDB;
	*n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return VD_OK;
}

int
vd_vectors_put(sqlite3 *db, struct vd_embedder *e, long long log_id,
    const char *text, const char *answer, const float *v)
{
	static const char sql[] = "INSERT OR REPLACE INTO embeddings"
	    " (log_id, model, dim, content_hash, vector, created_at) VALUES (?,?,?,?,?,?)";
	sqlite3_stmt *st;
	char hash[17], now[32];
	int rc, dim = vd_embedder_dim(e);

	if (vd_db_prepare(db, sql, &st))
		return VD_EDB;
	vd_embedder_hash(e, text, answer, hash);
	sqlite3_bind_int64(st, 1, log_id);
	sqlite3_bind_text(st, 2, vd_embedder_model(e), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, dim);
	sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
	/* float32 little-endian: the in-memory layout on every host we build for */
	sqlite3_bind_blob(st, 5, v, (int)(sizeof(float) * (size_t)dim), SQLITE_STATIC);
	sqlite3_bind_text(st, 6, vd_now_iso(now), -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? VD_OK
	    : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* The built-in model's weights are refitted when the number of exchanges
 * has doubled since the last fit (or with all), so they follow the corpus
 * without changing on every run. */
static int
maybe_fit(sqlite3 *db, struct vd_embedder *e, int all)
{
	long long total, fitted = 0;
	sqlite3_stmt *st;

	if (!vd_embedder_is_builtin(e))
		return VD_OK;
	if (count_rows(db, "SELECT count(*) FROM exchanges", &total))
		return VD_EDB;
	if (vd_db_prepare(db, "SELECT fitted_on FROM embedding_models WHERE model = ?", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, vd_embedder_model(e), -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		fitted = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (!all && fitted > 0 && total < 2 * fitted)
		return VD_OK;
	if (total == 0)
		return VD_OK;
	return vd_embedder_fit(e, db, total);
}

int
vd_vectors_update(sqlite3 *db, struct vd_embedder *e, enum vd_scope scope,
    int all, vd_progress_fn *progress, void *arg, long long *done)
{
	char sql[512];
	sqlite3_stmt *st;
	long long cursor = 0, total, seen = 0;
	long long ids[BATCH];
	char *texts[BATCH], *answers[BATCH];
	float *vecs = NULL;
	size_t n, i;
	int rc;

	*done = 0;
	if ((rc = maybe_fit(db, e, all)))
		return rc;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM exchanges x WHERE 1%s", scope_sql(scope));
	if (count_rows(db, sql, &total))
		return VD_EDB;
	snprintf(sql, sizeof sql,
	    "SELECT x.log_id, x.message, v.content_hash, coalesce(x.correction, x.response)"
	    " FROM exchanges x"
	    " LEFT JOIN embeddings v ON v.model = ?1 AND v.log_id = x.log_id"
	    " WHERE x.log_id > ?2%s ORDER BY x.log_id LIMIT %d", scope_sql(scope), BATCH);
	if (vd_db_prepare(db, sql, &st))
		return VD_EDB;
	for (;;) {
		n = 0;
		sqlite3_bind_text(st, 1, vd_embedder_model(e), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, cursor);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *msg = (const char *)sqlite3_column_text(st, 1);
			const char *old = (const char *)sqlite3_column_text(st, 2);
			const char *ans = (const char *)sqlite3_column_text(st, 3);
			char hash[17];

			cursor = sqlite3_column_int64(st, 0);
			seen++;
			vd_embedder_hash(e, msg, ans, hash);
			if (!all && old && strcmp(old, hash) == 0)
				continue;
			ids[n] = cursor;
			texts[n] = strdup(msg);
			answers[n++] = strdup(ans);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
			goto out;
		}
		if (n == 0 && seen >= total)
			break;
		if (n > 0) {
			if (!vecs && !(vecs = malloc(sizeof(float) * VD_EMBED_MAX_DIM * BATCH))) {
				rc = vd_error(VD_ENOMEM, "out of memory");
				goto out;
			}
			if ((rc = vd_embedder_embed_exchanges(e, (const char *const *)texts,
			    (const char *const *)answers, n, vecs)))
				goto out;
			if ((rc = vd_db_begin(db)))
				goto out;
			for (i = 0; i < n && rc == VD_OK; i++)
				rc = vd_vectors_put(db, e, ids[i], texts[i], answers[i],
				    vecs + i * (size_t)vd_embedder_dim(e));
			if (rc || (rc = vd_db_commit(db))) {
				vd_db_rollback(db);
				goto out;
			}
			*done += (long long)n;
			for (i = 0; i < n; i++)
				free(texts[i]), free(answers[i]);
			n = 0;
		}
		if (progress)
			progress(seen, total, arg);
		if (seen >= total)
			break;
	}
	rc = VD_OK;
out:
	for (i = 0; i < n; i++)
		free(texts[i]), free(answers[i]);
	sqlite3_finalize(st);
	free(vecs);
	return rc;
}
