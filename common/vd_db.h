/* The store: one SQLite file in WAL mode, schema migrated on open. */
#ifndef VD_DB_H
#define VD_DB_H

#include <sqlite3.h>

#define VD_SCHEMA_VERSION 7

/* Open (creating, mode 0600) the database at path and bring its schema up
 * to date. busy_ms is the busy timeout. On success *out is an open handle
 * the caller closes with vd_db_close. Errors: VD_EDB (missing folder,
 * unwritable file, not a database, schema newer than this program). */
int vd_db_open(const char *path, int busy_ms, sqlite3 **out);
void vd_db_close(sqlite3 *db);

/* For a process that never uses one connection (or its statements) in two
 * threads at once: SQLite's own mutexes left out of every call (about 6%
 * of a one-core export). Only before the process's first connection;
 * later calls change nothing. */
void vd_db_unshared(void);

/* SQLite's temporary files (a statement's sub-journal among them) kept in
 * memory for db: for a connection that never sorts or groups more rows than
 * fit there. */
int vd_db_temp_in_memory(sqlite3 *db);

/* The database file mapped into memory for db's reads (up to 2 GB, the
 * rest read as before): a page read is then a page of the map, not a copy
 * into memory allocated for it, which cost a process reading a few hundred
 * scattered pages (a search's exact vectors, the neighbours' rows) more
 * in page faults than in the reads. Writes are written as before. */
int vd_db_map_reads(sqlite3 *db);

/* For the tools that only read (stats, similar, export): open the database
 * at path only when it is there: VD_ENOTFOUND "no database at PATH" when
 * it is missing or an empty file (never created or initialised). Where it
 * can be written, as vd_db_open; else (a read-only file or folder) read
 * only, its schema current. */
int vd_db_open_existing(const char *path, int busy_ms, sqlite3 **out);

/* Transactions: BEGIN IMMEDIATE so writers queue on the busy timeout
 * instead of failing on a read-to-write upgrade. */
int vd_db_begin(sqlite3 *db);
int vd_db_commit(sqlite3 *db);
void vd_db_rollback(sqlite3 *db);

/* A write batch: many input lines in one transaction, for the tools that
 * store a line at a time (vasdom-ask --record, vasdom-rate), where a
 * transaction (and its sync) a line cost 10 times SQLite's rate. The
 * batch commits when the caller says, at the latest when vd_batch_due:
 * after VD_BATCH_LINES lines or VD_BATCH_SECONDS, so other writers wait
 * no longer than that. What a line did is durable, and may be reported,
 * only once vd_batch_commit returned (its lines before b->kept); a
 * process killed before loses the batch's lines whole. One batch a
 * thread.
 *
 * The store functions that can (vd_exchange_insert, vd_exchange_rate)
 * stage their rows (vd_batch_staging), applied many at once by one
 * statement when the batch commits (vd_batch_flush): a statement a line
 * copies every page it changes into a statement journal, a statement a
 * batch copies each once. When that statement fails, the rows are applied
 * again one at a time, each in a savepoint, so the failing line's rolls
 * back alone and the lines before it are kept. A line that writes
 * otherwise (vd_db_begin) is a savepoint, after what was staged before
 * it; a line that fails leaves nothing, staged or written. */
#define VD_BATCH_LINES   5000
#define VD_BATCH_SECONDS 0.1

struct vd_batch {
	int lines;                /* begun since the batch began */
	double started;           /* vd_monotonic() at its BEGIN */
	int kept;                 /* after a failure, the lines before this
	                           * one are the batch's (INT_MAX: all) */
};

/* Begin a line: the batch's transaction first when none is open (waiting
 * for the write lock up to the busy timeout). VD_EDB on failure. */
int vd_batch_line(struct vd_batch *b, sqlite3 *db);
/* End the line begun: keep what it wrote, or undo it. VD_EDB on failure. */
int vd_batch_line_end(struct vd_batch *b, sqlite3 *db, int keep);
/* Whether the open batch has reached its bound of lines or time. */
int vd_batch_due(const struct vd_batch *b);
/* Commit the open batch (nothing when none is open): VD_OK, or VD_EDB
 * with b->kept saying which of its lines were committed (the ones before
 * the line whose rows failed, else none). */
int vd_batch_commit(struct vd_batch *b, sqlite3 *db);

/* For the store functions: 1 when db has a batch that takes staged rows,
 * with *line (when not NULL) the line's place in it, from 0. */
int vd_batch_staging(sqlite3 *db, int *line);
/* What a store function staged its rows with does: apply them all (*line
 * set to the first line not applied when failing), drop them all, or
 * drop those of line. The stage is empty after APPLY and DROP. */
enum vd_stage_op { VD_STAGE_APPLY, VD_STAGE_DROP, VD_STAGE_DROP_LINE };
typedef int vd_batch_stage_fn(sqlite3 *db, enum vd_stage_op op, int line, int *failed);
/* A row staged by the line begun, through stage. */
void vd_batch_staged(sqlite3 *db, vd_batch_stage_fn *stage);
/* Apply what db's batch staged: VD_OK, or VD_EDB with the rows of the
 * lines from b->kept on dropped, and the batch to be committed or rolled
 * back by vd_batch_commit. */
int vd_batch_flush(sqlite3 *db);

/* Run SQL without results; VD_EDB with the SQLite message on failure. */
int vd_db_exec(sqlite3 *db, const char *sql);

/* Prepare or fail with VD_EDB; *st is finalized by the caller. */
int vd_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st);

/* Step st once: VD_OK (a row or done), or VD_EDB with SQLite's message. */
int vd_db_step(sqlite3 *db, sqlite3_stmt *st);

/* Step a statement that returns no rows we need (an INSERT, UPDATE,
 * DELETE), then finalize it: VD_OK, or VD_EDB with SQLite's message. */
int vd_db_step_done(sqlite3 *db, sqlite3_stmt *st);

/* The first column of sql's first row as an integer into *v (0 when there
 * is no row), with ?1 bound to arg unless it is NULL. VD_EDB on error. */
int vd_db_int(sqlite3 *db, const char *sql, const char *arg, long long *v);

/* The last seq the AUTOINCREMENT table has given (0: none yet) into *seq:
 * not max(seq), which falls back once old rows are deleted (a change log
 * emptied after everyone read it). VD_EDB on error, *seq then 0. */
int vd_db_last_seq(sqlite3 *db, const char *table, long long *seq);

/* Statements prepared once per connection, for what runs once an input
 * line (vd_db_stmt.c). sql is compared by address: pass a string literal
 * (or one that lives as long as db). *st is ready to bind, and is given
 * back with vd_db_stmt_done (which resets it and clears its bindings),
 * never finalized by the caller. VD_EDB when it does not prepare. */
int vd_db_stmt(sqlite3 *db, const char *sql, sqlite3_stmt **st);
void vd_db_stmt_done(sqlite3_stmt *st);
/* Step st once and give it back: VD_OK, or VD_EDB with SQLite's message. */
int vd_db_stmt_step(sqlite3 *db, sqlite3_stmt *st);
/* Run one statement without bindings or results (a SAVEPOINT), cached. */
int vd_db_stmt_exec(sqlite3 *db, const char *sql);
/* Finalize db's cached statements (vd_db_close does, before closing). */
void vd_db_stmt_forget(sqlite3 *db);

/* SQLite's allocator, with the 1 KB chunks of in-memory sub-journals kept
 * for reuse (vd_db_mem.c). Before SQLite's first use in the process (the
 * first vd_db_open does it); later calls change nothing. */
void vd_db_mem_init(void);

/* Bind s, or NULL when s is NULL (the statement must outlive s). */
void vd_db_bind_text(sqlite3_stmt *st, int i, const char *s);


/* The schema migrations, in order: element i brings user_version i to i+1. */
extern const char *const vd_schema_migrations[VD_SCHEMA_VERSION];

/* The file of db's main database ("" for an in-memory one). */
const char *vd_db_path(sqlite3 *db);

/* Is db open read-only (a read-only file or folder)? */
int vd_db_readonly(sqlite3 *db);

#endif
