#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_lineage.h"

struct vd_lineage {
	pthread_mutex_t lock;
	FILE *ids[2];
};

void
vd_lineage_free(struct vd_lineage *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < 2; i++)
		if (l->ids[i])
			fclose(l->ids[i]);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

int
vd_lineage_new(struct vd_lineage **out)
{
	struct vd_lineage *l = calloc(1, sizeof *l);
	int i;

	*out = NULL;
	if (!l)
		return vd_error(VD_ENOMEM, "out of memory");
	pthread_mutex_init(&l->lock, NULL);
	for (i = 0; i < 2; i++)
		if (!(l->ids[i] = tmpfile())) {
			vd_lineage_free(l);
			return vd_error(VD_EUSAGE, "temporary file: %s", strerror(errno));
		}
	*out = l;
	return VD_OK;
}

int
vd_lineage_add(struct vd_lineage *l, int side, long long id)
{
	int bad;

	pthread_mutex_lock(&l->lock);
	bad = fwrite(&id, sizeof id, 1, l->ids[side]) != 1;
	pthread_mutex_unlock(&l->lock);
	return bad ? vd_error(VD_EUSAGE, "temporary file: %s", strerror(errno)) : VD_OK;
}

/* Ids per stored chunk: a chunk's blob stays a few pages */
#define CHUNK 8192

/* Zigzag varint of the difference to the previous id: exports go newest
 * first, so most differences are small and negative. */
static size_t
put_varint(unsigned char *p, long long delta)
{
	unsigned long long v = ((unsigned long long)delta << 1) ^ (unsigned long long)(delta >> 63);
	size_t n = 0;

	do {
		p[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* The next id of a chunk at *p (before end) after prev; 0 at the end or
 * on a malformed blob. */
static int
get_varint(const unsigned char **p, const unsigned char *end, long long prev, long long *id)
{
	unsigned long long v = 0;
	int shift = 0;

	while (*p < end && shift < 64) {
		unsigned char b = *(*p)++;

		v |= (unsigned long long)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*id = prev + (long long)((v >> 1) ^ (~(v & 1) + 1));
			return 1;
		}
		shift += 7;
	}
	return 0;
}

static int
put_chunk(sqlite3_stmt *st, long long chunk, const unsigned char *buf, size_t len)
{
	sqlite3_bind_int64(st, 2, chunk);
	sqlite3_bind_blob(st, 3, buf, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return vd_error(VD_EDB, "database: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	return VD_OK;
}

int
vd_lineage_store(sqlite3 *db, struct vd_lineage *l, int side, long long dataset_id)
{
	FILE *f = l->ids[side];
	unsigned char *buf;
	sqlite3_stmt *st;
	long long id, prev = 0, chunk = 0;
	size_t len = 0, n = 0;
	int rc = VD_OK;

	if (fflush(f) || fseek(f, 0, SEEK_SET))
		return vd_error(VD_EUSAGE, "temporary file: %s", strerror(errno));
	if (!(buf = malloc(CHUNK * 10)))
		return vd_error(VD_ENOMEM, "out of memory");
	if (vd_db_prepare(db, "INSERT INTO export_lineage (dataset_id, chunk, log_ids)"
	    " VALUES (?, ?, ?)", &st)) {
		free(buf);
		return VD_EDB;
	}
	sqlite3_bind_int64(st, 1, dataset_id);
	while (rc == VD_OK && fread(&id, sizeof id, 1, f) == 1) {
		len += put_varint(buf + len, id - prev);
		prev = id;
		if (++n == CHUNK) {
			rc = put_chunk(st, chunk++, buf, len);
			len = n = 0;
			prev = 0;
		}
	}
	if (rc == VD_OK && n)
		rc = put_chunk(st, chunk, buf, len);
	sqlite3_finalize(st);
	free(buf);
	if (!rc && ferror(f))
		rc = vd_error(VD_EUSAGE, "temporary file: %s", strerror(errno));
	return rc;
}

static int
has(const long long *ids, size_t n, long long id, size_t *at)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < n && ids[lo] == id;
}

int
vd_lineage_find(sqlite3 *db, const long long *ids, size_t n, vd_lineage_fn *fn, void *arg)
{
	sqlite3_stmt *st;
	unsigned char *seen;
	long long cur = -1, count = 0, id, prev;
	const unsigned char *p, *end;
	size_t at;
	int rc = VD_OK, step;

	if (!(seen = calloc(n ? n : 1, 1)))
		return vd_error(VD_ENOMEM, "out of memory");
	if (vd_db_prepare(db, "SELECT dataset_id, log_ids FROM export_lineage"
	    " ORDER BY dataset_id, chunk", &st)) {
		free(seen);
		return VD_EDB;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 0) != cur) {
			if (count && (rc = fn(cur, count, arg)))
				break;
			cur = sqlite3_column_int64(st, 0);
			count = 0;
			memset(seen, 0, n);
		}
		p = sqlite3_column_blob(st, 1);
		end = p + sqlite3_column_bytes(st, 1);
		/* an id written twice (a pair's chosen answer) counts once */
		for (prev = 0; p && get_varint(&p, end, prev, &id); prev = id)
			if (has(ids, n, id, &at) && !seen[at]) {
				seen[at] = 1;
				count++;
			}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = vd_error(VD_EDB, "database: %s", sqlite3_errmsg(db));
	else if (!rc && count)
		rc = fn(cur, count, arg);
	sqlite3_finalize(st);
	free(seen);
	return rc;
}
