/* Preference pairs for DPO-style training: for each badly rated answer, a
 * well rated answer to the same or a similar question. Questions are
 * compared with the built-in embedder (offline, no service needed). */
#ifndef VD_PAIRS_H
#define VD_PAIRS_H

#include <sqlite3.h>

#include "vd_config.h"

struct vd_pair {
	long long log_id;          /* the badly rated exchange: its question */
	long long chosen_id;       /* the exchange the preferred answer is from */
	double score;              /* similarity of the two questions (1: same) */
	const char *prompt, *chosen, *rejected, *created_at;
};

/* Called with each pair, newest rejected exchange first; the strings are
 * valid during the call. A non-zero return stops and is passed on. */
typedef int vd_pair_fn(const struct vd_pair *p, void *arg);

struct vd_pairs_opts {
	int min_rating;             /* preferred: effective rating at least this */
	double min_score;           /* least similarity between the questions */
	const char *since, *until;  /* of the rejected exchange; NULL: open */
	int dedup;                  /* one pair per rejected question and answer */
};

/* The rejected side is an exchange rated 1 or 2: its answer, or, when it
 * was corrected, its original answer with the correction preferred. An
 * uncorrected one is paired with the best-scoring well rated exchange
 * (rating >= min_rating, a correction counting as 5) whose question
 * scores at least min_score and whose answer differs; none: no pair.
 * Vectors of rated exchanges are brought up to date first. */
int vd_pairs_each(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_pairs_opts *o, vd_pair_fn *fn, void *arg);

#endif
