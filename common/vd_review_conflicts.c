/* --conflicts: near-identical questions whose endorsed answers differ. */
#include <stdlib.h>
#include <string.h>

#include "vd_cluster.h"
#include "vd_error.h"
#include "vd_review.h"
#include "vd_review_set.h"

#define NEIGHBOURS 16   /* near-identical questions looked at for each */

/* A candidate: items i and j (positions), their questions' similarity. */
struct edge {
	size_t i, j;
	float score;
};

struct group {
	size_t root, size, first;   /* first: the lowest position, for order */
	float least;                /* the lowest similarity of a conflicting pair */
};

static int
by_size(const void *x, const void *y)
{
	const struct group *a = x, *b = y;

	if (a->size != b->size)
		return a->size < b->size ? 1 : -1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static json_t *
group_json(const struct vd_review_set *s, const size_t *parent, const struct group *g,
    size_t rank)
{
	json_t *ids = json_array(), *ex = json_array(), *rec;
	size_t i, j, answers = 0;

	for (i = g->first; i < s->n; i++) {
		const struct vd_review_item *it = &s->items[i];

		if (parent[i] != g->root)
			continue;
		for (j = g->first; j < i; j++)
			if (parent[j] == g->root &&
			    vd_review_same_text(vd_review_answer(&s->items[j]), vd_review_answer(it)))
				break;
		answers += j == i;
		json_array_append_new(ids, json_integer(it->log_id));
		json_array_append_new(ex, json_pack("{s:I, s:s, s:s, s:o, s:b, s:s}",
		    "log_id", (json_int_t)it->log_id, "message", it->message,
		    "response", vd_review_answer(it),
		    "rating", it->rating ? json_integer(it->rating) : json_null(),
		    "corrected", it->correction != NULL, "created_at", it->created_at));
	}
	rec = json_pack("{s:I, s:I, s:I, s:f, s:o, s:o}", "group", (json_int_t)rank,
	    "size", (json_int_t)g->size, "answers", (json_int_t)answers,
	    "similarity", (double)(long)(g->least * 1000 + 0.5) / 1000, "log_ids", ids,
	    "exchanges", ex);
	return rec;
}

/* Pairs of near-identical questions (a pair may come twice, once from
 * each side: joining twice does no harm) whose endorsed
 * answers read differently, whitespace aside. *e malloc'd. */
static int
candidates(const struct vd_review_set *s, const struct vd_hit *hits, const size_t *nb,
    const size_t *count, struct edge **e, size_t *ne)
{
	size_t i, j, cap = 0;

	*e = NULL;
	*ne = 0;
	for (i = 0; i < s->n; i++)
		for (j = 0; j < count[i]; j++) {
			size_t p = nb[i * NEIGHBOURS + j];

			if (p == (size_t)-1 || vd_review_same_text(
			    vd_review_answer(&s->items[i]), vd_review_answer(&s->items[p])))
				continue;
			if (*ne == cap) {
				void *q = realloc(*e, sizeof **e * (cap = cap ? cap * 2 : 64));

				if (!q)
					return vd_error(VD_ENOMEM, "out of memory");
				*e = q;
			}
			(*e)[(*ne)++] = (struct edge){ i, p, hits[i * NEIGHBOURS + j].score };
		}
	return VD_OK;
}

/* Keep the edges whose answers are less alike than
 * VD_REVIEW_ANSWER_SIMILARITY: answers as far apart as those of different
 * questions say different things, nearer ones are the same answer
 * reworded or extended. Only the answers of candidate edges are embedded
 * (few: a remote embedder gets one request). */
static int
answers_differ(struct vd_embedder *emb, const struct vd_review_set *s, struct edge *e,
    size_t *ne)
{
	size_t *slot = malloc(sizeof *slot * (s->n ? s->n : 1)), i, k, nt = 0;
	const char **texts = malloc(sizeof *texts * (*ne ? 2 * *ne : 1));
	float *v = NULL;
	int dim = vd_embedder_dim(emb) > 0 ? vd_embedder_dim(emb) : VD_EMBED_MAX_DIM, rc;

	if (!slot || !texts) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s->n; i++)
		slot[i] = (size_t)-1;
	for (i = 0; i < *ne; i++) {
		if (slot[e[i].i] == (size_t)-1) {
			slot[e[i].i] = nt;
			texts[nt++] = vd_review_answer(&s->items[e[i].i]);
		}
		if (slot[e[i].j] == (size_t)-1) {
			slot[e[i].j] = nt;
			texts[nt++] = vd_review_answer(&s->items[e[i].j]);
		}
	}
	if (!(v = malloc(sizeof *v * (nt ? nt : 1) * (size_t)dim))) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	if (nt && (rc = vd_embedder_embed(emb, texts, nt, v)))
		goto out;
	dim = vd_embedder_dim(emb);
	for (i = k = 0; i < *ne; i++) {
		const float *a = v + slot[e[i].i] * (size_t)dim, *b = v + slot[e[i].j] * (size_t)dim;
		double dot = 0;
		int d;

		for (d = 0; d < dim; d++)
			dot += (double)a[d] * b[d];
		if (dot < VD_REVIEW_ANSWER_SIMILARITY)
			e[k++] = e[i];
	}
	*ne = k;
	rc = VD_OK;
out:
	free(slot);
	free(texts);
	free(v);
	return rc;
}

int
vd_review_conflicts(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_review_opts *o, vd_review_fn *fn, void *arg)
{
	double sim = o->similarity >= 0 ? o->similarity : VD_REVIEW_CONFLICT_SIMILARITY;
	struct vd_review_set s;
	struct vd_embedder *emb;
	struct vd_hit *hits = NULL;
	struct group *g = NULL;
	struct edge *e = NULL;
	size_t *nb = NULL, *count = NULL, *parent = NULL, i, ng = 0, ne = 0;
	float *least = NULL;
	int rc;

	if ((rc = vd_embedder_open(db, cfg, NULL, &emb)))
		return rc;
	if ((rc = vd_review_set_load(db, cfg, emb, VD_REVIEW_ENDORSED, o->since, 0, &s))) {
		vd_embedder_free(emb);
		return rc;
	}
	if ((rc = vd_review_set_graph(&s, NEIGHBOURS, sim, &hits, &nb, &count)))
		goto out;
	parent = malloc(sizeof *parent * (s.n ? s.n : 1));
	least = malloc(sizeof *least * (s.n ? s.n : 1));
	g = calloc(s.n ? s.n : 1, sizeof *g);
	if (!parent || !least || !g) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s.n; i++) {
		parent[i] = i;
		least[i] = 2;
	}
	/* a candidate edge: near-identical questions, endorsed answers that
	 * read differently; an edge when the answers also mean different
	 * things (answers_differ) */
	if ((rc = candidates(&s, hits, nb, count, &e, &ne)) ||
	    (rc = answers_differ(emb, &s, e, &ne)))
		goto out;
	for (i = 0; i < ne; i++) {
		vd_cluster_join(parent, e[i].i, e[i].j);
		if (e[i].score < least[e[i].i])
			least[e[i].i] = e[i].score;
	}
	for (i = 0; i < s.n; i++) {
		size_t r = vd_cluster_root(parent, i);

		parent[i] = r;
		if (r == i) {
			g[ng].root = r;
			g[ng].first = r;
			g[ng].least = 2;
			ng++;
		}
	}
	/* group sizes and least similarities, by root (roots are ascending) */
	for (i = 0; i < s.n; i++) {
		size_t lo = 0, hi = ng;

		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;

			if (g[mid].root <= parent[i])
				lo = mid;
			else
				hi = mid;
		}
		g[lo].size++;
		if (least[i] < g[lo].least)
			g[lo].least = least[i];
	}
	qsort(g, ng, sizeof *g, by_size);
	for (i = 0; i < ng && g[i].size > 1 && rc == VD_OK && (!o->limit || i < (size_t)o->limit); i++)
		rc = vd_review_emit(group_json(&s, parent, &g[i], i + 1), fn, arg);
out:
	vd_embedder_free(emb);
	free(e);
	free(hits);
	free(nb);
	free(count);
	free(parent);
	free(least);
	free(g);
	vd_review_set_free(&s);
	return rc;
}
