/* Learning statistics over the exchanges: the old service's figures
 * (/api/learning/stats), coverage, answers by source, the distribution of
 * ratings, and the same counts per day or week. Positive means rated 4 or
 * 5, negative 1 or 2 (3 is neither), as in the old service; the stored
 * rating is counted, a correction does not change it here. */
#ifndef VD_STATS_H
#define VD_STATS_H

#include <sqlite3.h>
#include <jansson.h>

#define VD_NSOURCES 5

/* llm, experience, intent, default, record: the order of by_source. */
extern const char *const vd_sources[VD_NSOURCES];

struct vd_counts {
	long long total, rated, positive, negative, model_errors;
	long long prompt_tokens, completion_tokens;  /* the models' counts, summed */
	double rating_sum;
	long long by_source[VD_NSOURCES];
	long long by_rating[5];      /* [0] is rating 1 */
};

struct vd_stats {
	struct vd_counts c;
	long long recent, recent_positive;   /* the last 24 hours */
	long long embedded;                  /* with a vector of embed_model */
	char embed_model[128];
	char last_update[32];                /* "" when nothing was learned yet */
	double last_update_epoch;
	/* {model: {prompt_tokens, completion_tokens}} of the language models
	 * that counted tokens, by name; freed by vd_stats_clear */
	json_t *tokens_by_model;
};

/* Counts of the exchanges created at or after since (NULL: all), the
 * embedding coverage for embed_model. VD_EDB on a database error. */
int vd_stats_collect(sqlite3 *db, const char *embed_model, const char *since,
    struct vd_stats *out);
void vd_stats_clear(struct vd_stats *s);

/* The figures as one flat record (the same keys in JSON and CSV):
 * total_interactions, rated, avg_rating (null when no ratings),
 * positive_ratings, negative_ratings, improvement_rate, rating_coverage,
 * embedded, embedding_coverage, embedding_model, last_learning_update,
 * answers_<source>, rating_1..rating_5, model_errors, prompt_tokens,
 * completion_tokens, tokens_by_model. New reference. */
json_t *vd_stats_json(const struct vd_stats *s);
extern const char *const vd_stats_columns[];

/* One record per day (YYYY-MM-DD) or week (the Monday, YYYY-MM-DD, weeks
 * in UTC), oldest first, periods without exchanges left out: fn gets
 * period and counts; a non-zero return stops and is passed on. */
typedef int vd_series_fn(const char *period, const struct vd_counts *c, void *arg);
int vd_stats_series(sqlite3 *db, int weekly, const char *since, vd_series_fn *fn,
    void *arg);

/* A period's counts as a record: period, total_interactions, rated,
 * avg_rating, positive_ratings, negative_ratings, rating_coverage,
 * answers_<source>, rating_1..rating_5, model_errors, prompt_tokens,
 * completion_tokens. New reference. */
json_t *vd_counts_json(const char *period, const struct vd_counts *c);
extern const char *const vd_series_columns[];

#endif
