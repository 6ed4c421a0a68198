/* The stems a tokenizer has computed, by word: the texts compared for one
 * question share most of their words, and Snowball costs a few thousand
 * instructions a word where a look-up costs a hash of its bytes. */
#ifndef VD_STEM_CACHE_H
#define VD_STEM_CACHE_H

#include <stddef.h>

#include <libstemmer.h>

struct vd_stem_cache;

/* NULL when out of memory. */
struct vd_stem_cache *vd_stem_cache_new(void);
void vd_stem_cache_free(struct vd_stem_cache *c);

/* The stem of the n bytes at w by st (always the same stemmer for the
 * same word) and its length in *len: remembered, or computed and
 * remembered while there is room. Valid until the next call. NULL when
 * the stemmer fails (out of memory). */
const char *vd_stem_cache_get(struct vd_stem_cache *c, struct sb_stemmer *st,
    const char *w, size_t n, size_t *len);

#endif
