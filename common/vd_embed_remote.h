/* The remote embedders' wire: OpenAI-compatible POST {base}/embeddings or
 * Ollama's POST .../api/embed, one request a batch of texts. Its backends
 * (vd_embed_openai_ops, vd_embed_ollama_ops) sit in the table of
 * vd_embedder.c; what is public is the parse of a reply (for the fuzzer). */
#ifndef VD_EMBED_REMOTE_H
#define VD_EMBED_REMOTE_H

#include <stddef.h>

#include "vd_config.h"

/* Parse an embeddings response (OpenAI {"data":[{"index","embedding"}]} or
 * Ollama {"embeddings":[[...]]}) into out, n vectors sorted by index, each
 * normalised; *dim receives their dimension. */
int vd_embed_parse_reply(const char *body, size_t len, size_t n, float *out,
    size_t max_dim, int *dim);

#endif
