#include <stdlib.h>
#include <string.h>

#include "vd_crowding.h"
#include "vd_error.h"

/* Insert c into top[0..*len) (largest first, at most VD_CROWDING_K). */
static void
keep_top(double *top, size_t *len, double c)
{
	size_t i;

	if (*len == VD_CROWDING_K && c <= top[*len - 1])
		return;
	if (*len < VD_CROWDING_K)
		(*len)++;
	for (i = *len - 1; i > 0 && top[i - 1] < c; i--)
		top[i] = top[i - 1];
	top[i] = c;
}

int
vd_crowding(struct vd_index *ix, struct vd_similar *sim, size_t n)
{
	/* an answer holds at most VD_SIMILAR_MAX neighbours */
	double tops[VD_SIMILAR_MAX][VD_CROWDING_K];
	size_t len[VD_SIMILAR_MAX] = { 0 }, i, j, dim;
	char have[VD_SIMILAR_MAX] = { 0 };
	float *v;
	int d;

	for (i = 0; i < n; i++)
		sim[i].crowding = 0;
	if (n > VD_SIMILAR_MAX)
		n = VD_SIMILAR_MAX;
	if (!ix || n < 2)
		return VD_OK;
	dim = (size_t)vd_index_dim(ix);
	if (!(v = malloc(n * dim * sizeof *v)))
		return vd_error(VD_ENOMEM, "out of memory");
	/* copied: the index hands out one vector at a time; unit length, as
	 * every embedder gives them (vd_embedder.h), so dot products are the
	 * cosines the search scores by */
	for (i = 0; i < n; i++) {
		const float *x = vd_index_vector(ix, sim[i].log_id);

		if ((have[i] = x != NULL))
			memcpy(v + i * dim, x, dim * sizeof *v);
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n && have[i]; j++) {
			const float *a = v + i * dim, *b = v + j * dim;
			float c = 0;

			if (!have[j])
				continue;
#pragma omp simd reduction(+:c)
			for (d = 0; d < (int)dim; d++)
				c += a[d] * b[d];
			keep_top(tops[i], &len[i], c);
			keep_top(tops[j], &len[j], c);
		}
	for (i = 0; i < n; i++) {
		double s = 0;

		for (j = 0; j < len[i]; j++)
			s += tops[i][j];
		sim[i].crowding = len[i] ? s / (double)len[i] : 0;
	}
	free(v);
	return VD_OK;
}
