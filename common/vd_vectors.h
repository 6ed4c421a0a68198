/* Stored vectors: keep the embeddings table up to date for a model, and
 * load the vectors of a model into memory for searching. */
#ifndef VD_VECTORS_H
#define VD_VECTORS_H

#include <sqlite3.h>

#include "vd_embedder.h"

enum vd_scope {
	VD_SCOPE_ALL,     /* every exchange */
	VD_SCOPE_RATED    /* exchanges with a rating (experience, examples) */
};

/* Called now and then during long work with done and total counts. */
typedef void vd_progress_fn(long long done, long long total, void *arg);

/* Embed every exchange in scope that lacks a current vector for e's model
 * (missing, or its content hash changed), in batches, each batch in one
 * transaction. all: re-embed every one. *done gets the count embedded.
 * A built-in model without learned weights is fitted first. */
int vd_vectors_update(sqlite3 *db, struct vd_embedder *e, enum vd_scope scope,
    int all, vd_progress_fn *progress, void *arg, long long *done);

/* Store one vector (replacing the old one) for log_id, made from its
 * message and endorsed answer (for the content hash). */
int vd_vectors_put(sqlite3 *db, struct vd_embedder *e, long long log_id,
    const char *text, const char *answer, const float *v);

struct vd_index {
	size_t n;
	int dim;
	long long *ids;      /* ascending */
	float *vecs;         /* n * dim, unit length */
	signed char *ratings; /* effective rating (a correction counts 5), 0: none */
};

struct vd_hit {
	long long log_id;
	float score;
};

/* Load the vectors of model in scope. Blobs of the wrong length are an
 * error naming the log id. *out freed with vd_index_free; an empty index
 * (n == 0) is not an error. */
int vd_index_load(sqlite3 *db, const char *model, int dim, enum vd_scope scope,
    struct vd_index **out);
void vd_index_free(struct vd_index *ix);

/* The k nearest to q by cosine, best first, skipping exclude; returns the
 * number found (<= k). */
size_t vd_index_search(const struct vd_index *ix, const float *q, size_t k,
    long long exclude, struct vd_hit *hits);

/* The same, keeping only exchanges rated at least min_rating (0: all). */
size_t vd_index_search_rated(const struct vd_index *ix, const float *q, size_t k,
    long long exclude, int min_rating, struct vd_hit *hits);

/* The stored vector of log_id, or NULL. */
const float *vd_index_vector(const struct vd_index *ix, long long log_id);

#endif
