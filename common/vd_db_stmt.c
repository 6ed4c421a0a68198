/* Statements prepared once per connection: the store functions a write
 * batch calls for every input line (vasdom-ask --record, vasdom-rate)
 * spent a third of their time having SQLite parse and plan the same
 * INSERT again. */
#include <pthread.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"

/* A few dozen statements at most: past that, statements are prepared
 * and finalized at each use, as before. */
#define CACHE_MAX 64

struct entry {
	sqlite3 *db;
	const char *sql;          /* compared by address: a string literal */
	sqlite3_stmt *st;
	int out;                  /* handed out, not yet given back */
};

/* One table for the process, behind a mutex: a connection may be used by
 * another thread than the one that opened it (vasdom-serve's workers),
 * and a statement handed out to one is never handed to another. */
static struct entry cache[CACHE_MAX];
static int ncache;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int
vd_db_stmt(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	int i, free_slot = -1;

	pthread_mutex_lock(&lock);
	for (i = 0; i < ncache; i++) {
		if (cache[i].db == db && cache[i].sql == sql && !cache[i].out) {
			cache[i].out = 1;
			*st = cache[i].st;
			pthread_mutex_unlock(&lock);
			return VD_OK;
		}
		if (!cache[i].db && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0 && ncache < CACHE_MAX)
		free_slot = ncache++;
	if (free_slot >= 0)
		cache[free_slot] = (struct entry){ db, sql, NULL, 1 };
	pthread_mutex_unlock(&lock);

	/* prepared outside the lock: other connections need not wait */
	if (sqlite3_prepare_v3(db, sql, -1, free_slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0,
	    st, NULL) != SQLITE_OK) {
		*st = NULL;
		vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
		if (free_slot >= 0) {
			pthread_mutex_lock(&lock);
			cache[free_slot].db = NULL;
			pthread_mutex_unlock(&lock);
		}
		return VD_EDB;
	}
	if (free_slot >= 0) {
		pthread_mutex_lock(&lock);
		cache[free_slot].st = *st;
		pthread_mutex_unlock(&lock);
	}
	return VD_OK;
}

void
vd_db_stmt_done(sqlite3_stmt *st)
{
	int i;

	if (!st)
		return;
	/* reset first: a statement left mid-way would keep its read open */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_lock(&lock);
	for (i = 0; i < ncache; i++)
		if (cache[i].st == st) {
			cache[i].out = 0;
			pthread_mutex_unlock(&lock);
			return;
		}
	pthread_mutex_unlock(&lock);
	sqlite3_finalize(st);
}

int
vd_db_step(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	/* the message of the failed step, before a reset or finalize can
	 * replace it */
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? VD_OK
	    : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
}

int
vd_db_stmt_step(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = vd_db_step(db, st);

	vd_db_stmt_done(st);
	return rc;
}

int
vd_db_stmt_exec(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (vd_db_stmt(db, sql, &st))
		return VD_EDB;
	return vd_db_stmt_step(db, st);
}

void
vd_db_stmt_forget(sqlite3 *db)
{
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < ncache; i++)
		if (cache[i].db == db) {
			sqlite3_finalize(cache[i].st);
			cache[i] = (struct entry){ 0 };
		}
	while (ncache > 0 && !cache[ncache - 1].db)
		ncache--;
	pthread_mutex_unlock(&lock);
}
