/* Exchanges (one question and its answer) and their ratings in the store. */
#ifndef VD_EXCHANGE_H
#define VD_EXCHANGE_H

#include <sqlite3.h>
#include <jansson.h>

#define VD_MESSAGE_MAX 2000   /* characters, after trimming */

struct vd_exchange {
	long long log_id;             /* set by insert */
	const char *client_id;        /* optional: makes an import idempotent */
	const char *session_id;
	const char *message, *response, *source, *model_used;
	double response_time;
	int similar_found;
	const char *similar_used;     /* JSON array text, NULL: [] */
	const char *model_error;
	int scored;                   /* the answer policy set these two: */
	double confidence;            /* how likely right, 0..1 */
	int handover;                 /* no source could answer */
	long long prompt_tokens;      /* the model's counts; <= 0: none */
	long long completion_tokens;
	const char *created_at;       /* NULL: now; else any SQLite date form */
	int rating;                   /* 0: not rated */
	const char *feedback_text, *correction;
	char created[32];             /* set by insert: the stored created_at */
};

/* The texts the store writes (message, response, feedback, correction,
 * here and in the rating history) pass through vd_stored(), which masks
 * personal data when VASDOM_REDACT_STORE=1 (see vd_redact.h): db must
 * come from vd_db_open. */

/* Insert x in one transaction (with its rating history row when rated).
 * With a client_id already stored, nothing is written and VD_EXISTS... is
 * reported as *existed = 1 and x->log_id is the stored one. VD_EINPUT for
 * a created_at that is not a date. */
int vd_exchange_insert(sqlite3 *db, struct vd_exchange *x, int *existed);

/* The log id stored with client_id into *log_id: VD_OK, VD_ENOTFOUND when
 * there is none, VD_EDB. */
int vd_exchange_find_client(sqlite3 *db, const char *client_id, long long *log_id);

/* Rate log_id (1..5) with optional feedback and corrected answer, keeping
 * the old rating in the history. One transaction. VD_ENOTFOUND when the
 * log id does not exist; with client_id already applied, *existed = 1 and
 * nothing changes. */
int vd_exchange_rate(sqlite3 *db, long long log_id, int rating,
    const char *feedback, const char *correction, const char *client_id,
    int *existed);

/* The exchange log_id as a JSON object with the field names of vasdom(7)
 * (similar as an array), or NULL: VD_ENOTFOUND. Caller decrefs. */
int vd_exchange_get(sqlite3 *db, long long log_id, json_t **out);

/* How many exchanges the store holds, into *n. VD_EDB on error. */
int vd_exchange_count(sqlite3 *db, long long *n);

/* Reading many exchanges one at a time with one prepared statement (a
 * search printing its hits). */
struct vd_exchange_reader;
int vd_exchange_reader_new(sqlite3 *db, struct vd_exchange_reader **out);
void vd_exchange_reader_free(struct vd_exchange_reader *r);

/* Fill x's log_id, message, response, created_at and rating (0: not
 * rated) from log_id; the strings are valid until the next call.
 * VD_ENOTFOUND ("log N not found"), VD_EDB. */
int vd_exchange_read(struct vd_exchange_reader *r, long long log_id, struct vd_exchange *x);

/* Generate a new session id (32 hex digits) into buf[33]. */
void vd_session_new(char *buf);

#endif
