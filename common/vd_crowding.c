#include "vd_crowding.h"

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

void
vd_crowding(struct vd_similar *sim, const float *const *vec, size_t n, int dim)
{
	/* an answer holds at most VD_SIMILAR_MAX neighbours */
	double tops[VD_SIMILAR_MAX][VD_CROWDING_K];
	size_t len[VD_SIMILAR_MAX] = { 0 }, i, j;
	int d;

	for (i = 0; i < n; i++)
		sim[i].crowding = 0;
	if (n > VD_SIMILAR_MAX)
		n = VD_SIMILAR_MAX;
	/* unit length, as every embedder gives them (vd_embedder.h), so dot
	 * products are the cosines the search scores by */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n && vec[i]; j++) {
			const float *a = vec[i], *b = vec[j];
			float c = 0;

			if (!b)
				continue;
#pragma omp simd reduction(+:c)
			for (d = 0; d < dim; d++)
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
}
