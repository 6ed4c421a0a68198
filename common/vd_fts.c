#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_fts.h"
#include "vd_stopwords.h"
#include "vd_text.h"

/* Exchanges indexed per transaction: a batch takes tens of milliseconds */
#define BATCH 2000

/* A growing string of stems, each followed by a space (or quoted, for a
 * query). */
struct stems {
	char *s;
	size_t len, cap;
	int quote, bad;
};

static void
add(struct stems *b, const char *s, size_t n)
{
	size_t need = b->len + 2 * n + 4, i;
	char *p;

	if (b->bad)
		return;
	if (need > b->cap) {
		if (!(p = realloc(b->s, need * 2))) {
			b->bad = 1;
			return;
		}
		b->s = p;
		b->cap = need * 2;
	}
	if (b->quote)
		b->s[b->len++] = '"';
	for (i = 0; i < n; i++) {
		if (b->quote && s[i] == '"')
			b->s[b->len++] = '"';
		b->s[b->len++] = s[i];
	}
	if (b->quote)
		b->s[b->len++] = '"';
	b->s[b->len++] = ' ';
	b->s[b->len] = 0;
}

static void
word(const char *stem, size_t stemlen, const char *w, size_t wlen, void *arg)
{
	(void)wlen;
	if (!vd_text_is_stopword(w))
		add(arg, stem, stemlen);
}

/* The stems of s as text for the index (valid until the next call). */
static const char *
stems_of(struct vd_text *t, struct stems *b, const unsigned char *s)
{
	b->len = 0;
	if (b->s)
		b->s[0] = 0;
	if (!s)
		return NULL;
	vd_text_words(t, (const char *)s, word, b);
	return b->bad ? NULL : b->s ? b->s : "";
}

/* Index up to BATCH queued exchanges in one transaction; *n gets how many
 * were taken from the queue (0: it is empty). */
static int
batch(sqlite3 *db, struct vd_text *t, struct stems *b, long long *n)
{
	static const char pick[] = "SELECT q.log_id, x.log_id, x.message, x.response,"
	    " x.correction FROM text_changes q LEFT JOIN exchanges x ON x.log_id = q.log_id"
	    " ORDER BY q.log_id LIMIT ?";
	sqlite3_stmt *sel = NULL, *del = NULL, *ins = NULL, *done = NULL;
	int rc, col;

	*n = 0;
	if ((rc = vd_db_begin(db)))
		return rc;
	if ((rc = vd_db_prepare(db, pick, &sel)) ||
	    (rc = vd_db_prepare(db, "DELETE FROM exchanges_fts WHERE rowid = ?", &del)) ||
	    (rc = vd_db_prepare(db, "INSERT INTO exchanges_fts (rowid, message, response,"
	    " correction) VALUES (?, ?, ?, ?)", &ins)) ||
	    (rc = vd_db_prepare(db, "DELETE FROM text_changes WHERE log_id = ?", &done)))
		goto out;
	sqlite3_bind_int(sel, 1, BATCH);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(sel, 0);

		sqlite3_bind_int64(del, 1, id);
		sqlite3_bind_int64(done, 1, id);
		if (sqlite3_step(del) != SQLITE_DONE || sqlite3_reset(del) != SQLITE_OK ||
		    sqlite3_step(done) != SQLITE_DONE || sqlite3_reset(done) != SQLITE_OK)
			break;
		(*n)++;
		if (sqlite3_column_type(sel, 1) == SQLITE_NULL)
			continue;  /* deleted since it was queued */
		sqlite3_bind_int64(ins, 1, id);
		for (col = 2; col <= 4; col++) {
			const char *s = stems_of(t, b, sqlite3_column_text(sel, col));

			if (b->bad)
				break;
			if (s)
				sqlite3_bind_text(ins, col, s, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(ins, col);
		}
		if (b->bad || sqlite3_step(ins) != SQLITE_DONE || sqlite3_reset(ins) != SQLITE_OK)
			break;
	}
	if (b->bad)
		rc = vd_error(VD_ENOMEM, "out of memory");
	else if (rc != SQLITE_DONE)
		rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	else
		rc = VD_OK;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	sqlite3_finalize(done);
	if (rc == VD_OK)
		rc = vd_db_commit(db);
	if (rc)
		vd_db_rollback(db);
	return rc;
}

int
vd_fts_sync(sqlite3 *db, long long *done)
{
	struct vd_text *t;
	struct stems b = { 0 };
	long long n, queued;
	int rc;

	*done = 0;
	/* most calls find nothing to do: no stemmers for them */
	if ((rc = vd_db_int(db, "SELECT EXISTS (SELECT 1 FROM text_changes)", NULL, &queued)) ||
	    !queued)
		return rc;
	if (!(t = vd_text_new()))
		return vd_error(VD_ENOMEM, "out of memory");
	do {
		rc = batch(db, t, &b, &n);
		*done += n;
	} while (rc == VD_OK && n > 0);
	free(b.s);
	vd_text_free(t);
	return rc;
}

int
vd_fts_query(const char *text, char **match)
{
	struct vd_text *t = vd_text_new();
	struct stems b = { .quote = 1 };

	*match = NULL;
	if (!t)
		return vd_error(VD_ENOMEM, "out of memory");
	vd_text_words(t, text, word, &b);
	vd_text_free(t);
	if (b.bad) {
		free(b.s);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	if (!b.len) {
		free(b.s);
		return vd_error(VD_EUSAGE, "nothing to search for in '%.40s'", text);
	}
	b.s[b.len - 1] = 0;
	*match = b.s;
	return VD_OK;
}
