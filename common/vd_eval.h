/* Periodic evaluation of the answering model (the old service's weekly
 * cron job): the ratings of the last days, a quality class and whether
 * the model needs retraining, kept as a row of model_metrics. */
#ifndef VD_EVAL_H
#define VD_EVAL_H

#include <sqlite3.h>
#include <jansson.h>

#include "vd_config.h"

struct vd_eval {
	char model[128];
	char period_start[32], period_end[32];
	int days;
	long long total, rated, positive, negative;
	double avg_rating;            /* NAN when nothing is rated */
	double user_satisfaction;     /* positive / rated, 0 when none */
	double rating_coverage;       /* rated / total, 0 when none */
	const char *overall_quality;  /* NULL with insufficient data */
	int requires_retraining;
	const char *reason;           /* insufficient_data, avg_rating_below_threshold, NULL */
	int min_rated;
	double threshold;
	long long id;                 /* the model_metrics row, once recorded */
};

/* The model being evaluated: VASDOM_LLM_MODEL when a language model is
 * configured, else "offline". */
const char *vd_eval_model(const struct vd_config *cfg);

/* Evaluate the exchanges of the last days days (cfg->eval_days when 0):
 * with fewer than cfg->eval_min_rated rated, reason is insufficient_data
 * and no class is given; else overall_quality is excellent (avg >= 4.0
 * and satisfaction >= 0.7), good (3.5, 0.6), acceptable (3.0, 0.5), poor
 * (avg >= 2.5) or very_poor, and requires_retraining is avg below
 * cfg->retrain_threshold. */
int vd_eval_run(sqlite3 *db, const struct vd_config *cfg, int days, struct vd_eval *ev);

/* The quality class of an average rating and a satisfaction share. */
const char *vd_eval_quality(double avg, double satisfaction);

/* Store ev as a model_metrics row; ev->id gets its id. */
int vd_eval_record(sqlite3 *db, struct vd_eval *ev);

/* ev as a record: model, period_start, period_end, days, total_interactions,
 * rated, avg_rating, positive_ratings, negative_ratings, user_satisfaction,
 * rating_coverage, overall_quality, requires_retraining, retrain_threshold,
 * min_rated, reason, metrics_id. New reference. */
json_t *vd_eval_json(const struct vd_eval *ev);
extern const char *const vd_eval_columns[];

#endif
