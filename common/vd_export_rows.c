#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_export_fmt.h"
#include "vd_export_quote.h"
#include "vd_export_rows.h"
#include "vd_pairs.h"
#include "vd_redact.h"

const char *
vd_export_since(const struct vd_export_opts *o)
{
	return o->since ? o->since : "";
}

const char *
vd_export_until(const struct vd_export_opts *o)
{
	return o->until ? o->until : "9999";
}

/* The exchanges each source takes, one row each with the same columns:
 * the well rated ones, or for KTO all rated ones labelled by the
 * threshold plus the original answers of corrections rated 1 or 2. */
#define ROW_COLUMNS "log_id, session_id, created_at, model_used, source, message"
#define CORRECTED "coalesce(correction, '') <> ''"
#define WINDOW "created_at >= ?2 AND created_at < ?3"
static const char good_rows[] =
    "SELECT " ROW_COLUMNS ", coalesce(nullif(correction, ''), response) AS answer,"
    " iif(" CORRECTED ", 5, rating) AS rating, " CORRECTED " AS corrected,"
    " 1 AS label, 0 AS part FROM exchanges"
    " WHERE +rating IS NOT NULL AND (+rating >= ?1 OR " CORRECTED ") AND " WINDOW;
static const char kto_rows[] =
    "SELECT " ROW_COLUMNS ", coalesce(nullif(correction, ''), response) AS answer,"
    " iif(" CORRECTED ", 5, rating) AS rating, " CORRECTED " AS corrected,"
    " iif(" CORRECTED ", 5, rating) >= ?1 AS label, 0 AS part FROM exchanges"
    " WHERE +rating IS NOT NULL AND " WINDOW
    " UNION ALL SELECT " ROW_COLUMNS ", response, rating, 0, 0, 1 FROM exchanges"
    " WHERE +rating <= 2 AND " CORRECTED " AND " WINDOW;

/* An answer with something besides blanks in it; GLOB scans in place
 * where trim() would copy every answer. */
#define NOT_BLANK "answer GLOB '*[^ \t\r\n]*'"

/* The columns of a row, in this order after the three integers. */
enum { C_ID, C_RATING, C_CORRECTED, C_LABEL, C_SESSION, C_CREATED, C_MODEL, C_SOURCE,
    C_MESSAGE, C_ANSWER, C_KEY, C_SYSTEM };

/* How a text column is selected: JSON-quoted (quote) or raw, redacted (1)
 * or pseudonymised (2, a session id) or not, or NULL when the encoder
 * does not read it. */
static const char *
column(int quote, unsigned wanted, const char *name, int redact, char *buf, size_t len)
{
	const char *v = name;
	char inner[64];

	if (!wanted)
		return "NULL";
	if (redact) {
		snprintf(inner, sizeof inner, "%s(%s)", redact == 2 ? "vd_pseudonym" : "vd_redact", name);
		v = inner;
	}
	snprintf(buf, len, quote ? "json_quote(%s)" : "%s", v);
	return buf;
}

/* The query of a streamed export, its columns those of the enum above. */
static char *
build_sql(const struct vd_export_opts *o)
{
	const struct vd_export_encoder *e = o->format;
	const char *rows = e->rows == VD_ROWS_KTO ? kto_rows : good_rows;
	unsigned f = e->fields | (o->metadata ? e->meta_fields : 0);
	char b[6][80], *cols, *sql;
	int n;

	if (asprintf(&cols, "log_id, rating, corrected, label, %s, %s, %s, %s, %s, %s, %s",
	    column(0, f & VD_ROW_SESSION, "session_id", o->redact ? 2 : 0, b[0], sizeof b[0]),
	    column(0, f & VD_ROW_CREATED, "created_at", 0, b[1], sizeof b[1]),
	    column(0, f & VD_ROW_MODEL, "model_used", 0, b[2], sizeof b[2]),
	    column(0, f & VD_ROW_SOURCE, "source", 0, b[3], sizeof b[3]),
	    column(0, 1, "message", o->redact, b[4], sizeof b[4]),
	    column(0, 1, "answer", o->redact, b[5], sizeof b[5]),
	    o->split > 0 ? "message" : "NULL") < 0)
		return NULL;
	/* newest first; with dedup the newest of each question and answer. The
	 * plain form lets SQLite walk the created_at index backwards, no sort. */
	if (o->dedup)
		n = asprintf(&sql, "SELECT %s FROM (SELECT *, row_number() OVER"
		    " (PARTITION BY message, answer, label ORDER BY created_at DESC,"
		    " log_id DESC, part) AS k FROM (%s) WHERE " NOT_BLANK ")"
		    " WHERE k = 1 ORDER BY created_at DESC, log_id DESC, part LIMIT ?4", cols, rows);
	else
		n = asprintf(&sql, "SELECT %s FROM (%s) WHERE " NOT_BLANK
		    " ORDER BY created_at DESC, log_id DESC, part LIMIT ?4", cols, rows);
	free(cols);
	return n < 0 ? NULL : sql;
}

static void
text(struct vd_str *t, sqlite3_stmt *st, int col)
{
	t->s = (const char *)sqlite3_column_text(st, col);
	t->len = (size_t)sqlite3_column_bytes(st, col);
}

/* --system as the JSON object of a system message, once per export (the
 * formats that take it are all JSON). *out NULL without one. */
static int
system_message(sqlite3 *db, const struct vd_export_opts *o, char **out)
{
	sqlite3_stmt *st;

	*out = NULL;
	if (!o->system)
		return VD_OK;
	if (vd_db_prepare(db, "SELECT json_object('role', 'system', 'content', ?)", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, o->system, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return *out ? VD_OK : vd_error(VD_ENOMEM, "out of memory");
}

/* The exchanges of the window in one query; for a JSON format their
 * texts quoted by a vd_quoter (vd_export_quote.h), where json_quote() in
 * the query took a quarter of a one-core export. */
static int
each_exchange(sqlite3 *db, const struct vd_export_opts *o, const char *since,
    const char *until, const char *system, vd_export_row_fn *fn, void *arg)
{
	static const int cols[VD_QUOTE_FIELDS] = { C_SESSION, C_CREATED, C_MODEL, C_SOURCE,
	    C_MESSAGE, C_ANSWER };
	struct vd_export_row r = { 0 };
	struct vd_str *into[VD_QUOTE_FIELDS] = { &r.session_id, &r.created_at, &r.model_used,
	    &r.source, &r.message, &r.answer };
	struct vd_quoter *q = NULL;
	sqlite3_stmt *st;
	char *sql;
	int rc = VD_OK, step = SQLITE_DONE, i;

	if (!(sql = build_sql(o)))
		return vd_error(VD_ENOMEM, "out of memory");
	rc = vd_db_prepare(db, sql, &st);
	free(sql);
	if (rc)
		return VD_EDB;
	if ((o->format->flags & VD_ENC_JSON) && (rc = vd_quoter_new(db, &q))) {
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_bind_int(st, 1, o->min_rating);
	sqlite3_bind_text(st, 2, since, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, until, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, o->max > 0 ? o->max : -1);
	r.system.s = system;
	r.system.len = system ? strlen(system) : 0;
	while (rc == VD_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		r.log_id = sqlite3_column_int64(st, C_ID);
		r.rating = sqlite3_column_int(st, C_RATING);
		r.corrected = sqlite3_column_int(st, C_CORRECTED);
		r.label = sqlite3_column_int(st, C_LABEL);
		for (i = 0; i < VD_QUOTE_FIELDS && rc == VD_OK; i++)
			if (q)
				rc = vd_quoter_put(q, i, sqlite3_column_value(st, cols[i]), into[i]);
			else
				text(into[i], st, cols[i]);
		text(&r.key, st, C_KEY);
		if (rc == VD_OK)
			rc = fn(&r, arg);
	}
	if (rc == VD_OK && step != SQLITE_DONE)
		rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	vd_quoter_free(q);
	sqlite3_finalize(st);
	return rc;
}

/* Pairs: their texts through one statement, so that they are quoted and
 * redacted as the exchanges' are. */
struct pair_walk {
	const struct vd_export_opts *o;
	sqlite3_stmt *st;
	const char *system;
	vd_export_row_fn *fn;
	void *arg;
};

static int
put_pair(const struct vd_pair *p, void *arg)
{
	struct pair_walk *w = arg;
	struct vd_export_row r = { 0 };
	int rc;

	sqlite3_bind_text(w->st, 1, p->prompt, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->st, 2, p->chosen, -1, SQLITE_STATIC);
	sqlite3_bind_text(w->st, 3, p->rejected, -1, SQLITE_STATIC);
	if (sqlite3_step(w->st) != SQLITE_ROW) {
		rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(sqlite3_db_handle(w->st)));
		sqlite3_reset(w->st);
		return rc;
	}
	r.log_id = p->log_id;
	r.chosen_id = p->chosen_id;
	text(&r.message, w->st, 0);
	text(&r.answer, w->st, 1);
	text(&r.rejected, w->st, 2);
	r.system.s = w->system;
	r.system.len = w->system ? strlen(w->system) : 0;
	r.key.s = p->prompt;
	r.key.len = strlen(p->prompt);
	rc = w->fn(&r, w->arg);
	sqlite3_reset(w->st);
	return rc;
}

static int
each_pair(sqlite3 *db, const struct vd_config *cfg, const struct vd_export_opts *o,
    const char *since, const char *until, const char *system, vd_export_row_fn *fn,
    void *arg)
{
	struct vd_pairs_opts po = { o->min_rating, o->pair_similarity, since, until, o->dedup };
	struct pair_walk w = { o, NULL, system, fn, arg };
	int json = o->format->flags & VD_ENC_JSON, rc;
	char b[3][80], *sql;

	if (asprintf(&sql, "SELECT %s, %s, %s",
	    column(json, 1, "?1", o->redact, b[0], sizeof b[0]),
	    column(json, 1, "?2", o->redact, b[1], sizeof b[1]),
	    column(json, 1, "?3", o->redact, b[2], sizeof b[2])) < 0)
		return vd_error(VD_ENOMEM, "out of memory");
	rc = vd_db_prepare(db, sql, &w.st);
	free(sql);
	if (rc)
		return VD_EDB;
	rc = vd_pairs_each(db, cfg, &po, put_pair, &w);
	sqlite3_finalize(w.st);
	return rc;
}

int
vd_export_rows_each(sqlite3 *db, const struct vd_config *cfg, const struct vd_export_opts *o,
    const char *since, const char *until, vd_export_row_fn *fn, void *arg)
{
	struct vd_redactor *r = NULL;
	char *system = NULL;
	int rc;

	if (o->redact && ((rc = vd_redactor_new(&r)) || (rc = vd_redact_register(db, r))))
		goto done;
	if ((rc = system_message(db, o, &system)))
		goto done;
	if (o->format->rows == VD_ROWS_PAIRS)
		rc = each_pair(db, cfg, o, since, until, system, fn, arg);
	else
		rc = each_exchange(db, o, since, until, system, fn, arg);
done:
	free(system);
	if (r) {
		/* the functions go before the redactor they point to */
		sqlite3_create_function(db, "vd_redact", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
		sqlite3_create_function(db, "vd_pseudonym", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
		vd_redactor_free(r);
	}
	return rc;
}
