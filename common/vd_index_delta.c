/* The search cache kept in use after small changes. Triggers log every
 * event that makes a cache file stale (index_changes, schema 4): a vector
 * written or deleted, a rating or correction changed, an exchange deleted.
 * A stale file is used as it is, with the exchanges logged since it was
 * made masked in it and read again from the database into a small delta
 * that the search scans beside it: what a rebuilt file would hold, for
 * the cost of a few point reads instead of reading every vector. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_index_delta.h"
#include "vd_index_kernel.h"
#include "vd_index_priv.h"

/* At most max(DELTA_MIN, n / DELTA_DIV) changed exchanges are read into a
 * delta; more, and the file is built again. Every process pays for its
 * delta until a rebuild: 13-21 us an exchange at 512 dimensions, against
 * 4-5 us a vector for the rebuild (measured on 1,000,000), so the bound
 * keeps a process's delta under a tenth of the rebuild it saves; below
 * 16,000 vectors both are a few milliseconds. */
#define DELTA_MIN 256
#define DELTA_DIV 64
/* Log rows read for each changed exchange allowed (a row is far cheaper
 * than an exchange read): a log grown long by another model's
 * vectors is not worth reading either. */
#define ROWS_PER_ID 32


/* The bound for ix's file; VASDOM_INDEX_DELTA_MAX (ix->delta_max) sets
 * it, for the tests. */
static size_t
delta_max(const struct vd_index *ix)
{
	size_t n = ix->main.n;

	if (ix->delta_max >= 0)
		return ix->delta_max < 1L << 40 ? (size_t)ix->delta_max : (size_t)1 << 40;
	return n / DELTA_DIV > DELTA_MIN ? n / DELTA_DIV : DELTA_MIN;
}

/* One integer from sql with seq bound to ?1 (when seq >= 0); -1 on error. */
static long long
one_int(sqlite3 *db, const char *sql, long long seq, long long limit)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, limit);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The distinct exchanges changed after seq for model, ascending: *ids
 * (malloc'd, the caller frees) and *m of them. -1 when there are more
 * than max, or too many log rows to read for them. */
static int
changed_ids(sqlite3 *db, const char *model, long long seq, size_t max, long long **ids,
    size_t *m)
{
	sqlite3_stmt *st;
	long long rows, *p;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*m = 0;
	rows = one_int(db, "SELECT count(*) FROM (SELECT 1 FROM index_changes"
	    " WHERE seq > ?1 LIMIT ?2)", seq, (long long)max * ROWS_PER_ID + 1);
	if (rows < 0 || rows > (long long)max * ROWS_PER_ID)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT log_id FROM index_changes"
	    " WHERE seq > ?1 AND (model IS NULL OR model = ?2) ORDER BY log_id LIMIT ?3",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (long long)max + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *m <= max) {
		if (*m == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(p = realloc(*ids, cap * sizeof *p)))
				break;
			*ids = p;
		}
		(*ids)[(*m)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || *m > max) {
		free(*ids);
		*ids = NULL;
		return -1;
	}
	return 0;
}

/* Where id is in the file's run, or -1. */
static long
find(const struct vd_index_part *p, long long id)
{
	size_t lo = 0, hi = p->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n && p->ids[lo] == id ? (long)lo : -1;
}

/* Read the current vectors and ratings of ids into one allocation: the
 * delta's arrays, then a copy of the file's ratings with ids masked. */
static int
read_delta(struct vd_index *ix, sqlite3 *db, const long long *ids, size_t m)
{
	static const char sql[] = "SELECT v.dim, v.vector, " VD_INDEX_RATING
	    " FROM embeddings v JOIN exchanges x ON x.log_id = v.log_id"
	    " WHERE v.model = ? AND v.log_id = ?";
	size_t dim = (size_t)ix->dim, len4 = VD_CODE4_LEN(dim), nd = 0, masked = 0, i;
	long long *dids;
	float *dscales, *dscales4;
	uint8_t *dcodes4;
	signed char *drat, *mrat;
	int8_t *dcodes;
	sqlite3_stmt *st;
	char *mem;
	long pos;
	int rc = SQLITE_DONE;

	if (!(mem = malloc(m * (sizeof *dids + 2 * sizeof *dscales + 1 + dim + len4) +
	    ix->main.n + 1)))
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		free(mem);
		return -1;
	}
	dids = (long long *)mem;
	dscales = (float *)(dids + m);
	dscales4 = dscales + m;
	drat = (signed char *)(dscales4 + m);
	mrat = drat + m;
	dcodes4 = (uint8_t *)(mrat + ix->main.n);
	dcodes = (int8_t *)(dcodes4 + m * len4);
	memcpy(mrat, ix->main.ratings, ix->main.n);
	sqlite3_bind_text(st, 1, ix->model, -1, SQLITE_STATIC);
	for (i = 0; i < m && (rc == SQLITE_DONE || rc == SQLITE_ROW); i++) {
		if ((pos = find(&ix->main, ids[i])) >= 0) {
			mrat[pos] = -1;
			masked++;
		}
		sqlite3_bind_int64(st, 2, ids[i]);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			/* not what the file holds: a rebuild says what is wrong */
			if (sqlite3_column_int(st, 0) != ix->dim ||
			    sqlite3_column_bytes(st, 1) != (int)(sizeof(float) * dim)) {
				rc = SQLITE_ERROR;
				break;
			}
			dids[nd] = ids[i];
			vd_index_encode(sqlite3_column_blob(st, 1), ix->dim, dcodes + nd * dim,
			    dscales + nd, dcodes4 + nd * len4, dscales4 + nd);
			drat[nd] = (signed char)sqlite3_column_int(st, 2);
			nd++;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(mem);
		return -1;
	}
	ix->delta_own = mem;
	ix->delta = (struct vd_index_part){ nd, dids, drat, dscales, dcodes, dscales4, dcodes4,
	    NULL };
	ix->main.ratings = mrat;
	ix->n = ix->main.n - masked + nd;
	return 0;
}

int
vd_index_delta_load(struct vd_index *ix, sqlite3 *db, long long seq)
{
	long long *ids = NULL, pruned, last;
	size_t m;
	int rc = -1;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	/* The log must still hold every change after seq, and have some: the
	 * version differs, and every bump of it is logged in the same
	 * transaction. A file from another history (the database restored
	 * from a copy) would find none, or be ahead of the log. */
	pruned = one_int(db, "SELECT coalesce((SELECT seq FROM index_cursors"
	    " WHERE model = ''), 0)", 0, 0);
	if (pruned >= 0 && seq >= pruned &&
	    vd_db_last_seq(db, "index_changes", &last) == VD_OK && last > seq &&
	    changed_ids(db, ix->model, seq, delta_max(ix), &ids, &m) == 0)
		rc = read_delta(ix, db, ids, m);
	free(ids);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

void
vd_index_cursor_set(sqlite3 *db, const struct vd_index *ix, long long seq)
{
	static const char sql[] = "INSERT INTO index_cursors (model, seq) VALUES (?, ?)"
	    " ON CONFLICT (model) DO UPDATE SET seq = max(seq, excluded.seq)";
	/* the log is dropped up to the least file's seq, and that bound kept:
	 * a file older than it (one saved late by a slow process) is rebuilt.
	 * A file further behind than a delta may read (ROWS_PER_ID rows an
	 * allowed exchange, as for this one) is rebuilt anyway, so it does not
	 * hold the log back: a model no longer searched would keep it forever */
	static const char prune[] = "INSERT INTO index_cursors (model, seq)"
	    " SELECT '', min(seq) FROM index_cursors WHERE model <> '' AND seq >= ?"
	    " ON CONFLICT (model) DO UPDATE SET seq = max(seq, excluded.seq)";
	static const char drop[] = "DELETE FROM index_changes"
	    " WHERE seq <= (SELECT seq FROM index_cursors WHERE model = '')";
	sqlite3_stmt *st;
	long long busy, reach = (long long)(ROWS_PER_ID * delta_max(ix));
	int ok = 0;

	/* not worth waiting for another writer */
	busy = one_int(db, "PRAGMA busy_timeout", 0, 0);
	sqlite3_busy_timeout(db, 0);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, ix->model, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, seq);
			ok = sqlite3_step(st) == SQLITE_DONE;
			sqlite3_finalize(st);
		}
		if (ok && sqlite3_prepare_v2(db, prune, -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, seq > reach ? seq - reach : 0);
			ok = sqlite3_step(st) == SQLITE_DONE;
			sqlite3_finalize(st);
		} else {
			ok = 0;
		}
		ok = ok && sqlite3_exec(db, drop, NULL, NULL, NULL) == SQLITE_OK &&
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
		if (!ok)
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_busy_timeout(db, busy > 0 ? (int)busy : 0);
}
