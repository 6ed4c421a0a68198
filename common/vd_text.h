/* Text rules shared by every comparison of questions: UTF-8 checks,
 * normalisation (Unicode case folding, ё → е) and words reduced to their
 * stems (Snowball Russian for Cyrillic words, English for Latin ones), so
 * that "уборки", "уборку" and "уборка" are one word. */
#ifndef VD_TEXT_H
#define VD_TEXT_H

#include <stddef.h>
#include <stdint.h>

int vd_utf8_valid(const char *s, size_t n);

/* Number of code points of valid UTF-8. */
size_t vd_utf8_len(const char *s, size_t n);

/* Trim ASCII and Unicode spaces at both ends: returns the start, *n the
 * new length. */
const char *vd_text_trim(const char *s, size_t *n);

struct vd_text;

/* A tokenizer with its stemmers; NULL when out of memory. */
struct vd_text *vd_text_new(void);
void vd_text_free(struct vd_text *t);

/* Split s into normalised words and call fn with each word's stem (and the
 * unstemmed folded word); strings are valid only during the call. Returns
 * the number of words. */
typedef void vd_word_fn(const char *stem, size_t stemlen, const char *word,
    size_t wordlen, void *arg);
size_t vd_text_words(struct vd_text *t, const char *s, vd_word_fn *fn, void *arg);

/* Is c part of a word: a letter, a digit or a mark over a letter. */
int vd_text_word_char(int32_t c);

/* The case folding of c when it is an ASCII letter or digit or a Cyrillic
 * letter А-я but Й and й (1, the folded code point in *f), another ASCII
 * character (0: not part of a word), or something else (-1): what
 * vd_text_words answers without utf8proc's tables. */
int vd_text_fold_simple(int32_t c, int32_t *f);

/* Call fn with each character kmin- to kmax-gram of the folded word with
 * boundary marks ("<ab>": "<a", "ab", "b>", "<ab", "ab>"); words longer
 * than 518 bytes have none. */
typedef void vd_gram_fn(const char *gram, size_t n, void *arg);
void vd_text_ngrams(const char *word, size_t wordlen, size_t kmin, size_t kmax,
    vd_gram_fn *fn, void *arg);

#endif
