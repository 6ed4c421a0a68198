/* The rows of an export, one typed struct each, from one query over a
 * window of created_at (or, for the pair formats, from vd_pairs_each):
 * what an encoder (vd_export_fmt.h) turns into a line. */
#ifndef VD_EXPORT_ROWS_H
#define VD_EXPORT_ROWS_H

#include <sqlite3.h>

#include "vd_config.h"
#include "vd_export.h"
#include "vd_output.h"

/* Which exchanges a format takes. */
enum vd_export_source {
	VD_ROWS_GOOD,    /* rated at least the threshold, or corrected */
	VD_ROWS_KTO,     /* every rated one, labelled by the threshold, and the
			  * original answers of corrections rated 1-2 as bad */
	VD_ROWS_PAIRS    /* preference pairs (vd_pairs.h) */
};

/* The optional text fields an encoder reads (message and answer always
 * come); the others are NULL, so the query does not make them. */
enum {
	VD_ROW_SESSION = 1 << 0,
	VD_ROW_CREATED = 1 << 1,
	VD_ROW_MODEL = 1 << 2,
	VD_ROW_SOURCE = 1 << 3
};

/* One row. For an encoder of JSON (VD_ENC_JSON) every text is a JSON
 * value made by SQLite's json_quote() (null for NULL); otherwise the raw
 * text (s NULL for NULL). Valid during the callback only. */
struct vd_export_row {
	long long log_id;
	long long chosen_id;     /* pairs: the exchange of the chosen answer */
	int rating;              /* the effective one: a correction counts as 5 */
	int corrected;           /* the answer is a correction */
	int label;               /* trl-kto: a good example */
	struct vd_str session_id, created_at, model_used, source;
	struct vd_str message;   /* the question (pairs: the prompt) */
	struct vd_str answer;    /* the answer used (pairs: the chosen one) */
	struct vd_str rejected;  /* pairs: the rejected answer */
	struct vd_str system;    /* --system as a JSON message object, or s NULL */
	struct vd_str key;       /* the raw question the split goes by */
};

/* Called with each row, newest first; a non-zero return stops the walk
 * and is passed on. */
typedef int vd_export_row_fn(const struct vd_export_row *r, void *arg);

/* Walk the rows o's format takes with since <= created_at < until (the
 * rejected exchange's for pairs), honouring o's rating, dedup, redact and
 * max. Pairs first bring the vectors of rated exchanges up to date (that
 * writes to db). VD_EDB on a database error, VD_ENOMEM. */
int vd_export_rows_each(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_export_opts *o, const char *since, const char *until,
    vd_export_row_fn *fn, void *arg);

/* The bounds of o's window as compared with created_at: no start is "",
 * no end "9999" (after every ISO 8601 time). */
const char *vd_export_since(const struct vd_export_opts *o);
const char *vd_export_until(const struct vd_export_opts *o);

#endif
