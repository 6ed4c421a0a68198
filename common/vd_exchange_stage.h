/* Inside the exchange store: its writes staged in a write batch (see
 * vd_batch in vd_db.h), applied many rows a statement. */
#ifndef VD_EXCHANGE_STAGE_H
#define VD_EXCHANGE_STAGE_H

#include "vd_exchange.h"

/* vd_exchange_insert in a staging batch, x->created set: the same checks
 * and results, the row applied when the batch flushes. */
int vd_exchange_stage_insert(sqlite3 *db, struct vd_exchange *x, int *existed);

/* vd_exchange_rate in a staging batch, at time now. */
int vd_exchange_stage_rate(sqlite3 *db, long long log_id, int rating,
    const char *feedback, const char *correction, const char *client_id,
    const char *now, int *existed);

/* (Here, below the exchange store, so that no two files call each
 * other.) The id stored with client_id in table ("exchanges": its log_id,
 * "ratings": its id): VD_OK, else VD_ENOTFOUND. */
int vd_exchange_lookup_client(sqlite3 *db, const char *table, const char *client_id,
    long long *id);

/* Bind x's stored columns to st's parameters first to first + 17, in
 * this order: client_id, session_id, message, response, source,
 * model_used, response_time, similar_found, similar_used, model_error,
 * created, rating, feedback_text, correction, confidence, handover,
 * prompt_tokens, completion_tokens (a value not given left NULL); the
 * one list of them for the exchange's insert and its staged row. */
void vd_exchange_bind(sqlite3_stmt *st, int first, const struct vd_exchange *x);

#endif
