/* Grouping items by their neighbour lists (from a similarity search with a
 * threshold): deterministic, no randomness, no SQL. */
#ifndef VD_CLUSTER_H
#define VD_CLUSTER_H

#include <stddef.h>

/* Complete linkage over neighbour lists, greedily: the pairs of
 * neighbours, most alike first (ties: by position), join their two
 * clusters when every member of one is a neighbour (either way) of every
 * member of the other. Every two members of a cluster are thus within the
 * threshold of each other: a cluster is a clique of the graph, not a
 * chain, nor a centre with whatever it took. nb[i * k ..] holds
 * item i's count[i] neighbours (positions, best first), score[i * k + j]
 * the similarity of nb[i * k + j]. label[i] gets the lowest position of i's cluster. Returns the number
 * of clusters, or 0 when out of memory (n > 0). */
size_t vd_cluster_cliques(size_t n, const size_t *nb, const float *score,
    const size_t *count, size_t k, size_t *label);

/* Union-find: the root of i, halving the path as it goes. */
size_t vd_cluster_root(size_t *parent, size_t i);
void vd_cluster_join(size_t *parent, size_t i, size_t j);

#endif
