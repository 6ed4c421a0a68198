#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "vd_db.h"
#include "vd_error.h"
#include "vd_export_quote.h"

/* The longest escape json_quote() gives a byte: \u001f. */
#define ESC_MAX 6

struct vd_quoter {
	sqlite3_stmt *quote;           /* SELECT json_quote(?) */
	char esc[128][ESC_MAX];        /* json_quote()'s escape of a byte that has one */
	unsigned char esclen[128];     /* its length, 0 for a byte copied as it is */
	char *buf[VD_QUOTE_FIELDS];
	size_t size[VD_QUOTE_FIELDS];
};

/* json_quote()'s escape of every byte, asked of SQLite once: a byte whose
 * JSON string is not itself between quotes has one. */
static int
escapes(struct vd_quoter *q)
{
	const char *s;
	char c;
	int i, n;

	for (i = 0; i < 128; i++) {
		c = (char)i;
		sqlite3_bind_text(q->quote, 1, &c, 1, SQLITE_TRANSIENT);
		if (sqlite3_step(q->quote) != SQLITE_ROW ||
		    !(s = (const char *)sqlite3_column_text(q->quote, 0))) {
			sqlite3_reset(q->quote);
			return vd_error(VD_EDB, "database: %s",
			    sqlite3_errmsg(sqlite3_db_handle(q->quote)));
		}
		n = sqlite3_column_bytes(q->quote, 0) - 2;
		if (n != 1 || s[1] != c) {
			if (n < 1 || n > ESC_MAX) {
				sqlite3_reset(q->quote);
				return vd_error(VD_EDB, "database: json_quote: unexpected escape");
			}
			memcpy(q->esc[i], s + 1, (size_t)n);
			q->esclen[i] = (unsigned char)n;
		}
		sqlite3_reset(q->quote);
	}
	return VD_OK;
}

int
vd_quoter_new(sqlite3 *db, struct vd_quoter **out)
{
	struct vd_quoter *q;
	int rc;

	*out = NULL;
	if (!(q = calloc(1, sizeof *q)))
		return vd_error(VD_ENOMEM, "out of memory");
	if (vd_db_prepare(db, "SELECT json_quote(?)", &q->quote)) {
		free(q);
		return VD_EDB;
	}
	if ((rc = escapes(q))) {
		vd_quoter_free(q);
		return rc;
	}
	*out = q;
	return VD_OK;
}

void
vd_quoter_free(struct vd_quoter *q)
{
	int i;

	if (!q)
		return;
	sqlite3_finalize(q->quote);
	for (i = 0; i < VD_QUOTE_FIELDS; i++)
		free(q->buf[i]);
	free(q);
}

/* How many bytes of s json_quote() copies as they are before the first
 * it escapes ('"', '\\' or one below 0x20, NUL included): 16 at a time
 * where the processor allows. */
static size_t
plain(const unsigned char *s, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
	    ctl = _mm_set1_epi8(0x1f);

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote),
		    _mm_cmpeq_epi8(x, bslash)), _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
		int bits = _mm_movemask_epi8(m);

		if (bits)
			return i + (size_t)__builtin_ctz((unsigned)bits);
	}
#endif
	for (; i < n; i++)
		if (s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
			return i;
	return n;
}

/* Room for n bytes in field's buffer. */
static char *
room(struct vd_quoter *q, int field, size_t n)
{
	char *b;

	if (n <= q->size[field])
		return q->buf[field];
	if (!(b = realloc(q->buf[field], n + n / 2)))
		return NULL;
	q->size[field] = n + n / 2;
	return q->buf[field] = b;
}

/* A text as json_quote() writes it: the runs it copies as they are, and
 * between them its own escapes (escapes()). */
static int
quote_text(struct vd_quoter *q, int field, const unsigned char *s, size_t n,
    struct vd_str *out)
{
	size_t i, k, len = 2;
	char *b;

	/* its length first, so that a long text takes no more room than it needs */
	for (i = 0; (i += (k = plain(s + i, n - i))) < n; i++)
		len += k + q->esclen[s[i]];
	len += k;
	if (!(b = room(q, field, len)))
		return vd_error(VD_ENOMEM, "out of memory");
	b[0] = '"';
	len = 1;
	i = 0;
	for (;;) {
		k = plain(s + i, n - i);
		memcpy(b + len, s + i, k);
		len += k;
		if ((i += k) == n)
			break;
		memcpy(b + len, q->esc[s[i]], q->esclen[s[i]]);
		len += q->esclen[s[i]];
		i++;
	}
	b[len++] = '"';
	out->s = b;
	out->len = len;
	return VD_OK;
}

int
vd_quoter_put(struct vd_quoter *q, int field, sqlite3_value *v, struct vd_str *out)
{
	const unsigned char *s;
	size_t n;
	char *b;
	int rc;

	out->s = NULL;
	out->len = 0;
	if (sqlite3_value_type(v) == SQLITE_NULL)
		return VD_OK;
	if (sqlite3_value_type(v) == SQLITE_TEXT) {
		if (!(s = sqlite3_value_text(v)))
			return vd_error(VD_ENOMEM, "out of memory");
		return quote_text(q, field, s, (size_t)sqlite3_value_bytes(v), out);
	}
	/* a number or a blob: as json_quote() has it (a blob is an error) */
	sqlite3_bind_value(q->quote, 1, v);
	if (sqlite3_step(q->quote) != SQLITE_ROW) {
		rc = vd_error(VD_EDB, "database: %s",
		    sqlite3_errmsg(sqlite3_db_handle(q->quote)));
		sqlite3_reset(q->quote);
		return rc;
	}
	s = sqlite3_column_text(q->quote, 0);
	n = (size_t)sqlite3_column_bytes(q->quote, 0);
	if (!s || !(b = room(q, field, n))) {
		sqlite3_reset(q->quote);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	memcpy(b, s, n);
	sqlite3_reset(q->quote);
	out->s = b;
	out->len = n;
	return VD_OK;
}
