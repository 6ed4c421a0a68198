/* The embedder's insides and its backends' operations, shared by
 * vd_embedder.c (the table of backends and the dispatch) and the files of
 * the backends: vd_embed_builtin.c, vd_embed_remote.c (OpenAI and
 * Ollama). Not for anyone else: they use vd_embedder.h. A new backend is
 * one new file defining a struct vd_embedder_ops, and one line in the
 * table in vd_embedder.c. */
#ifndef VD_EMBEDDER_OPS_H
#define VD_EMBEDDER_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "vd_config.h"
#include "vd_embedder.h"

struct vd_embedder_ops {
	const char *name;
	/* Does this backend embed with model under cfg? The first of the
	 * table that says so is taken. */
	int (*serves)(const struct vd_config *cfg, const char *model);
	/* Set up e (model, cfg set) from db (may be NULL); undone by close. */
	int (*open)(struct vd_embedder *e, sqlite3 *db);
	void (*close)(struct vd_embedder *e);
	/* n texts into out, n * e->dim floats of unit length (e->dim learned
	 * on the first call when 0). */
	int (*embed)(struct vd_embedder *e, const char *const *texts, size_t n, float *out);
	/* Add the answers' direction to n exchanges' vectors; NULL: an
	 * exchange is its question alone. */
	int (*answers)(struct vd_embedder *e, const char *const *responses, size_t n, float *out);
	/* The dimension, 0 until known. */
	int (*dim)(const struct vd_embedder *e);
	/* Learned state of another design: its vectors must be made again. */
	int (*state)(const struct vd_embedder *e);
	/* Learn from the exchanges in db and store it; NULL: nothing to learn. */
	int (*fit)(struct vd_embedder *e, sqlite3 *db, long long total);
	/* The URL whose answer says the service is up (malloc'd), or NULL
	 * with nothing to probe. */
	char *(*probe)(const struct vd_config *cfg);
};

struct vd_embedder {
	const struct vd_embedder_ops *ops;   /* its backend */
	char *model;
	int builtin, dim;
	uint64_t seed;       /* VASDOM_EMBED_SEED: which features share a dimension */
	struct vd_text *text;
	float *idf;          /* learned weights, NULL until fitted */
	int stale;           /* stored weights are of another design */
	uint64_t gen;        /* hash of the weights, part of content hashes */
	const struct vd_config *cfg;
	float *acc;          /* scratch of dim floats */
	float *resp;         /* scratch: the answer's vector */
};

#endif
