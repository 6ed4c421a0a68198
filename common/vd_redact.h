/* Masking of personal data in exported text with PCRE2: phone numbers
 * (+7, 7 or 8 and ten digits, a mobile's ten digits from 9, other
 * countries' +code; blanks, brackets, dashes, dots between digits),
 * e-mail addresses (also "[at]", "(dot)", mailto:, %40), passports,
 * INN, SNILS, card-like numbers (13 to 19 digits, grouped by blanks,
 * dashes, dots or underscores) and any longer run of digits. They become
 * [phone], [email], [passport], [inn], [snils], [card] and [number]. */
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
 * while it streams, and vd_pseudonym(session_id): "s-" and 16 hex digits
 * of a hash keyed at random for r, the same for the same id. r must
 * outlive the connection's use of it. */
int vd_redact_register(sqlite3 *db, struct vd_redactor *r);

/* Register vd_stored(text) on db, the function every text the store
 * writes passes through: with mask, text masked by a redactor the
 * connection owns (VASDOM_REDACT_STORE), else text unchanged. */
int vd_redact_store_register(sqlite3 *db, int mask);

#endif
