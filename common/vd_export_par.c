/* A large plain export on two cores. Most of its time is SQLite reading
 * rows and quoting values, which one connection does on one core; so the
 * window is cut at a created_at T near its middle row, and a second thread
 * with its own read-only connection writes the older part [since, T) to an
 * anonymous temporary file while this thread streams the newer part
 * [T, until) to the output, then appends the file. Cutting on created_at
 * alone keeps every row of one time on the newer side, so the bytes are
 * those of the one-thread export: newest first, header once. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_export_fmt.h"
#include "vd_export_par.h"
#include "vd_export_rows.h"
#include "vd_export_write.h"

/* Below this many exchanges in the window a thread, two connections and a
 * temporary file cost more than they save. VASDOM_EXPORT_PARALLEL_MIN
 * (cfg->export_parallel_min) overrides it, for the test that compares
 * both paths on small data. */
#define PARALLEL_MIN 20000
#define TMPBUF (1 << 20)

struct half {
	sqlite3 *db;
	FILE *out[2];
	char *buf[2];
	int null[2];                /* out[i] is /dev/null: nothing to append */
	const char *since, *until;
	long long counts[2];
	int rc;
	char err[1024];
};

struct job {
	const struct vd_config *cfg;
	const struct vd_export_opts *o;
	struct half mine, older;
	atomic_int first;           /* 1 or 2: the half that failed first */
};

static long long
parallel_min(const struct vd_config *cfg)
{
	return cfg->export_parallel_min >= 0 ? cfg->export_parallel_min : PARALLEL_MIN;
}

/* Exchanges in o's window: without one, SQLite counts the smallest
 * b-tree's cells without decoding them. */
static int
window_count(sqlite3 *db, const struct vd_export_opts *o, long long *n)
{
	sqlite3_stmt *st;
	int rc;

	if (vd_db_prepare(db, o->since || o->until ? "SELECT count(*) FROM exchanges"
	    " WHERE created_at >= ?1 AND created_at < ?2" : "SELECT count(*) FROM exchanges", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, vd_export_since(o), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vd_export_until(o), -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? VD_OK : vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
}

/* The created_at of the middle exchange of the window (*t, malloc'd), or
 * the window's start when it has emptied since it was counted. */
static int
middle(sqlite3 *db, const struct vd_export_opts *o, long long n, char **t)
{
	sqlite3_stmt *st;
	const char *since = vd_export_since(o);
	int rc;

	if (vd_db_prepare(db, o->since || o->until ? "SELECT created_at FROM exchanges"
	    " WHERE created_at >= ?1 AND created_at < ?2 ORDER BY created_at LIMIT 1 OFFSET ?3"
	    : "SELECT created_at FROM exchanges ORDER BY created_at LIMIT 1 OFFSET ?3", &st))
		return VD_EDB;
	sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vd_export_until(o), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, n / 2);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		*t = strdup(rc == SQLITE_ROW && sqlite3_column_text(st, 0)
		    ? (const char *)sqlite3_column_text(st, 0) : since);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	return *t ? VD_OK : vd_error(VD_ENOMEM, "out of memory");
}

/* A read-only connection of its own: SQLite serialises the statements of
 * one connection. */
static int
reader(const char *path, int busy_ms, struct half *h)
{
	if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return vd_error(VD_EDB, "%s: %s", path, h->db ? sqlite3_errmsg(h->db) : "cannot open");
	sqlite3_extended_result_codes(h->db, 1);
	sqlite3_busy_timeout(h->db, busy_ms);
	return VD_OK;
}

/* Both readers on one snapshot, so the two parts are the same moment of
 * the database: the write lock, held for the few statements it takes to
 * start their read transactions, keeps any commit from falling between.
 * A writer already at work is not waited for (the caller goes the plain
 * way instead); one that comes meanwhile waits its busy timeout. */
static int
one_snapshot(sqlite3 *db, int busy_ms, struct half *a, struct half *b)
{
	const char *start = "BEGIN; SELECT 1 FROM exchanges LIMIT 1";
	int rc;

	sqlite3_busy_timeout(db, 0);
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(db, busy_ms);
	if (rc != SQLITE_OK)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	rc = vd_db_exec(a->db, start) || vd_db_exec(b->db, start);
	vd_db_rollback(db);
	return rc ? VD_EDB : VD_OK;
}

/* Is f /dev/null (a dry run)? Then the older half goes there as well,
 * needing neither the disk nor the copy. */
static int
is_null(FILE *f)
{
	struct stat a, b;

	return fstat(fileno(f), &a) == 0 && S_ISCHR(a.st_mode) &&
	    stat("/dev/null", &b) == 0 && a.st_rdev == b.st_rdev;
}

/* Where the older half goes before out: an anonymous file in dir, gone
 * when closed. */
static int
temp_file(const char *dir, struct half *h, int i, FILE *out)
{
	char *path;
	int fd;

	if ((h->null[i] = is_null(out)))
		return (h->out[i] = fopen("/dev/null", "we")) ? VD_OK
		    : vd_error(VD_EWRITE, "/dev/null: %s", strerror(errno));
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0) {
		/* a file system without O_TMPFILE: a named file unlinked at once */
		if (asprintf(&path, "%s/vasdom-export.XXXXXX", dir) < 0)
			return vd_error(VD_ENOMEM, "out of memory");
		if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
			unlink(path);
		free(path);
		if (fd < 0)
			return vd_error(VD_EWRITE, "%s: %s", dir, strerror(errno));
	}
	if (!(h->out[i] = fdopen(fd, "w+"))) {
		close(fd);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	if ((h->buf[i] = malloc(TMPBUF)))
		setvbuf(h->out[i], h->buf[i], _IOFBF, TMPBUF);
	return VD_OK;
}

/* The first half to fail stops the other, whose error ("interrupted")
 * is then not the one to report. */
static void
failed(struct job *j, struct half *h)
{
	int none = 0;

	snprintf(h->err, sizeof h->err, "%s", vd_errmsg());
	if (atomic_compare_exchange_strong(&j->first, &none, h == &j->mine ? 1 : 2))
		sqlite3_interrupt(h == &j->mine ? j->older.db : j->mine.db);
}

static void *
write_older(void *arg)
{
	struct job *j = arg;
	struct half *h = &j->older;
	int i;

	h->rc = vd_export_write_range(h->db, j->cfg, j->o, h->since, h->until, 0, h->out,
	    h->counts);
	for (i = 0; i < 2 && h->rc == VD_OK; i++)
		if (h->out[i] && fflush(h->out[i]) != 0)
			h->rc = vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	if (h->rc)
		failed(j, h);
	return NULL;
}

/* What is left of in from *off to size, through a buffer. */
static int
copy_plain(int in, int fd, off_t *off, off_t size)
{
	char *buf = malloc(TMPBUF);
	ssize_t n = 0, w, m;

	if (!buf)
		return vd_error(VD_ENOMEM, "out of memory");
	while (*off < size && (n = pread(in, buf, TMPBUF, *off)) > 0) {
		for (w = 0; w < n; w += m)
			if ((m = write(fd, buf + w, (size_t)(n - w))) < 0 && errno != EINTR)
				break;
			else if (m < 0)
				m = 0;
		if (w < n)
			break;
		*off += n;
	}
	free(buf);
	if (*off < size)
		return vd_error(VD_EWRITE, "write error: %s", n == 0 ? "temporary file shrank"
		    : strerror(errno));
	return VD_OK;
}

/* Append the whole of tmp to out: the kernel copies where it can
 * (copy_file_range between files, sendfile to a pipe or a device), and
 * these errors only say it cannot here. */
static int
append(FILE *tmp, FILE *out)
{
	int in = fileno(tmp), fd = fileno(out), how = 0;
	struct stat sb;
	off_t off = 0;
	ssize_t n;

	if (fflush(out) != 0 || fstat(in, &sb) != 0)
		return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	while (off < sb.st_size && how < 2) {
		size_t want = (size_t)(sb.st_size - off);

		if (how == 0)
			n = copy_file_range(in, &off, fd, NULL, want, 0);
		else
			n = sendfile(fd, in, &off, want < 0x40000000 ? want : 0x40000000);
		if (n == 0 || (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
		    errno == EOPNOTSUPP || errno == EBADF)))
			how++;
		else if (n < 0 && errno != EINTR)
			return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	}
	return copy_plain(in, fd, &off, sb.st_size);
}

static void
close_half(struct half *h)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (h->out[i])
			fclose(h->out[i]);
		free(h->buf[i]);
	}
	sqlite3_close(h->db);
}

/* Both halves, once everything is set up; the answer of the export. */
static int
run(struct job *j, FILE *out[2], long long counts[2])
{
	pthread_t t;
	int threaded, rc, i;

	/* without a thread the older half goes first, to its file all the same */
	if (!(threaded = pthread_create(&t, NULL, write_older, j) == 0))
		write_older(j);
	if (atomic_load(&j->first) == 0) {
		j->mine.rc = vd_export_write_range(j->mine.db, j->cfg, j->o, j->mine.since,
		    j->mine.until, 1, out, j->mine.counts);
		if (j->mine.rc)
			failed(j, &j->mine);
	}
	if (threaded)
		pthread_join(t, NULL);
	if (atomic_load(&j->first))
		return vd_error(atomic_load(&j->first) == 1 ? j->mine.rc : j->older.rc, "%s",
		    atomic_load(&j->first) == 1 ? j->mine.err : j->older.err);
	for (i = 0, rc = VD_OK; i < 2 && rc == VD_OK; i++)
		if (out[i] && !j->older.null[i])
			rc = append(j->older.out[i], out[i]);
	for (i = 0; i < 2; i++)
		counts[i] = j->mine.counts[i] + j->older.counts[i];
	return rc;
}

/* Whether this process may run on two cores at least: on one, the second
 * thread would only add the temporary file and its copy to the same CPU
 * time (taskset -c 0, a one-core container). */
static int
two_cores(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) >= 2;
}

int
vd_export_parallel(sqlite3 *db, const struct vd_config *cfg, const struct vd_export_opts *o,
    FILE *out[2], long long counts[2], int *taken)
{
	struct job j = { cfg, o, { 0 }, { 0 }, 0 };
	const char *path = sqlite3_db_filename(db, "main");
	char *t = NULL;
	long long n = 0;
	int rc = VD_OK;

	*taken = 0;
	/* --max needs the newer part's count before the older part starts;
	 * --dedup looks across the whole window; pairs are not one query */
	if (o->format->rows == VD_ROWS_PAIRS || o->max > 0 || o->dedup || !path || !*path ||
	    !sqlite3_get_autocommit(db) || !two_cores())
		return VD_OK;
	/* Counted on this thread's own connection, whose cache then holds the
	 * index pages middle() reads again, so the caller's stays small. A
	 * failure to set up (a writer at work, no temporary file) only means
	 * the plain way: nothing has been written yet. */
	if (reader(path, cfg->busy_timeout_ms, &j.mine) || window_count(j.mine.db, o, &n) ||
	    n < parallel_min(cfg) || n < 2 ||
	    reader(path, cfg->busy_timeout_ms, &j.older) ||
	    one_snapshot(db, cfg->busy_timeout_ms, &j.mine, &j.older) ||
	    middle(j.mine.db, o, n, &t) || temp_file(cfg->tmpdir, &j.older, 0, out[0]) ||
	    (out[1] && temp_file(cfg->tmpdir, &j.older, 1, out[1])))
		goto done;
	*taken = 1;
	j.mine.since = t;
	j.mine.until = vd_export_until(o);
	j.older.since = vd_export_since(o);
	j.older.until = t;
	rc = run(&j, out, counts);
done:
	close_half(&j.mine);
	close_half(&j.older);
	free(t);
	return rc;
}
