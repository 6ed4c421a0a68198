/* An index over vectors a tool made itself (vasdom-review's question
 * vectors): the same search as over the database's, exact scores from the
 * float copy kept in memory instead of from SQLite. */
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_index.h"
#include "vd_index_kernel.h"
#include "vd_index_mem.h"
#include "vd_index_priv.h"

int
vd_index_memory(const long long *ids, const signed char *ratings, const float *vecs,
    size_t n, int dim, struct vd_index **out)
{
	struct vd_index *ix = calloc(1, sizeof *ix);
	size_t off[VD_INDEX_ARRAYS], total, i;
	char *base;

	*out = NULL;
	if (!ix)
		return vd_error(VD_ENOMEM, "out of memory");
	ix->candidates = -1;
	/* laid out as a cache file is (freed as ix->own) */
	vd_index_layout(n, dim, off, &total);
	ix->own = base = malloc(total);
	ix->vecs = malloc(sizeof(float) * (n ? n : 1) * (size_t)dim);
	ix->tmp = malloc(sizeof(float) * (size_t)dim);
	if (!ix->own || !ix->vecs || !ix->tmp) {
		vd_index_free(ix);
		return vd_error(VD_ENOMEM, "out of memory for %zu vectors", n);
	}
	memcpy(ix->vecs, vecs, sizeof(float) * n * (size_t)dim);
	for (i = 0; i < n; i++) {
		int8_t *code = (int8_t *)base + off[6] + i * (size_t)dim;

		((long long *)(base + off[0]))[i] = ids[i];
		((signed char *)(base + off[2]))[i] = ratings ? ratings[i] : 0;
		vd_index_encode(vecs + i * (size_t)dim, dim, code, (float *)(base + off[1]) + i,
		    (uint8_t *)base + off[5] + i * VD_CODE4_LEN(dim), (float *)(base + off[3]) + i);
	}
	vd_index_point(ix, base, n, dim);
	/* nothing to check in memory of its own */
	ix->main.sums = NULL;
	*out = ix;
	return VD_OK;
}

void
vd_index_memory_prefilter(struct vd_index *ix, long candidates)
{
	ix->candidates = candidates;
}
