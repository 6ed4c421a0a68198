/* The replies of asking and rating, built once for every front end: the
 * lines vasdom-ask and vasdom-rate print and the bodies vasdom-serve
 * sends are the same objects. */
#ifndef VD_REPLY_H
#define VD_REPLY_H

#include <sqlite3.h>
#include <jansson.h>

#include "vd_answer.h"
#include "vd_config.h"
#include "vd_input.h"

/* The record's message, trimmed and checked (1..VD_MESSAGE_MAX
 * characters, no NUL) into *out, malloc'd for the caller. VD_EINPUT
 * with the reason otherwise. */
int vd_reply_message(const struct vd_record *rec, char **out);

enum {
	VD_REPLY_EXPLAIN = 1 << 0,        /* add the confidence's signals */
	VD_REPLY_SKIP_EXISTING = 1 << 1,  /* a client_id stored: its record */
	VD_REPLY_SESSION_NAMED = 1 << 2   /* session is the caller's, not made for
	                                   * the run: the model gets its history */
};

/* Answer msg (from vd_reply_message), log the exchange in rec's
 * session_id or else session, and make the reply: log_id, session_id,
 * message, response, source, model_used, response_time, similar_found,
 * learning_improved, similar, model_error, created_at, confidence,
 * handover, answered_as (and signals with VD_REPLY_EXPLAIN in flags).
 * *out is a new reference. The exchange is logged before the reply exists: an answer
 * nobody can rate is lost. A rec whose client_id is stored already is
 * not asked again: VD_EINPUT, or with VD_REPLY_SKIP_EXISTING the stored
 * exchange marked existed. VD_EDB or VD_ENOMEM on failure. */
int vd_reply_ask(sqlite3 *db, struct vd_asker *asker, const struct vd_record *rec,
    const char *session, const char *msg, unsigned flags, json_t **out);

/* Rate the exchange rec names (log_id, rating, feedback_text,
 * correction, client_id) and make the reply: success, log_id, rating,
 * message, will_be_used_for_training. VD_EINPUT for a bad field or a
 * client_id applied before (unless skip_existing), VD_ENOTFOUND for an
 * unknown log id, VD_EDB. *out is a new reference. */
int vd_reply_rate(sqlite3 *db, const struct vd_config *cfg, const struct vd_record *rec,
    int skip_existing, json_t **out);

#endif
