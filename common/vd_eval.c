#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_eval.h"

const char *const vd_eval_columns[] = {
	"model", "period_start", "period_end", "days", "total_interactions", "rated",
	"avg_rating", "positive_ratings", "negative_ratings", "user_satisfaction",
	"rating_coverage", "overall_quality", "requires_retraining",
	"retrain_threshold", "min_rated", "reason", "metrics_id", NULL
};

const char *
vd_eval_model(const struct vd_config *cfg)
{
	return cfg->llm_url ? cfg->llm_model : "offline";
}

const char *
vd_eval_quality(double avg, double sat)
{
	if (avg >= 4.0 && sat >= 0.7)
		return "excellent";
	if (avg >= 3.5 && sat >= 0.6)
		return "good";
	if (avg >= 3.0 && sat >= 0.5)
		return "acceptable";
	if (avg >= 2.5)
		return "poor";
	return "very_poor";
}

int
vd_eval_run(sqlite3 *db, const struct vd_config *cfg, int days, struct vd_eval *ev)
{
	sqlite3_stmt *st;
	struct timespec now;
	unsigned ms;

	memset(ev, 0, sizeof *ev);
	ev->days = days > 0 ? days : cfg->eval_days;
	ev->min_rated = cfg->eval_min_rated;
	ev->threshold = cfg->retrain_threshold;
	snprintf(ev->model, sizeof ev->model, "%s", vd_eval_model(cfg));
	/* one reading of the clock for both ends: two could fall on either
	 * side of a second, and the period be a second short */
	clock_gettime(CLOCK_REALTIME, &now);
	ms = (unsigned)(now.tv_nsec / 1000000) % 1000u;
	vd_date_format(now.tv_sec, ev->period_end);
	vd_date_format(now.tv_sec - (time_t)ev->days * 86400, ev->period_start);
	snprintf(ev->period_end + 20, 5, "%03uZ", ms);
	snprintf(ev->period_start + 20, 5, "%03uZ", ms);
	if (vd_db_prepare(db, "SELECT count(*), count(rating), avg(rating),"
	    " sum(rating >= 4), sum(rating <= 2) FROM exchanges"
	    " WHERE created_at >= ? AND created_at <= ?", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, ev->period_start, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->period_end, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		int rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));

		sqlite3_finalize(st);
		return rc;
	}
	ev->total = sqlite3_column_int64(st, 0);
	ev->rated = sqlite3_column_int64(st, 1);
	ev->avg_rating = ev->rated ? sqlite3_column_double(st, 2) : NAN;
	ev->positive = sqlite3_column_int64(st, 3);
	ev->negative = sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	ev->user_satisfaction = ev->rated ? (double)ev->positive / (double)ev->rated : 0;
	ev->rating_coverage = ev->total ? (double)ev->rated / (double)ev->total : 0;
	if (ev->rated < ev->min_rated) {
		ev->reason = "insufficient_data";
		return VD_OK;
	}
	ev->overall_quality = vd_eval_quality(ev->avg_rating, ev->user_satisfaction);
	if (ev->avg_rating < ev->threshold) {
		ev->requires_retraining = 1;
		ev->reason = "avg_rating_below_threshold";
	}
	return VD_OK;
}

int
vd_eval_record(sqlite3 *db, struct vd_eval *ev)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	if (vd_db_prepare(db, "INSERT INTO model_metrics (model, period_start, period_end,"
	    " total_interactions, rated, avg_rating, positive_ratings, negative_ratings,"
	    " user_satisfaction, rating_coverage, overall_quality, requires_retraining,"
	    " reason, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, ev->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->period_start, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ev->period_end, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, ev->total);
	sqlite3_bind_int64(st, 5, ev->rated);
	if (ev->rated)
		sqlite3_bind_double(st, 6, ev->avg_rating);
	sqlite3_bind_int64(st, 7, ev->positive);
	sqlite3_bind_int64(st, 8, ev->negative);
	sqlite3_bind_double(st, 9, ev->user_satisfaction);
	sqlite3_bind_double(st, 10, ev->rating_coverage);
	vd_db_bind_text(st, 11, ev->overall_quality);
	sqlite3_bind_int(st, 12, ev->requires_retraining);
	vd_db_bind_text(st, 13, ev->reason);
	sqlite3_bind_text(st, 14, vd_now_iso(now), -1, SQLITE_STATIC);
	rc = vd_db_step_done(db, st);
	if (rc == VD_OK)
		ev->id = sqlite3_last_insert_rowid(db);
	return rc;
}

static json_t *
opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
vd_eval_json(const struct vd_eval *ev)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:o, s:I, s:I, s:f, s:f, s:o,"
	    " s:b, s:f, s:i, s:o, s:o}",
	    "model", ev->model, "period_start", ev->period_start,
	    "period_end", ev->period_end, "days", ev->days,
	    "total_interactions", (json_int_t)ev->total, "rated", (json_int_t)ev->rated,
	    "avg_rating", ev->rated ? json_real(ev->avg_rating) : json_null(),
	    "positive_ratings", (json_int_t)ev->positive,
	    "negative_ratings", (json_int_t)ev->negative,
	    "user_satisfaction", ev->user_satisfaction,
	    "rating_coverage", ev->rating_coverage,
	    "overall_quality", opt_string(ev->overall_quality),
	    "requires_retraining", ev->requires_retraining,
	    "retrain_threshold", ev->threshold, "min_rated", ev->min_rated,
	    "reason", opt_string(ev->reason),
	    "metrics_id", ev->id ? json_integer(ev->id) : json_null());
}
