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
#include "vd_index_kernel.h"
#include "vd_index_priv.h"

/* 02: the index_changes seq the file was built at; 03: a checksum; 04:
 * 4-bit codes for a prefilter, and a sum of each int8 code, which the
 * checksum leaves out: a search reads few of them, and checks those */
#define MAGIC "VDVEC04\n"

struct header {
	char magic[8];
	uint32_t dim, pad;
	uint64_t n, version, seq;
	char model[128];
	uint64_t sum;               /* of the header (sum 0) and the arrays before the codes */
	uint64_t sum4;              /* of the 4-bit codes (vd_code4_sum), checked as scanned */
	uint64_t sum8;              /* of the int8 codes, checked on load when all are scanned */
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

void
vd_index_layout(size_t n, int dim, size_t off[VD_INDEX_ARRAYS], size_t *total)
{
	off[0] = align64(sizeof(struct header));          /* ids */
	off[1] = align64(off[0] + n * sizeof(long long)); /* scales */
	off[2] = align64(off[1] + n * sizeof(float));     /* ratings */
	off[3] = align64(off[2] + n);                     /* 4-bit scales */
	off[4] = align64(off[3] + n * sizeof(float));     /* int8 code sums */
	off[5] = align64(off[4] + n * sizeof(uint32_t));  /* 4-bit codes */
	off[6] = align64(off[5] + n * VD_CODE4_LEN(dim)); /* int8 codes */
	*total = off[6] + n * (size_t)dim;
}

void
vd_index_point(struct vd_index *ix, char *base, size_t n, int dim)
{
	size_t off[VD_INDEX_ARRAYS], total;

	vd_index_layout(n, dim, off, &total);
	free(ix->sound);
	ix->sound = NULL;
	ix->n = ix->main.n = n;
	ix->dim = dim;
	ix->main.ids = (const long long *)(base + off[0]);
	ix->main.scales = (const float *)(base + off[1]);
	ix->main.ratings = (const signed char *)(base + off[2]);
	ix->main.scales4 = (const float *)(base + off[3]);
	ix->main.sums = (const uint32_t *)(base + off[4]);
	ix->main.codes4 = (const uint8_t *)(base + off[5]);
	ix->main.codes = (const int8_t *)(base + off[6]);
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

/* A checksum of a run of bytes alone (no header). */
static uint64_t
body_sum(const char *body, size_t len)
{
	struct header none = { 0 };

	return checksum(&none, body, len);
}

/* Map the cache file when it is one of this model (and dim, unless 0),
 * whatever its version: *h tells which. */
static int
try_map(struct vd_index *ix, const char *path, int dim, struct header *hp)
{
	struct header h;
	struct stat sb;
	size_t off[VD_INDEX_ARRAYS], total;
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
	vd_index_layout(h.n, (int)h.dim, off, &total);
	if ((size_t)sb.st_size != total) {
		close(fd);
		return -1;
	}
	map = mmap(NULL, total, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	/* the codes are checked as they are read: the int8 ones here when the
	 * scan reads them all (VASDOM_INDEX_CANDIDATES=0, the scan before the
	 * prefilter, which read every byte of the file on load), else the
	 * 4-bit ones by the first scan (vd_index_check4) and the int8 ones a
	 * candidate at a time (sums) */
	if (checksum(&h, (const char *)map + off[0], off[5] - off[0]) != h.sum ||
	    (ix->candidates == 0 && body_sum((const char *)map + off[6], total - off[6]) != h.sum8)) {
		munmap(map, total);
		return -1;
	}
	ix->map = map;
	ix->maplen = total;
	ix->sum4 = h.sum4;
	ix->check4 = ix->candidates != 0;
	ix->damaged = 0;
	vd_index_point(ix, map, h.n, (int)h.dim);
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
	size_t off[VD_INDEX_ARRAYS], all;
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
	vd_index_layout(ix->main.n, ix->dim, off, &all);
	h->sum4 = vd_code4_sum(ix->main.codes4, 0, ix->main.n, VD_CODE4_LEN(ix->dim), 0);
	h->sum8 = body_sum((const char *)ix->own + off[6], all - off[6]);
	h->sum = checksum(h, (const char *)ix->own + off[0], off[5] - off[0]);
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
	size_t off[VD_INDEX_ARRAYS], total, i = 0;
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
	vd_index_layout((size_t)count, dim, off, &total);
	if (!(base = ix->own = calloc(1, total))) {
		rc = vd_error(VD_ENOMEM, "out of memory for %lld vectors", count);
		goto out;
	}
	vd_index_point(ix, base, (size_t)count, dim);
	if ((rc = vd_db_prepare(db, sql, &st)))
		goto out;
	sqlite3_bind_text(st, 1, ix->model, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && i < (size_t)count) {
		long long id = sqlite3_column_int64(st, 0);
		const float *v = sqlite3_column_blob(st, 2);
		int8_t *code = (int8_t *)base + off[6] + i * (size_t)dim;

		if (sqlite3_column_int(st, 1) != dim ||
		    sqlite3_column_bytes(st, 2) != (int)(sizeof(float) * (size_t)dim)) {
			rc = vd_error(VD_EDB, "log %lld: stored %s vector has %d bytes, expected %zu",
			    id, ix->model, sqlite3_column_bytes(st, 2), sizeof(float) * (size_t)dim);
			sqlite3_finalize(st);
			goto out;
		}
		((long long *)(base + off[0]))[i] = id;
		vd_index_encode(v, dim, code, (float *)(base + off[1]) + i,
		    (uint8_t *)base + off[5] + i * VD_CODE4_LEN(dim), (float *)(base + off[3]) + i);
		((uint32_t *)(base + off[4]))[i] = vd_index_code_sum(code, dim);
		((signed char *)(base + off[2]))[i] = (signed char)sqlite3_column_int(st, 3);
		i++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
		goto out;
	}
	vd_index_point(ix, base, i, dim);
	vd_index_layout(i, dim, off, &total);
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
	free(ix->rows);
	free(ix->vecs);
	free(ix->sound);
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
	ix->candidates = cfg->index_candidates;
	ix->portable = cfg->index_portable;
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
	long long version;
	void *old = ix->delta_own;
	int rc;

	if (!ix->db)
		return VD_OK;
	if ((rc = db_version(ix->db, ix->model, &version)))
		return rc;
	/* main as it was read, then everything changed since (the delta read
	 * before is part of that) */
	ix->delta_own = NULL;
	ix->delta = (struct vd_index_part){ 0 };
	vd_index_point(ix, ix->base, ix->main.n, ix->dim);
	if (ix->seq >= 0 && vd_index_delta_load(ix, ix->db, ix->seq) == 0) {
		free(old);
		ix->version = version;
		return VD_OK;
	}
	free(old);
	return vd_index_rebuild(ix);
}

int
vd_index_rebuild(struct vd_index *ix)
{
	long long saved = -1;
	char *path;
	int rc;

	free(ix->delta_own);
	ix->delta_own = NULL;
	ix->delta = (struct vd_index_part){ 0 };
	if (ix->map)
		munmap(ix->map, ix->maplen);
	free(ix->own);
	ix->map = ix->own = NULL;
	ix->check4 = 0;
	path = cache_path(ix->db, ix->model);
	rc = build(ix, ix->db, ix->dim, path, &saved);
	free(path);
	if (rc == VD_OK && saved >= 0)
		vd_index_cursor_set(ix->db, ix, saved);
	return rc;
}

void
vd_index_discard(struct vd_index *ix)
{
	char *path;

	/* once: a file built since by another process is sound */
	if (!ix->map || ix->damaged || !(path = cache_path(ix->db, ix->model)))
		return;
	ix->damaged = 1;
	unlink(path);
	free(path);
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
vd_index_read_vector(struct vd_index *ix, long long log_id, float *buf)
{
	const float *v = NULL;

	if (ix->vecs)
		return memory_vector(ix, log_id);
	sqlite3_bind_int64(ix->exact, 2, log_id);
	if (sqlite3_step(ix->exact) == SQLITE_ROW &&
	    sqlite3_column_bytes(ix->exact, 0) == (int)(sizeof(float) * (size_t)ix->dim)) {
		memcpy(buf, sqlite3_column_blob(ix->exact, 0), sizeof(float) * (size_t)ix->dim);
		v = buf;
	}
	sqlite3_reset(ix->exact);
	return v;
}

const float *
vd_index_vector(struct vd_index *ix, long long log_id)
{
	return vd_index_read_vector(ix, log_id, ix->tmp);
}
