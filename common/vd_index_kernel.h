/* The dot products the search scans with (vd_index_kernel.c): int8 codes
 * against int8 queries, and 4-bit codes (the prefilter's) against the
 * same queries. Each has a portable version and an AVX2 one, chosen at
 * run time; both give the same integers. For vd_index*.c and the tests. */
#ifndef VD_INDEX_KERNEL_H
#define VD_INDEX_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* A 4-bit code: per 64 dimensions, 32 bytes whose low nibbles are the
 * first 32 and high nibbles the next 32, each c + 8 for c in -7..7 (a
 * partial last block padded with c = 0). Its length in bytes: */
#define VD_CODE4_LEN(dim) ((((size_t)(dim) + 63) / 64) * 32)

/* Quantize v into an int8 code (dim of them); returns the scale. The file
 * and the delta must quantize alike, so that their int8 scores are the
 * same (and queries alike, for the int8 dot products). */
float vd_index_quantize(const float *v, int dim, int8_t *code);

/* Quantize v (dim) into an int8 code (-127..127) and a 4-bit one; the
 * scales (code * scale = component) go to *scale8 and *scale4. */
void vd_index_encode(const float *v, int dim, int8_t *code8, float *scale8,
    uint8_t *code4, float *scale4);

/* A check of an int8 code, kept in the cache file beside it. */
uint32_t vd_index_code_sum(const int8_t *code, int dim);

/* A check of the 4-bit codes from..to (len bytes each), summed so that
 * ranges add up: the sum of a split run is the sum of its parts' sums
 * (mod 2^64). Cheap enough to take while scanning them. */
uint64_t vd_code4_sum(const uint8_t *codes, size_t from, size_t to, size_t len, int portable);

/* out[(i - from) * nq + b] = codes[i] . q[b] for the int8 codes
 * from..to and nq queries of dim each. */
void vd_dot8(const int8_t *codes, size_t from, size_t to, int dim, const int8_t *q,
    size_t nq, int32_t *out, int portable);

/* out[(i - from) * nq + b] = sum of (nibble - 8) * q[b] over the 4-bit
 * codes from..to (len bytes each) and nq queries of 2 * len int8s each
 * (zero past the dimension). */
void vd_dot4(const uint8_t *codes, size_t from, size_t to, size_t len, const int8_t *q,
    size_t nq, int32_t *out, int portable);

#endif
