/* Search over the stored vectors of one model. SQLite holds the vectors
 * (float32); the search reads a denser copy: int8 codes with a scale per
 * vector, kept in a cache file beside the database. When the database's
 * version for the model (vector_state, bumped by triggers) no longer
 * matches the file, the exchanges changed since (index_changes, logged by
 * triggers) are read again from the database into a small delta beside
 * the file and their old entries in it are masked; only when they are
 * many, or the log no longer reaches back to the file, is the file built
 * again. The best candidates of the int8 scan are scored again with the
 * exact float vectors, so printed scores are exact. */
#ifndef VD_INDEX_H
#define VD_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "vd_config.h"

enum vd_scope {
	VD_SCOPE_ALL,     /* every exchange */
	VD_SCOPE_RATED    /* exchanges with a rating (experience, examples) */
};

/* Opaque: its insides are vd_index_priv.h's, for vd_index*.c alone. */
struct vd_index;

struct vd_hit {
	long long log_id;
	float score;
};

/* Load the index of model (dim 0: whatever is stored). Vector blobs of the
 * wrong length are an error naming the log id. The index keeps using db
 * (for exact scores) until freed. An empty index (n == 0) is no error.
 * Writes: a missing or too stale cache file is built again beside the
 * database, and the file's cursor recorded in index_cursors (both best
 * effort). cfg gives the delta bound (index_delta_max). */
int vd_index_load(sqlite3 *db, const struct vd_config *cfg, const char *model, int dim,
    enum vd_scope scope, struct vd_index **out);
void vd_index_free(struct vd_index *ix);

/* Is ix as the database is (its model's version unchanged since ix was
 * loaded or refreshed)? 0 when it is not, or cannot be told. */
int vd_index_current(struct vd_index *ix);

/* Bring ix up to date with changes made since, by this process or
 * another (a rating, a correction, a vector): the exchanges the change log
 * (index_changes) names since ix's main part was read are read again into
 * the delta; only when they are too many, or the log no longer reaches
 * back, is the index read whole again. A long-running process calls it
 * between requests, after vd_index_current said no. VD_EDB or VD_ENOMEM
 * on failure, ix then unusable but freeable. */
int vd_index_refresh(struct vd_index *ix);

/* The vectors searched (rated or not), and their dimension. */
size_t vd_index_size(const struct vd_index *ix);
int vd_index_dim(const struct vd_index *ix);

/* Remove every search cache file of db (each model's, and temporaries
 * left by a process that died): for forgetting exchanges, whose vectors
 * the files hold. *removed gets how many. VD_EDB when one cannot be
 * removed. */
int vd_index_remove_files(sqlite3 *db, long long *removed);

/* The exact stored vector of log_id (dim floats): where ix holds it in
 * memory (vd_index_memory), else read into buf; NULL when there is none
 * (buf then untouched). */
const float *vd_index_read_vector(struct vd_index *ix, long long log_id, float *buf);

/* The same, read into ix's own buffer (valid until the next call). */
const float *vd_index_vector(struct vd_index *ix, long long log_id);

#endif
