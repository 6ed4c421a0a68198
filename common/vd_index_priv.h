/* The insides of a search index, shared by the files that build, extend
 * and scan it (vd_index.c, vd_index_delta.c, vd_index_search.c). Not for
 * anyone else: they use vd_index.h's functions. */
#ifndef VD_INDEX_PRIV_H
#define VD_INDEX_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "vd_index.h"

/* A run of quantized vectors: the cache file's, or the delta's. */
struct vd_index_part {
	size_t n;
	const long long *ids;       /* ascending */
	const signed char *ratings; /* effective rating (a correction counts 5), 0: none,
	                             * -1: gone from the file's run (changed since: see the delta) */
	const float *scales;        /* code * scale = component */
	const int8_t *codes;        /* n * dim */
};

struct vd_index {
	size_t n;                   /* vectors searched, rated or not: what a new file would hold */
	int dim;
	int floor;                  /* least rating searched (1 for VD_SCOPE_RATED) */
	struct vd_index_part main;  /* the cache file's vectors */
	struct vd_index_part delta; /* changed since the file was made (gone from main) */
	/* how it is kept */
	long delta_max;             /* VASDOM_INDEX_DELTA_MAX, or -1 */
	sqlite3 *db;
	sqlite3_stmt *exact;
	char *model;
	void *map, *own, *delta_own;
	size_t maplen;
	float *tmp;
	float *vecs;                /* vd_index_memory: the exact vectors, n * dim */
	char *base;                 /* main's arrays: the map, or own */
	long long version;          /* vector_state's when loaded or refreshed */
	long long seq;              /* index_changes main reflects, -1: unknown */
};

#endif
