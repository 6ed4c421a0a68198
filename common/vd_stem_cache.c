#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vd_hash.h"
#include "vd_stem_cache.h"

/* 1024 slots of 16 bytes (each fresh page costs a short process a fault),
 * at most half of them used; words of up to 64 bytes, each with its stem
 * in an arena whose pages are touched only as it fills. A full cache
 * still stems, without remembering: a long run (vasdom-embed) keeps the
 * first 512 words it met, which the most common soon are. */
#define SLOTS 1024
#define WORD_MAX 64
#define ARENA (SLOTS / 2 * 2 * WORD_MAX)

struct slot {
	uint64_t hash;          /* 0: empty */
	uint32_t off;           /* the word's bytes in arena, then its stem's */
	uint8_t wlen, slen;
};

struct vd_stem_cache {
	struct slot slot[SLOTS];
	size_t used, alen;
	char *arena;            /* ARENA bytes: room for every slot used */
};

struct vd_stem_cache *
vd_stem_cache_new(void)
{
	struct vd_stem_cache *c = calloc(1, sizeof *c);

	if (c && !(c->arena = malloc(ARENA))) {
		free(c);
		return NULL;
	}
	return c;
}

void
vd_stem_cache_free(struct vd_stem_cache *c)
{
	if (!c)
		return;
	free(c->arena);
	free(c);
}

const char *
vd_stem_cache_get(struct vd_stem_cache *c, struct sb_stemmer *st,
    const char *w, size_t n, size_t *len)
{
	uint64_t h = vd_fnv1a(VD_FNV_OFFSET, w, n) | 1;
	const sb_symbol *stem;
	struct slot *s = NULL;
	size_t i;

	if (n <= WORD_MAX)
		for (i = h & (SLOTS - 1); (s = &c->slot[i])->hash; i = (i + 1) & (SLOTS - 1))
			if (s->hash == h && s->wlen == n && memcmp(c->arena + s->off, w, n) == 0) {
				*len = s->slen;
				return c->arena + s->off + n;
			}
	if (!(stem = sb_stemmer_stem(st, (const sb_symbol *)w, (int)n)))
		return NULL;
	*len = (size_t)sb_stemmer_length(st);
	if (n <= WORD_MAX && *len <= WORD_MAX && c->used < SLOTS / 2) {
		s->hash = h;
		s->off = (uint32_t)c->alen;
		s->wlen = (uint8_t)n;
		s->slen = (uint8_t)*len;
		memcpy(c->arena + c->alen, w, n);
		memcpy(c->arena + c->alen + n, stem, *len);
		c->alen += n + *len;
		c->used++;
	}
	return (const char *)stem;
}
