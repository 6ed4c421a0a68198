#include <stdlib.h>

#include "vd_cluster.h"

struct edge {
	float score;
	size_t i, j;
};

static int
by_score(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->i != b->i)
		return a->i < b->i ? -1 : 1;
	return a->j < b->j ? -1 : a->j > b->j;
}

static int
linked(const size_t *nb, const size_t *count, size_t k, size_t x, size_t y)
{
	size_t j;

	for (j = 0; j < count[x]; j++)
		if (nb[x * k + j] == y)
			return 1;
	for (j = 0; j < count[y]; j++)
		if (nb[y * k + j] == x)
			return 1;
	return 0;
}

size_t
vd_cluster_cliques(size_t n, const size_t *nb, const float *score, const size_t *count,
    size_t k, size_t *label)
{
	struct edge *e = malloc(sizeof *e * (n ? n : 1) * (k ? k : 1));
	size_t *next = malloc(sizeof *next * (n ? n : 1)), i, j, ne = 0, clusters = n;

	if (!e || !next) {
		free(e);
		free(next);
		return 0;
	}
	/* each cluster a list through next, from its label (its lowest member) */
	for (i = 0; i < n; i++) {
		label[i] = i;
		next[i] = (size_t)-1;
		for (j = 0; j < count[i]; j++)
			if (nb[i * k + j] != (size_t)-1 && nb[i * k + j] != i)
				e[ne++] = (struct edge){ score[i * k + j], i, nb[i * k + j] };
	}
	qsort(e, ne, sizeof *e, by_score);
	for (i = 0; i < ne; i++) {
		size_t a = label[e[i].i], b = label[e[i].j], x, y, t, ok = 1;

		if (a == b)
			continue;
		for (x = a; x != (size_t)-1 && ok; x = next[x])
			for (y = b; y != (size_t)-1 && ok; y = next[y])
				ok = linked(nb, count, k, x, y);
		if (!ok)
			continue;
		if (b < a) {
			t = a;
			a = b;
			b = t;
		}
		/* b's members into a's list, relabelled; the list need not be sorted */
		for (y = b; next[y] != (size_t)-1; y = next[y])
			label[y] = a;
		label[y] = a;
		next[y] = next[a];
		next[a] = b;
		clusters--;
	}
	free(e);
	free(next);
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
