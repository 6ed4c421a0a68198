#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <jansson.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_export.h"
#include "vd_export_rows.h"
#include "vd_output.h"
#include "vd_pairs.h"
#include "vd_redact.h"

static const char *const names[] = { "openai", "csv", "dpo", "trl-dpo", "trl-kto" };

int
vd_export_format_parse(const char *name)
{
	size_t i;

	if (strcmp(name, "jsonl") == 0)
		return VD_EXPORT_OPENAI;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
vd_export_format_name(enum vd_export_format f)
{
	return names[f];
}

const char *
vd_export_format_ext(enum vd_export_format f)
{
	return f == VD_EXPORT_CSV ? "csv" : "jsonl";
}

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

int
vd_export_split_train(const char *q, size_t len, unsigned long long seed, double split)
{
	unsigned long long h = 1469598103934665603ULL;
	size_t i;

	/* FNV-1a over the seed and the question, then a finaliser so nearby
	 * seeds give unrelated splits */
	for (i = 0; i < 8; i++)
		h = (h ^ ((seed >> (8 * i)) & 0xff)) * 1099511628211ULL;
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)q[i]) * 1099511628211ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (double)(h >> 11) * 0x1.0p-53 < split;
}

/* The exchanges each format takes, one row each with the same columns:
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

/* The SQL of a streamed export: its first column the JSON line (or the
 * CSV columns), the last the question the split goes by. */
static char *
build_sql(const struct vd_export_opts *o)
{
	const char *msg = o->redact ? "vd_redact(message)" : "message";
	const char *ans = o->redact ? "vd_redact(answer)" : "answer";
	const char *sys = o->system ? "json_object('role', 'system', 'content', ?5), " : "";
	const char *rows = o->format == VD_EXPORT_TRL_KTO ? kto_rows : good_rows;
	const char *key = o->split > 0 ? "message" : "NULL";
	char *line, *sql;
	int n;

	switch (o->format) {
	case VD_EXPORT_CSV:
		n = asprintf(&line, "log_id, session_id, created_at, rating, corrected, %s, %s,"
		    " model_used, source", msg, ans);
		break;
	case VD_EXPORT_TRL_KTO:
		n = asprintf(&line, "json_object('prompt', json_array(%s"
		    "json_object('role', 'user', 'content', %s)),"
		    " 'completion', json_array(json_object('role', 'assistant', 'content', %s)),"
		    " 'label', iif(label, json('true'), json('false')))", sys, msg, ans);
		break;
	default:
		/* the values as JSON fragments made by SQLite's json_quote(); the
		 * writer puts the literal pieces of openai_pieces() around them */
		n = asprintf(&line, "json_quote(%s), json_quote(%s)%s", msg, ans,
		    o->metadata ? ", log_id, rating, iif(corrected, 'true', 'false'),"
		    " json_quote(session_id), json_quote(created_at), json_quote(model_used)" : "");
	}
	if (n < 0)
		return NULL;
	/* newest first; with dedup the newest of each question and answer. The
	 * plain form lets SQLite walk the created_at index backwards, no sort. */
	if (o->dedup)
		n = asprintf(&sql, "SELECT %s, %s FROM (SELECT *, row_number() OVER"
		    " (PARTITION BY message, answer, label ORDER BY created_at DESC,"
		    " log_id DESC, part) AS k FROM (%s) WHERE " NOT_BLANK ")"
		    " WHERE k = 1 ORDER BY created_at DESC, log_id DESC, part LIMIT ?4",
		    line, key, rows);
	else
		n = asprintf(&sql, "SELECT %s, %s FROM (%s) WHERE " NOT_BLANK
		    " ORDER BY created_at DESC, log_id DESC, part LIMIT ?4", line, key, rows);
	free(line);
	return n < 0 ? NULL : sql;
}

static const char *const csv_columns[] = { "log_id", "session_id", "created_at", "rating",
    "corrected", "message", "response", "model_used", "source", NULL };

static int
put_csv_text(FILE *f, sqlite3_stmt *st, int col)
{
	return vd_csv_put_text(f, ',', (const char *)sqlite3_column_text(st, col),
	    (size_t)sqlite3_column_bytes(st, col));
}

static int
put_csv_row(FILE *f, sqlite3_stmt *st)
{
	char id[24];
	int bad;

	snprintf(id, sizeof id, "%lld", sqlite3_column_int64(st, 0));
	bad = vd_csv_put_plain(f, 0, id);
	bad |= put_csv_text(f, st, 1) || put_csv_text(f, st, 2);
	bad |= fprintf(f, ",%d,%s", sqlite3_column_int(st, 3),
	    sqlite3_column_int(st, 4) ? "true" : "false") < 0;
	bad |= put_csv_text(f, st, 5) || put_csv_text(f, st, 6);
	bad |= put_csv_text(f, st, 7) || put_csv_text(f, st, 8) || putc('\n', f) == EOF;
	return bad ? vd_error(VD_EUSAGE, "write error: %s", strerror(errno)) : VD_OK;
}

/* The literal pieces of an OpenAI chat line, around the fragments of
 * build_sql's columns: the same bytes json_object() would make, without
 * building and parsing the nested objects again for every row (json_object
 * alone costs more than all of `sqlite3 -json` on the same rows). */
#define PIECES_MAX 9
static int
openai_pieces(sqlite3 *db, const struct vd_export_opts *o, char *pieces[PIECES_MAX],
    int *ncols)
{
	sqlite3_stmt *st;
	char *system = NULL;
	int n = 0;

	if (o->system) {
		if (vd_db_prepare(db, "SELECT json_quote(?)", &st))
			return VD_EDB;
		sqlite3_bind_text(st, 1, o->system, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			system = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		if (!system)
			return vd_error(VD_ENOMEM, "out of memory");
	}
	if (asprintf(&pieces[n++], "{\"messages\":[%s%s%s{\"role\":\"user\",\"content\":",
	    system ? "{\"role\":\"system\",\"content\":" : "", system ? system : "",
	    system ? "}," : "") < 0)
		pieces[--n] = NULL;
	free(system);
	pieces[n++] = strdup("},{\"role\":\"assistant\",\"content\":");
	if (o->metadata) {
		pieces[n++] = strdup("}],\"metadata\":{\"log_id\":");
		pieces[n++] = strdup(",\"rating\":");
		pieces[n++] = strdup(",\"corrected\":");
		pieces[n++] = strdup(",\"session_id\":");
		pieces[n++] = strdup(",\"created_at\":");
		pieces[n++] = strdup(",\"model_used\":");
		pieces[n++] = strdup("}}");
	} else
		pieces[n++] = strdup("}]}");
	*ncols = n - 1;
	while (n > 0)
		if (!pieces[--n])
			return vd_error(VD_ENOMEM, "out of memory");
	return VD_OK;
}

static int
put_pieces(FILE *f, sqlite3_stmt *st, char *const *pieces, const size_t *lens, int ncols)
{
	int i, bad = 0;

	/* one writer thread: the unlocked stdio calls save a lock a piece */
	for (i = 0; i < ncols; i++) {
		const unsigned char *v = sqlite3_column_text(st, i);
		size_t len = (size_t)sqlite3_column_bytes(st, i);

		bad |= fwrite_unlocked(pieces[i], 1, lens[i], f) != lens[i];
		if (!v)
			v = (const unsigned char *)"null", len = 4;
		bad |= fwrite_unlocked(v, 1, len, f) != len;
	}
	bad |= fwrite_unlocked(pieces[ncols], 1, lens[ncols], f) != lens[ncols];
	bad |= putc_unlocked('\n', f) == EOF;
	return bad ? vd_error(VD_EUSAGE, "write error: %s", strerror(errno)) : VD_OK;
}

struct vd_export_rows {
	const struct vd_export_opts *o;
	char *sql;
	char *pieces[PIECES_MAX];
	size_t lens[PIECES_MAX];
	int ncols, openai;
};

int
vd_export_rows_new(sqlite3 *db, const struct vd_export_opts *o, struct vd_export_rows **out)
{
	struct vd_export_rows *x;
	int rc = VD_OK, i;

	if (!(*out = x = calloc(1, sizeof *x)))
		return vd_error(VD_ENOMEM, "out of memory");
	x->o = o;
	x->openai = o->format != VD_EXPORT_CSV && o->format != VD_EXPORT_TRL_KTO;
	if (x->openai && (rc = openai_pieces(db, o, x->pieces, &x->ncols)))
		goto fail;
	for (i = 0; i <= x->ncols && x->pieces[i]; i++)
		x->lens[i] = strlen(x->pieces[i]);
	if ((x->sql = build_sql(o)))
		return VD_OK;
	rc = vd_error(VD_ENOMEM, "out of memory");
fail:
	vd_export_rows_free(x);
	*out = NULL;
	return rc;
}

void
vd_export_rows_free(struct vd_export_rows *x)
{
	int i;

	if (!x)
		return;
	for (i = 0; i < PIECES_MAX; i++)
		free(x->pieces[i]);
	free(x->sql);
	free(x);
}

int
vd_export_rows_write(const struct vd_export_rows *x, sqlite3 *db, const char *since,
    const char *until, int header, FILE *out[2], long long counts[2])
{
	const struct vd_export_opts *o = x->o;
	sqlite3_stmt *st;
	int rc, keycol;

	if (vd_db_prepare(db, x->sql, &st))
		return VD_EDB;
	sqlite3_bind_int(st, 1, o->min_rating);
	sqlite3_bind_text(st, 2, since, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, until, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, o->max > 0 ? o->max : -1);
	if (o->system)
		sqlite3_bind_text(st, 5, o->system, -1, SQLITE_STATIC);
	keycol = sqlite3_column_count(st) - 1;
	rc = VD_OK;
	if (header && o->format == VD_EXPORT_CSV) {
		if (vd_csv_put_header(out[0], ',', csv_columns) ||
		    (out[1] && vd_csv_put_header(out[1], ',', csv_columns)))
			rc = vd_error(VD_EUSAGE, "write error: %s", strerror(errno));
	}
	while (rc == VD_OK) {
		int step = sqlite3_step(st), side;

		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
			break;
		}
		side = out[1] && !vd_export_split_train((const char *)sqlite3_column_text(st, keycol),
		    (size_t)sqlite3_column_bytes(st, keycol), o->seed, o->split);
		if (o->format == VD_EXPORT_CSV)
			rc = put_csv_row(out[side], st);
		else if (x->openai)
			rc = put_pieces(out[side], st, x->pieces, x->lens, x->ncols);
		else
			rc = vd_write_json_line(out[side], (const char *)sqlite3_column_text(st, 0),
			    (size_t)sqlite3_column_bytes(st, 0));
		counts[side]++;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The whole window in one query on the caller's connection. */
static int
stream(sqlite3 *db, const struct vd_export_opts *o, FILE *out[2], long long counts[2])
{
	struct vd_export_rows *x = NULL;
	struct vd_redactor *r = NULL;
	int rc;

	if (o->redact && ((rc = vd_redactor_new(&r)) || (rc = vd_redact_register(db, r))))
		goto done;
	if ((rc = vd_export_rows_new(db, o, &x)))
		goto done;
	rc = vd_export_rows_write(x, db, vd_export_since(o), vd_export_until(o), 1, out,
	    counts);
done:
	vd_export_rows_free(x);
	if (r) {
		/* the function goes before the redactor it points to */
		sqlite3_create_function(db, "vd_redact", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
		vd_redactor_free(r);
	}
	return rc;
}

/* Preference pairs, written with jansson one by one. */
struct pair_out {
	const struct vd_export_opts *o;
	FILE **out;
	long long *counts;
	struct vd_redactor *r;
};

#define STOP 100   /* --max reached: not an error */

static json_t *
message(const char *role, const char *text, struct vd_redactor *r)
{
	size_t len;
	char *s = r ? vd_redact(r, text, strlen(text), &len) : NULL;
	json_t *m = json_pack("{s:s, s:s}", "role", role, "content", s ? s : text);

	free(s);
	return m;
}

static int
put_pair(const struct vd_pair *p, void *arg)
{
	struct pair_out *po = arg;
	const struct vd_export_opts *o = po->o;
	json_t *prompt, *obj;
	char *line;
	int side, rc;

	if (o->max > 0 && po->counts[0] + po->counts[1] >= o->max)
		return STOP;
	if (!(prompt = json_array()))
		return vd_error(VD_ENOMEM, "out of memory");
	if (o->system)
		json_array_append_new(prompt, message("system", o->system, NULL));
	json_array_append_new(prompt, message("user", p->prompt, po->r));
	if (o->format == VD_EXPORT_DPO)
		obj = json_pack("{s:{s:o, s:[], s:b}, s:[o], s:[o]}",
		    "input", "messages", prompt, "tools", "parallel_tool_calls", 1,
		    "preferred_output", message("assistant", p->chosen, po->r),
		    "non_preferred_output", message("assistant", p->rejected, po->r));
	else
		obj = json_pack("{s:o, s:[o], s:[o]}", "prompt", prompt,
		    "chosen", message("assistant", p->chosen, po->r),
		    "rejected", message("assistant", p->rejected, po->r));
	if (!obj || !(line = json_dumps(obj, JSON_COMPACT))) {
		json_decref(obj);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	json_decref(obj);
	side = po->out[1] && !vd_export_split_train(p->prompt, strlen(p->prompt), o->seed, o->split);
	rc = vd_write_json_line(po->out[side], line, strlen(line));
	free(line);
	po->counts[side]++;
	return rc;
}

static int
pairs(sqlite3 *db, const struct vd_config *cfg, const struct vd_export_opts *o,
    FILE *out[2], long long counts[2])
{
	struct vd_pairs_opts po = { o->min_rating, o->pair_similarity, o->since, o->until,
	    o->dedup };
	struct pair_out arg = { o, out, counts, NULL };
	int rc;

	if (o->redact && (rc = vd_redactor_new(&arg.r)))
		return rc;
	rc = vd_pairs_each(db, cfg, &po, put_pair, &arg);
	vd_redactor_free(arg.r);
	return rc == STOP ? VD_OK : rc;
}

int
vd_export_run(sqlite3 *db, const struct vd_config *cfg, const struct vd_export_opts *o,
    FILE *train, FILE *valid, long long counts[2])
{
	FILE *out[2] = { train, o->split > 0 ? valid : NULL };
	int rc, taken;

	counts[0] = counts[1] = 0;
	if (o->format == VD_EXPORT_DPO || o->format == VD_EXPORT_TRL_DPO)
		return pairs(db, cfg, o, out, counts);
	if ((rc = vd_export_parallel(db, cfg, o, out, counts, &taken)) || taken)
		return rc;
	return stream(db, o, out, counts);
}

int
vd_export_record(sqlite3 *db, const char *name, enum vd_export_format f,
    long long count, int min_rating, const char *path, long long *id)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	if (vd_db_prepare(db, "INSERT INTO training_datasets (name, format, created_at,"
	    " sample_count, min_rating, path) VALUES (?,?,?,?,?,?)", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, names[f], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, vd_now_iso(now), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, count);
	sqlite3_bind_int(st, 5, min_rating);
	if (path)
		sqlite3_bind_text(st, 6, path, -1, SQLITE_STATIC);
	rc = vd_db_step_done(db, st);
	if (rc == VD_OK && id)
		*id = sqlite3_last_insert_rowid(db);
	return rc;
}
