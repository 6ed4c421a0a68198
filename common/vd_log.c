#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_log.h"

#define FIELDS "log_id", "session_id", "message", "response", "source", \
	"model_used", "response_time", "similar_found", "learning_improved", \
	"confidence", "handover", "rating", "feedback_text", "correction", \
	"created_at", "updated_at"

const char *const vd_log_columns[] = { FIELDS, NULL };
const char *const vd_log_search_columns[] = { "rank", "score", FIELDS, NULL };

/* SQLite builds each record: one JSON path for the whole toolkit */
#define OBJECT "json_object('log_id', x.log_id, 'session_id', x.session_id," \
	" 'message', x.message, 'response', x.response, 'source', x.source," \
	" 'model_used', x.model_used, 'response_time', x.response_time," \
	" 'similar_found', x.similar_found," \
	" 'learning_improved', json(iif(x.similar_found > 0, 'true', 'false'))," \
	" 'confidence', x.confidence," \
	" 'handover', json(iif(x.handover, 'true', 'false')), 'rating', x.rating," \
	" 'feedback_text', x.feedback_text, 'correction', x.correction," \
	" 'created_at', x.created_at, 'updated_at', x.updated_at)"

/* Each clause and whether f uses it; the parameters are bound in this
 * order by vd_log_bind. */
static void
clauses(const struct vd_log_filter *f, const char *c[16], int used[16])
{
	int i = 0;

	c[i] = " AND x.log_id IN (SELECT value FROM json_each(?))"; used[i++] = f->nids > 0;
	c[i] = " AND x.created_at >= ?"; used[i++] = f->since != NULL;
	c[i] = " AND x.created_at < ?"; used[i++] = f->until != NULL;
	c[i] = " AND x.session_id = ?"; used[i++] = f->session != NULL;
	c[i] = " AND x.source = ?"; used[i++] = f->source != NULL;
	c[i] = " AND x.rating = ?"; used[i++] = f->rating > 0;
	c[i] = " AND x.rating >= ?"; used[i++] = f->min_rating > 0;
	c[i] = " AND x.log_id > ?"; used[i++] = f->id_gt > 0;
	c[i] = " AND NOT (coalesce(x.rating, 0) >= ? OR coalesce(x.correction, '') <> '')";
	used[i++] = f->keep_endorsed;
	c[i] = " AND exchanges_fts MATCH ?"; used[i++] = f->match != NULL;
	/* no parameters */
	c[i] = " AND x.rating IS NULL"; used[i++] = f->unrated;
	c[i] = " AND coalesce(x.correction, '') <> ''"; used[i++] = f->corrected;
	c[i] = NULL;
}

char *
vd_log_where(const struct vd_log_filter *f)
{
	const char *c[16];
	int used[16], i;
	size_t len = sizeof " WHERE 1";
	char *s;

	clauses(f, c, used);
	for (i = 0; c[i]; i++)
		if (used[i])
			len += strlen(c[i]);
	if (!(s = malloc(len)))
		return NULL;
	strcpy(s, " WHERE 1");
	for (i = 0; c[i]; i++)
		if (used[i])
			strcat(s, c[i]);
	return s;
}

/* The log ids as a JSON array, for json_each: one parameter whatever
 * their number. NULL when out of memory. */
static char *
ids_json(const long long *ids, size_t n)
{
	char *s = malloc(n * 21 + 3), *p;
	size_t i;

	if (!s)
		return NULL;
	p = s;
	*p++ = '[';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%lld", i ? "," : "", ids[i]);
	strcpy(p, "]");
	return s;
}

void
vd_log_bind(sqlite3_stmt *st, const struct vd_log_filter *f, int first)
{
	int i = first;
	char *ids;

	if (f->nids > 0) {
		if ((ids = ids_json(f->ids, f->nids)))
			sqlite3_bind_text(st, i, ids, -1, free);
		i++;
	}
	if (f->since)
		sqlite3_bind_text(st, i++, f->since, -1, SQLITE_STATIC);
	if (f->until)
		sqlite3_bind_text(st, i++, f->until, -1, SQLITE_STATIC);
	if (f->session)
		sqlite3_bind_text(st, i++, f->session, -1, SQLITE_STATIC);
	if (f->source)
		sqlite3_bind_text(st, i++, f->source, -1, SQLITE_STATIC);
	if (f->rating > 0)
		sqlite3_bind_int(st, i++, f->rating);
	if (f->min_rating > 0)
		sqlite3_bind_int(st, i++, f->min_rating);
	if (f->id_gt > 0)
		sqlite3_bind_int64(st, i++, f->id_gt);
	if (f->keep_endorsed)
		sqlite3_bind_int(st, i++, f->endorsed);
	if (f->match)
		sqlite3_bind_text(st, i++, f->match, -1, SQLITE_STATIC);
}

int
vd_log_select(sqlite3 *db, const struct vd_log_filter *f, vd_log_fn *fn, void *arg)
{
	/* the question weighs most; bm25() is lower for better matches */
	static const char rank[] = "bm25(exchanges_fts, 2.0, 1.0, 1.0)";
	char *where, *sql;
	sqlite3_stmt *st;
	json_error_t e;
	json_t *rec;
	long long n = 0;
	int rc = VD_OK, step;

	if (!(where = vd_log_where(f)))
		return vd_error(VD_ENOMEM, "out of memory");
	if (f->match)
		sql = sqlite3_mprintf("SELECT " OBJECT ", -%s FROM exchanges_fts"
		    " JOIN exchanges x ON x.log_id = exchanges_fts.rowid%s"
		    " ORDER BY %s, x.log_id DESC LIMIT ?", rank, where, rank);
	else
		sql = sqlite3_mprintf("SELECT " OBJECT " FROM exchanges x%s"
		    " ORDER BY x.log_id %s LIMIT ?", where, f->oldest_first ? "ASC" : "DESC");
	free(where);
	if (!sql)
		return vd_error(VD_ENOMEM, "out of memory");
	if (vd_db_prepare(db, sql, &st)) {
		sqlite3_free(sql);
		return VD_EDB;
	}
	sqlite3_free(sql);
	vd_log_bind(st, f, 1);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_count(st), f->limit > 0 ? f->limit : -1);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(rec = json_loads((const char *)sqlite3_column_text(st, 0), 0, &e))) {
			rc = vd_error(VD_ENOMEM, "out of memory");
			break;
		}
		if (f->match) {
			json_object_set_new(rec, "rank", json_integer(++n));
			json_object_set_new(rec, "score", json_real(sqlite3_column_double(st, 1)));
		}
		rc = fn(rec, arg);
		json_decref(rec);
		if (rc)
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}
