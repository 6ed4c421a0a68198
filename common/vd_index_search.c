/* The search over an index: a scan of every vector against a block of
 * queries (the file's vectors split among the cores, then the delta's),
 * then the best candidates scored again, and at last with the exact
 * vectors, so printed scores are exact. The scan reads the 4-bit codes
 * (a quarter of the int8 bytes' bandwidth is what bounds it at a million)
 * and keeps the best CANDIDATES; those are scored in int8 and the best of
 * them as before. VASDOM_INDEX_CANDIDATES=0 scans every int8 code instead
 * (the path before the prefilter, for the bench). Hits are ordered by
 * score, then log id, everywhere, so the result depends only on the set
 * of vectors searched, not on how they are split among threads or between
 * the cache file and its delta: a file with a delta finds what a rebuilt
 * file would. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vd_error.h"
#include "vd_index.h"
#include "vd_index_kernel.h"
#include "vd_index_priv.h"
#include "vd_index_search.h"

#define RESCORE_MIN 32      /* int8 candidates scored again exactly, at least */
/* and k + RESCORE_MARGIN of them for k hits (at most 4k, as before): the
 * int8 scores misorder only near neighbours, whose number does not grow
 * with k. For k = 30 (vasdom-ask), the exact top 30 of 3,080 banking77
 * questions and of 300 on 100,000 synthetic exchanges were the same from
 * 35 candidates as from 120 (30 candidates: 323 of 92,400 hits differ,
 * 32: 16); each candidate is a lookup of its vector in SQLite, some 10 us */
#define RESCORE_MARGIN 16
/* 4-bit candidates scored in int8, at least (and twice the int8 ones):
 * measured on the built-in embedder's vectors (README, "Speed") */
#define CANDIDATES 256
#define BLOCK 16            /* queries sharing one pass over the vectors */
#define PARALLEL_MIN 20000  /* fewer vectors: one thread is faster */
#define MAX_THREADS 8
#define CHUNK 256

/* A candidate: its score so far, and where its codes are. */
struct cand {
	float score;
	uint32_t pos;               /* in its part */
	uint32_t delta;             /* 1: the delta's, 0: the file's */
	long long id;
};

/* Is (s, id) before (hs, hid): a higher score, or the same and a lower id? */
static int
before(float s, long long id, float hs, long long hid)
{
	return s > hs || (s == hs && id < hid);
}

/* Put the best k of c[0..n) (k < n) in c[0..k), in no order: a
 * quickselect whose partition moves every element and counts those
 * before the pivot without a branch (a branch on each comparison is
 * mispredicted half the time). The scan gathers what passes its
 * threshold and selects when 2k have gathered, a few comparisons a
 * candidate where keeping a sorted list moved a hundred. */
static void
select_best(struct cand *c, size_t n, size_t k)
{
	size_t l = 0, r = n, i, s;
	struct cand p, t;

	while (r - l > 1) {
		/* the pivot: the middle of three, put last */
		size_t a = l, m = l + (r - l) / 2, z = r - 1, pv;

		if (before(c[a].score, c[a].id, c[m].score, c[m].id))
			pv = before(c[m].score, c[m].id, c[z].score, c[z].id) ? m :
			    before(c[a].score, c[a].id, c[z].score, c[z].id) ? z : a;
		else
			pv = before(c[a].score, c[a].id, c[z].score, c[z].id) ? a :
			    before(c[m].score, c[m].id, c[z].score, c[z].id) ? z : m;
		p = c[pv];
		c[pv] = c[z];
		for (s = i = l; i < z; i++) {
			t = c[i];
			c[i] = c[s];
			c[s] = t;
			s += (t.score > p.score) | ((t.score == p.score) & (t.id < p.id));
		}
		c[z] = c[s];
		c[s] = p;
		/* c[l..s) before the pivot, c[s] the pivot, the rest after */
		if (s + 1 == k || s == k)
			return;
		if (s > k)
			r = s;
		else
			l = s + 1;
	}
}

/* The least score of c[0..n) (n > 0). */
static float
worst_of(const struct cand *c, size_t n)
{
	float w = c[0].score;
	size_t i;

	for (i = 1; i < n; i++)
		w = c[i].score < w ? c[i].score : w;
	return w;
}

/* A candidate scored with its exact vector: vec, where that vector lies
 * (NULL: it was gone, the score is its code's). */
struct exact {
	struct vd_hit hit;
	const float *vec;
};

static int
cmp_exact(const void *a, const void *b)
{
	const struct vd_hit *x = &((const struct exact *)a)->hit, *y = &((const struct exact *)b)->hit;

	return before(x->score, x->log_id, y->score, y->log_id) ? -1 :
	    before(y->score, y->log_id, x->score, x->log_id) ? 1 : 0;
}

struct job {
	const struct vd_index_part *part;
	int delta;                 /* part is the delta */
	int dim, four, portable;   /* four: the 4-bit codes, else int8 */
	const int8_t *q;           /* nq quantized queries: dim each, or padded for four */
	const float *qscale;
	size_t nq, from, to, k;
	const long long *exclude;
	int min_rating;
	struct cand *cands;        /* nq * 2k: at most k kept, k more gathered */
	size_t *found;             /* at most k each, between scans */
	int check;                 /* sum the 4-bit codes read (vd_code4_sum) */
	uint64_t sum;
};

/* bit[b]: query b of a block in a mask */
static const uint32_t bit[BLOCK] = { 1u << 0, 1u << 1, 1u << 2, 1u << 3, 1u << 4, 1u << 5,
    1u << 6, 1u << 7, 1u << 8, 1u << 9, 1u << 10, 1u << 11, 1u << 12, 1u << 13, 1u << 14,
    1u << 15 };

static void *
scan(void *arg)
{
	struct job *j = arg;
	const struct vd_index_part *p = j->part;
	const float *scales = j->four ? p->scales4 : p->scales;
	const float *qscale = j->qscale;
	size_t len4 = VD_CODE4_LEN(j->dim), i, b, c, end, k = j->k, nq = j->nq;
	int32_t dots[CHUNK * BLOCK];
	float worst[BLOCK];         /* each query's k-th score so far: a quick no */

	for (b = 0; b < j->nq; b++) {
		struct cand *cb = j->cands + b * 2 * k;

		worst[b] = j->found[b] == k ? worst_of(cb, k) : -INFINITY;
	}

	for (c = j->from; c < j->to; c = end) {
		end = c + CHUNK < j->to ? c + CHUNK : j->to;
		if (j->four) {
			vd_dot4(p->codes4, c, end, len4, j->q, j->nq, dots, j->portable);
			/* while they are in the cache */
			if (j->check)
				j->sum += vd_code4_sum(p->codes4, c, end, len4, j->portable);
		} else
			vd_dot8(p->codes, c, end, j->dim, j->q, j->nq, dots, j->portable);
		for (i = c; i < end; i++) {
			const int32_t *d = dots + (i - c) * nq;
			float sc = scales[i];
			uint32_t pass = 0;
			int e;

			/* the queries it might join, vectorized: a no for most */
#pragma omp simd reduction(|:pass)
			for (e = 0; e < (int)nq; e++)
				pass |= bit[e] & -(uint32_t)((float)d[e] * sc * qscale[e] >= worst[e]);
			/* masked entries (-1) are below any min_rating */
			if (!pass || p->ratings[i] < j->min_rating)
				continue;
			for (; pass; pass &= pass - 1) {
				float s;
				struct cand *cb;

				b = (size_t)__builtin_ctz(pass);
				s = (float)d[b] * sc * qscale[b];
				cb = j->cands + b * 2 * k;
				if (s < worst[b] || p->ids[i] == j->exclude[b])
					continue;
				cb[j->found[b]++] = (struct cand){ s, (uint32_t)i, (uint32_t)j->delta, p->ids[i] };
				if (j->found[b] == 2 * k) {
					select_best(cb, 2 * k, k);
					j->found[b] = k;
					worst[b] = worst_of(cb, k);
				}
			}
		}
	}
	for (b = 0; b < j->nq; b++)
		if (j->found[b] > k) {
			select_best(j->cands + b * 2 * k, j->found[b], k);
			j->found[b] = k;
		}
	return NULL;
}

/* Score the 4-bit candidates again in int8 (the int8 scan's scores), the
 * best kk of them first, in no order. Each code is checked the first time
 * it is read (ix->sound remembers it for the next queries). 0, or -1 when
 * an int8 code fails its check (the file damaged there): then none of them
 * is trusted, every candidate goes on to the exact scores, and the file is
 * dropped for the next process to rebuild. */
static int
int8_scores(struct vd_index *ix, const int8_t *q, float qscale, struct cand *c, size_t n,
    size_t kk)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct vd_index_part *p = c[i].delta ? &ix->delta : &ix->main;
		const int8_t *code = p->codes + (size_t)c[i].pos * (size_t)ix->dim;
		int32_t dot;

		if (p->sums && !(ix->sound && ix->sound[c[i].pos / 8] & 1 << c[i].pos % 8)) {
			if (vd_index_code_sum(code, ix->dim) != p->sums[c[i].pos]) {
				vd_index_discard(ix);
				return -1;
			}
			if (ix->sound || (ix->sound = calloc((p->n + 7) / 8, 1)))
				ix->sound[c[i].pos / 8] |= (uint8_t)(1 << c[i].pos % 8);
		}
		vd_dot8(code, 0, 1, ix->dim, q, 1, &dot, ix->portable);
		c[i].score = (float)dot * p->scales[c[i].pos] * qscale;
	}
	if (n > kk)
		select_best(c, n, kk);
	return 0;
}

/* Are the file's codes as its sums say? For a file too small for the
 * prefilter, whose int8 codes are all scanned: all of them, at once. */
static int
codes_sound(const struct vd_index *ix)
{
	const struct vd_index_part *p = &ix->main;
	size_t i;

	if (vd_code4_sum(p->codes4, 0, p->n, VD_CODE4_LEN(ix->dim), ix->portable) != ix->sum4)
		return 0;
	for (i = 0; i < p->n; i++)
		if (vd_index_code_sum(p->codes + i * (size_t)ix->dim, ix->dim) != p->sums[i])
			return 0;
	return 1;
}

/* Score the int8 candidates again with the exact vectors (those not held
 * in memory each read to its row of ix->rows), and sort them. VD_ENOMEM,
 * or VD_OK and *found the best k's count. */
static int
rescore(struct vd_index *ix, const float *q, struct exact *cand, size_t n, size_t k,
    size_t *found)
{
	float *rows;
	size_t i;
	int d;

	/* kept by ix: the vectors handed back stay there until its next
	 * search, and a process asking again reuses the memory (as many rows
	 * as a search rescores, not a prefilter's candidates: fewer fresh
	 * pages to fault in) */
	if (ix->nrows < n) {
		free(ix->rows);
		ix->nrows = (ix->rows = malloc(sizeof *ix->rows * n * (size_t)ix->dim)) ? n : 0;
		if (!ix->rows)
			return vd_error(VD_ENOMEM, "out of memory");
	}
	rows = ix->rows;
	for (i = 0; i < n; i++) {
		const float *v = vd_index_read_vector(ix, cand[i].hit.log_id, rows + i * (size_t)ix->dim);
		float s = 0;

		if (!(cand[i].vec = v))
			continue;
#pragma omp simd reduction(+:s)
		for (d = 0; d < ix->dim; d++)
			s += q[d] * v[d];
		cand[i].hit.score = s;
	}
	ix->rescored += n;
	qsort(cand, n, sizeof *cand, cmp_exact);
	*found = n < k ? n : k;
	return VD_OK;
}

/* Quantize the queries qs[0..nb) into int8 codes (dim each), and the same
 * padded to the 4-bit codes' length (zeros past dim) into q4. */
static void
quantize_queries(const float *qs, size_t nb, int dim, int8_t *q8, int8_t *q4, float *qscale)
{
	size_t b, len4 = VD_CODE4_LEN(dim);

	memset(q4, 0, nb * 2 * len4);
	for (b = 0; b < nb; b++) {
		qscale[b] = vd_index_quantize(qs + b * (size_t)dim, dim, q8 + b * (size_t)dim);
		memcpy(q4 + b * 2 * len4, q8 + b * (size_t)dim, (size_t)dim);
	}
}

/* vd_index_search_batch, and when vecs is not NULL (one query) each
 * hit's exact vector (vd_index_search_vectors). */
static int
search(struct vd_index *ix, const float *qs, size_t nq, size_t k, const long long *exclude,
    int min_rating, struct vd_hit *hits, size_t *found, const float **vecs)
{
	size_t kk = k + RESCORE_MARGIN < k * 4 ? k + RESCORE_MARGIN : k * 4, kc, q0, b, t, i, nt, ntmax, ns;
	size_t len4 = VD_CODE4_LEN(ix->dim);
	struct job jobs[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	int started[MAX_THREADS], four, rc = VD_OK;
	uint64_t sum;
	struct cand *cand, *merged;
	struct exact *best;
	int8_t *qcode, *q4;
	float qscale[BLOCK * MAX_THREADS];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (kk < RESCORE_MIN)
		kk = RESCORE_MIN;
	if (min_rating < ix->floor)
		min_rating = ix->floor;
	/* the candidates the scan keeps: the 4-bit prefilter's when there are
	 * more vectors than that, else the int8 scan's */
	kc = ix->candidates > 0 ? (size_t)ix->candidates : CANDIDATES > 2 * kk ? CANDIDATES : 2 * kk;
	if (kc < kk)
		kc = kk;
	four = ix->candidates != 0 && ix->main.n + ix->delta.n > kc;
	if (!four)
		kc = kk;
	ntmax = ncpu < 2 ? 1 : (size_t)(ncpu > MAX_THREADS ? MAX_THREADS : ncpu);
	cand = malloc(sizeof *cand * 2 * kc * BLOCK * ntmax);
	merged = malloc(sizeof *merged * kc * ntmax);
	best = malloc(sizeof *best * kc);
	qcode = malloc((size_t)ix->dim * BLOCK * ntmax);
	q4 = malloc(2 * len4 * BLOCK * ntmax);
	if (!cand || !merged || !best || !qcode || !q4) {
		free(cand);
		free(merged);
		free(best);
		free(qcode);
		free(q4);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	/* a file too small for the prefilter: its codes checked at once */
	if (!four && ix->check4 && !codes_sound(ix)) {
		vd_index_discard(ix);
		rc = vd_index_rebuild(ix);
	}
	for (q0 = 0; q0 < nq && k > 0 && rc == VD_OK; q0 += ns) {
		size_t nfound[MAX_THREADS * BLOCK], nj, s;
		int split;

again:
		memset(nfound, 0, sizeof nfound);
		nt = ix->main.n < PARALLEL_MIN ? 1 : ntmax;
		/* a batch: each thread takes a block of queries and every vector
		 * (one set of candidates a query, not one a thread to merge, and
		 * half the selection); a lone block: the vectors split */
		nj = (nq - q0 + BLOCK - 1) / BLOCK;
		split = nt > 1 && nj > 1;
		nj = split ? (nj < nt ? nj : nt) : nt;
		ns = split ? nj * BLOCK : BLOCK;
		if (ns > nq - q0)
			ns = nq - q0;
		quantize_queries(qs + q0 * (size_t)ix->dim, ns, ix->dim, qcode, q4, qscale);
		for (t = 0; t < nj; t++) {
			size_t b0 = split ? t * BLOCK : 0, nb = split ? (ns - b0 < BLOCK ? ns - b0 : BLOCK) : ns;

			jobs[t] = (struct job){ &ix->main, 0, ix->dim, four, ix->portable,
			    four ? q4 + b0 * 2 * len4 : qcode + b0 * (size_t)ix->dim, qscale + b0, nb,
			    split ? 0 : ix->main.n * t / nt, split ? ix->main.n : ix->main.n * (t + 1) / nt,
			    kc, exclude + q0 + b0, min_rating, cand + t * 2 * kc * BLOCK,
			    nfound + t * BLOCK, four && ix->check4 && (!split || t == 0), 0 };
		}
		for (t = 1; t < nj; t++)
			started[t] = pthread_create(&tid[t], NULL, scan, &jobs[t]) == 0;
		scan(&jobs[0]);
		for (t = 1; t < nj; t++)
			if (started[t])
				pthread_join(tid[t], NULL);
			else
				scan(&jobs[t]);
		/* the file's 4-bit codes, checked by the first scan of them: when
		 * damaged, built again and scanned again */
		if (four && ix->check4) {
			for (sum = 0, t = 0; t < nj; t++)
				sum += jobs[t].sum;
			if (sum != ix->sum4) {
				vd_index_discard(ix);
				if ((rc = vd_index_rebuild(ix)))
					break;
				goto again;
			}
			ix->check4 = 0;
		}
		/* the delta is small: taken in by the candidates of each block */
		for (t = 0; ix->delta.n && t < (split ? nj : 1); t++) {
			jobs[t].check = 0;
			jobs[t].part = &ix->delta;
			jobs[t].delta = 1;
			jobs[t].from = 0;
			jobs[t].to = ix->delta.n;
			scan(&jobs[t]);
		}
		for (s = 0; s < ns; s++) {
			size_t m = 0, t0 = split ? s / BLOCK : 0, t1 = split ? t0 + 1 : nt;

			/* the query's candidates (from each thread when the vectors
			 * were split), in int8, then exact */
			b = split ? s % BLOCK : s;
			for (t = t0; t < t1; t++)
				for (i = 0; i < nfound[t * BLOCK + b]; i++)
					merged[m++] = cand[(t * BLOCK + b) * 2 * kc + i];
			/* the best kc, in no order: the exact scores sort them */
			if (m > kc) {
				select_best(merged, m, kc);
				m = kc;
			}
			if (four) {
				if (int8_scores(ix, qcode + s * (size_t)ix->dim, qscale[s], merged, m, kk) == 0 &&
				    m > kk)
					m = kk;
			}
			for (i = 0; i < m; i++)
				best[i].hit = (struct vd_hit){ merged[i].id, merged[i].score };
			if ((rc = rescore(ix, qs + (q0 + s) * (size_t)ix->dim, best, m, k,
			    &found[q0 + s])))
				break;
			for (i = 0; i < found[q0 + s]; i++) {
				hits[(q0 + s) * k + i] = best[i].hit;
				if (vecs)
					vecs[i] = best[i].vec;
			}
		}
	}
	free(cand);
	free(merged);
	free(best);
	free(qcode);
	free(q4);
	return rc;
}

int
vd_index_search_batch(struct vd_index *ix, const float *qs, size_t nq, size_t k,
    const long long *exclude, int min_rating, struct vd_hit *hits, size_t *found)
{
	return search(ix, qs, nq, k, exclude, min_rating, hits, found, NULL);
}

size_t
vd_index_search_vectors(struct vd_index *ix, const float *q, size_t k,
    long long exclude, int min_rating, struct vd_hit *hits, const float **vecs)
{
	size_t found = 0;

	if (k == 0 || ix->n == 0)
		return 0;
	if (search(ix, q, 1, k, &exclude, min_rating, hits, &found, vecs))
		return 0;
	return found;
}

size_t
vd_index_search_rated(struct vd_index *ix, const float *q, size_t k,
    long long exclude, int min_rating, struct vd_hit *hits)
{
	return vd_index_search_vectors(ix, q, k, exclude, min_rating, hits, NULL);
}

size_t
vd_index_search(struct vd_index *ix, const float *q, size_t k, long long exclude,
    struct vd_hit *hits)
{
	return vd_index_search_rated(ix, q, k, exclude, 0, hits);
}
