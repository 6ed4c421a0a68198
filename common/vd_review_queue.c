/* --queue: unrated exchanges ranked by how much a rating would teach. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_review.h"
#include "vd_review_set.h"

#define NEIGHBOURS 16   /* similar questions counted, at most */
/* Candidates whose similar questions are counted: the best by the other
 * signals, so that a large log costs a bounded search. */
#define SHORTLIST(limit) ((limit) * 40 > 2000 ? (limit) * 40 : 2000)
/* A question like one already queued teaches little more than it. */
#define ALIKE_FACTOR 0.25

struct cand {
	size_t pos;
	double conf;        /* how sure the answer given was */
	double cover;       /* similarity of the nearest endorsed question, 0 if none */
	long long cover_id;
	double base;        /* (1 - conf) * (1 - cover / 2) */
	size_t similar;     /* alike unrated questions in the period */
	double score;
	int alike;          /* alike to one already queued */
};

/* What the answer given says about itself: its stored confidence; a
 * hand-over or default answer none; older rows without one 0.5. */
static double
confidence(const struct vd_review_item *it)
{
	if (it->handover || strcmp(it->source, "default") == 0)
		return 0;
	return it->confidence >= 0 ? it->confidence : 0.5;
}

static int
by_base(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->base != b->base)
		return a->base < b->base ? 1 : -1;
	return a->pos > b->pos ? -1 : a->pos < b->pos;   /* the newer first */
}

/* The nearest endorsed question of each unrated one. */
static int
coverage(sqlite3 *db, const struct vd_config *cfg, struct vd_embedder *emb,
    const struct vd_review_set *u, struct cand *c)
{
	struct vd_review_set e;
	struct vd_hit *hits;
	size_t *count, i;
	int rc;

	if ((rc = vd_review_set_load(db, cfg, emb, VD_REVIEW_ENDORSED, NULL, 1, &e)))
		return rc;
	if (e.n == 0 || e.dim != u->dim) {
		vd_review_set_free(&e);
		return VD_OK;
	}
	if ((rc = vd_review_set_near(&e, u->vecs, u->n, NULL, 1, -1, 0, &hits, &count)) == VD_OK) {
		for (i = 0; i < u->n; i++)
			if (count[i] && hits[i].score > 0) {
				c[i].cover = hits[i].score;
				c[i].cover_id = hits[i].log_id;
			}
		free(hits);
		free(count);
	}
	vd_review_set_free(&e);
	return rc;
}

static double
score(const struct cand *c)
{
	return c->base * (1 + (double)c->similar) * (c->alike ? ALIKE_FACTOR : 1);
}

static json_t *
line_json(const struct vd_review_set *u, const struct cand *c, size_t rank, const char *since)
{
	const struct vd_review_item *it = &u->items[c->pos];
	char why[320];
	int n;

	if (it->handover || strcmp(it->source, "default") == 0)
		n = snprintf(why, sizeof why, "handed over");
	else
		n = snprintf(why, sizeof why, "%s answer, confidence %.2f", it->source, c->conf);
	n += snprintf(why + n, sizeof why - (size_t)n, "; %zu similar unrated question%s %s",
	    c->similar, c->similar == 1 ? "" : "s", since ? "in the period" : "logged");
	if (c->cover_id)
		n += snprintf(why + n, sizeof why - (size_t)n,
		    "; nearest endorsed question %.2f alike (log %lld)", c->cover, c->cover_id);
	else
		n += snprintf(why + n, sizeof why - (size_t)n, "; no endorsed question alike");
	if (c->alike)
		snprintf(why + n, sizeof why - (size_t)n, "; alike to one ranked higher");
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:I, s:o, s:f, s:f, s:s, s:n}",
	    "rank", (json_int_t)rank, "log_id", (json_int_t)it->log_id,
	    "message", it->message, "response", it->response, "source", it->source,
	    "created_at", it->created_at,
	    "confidence", it->confidence >= 0 ? json_real(it->confidence) : json_null(),
	    "similar_recent", (json_int_t)c->similar,
	    "covered_by", c->cover_id ? json_integer(c->cover_id) : json_null(),
	    "covered_score", (double)lrint(c->cover * 1000) / 1000,
	    "score", (double)lrint(c->score * 10000) / 10000, "why", why, "rating");
}

/* Count each shortlisted candidate's alike unrated questions, then pick
 * greedily: the best score, whose alike questions then count no more for
 * others (a rating of one teaches them all) and are themselves marked. */
static int
rank(struct vd_review_set *u, struct cand *c, size_t m, size_t limit, double sim,
    const char *since, vd_review_fn *fn, void *arg)
{
	float *qs = malloc(sizeof(float) * (m ? m : 1) * (size_t)u->dim);
	long long *self = malloc(sizeof *self * (m ? m : 1));
	unsigned char *claimed = calloc(u->n ? u->n : 1, 1);
	struct vd_hit *hits = NULL;
	size_t *count = NULL, i, j, r;
	int rc = VD_OK;

	if (!qs || !self || !claimed) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < m; i++) {
		memcpy(qs + i * (size_t)u->dim, u->vecs + c[i].pos * (size_t)u->dim,
		    sizeof(float) * (size_t)u->dim);
		self[i] = u->items[c[i].pos].log_id;
	}
	if ((rc = vd_review_set_near(u, qs, m, self, NEIGHBOURS, sim, 0, &hits, &count)))
		goto out;
	for (r = 0; r < limit && r < m && rc == VD_OK; r++) {
		size_t best = m;
		json_t *rec;

		for (i = 0; i < m; i++) {
			if (c[i].score < 0)
				continue;   /* queued */
			c[i].similar = 0;
			for (j = 0; j < count[i]; j++)
				c[i].similar += !claimed[vd_review_set_pos(u, hits[i * NEIGHBOURS + j].log_id)];
			c[i].alike = claimed[c[i].pos];
			c[i].score = score(&c[i]);
			if (best == m || c[i].score > c[best].score)
				best = i;
		}
		claimed[c[best].pos] = 1;
		for (j = 0; j < count[best]; j++)
			claimed[vd_review_set_pos(u, hits[best * NEIGHBOURS + j].log_id)] = 1;
		if (!(rec = line_json(u, &c[best], r + 1, since))) {
			rc = vd_error(VD_ENOMEM, "out of memory");
			break;
		}
		c[best].score = -1;
		rc = fn(rec, arg);
		json_decref(rec);
	}
out:
	free(qs);
	free(self);
	free(claimed);
	free(hits);
	free(count);
	return rc;
}

int
vd_review_queue(sqlite3 *db, const struct vd_config *cfg, const struct vd_review_opts *o,
    vd_review_fn *fn, void *arg)
{
	double sim = o->similarity >= 0 ? o->similarity : VD_REVIEW_QUEUE_SIMILARITY;
	struct vd_review_set u;
	struct vd_embedder *emb;
	struct cand *c;
	size_t i, limit, m;
	int rc;

	if ((rc = vd_embedder_open(db, cfg, NULL, &emb)))
		return rc;
	if ((rc = vd_review_set_load(db, cfg, emb, VD_REVIEW_UNRATED, o->since, 1, &u))) {
		vd_embedder_free(emb);
		return rc;
	}
	if (!(c = calloc(u.n ? u.n : 1, sizeof *c))) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < u.n; i++) {
		c[i].pos = i;
		c[i].conf = confidence(&u.items[i]);
	}
	if ((rc = coverage(db, cfg, emb, &u, c)))
		goto out;
	for (i = 0; i < u.n; i++)
		c[i].base = (1 - c[i].conf) * (1 - c[i].cover / 2);
	qsort(c, u.n, sizeof *c, by_base);
	limit = o->limit ? (size_t)o->limit : u.n;
	m = o->limit ? SHORTLIST(limit) : u.n;
	rc = rank(&u, c, m < u.n ? m : u.n, limit, sim, o->since, fn, arg);
out:
	free(c);
	vd_embedder_free(emb);
	vd_review_set_free(&u);
	return rc;
}
