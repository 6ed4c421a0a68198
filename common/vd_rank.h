/* Re-ranking of the neighbours that vector search found for a question.
 * The hashed vectors find the right answer among the first 30 neighbours
 * for about 9 questions in 10 but order them poorly: each neighbour is
 * scored again with exact lexical evidence (no hashing, so no feature
 * shares another's weight), weighed by how rare each feature is among
 * these neighbours, and an exchange learned from people's ratings is
 * discounted against the curated ones (see vd_rank.c and README). */
#ifndef VD_RANK_H
#define VD_RANK_H

#include <stddef.h>

#include "vd_answer.h"

struct vd_ranker;

/* A ranker with its tokenizer; VD_ENOMEM when out of memory. */
int vd_ranker_new(struct vd_ranker **out);
void vd_ranker_free(struct vd_ranker *r);

/* Set sim[i].rank, for the n neighbours of query, to the score their
 * votes are weighed by: the vector score plus the lexical evidence, less
 * the learned exchanges' discount. Cost: linear in the neighbours' text,
 * nothing read from the database. VD_ENOMEM when out of memory (then
 * every rank is the vector score). */
int vd_ranker_rank(struct vd_ranker *r, const char *query, struct vd_similar *sim, size_t n);

#endif
