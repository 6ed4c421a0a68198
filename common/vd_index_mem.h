/* An index over vectors a tool made itself (vd_index_mem.c), searched
 * like the database's (vd_index_search.h). */
#ifndef VD_INDEX_MEM_H
#define VD_INDEX_MEM_H

#include <stddef.h>

#include "vd_index.h"

/* An index over n vectors in memory (unit length, dim each, ids
 * ascending), not the database's: for vectors a tool makes for itself.
 * ratings (NULL: every one 0) are what min_rating filters on. The vectors
 * and ids are copied. Free with vd_index_free. */
int vd_index_memory(const long long *ids, const signed char *ratings,
    const float *vecs, size_t n, int dim, struct vd_index **out);

/* How many candidates a query ix's 4-bit prefilter keeps for the int8
 * scan: -1 the default (256, as the database's index), 0 none (every int8
 * code scanned), else that many (at least k). For a few nearest, 256
 * candidates a query cost more than they save: vasdom-review keeps 32
 * for one nearest and 64 for 16 (vasdom-stats --by topic at 100,000
 * exchanges: 58 -> 27-30 s of CPU under load, the same output). */
void vd_index_memory_prefilter(struct vd_index *ix, long candidates);

#endif
