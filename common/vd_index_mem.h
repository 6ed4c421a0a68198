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

/* Whether ix's searches go through the 4-bit prefilter (its default) or
 * scan every int8 code: for one nearest among a few thousand, the
 * prefilter's 256 candidates a query cost more than they save
 * (vasdom-stats --by topic at 100,000 exchanges: 77 -> 46 s of CPU). */
void vd_index_memory_prefilter(struct vd_index *ix, int on);

#endif
