#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_vectors.h"

#define BATCH 512

static const char *
scope_sql(enum vd_scope scope)
{
	return scope == VD_SCOPE_RATED ? " AND x.rating IS NOT NULL" : "";
}

int
vd_vectors_put(sqlite3 *db, struct vd_embedder *e, long long log_id,
    const char *text, const char *answer, const float *v)
{
	static const char sql[] = "INSERT OR REPLACE INTO embeddings"
	    " (log_id, model, dim, content_hash, vector, created_at) VALUES (?,?,?,?,?,?)";
	sqlite3_stmt *st;
	char hash[17], now[32];
	int dim = vd_embedder_dim(e);

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
	return vd_db_step_done(db, st);
}

/* The built-in model's weights are refitted when the number of exchanges
 * has doubled since the last fit (or with all), so they follow the corpus
 * without changing on every run. *refitted tells whether they changed.
 * The number is the last log id given (ever stored, deletions included),
 * which costs one row to read where count(*) read every exchange on every
 * question (15 MB at 1M). */
static int
maybe_fit(sqlite3 *db, struct vd_embedder *e, int all, int *refitted)
{
	long long total, fitted = 0;
	sqlite3_stmt *st;

	*refitted = 0;
	if (!vd_embedder_is_builtin(e))
		return VD_OK;
	if (vd_db_last_seq(db, "exchanges", &total))
		return VD_EDB;
	if (vd_db_prepare(db, "SELECT fitted_on FROM embedding_models WHERE model = ?", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, vd_embedder_model(e), -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		fitted = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (!all && fitted > 0 && total < 2 * fitted && !vd_embedder_stale(e))
		return VD_OK;
	if (total == 0)
		return VD_OK;
	*refitted = 1;
	return vd_embedder_fit(e, db, total);
}

static const char *const scope_names[] = { "all", "rated" };

/* How far the model's vectors in scope have followed the change log; -1
 * when they never have, or the log was pruned past them (see cursor_set),
 * and a pass over every exchange is due. */
static int
cursor_get(sqlite3 *db, const char *model, enum vd_scope scope, long long *seq)
{
	sqlite3_stmt *st;
	int rc;

	*seq = -1;
	if (vd_db_prepare(db, "SELECT seq, seq < coalesce((SELECT seq FROM vector_cursors"
	    " WHERE model = '' AND scope = 'pruned'), 0)"
	    " FROM vector_cursors WHERE model = ? AND scope = ?", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, scope_names[scope], -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && !sqlite3_column_int(st, 1))
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? VD_OK
	    : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
}

/* Record that every change up to seq is done for scope (a pass over all
 * exchanges covers the rated ones too) and drop the changes every cursor
 * has read. Concurrent processes only ever move a cursor forward. A cursor
 * further behind than there are exchanges (a model no longer used) would
 * read more of the log than a pass over every exchange: it does not hold
 * the log back, and finds itself pruned past (the row '', 'pruned'). */
static int
cursor_set(sqlite3 *db, const char *model, enum vd_scope scope, long long seq)
{
	sqlite3_stmt *st;
	int rc = VD_OK, s;

	if (vd_db_prepare(db, "INSERT INTO vector_cursors (model, scope, seq) VALUES (?, ?, ?)"
	    " ON CONFLICT (model, scope) DO UPDATE SET seq = max(seq, excluded.seq)", &st))
		return VD_EDB;
	if ((rc = vd_db_begin(db))) {
		sqlite3_finalize(st);
		return rc;
	}
	for (s = scope; s <= VD_SCOPE_RATED && rc == VD_OK; s++) {
		sqlite3_bind_text(st, 1, model, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, scope_names[s], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, seq);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == VD_OK &&
	    !(rc = vd_db_prepare(db, "INSERT INTO vector_cursors (model, scope, seq)"
	    " SELECT '', 'pruned', min(seq) FROM vector_cursors WHERE model <> ''"
	    " AND seq >= ? - (SELECT coalesce(max(log_id), 0) FROM exchanges)"
	    " ON CONFLICT (model, scope) DO UPDATE SET seq = max(seq, excluded.seq)", &st))) {
		sqlite3_bind_int64(st, 1, seq);
		rc = vd_db_step_done(db, st);
	}
	if (rc == VD_OK)
		rc = vd_db_exec(db, "DELETE FROM vector_changes WHERE seq <= (SELECT seq"
		    " FROM vector_cursors WHERE model = '' AND scope = 'pruned')");
	if (rc || (rc = vd_db_commit(db)))
		vd_db_rollback(db);
	return rc;
}

int
vd_vectors_update(sqlite3 *db, struct vd_embedder *e, enum vd_scope scope,
    int all, vd_progress_fn *progress, void *arg, long long *done)
{
	char sql[640], changed[160] = "";
	sqlite3_stmt *st;
	long long cursor = 0, total = 0, seen = 0, from, upto;
	long long ids[BATCH];
	char *texts[BATCH], *answers[BATCH];
	float *vecs = NULL;
	size_t n, i, rows;
	int rc, refitted;

	*done = 0;
	if ((rc = cursor_get(db, vd_embedder_model(e), scope, &from)) ||
	    (rc = vd_db_last_seq(db, "vector_changes", &upto)) ||
	    (rc = maybe_fit(db, e, all, &refitted)))
		return rc;
	/* new weights change every vector: then, as with all or on the first
	 * run, every exchange is looked at; otherwise only the changed ones */
	if (!all && !refitted && from >= 0) {
		/* nothing logged since the last run: no query, no write lock */
		if (from == upto)
			return VD_OK;
		snprintf(changed, sizeof changed, " AND x.log_id IN (SELECT log_id FROM"
		    " vector_changes WHERE seq > %lld AND seq <= %lld)", from, upto);
	}
	/* how many there are, only for the progress shown (a statement more
	 * for each question vasdom-ask is asked, which shows none) */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM exchanges x WHERE 1%s%s",
	    scope_sql(scope), changed);
	if (progress && vd_db_int(db, sql, NULL, &total))
		return VD_EDB;
	snprintf(sql, sizeof sql,
	    "SELECT x.log_id, x.message, v.content_hash, coalesce(x.correction, x.response)"
	    " FROM exchanges x"
	    " LEFT JOIN embeddings v ON v.model = ?1 AND v.log_id = x.log_id"
	    " WHERE x.log_id > ?2%s%s ORDER BY x.log_id LIMIT %d", scope_sql(scope), changed,
	    BATCH);
	if (vd_db_prepare(db, sql, &st))
		return VD_EDB;
	for (;;) {
		n = rows = 0;
		sqlite3_bind_text(st, 1, vd_embedder_model(e), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, cursor);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *msg = (const char *)sqlite3_column_text(st, 1);
			const char *old = (const char *)sqlite3_column_text(st, 2);
			const char *ans = (const char *)sqlite3_column_text(st, 3);
			char hash[17];

			cursor = sqlite3_column_int64(st, 0);
			seen++, rows++;
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
			progress(seen < total ? seen : total, total, arg);
		/* rows deleted meanwhile can leave seen short of total */
		if (rows < BATCH)
			break;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = cursor_set(db, vd_embedder_model(e), scope, upto);
out:
	for (i = 0; i < n; i++)
		free(texts[i]), free(answers[i]);
	sqlite3_finalize(st);
	free(vecs);
	return rc;
}
