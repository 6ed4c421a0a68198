#define PCRE2_CODE_UNIT_WIDTH 8
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <pcre2.h>

#include "vd_error.h"
#include "vd_redact.h"
#include "vd_text.h"

/* Order matters: e-mail first so "8..." in a local part stays whole;
 * the shapes with a keyword or fixed grouping (passport, INN, SNILS)
 * before phones and cards; phones before cards; last, any other long run
 * of digits (an account, a 22-digit number) masked whole, never half.
 * A separator between digits is a blank, dash, dot, underscore or
 * bracket; a number is never cut before a separator and a digit. */
#define SEP "[\\s()._\\x{2010}-\\x{2015}-]"
#define END "(?!" SEP "?\\d)"
#define START "(?<![\\d+])(?<!\\d[\\s._-])"
#define AT "(?:@|%40|\\s*[\\[({]\\s*(?:at|собака)\\s*[\\])}]\\s*)"
#define DOT "(?:\\.|\\s*[\\[({]\\s*(?:dot|точка)\\s*[\\])}]\\s*)"
static const struct {
	const char *pattern, *mask;
} rules[] = {
	{ "(?i)(?:mailto:)?[\\w.%+-]+" AT "[\\w-]+(?:" DOT "[\\w-]+)*" DOT "[a-zа-я]{2,}\\b", "[email]" },
	{ "(?i)(?:(?:паспорт\\w*|сери[яи])[\\s:№]*)+\\d{2}\\s?\\d{2}[\\s,]*(?:(?:номер|№|n)\\s*)?\\d{6}(?!\\d)"
	  "|(?<![\\d+])\\d{2}\\s?\\d{2}\\s(?:№\\s*)?\\d{6}(?![\\d])", "[passport]" },
	{ "(?i)(?<=инн)[\\s:№]*\\d{10}(?:\\d{2})?(?!\\d)", " [inn]" },
	{ "(?<![\\d+])\\d{3}-\\d{3}-\\d{3}[\\s-]\\d{2}(?!\\d)", "[snils]" },
	{ "(?:\\+\\s*7|(?<![\\d+])[78])(?:" SEP "{0,3}\\d){10}" END, "[phone]" },
	{ "\\+\\s*(?:[1-689]\\d{0,2})(?:" SEP "{0,3}\\d){7,12}" END, "[phone]" },
	{ START "\\(?9\\d\\d(?:" SEP "{0,3}\\d){7}" END, "[phone]" },
	{ START "\\d(?:[\\s._-]?\\d){12,18}" END, "[card]" },
	{ START "\\d(?:[\\s._-]?\\d){10,}" END, "[number]" },
};
#define NRULES (sizeof rules / sizeof rules[0])

struct vd_redactor {
	pcre2_code *re[NRULES];
	pcre2_match_data *md;
};

/* The key of the session pseudonyms: one for the whole process (the
 * threads of a parallel export give one session one pseudonym), new for
 * every run. */
static uint64_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void
key_init(void)
{
	if (getrandom(&key, sizeof key, 0) != (ssize_t)sizeof key)
		key = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
}

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
	pthread_once(&key_once, key_init);
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

/* A session id may itself be personal (a phone number, a chat id): under
 * --redact it becomes "s-" and 16 hex digits of a keyed hash, the same for
 * the same id within one run (so a conversation stays one), unlinkable to
 * the id without the run's random key. */
static void
sql_pseudonym(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	uint64_t h = 0xcbf29ce484222325ULL ^ key;
	char out[24];
	int i, n;

	(void)argc;
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	n = sqlite3_value_bytes(argv[0]);
	for (i = 0; i < 8; i++)
		h = (h ^ ((key >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	snprintf(out, sizeof out, "s-%016llx", (unsigned long long)h);
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

int
vd_redact_register(sqlite3 *db, struct vd_redactor *r)
{
	if (sqlite3_create_function(db, "vd_redact", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, r, sql_redact,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "vd_pseudonym", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, r, sql_pseudonym,
	    NULL, NULL) != SQLITE_OK)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	return VD_OK;
}

static void
sql_unchanged(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_value(ctx, argv[0]);
}

static void
free_redactor(void *r)
{
	vd_redactor_free(r);
}

int
vd_redact_store_register(sqlite3 *db, int mask)
{
	struct vd_redactor *r = NULL;
	int rc;

	if (mask && (rc = vd_redactor_new(&r)))
		return rc;
	/* one redactor per connection: its match data is not shared between
	 * threads, and it lives exactly as long as the connection */
	if (sqlite3_create_function_v2(db, "vd_stored", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, r,
	    mask ? sql_redact : sql_unchanged, NULL, NULL, mask ? free_redactor : NULL) != SQLITE_OK)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	return VD_OK;
}
