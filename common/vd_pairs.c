#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_embedder.h"
#include "vd_error.h"
#include "vd_index_search.h"
#include "vd_pairs.h"
#include "vd_vectors.h"

#define CANDIDATES 10    /* nearest well rated exchanges looked at */

struct finder {
	sqlite3 *db;
	struct vd_embedder *e;
	struct vd_index *ix;
	sqlite3_stmt *answer;
	float *q;
	double min_score;
	int min_rating;
};

/* The best well rated answer for question that differs from rejected;
 * *chosen is malloc'd, NULL when there is none. */
static int
find_chosen(struct finder *f, long long self, const char *question, const char *rejected,
    char **chosen, long long *id, double *score)
{
	struct vd_hit hits[CANDIDATES];
	size_t n, i;
	int rc;

	*chosen = NULL;
	if (vd_index_size(f->ix) == 0)
		return VD_OK;
	if ((rc = vd_embedder_embed(f->e, &question, 1, f->q)))
		return rc;
	/* well rated: at or above the threshold, or corrected */
	n = vd_index_search_rated(f->ix, f->q, CANDIDATES, self, f->min_rating, hits);
	for (i = 0; i < n && hits[i].score >= f->min_score && !*chosen; i++) {
		const char *a;

		sqlite3_bind_int64(f->answer, 1, hits[i].log_id);
		if (sqlite3_step(f->answer) == SQLITE_ROW &&
		    (a = (const char *)sqlite3_column_text(f->answer, 0)) &&
		    strcmp(a, rejected) != 0) {
			if (!(*chosen = strdup(a))) {
				sqlite3_reset(f->answer);
				return vd_error(VD_ENOMEM, "out of memory");
			}
			*id = hits[i].log_id;
			*score = hits[i].score;
		}
		sqlite3_reset(f->answer);
	}
	return VD_OK;
}

static int
open_finder(sqlite3 *db, const struct vd_config *cfg, const struct vd_pairs_opts *o,
    struct finder *f)
{
	long long done;
	int rc;

	memset(f, 0, sizeof *f);
	f->db = db;
	f->min_score = o->min_score;
	f->min_rating = o->min_rating;
	if ((rc = vd_embedder_open(db, cfg, VD_BUILTIN_MODEL, &f->e)) ||
	    (rc = vd_vectors_update(db, f->e, VD_SCOPE_RATED, 0, NULL, NULL, &done)) ||
	    (rc = vd_index_load(db, cfg, VD_BUILTIN_MODEL, vd_embedder_dim(f->e), VD_SCOPE_RATED,
	    &f->ix)))
		return rc;
	if (!(f->q = malloc(sizeof(float) * VD_EMBED_MAX_DIM)))
		return vd_error(VD_ENOMEM, "out of memory");
	if (vd_db_prepare(db, "SELECT coalesce(nullif(correction, ''), response)"
	    " FROM exchanges WHERE log_id = ?", &f->answer))
		return VD_EDB;
	return VD_OK;
}

static void
close_finder(struct finder *f)
{
	sqlite3_finalize(f->answer);
	vd_index_free(f->ix);
	vd_embedder_free(f->e);
	free(f->q);
}

int
vd_pairs_each(sqlite3 *db, const struct vd_config *cfg, const struct vd_pairs_opts *o,
    vd_pair_fn *fn, void *arg)
{
	/* the rejected side, newest first; with dedup the newest of each
	 * question and answer */
	static const char plain[] = "SELECT log_id, message, response,"
	    " nullif(correction, ''), created_at FROM exchanges"
	    " WHERE +rating <= 2 AND created_at >= ?1 AND created_at < ?2"
	    " ORDER BY created_at DESC, log_id DESC";
	static const char dedup[] = "SELECT log_id, message, response, c, created_at FROM ("
	    " SELECT log_id, message, response, nullif(correction, '') AS c, created_at,"
	    " row_number() OVER (PARTITION BY message, response ORDER BY created_at DESC,"
	    " log_id DESC) AS k FROM exchanges"
	    " WHERE +rating <= 2 AND created_at >= ?1 AND created_at < ?2)"
	    " WHERE k = 1 ORDER BY created_at DESC, log_id DESC";
	struct finder f;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = open_finder(db, cfg, o, &f)))
		goto out;
	if ((rc = vd_db_prepare(db, o->dedup ? dedup : plain, &st)))
		goto out;
	sqlite3_bind_text(st, 1, o->since ? o->since : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->until ? o->until : "9999", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct vd_pair p = { 0 };
		char *chosen = NULL;

		p.log_id = sqlite3_column_int64(st, 0);
		p.prompt = (const char *)sqlite3_column_text(st, 1);
		p.rejected = (const char *)sqlite3_column_text(st, 2);
		p.created_at = (const char *)sqlite3_column_text(st, 4);
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			/* the correction is the answer people wanted here */
			p.chosen = (const char *)sqlite3_column_text(st, 3);
			p.chosen_id = p.log_id;
			p.score = 1;
			if (strcmp(p.chosen, p.rejected) == 0)
				continue;
		} else {
			if ((rc = find_chosen(&f, p.log_id, p.prompt, p.rejected, &chosen,
			    &p.chosen_id, &p.score)))
				goto out;
			if (!chosen)
				continue;
			p.chosen = chosen;
		}
		rc = fn(&p, arg);
		free(chosen);
		if (rc)
			goto out;
	}
	rc = rc == SQLITE_DONE ? VD_OK : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	close_finder(&f);
	return rc;
}
