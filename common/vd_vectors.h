/* Stored vectors: keep the embeddings table up to date for a model (the
 * search over them is vd_index.h). */
#ifndef VD_VECTORS_H
#define VD_VECTORS_H

#include <sqlite3.h>

#include "vd_embedder.h"
#include "vd_index.h"


/* Called now and then during long work with done and total counts. */
typedef void vd_progress_fn(long long done, long long total, void *arg);

/* Embed every exchange in scope that lacks a current vector for e's model
 * (missing, or its content hash changed), in batches, each batch in one
 * transaction. all: re-embed every one. *done gets the count embedded.
 * A built-in model without learned weights is fitted first. After the
 * first run for a model and scope, only the exchanges the change log
 * (vector_changes) names since the last run are looked at. */
int vd_vectors_update(sqlite3 *db, struct vd_embedder *e, enum vd_scope scope,
    int all, vd_progress_fn *progress, void *arg, long long *done);

/* Store one vector (replacing the old one) for log_id, made from its
 * message and endorsed answer (for the content hash). */
int vd_vectors_put(sqlite3 *db, struct vd_embedder *e, long long log_id,
    const char *text, const char *answer, const float *v);

#endif
