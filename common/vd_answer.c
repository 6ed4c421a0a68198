#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "vd_answer.h"
#include "vd_confidence.h"
#include "vd_crowding.h"
#include "vd_date.h"
#include "vd_db.h"
#include "vd_embedder.h"
#include "vd_error.h"
#include "vd_history.h"
#include "vd_index_search.h"
#include "vd_llm.h"
#include "vd_profile.h"
#include "vd_rank.h"
#include "vd_rules.h"
#include "vd_vectors.h"

/* How fast a neighbour's vote fades with its distance below the nearest:
 * measured with make eval, 0.05 lets agreeing neighbours outvote a lone
 * nearest one (banking77 0.857 -> 0.870) without drowning the nearest in
 * answers that merely recur (rutube 0.414 -> 0.419; a plain sum: 0.358). */
#define VOTE_FADE 0.05
/* A learned exchange (asked, then rated or corrected) is one user's
 * phrasing, and users' phrasings resemble each other by their manner: its
 * vote fades faster, so it counts when it stands near the top, not as one
 * of many learned exchanges a little below it. Chosen on eight random
 * splits of the rutube FAQ questions other than make eval's (replayed):
 * the cross-topic drops' mean 0.0083 -> 0.0066, ways over 0.01 7 -> 5 of
 * 16, while the round-2 gain rose (+0.086 -> +0.089); 0.015-0.035 all
 * gave 0.0056-0.0069 there; scripts/eval.py --splits 4: 0.0078 -> 0.0068.
 * The price: round 3 +0.098 -> +0.090. */
#define LEARNED_VOTE_FADE 0.03
/* Confidence of the sources the model does not cover. The rules and a
 * language model are the operator's choice and are not measured here:
 * 0.5 says "no evidence either way"; the default answer is no answer. */
#define INTENT_CONFIDENCE 0.5
#define LLM_CONFIDENCE 0.5

struct vd_asker {
	sqlite3 *db;
	const struct vd_config *cfg;
	struct vd_rules *rules;
	struct vd_embedder *emb;
	struct vd_index *rated;
	struct vd_ranker *ranker;
	struct vd_confidence model;
	float *q;
	long long *exclude;     /* sorted */
	size_t nexclude;
	int readonly;           /* never writes to db */
	const struct vd_profile *profile;  /* cfg's, else own */
	struct vd_profile *own;
};

void
vd_asker_free(struct vd_asker *a)
{
	if (!a)
		return;
	vd_rules_free(a->rules);
	vd_profile_free(a->own);
	vd_embedder_free(a->emb);
	vd_index_free(a->rated);
	vd_ranker_free(a->ranker);
	free(a->q);
	free(a->exclude);
	free(a);
}

static int
asker_open(sqlite3 *db, const struct vd_config *cfg, const char *rules_path,
    int readonly, struct vd_asker **out)
{
	struct vd_asker *a = calloc(1, sizeof *a);
	long long done;
	int rc;

	*out = NULL;
	if (!a)
		return vd_error(VD_ENOMEM, "out of memory");
	a->db = db;
	a->cfg = cfg;
	a->readonly = readonly;
	/* a tool that did not load the profile itself still speaks as it says */
	if (!(a->profile = cfg->profile) && (rc = vd_profile_load(cfg->profile_path, &a->own)))
		goto fail;
	if (!a->profile)
		a->profile = a->own;
	if ((rc = vd_rules_load(rules_path ? rules_path : cfg->rules_path, &a->rules)) ||
	    (rc = vd_confidence_load(cfg->confidence_model, &a->model)) ||
	    (rc = vd_ranker_new(&a->ranker)) ||
	    (rc = vd_embedder_open(db, cfg, NULL, &a->emb)))
		goto fail;
	/* the built-in embedder is cheap: bring rated vectors up to date here
	 * so a rating counts from the next question on, embed run or not */
	if (!readonly && vd_embedder_is_builtin(a->emb) &&
	    (rc = vd_vectors_update(db, a->emb, VD_SCOPE_RATED, 0, NULL, NULL, &done)))
		goto fail;
	if ((rc = vd_index_load(db, cfg, vd_embedder_model(a->emb), vd_embedder_dim(a->emb),
	    VD_SCOPE_RATED, &a->rated)))
		goto fail;
	if (!(a->q = malloc(sizeof(float) * VD_EMBED_MAX_DIM))) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto fail;
	}
	*out = a;
	return VD_OK;
fail:
	vd_asker_free(a);
	return rc;
}

int
vd_asker_open(sqlite3 *db, const struct vd_config *cfg, const char *rules_path,
    struct vd_asker **out)
{
	return asker_open(db, cfg, rules_path, 0, out);
}

int
vd_asker_open_readonly(sqlite3 *db, const struct vd_config *cfg, const char *rules_path,
    struct vd_asker **out)
{
	return asker_open(db, cfg, rules_path, 1, out);
}

static int
cmp_id(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return a < b ? -1 : a > b;
}

int
vd_asker_exclude(struct vd_asker *a, const long long *ids, size_t n)
{
	long long *copy = NULL;

	if (n && !(copy = malloc(sizeof *copy * n)))
		return vd_error(VD_ENOMEM, "out of memory");
	if (n)
		memcpy(copy, ids, sizeof *copy * n);
	qsort(copy, n, sizeof *copy, cmp_id);
	free(a->exclude);
	a->exclude = copy;
	a->nexclude = n;
	return VD_OK;
}

static int
excluded(const struct vd_asker *a, long long id)
{
	return a->nexclude && bsearch(&id, a->exclude, a->nexclude, sizeof id, cmp_id);
}

/* A long-running process (a frontend's coprocess) learns from ratings and
 * corrections made by others since its last question: when the rated
 * vectors' version moved, bring them up to date and read what changed
 * through the change logs, as vd_asker_open did at the start. One query
 * when nothing did. */
static int
refresh(struct vd_asker *a)
{
	long long done;
	int rc;

	if (vd_index_current(a->rated))
		return VD_OK;
	if (!a->readonly && vd_embedder_is_builtin(a->emb) &&
	    (rc = vd_vectors_update(a->db, a->emb, VD_SCOPE_RATED, 0, NULL, NULL, &done)))
		return rc;
	return vd_index_refresh(a->rated);
}

void
vd_answer_clear(struct vd_answer *ans)
{
	size_t i;

	free(ans->response);
	free(ans->model_used);
	free(ans->model_error);
	free(ans->answered_as);
	for (i = 0; i < ans->nsimilar; i++) {
		free(ans->similar[i].message);
		free(ans->similar[i].answer);
	}
	memset(ans, 0, sizeof *ans);
}

/* The neighbours among hits[0..n) (best first) not left out, at or above
 * the minimum similarity, with the answer people endorsed (their
 * correction if they gave one), and their crowding (vd_crowding.h) from
 * the exact vectors the search scored them with: vecs[i] for hits[i]
 * (vd_index_search_vectors), or when vecs is NULL read again. */
static int
take_similar(struct vd_asker *a, const struct vd_hit *hits, const float *const *vecs,
    size_t n, struct vd_answer *ans)
{
	const float *vec[VD_SIMILAR_MAX];
	float *own = NULL;
	size_t i, seen = 0, dim = n ? (size_t)vd_index_dim(a->rated) : 0;
	sqlite3_stmt *st;

	if (n && !vecs && !(own = malloc(sizeof *own * VD_SIMILAR_MAX * dim)))
		return vd_error(VD_ENOMEM, "out of memory");
	if (vd_db_prepare(a->db, "SELECT rating, message, coalesce(correction, response),"
	    " correction IS NOT NULL, source <> 'record' FROM exchanges WHERE log_id = ?", &st)) {
		free(own);
		return VD_EDB;
	}
	for (i = 0; i < n && seen < VD_SIMILAR_MAX; i++) {
		struct vd_similar *s = &ans->similar[ans->nsimilar];

		if (excluded(a, hits[i].log_id))
			continue;
		seen++;
		if (hits[i].score < a->cfg->min_similarity)
			break;
		sqlite3_bind_int64(st, 1, hits[i].log_id);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
			s->log_id = hits[i].log_id;
			s->score = hits[i].score;
			s->rating = sqlite3_column_int(st, 3) ? 5 : sqlite3_column_int(st, 0);
			s->learned = sqlite3_column_int(st, 4);
			s->message = strdup((const char *)sqlite3_column_text(st, 1));
			s->answer = strdup((const char *)sqlite3_column_text(st, 2));
			if (!s->message || !s->answer) {
				free(s->message);
				free(s->answer);
				sqlite3_finalize(st);
				free(own);
				return vd_error(VD_ENOMEM, "out of memory");
			}
			/* read into own only when the index does not hold it */
			vec[ans->nsimilar] = vecs ? vecs[i] : vd_index_read_vector(a->rated,
			    hits[i].log_id, own + ans->nsimilar * dim);
			ans->nsimilar++;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	vd_crowding(ans->similar, vec, ans->nsimilar, (int)dim);
	free(own);
	return VD_OK;
}

/* Rated neighbours of msg (take_similar). */
static int
find_similar(struct vd_asker *a, const char *msg, struct vd_answer *ans)
{
	struct vd_hit *hits;
	const float **vecs;
	size_t n, k = VD_SIMILAR_MAX + a->nexclude;
	int rc;

	if (!a->rated || vd_index_size(a->rated) == 0)
		return VD_OK;
	if ((rc = vd_embedder_embed(a->emb, &msg, 1, a->q))) {
		/* a remote embedder that fails only costs us experience */
		return VD_OK;
	}
	/* the excluded may all be among the nearest: look that much further */
	hits = malloc(sizeof *hits * k);
	vecs = malloc(sizeof *vecs * k);
	if (!hits || !vecs)
		rc = vd_error(VD_ENOMEM, "out of memory");
	else {
		n = vd_index_search_vectors(a->rated, a->q, k, 0, 0, hits, vecs);
		rc = take_similar(a, hits, vecs, n, ans);
	}
	free(hits);
	free(vecs);
	return rc;
}

int
vd_asker_search(struct vd_asker *a, const char *const *msgs, size_t nq, size_t k,
    const long long *exclude, struct vd_hit *hits, size_t *found)
{
	float *qs;
	int rc;

	memset(found, 0, sizeof *found * nq);
	if ((rc = refresh(a)) || !a->rated || vd_index_size(a->rated) == 0 || nq == 0)
		return rc;
	if (!(qs = malloc(sizeof *qs * nq * (size_t)vd_index_dim(a->rated))))
		return vd_error(VD_ENOMEM, "out of memory");
	/* as in find_similar, a remote embedder that fails costs experience */
	if (vd_embedder_embed(a->emb, msgs, nq, qs) == VD_OK)
		rc = vd_index_search_batch(a->rated, qs, nq, k, exclude, 0, hits, found);
	free(qs);
	return rc;
}

/* Was text the answer of a similar exchange that people rated poorly?
 * (Also avoiding the original answers that people corrected was measured:
 * it costs more right answers than it saves, make eval 0.485 -> 0.448.) */
static int
avoided(const struct vd_answer *ans, const char *text)
{
	size_t i;

	for (i = 0; i < ans->nsimilar; i++)
		if (ans->similar[i].rating <= 2 && strcmp(ans->similar[i].answer, text) == 0)
			return 1;
	return 0;
}

/* When the rules give msg a topic, is the neighbour's question off it?
 * Lexical similarity cannot tell "Сколько стоит уборка?" from "Сколько
 * времени занимает уборка?" or "Сколько бригад у вас?"; the operator's
 * rules can, so a question they place is answered only from experience
 * with questions they place alike (or by the rule itself). */
static int
other_topic(const struct vd_asker *a, const char *intent, const char *message)
{
	const char *theirs = NULL;

	if (!intent)
		return 0;
	return !vd_rules_match(a->rules, message, &theirs) || strcmp(intent, theirs) != 0;
}

static int
by_score(const void *x, const void *y)
{
	const struct vd_candidate *a = x, *b = y;

	/* ties: the nearer neighbour first, as the neighbours are ordered */
	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return a->nearest < b->nearest ? -1 : a->nearest > b->nearest;
}

/* The candidate answers: among similar exchanges rated at or above the
 * threshold, each distinct answer with its support, the sum over the
 * exchanges that gave that answer of their rating times a weight fading
 * with their distance below the best (faster for a learned exchange's),
 * so agreeing neighbours count for more than one; distances are in the
 * neighbours' ranks (vd_rank.h), the vector score with lexical evidence,
 * learned exchanges discounted. Answers rated poorly (<= 2) for any
 * similar question are never candidates (nor, later, the rule's answer),
 * nor answers to questions of another topic. Best first. */
static void
rank_candidates(const struct vd_asker *a, struct vd_answer *ans, const char *intent)
{
	double top = -HUGE_VAL;
	size_t i, j;

	for (i = 0; i < ans->nsimilar; i++)
		top = fmax(top, ans->similar[i].rank);
	for (i = 0; i < ans->nsimilar; i++) {
		const struct vd_similar *s = &ans->similar[i];
		struct vd_candidate *c;

		if (s->rating < a->cfg->min_rating || other_topic(a, intent, s->message) ||
		    avoided(ans, s->answer))
			continue;
		for (j = 0; j < ans->ncand && strcmp(ans->cand[j].nearest->answer, s->answer); j++)
			;
		c = &ans->cand[j];
		if (j == ans->ncand) {
			ans->ncand++;
			c->nearest = s;
			c->learned = 1;
		}
		c->support += exp((s->rank - top) /
		    (s->learned ? LEARNED_VOTE_FADE : VOTE_FADE)) * s->rating / 5.0;
		c->votes++;
		c->learned &= s->learned;
	}
	for (j = 0; j < ans->ncand; j++)
		ans->cand[j].score = ans->cand[j].support;
	qsort(ans->cand, ans->ncand, sizeof *ans->cand, by_score);
}

/* What the neighbours say about the best candidate, for the confidence
 * model: its share of all support, how far its nearest exchange is ahead
 * of any other answer's, how near it is, how many agree, and whether
 * only learned exchanges stand behind it. */
static void
signals(const struct vd_answer *ans, double *sig)
{
	const struct vd_candidate *best = &ans->cand[0];
	double total = 0, other = 0;
	size_t j;

	for (j = 0; j < ans->ncand; j++) {
		total += ans->cand[j].support;
		if (j > 0 && ans->cand[j].nearest->score > other)
			other = ans->cand[j].nearest->score;
	}
	sig[VD_SIG_SHARE] = total > 0 ? best->support / total : 0;
	sig[VD_SIG_MARGIN] = best->nearest->score - other;
	sig[VD_SIG_TOP] = best->nearest->score;
	sig[VD_SIG_VOTES] = log(1 + (double)best->votes);
	sig[VD_SIG_LEARNED] = best->learned;
}

static int
set(char **dst, const char *src)
{
	if (!(*dst = strdup(src)))
		return vd_error(VD_ENOMEM, "out of memory");
	return VD_OK;
}

static int
try_llm(struct vd_asker *a, const char *session, const char *msg, struct vd_answer *ans)
{
	struct vd_example ex[3];
	struct vd_llm_prompt prompt;
	struct vd_history h = { NULL, 0 };
	size_t i, n = 0, cut;
	struct vd_llm_reply reply;
	int rc;

	for (i = 0; i < ans->nsimilar && n < 3; i++)
		if (ans->similar[i].rating >= a->cfg->min_rating) {
			ex[n].message = ans->similar[i].message;
			ex[n].response = ans->similar[i].answer;
			ex[n].rating = ans->similar[i].rating;
			n++;
		}
	if (session && (rc = vd_history_load(a->db, session, a->profile->history_turns,
	    VD_HISTORY_CHARS, &h))) {
		vd_history_clear(&h);
		return rc;
	}
	prompt.profile = a->profile;
	prompt.ex = ex;
	prompt.nex = n;
	prompt.history = h.v;
	prompt.nhistory = h.n;
	prompt.question = msg;
	rc = vd_llm_chat(a->cfg, &prompt, &reply, &cut);
	vd_history_clear(&h);
	if (rc != VD_OK)
		return set(&ans->model_error, vd_errmsg()) ? VD_ENOMEM : VD_EREMOTE;
	/* recorded where a failure would be: the model did not behave */
	if (cut && asprintf(&ans->model_error, "answer cut to %d characters (the model gave %zu)",
	    VD_ANSWER_MAX, cut) < 0) {
		ans->model_error = NULL;
		free(reply.answer);
		free(reply.model);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	ans->response = reply.answer;
	ans->model_used = reply.model;
	ans->prompt_tokens = reply.prompt_tokens;
	ans->completion_tokens = reply.completion_tokens;
	ans->source = "llm";
	ans->confidence = LLM_CONFIDENCE;
	return VD_OK;
}

/* The offline sources for msg, its neighbours found: experience (when
 * confident enough), the rules, the default answer handing over. */
static int
offline(struct vd_asker *a, const char *msg, struct vd_answer *ans)
{
	const char *rule, *intent = NULL;
	char model[128];
	int rc;

	rule = vd_rules_match(a->rules, msg, &intent);
	if ((rc = vd_ranker_rank(a->ranker, msg, ans->similar, ans->nsimilar)))
		return rc;
	rank_candidates(a, ans, intent);
	if (ans->ncand > 0) {
		signals(ans, ans->signals);
		/* never above the winner's share of the support: two answers
		 * equally endorsed for one question are a coin toss, however
		 * near (capping costs nothing on make eval's figures) */
		ans->confidence = fmin(vd_confidence_of(&a->model, ans->signals),
		    ans->signals[VD_SIG_SHARE]);
	}
	if (ans->ncand > 0 && ans->confidence >= a->cfg->min_confidence) {
		snprintf(model, sizeof model, "experience:%s", vd_embedder_model(a->emb));
		if ((rc = set(&ans->response, ans->cand[0].nearest->answer)) ||
		    (rc = set(&ans->model_used, model)))
			return rc;
		ans->source = "experience";
	} else if (rule && !avoided(ans, rule)) {
		snprintf(model, sizeof model, "intent:%s", intent);
		if ((rc = set(&ans->response, rule)) || (rc = set(&ans->model_used, model)))
			return rc;
		ans->source = "intent";
		ans->confidence = INTENT_CONFIDENCE;
	} else {
		if (!(ans->response = vd_profile_default_answer(a->profile, msg)))
			return vd_error(VD_ENOMEM, "out of memory");
		if ((rc = set(&ans->model_used, "default")))
			return rc;
		ans->source = "default";
		ans->confidence = 0;
		ans->handover = 1;
	}
	return VD_OK;
}

static size_t
words(const char *s)
{
	size_t n = 0;

	for (s += strspn(s, " \t\n"); *s; s += strspn(s, " \t\n"), n++)
		s += strcspn(s, " \t\n");
	return n;
}

/* A short follow-up ("а в выходные?") means little alone: when nothing
 * answered it, ask again with the session's previous question in front,
 * and keep that answer unless it is the default one too. ans->answered_as
 * then says what was asked. */
static int
followup(struct vd_asker *a, const char *session, const char *msg, struct vd_answer *ans)
{
	struct vd_history h;
	struct vd_answer joined;
	char *q = NULL;
	int rc;

	if (!session || !ans->handover || words(msg) > VD_FOLLOWUP_WORDS)
		return VD_OK;
	if ((rc = vd_history_load(a->db, session, 1, (size_t)-1, &h)) == VD_OK && h.n &&
	    (q = malloc(strlen(h.v[0].message) + strlen(msg) + 2)))
		sprintf(q, "%s %s", h.v[0].message, msg);
	else if (rc == VD_OK && h.n)
		rc = vd_error(VD_ENOMEM, "out of memory");
	vd_history_clear(&h);
	if (!q)
		return rc;
	memset(&joined, 0, sizeof joined);
	joined.prompt_tokens = joined.completion_tokens = -1;
	if ((rc = find_similar(a, q, &joined)) || (rc = offline(a, q, &joined)) ||
	    joined.handover) {
		vd_answer_clear(&joined);
		free(q);
		return rc;
	}
	joined.model_error = ans->model_error;    /* why the model did not answer */
	ans->model_error = NULL;
	vd_answer_clear(ans);
	*ans = joined;
	ans->answered_as = q;
	return VD_OK;
}

int
vd_asker_answer(struct vd_asker *a, const char *session, const char *msg,
    struct vd_answer *ans)
{
	double t0 = vd_monotonic();
	int rc;

	memset(ans, 0, sizeof *ans);
	ans->prompt_tokens = ans->completion_tokens = -1;
	if ((rc = refresh(a)) || (rc = find_similar(a, msg, ans)))
		return rc;
	if (a->cfg->llm_url) {
		rc = try_llm(a, session, msg, ans);
		if (rc == VD_ENOMEM || rc == VD_EDB)
			return rc;
		if (rc == VD_OK)
			goto done;
	}
	if ((rc = offline(a, msg, ans)) || (rc = followup(a, session, msg, ans)))
		return rc;
done:
	ans->response_time = vd_monotonic() - t0;
	return VD_OK;
}

int
vd_asker_answer_found(struct vd_asker *a, const char *msg, const struct vd_hit *hits,
    size_t n, struct vd_answer *ans)
{
	double t0 = vd_monotonic();
	int rc;

	memset(ans, 0, sizeof *ans);
	ans->prompt_tokens = ans->completion_tokens = -1;
	if ((rc = take_similar(a, hits, NULL, n, ans)) || (rc = offline(a, msg, ans)))
		return rc;
	ans->response_time = vd_monotonic() - t0;
	return VD_OK;
}

json_t *
vd_answer_similar(const struct vd_answer *ans)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < ans->nsimilar && i < VD_SIMILAR_SHOWN; i++)
		if (json_array_append_new(arr, json_pack("{s:I, s:f}", "log_id",
		    (json_int_t)ans->similar[i].log_id, "score",
		    (double)(long)(ans->similar[i].score * 10000 + 0.5) / 10000))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}
