/* How crowded a neighbour's surroundings are among the other neighbours
 * of the same question: the mean cosine of its vector with the
 * VD_CROWDING_K nearest of the others. A neighbour near many of the
 * others is near the question partly because it is near everything
 * around it (a generic phrasing, the manner users ask in), not because it
 * is the question's own topic; the ranking counts that against it
 * (vd_rank.h, README "Ranking and safe learning"). */
#ifndef VD_CROWDING_H
#define VD_CROWDING_H

#include <stddef.h>

#include "vd_answer.h"
#include "vd_index.h"

#define VD_CROWDING_K 5

/* Set sim[i].crowding for the n neighbours of an answer (the first
 * VD_SIMILAR_MAX looked at), their vectors read from ix; a neighbour
 * whose vector is not there (or with no other neighbour) gets 0.
 * VD_ENOMEM when out of memory (every crowding then 0). */
int vd_crowding(struct vd_index *ix, struct vd_similar *sim, size_t n);

#endif
