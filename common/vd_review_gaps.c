/* --gaps: what the assistant could not answer well, clustered by meaning. */
#include <stdlib.h>
#include <string.h>

#include "vd_cluster.h"
#include "vd_error.h"
#include "vd_index_mem.h"
#include "vd_rank.h"
#include "vd_review.h"
#include "vd_review_set.h"
#include "vd_rules.h"

/* Neighbours looked at for each question: a cluster holds its centre and
 * at most this many others (a larger gap shows as several clusters). */
#define NEIGHBOURS 16
#define QUESTIONS 5     /* representative questions shown */
/* The 4-bit prefilter's candidates a question keeps for its NEIGHBOURS:
 * the same graph as 256 (or none) at 100,000 exchanges, in 15 s of CPU
 * instead of 39 (29 with no prefilter). */
#define GRAPH_CANDIDATES (4 * NEIGHBOURS)

/* Two neighbours are one gap's when their link, the cosine of their
 * vectors plus LINK_WORDS times the cosine of their rare words (as a
 * learned exchange's question is compared: vd_question_words), is at
 * least LINK_MARGIN above the mean of each one's REF_RANK-th best link:
 * alike relative to how alike each is to its own nearest, so a dense
 * corner of the log does not pour into one cluster and a lone question
 * still finds its twin. Over rutube's hash seeds 0-3 and its three
 * held-back thirds (README): recall 0.699, purity 0.692, against 0.705
 * and 0.620 with the vectors and a fixed 0.4. */
#define LINK_WORDS 0.4
#define LINK_MARGIN 0.01
#define REF_RANK 3
/* A link this strong holds whatever the neighbours: a gap asked many
 * times (banking77's held-back intents, 40 test queries each) is one
 * cluster, not pairs of its most alike questions (recall 0.65 there
 * without it); rutube's figures are the same with it. */
#define LINK_ALIKE 0.6

struct cluster {
	size_t centre, size;
	size_t *members;    /* the centre first, then by similarity to it */
	const char *last_seen;
};

static int
by_float(const void *x, const void *y)
{
	float a = *(const float *)x, b = *(const float *)y;

	return a < b ? -1 : a > b;
}

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

/* The similarity of x and y when one is the other's neighbour, else -2. */
static float
pair_score(const struct vd_hit *hits, const size_t *nb, const size_t *count, size_t x, size_t y)
{
	size_t j;

	for (j = 0; j < count[x]; j++)
		if (nb[x * NEIGHBOURS + j] == y)
			return hits[x * NEIGHBOURS + j].score;
	for (j = 0; j < count[y]; j++)
		if (nb[y * NEIGHBOURS + j] == x)
			return hits[y * NEIGHBOURS + j].score;
	return -2;
}

/* Members of each cluster (label: its lowest position): the most central
 * one first (the greatest sum of similarities to the others; ties: the
 * lower position), then by similarity to it. */
static int
build(const struct vd_review_set *s, const struct vd_hit *hits, const size_t *nb,
    const size_t *count, const size_t *label, struct cluster *cl, size_t *ncl, size_t *slots)
{
	size_t i, j, m, k = 0;

	for (i = 0; i < s->n; i++) {
		struct cluster *c;
		double best = -1e30;

		if (label[i] != i)
			continue;
		c = &cl[k++];
		c->members = slots;
		for (j = i; j < s->n; j++)
			if (label[j] == i)
				c->members[c->size++] = j;
		for (j = 0; j < c->size; j++) {
			double sum = 0;

			for (m = 0; m < c->size; m++)
				if (m != j)
					sum += pair_score(hits, nb, count, c->members[j], c->members[m]);
			if (sum > best) {
				best = sum;
				c->centre = c->members[j];
			}
		}
		/* the centre first, the others by similarity to it (few: insertion) */
		for (j = 0; c->members[j] != c->centre; j++)
			;
		memmove(c->members + 1, c->members, sizeof *c->members * j);
		c->members[0] = c->centre;
		for (j = 2; j < c->size; j++)
			for (m = j; m > 1 && pair_score(hits, nb, count, c->centre, c->members[m - 1]) <
			    pair_score(hits, nb, count, c->centre, c->members[m]); m--) {
				size_t t = c->members[m];

				c->members[m] = c->members[m - 1];
				c->members[m - 1] = t;
			}
		c->last_seen = s->items[c->centre].created_at;
		for (j = 0; j < c->size; j++)
			if (strcmp(s->items[c->members[j]].created_at, c->last_seen) > 0)
				c->last_seen = s->items[c->members[j]].created_at;
		slots += c->size;
	}
	*ncl = k;
	return VD_OK;
}

static int
by_score_desc(const void *x, const void *y)
{
	float a = *(const float *)x, b = *(const float *)y;

	return a > b ? -1 : a < b;
}

/* Score each neighbour's link (LINK_WORDS) and keep those LINK_MARGIN
 * above the pair's REF_RANK-th best (floor, the least similarity, for a
 * question with fewer neighbours: in a small log, or a rare question):
 * nb, hits and count are cut down in place, score[i * NEIGHBOURS + j]
 * the link of nb[i * NEIGHBOURS + j]. */
static int
relative_links(const struct vd_review_set *s, double floor, struct vd_hit *hits, size_t *nb,
    size_t *count, float *score)
{
	struct vd_ranker *r = NULL;
	struct vd_question_words *w = NULL;
	const char **texts = malloc(sizeof *texts * (s->n ? s->n : 1));
	float *ref = malloc(sizeof *ref * (s->n ? s->n : 1)), v[NEIGHBOURS];
	size_t i, j, m;
	int rc;

	if (!texts || !ref) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s->n; i++)
		texts[i] = s->items[i].message;
	if ((rc = vd_ranker_new(&r)) || (rc = vd_question_words_new(r, texts, s->n, &w)))
		goto out;
	for (i = 0; i < s->n; i++) {
		for (j = 0; j < count[i]; j++)
			v[j] = score[i * NEIGHBOURS + j] = hits[i * NEIGHBOURS + j].score +
			    (float)(LINK_WORDS * vd_question_words_cosine(w, i, nb[i * NEIGHBOURS + j]));
		qsort(v, count[i], sizeof *v, by_score_desc);
		ref[i] = count[i] >= REF_RANK ? v[REF_RANK - 1] : (float)floor;
	}
	for (i = 0; i < s->n; i++) {
		for (j = m = 0; j < count[i]; j++) {
			size_t x = i * NEIGHBOURS + j, y = i * NEIGHBOURS + m;

			if (score[x] < LINK_ALIKE &&
			    score[x] - (ref[i] + ref[nb[x]]) / 2 < LINK_MARGIN)
				continue;
			nb[y] = nb[x];
			hits[y] = hits[x];
			score[y] = score[x];
			m++;
		}
		count[i] = m;
	}
out:
	vd_question_words_free(w);
	vd_ranker_free(r);
	free(texts);
	free(ref);
	return rc;
}

/* Endorsed questions whose nearest other one is looked up for the
 * median: every (n / SAMPLE)-th. The median of 2,048 of them is within
 * about 0.01 of all of theirs, and 13,334 of them each searched against
 * the others cost 6 s of CPU at 100,000 exchanges. */
#define SAMPLE 2048

/* The median similarity of an endorsed exchange's question to the
 * nearest other endorsed one's: how near the knowledge comes to itself.
 * 1 when there are too few to say. */
static int
typical_nearest(struct vd_review_set *e, double *median)
{
	size_t step = e->n > SAMPLE ? e->n / SAMPLE : 1, nq = (e->n + step - 1) / step;
	struct vd_hit *hits = NULL;
	size_t *count = NULL, i, m = 0;
	long long *self = malloc(sizeof *self * (nq ? nq : 1));
	float *qs = malloc(sizeof *qs * (nq ? nq : 1) * (size_t)e->dim);
	float *v = malloc(sizeof *v * (nq ? nq : 1));
	int rc = VD_OK;

	*median = 1;
	if (!self || !qs || !v)
		rc = vd_error(VD_ENOMEM, "out of memory");
	else if (e->n >= 2) {
		for (i = 0; i < nq; i++) {
			self[i] = e->items[i * step].log_id;
			memcpy(qs + i * (size_t)e->dim, e->vecs + i * step * (size_t)e->dim,
			    sizeof *qs * (size_t)e->dim);
		}
		if ((rc = vd_review_set_near(e, qs, nq, self, 1, -2, 0, &hits, &count)) == VD_OK) {
			for (i = 0; i < nq; i++)
				if (count[i])
					v[m++] = hits[i].score;
			qsort(v, m, sizeof *v, by_float);
			if (m)
				*median = v[m / 2];
		}
	}
	free(self);
	free(qs);
	free(v);
	free(hits);
	free(count);
	return rc;
}

/* Keep of the candidates the gaps proper, and the answers of experience
 * or a model, not yet rated, whose question is farther from every
 * endorsed question than the knowledge typically is from itself (the
 * median of typical_nearest): answered, perhaps even surely, from
 * something that is not about the question. */
static int
far_from_knowledge(sqlite3 *db, const struct vd_config *cfg, struct vd_embedder *emb,
    struct vd_review_set *s)
{
	struct vd_review_set e;
	struct vd_hit *hits = NULL;
	const char **texts = NULL;
	size_t *pos = NULL, *count = NULL, i, m = 0;
	unsigned char *keep = NULL;
	float *qv = NULL;
	double typical;
	int rc;

	for (i = 0; i < s->n && s->items[i].gap; i++)
		;
	if (i == s->n)
		return VD_OK;
	/* the knowledge of any time: --days limits the questions, not it */
	if ((rc = vd_review_set_load(db, cfg, emb, VD_REVIEW_ENDORSED, NULL, 0, &e)))
		return rc;
	vd_index_memory_prefilter(e.ix, VD_REVIEW_NEAREST_CANDIDATES);
	if ((rc = typical_nearest(&e, &typical)))
		goto out;
	pos = malloc(sizeof *pos * s->n);
	texts = malloc(sizeof *texts * s->n);
	keep = malloc(s->n);
	qv = malloc(sizeof *qv * s->n * (size_t)s->dim);
	if (!pos || !texts || !keep || !qv) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		keep[i] = (unsigned char)s->items[i].gap;
		if (!keep[i]) {
			pos[m] = i;
			texts[m] = s->items[i].message;
			/* a remote model's vectors are of the question already */
			memcpy(qv + m * (size_t)s->dim, s->vecs + i * (size_t)s->dim,
			    sizeof *qv * (size_t)s->dim);
			m++;
		}
	}
	/* the built-in ones were made with the answer: the question alone */
	if (vd_embedder_is_builtin(emb) && (rc = vd_embedder_embed(emb, texts, m, qv)))
		goto out;
	if (e.n && (rc = vd_review_set_near(&e, qv, m, NULL, 1, -2, 0, &hits, &count)))
		goto out;
	for (i = 0; i < m; i++)
		keep[pos[i]] = !e.n || !count[i] || hits[i].score < typical;
	rc = vd_review_set_keep(s, keep);
out:
	vd_review_set_free(&e);
	free(hits);
	free(count);
	free(pos);
	free(texts);
	free(keep);
	free(qv);
	return rc;
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
	size_t *nb = NULL, *count = NULL, *label = NULL, *slots = NULL, i, ncl = 0;
	float *score = NULL;
	int rc;

	if ((rc = vd_review_open(db, cfg, o->rules_path, &rules, &emb)))
		return rc;
	rc = vd_review_set_load(db, cfg, emb, VD_REVIEW_GAP_CANDIDATES, o->since, 1, &s);
	if (rc == VD_OK && (rc = far_from_knowledge(db, cfg, emb, &s)))
		vd_review_set_free(&s);
	vd_embedder_free(emb);
	if (rc) {
		vd_rules_free(rules);
		return rc;
	}
	vd_index_memory_prefilter(s.ix, GRAPH_CANDIDATES);
	if ((rc = vd_review_set_graph(&s, NEIGHBOURS, sim, &hits, &nb, &count)))
		goto out;
	label = malloc(sizeof *label * (s.n ? s.n : 1));
	slots = malloc(sizeof *slots * (s.n ? s.n : 1));
	score = malloc(sizeof *score * (s.n ? s.n : 1) * NEIGHBOURS);
	cl = calloc(s.n ? s.n : 1, sizeof *cl);
	if (!label || !slots || !score || !cl) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = relative_links(&s, sim, hits, nb, count, score)))
		goto out;
	if (s.n && !vd_cluster_cliques(s.n, nb, score, count, NEIGHBOURS, label)) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	build(&s, hits, nb, count, label, cl, &ncl, slots);
	qsort(cl, ncl, sizeof *cl, by_size);
	for (i = 0; i < ncl && rc == VD_OK && (!o->limit || i < (size_t)o->limit); i++)
		rc = vd_review_emit(o->drafts ? draft_json(&s, &cl[i], cfg->min_rating)
		    : cluster_json(&s, &cl[i], i + 1, cfg, rules), fn, arg);
out:
	free(hits);
	free(nb);
	free(count);
	free(label);
	free(slots);
	free(score);
	free(cl);
	vd_rules_free(rules);
	vd_review_set_free(&s);
	return rc;
}
