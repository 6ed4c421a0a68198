#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_exchange.h"
#include "vd_exchange_stage.h"

void
vd_session_new(char *buf)
{
	unsigned char r[16];
	struct timespec ts;
	int fd, i, ok = 0;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) >= 0) {
		ok = read(fd, r, sizeof r) == (ssize_t)sizeof r;
		close(fd);
	}
	if (!ok) {
		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < 16; i++)
			r[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^ (getpid() >> (i % 2 * 8)) ^ i * 37);
	}
	for (i = 0; i < 16; i++)
		sprintf(buf + 2 * i, "%02x", r[i]);
}

int
vd_exchange_find_client(sqlite3 *db, const char *client_id, long long *log_id)
{
	return vd_exchange_lookup_client(db, "exchanges", client_id, log_id);
}

/* One row of the ratings history. */
static int
add_rating(sqlite3 *db, long long log_id, int rating, const char *feedback,
    const char *correction, const char *client_id, const char *when)
{
	static const char sql[] = "INSERT INTO ratings (log_id, rating, feedback_text,"
	    " correction, client_id, created_at) VALUES (?,?,vd_stored(?),vd_stored(?),?,?)";
	sqlite3_stmt *st;

	if (vd_db_stmt(db, sql, &st))
		return VD_EDB;
	sqlite3_bind_int64(st, 1, log_id);
	sqlite3_bind_int(st, 2, rating);
	vd_db_bind_text(st, 3, feedback);
	vd_db_bind_text(st, 4, correction);
	vd_db_bind_text(st, 5, client_id);
	vd_db_bind_text(st, 6, when);
	return vd_db_stmt_step(db, st);
}

/* Normalise a given date to ISO 8601 UTC; VD_EINPUT when SQLite cannot
 * read it as a date. */
static int
normalise_date(sqlite3 *db, const char *in, char *out)
{
	static const char sql[] = "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?)";
	sqlite3_stmt *st;
	const unsigned char *s;
	int rc = VD_EINPUT;

	if (vd_db_stmt(db, sql, &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, in, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && (s = sqlite3_column_text(st, 0))) {
		snprintf(out, 32, "%s", (const char *)s);
		rc = VD_OK;
	}
	vd_db_stmt_done(st);
	if (rc)
		return vd_error(VD_EINPUT, "created_at: not a date: '%.40s'", in);
	return VD_OK;
}

int
vd_exchange_insert(sqlite3 *db, struct vd_exchange *x, int *existed)
{
	static const char sql[] = "INSERT INTO exchanges (client_id, session_id,"
	    " message, response, source, model_used, response_time, similar_found,"
	    " similar_used, model_error, created_at, updated_at, rating,"
	    " feedback_text, correction, confidence, handover, prompt_tokens,"
	    " completion_tokens) VALUES (?1,?2,vd_stored(?3),vd_stored(?4),?5,?6,?7,?8,?9,"
	    "?10,?11,?11,?12,vd_stored(?13),vd_stored(?14),?15,?16,?17,?18)";
	sqlite3_stmt *st;
	int rc;

	*existed = 0;
	if (x->created_at) {
		if ((rc = normalise_date(db, x->created_at, x->created)))
			return rc;
	} else
		vd_now_iso(x->created);
	if (vd_batch_staging(db, NULL))
		return vd_exchange_stage_insert(db, x, existed);
	if ((rc = vd_db_begin(db)))
		return rc;
	if (x->client_id && vd_exchange_lookup_client(db, "exchanges", x->client_id, &x->log_id) == VD_OK) {
		*existed = 1;
		return vd_db_commit(db);
	}
	if ((rc = vd_db_stmt(db, sql, &st)))
		goto fail;
	/* created_at and updated_at are both ?11, the exchange's creation */
	vd_exchange_bind(st, 1, x);
	if ((rc = vd_db_stmt_step(db, st)))
		goto fail;
	x->log_id = sqlite3_last_insert_rowid(db);
	if (x->rating && (rc = add_rating(db, x->log_id, x->rating, x->feedback_text,
	    x->correction, NULL, x->created)))
		goto fail;
	if ((rc = vd_db_commit(db)))
		goto fail;
	return VD_OK;
fail:
	vd_db_rollback(db);
	return rc;
}

int
vd_exchange_rate(sqlite3 *db, long long log_id, int rating, const char *feedback,
    const char *correction, const char *client_id, int *existed)
{
	static const char sql[] = "UPDATE exchanges SET rating = ?,"
	    " feedback_text = vd_stored(?), correction = vd_stored(?), updated_at = ?"
	    " WHERE log_id = ?";
	sqlite3_stmt *st;
	char now[32];
	long long id;
	int rc;

	*existed = 0;
	vd_now_iso(now);
	if (vd_batch_staging(db, NULL))
		return vd_exchange_stage_rate(db, log_id, rating, feedback, correction,
		    client_id, now, existed);
	if ((rc = vd_db_begin(db)))
		return rc;
	if (client_id && vd_exchange_lookup_client(db, "ratings", client_id, &id) == VD_OK) {
		*existed = 1;
		return vd_db_commit(db);
	}
	if ((rc = vd_db_stmt(db, sql, &st)))
		goto fail;
	sqlite3_bind_int(st, 1, rating);
	vd_db_bind_text(st, 2, feedback);
	vd_db_bind_text(st, 3, correction);
	vd_db_bind_text(st, 4, now);
	sqlite3_bind_int64(st, 5, log_id);
	if ((rc = vd_db_stmt_step(db, st)))
		goto fail;
	if (sqlite3_changes(db) == 0) {
		rc = vd_error(VD_ENOTFOUND, "log %lld not found", log_id);
		goto fail;
	}
	if ((rc = add_rating(db, log_id, rating, feedback, correction, client_id, now)) ||
	    (rc = vd_db_commit(db)))
		goto fail;
	return VD_OK;
fail:
	vd_db_rollback(db);
	return rc;
}

int
vd_exchange_get(sqlite3 *db, long long log_id, json_t **out)
{
	/* SQLite builds the object: one JSON path for the whole toolkit */
	static const char sql[] = "SELECT json_object('log_id', log_id,"
	    " 'session_id', session_id, 'message', message, 'response', response,"
	    " 'source', source, 'model_used', model_used, 'response_time', response_time,"
	    " 'similar_found', similar_found, 'learning_improved', json(iif(similar_found > 0, 'true', 'false')),"
	    " 'similar', json(similar_used), 'model_error', model_error,"
	    " 'rating', rating, 'feedback_text', feedback_text, 'correction', correction,"
	    " 'created_at', created_at, 'updated_at', updated_at)"
	    " FROM exchanges WHERE log_id = ?";
	sqlite3_stmt *st;
	json_error_t e;
	int rc;

	*out = NULL;
	if (vd_db_prepare(db, sql, &st))
		return VD_EDB;
	sqlite3_bind_int64(st, 1, log_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = json_loads((const char *)sqlite3_column_text(st, 0), 0, &e);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return vd_error(VD_ENOTFOUND, "log %lld not found", log_id);
	if (rc != SQLITE_ROW || !*out)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	return VD_OK;
}

int
vd_exchange_count(sqlite3 *db, long long *n)
{
	return vd_db_int(db, "SELECT count(*) FROM exchanges", NULL, n);
}

struct vd_exchange_reader {
	sqlite3 *db;
	sqlite3_stmt *st;
};

int
vd_exchange_reader_new(sqlite3 *db, struct vd_exchange_reader **out)
{
	struct vd_exchange_reader *r;

	if (!(*out = r = calloc(1, sizeof *r)))
		return vd_error(VD_ENOMEM, "out of memory");
	r->db = db;
	if (vd_db_prepare(db, "SELECT rating, message, response, created_at FROM exchanges"
	    " WHERE log_id = ?", &r->st)) {
		free(r);
		*out = NULL;
		return VD_EDB;
	}
	return VD_OK;
}

void
vd_exchange_reader_free(struct vd_exchange_reader *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->st);
	free(r);
}

int
vd_exchange_read(struct vd_exchange_reader *r, long long log_id, struct vd_exchange *x)
{
	int rc;

	sqlite3_reset(r->st);
	sqlite3_bind_int64(r->st, 1, log_id);
	if ((rc = sqlite3_step(r->st)) == SQLITE_DONE)
		return vd_error(VD_ENOTFOUND, "log %lld not found", log_id);
	if (rc != SQLITE_ROW)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(r->db));
	x->log_id = log_id;
	x->rating = sqlite3_column_int(r->st, 0);
	x->message = (const char *)sqlite3_column_text(r->st, 1);
	x->response = (const char *)sqlite3_column_text(r->st, 2);
	x->created_at = (const char *)sqlite3_column_text(r->st, 3);
	return VD_OK;
}
