#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>

#include "vd_stem_cache.h"
#include "vd_text.h"

struct vd_text {
	struct sb_stemmer *ru, *en;
	char *buf;
	size_t cap;
	utf8proc_int32_t *cps;  /* the word being read, folded, as code points */
	size_t ncap;
	struct vd_stem_cache *stems;
};

int
vd_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	utf8proc_int32_t c;
	utf8proc_ssize_t k;

	while (n > 0) {
		if (*u < 0x80) {
			u++, n--;
			continue;
		}
		/* two bytes (Cyrillic) checked here: utf8proc_iterate's call
		 * a character was half of a line's check */
		if (*u >= 0xC2 && *u <= 0xDF && n >= 2 && (u[1] & 0xC0) == 0x80) {
			u += 2, n -= 2;
			continue;
		}
		k = utf8proc_iterate(u, (utf8proc_ssize_t)n, &c);
		if (k < 0)
			return 0;
		u += k, n -= (size_t)k;
	}
	return 1;
}

size_t
vd_utf8_len(const char *s, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += ((unsigned char)s[i] & 0xC0) != 0x80;
	return len;
}

static int
is_space(utf8proc_int32_t c)
{
	utf8proc_category_t cat = utf8proc_category(c);

	return c == ' ' || (c >= 9 && c <= 13) || cat == UTF8PROC_CATEGORY_ZS ||
	    cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP ||
	    c == 0x200B || c == 0xFEFF;
}

/* The character ending at s + n when it is a space, its length; 0 when
 * not, or not a valid character: the one a forward walk would see there,
 * as a walk's step back over continuation bytes stops at a lead byte. */
static size_t
space_before(const char *s, size_t n)
{
	size_t p = n;
	utf8proc_int32_t c;
	utf8proc_ssize_t k;

	while (p > 0 && n - p < 4 && ((unsigned char)s[p - 1] & 0xC0) == 0x80)
		p--;
	if (p == 0)
		return 0;
	p--;
	k = utf8proc_iterate((const utf8proc_uint8_t *)s + p, (utf8proc_ssize_t)(n - p), &c);
	return k > 0 && p + (size_t)k == n && is_space(c) ? n - p : 0;
}

const char *
vd_text_trim(const char *s, size_t *n)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t k;
	size_t len = *n, i = 0, sp;

	/* only the ends are read: a pass over every character (its
	 * category looked up) was 4% of vasdom-ask --record's time */
	while (i < len) {
		k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
		if (k <= 0 || !is_space(c))
			break;
		i += (size_t)k;
	}
	if (i == len) {
		*n = 0;
		return s + len;
	}
	while ((sp = space_before(s, len)) > 0)
		len -= sp;
	*n = len - i;
	return s + i;
}

struct vd_text *
vd_text_new(void)
{
	struct vd_text *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->ru = sb_stemmer_new("russian", "UTF_8");
	t->en = sb_stemmer_new("english", "UTF_8");
	t->stems = vd_stem_cache_new();
	if (!t->ru || !t->en || !t->stems) {
		vd_text_free(t);
		return NULL;
	}
	return t;
}

void
vd_text_free(struct vd_text *t)
{
	if (!t)
		return;
	if (t->ru)
		sb_stemmer_delete(t->ru);
	if (t->en)
		sb_stemmer_delete(t->en);
	vd_stem_cache_free(t->stems);
	free(t->buf);
	free(t->cps);
	free(t);
}

int
vd_text_word_char(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_MN:
		return 1;
	default:
		return 0;
	}
}

/* The case folding of an ASCII letter or digit, or of a Cyrillic letter
 * А-я other than Й and й, is one code point that decomposes no further,
 * and no two of them compose (checked for each and each pair against
 * utf8proc: tests/unit/text-fold): the words of Russian and English text
 * are folded without utf8proc's tables, and need no composing. One ask
 * at 100,000 exchanges tokenises 61 texts (the query, its neighbours'
 * questions and answers): 1.76 -> 1.51 million instructions. */
int
vd_text_fold_simple(int32_t c, int32_t *f)
{
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			*f = c + ('a' - 'A');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			*f = c;
		else
			return 0;
		return 1;
	}
	if (c >= 0x0410 && c <= 0x044F && c != 0x0419 && c != 0x0439) {
		*f = c < 0x0430 ? c + 0x20 : c;
		return 1;
	}
	return -1;
}

/* The code point at s (of n > 0 bytes) into *c, as utf8proc_iterate:
 * ASCII and two-byte sequences (Cyrillic) decoded here. */
static utf8proc_ssize_t
next_char(const char *s, size_t n, utf8proc_int32_t *c)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] < 0x80) {
		*c = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF && n >= 2 && (u[1] & 0xC0) == 0x80) {
		*c = ((utf8proc_int32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
		return 2;
	}
	return utf8proc_iterate(u, (utf8proc_ssize_t)n, c);
}

static void
emit(struct vd_text *t, const char *w, size_t n, int cyr, int latin,
    vd_word_fn *fn, void *arg)
{
	struct sb_stemmer *st = cyr && !latin ? t->ru : latin && !cyr ? t->en : NULL;
	const char *stem;
	size_t len;

	if (st && (stem = vd_stem_cache_get(t->stems, st, w, n, &len)))
		fn(stem, len, w, n, arg);
	else
		fn(w, n, w, n, arg);
}

/* The folded word in t->cps composed to NFC (so that й and ё are one code
 * point each, as Snowball expects: case folding alone leaves a precomposed
 * letter decomposed), ё read as е, stress marks dropped, into t->buf as
 * UTF-8; *cyr and *latin say which scripts it has. Returns its length.
 * A plain word (vd_text_fold_simple's letters only) is composed already. */
static size_t
compose_word(struct vd_text *t, size_t n, int plain, int *cyr, int *latin)
{
	utf8proc_ssize_t m = (utf8proc_ssize_t)n, j;
	size_t w = 0;

	if (!plain)
		m = utf8proc_normalize_utf32(t->cps, m, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
	*cyr = *latin = 0;
	for (j = 0; j < m; j++) {
		utf8proc_int32_t d = t->cps[j] == 0x0451 ? 0x0435 : t->cps[j]; /* ё */

		if (d == 0x0301)  /* stress marks are not letters */
			continue;
		*cyr |= d >= 0x0400 && d <= 0x04FF;
		*latin |= d < 0x250 && utf8proc_category(d) == UTF8PROC_CATEGORY_LL;
		w += (size_t)utf8proc_encode_char(d, (utf8proc_uint8_t *)t->buf + w);
	}
	return w;
}

size_t
vd_text_words(struct vd_text *t, const char *s, vd_word_fn *fn, void *arg)
{
	utf8proc_int32_t c, f;
	utf8proc_ssize_t k;
	size_t len = strlen(s), i = 0, n = 0, w, count = 0;
	int cyr, latin, simple, plain = 1;

	/* folded text is at most 3 times longer (plus the word separator);
	 * a code point folds into at most 4 */
	if (t->cap < len * 3 + 8) {
		char *p = realloc(t->buf, len * 3 + 8);

		if (!p)
			return 0;
		t->buf = p;
		t->cap = len * 3 + 8;
	}
	if (t->ncap < len * 4 + 4) {
		utf8proc_int32_t *p = realloc(t->cps, sizeof *p * (len * 4 + 4));

		if (!p)
			return 0;
		t->cps = p;
		t->ncap = len * 4 + 4;
	}
	while (i <= len) {
		k = i < len ? next_char(s + i, len - i, &c) : (c = ' ', 1);
		if (k <= 0)
			k = 1, c = ' ';
		i += (size_t)k;
		if ((simple = vd_text_fold_simple(c, &f)) > 0) {
			t->cps[n++] = f;
			continue;
		}
		if (simple < 0 && vd_text_word_char(c)) {
			utf8proc_ssize_t nf;
			int last;

			nf = utf8proc_decompose_char(c, t->cps + n, 4,
			    UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE, &last);
			if (nf > 0 && nf <= 4)
				n += (size_t)nf;
			plain = 0;
			continue;
		}
		if (n > 0 && (w = compose_word(t, n, plain, &cyr, &latin)) > 0) {
			t->buf[w] = 0;
			emit(t, t->buf, w, cyr, latin, fn, arg);
			count++;
		}
		n = 0;
		plain = 1;
	}
	return count;
}

void
vd_text_ngrams(const char *word, size_t wordlen, size_t kmin, size_t kmax,
    vd_gram_fn *fn, void *arg)
{
	size_t starts[130], nc = 0, i, k;
	char buf[520];

	if (wordlen > sizeof buf - 2)
		return;
	buf[0] = '<';
	memcpy(buf + 1, word, wordlen);
	buf[wordlen + 1] = '>';
	for (i = 0; i < wordlen + 2 && nc < 129; i++)
		if (((unsigned char)buf[i] & 0xC0) != 0x80)
			starts[nc++] = i;
	starts[nc] = wordlen + 2;
	for (k = kmin; k <= kmax; k++)
		for (i = 0; i + k <= nc; i++)
			fn(buf + starts[i], starts[i + k] - starts[i], arg);
}
