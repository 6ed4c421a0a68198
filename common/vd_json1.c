/* JSON through SQLite's JSON1 where jansson is slow: a JSONL line's
 * object read by json_each instead of jansson's json_loadb, which takes
 * some 170 instructions a byte (each byte read through a stream, checked
 * as UTF-8 and copied into a buffer one at a time): 38,000 instructions
 * of a 220-byte line of vasdom-ask --record, a quarter of its time;
 * json_each and the objects made from its rows, 21,000. Only what both
 * read alike is taken from it: an object whose values are strings, whole
 * numbers that fit in 64 bits, true, false and null, without \u escapes
 * (jansson rejects lone surrogates and \u0000; SQLite 3.40 does not).
 * Anything else, and every malformed line, goes to jansson, whose
 * messages name the error. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vd_error.h"
#include "vd_json1.h"

struct vd_json1 {
	sqlite3 *db;
	sqlite3_stmt *st;
};

struct vd_json1 *
vd_json1_new(void)
{
	struct vd_json1 *j = calloc(1, sizeof *j);

	if (!j)
		return NULL;
	if (sqlite3_open_v2(":memory:", &j->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_MEMORY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(j->db, "SELECT key, type, atom FROM json_each(?1)", -1,
	    SQLITE_PREPARE_PERSISTENT, &j->st, NULL) != SQLITE_OK) {
		vd_json1_free(j);
		return NULL;
	}
	return j;
}

void
vd_json1_free(struct vd_json1 *j)
{
	if (!j)
		return;
	sqlite3_finalize(j->st);
	sqlite3_close(j->db);
	free(j);
}

/* Column i's text, by length: as a blob, for SQLite to give it without
 * copying it again to end it with a NUL (column_text did so for each key
 * and value, ten copies a line). */
static const char *
text(sqlite3_stmt *st, int i, size_t *n)
{
	const char *s = sqlite3_column_blob(st, i);

	*n = (size_t)sqlite3_column_bytes(st, i);
	return s ? s : "";
}

/* The value of the current row, NULL when jansson is to read the line.
 * The atom's type first: its type name is needed only to tell true from
 * 1 and null from an object or array. */
static json_t *
value(sqlite3_stmt *st)
{
	const char *type, *s;
	size_t n;

	switch (sqlite3_column_type(st, 2)) {
	case SQLITE_TEXT:   /* valid UTF-8, from the line (no \u escapes) */
		s = text(st, 2, &n);
		return json_stringn_nocheck(s, n);
	case SQLITE_FLOAT:  /* a real, or past 64 bits: jansson's strtod decides */
		return NULL;
	}
	if (!(type = (const char *)sqlite3_column_text(st, 1)))
		return NULL;
	if (strcmp(type, "integer") == 0)
		return json_integer(sqlite3_column_int64(st, 2));
	if (strcmp(type, "true") == 0)
		return json_true();
	if (strcmp(type, "false") == 0)
		return json_false();
	if (strcmp(type, "null") == 0)
		return json_null();
	return NULL;        /* an object or an array */
}

/* s holds a \u escape. */
static int
has_u_escape(const char *s, size_t n)
{
	const char *p = s, *end = s + n;

	while ((p = memchr(p, '\\', (size_t)(end - p))) && p + 1 < end) {
		if (p[1] == 'u')
			return 1;
		p += 2;     /* an escaped character, perhaps a backslash */
	}
	return 0;
}

int
vd_json1_object(struct vd_json1 *j, const char *s, size_t n, json_t **out)
{
	const char *p = s, *key;
	size_t keylen;
	json_t *obj, *v;
	int rc = 1, step;

	*out = NULL;
	while (p < s + n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (!j || p == s + n || *p != '{' || has_u_escape(s, n))
		return 1;
	if (!(obj = json_object()))
		return vd_error(VD_ENOMEM, "out of memory");
	sqlite3_bind_text(j->st, 1, s, (int)n, SQLITE_STATIC);
	while ((step = sqlite3_step(j->st)) == SQLITE_ROW) {
		if (!(v = value(j->st)))
			break;
		key = text(j->st, 0, &keylen);
		if (json_object_setn_new_nocheck(obj, key, keylen, v)) {
			rc = vd_error(VD_ENOMEM, "out of memory");
			break;
		}
	}
	if (step == SQLITE_DONE) {
		*out = obj;
		rc = VD_OK;
	} else
		json_decref(obj);
	sqlite3_reset(j->st);
	sqlite3_clear_bindings(j->st);
	return rc;
}

