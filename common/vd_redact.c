#define PCRE2_CODE_UNIT_WIDTH 8
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "vd_error.h"
#include "vd_redact.h"
#include "vd_text.h"

/* Order matters: a card number is masked before its digits could be read
 * as a phone number; e-mail first so "8..." in a local part stays whole. */
static const struct {
	const char *pattern, *mask;
} rules[] = {
	{ "[\\w.%+-]+@[\\w-]+(?:\\.[\\w-]+)*\\.\\w{2,}", "[email]" },
	{ "(?<![\\d+])\\d(?:[ -]?\\d){12,18}(?!\\d)", "[card]" },
	{ "(?:\\+\\s*7|(?<![\\d+])8)(?:[\\s()\\x{2010}-\\x{2015}-]{0,3}\\d){10}(?!\\d)", "[phone]" },
};
#define NRULES (sizeof rules / sizeof rules[0])

struct vd_redactor {
	pcre2_code *re[NRULES];
	pcre2_match_data *md;
};

void
vd_redactor_free(struct vd_redactor *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < NRULES; i++)
		pcre2_code_free(r->re[i]);
	pcre2_match_data_free(r->md);
	free(r);
}

int
vd_redactor_new(struct vd_redactor **out)
{
	struct vd_redactor *r = calloc(1, sizeof *r);
	PCRE2_SIZE off;
	size_t i;
	int err;

	*out = NULL;
	if (!r)
		return vd_error(VD_ENOMEM, "out of memory");
	for (i = 0; i < NRULES; i++) {
		r->re[i] = pcre2_compile((PCRE2_SPTR)rules[i].pattern, PCRE2_ZERO_TERMINATED,
		    PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		if (!r->re[i]) {
			vd_redactor_free(r);
			return vd_error(VD_EDB, "redaction pattern %zu does not compile", i);
		}
		pcre2_jit_compile(r->re[i], PCRE2_JIT_COMPLETE);
	}
	if (!(r->md = pcre2_match_data_create(1, NULL))) {
		vd_redactor_free(r);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	*out = r;
	return VD_OK;
}

/* One rule over s: a new string, or s itself when nothing matched. */
static char *
substitute(struct vd_redactor *r, size_t i, char *s, size_t n, size_t *outlen, int *err)
{
	PCRE2_SIZE cap = n + 64, len;
	char *buf;
	int rc;

	for (;;) {
		if (!(buf = malloc(cap + 1))) {
			*err = 1;
			return s;
		}
		len = cap;
		rc = pcre2_substitute(r->re[i], (PCRE2_SPTR)s, n, 0,
		    PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH | PCRE2_NO_UTF_CHECK,
		    r->md, NULL, (PCRE2_SPTR)rules[i].mask, PCRE2_ZERO_TERMINATED,
		    (PCRE2_UCHAR *)buf, &len);
		if (rc == PCRE2_ERROR_NOMEMORY) {
			free(buf);
			cap = len;
			continue;
		}
		break;
	}
	if (rc <= 0) {
		/* nothing matched, or an error: keep the text as it was */
		free(buf);
		*outlen = n;
		return s;
	}
	buf[len] = 0;
	*outlen = len;
	return buf;
}

char *
vd_redact(struct vd_redactor *r, const char *s, size_t n, size_t *outlen)
{
	char *cur, *next;
	size_t i, len = n;
	int err = 0;

	if (!(cur = malloc(n + 1)))
		return NULL;
	memcpy(cur, s, n);
	cur[n] = 0;
	/* the UTF-8 check once here, not in every substitution */
	if (!vd_utf8_valid(cur, n)) {
		*outlen = n;
		return cur;
	}
	for (i = 0; i < NRULES; i++) {
		next = substitute(r, i, cur, len, &len, &err);
		if (err) {
			free(cur);
			return NULL;
		}
		if (next != cur) {
			free(cur);
			cur = next;
		}
	}
	*outlen = len;
	return cur;
}

static void
sql_redact(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct vd_redactor *r = sqlite3_user_data(ctx);
	const char *s;
	char *out;
	size_t len;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	s = (const char *)sqlite3_value_text(argv[0]);
	if (!(out = vd_redact(r, s, (size_t)sqlite3_value_bytes(argv[0]), &len))) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text64(ctx, out, len, free, SQLITE_UTF8);
}

int
vd_redact_register(sqlite3 *db, struct vd_redactor *r)
{
	if (sqlite3_create_function(db, "vd_redact", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, r, sql_redact,
	    NULL, NULL) != SQLITE_OK)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	return VD_OK;
}
