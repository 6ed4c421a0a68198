#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vd_embed_remote.h"
#include "vd_embedder.h"
#include "vd_embedder_ops.h"
#include "vd_error.h"
#include "vd_http.h"

/* Bytes read from the service at most for n texts: the largest sane reply
 * (VD_EMBED_MAX_DIM numbers of about 20 characters a text) and room for
 * the envelope, so a hostile reply cannot cost more memory than a real one
 * (jansson's tree takes about three times the text). */
#define REMOTE_MAX_REPLY(n) ((n) * (size_t)VD_EMBED_MAX_DIM * 24 + 65536)
#define REMOTE_BATCH 64         /* texts a request */
#define OLLAMA_PATH "/api/embed"

extern const struct vd_embedder_ops vd_embed_ollama_ops;

static void
normalise(float *v, int dim)
{
	double norm = 0;
	int i;

	for (i = 0; i < dim; i++)
		norm += (double)v[i] * v[i];
	if (norm > 0)
		for (i = 0; i < dim; i++)
			v[i] = (float)(v[i] / sqrt(norm));
}

static int
put_vector(json_t *arr, float *out, size_t max_dim, int *dim)
{
	size_t i, n = json_array_size(arr);

	if (!json_is_array(arr) || n == 0)
		return vd_error(VD_EREMOTE, "embedding is not a list of numbers");
	if (n > max_dim)
		return vd_error(VD_EREMOTE, "embedding has %zu dimensions, more than %zu", n, max_dim);
	if (*dim && (size_t)*dim != n)
		return vd_error(VD_EREMOTE, "embedding has %zu dimensions, expected %d", n, *dim);
	*dim = (int)n;
	for (i = 0; i < n; i++) {
		json_t *x = json_array_get(arr, i);

		/* within float range: 1e300 would become inf, then NaN */
		if (!json_is_number(x) || !(fabs(json_number_value(x)) <= FLT_MAX))
			return vd_error(VD_EREMOTE, "embedding holds a non-number");
		out[i] = (float)json_number_value(x);
	}
	normalise(out, (int)n);
	return VD_OK;
}

int
vd_embed_parse_reply(const char *body, size_t len, size_t n, float *out,
    size_t max_dim, int *dim)
{
	json_t *root, *data, *item;
	json_error_t e;
	unsigned char *seen;
	size_t i;
	int rc = VD_OK;

	if (!(root = json_loadb(body, len, 0, &e)))
		return vd_error(VD_EREMOTE, "malformed JSON from the embedding service: %s", e.text);
	if (!(seen = calloc(n ? n : 1, 1))) {
		json_decref(root);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	if ((data = json_object_get(root, "embeddings")) && json_is_array(data)) {
		if (json_array_size(data) != n)
			rc = vd_error(VD_EREMOTE, "embedding service returned %zu vectors for %zu texts",
			    json_array_size(data), n);
		for (i = 0; rc == VD_OK && i < n; i++)
			rc = put_vector(json_array_get(data, i), out + i * (size_t)*dim, max_dim, dim);
	} else if ((data = json_object_get(root, "data")) && json_is_array(data)) {
		if (json_array_size(data) != n)
			rc = vd_error(VD_EREMOTE, "embedding service returned %zu vectors for %zu texts",
			    json_array_size(data), n);
		/* learn the dimension from the first vector so that each can be
		 * placed by its index: they may come in any order */
		if (rc == VD_OK && !*dim && n > 0) {
			size_t d = json_array_size(json_object_get(json_array_get(data, 0), "embedding"));

			if (d == 0 || d > max_dim)
				rc = vd_error(VD_EREMOTE, "embedding has %zu dimensions (1 to %zu expected)",
				    d, max_dim);
			else
				*dim = (int)d;
		}
		json_array_foreach(data, i, item) {
			json_t *ix = json_object_get(item, "index");
			json_int_t k = json_is_integer(ix) ? json_integer_value(ix) : (json_int_t)i;

			if (rc)
				break;
			if (k < 0 || (size_t)k >= n || seen[k]) {
				rc = vd_error(VD_EREMOTE, "embedding index %lld is out of range or repeated",
				    (long long)k);
				break;
			}
			seen[k] = 1;
			rc = put_vector(json_object_get(item, "embedding"),
			    out + (size_t)k * (size_t)*dim, max_dim, dim);
		}
	} else
		rc = vd_error(VD_EREMOTE, "embedding reply has neither data nor embeddings");
	free(seen);
	json_decref(root);
	return rc;
}

/* One request: n texts with model at cfg->embed_url (ollama: the URL is
 * Ollama's /api/embed itself, else the OpenAI base) into out, n vectors
 * normalised and placed by index. *dim: the expected dimension, or 0 to
 * learn it from the reply (out then needs n * VD_EMBED_MAX_DIM floats).
 * VD_EREMOTE on any failure. */
static int
post(const struct vd_config *cfg, const char *model, int ollama,
    const char *const *texts, size_t n, float *out, int *dim)
{
	struct vd_http_reply reply;
	json_t *req, *input = json_array();
	char *url, *body;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		json_array_append_new(input, json_string(texts[i]));
	req = json_pack("{s:s, s:o}", "model", model, "input", input);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	url = ollama ? strdup(cfg->embed_url) : vd_url_join(cfg->embed_url, "embeddings");
	if (!body || !url) {
		free(body);
		free(url);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	rc = vd_http_post_json(url, cfg->embed_key, body, cfg->embed_timeout,
	    REMOTE_MAX_REPLY(n), cfg->insecure, &reply);
	if (rc == VD_OK)
		rc = vd_embed_parse_reply(reply.body ? reply.body : "", reply.len, n, out,
		    VD_EMBED_MAX_DIM, dim);
	vd_http_reply_free(&reply);
	free(body);
	free(url);
	return rc;
}

/* The backends of vd_embedder_ops.h: both post to cfg->embed_url, which
 * is Ollama's when it ends in /api/embed. */
static int
ollama_url(const char *url)
{
	size_t n = url ? strlen(url) : 0, m = strlen(OLLAMA_PATH);

	return n >= m && strcmp(url + n - m, OLLAMA_PATH) == 0;
}

static int
openai_serves(const struct vd_config *cfg, const char *model)
{
	return cfg->embed_url != NULL;
}

static int
ollama_serves(const struct vd_config *cfg, const char *model)
{
	return ollama_url(cfg->embed_url);
}

static int
remote_open(struct vd_embedder *e, sqlite3 *db)
{
	return VD_OK;
}

static void
remote_close(struct vd_embedder *e)
{
}

static int
remote_embed(struct vd_embedder *e, const char *const *texts, size_t n, float *out)
{
	int ollama = e->ops == &vd_embed_ollama_ops, rc;
	size_t i, k;

	for (i = 0; i < n; i += k) {
		/* before the first reply the dimension is unknown: out must then
		 * have room for VD_EMBED_MAX_DIM floats a text */
		k = n - i < REMOTE_BATCH ? n - i : REMOTE_BATCH;
		if ((rc = post(e->cfg, e->model, ollama, texts + i, k,
		    out + i * (size_t)e->dim, &e->dim)))
			return rc;
	}
	return VD_OK;
}

static int
remote_dim(const struct vd_embedder *e)
{
	return e->dim;
}

static int
remote_state(const struct vd_embedder *e)
{
	return 0;
}

/* OpenAI-compatible services list their models at {base}/models. */
static char *
openai_probe(const struct vd_config *cfg)
{
	return vd_url_join(cfg->embed_url, "models");
}

/* Ollama lists its models at /api/tags beside /api/embed. */
static char *
ollama_probe(const struct vd_config *cfg)
{
	size_t n = strlen(cfg->embed_url) - strlen(OLLAMA_PATH);
	char *s;

	if ((s = malloc(n + sizeof "/api/tags")))
		sprintf(s, "%.*s/api/tags", (int)n, cfg->embed_url);
	return s;
}

const struct vd_embedder_ops vd_embed_openai_ops = {
	"openai", openai_serves, remote_open, remote_close, remote_embed, NULL,
	remote_dim, remote_state, NULL, openai_probe
};

const struct vd_embedder_ops vd_embed_ollama_ops = {
	"ollama", ollama_serves, remote_open, remote_close, remote_embed, NULL,
	remote_dim, remote_state, NULL, ollama_probe
};
