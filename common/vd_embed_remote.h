/* The remote embedder's wire: OpenAI-compatible POST {base}/embeddings or
 * Ollama's POST .../api/embed, one request for the texts given. */
#ifndef VD_EMBED_REMOTE_H
#define VD_EMBED_REMOTE_H

#include <stddef.h>

#include "vd_config.h"

/* Embed n texts with model at cfg->embed_url (ollama: the URL is Ollama's
 * /api/embed itself) into out, n vectors normalised and placed by index.
 * *dim: the expected dimension, or 0 to learn it from the reply (out then
 * needs n * VD_EMBED_MAX_DIM floats). VD_EREMOTE on any failure. */
int vd_embed_remote(const struct vd_config *cfg, const char *model, int ollama,
    const char *const *texts, size_t n, float *out, int *dim);

/* Parse an embeddings response (OpenAI {"data":[{"index","embedding"}]} or
 * Ollama {"embeddings":[[...]]}) into out, n vectors sorted by index, each
 * normalised; *dim receives their dimension. */
int vd_embed_parse_reply(const char *body, size_t len, size_t n, float *out,
    size_t max_dim, int *dim);

#endif
