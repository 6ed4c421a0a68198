#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_index_mem.h"
#include "vd_index_search.h"
#include "vd_review_set.h"
#include "vd_rules.h"

/* ?1 since (NULL: all), ?2 the least confidence, ?3 the training threshold */
#define GAP "(source = 'default' OR handover = 1 OR rating <= 2 OR" \
	    " (source <> 'record' AND confidence < ?2))"
static const char *const where[] = {
	[VD_REVIEW_GAPS] = GAP,
	[VD_REVIEW_GAP_CANDIDATES] = "(" GAP " OR (rating IS NULL AND correction IS NULL"
	    " AND source IN ('experience', 'llm')))",
	[VD_REVIEW_ENDORSED] = "(rating >= ?3 OR correction IS NOT NULL)",
	[VD_REVIEW_UNRATED] = "rating IS NULL",
	[VD_REVIEW_ALL] = "1",
};

static char *
dup_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? strdup(s) : NULL;
}

static void
item_free(struct vd_review_item *it)
{
	free(it->session_id);
	free(it->message);
	free(it->response);
	free(it->correction);
	free(it->source);
	free(it->model_used);
	free(it->created_at);
}

void
vd_review_set_free(struct vd_review_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		item_free(&s->items[i]);
	free(s->items);
	free(s->vecs);
	vd_index_free(s->ix);
	memset(s, 0, sizeof *s);
}

const char *
vd_review_answer(const struct vd_review_item *it)
{
	return it->correction ? it->correction : it->response ? it->response : "";
}

static int
read_items(sqlite3 *db, const struct vd_config *cfg, enum vd_review_kind kind,
    const char *since, struct vd_review_set *s)
{
	char sql[1024];
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	snprintf(sql, sizeof sql, "SELECT log_id, session_id, message, response, correction,"
	    " source, model_used, created_at, coalesce(rating, 0), coalesce(confidence, -1),"
	    " handover, coalesce(" GAP ", 0) FROM exchanges WHERE %s AND (?1 IS NULL OR created_at >= ?1)"
	    " ORDER BY log_id", where[kind]);
	if (vd_db_prepare(db, sql, &st))
		return VD_EDB;
	vd_db_bind_text(st, 1, since);
	sqlite3_bind_double(st, 2, cfg->min_confidence);
	sqlite3_bind_int(st, 3, cfg->min_rating);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vd_review_item *it;

		if (s->n == cap) {
			void *p = realloc(s->items, sizeof *s->items * (cap = cap ? cap * 2 : 256));

			if (!p) {
				sqlite3_finalize(st);
				return vd_error(VD_ENOMEM, "out of memory");
			}
			s->items = p;
		}
		it = &s->items[s->n++];
		memset(it, 0, sizeof *it);
		it->log_id = sqlite3_column_int64(st, 0);
		it->session_id = dup_col(st, 1);
		it->message = dup_col(st, 2);
		it->response = dup_col(st, 3);
		it->correction = dup_col(st, 4);
		it->source = dup_col(st, 5);
		it->model_used = dup_col(st, 6);
		it->created_at = dup_col(st, 7);
		it->rating = sqlite3_column_int(st, 8);
		it->confidence = sqlite3_column_double(st, 9);
		it->handover = sqlite3_column_int(st, 10);
		it->gap = sqlite3_column_int(st, 11);
		if (!it->session_id || !it->message || !it->response || !it->source ||
		    !it->created_at || (sqlite3_column_type(st, 4) != SQLITE_NULL && !it->correction)) {
			sqlite3_finalize(st);
			return vd_error(VD_ENOMEM, "out of memory");
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? VD_OK : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
}

/* A remote model's stored vectors; items without one are dropped. */
static int
stored_vectors(sqlite3 *db, struct vd_embedder *emb, struct vd_review_set *s)
{
	sqlite3_stmt *st;
	size_t i, kept = 0;
	int dim = 0;

	if (vd_db_prepare(db, "SELECT dim, vector FROM embeddings WHERE model = ? AND log_id = ?", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, vd_embedder_model(emb), -1, SQLITE_STATIC);
	for (i = 0; i < s->n; i++) {
		int ok = 0;

		sqlite3_bind_int64(st, 2, s->items[i].log_id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			int d = sqlite3_column_int(st, 0);

			if (!dim && d > 0 && d <= VD_EMBED_MAX_DIM &&
			    !(s->vecs = malloc(sizeof(float) * s->n * (size_t)d))) {
				sqlite3_finalize(st);
				return vd_error(VD_ENOMEM, "out of memory");
			}
			if (!dim)
				dim = d;
			ok = d == dim && sqlite3_column_bytes(st, 1) == (int)(sizeof(float) * (size_t)d);
			if (ok)
				memcpy(s->vecs + kept * (size_t)dim, sqlite3_column_blob(st, 1),
				    sizeof(float) * (size_t)dim);
		}
		sqlite3_reset(st);
		if (ok)
			s->items[kept++] = s->items[i];
		else
			item_free(&s->items[i]);
	}
	sqlite3_finalize(st);
	s->missing = s->n - kept;
	s->n = kept;
	s->dim = dim ? dim : 1;
	return VD_OK;
}

static int
made_vectors(struct vd_embedder *emb, struct vd_review_set *s, int with_answers)
{
	const char **texts = malloc(sizeof *texts * (s->n ? s->n : 1));
	size_t i;
	int rc;

	s->dim = vd_embedder_dim(emb);
	s->vecs = malloc(sizeof(float) * (s->n ? s->n : 1) * (size_t)s->dim);
	if (!texts || !s->vecs) {
		free(texts);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	for (i = 0; i < s->n; i++)
		texts[i] = s->items[i].message;
	if (with_answers) {
		const char **ans = malloc(sizeof *ans * (s->n ? s->n : 1));

		if (!ans) {
			free(texts);
			return vd_error(VD_ENOMEM, "out of memory");
		}
		for (i = 0; i < s->n; i++)
			ans[i] = s->items[i].response;
		rc = vd_embedder_embed_exchanges(emb, texts, ans, s->n, s->vecs);
		free(ans);
	} else
		rc = vd_embedder_embed(emb, texts, s->n, s->vecs);
	free(texts);
	return rc;
}

/* The index over s's vectors; its ratings: the effective rating. */
static int
make_index(struct vd_review_set *s)
{
	signed char *ratings;
	long long *ids;
	size_t i;
	int rc;

	ids = malloc(sizeof *ids * (s->n ? s->n : 1));
	ratings = malloc(s->n ? s->n : 1);
	if (!ids || !ratings) {
		free(ids);
		free(ratings);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	for (i = 0; i < s->n; i++) {
		ids[i] = s->items[i].log_id;
		ratings[i] = (signed char)(s->items[i].correction ? 5 : s->items[i].rating);
	}
	rc = vd_index_memory(ids, ratings, s->vecs, s->n, s->dim, &s->ix);
	free(ids);
	free(ratings);
	return rc;
}

int
vd_review_set_keep(struct vd_review_set *s, const unsigned char *keep)
{
	size_t i, k = 0;

	for (i = 0; i < s->n; i++) {
		if (!keep[i]) {
			item_free(&s->items[i]);
			continue;
		}
		if (k != i) {
			s->items[k] = s->items[i];
			memmove(s->vecs + k * (size_t)s->dim, s->vecs + i * (size_t)s->dim,
			    sizeof(float) * (size_t)s->dim);
		}
		k++;
	}
	s->n = k;
	vd_index_free(s->ix);
	s->ix = NULL;
	return make_index(s);
}

int
vd_review_set_load(sqlite3 *db, const struct vd_config *cfg, struct vd_embedder *emb,
    enum vd_review_kind kind, const char *since, int with_answers, struct vd_review_set *s)
{
	int rc;

	memset(s, 0, sizeof *s);
	if ((rc = read_items(db, cfg, kind, since, s)))
		goto fail;
	if (!emb)
		return VD_OK;
	if ((rc = vd_embedder_is_builtin(emb) ? made_vectors(emb, s, with_answers)
	    : stored_vectors(db, emb, s)))
		goto fail;
	if ((rc = make_index(s)) == VD_OK)
		return VD_OK;
fail:
	vd_review_set_free(s);
	return rc;
}

static int
cmp_id(const void *k, const void *e)
{
	long long a = *(const long long *)k, b = ((const struct vd_review_item *)e)->log_id;

	return a < b ? -1 : a > b;
}

size_t
vd_review_set_pos(const struct vd_review_set *s, long long log_id)
{
	const struct vd_review_item *it = bsearch(&log_id, s->items, s->n, sizeof *it, cmp_id);

	return it ? (size_t)(it - s->items) : (size_t)-1;
}

int
vd_review_set_near(struct vd_review_set *s, const float *qs, size_t nq,
    const long long *exclude, size_t k, double min_score, int min_rating,
    struct vd_hit **hits, size_t **count)
{
	long long *none = NULL;
	size_t i, j;
	int rc = VD_OK;

	*hits = malloc(sizeof **hits * (nq ? nq : 1) * k);
	*count = calloc(nq ? nq : 1, sizeof **count);
	if (!exclude && !(exclude = none = calloc(nq ? nq : 1, sizeof *none)))
		rc = vd_error(VD_ENOMEM, "out of memory");
	if (!*hits || !*count)
		rc = vd_error(VD_ENOMEM, "out of memory");
	if (rc == VD_OK && nq > 0 && s->n > 0)
		rc = vd_index_search_batch(s->ix, qs, nq, k, exclude, min_rating, *hits, *count);
	free(none);
	if (rc) {
		free(*hits);
		free(*count);
		*hits = NULL;
		*count = NULL;
		return rc;
	}
	for (i = 0; i < nq; i++) {
		for (j = 0; j < (*count)[i] && (*hits)[i * k + j].score >= min_score; j++)
			;
		(*count)[i] = j;
	}
	return VD_OK;
}

int
vd_review_set_graph(struct vd_review_set *s, size_t k, double min_score,
    struct vd_hit **hits, size_t **nb, size_t **count)
{
	long long *self = malloc(sizeof *self * (s->n ? s->n : 1));
	size_t i, j;
	int rc;

	*nb = NULL;
	if (!self)
		return vd_error(VD_ENOMEM, "out of memory");
	for (i = 0; i < s->n; i++)
		self[i] = s->items[i].log_id;
	rc = vd_review_set_near(s, s->vecs, s->n, self, k, min_score, 0, hits, count);
	free(self);
	if (rc)
		return rc;
	if (!(*nb = malloc(sizeof **nb * (s->n ? s->n : 1) * k))) {
		free(*hits);
		free(*count);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	for (i = 0; i < s->n; i++)
		for (j = 0; j < (*count)[i]; j++)
			(*nb)[i * k + j] = vd_review_set_pos(s, (*hits)[i * k + j].log_id);
	return VD_OK;
}

int
vd_review_same_text(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')
			a++;
		while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
			b++;
		if (*a != *b)
			return 0;
		if (!*a)
			return 1;
		a++, b++;
	}
}

int
vd_review_emit(json_t *rec, int (*fn)(json_t *, void *), void *arg)
{
	int rc;

	if (!rec)
		return vd_error(VD_ENOMEM, "out of memory");
	rc = fn(rec, arg);
	json_decref(rec);
	return rc;
}

int
vd_review_open(sqlite3 *db, const struct vd_config *cfg, const char *rules_path,
    struct vd_rules **rules, struct vd_embedder **emb)
{
	int rc;

	if ((rc = vd_rules_load(rules_path ? rules_path : cfg->rules_path, rules)))
		return rc;
	if ((rc = vd_embedder_open(db, cfg, NULL, emb))) {
		vd_rules_free(*rules);
		*rules = NULL;
	}
	return rc;
}
