/* --replay: every endorsed exchange answered again, offline, as if it and
 * its session had never been logged, under the settings given now. */
#include <stdlib.h>
#include <string.h>

#include "vd_answer.h"
#include "vd_db.h"
#include "vd_embedder.h"
#include "vd_error.h"
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

int
vd_review_replay(sqlite3 *db, const struct vd_config *cfg, const struct vd_review_opts *o,
    vd_review_fn *fn, void *arg)
{
	struct vd_config offline = *cfg;
	struct vd_review_set s = { 0 };
	struct vd_asker *a = NULL;
	struct tally t = { 0 };
	sqlite3_stmt *st = NULL;
	long long *ids = NULL, missing = 0;
	size_t i, n, cap = 0;
	int rc;

	/* offline: the language model is never asked, and this connection
	 * cannot write, whatever the code below it tries */
	offline.llm_url = NULL;
	if ((rc = vd_db_exec(db, "PRAGMA query_only = 1")) ||
	    (rc = unembedded(db, &offline, &missing)) ||
	    (rc = vd_asker_open_readonly(db, &offline, o->rules_path, &a)) ||
	    (rc = vd_review_set_load(db, &offline, NULL, VD_REVIEW_ENDORSED, o->since, 0, &s)) ||
	    (rc = vd_db_prepare(db, "SELECT log_id FROM exchanges WHERE session_id = ?"
	    " AND source <> 'record' AND log_id <> ?", &st)))
		goto out;
	for (i = 0; i < s.n && rc == VD_OK; i++) {
		const struct vd_review_item *it = &s.items[i];
		struct vd_answer ans;
		int right, changed;

		memset(&ans, 0, sizeof ans);
		if ((rc = left_out(st, it, &ids, &n, &cap)) || (rc = vd_asker_exclude(a, ids, n)) ||
		    (rc = vd_asker_answer(a, NULL, it->message, &ans))) {
			vd_answer_clear(&ans);
			break;
		}
		right = vd_review_same_text(ans.response, vd_review_answer(it));
		changed = !vd_review_same_text(ans.response, it->response);
		t.n++;
		t.right += right;
		t.answered += !ans.handover;
		t.right_answered += right && !ans.handover;
		t.changed += changed;
		if (!o->summary)
			rc = vd_review_emit(line_json(it, &ans, right, changed), fn, arg);
		vd_answer_clear(&ans);
	}
	if (rc == VD_OK && t.n)
		rc = vd_review_emit(summary_json(&t, &offline, missing), fn, arg);
out:
	sqlite3_finalize(st);
	free(ids);
	vd_asker_free(a);
	vd_review_set_free(&s);
	return rc;
}
