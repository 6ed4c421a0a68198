#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vd_config.h"
#include "vd_db.h"
#include "vd_date.h"
#include "vd_error.h"
#include "vd_redact.h"

int
vd_db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc;

	if ((rc = sqlite3_exec(db, sql, NULL, NULL, &msg)) != SQLITE_OK) {
		vd_error(VD_EDB, "database: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return VD_EDB;
	}
	return VD_OK;
}

int
vd_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	return VD_OK;
}

int
vd_db_step_done(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = vd_db_step(db, st);

	sqlite3_finalize(st);
	return rc;
}

int
vd_db_int(sqlite3 *db, const char *sql, const char *arg, long long *v)
{
	sqlite3_stmt *st;
	int rc;

	*v = 0;
	if (vd_db_prepare(db, sql, &st))
		return VD_EDB;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? VD_OK
	    : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

int
vd_db_last_seq(sqlite3 *db, const char *table, long long *seq)
{
	return vd_db_int(db, "SELECT seq FROM sqlite_sequence WHERE name = ?", table, seq);
}

void
vd_db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The connection of this thread with a write batch open, its struct, and
 * how many savepoints vd_db_begin has opened inside it: a store
 * function's own transaction is then a savepoint of the batch's, so it is
 * kept or undone alone, and becomes durable with the batch. */
static _Thread_local sqlite3 *batch_db;
static _Thread_local struct vd_batch *batch_of;
static _Thread_local int batch_nest;
/* The line's savepoint is open (opened by its first vd_db_begin); rows
 * the line staged. */
static _Thread_local int line_open, line_staged;
/* What applies or drops the staged rows, when there are some. */
static _Thread_local vd_batch_stage_fn *batch_stage;

/* Undoing, after a failure whose message is the one to keep. */
static void
quiet_exec(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char msg[1024];

	snprintf(msg, sizeof msg, "%s", vd_errmsg());
	if (vd_db_stmt(db, sql, &st) == VD_OK) {
		sqlite3_step(st);
		vd_db_stmt_done(st);
	}
	vd_error(VD_EDB, "%s", msg);
}

int
vd_db_begin(sqlite3 *db)
{
	if (db == batch_db) {
		/* a write of the line's own, after what was staged before
		 * it, undone with the rest of its line */
		if (!line_open) {
			if (vd_batch_flush(db) || vd_db_stmt_exec(db, "SAVEPOINT vd_line"))
				return VD_EDB;
			line_open = 1;
		}
		batch_nest++;
		return vd_db_stmt_exec(db, "SAVEPOINT vd_nest");
	}
	return vd_db_exec(db, "BEGIN IMMEDIATE");
}

int
vd_db_commit(sqlite3 *db)
{
	if (db == batch_db && batch_nest > 0) {
		batch_nest--;
		return vd_db_stmt_exec(db, "RELEASE vd_nest");
	}
	return vd_db_exec(db, "COMMIT");
}

void
vd_db_rollback(sqlite3 *db)
{
	if (db == batch_db && batch_nest > 0) {
		batch_nest--;
		quiet_exec(db, "ROLLBACK TO vd_nest");
		quiet_exec(db, "RELEASE vd_nest");
	} else if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int
vd_batch_line(struct vd_batch *b, sqlite3 *db)
{
	if (!batch_db) {
		/* the staged rows' temporary tables, and a savepoint's
		 * sub-journal (the pages a line changes, a temporary file
		 * past 64 KB: 19 writes a line of 16 KB pages), in memory;
		 * the WAL checkpointed at 64 MB rather than 16 (1,000 pages):
		 * a bulk run of 100,000 lines checkpointed six times, each
		 * writing the indexes' pages again and syncing twice (13
		 * fdatasyncs, 4 with this, as sqlite3's one transaction) */
		if (vd_db_exec(db, "PRAGMA temp_store = MEMORY") ||
		    vd_db_exec(db, "PRAGMA wal_autocheckpoint = 4096") ||
		    vd_db_exec(db, "BEGIN IMMEDIATE"))
			return VD_EDB;
		batch_db = db;
		batch_of = b;
		batch_nest = 0;
		b->lines = 0;
		b->kept = INT_MAX;
		b->started = vd_monotonic();
	}
	line_open = line_staged = 0;
	return VD_OK;
}

int
vd_batch_line_end(struct vd_batch *b, sqlite3 *db, int keep)
{
	int rc = VD_OK;

	/* a store function that failed between its begin and its rollback
	 * (it never does) would leave its savepoint: ROLLBACK TO vd_line
	 * undoes it too */
	batch_nest = 0;
	if (!keep && line_staged && batch_stage)
		rc = batch_stage(db, VD_STAGE_DROP_LINE, b->lines, NULL);
	if (line_open && ((!keep && vd_db_stmt_exec(db, "ROLLBACK TO vd_line")) ||
	    vd_db_stmt_exec(db, "RELEASE vd_line")))
		rc = VD_EDB;
	line_open = line_staged = 0;
	b->lines++;
	return rc;
}

int
vd_batch_staging(sqlite3 *db, int *line)
{
	if (db != batch_db || batch_of->kept != INT_MAX)
		return 0;
	if (line)
		*line = batch_of->lines;
	return 1;
}

void
vd_batch_staged(sqlite3 *db, vd_batch_stage_fn *stage)
{
	if (db == batch_db) {
		batch_stage = stage;
		line_staged++;
	}
}

int
vd_batch_flush(sqlite3 *db)
{
	vd_batch_stage_fn *stage = batch_stage;
	int failed = 0;

	if (db != batch_db || !stage)
		return VD_OK;
	batch_stage = NULL;
	if (stage(db, VD_STAGE_APPLY, 0, &failed) == VD_OK)
		return VD_OK;
	/* the lines before the failed one are kept; none when SQLite
	 * rolled the whole transaction back (a full disk, an I/O error) */
	batch_of->kept = sqlite3_get_autocommit(db) ? 0 : failed;
	return VD_EDB;
}

int
vd_batch_due(const struct vd_batch *b)
{
	return batch_db && (b->lines >= VD_BATCH_LINES ||
	    vd_monotonic() - b->started >= VD_BATCH_SECONDS);
}

int
vd_batch_commit(struct vd_batch *b, sqlite3 *db)
{
	char msg[1024];
	int rc;

	if (batch_db != db)
		return VD_OK;
	rc = vd_batch_flush(db);
	snprintf(msg, sizeof msg, "%s", vd_errmsg());
	batch_db = NULL;
	batch_nest = 0;
	if (b->kept == 0 || (vd_db_exec(db, "COMMIT") && (rc = VD_EDB))) {
		if (batch_stage)
			batch_stage(db, VD_STAGE_DROP, 0, NULL);
		batch_stage = NULL;
		vd_db_rollback(db);
		b->kept = 0;
		return rc;
	}
	if (rc)
		vd_error(rc, "%s", msg);
	return rc;
}

static int
user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	int rc;

	if (vd_db_prepare(db, "PRAGMA user_version", &st))
		return VD_EDB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	return VD_OK;
}

static int
check_version(sqlite3 *db, const char *path)
{
	int v;

	if (user_version(db, &v))
		return VD_EDB;
	if (v > VD_SCHEMA_VERSION)
		return vd_error(VD_EDB, "%s: schema version %d is newer than this program's %d; upgrade vasdom",
		    path, v, VD_SCHEMA_VERSION);
	return VD_OK;
}

/* WAL is a property of the file, set by whichever process first opens it.
 * Processes opening a new file at once contend for the exclusive lock the
 * switch takes, and SQLite answers the loser SQLITE_BUSY without calling
 * the busy handler (it holds a shared lock, and waiting could deadlock):
 * so try again after a pause, within the busy timeout; once another has
 * switched the file, the next try finds it in WAL mode at once. */
static int
set_wal(sqlite3 *db, int busy_ms)
{
	const struct timespec pause = { 0, 10 * 1000000 };
	int waited, rc;

	for (waited = 0;; waited += 10) {
		if ((rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)) ==
		    SQLITE_OK)
			return VD_OK;
		if ((rc & 0xff) != SQLITE_BUSY || waited >= busy_ms)
			return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
		nanosleep(&pause, NULL);
	}
}

/* 16 KB pages: a vector of 512 dimensions (2 KB) and its row fill 7 to a
 * leaf of the rowid table of schema 7, where 4 KB pages held one (the
 * database 1.9 times its payload, 1.1 with these). Only a new file takes
 * the size from the pragma; an older one is rewritten by upgrade(). */
#define PAGE_SIZE 16384

/* Leave WAL for a rollback journal, if this process has the file alone
 * (never waiting for that): 1 if it did. */
static int
leave_wal(sqlite3 *db, int busy_ms)
{
	int rc;

	sqlite3_busy_timeout(db, 0);
	rc = sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_busy_timeout(db, busy_ms);
	return rc == SQLITE_OK;
}

/* Forward-only: each step in its own transaction, re-checking the version
 * inside it so two processes opening a new file migrate it once. */
static int
migrate(sqlite3 *db)
{
	char sql[64];
	int v;

	if (user_version(db, &v))
		return VD_EDB;
	while (v < VD_SCHEMA_VERSION) {
		if (vd_db_begin(db))
			return VD_EDB;
		if (user_version(db, &v))
			goto fail;
		if (v >= VD_SCHEMA_VERSION) {
			vd_db_commit(db);
			break;
		}
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (vd_db_exec(db, vd_schema_migrations[v]) || vd_db_exec(db, sql) ||
		    vd_db_commit(db))
			goto fail;
		v++;
	}
	return VD_OK;
fail:
	vd_db_rollback(db);
	return VD_EDB;
}

/* A file of smaller pages (made before schema 7) is migrated, then
 * rewritten once with PAGE_SIZE ones (VACUUM, twice the file's size on
 * disk for a while). A WAL file keeps its page size, so both are done in
 * rollback-journal mode, which needs every other connection closed: only
 * by a process that finds itself alone, never waiting for one (a later
 * open tries again). There the migration's copy of the vectors is
 * written once, into pages past the end of the file, which need no
 * journal: in WAL it went through the WAL, then again into the file (a
 * 7 GB WAL after 7 minutes on 1,000,000 vectors). The old table's pages
 * are freed without being overwritten (secure_delete off for the time of
 * it): they hold copies of vectors the new table has, and the VACUUM
 * right after drops them. Each step is a transaction, so a process
 * killed at any point leaves the file whole, at the old schema or the
 * new. Not alone, the file is migrated in WAL, and used with its pages
 * as they are. Failing to rewrite changes nothing and is not an error. */
static int
upgrade(sqlite3 *db, int busy_ms)
{
	long long size;
	int rc;

	if (vd_db_int(db, "PRAGMA page_size", NULL, &size))
		return VD_EDB;
	if (size >= PAGE_SIZE || !leave_wal(db, busy_ms))
		return migrate(db);
	if ((rc = vd_db_exec(db, "PRAGMA secure_delete = OFF")) == VD_OK)
		rc = migrate(db);
	if (vd_db_exec(db, "PRAGMA secure_delete = ON") && rc == VD_OK)
		rc = VD_EDB;
	if (rc == VD_OK)
		vd_db_exec(db, "PRAGMA page_size = 16384; VACUUM");
	if (set_wal(db, busy_ms) && rc == VD_OK)
		rc = VD_EDB;
	return rc;
}

int
vd_db_temp_in_memory(sqlite3 *db)
{
	return vd_db_exec(db, "PRAGMA temp_store = MEMORY");
}

int
vd_db_map_reads(sqlite3 *db)
{
	return vd_db_exec(db, "PRAGMA mmap_size = 2147418112");
}

void
vd_db_unshared(void)
{
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
}

int
vd_db_open(const char *path, int busy_ms, sqlite3 **out)
{
	sqlite3 *db = NULL;
	char pragmas[128];
	int fd;

	*out = NULL;
	/* Create the file ourselves so it is 0600 whatever the umask; SQLite
	 * gives the -wal and -shm files the same mode. An existing file is
	 * never opened here: closing that descriptor would drop the POSIX
	 * locks every other connection of this process holds on it (a
	 * server's workers, the parallel export), and another process closing
	 * last would then checkpoint and delete the WAL from under them. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	else if (errno != EEXIST || access(path, R_OK | W_OK) != 0)
		return vd_error(VD_EDB, "%s: %s", path, strerror(errno));
	/* Nothing reads SQLite's memory statistics, and keeping them takes a
	 * process-wide mutex on every allocation, which two connections in two
	 * threads (the parallel export) then fight over. Only possible before
	 * SQLite's first use in the process; later calls change nothing. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	vd_db_mem_init();
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		vd_error(VD_EDB, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return VD_EDB;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, busy_ms);
	/* secure_delete: text a write replaces or deletes is overwritten, not
	 * left in free space, so a forgotten exchange leaves no old copy */
	snprintf(pragmas, sizeof pragmas,
	    "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;");
	/* The version check comes first so a newer file is left untouched. */
	if (check_version(db, path) || vd_db_exec(db, "PRAGMA page_size = 16384") ||
	    set_wal(db, busy_ms) || vd_db_exec(db, pragmas) || upgrade(db, busy_ms) ||
	    vd_redact_store_register(db, vd_config_redact_store())) {
		char msg[1024];

		snprintf(msg, sizeof msg, "%s", vd_errmsg());
		sqlite3_close(db);
		if (!strstr(msg, path))
			return vd_error(VD_EDB, "%s: %s", path, msg);
		return vd_error(VD_EDB, "%s", msg);
	}
	*out = db;
	return VD_OK;
}

/* The folder of path (".") into dir. */
static void
folder_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, size, ".");
	else
		snprintf(dir, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

/* Read only, for a database nobody may write here (a read-only file or
 * folder). Without a -wal file and in a folder where SQLite cannot make
 * its -shm, only an immutable open reads it. */
static int
open_readonly(const char *path, int busy_ms, int folder_writable, sqlite3 **out)
{
	char wal[4096], *uri;
	const char *p;
	sqlite3_str *s;
	sqlite3 *db = NULL;
	int v, immutable;

	snprintf(wal, sizeof wal, "%s-wal", path);
	immutable = !folder_writable && access(wal, F_OK) != 0;
	/* the path as a URI: only %, ? and # need escaping */
	s = sqlite3_str_new(NULL);
	sqlite3_str_appendall(s, "file:");
	for (p = path; *p; p++)
		if (*p == '%' || *p == '?' || *p == '#')
			sqlite3_str_appendf(s, "%%%02X", (unsigned char)*p);
		else
			sqlite3_str_appendchar(s, 1, *p);
	sqlite3_str_appendf(s, "?mode=ro%s", immutable ? "&immutable=1" : "");
	if (!(uri = sqlite3_str_finish(s)))
		return vd_error(VD_ENOMEM, "out of memory");
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		vd_error(VD_EDB, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_free(uri);
		sqlite3_close(db);
		return VD_EDB;
	}
	sqlite3_free(uri);
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, busy_ms);
	if (user_version(db, &v) || check_version(db, path)) {
		sqlite3_close(db);
		return VD_EDB;
	}
	if (v < VD_SCHEMA_VERSION) {
		sqlite3_close(db);
		return vd_error(VD_EDB, "%s: schema version %d, older than %d, and the database is"
		    " read-only here: run vasdom-ask or vasdom-rate once where it can be written",
		    path, v, VD_SCHEMA_VERSION);
	}
	*out = db;
	return VD_OK;
}

int
vd_db_open_existing(const char *path, int busy_ms, sqlite3 **out)
{
	char dir[4096];
	struct stat sb;
	int folder_writable;

	*out = NULL;
	if (stat(path, &sb) != 0)
		return vd_error(VD_ENOTFOUND, "no database at %s", path);
	if (!S_ISREG(sb.st_mode))
		return vd_error(VD_EDB, "%s: not a database file", path);
	if (sb.st_size == 0)
		return vd_error(VD_ENOTFOUND, "no database at %s (an empty file)", path);
	folder_of(path, dir, sizeof dir);
	folder_writable = access(dir, W_OK) == 0;
	if (folder_writable && access(path, W_OK) == 0)
		return vd_db_open(path, busy_ms, out);
	return open_readonly(path, busy_ms, folder_writable, out);
}

void
vd_db_close(sqlite3 *db)
{
	if (db) {
		vd_db_stmt_forget(db);
		sqlite3_close(db);
	}
}

const char *
vd_db_path(sqlite3 *db)
{
	const char *p = sqlite3_db_filename(db, "main");

	return p ? p : "";
}

int
vd_db_readonly(sqlite3 *db)
{
	return sqlite3_db_readonly(db, "main") == 1;
}
