/* tests/unit/json1: for each line of standard input, which parser
 * read it ("each" for SQLite's JSON1, "jansson" when it was left to
 * jansson), whether the object is the one jansson's json_loadb makes
 * ("same" or "differs"), and the object, compact; or "error: MESSAGE". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_input.h"
#include "vd_json1.h"

int
main(void)
{
	struct vd_json1 *j = vd_json1_new();
	const char *by;
	char *line = NULL, *s;
	size_t cap = 0;
	ssize_t n;
	json_t *a, *b;
	int rc;

	if (!j)
		return 3;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		rc = vd_json1_object(j, line, (size_t)n, &a);
		by = rc == 1 ? "jansson" : "each";
		if (rc == 1)
			rc = vd_json_object(line, (size_t)n, &a);
		if (rc) {
			printf("error: %s\n", vd_errmsg());
			continue;
		}
		if (vd_json_object(line, (size_t)n, &b))
			b = NULL;
		s = json_dumps(a, JSON_COMPACT);
		printf("%s %s %s\n", by, json_equal(a, b) ? "same" : "differs", s);
		free(s);
		json_decref(a);
		json_decref(b);
	}
	free(line);
	vd_json1_free(j);
	return fflush(stdout) ? 1 : 0;
}
