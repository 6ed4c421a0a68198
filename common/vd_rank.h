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
 * the learned exchanges' discount and each one's sim[i].crowding (set
 * before, vd_crowding.h). Cost: linear in the neighbours' text, nothing
 * read from the database. VD_ENOMEM when out of memory (then
 * every rank is the vector score). */
int vd_ranker_rank(struct vd_ranker *r, const char *query, struct vd_similar *sim, size_t n);

/* The words of n questions (every word's stem, function words too), each
 * weighed by how rare it is among these n, as a learned exchange's
 * question is compared with the new one (question_cosine): the manner
 * every question shares weighs nothing, the topic's words are left. For
 * comparing any two of them (vasdom-review's gap clusters). r's tokenizer
 * is used; free with vd_question_words_free. VD_ENOMEM when out of
 * memory. */
struct vd_question_words;
int vd_question_words_new(struct vd_ranker *r, const char *const *texts, size_t n,
    struct vd_question_words **out);
void vd_question_words_free(struct vd_question_words *w);

/* The cosine of the words of questions i and j, 0 to 1. */
double vd_question_words_cosine(const struct vd_question_words *w, size_t i, size_t j);

#endif
