/* --replay: every endorsed exchange answered again, offline, as if it and
 * its session had never been logged, under the settings given now. */
#include <stdlib.h>
#include <string.h>

#include "vd_answer.h"
#include "vd_db.h"
#include "vd_embedder.h"
#include "vd_error.h"
#include "vd_index.h"
#include "vd_review.h"
#include "vd_review_set.h"

struct tally {
	long long n, right, answered, right_answered, changed;
};

/* What leaving an exchange out means: itself and, unless it was recorded
 * (an import, whose session is only the batch it came in), the other
 * asked exchanges of its session, which may have seen its answer. */
static int
left_out(sqlite3_stmt *st, const struct vd_review_item *it, long long **ids, size_t *n,
    size_t *cap)
{
	int rc;

	*n = 0;
	if (*cap == 0 && !(*ids = malloc(sizeof **ids * (*cap = 64))))
		return vd_error(VD_ENOMEM, "out of memory");
	(*ids)[(*n)++] = it->log_id;
	if (strcmp(it->source, "record") == 0)
		return VD_OK;
	sqlite3_bind_text(st, 1, it->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, it->log_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == *cap) {
			long long *p = realloc(*ids, sizeof **ids * (*cap *= 2));

			if (!p) {
				sqlite3_reset(st);
				return vd_error(VD_ENOMEM, "out of memory");
			}
			*ids = p;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? VD_OK : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
}

static double
share(long long a, long long b)
{
	return b ? (double)a / (double)b : 0;
}

static json_t *
summary_json(const struct tally *t, const struct vd_config *cfg, long long unembedded)
{
	return json_pack("{s:n, s:s, s:I, s:f, s:f, s:f, s:I, s:f, s:f, s:I}", "log_id",
	    "kind", "summary", "replayed", (json_int_t)t->n,
	    "accuracy", share(t->right, t->n), "coverage", share(t->answered, t->n),
	    "precision", share(t->right_answered, t->answered),
	    "answers_changed", (json_int_t)t->changed,
	    "min_confidence", cfg->min_confidence, "min_similarity", cfg->min_similarity,
	    "not_embedded", (json_int_t)unembedded);
}

static json_t *
line_json(const struct vd_review_item *it, const struct vd_answer *ans, int right, int changed)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:f, s:s, s:b, s:b}",
	    "log_id", (json_int_t)it->log_id, "kind", "exchange", "message", it->message,
	    "expected", vd_review_answer(it), "got", ans->response, "right", right,
	    "confidence", (double)(long)(ans->confidence * 10000 + 0.5) / 10000,
	    "source", ans->source, "handover", ans->handover, "changed", changed);
}

/* Rated exchanges whose vector is missing or out of date (made before a
 * correction, or with older weights): the asker finds them as they were
 * embedded, or not at all, where vasdom-ask would embed them first. */
static int
unembedded(sqlite3 *db, const struct vd_config *cfg, long long *n)
{
	struct vd_embedder *e;
	sqlite3_stmt *st;
	char hash[17];
	int rc;

	*n = 0;
	if ((rc = vd_embedder_open(db, cfg, NULL, &e)))
		return rc;
	if ((rc = vd_db_prepare(db, "SELECT x.message, coalesce(x.correction, x.response),"
	    " v.content_hash FROM exchanges x LEFT JOIN embeddings v ON v.log_id = x.log_id"
	    " AND v.model = ? WHERE x.rating IS NOT NULL", &st)) == VD_OK) {
		sqlite3_bind_text(st, 1, vd_embedder_model(e), -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *stored = (const char *)sqlite3_column_text(st, 2);

			vd_embedder_hash(e, (const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1), hash);
			*n += !stored || strcmp(stored, hash) != 0;
		}
		rc = rc == SQLITE_DONE ? VD_OK : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	vd_embedder_free(e);
	return rc;
}

/* Exchanges answered together: their questions are searched in one pass
 * over the rated vectors (vd_asker_search), not one pass each. */
#define BATCH 256

struct batch {
	const char *msgs[BATCH];
	long long self[BATCH];
	size_t first[BATCH + 1];    /* each one's left out: ids[first[j] .. first[j + 1]) */
	long long *ids;
	size_t cap;
	struct vd_hit *hits;
	size_t nhits, found[BATCH];
};

static int
tally_one(const struct vd_review_item *it, const struct vd_answer *ans,
    const struct vd_review_opts *o, struct tally *t, vd_review_fn *fn, void *arg)
{
	int right = vd_review_same_text(ans->response, vd_review_answer(it));
	int changed = !vd_review_same_text(ans->response, it->response);

	t->n++;
	t->right += right;
	t->answered += !ans->handover;
	t->right_answered += right && !ans->handover;
	t->changed += changed;
	return o->summary ? VD_OK : vd_review_emit(line_json(it, ans, right, changed), fn, arg);
}

/* Answer s->items[from .. from + nb): each one's left out gathered, the
 * questions searched at once with room for the most left out, then each
 * answered from its hits without its own left out. */
static int
replay_batch(struct vd_asker *a, sqlite3_stmt *st, const struct vd_review_set *s,
    size_t from, size_t nb, struct batch *b, const struct vd_review_opts *o,
    struct tally *t, vd_review_fn *fn, void *arg)
{
	long long *one = NULL;
	size_t j, n, cap = 0, most = 0, k;
	int rc = VD_OK;

	b->first[0] = 0;
	for (j = 0; j < nb && rc == VD_OK; j++) {
		const struct vd_review_item *it = &s->items[from + j];

		if ((rc = left_out(st, it, &one, &n, &cap)))
			break;
		if (b->first[j] + n > b->cap) {
			size_t c = (b->first[j] + n) * 2;
			long long *p = realloc(b->ids, sizeof *p * c);

			if (!p) {
				rc = vd_error(VD_ENOMEM, "out of memory");
				break;
			}
			b->ids = p;
			b->cap = c;
		}
		memcpy(b->ids + b->first[j], one, sizeof *one * n);
		b->first[j + 1] = b->first[j] + n;
		b->msgs[j] = it->message;
		b->self[j] = it->log_id;
		most = n > most ? n : most;
	}
	free(one);
	if (rc)
		return rc;
	/* itself is left out by the search; the others may be among the nearest */
	k = VD_SIMILAR_MAX + most - 1;
	if (nb * k > b->nhits) {
		free(b->hits);
		if (!(b->hits = malloc(sizeof *b->hits * nb * k))) {
			b->nhits = 0;
			return vd_error(VD_ENOMEM, "out of memory");
		}
		b->nhits = nb * k;
	}
	if ((rc = vd_asker_search(a, b->msgs, nb, k, b->self, b->hits, b->found)))
		return rc;
	for (j = 0; j < nb && rc == VD_OK; j++) {
		struct vd_answer ans;

		memset(&ans, 0, sizeof ans);
		if ((rc = vd_asker_exclude(a, b->ids + b->first[j], b->first[j + 1] - b->first[j])) ||
		    (rc = vd_asker_answer_found(a, b->msgs[j], b->hits + j * k, b->found[j], &ans)) ||
		    (rc = tally_one(&s->items[from + j], &ans, o, t, fn, arg))) {
			vd_answer_clear(&ans);
			break;
		}
		vd_answer_clear(&ans);
	}
	return rc;
}

int
vd_review_replay(sqlite3 *db, const struct vd_config *cfg, const struct vd_review_opts *o,
    vd_review_fn *fn, void *arg)
{
	struct vd_config offline = *cfg;
	struct vd_review_set s = { 0 };
	struct vd_asker *a = NULL;
	struct tally t = { 0 };
	struct batch *b = NULL;
	sqlite3_stmt *st = NULL;
	long long missing = 0;
	size_t i;
	int rc, began = 0;

	/* offline: the language model is never asked, and this connection
	 * cannot write, whatever the code below it tries */
	offline.llm_url = NULL;
	/* the database mapped, not read a page at a time into the cache
	 * (the neighbours' rows are all over the table: 13% of the time at
	 * 100,000) */
	if ((rc = vd_db_exec(db, "PRAGMA query_only = 1")) ||
	    (rc = vd_db_exec(db, "PRAGMA mmap_size = 1073741824")) ||
	    (rc = unembedded(db, &offline, &missing)) ||
	    (rc = vd_asker_open_readonly(db, &offline, o->rules_path, &a)) ||
	    (rc = vd_review_set_load(db, &offline, NULL, VD_REVIEW_ENDORSED, o->since, 0, &s)) ||
	    (rc = vd_db_prepare(db, "SELECT log_id FROM exchanges WHERE session_id = ?"
	    " AND source <> 'record' AND log_id <> ?", &st)))
		goto out;
	if (!(b = calloc(1, sizeof *b))) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto out;
	}
	/* one read transaction: one snapshot, not a lock taken again by
	 * every neighbour's statement */
	if ((rc = vd_db_exec(db, "BEGIN")))
		goto out;
	began = 1;
	for (i = 0; i < s.n && rc == VD_OK; i += BATCH)
		rc = replay_batch(a, st, &s, i, s.n - i < BATCH ? s.n - i : BATCH, b, o, &t,
		    fn, arg);
	if (rc == VD_OK && t.n)
		rc = vd_review_emit(summary_json(&t, &offline, missing), fn, arg);
out:
	if (b) {
		free(b->ids);
		free(b->hits);
		free(b);
	}
	sqlite3_finalize(st);
	vd_asker_free(a);
	vd_review_set_free(&s);
	if (began && vd_db_exec(db, "COMMIT") && rc == VD_OK)
		rc = VD_EDB;
	return rc;
}
