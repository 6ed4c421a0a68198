/* The one string hash: 64-bit FNV-1a, for hash buckets, file names and
 * splits (not for anything an adversary picks). Inline: the built-in
 * embedder calls it for every feature of every text. */
#ifndef VD_HASH_H
#define VD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define VD_FNV_OFFSET 0xcbf29ce484222325ULL
#define VD_FNV_PRIME 0x100000001b3ULL

/* h (VD_FNV_OFFSET to start) carried on over the n bytes at p. */
static inline uint64_t
vd_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--)
		h = (h ^ *s++) * VD_FNV_PRIME;
	return h;
}

#endif
