/* vasdom-stats --by topic: the figures of each intent topic and of each
 * gap cluster, so that a topic getting worse shows while the overall
 * average looks fine. */
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_index_mem.h"
#include "vd_index_search.h"
#include "vd_review.h"
#include "vd_review_set.h"
#include "vd_rules.h"

const char *const vd_review_topic_columns[] = {
	"kind", "topic", "cluster", "total_interactions", "rated", "avg_rating",
	"positive_ratings", "negative_ratings", "handovers", "handover_share", NULL
};

struct figures {
	const char *topic;
	long long total, rated, positive, negative, handovers;
	double sum;
};

static void
count(struct figures *f, const struct vd_review_item *it)
{
	f->total++;
	f->handovers += it->handover || strcmp(it->source, "default") == 0;
	if (it->rating) {
		f->rated++;
		f->sum += it->rating;
		f->positive += it->rating >= 4;
		f->negative += it->rating <= 2;
	}
}

static int
emit(const struct figures *f, const char *kind, json_int_t cluster, vd_review_fn *fn, void *arg)
{
	json_t *rec = json_pack("{s:s, s:o, s:o, s:I, s:I, s:o, s:I, s:I, s:I, s:f}",
	    "kind", kind, "topic", f->topic ? json_string(f->topic) : json_null(),
	    "cluster", cluster ? json_integer(cluster) : json_null(),
	    "total_interactions", (json_int_t)f->total, "rated", (json_int_t)f->rated,
	    "avg_rating", f->rated ? json_real(f->sum / (double)f->rated) : json_null(),
	    "positive_ratings", (json_int_t)f->positive, "negative_ratings", (json_int_t)f->negative,
	    "handovers", (json_int_t)f->handovers,
	    "handover_share", f->total ? (double)f->handovers / (double)f->total : 0.0);

	return vd_review_emit(rec, fn, arg);
}

/* The rules' topics, in the order of the first exchange of each; the
 * exchanges no rule places last. */
static int
by_intent(const struct vd_review_set *s, const struct vd_rules *rules, vd_review_fn *fn,
    void *arg)
{
	struct figures *f = calloc(s->n + 1, sizeof *f), none = { 0 };
	size_t i, j, n = 0;
	int rc = VD_OK;

	if (!f)
		return vd_error(VD_ENOMEM, "out of memory");
	for (i = 0; i < s->n; i++) {
		const char *topic = NULL;

		if (!vd_rules_match(rules, s->items[i].message, &topic) || !topic) {
			count(&none, &s->items[i]);
			continue;
		}
		for (j = 0; j < n && strcmp(f[j].topic, topic); j++)
			;
		f[j].topic = topic;
		n += j == n;
		count(&f[j], &s->items[i]);
	}
	for (j = 0; j < n && rc == VD_OK; j++)
		rc = emit(&f[j], "intent", 0, fn, arg);
	if (rc == VD_OK && none.total)
		rc = emit(&none, "intent", 0, fn, arg);
	free(f);
	return rc;
}

struct centres {
	size_t n, cap;
	char **question;
	json_int_t *cluster;
};

static int
collect(json_t *rec, void *arg)
{
	struct centres *c = arg;
	const char *q = json_string_value(json_array_get(json_object_get(rec, "questions"), 0));

	if (json_integer_value(json_object_get(rec, "size")) < 2 || !q)
		return VD_OK;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **qs = realloc(c->question, sizeof *qs * cap);
		json_int_t *cl;

		if (qs)
			c->question = qs;
		if (!qs || !(cl = realloc(c->cluster, sizeof *cl * cap)))
			return vd_error(VD_ENOMEM, "out of memory");
		c->cluster = cl;
		c->cap = cap;
	}
	if (!(c->question[c->n] = strdup(q)))
		return vd_error(VD_ENOMEM, "out of memory");
	c->cluster[c->n++] = json_integer_value(json_object_get(rec, "cluster"));
	return VD_OK;
}

/* Each exchange of the period counts for the gap cluster whose centre's
 * question is nearest to its own, when alike enough: the cluster's
 * questions asked again later, well answered or not. */
static int
by_gap(sqlite3 *db, const struct vd_config *cfg, const struct vd_review_opts *o,
    struct vd_embedder *emb, const struct vd_review_set *all, vd_review_fn *fn, void *arg)
{
	double sim = o->similarity >= 0 ? o->similarity : VD_REVIEW_CENTRE_SIMILARITY;
	struct vd_review_opts go = *o;
	struct centres c = { 0 };
	struct vd_index *ix = NULL;
	struct vd_hit *hits = NULL;
	struct figures *f = NULL;
	long long *ids = NULL;
	float *v = NULL;
	size_t *found = NULL, i;
	int rc;

	go.drafts = 0;
	go.limit = 0;
	if ((rc = vd_review_gaps(db, cfg, &go, collect, &c)) || c.n == 0 || all->n == 0)
		goto out;
	v = malloc(sizeof(float) * c.n * (size_t)all->dim);
	ids = malloc(sizeof *ids * c.n);
	f = calloc(c.n, sizeof *f);
	hits = malloc(sizeof *hits * all->n);
	found = calloc(all->n, sizeof *found);
	if (!v || !ids || !f || !hits || !found) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = vd_embedder_embed(emb, (const char *const *)c.question, c.n, v)))
		goto out;
	for (i = 0; i < c.n; i++) {
		ids[i] = (long long)i + 1;
		f[i].topic = c.question[i];
	}
	if ((rc = vd_index_memory(ids, NULL, v, c.n, all->dim, &ix)))
		goto out;
	vd_index_memory_prefilter(ix, VD_REVIEW_NEAREST_CANDIDATES);
	{
		long long *none = calloc(all->n, sizeof *none);

		if (!none) {
			rc = vd_error(VD_ENOMEM, "out of memory");
			goto out;
		}
		rc = vd_index_search_batch(ix, all->vecs, all->n, 1, none, 0, hits, found);
		free(none);
		if (rc)
			goto out;
	}
	for (i = 0; i < all->n; i++)
		if (found[i] && hits[i].score >= sim)
			count(&f[hits[i].log_id - 1], &all->items[i]);
	for (i = 0; i < c.n && rc == VD_OK; i++)
		rc = emit(&f[i], "gap", c.cluster[i], fn, arg);
out:
	for (i = 0; i < c.n; i++)
		free(c.question[i]);
	free(c.question);
	free(c.cluster);
	vd_index_free(ix);
	free(v);
	free(ids);
	free(f);
	free(hits);
	free(found);
	return rc;
}

int
vd_review_topics(sqlite3 *db, const struct vd_config *cfg, const struct vd_review_opts *o,
    vd_review_fn *fn, void *arg)
{
	struct vd_review_set all;
	struct vd_embedder *emb;
	struct vd_rules *rules;
	int rc;

	if ((rc = vd_review_open(db, cfg, o->rules_path, &rules, &emb)))
		return rc;
	if ((rc = vd_review_set_load(db, cfg, vd_embedder_is_builtin(emb) ? emb : NULL,
	    VD_REVIEW_ALL, o->since, 0, &all)) == VD_OK) {
		rc = by_intent(&all, rules, fn, arg);
		/* a remote model's vectors are made by the service: the gap
		 * clusters' figures need the built-in embedder */
		if (rc == VD_OK && vd_embedder_is_builtin(emb))
			rc = by_gap(db, cfg, o, emb, &all, fn, arg);
		vd_review_set_free(&all);
	}
	vd_embedder_free(emb);
	vd_rules_free(rules);
	return rc;
}
