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
	const float *scales4;       /* the 4-bit codes': nibble - 8 times it */
	const uint8_t *codes4;      /* n * VD_CODE4_LEN(dim), vd_index_kernel.h */
	const uint32_t *sums;       /* vd_index_code_sum of each int8 code, or NULL
	                             * (in memory: nothing to check) */
};

struct vd_index {
	size_t n;                   /* vectors searched, rated or not: what a new file would hold */
	int dim;
	int floor;                  /* least rating searched (1 for VD_SCOPE_RATED) */
	struct vd_index_part main;  /* the cache file's vectors */
	struct vd_index_part delta; /* changed since the file was made (gone from main) */
	/* how it is kept */
	long delta_max;             /* VASDOM_INDEX_DELTA_MAX, or -1 */
	long candidates;            /* VASDOM_INDEX_CANDIDATES, -1: the default */
	int portable;               /* VASDOM_INDEX_PORTABLE: no AVX2 */
	int damaged;                /* the map's int8 codes failed a check */
	int check4;                 /* the map's 4-bit codes are yet to be checked */
	uint64_t sum4;              /* what their vd_code4_sum must be */
	sqlite3 *db;
	sqlite3_stmt *exact;
	char *model;
	void *map, *own, *delta_own;
	size_t maplen;
	float *tmp;
	float *rows;                /* the exact vectors of a query's candidates, */
	size_t nrows;               /* read by its search: nrows * dim */
	float *vecs;                /* vd_index_memory: the exact vectors, n * dim */
	char *base;                 /* main's arrays: the map, or own */
	long long version;          /* vector_state's when loaded or refreshed */
	long long seq;              /* index_changes main reflects, -1: unknown */
	size_t rescored;            /* exact vectors read by the searches so far */
	uint8_t *sound;             /* a bit a vector of main: its int8 code passed
	                             * its check (read once, not by each query) */
};

/* Offsets of the arrays in a cache file (and in the in-memory copies):
 * ids, scales, ratings, 4-bit scales, int8 code sums, 4-bit codes, int8
 * codes, from the start of the file (its header first). */
#define VD_INDEX_ARRAYS 7
void vd_index_layout(size_t n, int dim, size_t off[VD_INDEX_ARRAYS], size_t *total);
/* Point ix->main's arrays into base, laid out as above for n vectors. */
void vd_index_point(struct vd_index *ix, char *base, size_t n, int dim);
/* Build ix again from the database (its 4-bit codes failed their check):
 * what vd_index_refresh does when a delta will not do. */
int vd_index_rebuild(struct vd_index *ix);

/* A damaged int8 code was met: remove ix's cache file (the mapping stays
 * usable), so that the next process builds it again. */
void vd_index_discard(struct vd_index *ix);

#endif
