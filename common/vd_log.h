/* The exchange log as vasdom-log reads it: which exchanges a set of
 * filters selects (browse, search, forget share it) and each as a record
 * with the field names of vasdom(7). */
#ifndef VD_LOG_H
#define VD_LOG_H

#include <sqlite3.h>
#include <jansson.h>

struct vd_log_filter {
	const long long *ids;       /* only these log ids (nids of them) */
	size_t nids;
	const char *since, *until;  /* ISO 8601 UTC, [since, until); NULL: open */
	const char *session, *source;
	int rating;                 /* exactly this rating; 0: any */
	int min_rating;             /* at least this rating; 0: any */
	int unrated, corrected;     /* no rating / a correction given */
	long long id_gt;            /* log ids above this (a cursor); 0: all */
	int keep_endorsed;          /* leave out rated >= endorsed or corrected */
	int endorsed;               /* the training threshold, for keep_endorsed */
	const char *match;          /* an FTS5 query (vd_fts_query): ranked by it */
	long long limit;            /* at most this many; 0: all */
	int oldest_first;           /* in time order (a transcript) */
};

/* Called with each selected exchange; rec is the caller's until it
 * returns. A non-zero return stops the walk and is returned. */
typedef int vd_log_fn(json_t *rec, void *arg);

/* The selected exchanges, newest first (best first with a match, which
 * adds "rank" from 1 and "score", higher is better), as records with the
 * columns of vd_log_columns. VD_EDB on a database error. */
int vd_log_select(sqlite3 *db, const struct vd_log_filter *f, vd_log_fn *fn, void *arg);

/* The WHERE clause of f over exchanges x (and exchanges_fts when
 * f->match), and the binding of its parameters from ?first on: for any
 * statement that picks exchanges by f. The clause is malloc'd, NULL when
 * out of memory. */
char *vd_log_where(const struct vd_log_filter *f);
void vd_log_bind(sqlite3_stmt *st, const struct vd_log_filter *f, int first);

extern const char *const vd_log_columns[];
extern const char *const vd_log_search_columns[];

#endif
