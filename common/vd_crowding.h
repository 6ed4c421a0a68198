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

#define VD_CROWDING_K 5

/* Set sim[i].crowding for the n neighbours of an answer (the first
 * VD_SIMILAR_MAX looked at) from their exact vectors vec[i] (dim each, as
 * the search scored them); a neighbour whose vector is NULL (or with no
 * other neighbour) gets 0. */
void vd_crowding(struct vd_similar *sim, const float *const *vec, size_t n, int dim);

#endif
