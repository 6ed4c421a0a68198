/* The exchanges one review mode looks at, with their question vectors and
 * a search over them. Shared by the vd_review_*.c files only. */
#ifndef VD_REVIEW_SET_H
#define VD_REVIEW_SET_H

#include <stddef.h>
#include <sqlite3.h>
#include <jansson.h>

#include "vd_config.h"
#include "vd_embedder.h"
#include "vd_index.h"

enum vd_review_kind {
	VD_REVIEW_GAPS,       /* default or hand-over answers, low confidence, rated <= 2 */
	VD_REVIEW_GAP_CANDIDATES,  /* those, and the unrated answers of experience or a model */
	VD_REVIEW_ENDORSED,   /* rated at or above the training threshold, or corrected */
	VD_REVIEW_UNRATED,    /* no rating yet */
	VD_REVIEW_ALL
};

struct vd_review_item {
	long long log_id;
	char *session_id, *message, *response, *correction, *source, *model_used, *created_at;
	int rating;           /* 0: none */
	double confidence;    /* -1: not stored */
	int handover;
	int gap;              /* a gap as VD_REVIEW_GAPS has it */
};

struct vd_review_set {
	size_t n;
	struct vd_review_item *items;   /* log_id ascending */
	int dim;
	float *vecs;                    /* n * dim: the questions' vectors */
	struct vd_index *ix;            /* over vecs; ratings: the effective rating */
	size_t missing;                 /* left out: no vector of a remote model */
};

/* Load the exchanges of kind created at or after since (NULL: all), with
 * the current embedder's vectors: the built-in embedder's made here, of
 * the message alone or, with_answers, of the exchange as stored (the
 * answer given mixed in: questions that got the same wrong answer are
 * alike, which measured better for gaps); a remote model's stored ones,
 * which are of the question alone (without one, an exchange is left out
 * and counted in missing). emb NULL: the exchanges alone, no vectors
 * and no index. Free with vd_review_set_free. */
int vd_review_set_load(sqlite3 *db, const struct vd_config *cfg,
    struct vd_embedder *emb, enum vd_review_kind kind, const char *since,
    int with_answers, struct vd_review_set *s);
void vd_review_set_free(struct vd_review_set *s);

/* Keep the items whose keep[i] is set (in order), their vectors and a
 * new index over them. */
int vd_review_set_keep(struct vd_review_set *s, const unsigned char *keep);

/* The 4-bit prefilter's candidates a query when one nearest is looked
 * for (vd_index_memory_prefilter): 256 cost more than they save, and 32
 * gave the same nearest at 100,000 exchanges. */
#define VD_REVIEW_NEAREST_CANDIDATES 32

/* Position of log_id in s, or (size_t)-1. */
size_t vd_review_set_pos(const struct vd_review_set *s, long long log_id);

/* Neighbours in s of nq query vectors with score >= min_score, at most k
 * each, best first: hits[i * k ..], count[i]. exclude[i] (NULL: none) is
 * left out of query i's. hits and count are malloc'd, the caller frees. */
int vd_review_set_near(struct vd_review_set *s, const float *qs, size_t nq,
    const long long *exclude, size_t k, double min_score, int min_rating,
    struct vd_hit **hits, size_t **count);

/* The neighbours of every item of s among the others (score >=
 * min_score, at most k, best first): hits as vd_review_set_near, and nb
 * the same as positions in s. All three malloc'd, the caller frees. */
int vd_review_set_graph(struct vd_review_set *s, size_t k, double min_score,
    struct vd_hit **hits, size_t **nb, size_t **count);

/* The answer people endorse for it: the correction, else the response. */
const char *vd_review_answer(const struct vd_review_item *it);

/* Hand rec to fn and drop it: VD_ENOMEM when rec is NULL (a failed
 * json_pack), else what fn returns. */
int vd_review_emit(json_t *rec, int (*fn)(json_t *, void *), void *arg);

/* The rules (path, else cfg's) and the current embedder, or an error
 * with neither left open. */
struct vd_rules;
int vd_review_open(sqlite3 *db, const struct vd_config *cfg, const char *rules_path,
    struct vd_rules **rules, struct vd_embedder **emb);

/* Do a and b read the same, whitespace aside? */
int vd_review_same_text(const char *a, const char *b);

#endif
