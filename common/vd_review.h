/* vasdom-review: where to teach next. Each mode reads the exchanges it
 * needs, compares their questions by meaning (the current embedder's
 * vectors of the questions alone: see vd_review_set_load) and hands one
 * JSON record at a time to a callback. Nothing here writes to the
 * database. */
#ifndef VD_REVIEW_H
#define VD_REVIEW_H

#include <stddef.h>
#include <sqlite3.h>
#include <jansson.h>

#include "vd_config.h"

/* Measured on rutube-faq (README, scripts/eval-review.py): cosine of the
 * question vectors at which two questions are one gap, one queue topic,
 * or near-identical for --conflicts. Gaps: every two members of a cluster
 * at least this alike (vectors of the question with the answer given),
 * and linked relative to their own nearest (vd_review_gaps.c); over
 * seeds 0-3 and three held-back thirds (a prototype of it) 0.2 and 0.3
 * measured the same (recall 0.703 and 0.702, purity 0.694 and 0.695),
 * 0.35 and 0.4 lost recall (0.673 and 0.598). */
#define VD_REVIEW_GAP_SIMILARITY 0.3
/* vasdom-stats --by topic: an exchange counts for the gap cluster whose
 * centre's question vector is the nearest to its own and this alike. */
#define VD_REVIEW_CENTRE_SIMILARITY 0.4
#define VD_REVIEW_QUEUE_SIMILARITY 0.5
#define VD_REVIEW_CONFLICT_SIMILARITY 0.9
/* Cosine of two endorsed answers below which they say different things:
 * the 95th percentile of the similarity of answers to different
 * questions of the rutube knowledge base (0.476-0.511 over the built-in
 * embedder's hash seeds 0-3). A pair above it is one answer reworded or
 * extended, not a conflict. */
#define VD_REVIEW_ANSWER_SIMILARITY 0.5

struct vd_review_opts {
	const char *since;          /* ISO date: only exchanges created at or after it; NULL: all */
	double similarity;          /* < 0: the mode's default above */
	long limit;                 /* --queue: lines at most (0: all) */
	int drafts;                 /* --gaps: only the draft lines */
	int summary;                /* --replay: only the summary */
	const char *rules_path;     /* NULL: cfg's */
};

/* Called with each record (the callback does not keep it); a non-zero
 * return stops the mode and is returned. */
typedef int vd_review_fn(json_t *rec, void *arg);

/* Groups of near-identical questions whose endorsed answers differ. */
int vd_review_conflicts(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_review_opts *o, vd_review_fn *fn, void *arg);

/* Gap clusters, largest first (or their drafts: vasdom-ask --record input). */
int vd_review_gaps(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_review_opts *o, vd_review_fn *fn, void *arg);

/* Unrated exchanges ranked by how much a rating would teach. */
int vd_review_queue(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_review_opts *o, vd_review_fn *fn, void *arg);

/* Every endorsed exchange answered again, itself and its session left
 * out; one record each, then the summary record (kind "summary"). Sets
 * the connection query-only first: nothing can be written. */
int vd_review_replay(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_review_opts *o, vd_review_fn *fn, void *arg);

/* Figures per intent topic (the rule the question matches; null: none)
 * and per gap cluster of two or more (the exchanges whose question is
 * alike to the cluster's centre, answered well or not): kind, topic,
 * cluster, total_interactions, rated, avg_rating, positive_ratings,
 * negative_ratings, handovers (default or hand-over answers),
 * handover_share. For vasdom-stats --by topic. */
int vd_review_topics(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_review_opts *o, vd_review_fn *fn, void *arg);
extern const char *const vd_review_topic_columns[];

#endif
