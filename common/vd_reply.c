#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_exchange.h"
#include "vd_profile.h"
#include "vd_record.h"
#include "vd_reply.h"
#include "vd_text.h"

int
vd_reply_message(const struct vd_record *rec, char **out)
{
	const char *m;
	size_t n, chars;

	if (vd_rec_str(rec, "message", &m))
		return VD_EINPUT;
	if (!m)
		return vd_error(VD_EINPUT, "no message");
	n = strlen(m);
	if (json_string_length(json_object_get(rec->obj, "message")) != n)
		return vd_error(VD_EINPUT, "message holds a NUL character");
	m = vd_text_trim(m, &n);
	if (n == 0)
		return vd_error(VD_EINPUT, "empty message");
	if ((chars = vd_utf8_len(m, n)) > VD_MESSAGE_MAX)
		return vd_error(VD_EINPUT, "message has %zu characters, more than %d", chars,
		    VD_MESSAGE_MAX);
	if (!(*out = strndup(m, n)))
		return vd_error(VD_ENOMEM, "out of memory");
	return VD_OK;
}

/* The confidence model's inputs, by name (null when no candidate). */
static json_t *
explain_signals(const struct vd_answer *ans)
{
	json_t *o;
	int i;

	if (ans->ncand == 0)
		return json_null();
	o = json_object();
	for (i = 0; i < VD_NSIGNALS; i++)
		json_object_set_new(o, vd_signal_names[i], json_real(ans->signals[i]));
	return o;
}

/* The neighbours the answer was chosen among, in the order vector search
 * found them, with what each vote was weighed by. */
static json_t *
explain_neighbours(const struct vd_answer *ans)
{
	json_t *nb = json_array();
	size_t k;

	for (k = 0; nb && k < ans->nsimilar; k++) {
		const struct vd_similar *s = &ans->similar[k];

		if (json_array_append_new(nb, json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:b, s:s}",
		    "log_id", (json_int_t)s->log_id, "score", (double)s->score,
		    "cosine", s->lex[VD_LEX_COSINE], "bm25", s->lex[VD_LEX_BM25],
		    "question_cosine", s->lex[VD_LEX_QCOSINE], "kind_mismatch", s->lex[VD_LEX_KIND],
		    "crowding", s->crowding, "rank", s->rank, "rating", s->rating, "learned", s->learned,
		    "answer", s->answer))) {
			json_decref(nb);
			return NULL;
		}
	}
	return nb;
}

/* The exchange of a client_id stored before: an error, or with
 * VD_REPLY_SKIP_EXISTING its stored record marked existed. */
static int
stored(sqlite3 *db, const struct vd_exchange *x, unsigned flags, json_t **out)
{
	int rc;

	if (!(flags & VD_REPLY_SKIP_EXISTING))
		return vd_error(VD_EINPUT, "client_id %s is already stored as log %lld",
		    x->client_id, x->log_id);
	if ((rc = vd_exchange_get(db, x->log_id, out)))
		return rc == VD_ENOTFOUND ? vd_error(VD_EDB, "log %lld: gone", x->log_id) : rc;
	json_object_set_new(*out, "existed", json_true());
	return VD_OK;
}

int
vd_reply_ask(sqlite3 *db, struct vd_asker *asker, const struct vd_record *rec,
    const char *session, const char *msg, unsigned flags, json_t **out)
{
	struct vd_exchange x = { 0 };
	struct vd_answer ans;
	const char *sess = NULL;
	char *similar = NULL;
	json_t *sim = NULL;
	int existed, rc;

	*out = NULL;
	if ((rc = vd_rec_str(rec, "session_id", &sess)) ||
	    (rc = vd_rec_str(rec, "client_id", &x.client_id)))
		return rc;
	/* a re-run of a killed batch: asked already, not asked again */
	if (x.client_id && (rc = vd_exchange_find_client(db, x.client_id, &x.log_id)) != VD_ENOTFOUND)
		return rc ? rc : stored(db, &x, flags, out);
	/* a conversation only in a session named by the caller: a run's own
	 * new session holds unrelated questions (a bulk run, an import) */
	if ((rc = vd_asker_answer(asker, sess && *sess ? sess
	    : flags & VD_REPLY_SESSION_NAMED ? session : NULL, msg, &ans)))
		return rc;
	/* stored as its text, replied as itself */
	if ((sim = vd_answer_similar(&ans)))
		similar = json_dumps(sim, JSON_COMPACT | JSON_REAL_PRECISION(6));
	x.session_id = sess && *sess ? sess : session;
	x.message = msg;
	x.response = ans.response;
	x.source = ans.source;
	x.model_used = ans.model_used;
	x.response_time = ans.response_time;
	x.similar_found = (int)ans.nsimilar;
	x.similar_used = similar;
	x.model_error = ans.model_error;
	x.prompt_tokens = ans.prompt_tokens;
	x.completion_tokens = ans.completion_tokens;
	x.scored = 1;
	x.confidence = ans.confidence;
	x.handover = ans.handover;
	if ((rc = vd_exchange_insert(db, &x, &existed)) == VD_OK && existed)
		rc = stored(db, &x, flags, out);
	else if (rc == VD_OK)
		*out = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:f, s:i, s:b, s:o, s:o, s:s}",
		    "log_id", (json_int_t)x.log_id, "session_id", x.session_id,
		    "message", msg, "response", ans.response, "source", ans.source,
		    "model_used", ans.model_used, "response_time",
		    (double)(long)(ans.response_time * 1e6) / 1e6,
		    "similar_found", (int)ans.nsimilar, "learning_improved", ans.nsimilar > 0,
		    "similar", json_incref(sim),
		    "model_error", ans.model_error ? json_string(ans.model_error) : json_null(),
		    "created_at", x.created);
	if (rc == VD_OK && !*out)
		rc = vd_error(VD_ENOMEM, "out of memory");
	if (rc == VD_OK && !existed) {
		json_object_set_new(*out, "confidence",
		    json_real((double)(long)(ans.confidence * 10000 + 0.5) / 10000));
		json_object_set_new(*out, "handover", json_boolean(ans.handover));
		json_object_set_new(*out, "answered_as",
		    json_string(ans.answered_as ? ans.answered_as : msg));
		if (flags & VD_REPLY_EXPLAIN) {
			json_object_set_new(*out, "signals", explain_signals(&ans));
			json_object_set_new(*out, "neighbours", explain_neighbours(&ans));
		}
	}
	free(similar);
	json_decref(sim);
	vd_answer_clear(&ans);
	return rc;
}

/* Optional text fields: empty means absent. */
static int
opt_text(const struct vd_record *rec, const char *field, const char **out)
{
	int rc = vd_rec_str(rec, field, out);

	if (rc == VD_OK && *out && !**out)
		*out = NULL;
	return rc;
}

int
vd_reply_rate(sqlite3 *db, const struct vd_config *cfg, const struct vd_record *rec,
    int skip_existing, json_t **out)
{
	const char *feedback, *correction, *client_id;
	long long log_id, rating = 0;
	int present, existed, rc;

	*out = NULL;
	if ((rc = vd_rec_int(rec, "log_id", &log_id, &present)))
		return rc;
	if (!present)
		return vd_error(VD_EINPUT, "no log_id");
	if ((rc = vd_rec_rating(rec, &rating, &present)))
		return rc;
	if (!present)
		return vd_error(VD_EINPUT, "no rating");
	if ((rc = opt_text(rec, "feedback_text", &feedback)) ||
	    (rc = opt_text(rec, "correction", &correction)) ||
	    (rc = opt_text(rec, "client_id", &client_id)))
		return rc;
	if ((rc = vd_exchange_rate(db, log_id, (int)rating, feedback, correction,
	    client_id, &existed)))
		return rc;
	if (existed && !skip_existing)
		return vd_error(VD_EINPUT, "client_id %s was applied before", client_id);
	*out = json_pack("{s:b, s:I, s:I, s:s, s:b}", "success", 1,
	    "log_id", (json_int_t)log_id, "rating", (json_int_t)rating,
	    "message", rating >= cfg->min_rating ? cfg->profile->rated_good
	    : cfg->profile->rated_bad,
	    "will_be_used_for_training", rating >= cfg->min_rating);
	return *out ? VD_OK : vd_error(VD_ENOMEM, "out of memory");
}
