/* tests/unit/index-kernels: the search's dot products and its 4-bit
 * prefilter checked against plain arithmetic, printed "name<TAB>value" a
 * line for tests/0316-search-kernels.t:
 *   dot <TAB> dot products (int8, 4-bit) differing from plain arithmetic, in
 *             the portable and the AVX2 kernel, over dims and query counts
 *   sum4 <TAB> 4-bit code checks differing: AVX2 from portable, a run split
 *              in two from the whole, a run with one bit changed alike
 *   search-<kind> <TAB> queries whose 10 hits differ from the exact scan
 *                     (float, every vector), for the prefilter, the int8
 *                     scan, and the prefilter with the portable kernel;
 *                     search-k30: whose 30 hits (vasdom-ask's) differ
 *   rescored-k<k> <TAB> exact vectors read a query for k hits
 *   avx2 <TAB> yes or no: whether the processor ran the AVX2 kernels */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_index_kernel.h"
#include "vd_index_mem.h"
#include "vd_index_priv.h"
#include "vd_index_search.h"

static unsigned long long rng = 88172645463325252ULL;

static unsigned
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static float
uniform(void)
{
	return (float)(next() % 2000001) / 1000000.0f - 1.0f;
}

/* Plain dot products of the codes as they decode. */
static long
check_dots(void)
{
	static const int dims[] = { 32, 64, 96, 33, 512, 1536, 7 };
	long bad = 0;
	size_t t, n = 37, nq, i, b;

	for (t = 0; t < sizeof dims / sizeof *dims; t++) {
		int dim = dims[t], d;
		size_t len4 = VD_CODE4_LEN(dim);
		int8_t *c8 = malloc(n * (size_t)dim), *q = calloc(16, 2 * len4), *q8 = malloc(16 * (size_t)dim);
		uint8_t *c4 = malloc(n * len4);
		float *v = malloc(sizeof *v * (size_t)dim), s8, s4;
		int32_t *o[4];

		for (i = 0; i < 4; i++)
			o[i] = malloc(sizeof(int32_t) * n * 16);
		for (i = 0; i < n; i++) {
			for (d = 0; d < dim; d++)
				v[d] = i % 5 == 0 && next() % 4 ? 0 : uniform();
			vd_index_encode(v, dim, c8 + i * (size_t)dim, &s8, c4 + i * len4, &s4);
		}
		/* query 3 at the int8 extremes (its sums leave 16 bits: the
		 * kernel that widens them takes its group of eight), the others
		 * at random (at 512 dimensions or fewer, within 16 bits) */
		for (b = 0; b < 16; b++)
			for (d = 0; d < dim; d++)
				q[b * 2 * len4 + (size_t)d] = q8[b * (size_t)dim + (size_t)d] =
				    (int8_t)(b == 3 ? (d % 3 ? 127 : -127) : (int)(next() % 255) - 127);
		for (nq = 1; nq <= 16; nq++) {
			vd_dot8(c8, 0, n, dim, q8, nq, o[0], 1);
			vd_dot8(c8, 0, n, dim, q8, nq, o[1], 0);
			vd_dot4(c4, 0, n, len4, q, nq, o[2], 1);
			vd_dot4(c4, 0, n, len4, q, nq, o[3], 0);
			for (i = 0; i < n; i++)
				for (b = 0; b < nq; b++) {
					long want8 = 0, want4 = 0;

					for (d = 0; d < dim; d++) {
						const uint8_t *x = c4 + i * len4 + d / 64 * 32 + d % 32;
						int nib = d % 64 < 32 ? *x & 15 : *x >> 4;

						want8 += c8[i * (size_t)dim + (size_t)d] * q8[b * (size_t)dim + (size_t)d];
						want4 += (nib - 8) * q8[b * (size_t)dim + (size_t)d];
					}
					bad += (o[0][i * nq + b] != want8) + (o[1][i * nq + b] != want8);
					bad += (o[2][i * nq + b] != want4) + (o[3][i * nq + b] != want4);
				}
		}
		for (i = 0; i < 4; i++)
			free(o[i]);
		free(c8);
		free(c4);
		free(q);
		free(q8);
		free(v);
	}
	return bad;
}

/* The 4-bit codes' check: the same in both kernels, additive over a
 * split, changed by any one bit. */
static long
check_sums(void)
{
	size_t n = 300, len = VD_CODE4_LEN(512), i, cut;
	uint8_t *c = malloc(n * len);
	uint64_t whole;
	long bad = 0;

	for (i = 0; i < n * len; i++)
		c[i] = (uint8_t)next();
	whole = vd_code4_sum(c, 0, n, len, 1);
	bad += vd_code4_sum(c, 0, n, len, 0) != whole;
	for (cut = 0; cut <= n; cut += 37)
		bad += vd_code4_sum(c, 0, cut, len, next() % 2) + vd_code4_sum(c, cut, n, len, next() % 2) != whole;
	for (i = 0; i < 64; i++) {
		size_t at = next() % (n * len);
		uint8_t bit = (uint8_t)(1u << (next() % 8));

		c[at] ^= bit;
		bad += vd_code4_sum(c, 0, n, len, 0) == whole;
		c[at] ^= bit;
	}
	free(c);
	return bad;
}

/* n vectors around a few hundred centres (some sparse, as the built-in
 * embedder's are), unit length. */
static float *
vectors(size_t n, int dim)
{
	float *c = malloc(sizeof *c * 300 * (size_t)dim), *v = malloc(sizeof *v * n * (size_t)dim);
	size_t i;
	int d;

	for (i = 0; i < 300 * (size_t)dim; i++)
		c[i] = next() % 8 ? 0 : uniform();
	for (i = 0; i < n; i++) {
		float *x = v + i * (size_t)dim, *y = c + (next() % 300) * (size_t)dim;
		double norm = 0;

		for (d = 0; d < dim; d++) {
			x[d] = y[d] + (next() % 6 ? 0 : 0.3f * uniform());
			norm += (double)x[d] * x[d];
		}
		for (d = 0; d < dim; d++)
			x[d] = norm > 0 ? (float)(x[d] / sqrt(norm)) : 0;
	}
	free(c);
	return v;
}

#define KMAX 30
#define NQ 40

/* Queries (the first NQ vectors, each left out of its own hits) whose K
 * hits differ from the exact float scan's. */
static int
check_search(struct vd_index *ix, const float *v, size_t n, int dim, long candidates,
    int portable, size_t K)
{
	struct vd_hit hits[NQ * KMAX];
	size_t found[NQ], i, q, j;
	long long exclude[NQ];
	int differ = 0;

	ix->candidates = candidates;
	ix->portable = portable;
	for (q = 0; q < NQ; q++)
		exclude[q] = (long long)q + 1;
	if (vd_index_search_batch(ix, v, NQ, K, exclude, 0, hits, found))
		return -1;
	for (q = 0; q < NQ; q++) {
		long long best[KMAX];
		float s[KMAX];
		size_t m = 0;

		/* the exact K best, ties by id */
		for (i = 0; i < n; i++) {
			double dot = 0;
			int d;

			if (i == q)
				continue;
			for (d = 0; d < dim; d++)
				dot += (double)v[q * (size_t)dim + (size_t)d] * v[i * (size_t)dim + (size_t)d];
			for (j = m < K ? m++ : K; j > 0 && (float)dot > s[j - 1]; j--)
				if (j < K) {
					s[j] = s[j - 1];
					best[j] = best[j - 1];
				}
			if (j < K) {
				s[j] = (float)dot;
				best[j] = (long long)i + 1;
			}
		}
		for (j = 0; j < K; j++)
			if (found[q] != K || hits[q * K + j].log_id != best[j]) {
				differ++;
				break;
			}
	}
	return differ;
}

/* Queries whose hits from vd_index_search_vectors differ from
 * vd_index_search_rated's, or whose vectors handed back are not the
 * hits' own (v[id - 1]). */
static int
check_vectors(struct vd_index *ix, const float *v, int dim)
{
	struct vd_hit want[KMAX], got[KMAX];
	const float *vecs[KMAX];
	size_t q, j, n, m;
	int differ = 0;

	ix->candidates = -1;
	ix->portable = 0;
	for (q = 0; q < NQ; q++) {
		const float *x = v + q * (size_t)dim;

		n = vd_index_search_rated(ix, x, KMAX, (long long)q + 1, 0, want);
		m = vd_index_search_vectors(ix, x, KMAX, (long long)q + 1, 0, got, vecs);
		for (j = 0; j < n; j++)
			if (m != n || got[j].log_id != want[j].log_id || got[j].score != want[j].score ||
			    !vecs[j] || memcmp(vecs[j], v + (size_t)(got[j].log_id - 1) * (size_t)dim,
			    sizeof(float) * (size_t)dim)) {
				differ++;
				break;
			}
	}
	return differ;
}

int
main(void)
{
	size_t n = 30000, i;
	int dim = 96;
	float *v = vectors(n, dim);
	long long *ids = malloc(sizeof *ids * n);
	struct vd_index *ix;

	printf("dot\t%ld\n", check_dots());
	printf("sum4\t%ld\n", check_sums());
	for (i = 0; i < n; i++)
		ids[i] = (long long)i + 1;
	if (vd_index_memory(ids, NULL, v, n, dim, &ix))
		return 1;
	printf("search-prefilter\t%d\n", check_search(ix, v, n, dim, -1, 0, 10));
	printf("search-prefilter-small\t%d\n", check_search(ix, v, n, dim, 1, 0, 10));
	printf("search-int8\t%d\n", check_search(ix, v, n, dim, 0, 0, 10));
	printf("search-portable\t%d\n", check_search(ix, v, n, dim, -1, 1, 10));
	ix->rescored = 0;
	printf("search-k30\t%d\n", check_search(ix, v, n, dim, -1, 0, 30));
	printf("rescored-k30\t%zu\n", ix->rescored / NQ);
	printf("search-vectors\t%d\n", check_vectors(ix, v, dim));
	ix->rescored = 0;
	check_search(ix, v, n, dim, -1, 0, 5);
	printf("rescored-k5\t%zu\n", ix->rescored / NQ);
#if defined(__x86_64__) && defined(__GNUC__)
	printf("avx2\t%s\n", __builtin_cpu_supports("avx2") ? "yes" : "no");
#else
	printf("avx2\tno\n");
#endif
	vd_index_free(ix);
	free(ids);
	free(v);
	return 0;
}
