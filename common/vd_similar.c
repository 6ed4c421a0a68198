#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_embedder.h"
#include "vd_error.h"
#include "vd_exchange.h"
#include "vd_index.h"
#include "vd_index_search.h"
#include "vd_similar.h"

#define BATCH 64    /* queries searched in one pass over the vectors */

struct vd_similar_search {
	struct vd_similar_opts o;
	vd_similar_fn *fn;
	void *arg;
	struct vd_embedder *emb;
	struct vd_index *ix;
	struct vd_exchange_reader *rows;
	/* the pending batch */
	size_t n;
	json_t *query[BATCH];
	long long exclude[BATCH];
	float *q;                     /* BATCH vectors */
	struct vd_hit *hits;          /* BATCH * limit */
	size_t found[BATCH];
	long long missing;
};

int
vd_similar_open(sqlite3 *db, const struct vd_config *cfg, const char *model,
    const struct vd_similar_opts *o, vd_similar_fn *fn, void *arg,
    struct vd_similar_search **out)
{
	struct vd_similar_search *s;
	int rc;

	*out = NULL;
	if (!(s = calloc(1, sizeof *s)))
		return vd_error(VD_ENOMEM, "out of memory");
	s->o = *o;
	s->fn = fn;
	s->arg = arg;
	if ((rc = vd_embedder_open(db, cfg, model, &s->emb)))
		goto fail;
	if (vd_embedder_stale(s->emb)) {
		rc = vd_error(VD_EDB, "the %s vectors were made by an older vasdom: run vasdom-embed",
		    vd_embedder_model(s->emb));
		goto fail;
	}
	if ((rc = vd_index_load(db, cfg, vd_embedder_model(s->emb), vd_embedder_dim(s->emb),
	    VD_SCOPE_ALL, &s->ix)))
		goto fail;
	if (vd_index_size(s->ix) == 0) {
		rc = vd_error(VD_ENOTFOUND, "no %s vectors in %s: run vasdom-embed first",
		    vd_embedder_model(s->emb), cfg->db_path ? cfg->db_path : "the database");
		goto fail;
	}
	/* room for a remote model's reply of any size in the last slot */
	s->q = malloc(sizeof(float) * ((size_t)vd_index_dim(s->ix) * BATCH + VD_EMBED_MAX_DIM));
	s->hits = malloc(sizeof *s->hits * (size_t)o->limit * BATCH);
	if (!s->q || !s->hits) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto fail;
	}
	/* the database mapped, not read a page at a time into SQLite's cache:
	 * each query's exact vectors and hits are all over the file (at
	 * 100,000, a fifth of a batch's time went to pread copying pages).
	 * Its first 512 MB only: mapped pages count in the process's memory,
	 * and a batch at 1,000,000 touched 1.2 GB of them (2 GB in all with
	 * the cache file's, past the 1.6 GB a million vectors may take) */
	if ((rc = vd_db_exec(db, "PRAGMA mmap_size = 536870912")) ||
	    (rc = vd_exchange_reader_new(db, &s->rows)))
		goto fail;
	*out = s;
	return VD_OK;
fail:
	vd_similar_free(s);
	return rc;
}

void
vd_similar_free(struct vd_similar_search *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		json_decref(s->query[i]);
	vd_exchange_reader_free(s->rows);
	free(s->q);
	free(s->hits);
	vd_index_free(s->ix);
	vd_embedder_free(s->emb);
	free(s);
}

/* The query vector of a log id is its stored one (its message embedded
 * when it has none yet); of a text, the text embedded. */
static int
query_vector(struct vd_similar_search *s, long long log_id, const char *text, float *out)
{
	struct vd_exchange x;
	const float *v;
	int rc, dim = vd_index_dim(s->ix);

	if (text)
		goto embed;
	if ((v = vd_index_vector(s->ix, log_id))) {
		memcpy(out, v, sizeof(float) * (size_t)dim);
		return VD_OK;
	}
	if ((rc = vd_exchange_read(s->rows, log_id, &x)))
		return rc;
	text = x.message;
embed:
	rc = vd_embedder_embed(s->emb, &text, 1, out);
	if (rc == VD_OK && vd_embedder_dim(s->emb) != dim)
		rc = vd_error(VD_EINPUT, "%s now gives %d dimensions, the stored vectors have %d",
		    vd_embedder_model(s->emb), vd_embedder_dim(s->emb), dim);
	return rc;
}

static int
put_hit(struct vd_similar_search *s, json_t *query, int rank, const struct vd_hit *h)
{
	struct vd_exchange x;
	json_t *hit;
	int rc;

	if (vd_exchange_read(s->rows, h->log_id, &x) != VD_OK)
		return VD_OK;   /* forgotten since the search */
	hit = json_pack("{s:O, s:i, s:I, s:f, s:o, s:s, s:s, s:s}", "query", query,
	    "rank", rank, "log_id", (json_int_t)h->log_id,
	    "score", (double)lrint(h->score * 1e6) / 1e6,
	    "rating", x.rating ? json_integer(x.rating) : json_null(),
	    "message", x.message, "response", x.response, "created_at", x.created_at);
	rc = hit ? s->fn(hit, s->arg) : vd_error(VD_ENOMEM, "out of memory");
	json_decref(hit);
	return rc;
}

int
vd_similar_flush(struct vd_similar_search *s)
{
	size_t i, j;
	int rank, rc;

	if (s->n == 0)
		return VD_OK;
	rc = vd_index_search_batch(s->ix, s->q, s->n, (size_t)s->o.limit, s->exclude,
	    s->o.min_rating, s->hits, s->found);
	for (i = 0; i < s->n; i++) {
		rank = 0;
		for (j = 0; rc == VD_OK && j < s->found[i]; j++) {
			const struct vd_hit *h = &s->hits[i * (size_t)s->o.limit + j];

			if (h->score < s->o.min_score)
				break;
			rc = put_hit(s, s->query[i], ++rank, h);
		}
		if (rank == 0)
			s->missing++;
		json_decref(s->query[i]);
	}
	s->n = 0;
	return rc;
}

int
vd_similar_add(struct vd_similar_search *s, long long log_id, const char *text)
{
	int rc;

	if ((rc = query_vector(s, log_id, text, s->q + s->n * (size_t)vd_index_dim(s->ix))))
		return rc;
	if (!(s->query[s->n] = text ? json_string(text) : json_integer(log_id)))
		return vd_error(VD_ENOMEM, "out of memory");
	s->exclude[s->n] = text ? 0 : log_id;
	return ++s->n == BATCH ? vd_similar_flush(s) : VD_OK;
}

long long
vd_similar_missing(const struct vd_similar_search *s)
{
	return s->missing;
}

static int
append(json_t *hit, void *arg)
{
	return json_array_append(arg, hit) ? vd_error(VD_ENOMEM, "out of memory") : VD_OK;
}

int
vd_similar_log_id(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_similar_opts *o, long long log_id, json_t **out)
{
	struct vd_similar_search *s = NULL;
	json_t *hits = json_array();
	int rc;

	*out = NULL;
	if (!hits)
		return vd_error(VD_ENOMEM, "out of memory");
	if ((rc = vd_similar_open(db, cfg, NULL, o, append, hits, &s)) == VD_OK &&
	    (rc = vd_similar_add(s, log_id, NULL)) == VD_OK)
		rc = vd_similar_flush(s);
	vd_similar_free(s);
	if (rc)
		json_decref(hits);
	else
		*out = hits;
	return rc;
}
