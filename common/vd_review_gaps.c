/* --gaps: what the assistant could not answer well, clustered by meaning. */
#include <stdlib.h>
#include <string.h>

#include "vd_cluster.h"
#include "vd_error.h"
#include "vd_review.h"
#include "vd_review_set.h"
#include "vd_rules.h"

/* Neighbours looked at for each question: a cluster holds its centre and
 * at most this many others (a larger gap shows as several clusters). */
#define NEIGHBOURS 16
#define QUESTIONS 5     /* representative questions shown */

struct cluster {
	size_t centre, size;
	size_t *members;    /* the centre first, then by similarity to it */
	const char *last_seen;
};

static int
by_size(const void *x, const void *y)
{
	const struct cluster *a = x, *b = y;
	int c;

	if (a->size != b->size)
		return a->size < b->size ? 1 : -1;
	/* the most recent first: what still happens matters more */
	if ((c = strcmp(b->last_seen, a->last_seen)))
		return c;
	return a->centre < b->centre ? -1 : a->centre > b->centre;
}

static int
low_confidence(const struct vd_review_item *it, const struct vd_config *cfg)
{
	return strcmp(it->source, "record") && it->confidence >= 0 &&
	    it->confidence < cfg->min_confidence;
}

static int
handed_over(const struct vd_review_item *it)
{
	return it->handover || strcmp(it->source, "default") == 0;
}

/* The answer to start from: a correction people gave (the latest), else
 * the best rated answer of a member at or above the threshold, else "". */
static const char *
best_answer(const struct vd_review_set *s, const struct cluster *c, int min_rating)
{
	const struct vd_review_item *best = NULL;
	size_t i;

	for (i = 0; i < c->size; i++) {
		const struct vd_review_item *it = &s->items[c->members[i]];

		if (it->correction && (!best || !best->correction || it->log_id > best->log_id))
			best = it;
		else if (!it->correction && it->rating >= min_rating &&
		    (!best || (!best->correction && it->rating > best->rating)))
			best = it;
	}
	return best ? vd_review_answer(best) : "";
}

static json_t *
draft_json(const struct vd_review_set *s, const struct cluster *c, int min_rating)
{
	return json_pack("{s:s, s:s, s:i}", "message", s->items[c->centre].message,
	    "response", best_answer(s, c, min_rating), "rating", 5);
}

static json_t *
cluster_json(const struct vd_review_set *s, const struct cluster *c, size_t rank,
    const struct vd_config *cfg, const struct vd_rules *rules)
{
	json_t *ids = json_array(), *qs = json_array();
	const char *first = s->items[c->centre].created_at, *topic = NULL;
	size_t i, j, nq = 0, handovers = 0, low = 0, poor = 0, corrected = 0;
	long long *sorted = malloc(sizeof *sorted * c->size);

	if (!ids || !qs || !sorted) {
		json_decref(ids);
		json_decref(qs);
		free(sorted);
		return NULL;
	}
	for (i = 0; i < c->size; i++) {
		const struct vd_review_item *it = &s->items[c->members[i]];

		sorted[i] = it->log_id;
		if (strcmp(it->created_at, first) < 0)
			first = it->created_at;
		handovers += handed_over(it);
		low += low_confidence(it, cfg);
		poor += it->rating > 0 && it->rating <= 2;
		corrected += it->correction != NULL;
		/* distinct questions, the most central first */
		for (j = 0; j < i && nq < QUESTIONS; j++)
			if (vd_review_same_text(s->items[c->members[j]].message, it->message))
				break;
		if (j == i && nq < QUESTIONS) {
			json_array_append_new(qs, json_string(it->message));
			nq++;
		}
	}
	/* log ids ascending: members are few, a simple sort will do */
	for (i = 1; i < c->size; i++)
		for (j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			long long t = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (i = 0; i < c->size; i++)
		json_array_append_new(ids, json_integer(sorted[i]));
	free(sorted);
	vd_rules_match(rules, s->items[c->centre].message, &topic);
	return json_pack("{s:I, s:I, s:o, s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:o}",
	    "cluster", (json_int_t)rank, "size", (json_int_t)c->size, "log_ids", ids,
	    "first_seen", first, "last_seen", c->last_seen, "questions", qs,
	    "topic", topic ? json_string(topic) : json_null(),
	    "handovers", (json_int_t)handovers, "low_confidence", (json_int_t)low,
	    "rated_poorly", (json_int_t)poor, "corrected", (json_int_t)corrected,
	    "draft", draft_json(s, c, cfg->min_rating));
}

/* Members of each centre's cluster: the centre, then the neighbours it
 * took, in its list's order (by similarity). */
static int
build(const struct vd_review_set *s, const size_t *nb, const size_t *count,
    const size_t *centre, struct cluster *cl, size_t *ncl, size_t *slots)
{
	size_t i, j, k = 0;

	for (i = 0; i < s->n; i++) {
		struct cluster *c;

		if (centre[i] != i)
			continue;
		c = &cl[k++];
		c->centre = i;
		c->members = slots;
		c->members[c->size++] = i;
		c->last_seen = s->items[i].created_at;
		for (j = 0; j < count[i]; j++) {
			size_t m = nb[i * NEIGHBOURS + j];

			if (centre[m] != i)
				continue;
			c->members[c->size++] = m;
			if (strcmp(s->items[m].created_at, c->last_seen) > 0)
				c->last_seen = s->items[m].created_at;
		}
		slots += c->size;
	}
	*ncl = k;
	return VD_OK;
}

int
vd_review_gaps(sqlite3 *db, const struct vd_config *cfg, const struct vd_review_opts *o,
    vd_review_fn *fn, void *arg)
{
	double sim = o->similarity >= 0 ? o->similarity : VD_REVIEW_GAP_SIMILARITY;
	struct vd_review_set s;
	struct vd_embedder *emb;
	struct vd_rules *rules = NULL;
	struct vd_hit *hits = NULL;
	struct cluster *cl = NULL;
	size_t *nb = NULL, *count = NULL, *centre = NULL, *slots = NULL, i, ncl = 0;
	int rc;

	if ((rc = vd_review_open(db, cfg, o->rules_path, &rules, &emb)))
		return rc;
	rc = vd_review_set_load(db, cfg, emb, VD_REVIEW_GAPS, o->since, 1, &s);
	vd_embedder_free(emb);
	if (rc) {
		vd_rules_free(rules);
		return rc;
	}
	if ((rc = vd_review_set_graph(&s, NEIGHBOURS, sim, &hits, &nb, &count)))
		goto out;
	centre = malloc(sizeof *centre * (s.n ? s.n : 1));
	slots = malloc(sizeof *slots * (s.n ? s.n : 1));
	cl = calloc(s.n ? s.n : 1, sizeof *cl);
	if (!centre || !slots || !cl || (s.n && !vd_cluster_spheres(s.n, nb, count, NEIGHBOURS, centre))) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	build(&s, nb, count, centre, cl, &ncl, slots);
	qsort(cl, ncl, sizeof *cl, by_size);
	for (i = 0; i < ncl && rc == VD_OK && (!o->limit || i < (size_t)o->limit); i++)
		rc = vd_review_emit(o->drafts ? draft_json(&s, &cl[i], cfg->min_rating)
		    : cluster_json(&s, &cl[i], i + 1, cfg, rules), fn, arg);
out:
	free(hits);
	free(nb);
	free(count);
	free(centre);
	free(slots);
	free(cl);
	vd_rules_free(rules);
	vd_review_set_free(&s);
	return rc;
}
