/* The search over an index: an int8 scan of every vector against a block
 * of queries (AVX2 when the processor has it, the file's vectors split
 * among the cores, then the delta's), then the best candidates scored
 * again with the exact vectors. Hits are ordered by score, then log id,
 * everywhere, so the result depends only on the set of vectors searched,
 * not on how they are split among threads or between the cache file and
 * its delta: a file with a delta finds what a rebuilt file would. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vd_error.h"
#include "vd_index.h"
#include "vd_index_priv.h"
#include "vd_index_search.h"

#define RESCORE_MIN 32      /* int8 candidates scored again exactly, at least */
#define BLOCK 16            /* queries sharing one pass over the vectors */
#define PARALLEL_MIN 20000  /* fewer vectors: one thread is faster */
#define MAX_THREADS 8

/* Is (s, id) before h: a higher score, or the same and a lower id? */
static int
before(float s, long long id, const struct vd_hit *h)
{
	return s > h->score || (s == h->score && id < h->log_id);
}

/* Keep hits[0..*n) the best of at most k, best first. */
static void
offer(struct vd_hit *hits, size_t *n, size_t k, long long id, float s)
{
	size_t j;

	if (*n == k && (s < hits[k - 1].score || !before(s, id, &hits[k - 1])))
		return;
	j = *n < k ? (*n)++ : k - 1;
	while (j > 0 && before(s, id, &hits[j - 1])) {
		hits[j] = hits[j - 1];
		j--;
	}
	hits[j].log_id = id;
	hits[j].score = s;
}

/* Dot products of the vectors from..to with nq queries, out[row * nq + q].
 * The portable version; the AVX2 one below does the same, faster. */
static void
dot_block_plain(const int8_t *codes, size_t from, size_t to, int dim,
    const int8_t *q, size_t nq, int32_t *out)
{
	size_t i, b;
	int d;

	for (i = from; i < to; i++) {
		const int8_t *x = codes + i * (size_t)dim;

		for (b = 0; b < nq; b++) {
			const int8_t *y = q + b * (size_t)dim;
			int32_t s = 0;

#pragma omp simd reduction(+:s)
			for (d = 0; d < dim; d++)
				s += (int16_t)x[d] * (int16_t)y[d];
			out[(i - from) * nq + b] = s;
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* x.y for int8 in 32 lanes: maddubs wants one unsigned operand, so it
 * takes |x| and y with x's sign moved onto it (codes stay within -127..127,
 * so a pair of products never saturates 16 bits). Eight queries share each
 * load of a vector. */
__attribute__((target("avx2")))
static void
dot_block_avx2(const int8_t *codes, size_t from, size_t to, int dim,
    const int8_t *q, size_t nq, int32_t *out)
{
	const __m256i ones = _mm256_set1_epi16(1);
	size_t i, b, g;
	int d;

	for (i = from; i < to; i++) {
		const int8_t *x = codes + i * (size_t)dim;

		for (g = 0; g < nq; g += 8) {
			size_t ng = nq - g < 8 ? nq - g : 8;
			__m256i acc[8];

			for (b = 0; b < 8; b++)
				acc[b] = _mm256_setzero_si256();
			for (d = 0; d < dim; d += 32) {
				__m256i xv = _mm256_loadu_si256((const __m256i *)(x + d));
				__m256i ax = _mm256_sign_epi8(xv, xv);

				for (b = 0; b < ng; b++) {
					__m256i yv = _mm256_loadu_si256((const __m256i *)
					    (q + (g + b) * (size_t)dim + d));
					__m256i p = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(yv, xv));

					acc[b] = _mm256_add_epi32(acc[b], _mm256_madd_epi16(p, ones));
				}
			}
			for (b = 0; b < ng; b++) {
				__m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc[b]),
				    _mm256_extracti128_si256(acc[b], 1));

				s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
				s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
				out[(i - from) * nq + g + b] = _mm_cvtsi128_si32(s);
			}
		}
	}
}
#endif

static void
dot_block(const int8_t *codes, size_t from, size_t to, int dim, const int8_t *q,
    size_t nq, int32_t *out)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (dim % 32 == 0 && __builtin_cpu_supports("avx2")) {
		dot_block_avx2(codes, from, to, dim, q, nq, out);
		return;
	}
#endif
	dot_block_plain(codes, from, to, dim, q, nq, out);
}

struct job {
	const struct vd_index_part *part;
	int dim;
	const int8_t *q;           /* nq quantized queries */
	const float *qscale;
	size_t nq, from, to, k;
	const long long *exclude;
	int min_rating;
	struct vd_hit *hits;       /* nq * k */
	size_t *found;
};

#define CHUNK 256

static void *
scan(void *arg)
{
	struct job *j = arg;
	const struct vd_index_part *p = j->part;
	int32_t dots[CHUNK * BLOCK];
	size_t i, b, c, end;

	for (c = j->from; c < j->to; c = end) {
		end = c + CHUNK < j->to ? c + CHUNK : j->to;
		dot_block(p->codes, c, end, j->dim, j->q, j->nq, dots);
		for (i = c; i < end; i++) {
			/* masked entries (-1) are below any min_rating */
			if (p->ratings[i] < j->min_rating)
				continue;
			for (b = 0; b < j->nq; b++) {
				float s = (float)dots[(i - c) * j->nq + b] * p->scales[i] * j->qscale[b];

				if (p->ids[i] != j->exclude[b])
					offer(j->hits + b * j->k, &j->found[b], j->k, p->ids[i], s);
			}
		}
	}
	return NULL;
}

static int
cmp_hit(const void *a, const void *b)
{
	const struct vd_hit *x = a, *y = b;

	return before(x->score, x->log_id, y) ? -1 : before(y->score, y->log_id, x) ? 1 : 0;
}

/* Score the int8 candidates again with the exact vectors. */
static size_t
rescore(struct vd_index *ix, const float *q, struct vd_hit *cand, size_t n, size_t k)
{
	size_t i;
	int d;

	for (i = 0; i < n; i++) {
		const float *v = vd_index_vector(ix, cand[i].log_id);
		float s = 0;

		if (!v)
			continue;
#pragma omp simd reduction(+:s)
		for (d = 0; d < ix->dim; d++)
			s += q[d] * v[d];
		cand[i].score = s;
	}
	qsort(cand, n, sizeof *cand, cmp_hit);
	return n < k ? n : k;
}

int
vd_index_search_batch(struct vd_index *ix, const float *qs, size_t nq, size_t k,
    const long long *exclude, int min_rating, struct vd_hit *hits, size_t *found)
{
	size_t kk = k * 4 > RESCORE_MIN ? k * 4 : RESCORE_MIN, q0, b, t, i, nt;
	struct job jobs[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	int started[MAX_THREADS];
	struct vd_hit *cand, *merged;
	int8_t *qcode;
	float qscale[BLOCK];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int d, rc = VD_OK;

	if (min_rating < ix->floor)
		min_rating = ix->floor;
	nt = ix->main.n < PARALLEL_MIN || ncpu < 2 ? 1
	    : (size_t)(ncpu > MAX_THREADS ? MAX_THREADS : ncpu);
	cand = malloc(sizeof *cand * kk * BLOCK * nt);
	merged = malloc(sizeof *merged * kk * nt);
	qcode = malloc((size_t)ix->dim * BLOCK);
	if (!cand || !merged || !qcode) {
		free(cand);
		free(merged);
		free(qcode);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	for (q0 = 0; q0 < nq && k > 0; q0 += BLOCK) {
		size_t nb = nq - q0 < BLOCK ? nq - q0 : BLOCK;
		size_t nfound[MAX_THREADS * BLOCK] = { 0 };

		for (b = 0; b < nb; b++) {
			const float *q = qs + (q0 + b) * (size_t)ix->dim;
			float max = 0;

			for (d = 0; d < ix->dim; d++)
				if (fabsf(q[d]) > max)
					max = fabsf(q[d]);
			qscale[b] = max > 0 ? max / 127 : 1;
			for (d = 0; d < ix->dim; d++)
				qcode[b * (size_t)ix->dim + d] = (int8_t)lrintf(q[d] / qscale[b]);
		}
		for (t = 0; t < nt; t++)
			jobs[t] = (struct job){ &ix->main, ix->dim, qcode, qscale, nb,
			    ix->main.n * t / nt, ix->main.n * (t + 1) / nt, kk, exclude + q0,
			    min_rating, cand + t * kk * BLOCK, nfound + t * BLOCK };
		for (t = 1; t < nt; t++)
			started[t] = pthread_create(&tid[t], NULL, scan, &jobs[t]) == 0;
		scan(&jobs[0]);
		for (t = 1; t < nt; t++)
			if (started[t])
				pthread_join(tid[t], NULL);
			else
				scan(&jobs[t]);
		/* the delta is small: the first thread's candidates take it in */
		if (ix->delta.n) {
			jobs[0].part = &ix->delta;
			jobs[0].from = 0;
			jobs[0].to = ix->delta.n;
			scan(&jobs[0]);
		}
		for (b = 0; b < nb; b++) {
			size_t m = 0;

			/* the threads' candidates for this query, then exact scores */
			for (t = 0; t < nt; t++)
				for (i = 0; i < nfound[t * BLOCK + b]; i++)
					merged[m++] = cand[t * kk * BLOCK + b * kk + i];
			qsort(merged, m, sizeof *merged, cmp_hit);
			if (m > kk)
				m = kk;
			found[q0 + b] = rescore(ix, qs + (q0 + b) * (size_t)ix->dim, merged, m, k);
			memcpy(hits + (q0 + b) * k, merged, found[q0 + b] * sizeof *hits);
		}
	}
	free(cand);
	free(merged);
	free(qcode);
	return rc;
}

size_t
vd_index_search_rated(struct vd_index *ix, const float *q, size_t k,
    long long exclude, int min_rating, struct vd_hit *hits)
{
	size_t found = 0;

	if (k == 0 || ix->n == 0)
		return 0;
	if (vd_index_search_batch(ix, q, 1, k, &exclude, min_rating, hits, &found))
		return 0;
	return found;
}

size_t
vd_index_search(struct vd_index *ix, const float *q, size_t k, long long exclude,
    struct vd_hit *hits)
{
	return vd_index_search_rated(ix, q, k, exclude, 0, hits);
}
