/* The answer policy of vasdom-ask: the first source that can answer, in
 * the order llm, experience, intent, default. */
#ifndef VD_ANSWER_H
#define VD_ANSWER_H

#include <stddef.h>
#include <jansson.h>
#include <sqlite3.h>

#include "vd_confidence.h"
#include "vd_config.h"

/* Neighbours looked at per question: the right answer is among the first
 * 30 for about 9 rutube questions in 10, and re-ranking 30 costs little
 * (vd_rank.h). The nearest VD_SIMILAR_SHOWN are listed in the reply. */
#define VD_SIMILAR_MAX 30
#define VD_SIMILAR_SHOWN 10
#define VD_FOLLOWUP_WORDS 4 /* a follow-up is this short, at most */

/* The lexical evidence the ranker finds for a neighbour: the exact TF-IDF
 * cosine with its question and answer as one text, BM25 over them
 * divided by the best neighbour's, and the cosine with its question
 * alone. */
enum { VD_LEX_COSINE, VD_LEX_BM25, VD_LEX_QCOSINE, VD_LEX_KIND, VD_LEX_N };

struct vd_similar {
	long long log_id;
	float score;
	int rating;             /* effective: a corrected answer counts as 5 */
	int learned;            /* asked and rated, not recorded as knowledge */
	double rank;            /* what its vote is weighed by (vd_rank.h) */
	double lex[VD_LEX_N];   /* its lexical evidence (vd_rank.h) */
	double crowding;        /* its nearness to the other neighbours
	                         * (vd_crowding.h) */
	char *message, *answer; /* the corrected answer when there is one */
};

/* A distinct answer that neighbours endorse (rated at or above the
 * training threshold, on the question's topic, never rated poorly for a
 * similar question): the experience answer is the candidate with the
 * highest score. */
struct vd_candidate {
	const struct vd_similar *nearest;  /* its nearest endorsing neighbour */
	double support;         /* votes fading with distance below the nearest */
	size_t votes;           /* endorsing neighbours */
	int learned;            /* only asked-and-rated exchanges endorse it */
	double score;           /* what candidates are ranked by */
};

struct vd_answer {
	char *response;
	const char *source;     /* llm | experience | intent | default */
	char *model_used;
	char *model_error;      /* why the language model was not used, or NULL */
	struct vd_similar similar[VD_SIMILAR_MAX];
	size_t nsimilar;        /* rated neighbours at or above min_similarity */
	struct vd_candidate cand[VD_SIMILAR_MAX];
	size_t ncand;           /* best first */
	double signals[VD_NSIGNALS];  /* of the best candidate, when ncand > 0 */
	/* How likely the answer is right, 0 to 1: for experience, the
	 * calibrated model's probability; 0 for the default answer, which is
	 * no answer; for intent and llm a fixed documented value. */
	double confidence;
	int handover;           /* no source could answer: a person should */
	long long prompt_tokens, completion_tokens;  /* llm: its usage; -1: none */
	/* A short follow-up answered with the session's previous question in
	 * front: what was asked then; NULL: the message itself. */
	char *answered_as;
	double response_time;   /* seconds */
};

struct vd_asker;

/* Everything answering needs, loaded once per process: the rules, the
 * confidence model (cfg->confidence_model, else built in), the embedder
 * and the vectors of rated exchanges (embedding those that lack one, and
 * so writing to db), and the profile (cfg->profile, which must outlive the
 * asker, else loaded from cfg->profile_path). Free with vd_asker_free. */
int vd_asker_open(sqlite3 *db, const struct vd_config *cfg, const char *rules_path,
    struct vd_asker **out);
/* The same, writing nothing: the stored vectors are used as they are
 * (rated exchanges without a current one are not found as neighbours). */
int vd_asker_open_readonly(sqlite3 *db, const struct vd_config *cfg,
    const char *rules_path, struct vd_asker **out);
void vd_asker_free(struct vd_asker *a);

/* Leave the exchanges ids[0..n) out of the neighbours of the answers
 * that follow, as if they had never been logged (vasdom-review --replay
 * answers an exchange without itself and its session); n 0: none. The
 * ids are copied. */
int vd_asker_exclude(struct vd_asker *a, const long long *ids, size_t n);

/* Answer msg (valid, trimmed), asked in session: with a session (not
 * NULL), the language model also gets its last exchanges (the profile's
 * history_turns, within VD_HISTORY_CHARS). ans is filled and owned by the
 * caller, who calls vd_answer_clear. An experience answer whose confidence
 * is below cfg->min_confidence is not given: the question falls through to
 * the rules, then to the default answer with handover set; then, offline
 * and in a session, a follow-up of at most VD_FOLLOWUP_WORDS words is
 * tried again after the session's previous question (answered_as). Fails
 * only on database or memory errors: a failing language model falls
 * through and is recorded in model_error. */
int vd_asker_answer(struct vd_asker *a, const char *session, const char *msg,
    struct vd_answer *ans);
void vd_answer_clear(struct vd_answer *ans);

/* Many questions at once (vasdom-review --replay): their rated
 * neighbours, k each, in one pass over the vectors for many of them;
 * hits has nq * k places, found[i] the count for msgs[i], exclude[i]
 * left out of its hits. Then vd_asker_answer_found answers msg from the
 * hits found for it, as vd_asker_answer does without a session nor a
 * language model (the exchanges of vd_asker_exclude left out there too:
 * k must leave room for them). */
struct vd_hit;
int vd_asker_search(struct vd_asker *a, const char *const *msgs, size_t nq, size_t k,
    const long long *exclude, struct vd_hit *hits, size_t *found);
int vd_asker_answer_found(struct vd_asker *a, const char *msg, const struct vd_hit *hits,
    size_t n, struct vd_answer *ans);

/* The nearest VD_SIMILAR_SHOWN similar exchanges as a JSON array
 * [{"log_id":..,"score":..}] (a new reference; NULL: out of memory). */
json_t *vd_answer_similar(const struct vd_answer *ans);

#endif
