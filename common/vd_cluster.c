#include <stdlib.h>

#include "vd_cluster.h"

struct order {
	size_t pos, count;
};

static int
by_count(const void *x, const void *y)
{
	const struct order *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

size_t
vd_cluster_spheres(size_t n, const size_t *nb, const size_t *count, size_t k,
    size_t *centre)
{
	struct order *o = malloc(sizeof *o * (n ? n : 1));
	size_t i, j, clusters = 0;

	if (!o)
		return 0;
	for (i = 0; i < n; i++) {
		o[i].pos = i;
		o[i].count = count[i];
		centre[i] = (size_t)-1;
	}
	qsort(o, n, sizeof *o, by_count);
	for (i = 0; i < n; i++) {
		size_t c = o[i].pos;

		if (centre[c] != (size_t)-1)
			continue;
		centre[c] = c;
		clusters++;
		for (j = 0; j < count[c]; j++)
			if (centre[nb[c * k + j]] == (size_t)-1)
				centre[nb[c * k + j]] = c;
	}
	free(o);
	return clusters;
}

size_t
vd_cluster_root(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

void
vd_cluster_join(size_t *parent, size_t i, size_t j)
{
	i = vd_cluster_root(parent, i);
	j = vd_cluster_root(parent, j);
	/* the lower position is the root: groups come out in a stable order */
	if (i < j)
		parent[j] = i;
	else if (j < i)
		parent[i] = j;
}
