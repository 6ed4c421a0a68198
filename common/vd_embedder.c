/* The embedder: the table of backends and what every one of them shares
 * (the model name, the content hash of a vector). The backends are in
 * vd_embed_builtin.c and vd_embed_remote.c behind vd_embedder_ops.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_embedder.h"
#include "vd_embedder_ops.h"
#include "vd_error.h"
#include "vd_hash.h"

extern const struct vd_embedder_ops vd_embed_builtin_ops;  /* vd_embed_builtin.c */
extern const struct vd_embedder_ops vd_embed_ollama_ops;   /* vd_embed_remote.c */
extern const struct vd_embedder_ops vd_embed_openai_ops;   /* vd_embed_remote.c */

/* The backends, asked in this order whether they serve a model. */
static const struct vd_embedder_ops *const backends[] = {
	&vd_embed_builtin_ops,
	&vd_embed_ollama_ops,
	&vd_embed_openai_ops,
};

static const struct vd_embedder_ops *
backend(const struct vd_config *cfg, const char *model)
{
	size_t i;

	for (i = 0; i < sizeof backends / sizeof backends[0]; i++)
		if (backends[i]->serves(cfg, model))
			return backends[i];
	return NULL;
}

/* The model cfg names when the caller names none. */
static const char *
default_model(const struct vd_config *cfg)
{
	return cfg->embed_url ? (cfg->embed_model ? cfg->embed_model : "text-embedding-3-small")
	    : VD_BUILTIN_MODEL;
}

int
vd_embedder_open(sqlite3 *db, const struct vd_config *cfg, const char *model,
    struct vd_embedder **out)
{
	struct vd_embedder *e = calloc(1, sizeof *e);
	int rc;

	*out = NULL;
	if (!e)
		return vd_error(VD_ENOMEM, "out of memory");
	if (!model)
		model = default_model(cfg);
	e->cfg = cfg;
	if (!(e->model = strdup(model)))
		rc = vd_error(VD_ENOMEM, "out of memory");
	else if (!(e->ops = backend(cfg, model)))
		rc = vd_error(VD_EUSAGE, "model %s needs VASDOM_EMBED_URL (only '%s' works offline)",
		    model, VD_BUILTIN_MODEL);
	else
		rc = e->ops->open(e, db);
	if (rc) {
		vd_embedder_free(e);
		return rc;
	}
	*out = e;
	return VD_OK;
}

void
vd_embedder_free(struct vd_embedder *e)
{
	if (!e)
		return;
	if (e->ops)
		e->ops->close(e);
	free(e->model);
	free(e);
}

const char *
vd_embedder_model(const struct vd_embedder *e)
{
	return e->model;
}

int
vd_embedder_dim(const struct vd_embedder *e)
{
	return e->ops->dim(e);
}

int
vd_embedder_is_builtin(const struct vd_embedder *e)
{
	return e->ops == &vd_embed_builtin_ops;
}

int
vd_embedder_stale(const struct vd_embedder *e)
{
	return e->ops->state(e);
}

void
vd_embedder_hash(const struct vd_embedder *e, const char *text, const char *answer,
    char *buf)
{
	uint64_t h = vd_fnv1a(VD_FNV_OFFSET, e->model, strlen(e->model));

	h = vd_fnv1a(h, &e->gen, sizeof e->gen);
	h = vd_fnv1a(h, text, strlen(text) + 1);
	/* the answer is part of what a vector is made from where it counts */
	if (e->ops->answers && answer)
		h = vd_fnv1a(h, answer, strlen(answer));
	snprintf(buf, 17, "%016llx", (unsigned long long)h);
}

int
vd_embedder_embed(struct vd_embedder *e, const char *const *texts, size_t n, float *out)
{
	return e->ops->embed(e, texts, n, out);
}

int
vd_embedder_embed_exchanges(struct vd_embedder *e, const char *const *messages,
    const char *const *responses, size_t n, float *out)
{
	int rc;

	if ((rc = e->ops->embed(e, messages, n, out)))
		return rc;
	if (!e->ops->answers || !responses)
		return VD_OK;
	return e->ops->answers(e, responses, n, out);
}

int
vd_embedder_fit(struct vd_embedder *e, sqlite3 *db, long long total)
{
	return e->ops->fit ? e->ops->fit(e, db, total) : VD_OK;
}

char *
vd_embedder_probe_url(const struct vd_config *cfg)
{
	/* the service cfg's URL speaks to, whatever the model: "" is no
	 * model's name, so the built-in backend does not answer */
	const struct vd_embedder_ops *ops = backend(cfg, "");

	return ops && ops->probe ? ops->probe(cfg) : NULL;
}
