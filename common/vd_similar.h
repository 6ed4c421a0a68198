/* The nearest past exchanges to queries (log ids or texts), as
 * vasdom-similar prints them and GET /api/learning/similar/{log_id}
 * answers: each hit {"query", "rank", "log_id", "score", "rating",
 * "message", "response", "created_at"}. Queries are searched together in
 * batches, one pass over the vectors for many of them. */
#ifndef VD_SIMILAR_H
#define VD_SIMILAR_H

#include <sqlite3.h>
#include <jansson.h>

#include "vd_config.h"

#define VD_SIMILAR_LIMIT_MAX 1000

struct vd_similar_opts {
	long limit;          /* hits per query, 1..VD_SIMILAR_LIMIT_MAX */
	double min_score;    /* least cosine score, -1: any */
	int min_rating;      /* 0: rated or not */
};

/* Called with each hit in order (a borrowed reference); a non-zero
 * return stops the search and is passed on. */
typedef int vd_similar_fn(json_t *hit, void *arg);

/* (Not vd_answer.h's struct vd_similar, one neighbour of a question.) */
struct vd_similar_search;

/* A search over db's vectors of model (NULL: the configured embedding
 * model) giving its hits to fn. VD_EUSAGE for an unknown model, VD_EDB
 * for vectors made by an older vasdom, VD_ENOTFOUND when there are no
 * vectors to search ("no MODEL vectors in DB: run vasdom-embed first").
 * Free with vd_similar_free. */
int vd_similar_open(sqlite3 *db, const struct vd_config *cfg, const char *model,
    const struct vd_similar_opts *o, vd_similar_fn *fn, void *arg,
    struct vd_similar_search **out);
void vd_similar_free(struct vd_similar_search *s);

/* Queue the query log_id (text NULL; the log id itself is not a hit) or
 * text; a full batch is searched at once. VD_ENOTFOUND "log N not
 * found", VD_EINPUT when the model's dimension changed, VD_EDB,
 * VD_ENOMEM, or fn's return. */
int vd_similar_add(struct vd_similar_search *s, long long log_id, const char *text);

/* Search the queued queries, giving their hits to fn. VD_EDB, VD_ENOMEM
 * or fn's return. */
int vd_similar_flush(struct vd_similar_search *s);

/* How many queries searched so far found nothing. */
long long vd_similar_missing(const struct vd_similar_search *s);

/* The hits of log_id as a JSON array (a new reference) into *out: the
 * lines vasdom-similar prints for it, in order. Errors as
 * vd_similar_open and vd_similar_add. */
int vd_similar_log_id(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_similar_opts *o, long long log_id, json_t **out);

#endif
