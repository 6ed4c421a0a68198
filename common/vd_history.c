#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_history.h"
#include "vd_text.h"

void
vd_history_clear(struct vd_history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].message);
		free(h->v[i].response);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

int
vd_history_load(sqlite3 *db, const char *session, int max_turns, size_t max_chars,
    struct vd_history *h)
{
	sqlite3_stmt *st;
	size_t chars = 0, i;
	int rc;

	h->v = NULL;
	h->n = 0;
	if (max_turns <= 0)
		return VD_OK;
	if (!(h->v = calloc((size_t)max_turns, sizeof *h->v)))
		return vd_error(VD_ENOMEM, "out of memory");
	/* newest first, so the budget keeps the latest turns */
	if (vd_db_prepare(db, "SELECT message, response FROM exchanges WHERE session_id = ?"
	    " ORDER BY log_id DESC LIMIT ?", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, max_turns);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		const char *r = (const char *)sqlite3_column_text(st, 1);
		size_t c = vd_utf8_len(m, strlen(m)) + vd_utf8_len(r, strlen(r));
		struct vd_turn *t = &h->v[h->n];

		if (chars + c > max_chars)
			break;
		chars += c;
		t->message = strdup(m);
		t->response = strdup(r);
		h->n++;
		if (!t->message || !t->response) {
			sqlite3_finalize(st);
			return vd_error(VD_ENOMEM, "out of memory");
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	/* oldest first */
	for (i = 0; i < h->n / 2; i++) {
		struct vd_turn t = h->v[i];

		h->v[i] = h->v[h->n - 1 - i];
		h->v[h->n - 1 - i] = t;
	}
	return VD_OK;
}
