/* libFuzzer target: the intent rules file parser (an operator may replace
 * the file), then matching with whatever rules it accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_rules.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const msgs[] = {
		"Как часто нужна уборка подъездов?", "Сколько стоит?",
		"Когда у вас уборка по графику?", "", "abc 123 ёЁ", NULL
	};
	struct vd_rules *r;
	const char *intent, *answer;
	size_t i;

	if (vd_rules_parse((const char *)data, size, "fuzz.rules", &r) != VD_OK) {
		if (r)
			abort();	/* no rules on failure */
		if (!*vd_errmsg())
			abort();	/* and always a reason */
		return 0;
	}
	for (i = 0; msgs[i]; i++) {
		intent = NULL;
		if ((answer = vd_rules_match(r, msgs[i], &intent)) &&
		    (!intent || !*answer || strlen(intent) == 0))
			abort();
	}
	if (vd_rules_count(r) == 0 && vd_rules_match(r, msgs[0], NULL))
		abort();
	vd_rules_free(r);
	return 0;
}
