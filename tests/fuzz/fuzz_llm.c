/* libFuzzer target: the chat completions response parser, fed whatever a
 * broken or hostile language-model service might send. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_llm.h"
#include "vd_text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vd_llm_reply r = { (char *)1, (char *)1, 0, 0 };
	int rc = vd_llm_parse_reply((const char *)data, size, &r);

	if (rc == VD_OK) {
		size_t n = strlen(r.answer);

		/* an accepted answer is non-empty, valid UTF-8 (JSON strings are) */
		if (n == 0 || !vd_utf8_valid(r.answer, n))
			abort();
		if (r.model)
			(void)strlen(r.model);
	} else if (r.answer || !*vd_errmsg())
		abort();
	/* token counts are counts or unknown */
	if (r.prompt_tokens < -1 || r.completion_tokens < -1)
		abort();
	free(r.answer);
	free(r.model);
	return 0;
}
