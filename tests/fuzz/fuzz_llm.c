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
	char *answer = (char *)1, *model = (char *)1;
	int rc = vd_llm_parse_reply((const char *)data, size, &answer, &model);

	if (rc == VD_OK) {
		size_t n = strlen(answer);

		/* an accepted answer is non-empty, valid UTF-8 (JSON strings are) */
		if (n == 0 || !vd_utf8_valid(answer, n))
			abort();
		if (model)
			(void)strlen(model);
	} else if (answer || !*vd_errmsg())
		abort();
	free(answer);
	free(model);
	return 0;
}
