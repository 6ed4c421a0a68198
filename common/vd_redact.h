/* Masking of personal data in exported text with PCRE2: Russian phone
 * numbers (+7 or 8 and ten digits, with spaces, brackets or dashes
 * between them), e-mail addresses, and card-like numbers (13 to 19 digits,
 * optionally grouped by spaces or dashes). They become [phone], [email]
 * and [card]. */
#ifndef VD_REDACT_H
#define VD_REDACT_H

#include <stddef.h>
#include <sqlite3.h>

struct vd_redactor;

/* Compile the patterns once; free with vd_redactor_free. */
int vd_redactor_new(struct vd_redactor **out);
void vd_redactor_free(struct vd_redactor *r);

/* s (n bytes of UTF-8) with personal data masked: a malloc'd,
 * NUL-terminated string the caller frees, *outlen its length; NULL when
 * out of memory. Invalid UTF-8 is copied unchanged. */
char *vd_redact(struct vd_redactor *r, const char *s, size_t n, size_t *outlen);

/* Register vd_redact(text) as an SQL function on db, so a query can mask
 * while it streams. r must outlive the connection's use of it. */
int vd_redact_register(sqlite3 *db, struct vd_redactor *r);

#endif
