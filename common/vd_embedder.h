/* Embedders turn text into unit vectors so questions can be compared by
 * meaning. The built-in one needs no files and no network; a remote one
 * speaks the OpenAI /embeddings or Ollama /api/embed wire format. Vectors of
 * different models are never compared: every stored vector names its model. */
#ifndef VD_EMBEDDER_H
#define VD_EMBEDDER_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "vd_config.h"

#define VD_BUILTIN_MODEL "builtin"

struct vd_embedder;

/* The embedder for model (NULL: VASDOM_EMBED_MODEL when VASDOM_EMBED_URL is
 * set, else the built-in). The built-in one reads its learned weights from
 * db (it works without them). Free with vd_embedder_free. */
int vd_embedder_open(sqlite3 *db, const struct vd_config *cfg,
    const char *model, struct vd_embedder **out);
void vd_embedder_free(struct vd_embedder *e);

const char *vd_embedder_model(const struct vd_embedder *e);
int vd_embedder_dim(const struct vd_embedder *e);   /* 0: not known yet */
int vd_embedder_is_builtin(const struct vd_embedder *e);
/* The built-in model's stored weights were learned for another design of
 * its features (an older vasdom): its vectors must be made again, which
 * vd_vectors_update does, before they can be compared with new ones. */
int vd_embedder_stale(const struct vd_embedder *e);

/* Embed n texts into out (n * dim floats, unit length). A remote embedder
 * learns its dim on the first call; size out with VD_EMBED_MAX_DIM then.
 * VD_EREMOTE for service failures, wrong counts or dimensions. */
#define VD_EMBED_MAX_DIM 8192
int vd_embedder_embed(struct vd_embedder *e, const char *const *texts, size_t n,
    float *out);

/* Embed n exchanges: the built-in model adds the answer's direction to the
 * question's (responses may be NULL); a remote model embeds the questions. */
int vd_embedder_embed_exchanges(struct vd_embedder *e, const char *const *messages,
    const char *const *responses, size_t n, float *out);

/* The built-in model learns term weights from the messages and answers in
 * db; this (re)fits them and stores them. Vectors made with older weights
 * then no longer match their content hash and are re-embedded. */
int vd_embedder_fit(struct vd_embedder *e, sqlite3 *db, long long total);

/* The URL of cfg's embedding service that says whether it is up (its
 * list of models), malloc'd; NULL when there is none to ask (the
 * built-in embedder) or out of memory. */
char *vd_embedder_probe_url(const struct vd_config *cfg);

/* A short stable hash of what a vector was made from (model state, text
 * and, for the built-in model, the answer), as 16 hex digits into buf[17]. */
void vd_embedder_hash(const struct vd_embedder *e, const char *text,
    const char *answer, char *buf);

#endif
