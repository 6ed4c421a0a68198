#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vd_error.h"
#include "vd_export_fmt.h"
#include "vd_export_rows.h"
#include "vd_export_write.h"
#include "vd_hash.h"
#include "vd_lineage.h"

int
vd_export_split_train(const char *q, size_t len, unsigned long long seed, double split)
{
	unsigned long long h = VD_FNV_OFFSET;
	size_t i;

	/* FNV-1a over the seed and the question, then a finaliser so nearby
	 * seeds give unrelated splits */
	for (i = 0; i < 8; i++)
		h = (h ^ ((seed >> (8 * i)) & 0xff)) * VD_FNV_PRIME;
	h = vd_fnv1a(h, q, len);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (double)(h >> 11) * 0x1.0p-53 < split;
}

struct sink {
	const struct vd_export_opts *o;
	FILE **out;
	long long *counts;
};

#define STOP 100   /* --max reached: not an error */

static int
put(const struct vd_export_row *r, void *arg)
{
	struct sink *s = arg;
	const struct vd_export_opts *o = s->o;
	int side;

	if (o->max > 0 && s->counts[0] + s->counts[1] >= o->max)
		return STOP;
	side = s->out[1] && !vd_export_split_train(r->key.s, r->key.len, o->seed, o->split);
	if (o->format->row(s->out[side], r, o))
		return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	s->counts[side]++;
	/* lineage: which exchanges this file holds */
	if (o->lineage && (vd_lineage_add(o->lineage, side, r->log_id) ||
	    (r->chosen_id && vd_lineage_add(o->lineage, side, r->chosen_id))))
		return VD_EUSAGE;
	return VD_OK;
}

int
vd_export_write_range(sqlite3 *db, const struct vd_config *cfg, const struct vd_export_opts *o,
    const char *since, const char *until, int header, FILE *out[2], long long counts[2])
{
	struct sink s = { o, out, counts };
	int rc, i;

	for (i = 0; header && o->format->header && i < 2 && out[i]; i++)
		if (o->format->header(out[i], o))
			return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	rc = vd_export_rows_each(db, cfg, o, since, until, put, &s);
	return rc == STOP ? VD_OK : rc;
}
