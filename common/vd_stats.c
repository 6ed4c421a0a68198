#include <stdio.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_stats.h"

const char *const vd_sources[VD_NSOURCES] = {
	"llm", "experience", "intent", "default", "record"
};

const char *const vd_stats_columns[] = {
	"total_interactions", "rated", "avg_rating", "positive_ratings",
	"negative_ratings", "improvement_rate", "rating_coverage", "embedded",
	"embedding_coverage", "embedding_model", "last_learning_update",
	"answers_llm", "answers_experience", "answers_intent", "answers_default",
	"answers_record", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5",
	"model_errors", "prompt_tokens", "completion_tokens", "tokens_by_model", NULL
};

const char *const vd_series_columns[] = {
	"period", "total_interactions", "rated", "avg_rating", "positive_ratings",
	"negative_ratings", "rating_coverage",
	"answers_llm", "answers_experience", "answers_intent", "answers_default",
	"answers_record", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5",
	"model_errors", "prompt_tokens", "completion_tokens", NULL
};

/* The counted columns, in the order read_counts takes them. */
#define COUNTS_SQL \
	"count(*), count(rating), total(rating), sum(rating >= 4), sum(rating <= 2)," \
	" sum(model_error IS NOT NULL)," \
	" sum(source = 'llm'), sum(source = 'experience'), sum(source = 'intent')," \
	" sum(source = 'default'), sum(source = 'record')," \
	" sum(rating = 1), sum(rating = 2), sum(rating = 3), sum(rating = 4), sum(rating = 5)," \
	" coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0)"

static void
read_counts(sqlite3_stmt *st, int col, struct vd_counts *c)
{
	int i;

	c->total = sqlite3_column_int64(st, col++);
	c->rated = sqlite3_column_int64(st, col++);
	c->rating_sum = sqlite3_column_double(st, col++);
	c->positive = sqlite3_column_int64(st, col++);
	c->negative = sqlite3_column_int64(st, col++);
	c->model_errors = sqlite3_column_int64(st, col++);
	for (i = 0; i < VD_NSOURCES; i++)
		c->by_source[i] = sqlite3_column_int64(st, col++);
	for (i = 0; i < 5; i++)
		c->by_rating[i] = sqlite3_column_int64(st, col++);
	c->prompt_tokens = sqlite3_column_int64(st, col++);
	c->completion_tokens = sqlite3_column_int64(st, col++);
}

static int
db_fail(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));

	sqlite3_finalize(st);
	return rc;
}

/* The token counts by language model; only the model's answers have
 * them, so none to read without one. */
static int
tokens_by_model(sqlite3 *db, const char *since, struct vd_stats *s)
{
	sqlite3_stmt *st;
	int rc;

	if (!(s->tokens_by_model = json_object()))
		return vd_error(VD_ENOMEM, "out of memory");
	if (!s->c.by_source[0] && !s->c.prompt_tokens && !s->c.completion_tokens)
		return VD_OK;
	if (vd_db_prepare(db, "SELECT model_used, coalesce(sum(prompt_tokens), 0),"
	    " coalesce(sum(completion_tokens), 0) FROM exchanges WHERE created_at >= ?"
	    " AND (prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL)"
	    " AND model_used IS NOT NULL GROUP BY model_used ORDER BY model_used", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(s->tokens_by_model, (const char *)sqlite3_column_text(st, 0),
		    json_pack("{s:I, s:I}", "prompt_tokens", (json_int_t)sqlite3_column_int64(st, 1),
		    "completion_tokens", (json_int_t)sqlite3_column_int64(st, 2)));
	if (rc != SQLITE_DONE)
		return db_fail(db, st);
	sqlite3_finalize(st);
	return VD_OK;
}

void
vd_stats_clear(struct vd_stats *s)
{
	json_decref(s->tokens_by_model);
	s->tokens_by_model = NULL;
}

int
vd_stats_collect(sqlite3 *db, const char *embed_model, const char *since,
    struct vd_stats *s)
{
	sqlite3_stmt *st;
	const char *t;

	memset(s, 0, sizeof *s);
	snprintf(s->embed_model, sizeof s->embed_model, "%s", embed_model);
	if (!since)
		since = "";
	if (vd_db_prepare(db, "SELECT " COUNTS_SQL " FROM exchanges WHERE created_at >= ?", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(db, st);
	read_counts(st, 0, &s->c);
	sqlite3_finalize(st);
	if (tokens_by_model(db, since, s))
		return VD_EDB;

	/* the old service's improvement rate: the last 24 hours, whatever since */
	if (vd_db_prepare(db, "SELECT count(*), sum(rating >= 4) FROM exchanges"
	    " WHERE created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')", &st))
		return VD_EDB;
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(db, st);
	s->recent = sqlite3_column_int64(st, 0);
	s->recent_positive = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);

	if (vd_db_prepare(db, "SELECT count(*) FROM embeddings v JOIN exchanges x"
	    " ON x.log_id = v.log_id WHERE v.model = ? AND x.created_at >= ?", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, embed_model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, since, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(db, st);
	s->embedded = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);

	/* learning is a rating given, a vector stored or a model refitted */
	if (vd_db_prepare(db, "SELECT t, CAST(strftime('%s', t) AS REAL)"
	    " + CAST(substr(t, 21, 3) AS REAL) / 1000 FROM (SELECT max(t) AS t FROM ("
	    " SELECT max(created_at) AS t FROM ratings"
	    " UNION ALL SELECT max(created_at) FROM embeddings"
	    " UNION ALL SELECT max(updated_at) FROM embedding_models))", &st))
		return VD_EDB;
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(db, st);
	if ((t = (const char *)sqlite3_column_text(st, 0))) {
		snprintf(s->last_update, sizeof s->last_update, "%s", t);
		s->last_update_epoch = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	return VD_OK;
}

static double
ratio(long long a, long long b)
{
	return b ? (double)a / (double)b : 0;
}

/* The keys every record shares, added to obj. */
static void
put_counts(json_t *o, const struct vd_counts *c)
{
	char key[32];
	int i;

	json_object_set_new(o, "total_interactions", json_integer(c->total));
	json_object_set_new(o, "rated", json_integer(c->rated));
	json_object_set_new(o, "avg_rating",
	    c->rated ? json_real(c->rating_sum / (double)c->rated) : json_null());
	json_object_set_new(o, "positive_ratings", json_integer(c->positive));
	json_object_set_new(o, "negative_ratings", json_integer(c->negative));
	json_object_set_new(o, "rating_coverage", json_real(ratio(c->rated, c->total)));
	for (i = 0; i < VD_NSOURCES; i++) {
		snprintf(key, sizeof key, "answers_%s", vd_sources[i]);
		json_object_set_new(o, key, json_integer(c->by_source[i]));
	}
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "rating_%d", i + 1);
		json_object_set_new(o, key, json_integer(c->by_rating[i]));
	}
	json_object_set_new(o, "model_errors", json_integer(c->model_errors));
	json_object_set_new(o, "prompt_tokens", json_integer(c->prompt_tokens));
	json_object_set_new(o, "completion_tokens", json_integer(c->completion_tokens));
}

json_t *
vd_stats_json(const struct vd_stats *s)
{
	json_t *o = json_object(), *all = json_object();
	const char *const *k;

	if (!o || !all) {
		json_decref(o);
		json_decref(all);
		return NULL;
	}
	put_counts(all, &s->c);
	json_object_set_new(all, "improvement_rate",
	    json_real(ratio(s->recent_positive, s->recent)));
	json_object_set_new(all, "embedded", json_integer(s->embedded));
	json_object_set_new(all, "embedding_coverage", json_real(ratio(s->embedded, s->c.total)));
	json_object_set_new(all, "embedding_model", json_string(s->embed_model));
	json_object_set_new(all, "last_learning_update",
	    *s->last_update ? json_string(s->last_update) : json_null());
	if (s->tokens_by_model)
		json_object_set(all, "tokens_by_model", s->tokens_by_model);
	else
		json_object_set_new(all, "tokens_by_model", json_object());
	/* the old service's fields first, as the columns list them */
	for (k = vd_stats_columns; *k; k++)
		json_object_set(o, *k, json_object_get(all, *k));
	json_decref(all);
	return o;
}

json_t *
vd_counts_json(const char *period, const struct vd_counts *c)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "period", json_string(period));
	put_counts(o, c);
	return o;
}

int
vd_stats_series(sqlite3 *db, int weekly, const char *since, vd_series_fn *fn,
    void *arg)
{
	char sql[1024];
	sqlite3_stmt *st;
	int rc;

	/* 'weekday 0' goes forward to Sunday (or stays), -6 days is its Monday */
	snprintf(sql, sizeof sql, "SELECT %s AS period, " COUNTS_SQL
	    " FROM exchanges WHERE created_at >= ? GROUP BY period ORDER BY period",
	    weekly ? "date(created_at, 'weekday 0', '-6 days')" : "substr(created_at, 1, 10)");
	if (vd_db_prepare(db, sql, &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, since ? since : "", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vd_counts c;

		read_counts(st, 1, &c);
		if ((rc = fn((const char *)sqlite3_column_text(st, 0), &c, arg))) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	if (rc != SQLITE_DONE)
		return db_fail(db, st);
	sqlite3_finalize(st);
	return VD_OK;
}
