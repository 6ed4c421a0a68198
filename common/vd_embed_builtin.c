/* The built-in embedder: hashed features of words (stems) and character
 * n-grams, weighted by what it learned from the exchanges (idf), no files
 * and no network. One backend of vd_embedder_ops.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_date.h"
#include "vd_db.h"
#include "vd_embedder_ops.h"
#include "vd_error.h"
#include "vd_hash.h"
#include "vd_stopwords.h"
#include "vd_text.h"

/* Measured with make eval (README): 512 hashed dimensions keep a million
 * vectors small and fast; more dimensions did not help on average. Short
 * n-grams (2-3 characters) beat 3-5 on rutube over 8 hash functions
 * (0.418 against 0.401 on average) and keep banking77 where it was. */
#define BUILTIN_DIM 512
#define ANSWER_WEIGHT 0.4f      /* the answer's share of an exchange's vector */
#define STEM_WEIGHT 0.5f        /* a word stem's weight */
#define NGRAM_WEIGHT 0.5f       /* a character n-gram's */
#define NGRAM_MIN 2
#define NGRAM_MAX 3
/* The features' design, stored after the weights: weights learned for
 * another design (1: stems and 3-5-grams over questions; 2: before words
 * were composed to NFC) are learned again, and every vector with them.
 * The hash seed is part of the design (bits 8-15). */
#define FEATURES 3

/* the one FNV-1a (vd_hash.h), arguments in this file's order */
static uint64_t
fnv(const void *p, size_t n, uint64_t h)
{
	return vd_fnv1a(h, p, n);
}
#define FNV0 VD_FNV_OFFSET

/* Final mix so that nearby hashes spread over the buckets. */
static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static void
add_feature(struct vd_embedder *e, uint64_t h, float w)
{
	h = mix(h + e->seed * 0x9e3779b97f4a7c15ULL);
	e->acc[h % (uint64_t)e->dim] += (h >> 63) ? -w : w;
}

static void
gram_feature(const char *gram, size_t n, void *arg)
{
	add_feature(arg, fnv(gram, n, fnv("c", 1, FNV0)), NGRAM_WEIGHT);
}

/* Features of one word: its stem (robust to inflection) and the character
 * 2- and 3-grams of the folded word with boundary marks (robust to typos,
 * compounds and what stemming misses, such as prefixes). */
static void
word_features(const char *stem, size_t stemlen, const char *word, size_t wordlen,
    void *arg)
{
	struct vd_embedder *e = arg;

	if (vd_text_is_stopword(word))
		return;
	add_feature(e, fnv(stem, stemlen, fnv("w", 1, FNV0)), STEM_WEIGHT);
	vd_text_ngrams(word, wordlen, NGRAM_MIN, NGRAM_MAX, gram_feature, e);
}

static void
builtin_one(struct vd_embedder *e, const char *text, float *out)
{
	double norm = 0;
	int i;

	memset(e->acc, 0, sizeof *e->acc * (size_t)e->dim);
	vd_text_words(e->text, text, word_features, e);
	for (i = 0; i < e->dim; i++) {
		float v = e->acc[i];

		/* sublinear term frequency, then the learned weight */
		v = v > 0 ? logf(1 + v) : v < 0 ? -(logf(1 - v)) : 0;
		if (e->idf)
			v *= e->idf[i];
		out[i] = v;
		norm += (double)v * v;
	}
	if (norm > 0) {
		float inv = (float)(1 / sqrt(norm));

		for (i = 0; i < e->dim; i++)
			out[i] *= inv;
	}
}

static int
load_params(struct vd_embedder *e, sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc;

	if (vd_db_prepare(db, "SELECT dim, params FROM embedding_models WHERE model = ?", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, e->model, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t len = sizeof(float) * (size_t)e->dim;
		const unsigned char *p = sqlite3_column_blob(st, 1);
		uint32_t design = 0;

		if (sqlite3_column_int(st, 0) == e->dim &&
		    sqlite3_column_bytes(st, 1) == (int)(len + sizeof design))
			memcpy(&design, p + len, sizeof design);
		if (design != (FEATURES | (uint32_t)e->seed << 8))
			e->stale = 1;
		else if ((e->idf = malloc(len))) {
			memcpy(e->idf, p, len);
			e->gen = fnv(e->idf, len, FNV0);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	return VD_OK;
}

static int
builtin_fit(struct vd_embedder *e, sqlite3 *db, long long total)
{
	sqlite3_stmt *st;
	unsigned *df;
	double n = 0;
	float *idf;
	uint32_t design = FEATURES | (uint32_t)e->seed << 8;
	char now[32];
	int c, i, rc;

	df = calloc((size_t)e->dim, sizeof *df);
	/* the weights, then the features' design */
	idf = malloc(sizeof *idf * (size_t)e->dim + sizeof design);
	if (!df || !idf) {
		free(df);
		free(idf);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	free(e->idf);
	e->idf = NULL;
	/* questions and answers are documents alike: an exchange's vector is
	 * made of both, so both say how rare a feature is */
	rc = vd_db_prepare(db, "SELECT message, coalesce(correction, response) FROM exchanges", &st);
	while (rc == VD_OK && sqlite3_step(st) == SQLITE_ROW) {
		for (c = 0; c < 2; c++) {
			if (sqlite3_column_type(st, c) == SQLITE_NULL)
				continue;
			memset(e->acc, 0, sizeof *e->acc * (size_t)e->dim);
			vd_text_words(e->text, (const char *)sqlite3_column_text(st, c),
			    word_features, e);
			for (i = 0; i < e->dim; i++)
				df[i] += e->acc[i] != 0;
			n++;
		}
	}
	if (rc == VD_OK)
		sqlite3_finalize(st);
	/* smoothed inverse document frequency, as in common TF-IDF practice */
	for (i = 0; i < e->dim; i++)
		idf[i] = (float)(log((n + 1) / (df[i] + 1.0)) + 1);
	free(df);
	if (rc) {
		free(idf);
		return rc;
	}
	e->idf = idf;
	e->stale = 0;
	e->gen = fnv(idf, sizeof(float) * (size_t)e->dim, FNV0);
	memcpy(idf + e->dim, &design, sizeof design);
	if ((rc = vd_db_prepare(db, "INSERT OR REPLACE INTO embedding_models"
	    " (model, dim, params, fitted_on, updated_at) VALUES (?, ?, ?, ?, ?)", &st)))
		return rc;
	sqlite3_bind_text(st, 1, e->model, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, e->dim);
	sqlite3_bind_blob(st, 3, idf, (int)(sizeof(float) * (size_t)e->dim + sizeof design),
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, total);
	sqlite3_bind_text(st, 5, vd_now_iso(now), -1, SQLITE_STATIC);
	return vd_db_step_done(db, st);
}

static int
builtin_serves(const struct vd_config *cfg, const char *model)
{
	return strcmp(model, VD_BUILTIN_MODEL) == 0;
}

static int
builtin_open(struct vd_embedder *e, sqlite3 *db)
{
	e->builtin = 1;
	e->seed = (uint64_t)e->cfg->embed_seed;
	e->dim = BUILTIN_DIM;
	e->text = vd_text_new();
	e->acc = malloc(sizeof(float) * BUILTIN_DIM);
	e->resp = malloc(sizeof(float) * BUILTIN_DIM);
	if (!e->text || !e->acc || !e->resp)
		return vd_error(VD_ENOMEM, "out of memory");
	return db ? load_params(e, db) : VD_OK;
}

static void
builtin_close(struct vd_embedder *e)
{
	vd_text_free(e->text);
	free(e->acc);
	free(e->resp);
	free(e->idf);
}

static int
builtin_embed(struct vd_embedder *e, const char *const *texts, size_t n, float *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		builtin_one(e, texts[i], out + i * (size_t)e->dim);
	return VD_OK;
}

static int
builtin_answers(struct vd_embedder *e, const char *const *responses, size_t n, float *out)
{
	size_t i;
	int d;

	/* the answer describes the topic in more words than the question:
	 * add its direction, with less weight, to the exchange's vector */
	for (i = 0; i < n; i++) {
		float *v = out + i * (size_t)e->dim;
		double norm = 0;

		builtin_one(e, responses[i], e->resp);
		for (d = 0; d < e->dim; d++) {
			v[d] += ANSWER_WEIGHT * e->resp[d];
			norm += (double)v[d] * v[d];
		}
		if (norm > 0)
			for (d = 0; d < e->dim; d++)
				v[d] = (float)(v[d] / sqrt(norm));
	}
	return VD_OK;
}

static int
builtin_dim(const struct vd_embedder *e)
{
	return e->dim;
}

static int
builtin_state(const struct vd_embedder *e)
{
	return e->stale;
}

const struct vd_embedder_ops vd_embed_builtin_ops = {
	"builtin", builtin_serves, builtin_open, builtin_close, builtin_embed,
	builtin_answers, builtin_dim, builtin_state, builtin_fit, NULL
};
