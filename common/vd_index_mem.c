/* An index over vectors a tool made itself (vasdom-review's question
 * vectors): the same search as over the database's, exact scores from the
 * float copy kept in memory instead of from SQLite. */
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_index.h"
#include "vd_index_delta.h"
#include "vd_index_mem.h"
#include "vd_index_priv.h"

int
vd_index_memory(const long long *ids, const signed char *ratings, const float *vecs,
    size_t n, int dim, struct vd_index **out)
{
	struct vd_index *ix = calloc(1, sizeof *ix);
	long long *xids;
	signed char *xrat;
	float *scales;
	int8_t *codes;
	size_t i, m = n ? n : 1;

	*out = NULL;
	if (!ix)
		return vd_error(VD_ENOMEM, "out of memory");
	/* one block: ids, scales, ratings, codes (freed as ix->own) */
	ix->own = malloc(m * (sizeof *xids + sizeof *scales + 1 + (size_t)dim));
	ix->vecs = malloc(sizeof(float) * m * (size_t)dim);
	ix->tmp = malloc(sizeof(float) * (size_t)dim);
	if (!ix->own || !ix->vecs || !ix->tmp) {
		vd_index_free(ix);
		return vd_error(VD_ENOMEM, "out of memory for %zu vectors", n);
	}
	xids = ix->own;
	scales = (float *)(xids + m);
	xrat = (signed char *)(scales + m);
	codes = (int8_t *)(xrat + m);
	memcpy(ix->vecs, vecs, sizeof(float) * n * (size_t)dim);
	for (i = 0; i < n; i++) {
		xids[i] = ids[i];
		xrat[i] = ratings ? ratings[i] : 0;
		scales[i] = vd_index_quantize(vecs + i * (size_t)dim, dim, codes + i * (size_t)dim);
	}
	ix->n = ix->main.n = n;
	ix->dim = dim;
	ix->main.ids = xids;
	ix->main.scales = scales;
	ix->main.ratings = xrat;
	ix->main.codes = codes;
	*out = ix;
	return VD_OK;
}
