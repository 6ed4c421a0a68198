/* libFuzzer target: the embeddings response parser (OpenAI "data" and
 * Ollama "embeddings" layouts). The first byte says how many texts were
 * sent and whether the dimension is already known, as it is after the
 * first batch; the rest is the response body. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vd_embed_remote.h"
#include "vd_embedder.h"
#include "vd_error.h"

#define MAX_DIM 64
#define MAX_N 8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static float out[MAX_N * MAX_DIM + 1];
	size_t n, i;
	int dim, known, rc;

	if (size < 1)
		return 0;
	n = data[0] % MAX_N;
	known = data[0] & 0x80 ? 1 + (data[0] >> 3 & 7) : 0;
	dim = known;
	out[MAX_N * MAX_DIM] = 12345.0f;	/* canary past the end */
	rc = vd_embed_parse_reply((const char *)data + 1, size - 1, n, out, MAX_DIM, &dim);
	if (out[MAX_N * MAX_DIM] != 12345.0f)
		abort();
	if (rc != VD_OK) {
		if (!*vd_errmsg())
			abort();
		return 0;
	}
	if (known && dim != known)
		abort();	/* a known dimension never changes */
	if (n > 0 && (dim < 1 || dim > MAX_DIM))
		abort();
	for (i = 0; i < n * (size_t)dim; i++)
		if (!isfinite(out[i]) || fabsf(out[i]) > 1.0001f)
			abort();	/* vectors come back normalised */
	return 0;
}
