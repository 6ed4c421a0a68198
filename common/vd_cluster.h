/* Grouping items by their neighbour lists (from a similarity search with a
 * threshold): deterministic, no randomness, no SQL. */
#ifndef VD_CLUSTER_H
#define VD_CLUSTER_H

#include <stddef.h>

/* Sphere exclusion (Taylor-Butina): the item with the most neighbours
 * (ties: the lower position) not yet in a cluster becomes a centre and
 * takes every neighbour not yet taken; then the next. Every member of a
 * cluster is thus within the threshold of its centre, and a chain of
 * each-a-bit-alike questions does not become one cluster. nb[i * k ..]
 * holds item i's count[i] neighbours (positions, best first). centre[i]
 * gets the position of i's centre. Returns the number of clusters, or 0
 * when out of memory (n > 0). */
size_t vd_cluster_spheres(size_t n, const size_t *nb, const size_t *count, size_t k,
    size_t *centre);

/* Union-find: the root of i, halving the path as it goes. */
size_t vd_cluster_root(size_t *parent, size_t i);
void vd_cluster_join(size_t *parent, size_t i, size_t j);

#endif
