/* The search's dot products, portable and AVX2 (chosen at run time, the
 * portable one also on request: VASDOM_INDEX_PORTABLE, for the tests).
 * The int8 scan reads 512 bytes a vector at 512 dimensions and is bound
 * by memory bandwidth; the 4-bit prefilter reads half that and does half
 * the instructions (16-bit sums over four blocks before widening; for
 * queries whose sums cannot leave 16 bits, eight queries a load of a code
 * and no widening until the end), and only its best candidates are read
 * in int8. */
#include <math.h>
#include <string.h>

#include "vd_index_kernel.h"

uint32_t
vd_index_code_sum(const int8_t *code, int dim)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL, w;
	int d;

	for (d = 0; d + 8 <= dim; d += 8) {
		memcpy(&w, code + d, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	for (; d < dim; d++)
		h = (h ^ (uint8_t)code[d]) * 0xff51afd7ed558ccdULL;
	return (uint32_t)(h ^ (h >> 32));
}

float
vd_index_quantize(const float *v, int dim, int8_t *code)
{
	float max = 0, scale;
	int d;

	for (d = 0; d < dim; d++)
		if (fabsf(v[d]) > max)
			max = fabsf(v[d]);
	scale = max > 0 ? max / 127 : 1;
	for (d = 0; d < dim; d++)
		code[d] = (int8_t)lrintf(v[d] / scale);
	return scale;
}

void
vd_index_encode(const float *v, int dim, int8_t *code8, float *scale8, uint8_t *code4,
    float *scale4)
{
	float max = 0, s;
	long c;
	int d;

	*scale8 = vd_index_quantize(v, dim, code8);
	for (d = 0; d < dim; d++)
		if (fabsf(v[d]) > max)
			max = fabsf(v[d]);
	s = *scale4 = max > 0 ? max / 7 : 1;
	memset(code4, 0x88, VD_CODE4_LEN(dim));
	for (d = 0; d < dim; d++) {
		uint8_t *p = code4 + d / 64 * 32 + d % 32;

		c = lrintf(v[d] / s);
		c = (c < -7 ? -7 : c > 7 ? 7 : c) + 8;
		*p = d % 64 < 32 ? (uint8_t)((*p & 0xf0) | c) : (uint8_t)((*p & 0x0f) | c << 4);
	}
}

/* The check of a run of 4-bit codes: each vector's Fletcher sums (four
 * lanes of 64-bit words, word j in lane j % 4: s1 the words, s2 the
 * running sums of s1), the second with its position mixed in, summed
 * over the vectors lane by lane, and the lanes folded linearly, so that
 * sums of parts add up to the sum of the whole. */
#define POS_MIX 0x9e3779b97f4a7c15ULL

static uint64_t
code4_fold(const uint64_t a1[4], const uint64_t a2[4])
{
	static const uint64_t c[8] = { 0xff51afd7ed558ccdULL, 0xc4ceb9fe1a85ec53ULL,
	    0x87c37b91114253d5ULL, 0x4cf5ad432745937fULL, 0x52dce729da3ed1a9ULL,
	    0x38495ab5a2e3b6cdULL, 0xa0761d6478bd642fULL, 0xe7037ed1a0b428dbULL };
	uint64_t x = 0;
	int l;

	for (l = 0; l < 4; l++)
		x += a1[l] * c[l] + a2[l] * c[4 + l];
	return x;
}

static uint64_t
code4_sum_plain(const uint8_t *codes, size_t from, size_t to, size_t len)
{
	uint64_t a1[4] = { 0 }, a2[4] = { 0 }, s1[4], s2[4], w;
	size_t i, j;
	int l;

	for (i = from; i < to; i++) {
		memset(s1, 0, sizeof s1);
		memset(s2, 0, sizeof s2);
		for (j = 0; j < len / 8; j++) {
			memcpy(&w, codes + i * len + j * 8, 8);
			s1[j % 4] += w;
			s2[j % 4] += s1[j % 4];
		}
		for (l = 0; l < 4; l++) {
			a1[l] += s1[l];
			a2[l] += s2[l] ^ (i * POS_MIX);
		}
	}
	return code4_fold(a1, a2);
}

static void
dot8_plain(const int8_t *codes, size_t from, size_t to, int dim, const int8_t *q,
    size_t nq, int32_t *out)
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

static void
dot4_plain(const uint8_t *codes, size_t from, size_t to, size_t len, const int8_t *q,
    size_t nq, int32_t *out)
{
	size_t i, b, j;

	for (i = from; i < to; i++) {
		const uint8_t *x = codes + i * len;

		for (b = 0; b < nq; b++) {
			const int8_t *y = q + b * 2 * len;
			int32_t s = 0;

			for (j = 0; j < len; j++) {
				size_t d = j / 32 * 64 + j % 32;

				s += ((x[j] & 15) - 8) * y[d] + ((x[j] >> 4) - 8) * y[d + 32];
			}
			out[(i - from) * nq + b] = s;
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx2")))
static int32_t
hsum(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));

	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

/* x.y for int8 in 32 lanes: maddubs wants one unsigned operand, so it
 * takes |x| and y with x's sign moved onto it (codes stay within -127..127,
 * so a pair of products never saturates 16 bits). Eight queries share each
 * load of a vector. */
__attribute__((target("avx2")))
static void
dot8_avx2(const int8_t *codes, size_t from, size_t to, int dim, const int8_t *q,
    size_t nq, int32_t *out)
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
			for (b = 0; b < ng; b++)
				out[(i - from) * nq + g + b] = hsum(acc[b]);
		}
	}
}

/* Four queries against one 4-bit code, every accumulator in a register:
 * nibbles are unsigned, so maddubs takes them as they are; a 16-bit lane
 * gains at most 2 * 2 * 15 * 127 a block, so four blocks add up in 16
 * bits before they are widened. ql: the queries' stride. */
#define DOT4_STEP(h, y) \
	h = _mm256_add_epi16(h, _mm256_add_epi16( \
	    _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(y))), \
	    _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)((y) + 32)))))
#define DOT4_WIDEN(c, h) do { \
	c = _mm256_add_epi32(c, _mm256_madd_epi16(h, ones)); \
	h = _mm256_setzero_si256(); \
} while (0)

__attribute__((target("avx2")))
static void
dot4_x4(const uint8_t *x, size_t len, const int8_t *q, size_t ql, int32_t *o,
    const int32_t *bias)
{
	const __m256i low = _mm256_set1_epi8(15), ones = _mm256_set1_epi16(1);
	__m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
	__m256i h0 = c0, h1 = c0, h2 = c0, h3 = c0;
	size_t j;

	for (j = 0; j < len; j += 32) {
		__m256i xv = _mm256_loadu_si256((const __m256i *)(x + j));
		__m256i lo = _mm256_and_si256(xv, low);
		__m256i hi = _mm256_and_si256(_mm256_srli_epi16(xv, 4), low);
		const int8_t *y = q + 2 * j;

		DOT4_STEP(h0, y);
		DOT4_STEP(h1, y + ql);
		DOT4_STEP(h2, y + 2 * ql);
		DOT4_STEP(h3, y + 3 * ql);
		if ((j / 32) % 4 == 3) {
			DOT4_WIDEN(c0, h0);
			DOT4_WIDEN(c1, h1);
			DOT4_WIDEN(c2, h2);
			DOT4_WIDEN(c3, h3);
		}
	}
	DOT4_WIDEN(c0, h0);
	DOT4_WIDEN(c1, h1);
	DOT4_WIDEN(c2, h2);
	DOT4_WIDEN(c3, h3);
	/* the four sums at once */
	c0 = _mm256_hadd_epi32(_mm256_hadd_epi32(c0, c1), _mm256_hadd_epi32(c2, c3));
	_mm_storeu_si128((__m128i *)o, _mm_sub_epi32(_mm_add_epi32(_mm256_castsi256_si128(c0),
	    _mm256_extracti128_si256(c0, 1)), _mm_loadu_si128((const __m128i *)bias)));
}

/* Can no code's dot product with the query y (2 * len int8s) leave 16
 * bits in any lane of dot4_x8's sums? Lane l sums nibble (0-15) times
 * y[e] for e % 32 in 2l, 2l + 1 of every 32 bytes: at most 15 times its
 * positive y, at least -15 times its negative ones, so each of those two
 * sums must stay within 2184 (saturated here, never wrapped). */
__attribute__((target("avx2")))
static int
dot4_fits16(const int8_t *y, size_t len)
{
	const __m256i one = _mm256_set1_epi8(1), zero = _mm256_setzero_si256();
	__m256i pos = zero, neg = zero;
	size_t e;

	for (e = 0; e < 2 * len; e += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(y + e)), p = _mm256_max_epi8(v, zero);

		/* the magnitudes as unsigned bytes (128 for -128), pairs summed */
		pos = _mm256_adds_epu16(pos, _mm256_maddubs_epi16(p, one));
		neg = _mm256_adds_epu16(neg, _mm256_maddubs_epi16(_mm256_sub_epi8(p, v), one));
	}
	return _mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpgt_epi16(pos, _mm256_set1_epi16(2184)),
	    _mm256_cmpgt_epi16(neg, _mm256_set1_epi16(2184)))) == 0;
}

/* Eight queries against one 4-bit code, for queries whose sums cannot
 * leave 16 bits (dot4_fits16): no widening until the end (16-bit adds
 * wrap, so a lane whose final sum fits is exact whatever it passed
 * through), so eight accumulators fit in the registers and each load of
 * a code and its nibbles serve twice as many queries. */
__attribute__((target("avx2")))
static void
dot4_x8(const uint8_t *x, size_t len, const int8_t *q, size_t ql, int32_t *o,
    const int32_t *bias)
{
	const __m256i low = _mm256_set1_epi8(15), ones = _mm256_set1_epi16(1);
	__m256i h0 = _mm256_setzero_si256(), h1 = h0, h2 = h0, h3 = h0, h4 = h0, h5 = h0,
	    h6 = h0, h7 = h0, a, b;
	size_t j;

	for (j = 0; j < len; j += 32) {
		__m256i xv = _mm256_loadu_si256((const __m256i *)(x + j));
		__m256i lo = _mm256_and_si256(xv, low);
		__m256i hi = _mm256_and_si256(_mm256_srli_epi16(xv, 4), low);
		const int8_t *y = q + 2 * j;

		DOT4_STEP(h0, y);
		DOT4_STEP(h1, y + ql);
		DOT4_STEP(h2, y + 2 * ql);
		DOT4_STEP(h3, y + 3 * ql);
		DOT4_STEP(h4, y + 4 * ql);
		DOT4_STEP(h5, y + 5 * ql);
		DOT4_STEP(h6, y + 6 * ql);
		DOT4_STEP(h7, y + 7 * ql);
	}
	/* widened, then the eight sums at once: sums 0-3 and 4-7 in each
	 * half, the halves added */
	a = _mm256_hadd_epi32(_mm256_hadd_epi32(_mm256_madd_epi16(h0, ones), _mm256_madd_epi16(h1, ones)),
	    _mm256_hadd_epi32(_mm256_madd_epi16(h2, ones), _mm256_madd_epi16(h3, ones)));
	b = _mm256_hadd_epi32(_mm256_hadd_epi32(_mm256_madd_epi16(h4, ones), _mm256_madd_epi16(h5, ones)),
	    _mm256_hadd_epi32(_mm256_madd_epi16(h6, ones), _mm256_madd_epi16(h7, ones)));
	a = _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
	_mm256_storeu_si256((__m256i *)o, _mm256_sub_epi32(a, _mm256_loadu_si256((const __m256i *)bias)));
}

__attribute__((target("avx2")))
static int32_t
dot4_x1(const uint8_t *x, size_t len, const int8_t *y0, int32_t bias)
{
	const __m256i low = _mm256_set1_epi8(15), ones = _mm256_set1_epi16(1);
	__m256i c0 = _mm256_setzero_si256(), h0 = c0;
	size_t j;

	for (j = 0; j < len; j += 32) {
		__m256i xv = _mm256_loadu_si256((const __m256i *)(x + j));
		__m256i lo = _mm256_and_si256(xv, low);
		__m256i hi = _mm256_and_si256(_mm256_srli_epi16(xv, 4), low);

		DOT4_STEP(h0, y0 + 2 * j);
		if ((j / 32) % 4 == 3)
			DOT4_WIDEN(c0, h0);
	}
	DOT4_WIDEN(c0, h0);
	return hsum(c0) - bias;
}

/* 8 times the sum of a query's 2 * len int8s: what the nibbles' offset
 * of 8 adds to each of its dot products. */
__attribute__((target("avx2")))
static int32_t
dot4_bias(const int8_t *y, size_t len)
{
	const __m256i eight = _mm256_set1_epi8(8), ones = _mm256_set1_epi16(1);
	__m256i c = _mm256_setzero_si256();
	size_t j;

	for (j = 0; j < 2 * len; j += 32)
		c = _mm256_add_epi32(c, _mm256_madd_epi16(_mm256_maddubs_epi16(eight,
		    _mm256_loadu_si256((const __m256i *)(y + j))), ones));
	return hsum(c);
}

__attribute__((target("avx2")))
static void
dot4_avx2(const uint8_t *codes, size_t from, size_t to, size_t len, const int8_t *q,
    size_t nq, int32_t *out, const int32_t *bias, const unsigned char *fits)
{
	size_t i, g;

	for (i = from; i < to; i++) {
		const uint8_t *x = codes + i * len;
		int32_t *o = out + (i - from) * nq;

		for (g = 0; g + 8 <= nq; g += 8)
			if (fits[g / 8])
				dot4_x8(x, len, q + g * 2 * len, 2 * len, o + g, bias + g);
			else {
				dot4_x4(x, len, q + g * 2 * len, 2 * len, o + g, bias + g);
				dot4_x4(x, len, q + (g + 4) * 2 * len, 2 * len, o + g + 4, bias + g + 4);
			}
		for (; g + 4 <= nq; g += 4)
			dot4_x4(x, len, q + g * 2 * len, 2 * len, o + g, bias + g);
		for (; g < nq; g++)
			o[g] = dot4_x1(x, len, q + g * 2 * len, bias[g]);
	}
}

__attribute__((target("avx2")))
static uint64_t
code4_sum_avx2(const uint8_t *codes, size_t from, size_t to, size_t len)
{
	__m256i a1 = _mm256_setzero_si256(), a2 = _mm256_setzero_si256();
	uint64_t l1[4], l2[4];
	size_t i, j;

	for (i = from; i < to; i++) {
		__m256i s1 = _mm256_setzero_si256(), s2 = _mm256_setzero_si256();

		for (j = 0; j < len; j += 32) {
			s1 = _mm256_add_epi64(s1, _mm256_loadu_si256((const __m256i *)(codes + i * len + j)));
			s2 = _mm256_add_epi64(s2, s1);
		}
		a1 = _mm256_add_epi64(a1, s1);
		a2 = _mm256_add_epi64(a2, _mm256_xor_si256(s2,
		    _mm256_set1_epi64x((long long)(i * POS_MIX))));
	}
	_mm256_storeu_si256((__m256i *)l1, a1);
	_mm256_storeu_si256((__m256i *)l2, a2);
	return code4_fold(l1, l2);
}

static int
have_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}
#endif

void
vd_dot8(const int8_t *codes, size_t from, size_t to, int dim, const int8_t *q,
    size_t nq, int32_t *out, int portable)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (!portable && dim % 32 == 0 && have_avx2()) {
		dot8_avx2(codes, from, to, dim, q, nq, out);
		return;
	}
#endif
	dot8_plain(codes, from, to, dim, q, nq, out);
}

uint64_t
vd_code4_sum(const uint8_t *codes, size_t from, size_t to, size_t len, int portable)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (!portable && have_avx2())
		return code4_sum_avx2(codes, from, to, len);
#endif
	return code4_sum_plain(codes, from, to, len);
}

#define DOT4_MAXQ 64

void
vd_dot4(const uint8_t *codes, size_t from, size_t to, size_t len, const int8_t *q,
    size_t nq, int32_t *out, int portable)
{
#if defined(__x86_64__) && defined(__GNUC__)
	/* the nibbles' offset of 8, taken off once a query; which groups of
	 * eight queries dot4_x8 can take */
	int32_t bias[DOT4_MAXQ];
	unsigned char fits[DOT4_MAXQ / 8];
	size_t b;

	if (!portable && nq <= DOT4_MAXQ && have_avx2()) {
		memset(fits, 1, sizeof fits);
		for (b = 0; b < nq; b++) {
			bias[b] = dot4_bias(q + b * 2 * len, len);
			if (!dot4_fits16(q + b * 2 * len, len))
				fits[b / 8] = 0;
		}
		dot4_avx2(codes, from, to, len, q, nq, out, bias, fits);
		return;
	}
#endif
	dot4_plain(codes, from, to, len, q, nq, out);
}
