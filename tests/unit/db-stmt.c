/* tests/unit/db-stmt: the statements vd_db_stmt keeps for a connection
 * (common/vd_db_stmt.c), on the databases named by its two arguments.
 * Prints one line a property, "name yes" or "name no", for
 * tests/0613-stmt-cache.t to compare. */
#include <stdio.h>
#include <unistd.h>

#include "vd_db.h"

static const char sql[] = "SELECT ?1, (SELECT count(*) FROM exchanges)";

static void
say(const char *name, int yes)
{
	printf("%s %s\n", name, yes ? "yes" : "no");
}

/* The first column of st's row (its ?1), -1 when NULL, -2 on error. */
static long long
first(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_ROW)
		return -2;
	return sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
}

int
main(int argc, char **argv)
{
	sqlite3 *a, *b;
	sqlite3_stmt *s1, *s2, *s3;
	char wal[4096];

	if (argc != 3 || vd_db_open(argv[1], 1000, &a))
		return 3;
	if (vd_db_stmt(a, sql, &s1) || vd_db_stmt(a, sql, &s2))
		return 3;
	/* one handed out is never handed out again before it is given back */
	say("two-at-once-distinct", s1 != s2);
	sqlite3_bind_int(s1, 1, 7);
	sqlite3_bind_int(s2, 1, 8);
	say("two-at-once-each-its-own", first(s1) == 7 && first(s2) == 8);
	vd_db_stmt_done(s2);
	vd_db_stmt_done(s1);
	if (vd_db_stmt(a, sql, &s3))
		return 3;
	say("given-back-reused", s3 == s1 || s3 == s2);
	/* reset and its bindings cleared: a value bound before is gone */
	say("given-back-clean", first(s3) == -1);
	vd_db_stmt_done(s3);
	vd_db_stmt_exec(a, "INSERT INTO exchanges (session_id, message, response, source,"
	    " created_at, updated_at) VALUES ('s', 'q', 'r', 'record', 'x', 'x')");
	vd_db_close(a);
	/* closed for real (no statement left to keep it open): the last
	 * connection's close checkpoints and deletes the -wal file */
	snprintf(wal, sizeof wal, "%s-wal", argv[1]);
	say("closed", access(wal, F_OK) != 0);

	/* a connection closed takes its statements along: the next one's
	 * (often at the same address) prepares its own */
	if (vd_db_open(argv[2], 1000, &b) || vd_db_stmt(b, sql, &s1))
		return 3;
	say("after-close-own-connection", sqlite3_db_handle(s1) == b);
	say("after-close-own-data", sqlite3_step(s1) == SQLITE_ROW && sqlite3_column_int(s1, 1) == 0);
	vd_db_stmt_done(s1);
	vd_db_close(b);
	return fflush(stdout) ? 1 : 0;
}
