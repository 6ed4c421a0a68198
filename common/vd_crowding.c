#include <math.h>
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
	size_t i, j, dim, *len;
	double *tops;
	float *v;
	char *have;
	int d;

	for (i = 0; i < n; i++)
		sim[i].crowding = 0;
	if (!ix || n < 2)
		return VD_OK;
	dim = (size_t)vd_index_dim(ix);
	v = malloc(n * dim * sizeof *v);
	have = calloc(n, 1);
	tops = malloc(n * VD_CROWDING_K * sizeof *tops);
	len = calloc(n, sizeof *len);
	if (!v || !have || !tops || !len) {
		free(v);
		free(have);
		free(tops);
		free(len);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	/* the vectors, normalised: the index hands out one at a time */
	for (i = 0; i < n; i++) {
		const float *x = vd_index_vector(ix, sim[i].log_id);
		double norm = 0;

		if (!x)
			continue;
		for (d = 0; d < (int)dim; d++)
			norm += (double)x[d] * x[d];
		if (norm <= 0)
			continue;
		norm = sqrt(norm);
		for (d = 0; d < (int)dim; d++)
			v[i * dim + (size_t)d] = (float)(x[d] / norm);
		have[i] = 1;
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
			keep_top(tops + i * VD_CROWDING_K, &len[i], c);
			keep_top(tops + j * VD_CROWDING_K, &len[j], c);
		}
	for (i = 0; i < n; i++) {
		double s = 0;

		for (j = 0; j < len[i]; j++)
			s += tops[i * VD_CROWDING_K + j];
		sim[i].crowding = len[i] ? s / (double)len[i] : 0;
	}
	free(v);
	free(have);
	free(tops);
	free(len);
	return VD_OK;
}
