/* Searching an index (vd_index_search.c). */
#ifndef VD_INDEX_SEARCH_H
#define VD_INDEX_SEARCH_H

#include <stddef.h>

#include "vd_index.h"

/* The k nearest to q (unit length) by cosine, best first, skipping
 * exclude and exchanges rated below min_rating; returns how many. */
size_t vd_index_search_rated(struct vd_index *ix, const float *q, size_t k,
    long long exclude, int min_rating, struct vd_hit *hits);
size_t vd_index_search(struct vd_index *ix, const float *q, size_t k,
    long long exclude, struct vd_hit *hits);
/* vd_index_search_rated, handing back too the exact vector each hit was
 * scored with, for a caller that needs them (not to read them again):
 * vecs[i] is hits[i]'s (dim floats), NULL when it was gone from the
 * database (its score then its int8 code's); they stay valid until the
 * next search of ix or its vd_index_free. */
size_t vd_index_search_vectors(struct vd_index *ix, const float *q, size_t k,
    long long exclude, int min_rating, struct vd_hit *hits, const float **vecs);

/* Many queries in one pass over the vectors (a blocked matrix product on
 * every core): hits has nq * k places, found[i] the count for query i. */
int vd_index_search_batch(struct vd_index *ix, const float *qs, size_t nq,
    size_t k, const long long *exclude, int min_rating, struct vd_hit *hits,
    size_t *found);

#endif
