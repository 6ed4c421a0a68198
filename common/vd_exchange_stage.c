/* The exchange store's writes in a write batch, staged in a temporary
 * table and applied at the batch's commit by one INSERT ... SELECT (and
 * for ratings one UPDATE ... FROM): a statement a line (its triggers, its
 * AUTOINCREMENT, a statement journal copying every 16 KB page it changes)
 * was three quarters of vasdom-ask --record's time. A line sees what the
 * lines before it wrote: when its client_id (or, rating, its log id) may
 * be staged already, the stage is applied first and the store is asked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_exchange_stage.h"
#include "vd_hash.h"

/* What was staged, by kind: the keys' hashes (open addressing, 0 empty).
 * A batch stages at most VD_BATCH_LINES lines, two keys each. */
#define SLOTS (1 << 15)

enum { RECORDS = 1, RATINGS };

struct stage {
	int kind;
	long long next_log_id;    /* RECORDS: the log id of the next row */
	size_t used;
	uint32_t filled[SLOTS / 2 + 2];   /* the slots used, to empty them */
	uint64_t key[SLOTS];
};

/* One batch a thread (vd_batch), so one stage a thread; its memory kept
 * for the next (a coprocess's batch is one line). */
static _Thread_local struct stage *stage, *spare;

static const char make_records[] = "CREATE TEMP TABLE IF NOT EXISTS vd_staged_exchanges ("
    "log_id INTEGER PRIMARY KEY, line, client_id, session_id, message, response, source,"
    " model_used, response_time, similar_found, similar_used, model_error, created,"
    " rating, feedback_text, correction, confidence, handover, prompt_tokens,"
    " completion_tokens)";
static const char make_ratings[] = "CREATE TEMP TABLE IF NOT EXISTS vd_staged_ratings ("
    "id INTEGER PRIMARY KEY, line, log_id, rating, feedback_text, correction, client_id,"
    " created)";

/* Applying a kind: its statements for all rows; for the row whose key is
 * bound to ?1 (when those failed: row by row, to find the failing line);
 * the rows' keys and lines in order; emptying the stage; dropping a
 * line's rows. The same columns, the same vd_stored() as vd_exchange.c's
 * statements, each exchange with the log id AUTOINCREMENT would have
 * given it. */
struct apply {
	const char *all[3], *one[3], *rows, *empty, *drop_line;
};

#define INSERT_EXCHANGES "INSERT INTO exchanges (log_id, client_id, session_id, message," \
	" response, source, model_used, response_time, similar_found, similar_used," \
	" model_error, created_at, updated_at, rating, feedback_text, correction, confidence," \
	" handover, prompt_tokens, completion_tokens)" \
	" SELECT log_id, client_id, session_id, vd_stored(message), vd_stored(response)," \
	" source, model_used, response_time, similar_found, similar_used, model_error," \
	" created, created, rating, vd_stored(feedback_text), vd_stored(correction)," \
	" confidence, handover, prompt_tokens, completion_tokens FROM temp.vd_staged_exchanges"
#define INSERT_HISTORY "INSERT INTO ratings (log_id, rating, feedback_text, correction," \
	" client_id, created_at) SELECT log_id, rating, vd_stored(feedback_text)," \
	" vd_stored(correction),"

static const struct apply records = {
	{ INSERT_EXCHANGES " ORDER BY log_id",
	  INSERT_HISTORY " NULL, created FROM temp.vd_staged_exchanges WHERE rating IS NOT NULL"
	  " ORDER BY log_id", NULL },
	{ INSERT_EXCHANGES " WHERE log_id = ?1",
	  INSERT_HISTORY " NULL, created FROM temp.vd_staged_exchanges WHERE log_id = ?1"
	  " AND rating IS NOT NULL", NULL },
	"SELECT log_id, line FROM temp.vd_staged_exchanges ORDER BY log_id",
	"DELETE FROM temp.vd_staged_exchanges",
	"DELETE FROM temp.vd_staged_exchanges WHERE line = ?",
};
/* A log id is staged once at most (unstaged() applies the stage before a
 * second), so each exchange is updated once, to its line's rating, as by
 * vd_exchange_rate's UPDATE. */
#define UPDATE_RATED "UPDATE exchanges SET rating = s.rating," \
	" feedback_text = vd_stored(s.feedback_text), correction = vd_stored(s.correction)," \
	" updated_at = s.created FROM temp.vd_staged_ratings AS s" \
	" WHERE exchanges.log_id = s.log_id"
static const struct apply ratings = {
	{ UPDATE_RATED,
	  INSERT_HISTORY " client_id, created FROM temp.vd_staged_ratings ORDER BY id", NULL },
	{ UPDATE_RATED " AND s.id = ?1",
	  INSERT_HISTORY " client_id, created FROM temp.vd_staged_ratings WHERE id = ?1", NULL },
	"SELECT id, line FROM temp.vd_staged_ratings ORDER BY id",
	"DELETE FROM temp.vd_staged_ratings",
	"DELETE FROM temp.vd_staged_ratings WHERE line = ?",
};

/* The statements of sql, ?1 bound to key when it is not 0. */
static int
run(sqlite3 *db, const char *const *sql, long long key)
{
	sqlite3_stmt *st;

	for (; *sql; sql++) {
		if (vd_db_stmt(db, *sql, &st))
			return VD_EDB;
		if (key)
			sqlite3_bind_int64(st, 1, key);
		if (vd_db_stmt_step(db, st))
			return VD_EDB;
	}
	return VD_OK;
}

/* Undo to a savepoint after a failure, keeping its message. */
static void
undo_to(sqlite3 *db, const char *rollback, const char *release)
{
	char msg[1024];

	snprintf(msg, sizeof msg, "%s", vd_errmsg());
	if (!sqlite3_get_autocommit(db)) {
		vd_db_stmt_exec(db, rollback);
		vd_db_stmt_exec(db, release);
	}
	vd_error(VD_EDB, "%s", msg);
}

/* Apply the rows one at a time, each in a savepoint: the lines before the
 * first that fails are kept, *failed is its line. */
static int
one_by_one(sqlite3 *db, const struct apply *a, int *failed)
{
	sqlite3_stmt *rows;
	int rc = VD_OK, step;

	if (vd_db_stmt(db, a->rows, &rows))
		return VD_EDB;
	while ((step = sqlite3_step(rows)) == SQLITE_ROW) {
		*failed = sqlite3_column_int(rows, 1);
		if (vd_db_stmt_exec(db, "SAVEPOINT vd_row")) {
			rc = VD_EDB;
			break;
		}
		if (run(db, a->one, sqlite3_column_int64(rows, 0))) {
			undo_to(db, "ROLLBACK TO vd_row", "RELEASE vd_row");
			rc = VD_EDB;
			break;
		}
		if (vd_db_stmt_exec(db, "RELEASE vd_row")) {
			rc = VD_EDB;
			break;
		}
	}
	if (rc == VD_OK && step != SQLITE_DONE)
		rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	vd_db_stmt_done(rows);
	return rc;
}

/* Apply the stage: all at once, and when that fails, undone and done
 * again a row at a time to find the failing line. */
static int
apply(sqlite3 *db, const struct apply *a, int *failed)
{
	int rc;

	if (vd_db_stmt_exec(db, "SAVEPOINT vd_stage"))
		return VD_EDB;
	if (run(db, a->all, 0) == VD_OK)
		rc = vd_db_stmt_exec(db, "RELEASE vd_stage");
	else {
		undo_to(db, "ROLLBACK TO vd_stage", "RELEASE vd_stage");
		rc = sqlite3_get_autocommit(db) ? VD_EDB : one_by_one(db, a, failed);
	}
	if (!sqlite3_get_autocommit(db)) {
		char msg[1024];

		snprintf(msg, sizeof msg, "%s", vd_errmsg());
		if (vd_db_stmt_exec(db, a->empty) && rc == VD_OK)
			rc = VD_EDB;
		else if (rc)
			vd_error(rc, "%s", msg);
	}
	return rc;
}

/* Nothing staged any more. */
static void
forget(void)
{
	size_t i;

	for (i = 0; i < stage->used; i++)
		stage->key[stage->filled[i]] = 0;
	stage->used = 0;
	spare = stage;
	stage = NULL;
}

/* The stage function of vd_batch. */
static int
staged(sqlite3 *db, enum vd_stage_op op, int line, int *failed)
{
	const struct apply *a;
	sqlite3_stmt *st;
	int rc = VD_OK;

	if (!stage)
		return VD_OK;
	a = stage->kind == RECORDS ? &records : &ratings;
	if (op == VD_STAGE_DROP_LINE) {
		if (vd_db_stmt(db, a->drop_line, &st))
			return VD_EDB;
		sqlite3_bind_int(st, 1, line);
		if ((rc = vd_db_stmt_step(db, st)) == VD_OK && stage->kind == RECORDS)
			stage->next_log_id -= sqlite3_changes(db);
		return rc;
	}
	if (op == VD_STAGE_APPLY)
		rc = apply(db, a, failed);
	forget();
	return rc;
}

int
vd_exchange_lookup_client(sqlite3 *db, const char *table, const char *client_id, long long *id)
{
	static const char by_log[] = "SELECT log_id FROM exchanges WHERE client_id = ?";
	static const char by_rating[] = "SELECT id FROM ratings WHERE client_id = ?";
	sqlite3_stmt *st;
	int rc;

	if (vd_db_stmt(db, strcmp(table, "ratings") ? by_log : by_rating, &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, client_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	vd_db_stmt_done(st);
	return rc == SQLITE_ROW ? VD_OK : VD_ENOTFOUND;
}

static uint64_t
key_of(int kind, const void *p, size_t n)
{
	uint64_t h = vd_fnv1a(VD_FNV_OFFSET ^ (uint64_t)kind, p, n);

	return h ? h : 1;
}

/* The slot of key: where it is, or the empty one it would go in. */
static uint64_t *
slot(uint64_t key)
{
	size_t i = key & (SLOTS - 1);

	while (stage->key[i] && stage->key[i] != key)
		i = (i + 1) & (SLOTS - 1);
	return &stage->key[i];
}

/* Make sure key (0: none) is not staged: when it may be (or the stage holds
 * another kind), apply the stage, so that the store answers for it. */
static int
unstaged(sqlite3 *db, int kind, uint64_t key)
{
	if (stage && (stage->kind != kind || (key && *slot(key) == key) ||
	    stage->used >= SLOTS / 2))
		return vd_batch_flush(db);
	return VD_OK;
}

/* The stage of kind, begun when there is none. */
static int
begin(sqlite3 *db, int kind)
{
	/* AUTOINCREMENT's choice: past the largest log id there ever was */
	static const char next[] = "SELECT max(ifnull((SELECT seq FROM sqlite_sequence"
	    " WHERE name = 'exchanges'), 0), ifnull((SELECT max(log_id) FROM exchanges), 0)) + 1";
	sqlite3_stmt *st;
	long long id = 0;

	if (stage)
		return VD_OK;
	if (vd_db_stmt_exec(db, kind == RECORDS ? make_records : make_ratings))
		return VD_EDB;
	if (kind == RECORDS) {
		if (vd_db_stmt(db, next, &st))
			return VD_EDB;
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		vd_db_stmt_done(st);
		if (id <= 0)
			return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	}
	if (!(stage = spare) && !(stage = calloc(1, sizeof *stage)))
		return vd_error(VD_ENOMEM, "out of memory");
	spare = NULL;
	stage->kind = kind;
	stage->next_log_id = id;
	return VD_OK;
}

static void
add(sqlite3 *db, uint64_t key)
{
	uint64_t *k = slot(key);

	if (!*k) {
		*k = key;
		stage->filled[stage->used++] = (uint32_t)(k - stage->key);
	}
	vd_batch_staged(db, staged);
}

void
vd_exchange_bind(sqlite3_stmt *st, int first, const struct vd_exchange *x)
{
	vd_db_bind_text(st, first, x->client_id);
	vd_db_bind_text(st, first + 1, x->session_id);
	vd_db_bind_text(st, first + 2, x->message);
	vd_db_bind_text(st, first + 3, x->response);
	vd_db_bind_text(st, first + 4, x->source);
	vd_db_bind_text(st, first + 5, x->model_used);
	sqlite3_bind_double(st, first + 6, x->response_time);
	sqlite3_bind_int(st, first + 7, x->similar_found);
	vd_db_bind_text(st, first + 8, x->similar_used ? x->similar_used : "[]");
	vd_db_bind_text(st, first + 9, x->model_error);
	vd_db_bind_text(st, first + 10, x->created);
	if (x->rating)
		sqlite3_bind_int(st, first + 11, x->rating);
	vd_db_bind_text(st, first + 12, x->feedback_text);
	vd_db_bind_text(st, first + 13, x->correction);
	if (x->scored)
		sqlite3_bind_double(st, first + 14, x->confidence);
	sqlite3_bind_int(st, first + 15, x->handover);
	if (x->prompt_tokens > 0)
		sqlite3_bind_int64(st, first + 16, x->prompt_tokens);
	if (x->completion_tokens > 0)
		sqlite3_bind_int64(st, first + 17, x->completion_tokens);
}

int
vd_exchange_stage_insert(sqlite3 *db, struct vd_exchange *x, int *existed)
{
	static const char sql[] = "INSERT INTO temp.vd_staged_exchanges VALUES"
	    " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	uint64_t key = 0;
	sqlite3_stmt *st;
	int rc, line = 0;

	*existed = 0;
	vd_batch_staging(db, &line);
	if (x->client_id) {
		key = key_of(RECORDS, x->client_id, strlen(x->client_id));
		if ((rc = unstaged(db, RECORDS, key)))
			return rc;
		if (vd_exchange_lookup_client(db, "exchanges", x->client_id, &x->log_id) == VD_OK) {
			*existed = 1;
			return VD_OK;
		}
	} else if ((rc = unstaged(db, RECORDS, 0)))
		return rc;
	if ((rc = begin(db, RECORDS)) || (rc = vd_db_stmt(db, sql, &st)))
		return rc;
	sqlite3_bind_int64(st, 1, stage->next_log_id);
	sqlite3_bind_int(st, 2, line);
	vd_exchange_bind(st, 3, x);
	if ((rc = vd_db_stmt_step(db, st)))
		return rc;
	x->log_id = stage->next_log_id++;
	if (key)
		add(db, key);
	else
		vd_batch_staged(db, staged);
	return VD_OK;
}

/* VD_OK, or VD_ENOTFOUND as vd_exchange_rate says it, or VD_EDB. */
static int
log_exists(sqlite3 *db, long long log_id)
{
	static const char sql[] = "SELECT 1 FROM exchanges WHERE log_id = ?";
	sqlite3_stmt *st;
	int rc;

	if (vd_db_stmt(db, sql, &st))
		return VD_EDB;
	sqlite3_bind_int64(st, 1, log_id);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? VD_OK
	    : rc == SQLITE_DONE ? vd_error(VD_ENOTFOUND, "log %lld not found", log_id)
	    : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	vd_db_stmt_done(st);
	return rc;
}

int
vd_exchange_stage_rate(sqlite3 *db, long long log_id, int rating,
    const char *feedback, const char *correction, const char *client_id,
    const char *now, int *existed)
{
	static const char sql[] = "INSERT INTO temp.vd_staged_ratings"
	    " (line, log_id, rating, feedback_text, correction, client_id, created)"
	    " VALUES (?,?,?,?,?,?,?)";
	uint64_t key = key_of(RATINGS, &log_id, sizeof log_id), ckey = 0;
	sqlite3_stmt *st;
	long long id;
	int rc, line = 0;

	*existed = 0;
	vd_batch_staging(db, &line);
	if (client_id) {
		ckey = key_of(RATINGS, client_id, strlen(client_id));
		if ((rc = unstaged(db, RATINGS, ckey)))
			return rc;
		if (vd_exchange_lookup_client(db, "ratings", client_id, &id) == VD_OK) {
			*existed = 1;
			return VD_OK;
		}
	}
	if ((rc = unstaged(db, RATINGS, key)))
		return rc;
	if ((rc = log_exists(db, log_id)))
		return rc;
	if ((rc = begin(db, RATINGS)) || (rc = vd_db_stmt(db, sql, &st)))
		return rc;
	sqlite3_bind_int(st, 1, line);
	sqlite3_bind_int64(st, 2, log_id);
	sqlite3_bind_int(st, 3, rating);
	vd_db_bind_text(st, 4, feedback);
	vd_db_bind_text(st, 5, correction);
	vd_db_bind_text(st, 6, client_id);
	vd_db_bind_text(st, 7, now);
	if ((rc = vd_db_stmt_step(db, st)))
		return rc;
	add(db, key);
	if (ckey)
		add(db, ckey);
	return VD_OK;
}
