#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vd_atomic.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_hash.h"
#include "vd_index.h"
#include "vd_index_delta.h"
#include "vd_index_priv.h"

/* 02: the index_changes seq the file was built at; 03: a checksum */
#define MAGIC "VDVEC03\n"

struct header {
	char magic[8];
	uint32_t dim, pad;
	uint64_t n, version, seq;
	char model[128];
	uint64_t sum;               /* of the header (sum 0) and the arrays */
};

/* A checksum fast enough to run on every load (four independent lanes of
 * multiply-rotate over 64-bit words: memory speed), so that a cache file
 * damaged after its header is rebuilt rather than trusted. */
static uint64_t
checksum(const struct header *h, const char *body, size_t len)
{
	static const uint64_t K = 0x9e3779b97f4a7c15ULL;
	uint64_t lane[4] = { 1, 2, 3, 4 }, w, sum;
	struct header copy = *h;
	size_t i, j;

	copy.sum = 0;
	sum = 0;
	for (i = 0; i + 8 <= sizeof copy; i += 8) {
		memcpy(&w, (const char *)&copy + i, 8);
		sum = (sum ^ w) * K;
	}
	for (i = 0; i + 32 <= len; i += 32)
		for (j = 0; j < 4; j++) {
			memcpy(&w, body + i + 8 * j, 8);
			lane[j] = ((lane[j] ^ w) * K);
			lane[j] ^= lane[j] >> 29;
		}
	for (; i < len; i++)
		sum = (sum ^ (unsigned char)body[i]) * K;
	for (j = 0; j < 4; j++)
		sum = (sum ^ lane[j]) * K;
	return sum ^ (sum >> 31);
}

static size_t
align64(size_t x)
{
	return (x + 63) & ~(size_t)63;
}

/* Offsets of the arrays in a cache file (and in the in-memory copy). */
static void
layout(size_t n, int dim, size_t off[4], size_t *total)
{
	off[0] = align64(sizeof(struct header));        /* ids */
	off[1] = align64(off[0] + n * sizeof(long long)); /* scales */
	off[2] = align64(off[1] + n * sizeof(float));   /* ratings */
	off[3] = align64(off[2] + n);                   /* codes */
	*total = off[3] + n * (size_t)dim;
}

static void
point(struct vd_index *ix, char *base, size_t n, int dim)
{
	size_t off[4], total;

	layout(n, dim, off, &total);
	ix->n = ix->main.n = n;
	ix->dim = dim;
	ix->main.ids = (const long long *)(base + off[0]);
	ix->main.scales = (const float *)(base + off[1]);
	ix->main.ratings = (const signed char *)(base + off[2]);
	ix->main.codes = (const int8_t *)(base + off[3]);
}

static int
db_version(sqlite3 *db, const char *model, long long *v)
{
	return vd_db_int(db, "SELECT version FROM vector_state WHERE model = ?", model, v);
}

/* The cache file: beside the database, named by a hash of the model name
 * (which may hold slashes). NULL for in-memory databases. */
static char *
cache_path(sqlite3 *db, const char *model)
{
	const char *file = sqlite3_db_filename(db, "main");
	uint64_t h = vd_fnv1a(VD_FNV_OFFSET, model, strlen(model));
	char *path;

	if (!file || !*file)
		return NULL;
	if (!(path = malloc(strlen(file) + 32)))
		return NULL;
	sprintf(path, "%s.vec-%016llx", file, (unsigned long long)h);
	return path;
}

int
vd_index_remove_files(sqlite3 *db, long long *removed)
{
	const char *file = sqlite3_db_filename(db, "main");
	char *d = NULL, *b = NULL, *dir, *base, path[4200];
	struct dirent *e;
	size_t len;
	DIR *dp;
	int rc = VD_OK;

	*removed = 0;
	if (!file || !*file)
		return VD_OK;
	if (!(d = strdup(file)) || !(b = strdup(file))) {
		free(d);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	dir = dirname(d);
	base = basename(b);
	len = strlen(base);
	if (!(dp = opendir(dir))) {
		rc = vd_error(VD_EDB, "%s: %s", dir, strerror(errno));
		goto out;
	}
	/* cache_path's names: the database's, then .vec- */
	while ((e = readdir(dp))) {
		if (strncmp(e->d_name, base, len) || strncmp(e->d_name + len, ".vec-", 5))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (unlink(path) && errno != ENOENT) {
			rc = vd_error(VD_EDB, "%s: %s", path, strerror(errno));
			break;
		}
		(*removed)++;
	}
	closedir(dp);
out:
	free(d);
	free(b);
	return rc;
}

/* Map the cache file when it is one of this model (and dim, unless 0),
 * whatever its version: *h tells which. */
static int
try_map(struct vd_index *ix, const char *path, int dim, struct header *hp)
{
	struct header h;
	struct stat sb;
	size_t off[4], total;
	void *map;
	int fd;

	/* not through a link, and never a FIFO (which would block) or a device */
	if (!path || (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || (size_t)sb.st_size < sizeof h ||
	    pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
	    memcmp(h.magic, MAGIC, 8) ||
	    strncmp(h.model, ix->model, sizeof h.model) || (dim && (int)h.dim != dim) ||
	    h.dim == 0 || h.dim > 65536) {
		close(fd);
		return -1;
	}
	layout(h.n, (int)h.dim, off, &total);
	if ((size_t)sb.st_size != total) {
		close(fd);
		return -1;
	}
	map = mmap(NULL, total, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	if (checksum(&h, (const char *)map + off[0], total - off[0]) != h.sum) {
		munmap(map, total);
		return -1;
	}
	ix->map = map;
	ix->maplen = total;
	point(ix, map, h.n, (int)h.dim);
	*hp = h;
	return 0;
}

/* Write the in-memory copy as the cache file, atomically; a failure only
 * costs the next process a rebuild. 0 when written. */
static int
save(const struct vd_index *ix, const char *path, long long version, long long seq,
    size_t total)
{
	struct header *h = ix->own;
	size_t body = align64(sizeof *h);
	char *tmp;
	int fd, rc = 0;

	if (!path)
		return -1;
	memset(h, 0, sizeof *h);
	memcpy(h->magic, MAGIC, 8);
	h->dim = (uint32_t)ix->dim;
	h->n = ix->n;
	h->version = (uint64_t)version;
	h->seq = (uint64_t)seq;
	snprintf(h->model, sizeof h->model, "%s", ix->model);
	h->sum = checksum(h, (const char *)ix->own + body, total - body);
	/* exclusive and locked (a planted link is never followed), removed by
	 * the signal handlers, swept by the next run if this one is killed */
	if ((fd = vd_tmp_create(path, &tmp)) < 0)
		return -1;
	/* renamed before it is closed: the lock marks it in use until then */
	if (write(fd, ix->own, total) != (ssize_t)total || fsync(fd) || rename(tmp, path)) {
		unlink(tmp);
		rc = -1;
	}
	close(fd);
	vd_tmp_forget(tmp);
	return rc;
}

/* Read every vector of the model from SQLite (in one read transaction, so
 * the version and the log's seq match what is read) and quantize it; *saved
 * is that seq once the file is saved, else -1. */
static int
build(struct vd_index *ix, sqlite3 *db, int dim, const char *path, long long *saved)
{
	static const char sql[] = "SELECT v.log_id, v.dim, v.vector, " VD_INDEX_RATING
	    " FROM embeddings v JOIN exchanges x ON x.log_id = v.log_id"
	    " WHERE v.model = ? ORDER BY v.log_id";
	sqlite3_stmt *st;
	long long version, count, seq;
	size_t off[4], total, i = 0;
	char *base;
	int rc;

	*saved = -1;
	if (vd_db_exec(db, "BEGIN"))
		return VD_EDB;
	if ((rc = db_version(db, ix->model, &version)) || (rc = vd_db_last_seq(db, "index_changes", &seq)))
		goto out;
	/* counted as read below: vectors of exchanges deleted without the
	 * foreign keys on (sqlite3's default) must not count, or the arrays
	 * would be laid out for more than are read */
	if ((rc = vd_db_prepare(db, "SELECT count(*), max(v.dim) FROM embeddings v"
	    " JOIN exchanges x ON x.log_id = v.log_id WHERE v.model = ?", &st)))
		goto out;
	sqlite3_bind_text(st, 1, ix->model, -1, SQLITE_STATIC);
	sqlite3_step(st);
	count = sqlite3_column_int64(st, 0);
	if (!dim)
		dim = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	if (!dim)
		dim = 1;
	layout((size_t)count, dim, off, &total);
	if (!(base = ix->own = calloc(1, total))) {
		rc = vd_error(VD_ENOMEM, "out of memory for %lld vectors", count);
		goto out;
	}
	point(ix, base, (size_t)count, dim);
	if ((rc = vd_db_prepare(db, sql, &st)))
		goto out;
	sqlite3_bind_text(st, 1, ix->model, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && i < (size_t)count) {
		long long id = sqlite3_column_int64(st, 0);
		const float *v = sqlite3_column_blob(st, 2);
		int8_t *code = (int8_t *)base + off[3] + i * (size_t)dim;

		if (sqlite3_column_int(st, 1) != dim ||
		    sqlite3_column_bytes(st, 2) != (int)(sizeof(float) * (size_t)dim)) {
			rc = vd_error(VD_EDB, "log %lld: stored %s vector has %d bytes, expected %zu",
			    id, ix->model, sqlite3_column_bytes(st, 2), sizeof(float) * (size_t)dim);
			sqlite3_finalize(st);
			goto out;
		}
		((long long *)(base + off[0]))[i] = id;
		((float *)(base + off[1]))[i] = vd_index_quantize(v, dim, code);
		((signed char *)(base + off[2]))[i] = (signed char)sqlite3_column_int(st, 3);
		i++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
		goto out;
	}
	point(ix, base, i, dim);
	layout(i, dim, off, &total);
	ix->base = base;
	ix->version = version;
	ix->seq = seq;
	rc = VD_OK;
	if (i == (size_t)count && save(ix, path, version, seq, total) == 0)
		*saved = seq;
out:
	vd_db_exec(db, "COMMIT");
	return rc;
}

void
vd_index_free(struct vd_index *ix)
{
	if (!ix)
		return;
	if (ix->map)
		munmap(ix->map, ix->maplen);
	free(ix->own);
	free(ix->delta_own);
	free(ix->model);
	free(ix->tmp);
	free(ix->vecs);
	sqlite3_finalize(ix->exact);
	free(ix);
}

int
vd_index_load(sqlite3 *db, const struct vd_config *cfg, const char *model, int dim,
    enum vd_scope scope, struct vd_index **out)
{
	struct vd_index *ix = calloc(1, sizeof *ix);
	long long version, saved = -1;
	struct header h;
	char *path = NULL;
	int rc, mapped;

	*out = NULL;
	if (!ix || !(ix->model = strdup(model))) {
		free(ix);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	ix->db = db;
	ix->delta_max = cfg->index_delta_max;
	ix->floor = scope == VD_SCOPE_RATED ? 1 : 0;
	if ((rc = db_version(db, model, &version)))
		goto fail;
	path = cache_path(db, model);
	if (path)
		vd_tmp_sweep(path, 1);
	if ((mapped = try_map(ix, path, dim, &h) == 0)) {
		ix->base = ix->map;
		ix->version = version;
		ix->seq = (long long)h.seq;
	}
	/* a file a few changes old serves, with those changes beside it */
	if (mapped && h.version != (uint64_t)version &&
	    vd_index_delta_load(ix, db, (long long)h.seq)) {
		munmap(ix->map, ix->maplen);
		ix->map = NULL;
		mapped = 0;
	}
	if (!mapped && (rc = build(ix, db, dim, path, &saved)))
		goto fail;
	if (saved >= 0)
		vd_index_cursor_set(db, ix, saved);
	if (!(ix->tmp = malloc(sizeof(float) * (size_t)ix->dim)) ||
	    vd_db_prepare(db, "SELECT vector FROM embeddings WHERE model = ? AND log_id = ?",
	    &ix->exact)) {
		rc = ix->tmp ? VD_EDB : vd_error(VD_ENOMEM, "out of memory");
		goto fail;
	}
	sqlite3_bind_text(ix->exact, 1, ix->model, -1, SQLITE_STATIC);
	free(path);
	*out = ix;
	return VD_OK;
fail:
	free(path);
	vd_index_free(ix);
	return rc;
}

int
vd_index_current(struct vd_index *ix)
{
	long long version;

	if (!ix->db)
		return 1;       /* vd_index_memory: no database to follow */
	return db_version(ix->db, ix->model, &version) == VD_OK && version == ix->version;
}

int
vd_index_refresh(struct vd_index *ix)
{
	long long version, saved = -1;
	void *old = ix->delta_own;
	char *path;
	int rc;

	if (!ix->db)
		return VD_OK;
	if ((rc = db_version(ix->db, ix->model, &version)))
		return rc;
	/* main as it was read, then everything changed since (the delta read
	 * before is part of that) */
	ix->delta_own = NULL;
	ix->delta = (struct vd_index_part){ 0 };
	point(ix, ix->base, ix->main.n, ix->dim);
	if (ix->seq >= 0 && vd_index_delta_load(ix, ix->db, ix->seq) == 0) {
		free(old);
		ix->version = version;
		return VD_OK;
	}
	free(old);
	if (ix->map)
		munmap(ix->map, ix->maplen);
	free(ix->own);
	ix->map = ix->own = NULL;
	path = cache_path(ix->db, ix->model);
	rc = build(ix, ix->db, ix->dim, path, &saved);
	free(path);
	if (rc == VD_OK && saved >= 0)
		vd_index_cursor_set(ix->db, ix, saved);
	return rc;
}

size_t
vd_index_size(const struct vd_index *ix)
{
	return ix->n;
}

int
vd_index_dim(const struct vd_index *ix)
{
	return ix->dim;
}

static int
cmp_id(const void *k, const void *e)
{
	long long a = *(const long long *)k, b = *(const long long *)e;

	return a < b ? -1 : a > b;
}

/* The exact vector of log_id in an index made by vd_index_memory, or
 * NULL: from the float copy it keeps (bsearch on the ascending ids). */
static const float *
memory_vector(const struct vd_index *ix, long long log_id)
{
	const long long *p = bsearch(&log_id, ix->main.ids, ix->main.n, sizeof log_id, cmp_id);

	return p ? ix->vecs + (size_t)(p - ix->main.ids) * (size_t)ix->dim : NULL;
}

const float *
vd_index_vector(struct vd_index *ix, long long log_id)
{
	const float *v = NULL;

	if (ix->vecs)
		return memory_vector(ix, log_id);
	sqlite3_bind_int64(ix->exact, 2, log_id);
	if (sqlite3_step(ix->exact) == SQLITE_ROW &&
	    sqlite3_column_bytes(ix->exact, 0) == (int)(sizeof(float) * (size_t)ix->dim)) {
		memcpy(ix->tmp, sqlite3_column_blob(ix->exact, 0), sizeof(float) * (size_t)ix->dim);
		v = ix->tmp;
	}
	sqlite3_reset(ix->exact);
	return v;
}
