/* tests/unit/rules-jit: the intent rules of the file argv[1] matched
 * against the messages argv[2..], before and after their patterns are
 * compiled to machine code, "name<TAB>value" a line for tests/0137:
 *   jit-first <TAB> bytes of machine code after one try (0: none yet)
 *   tries <TAB> tries until there is some (0: never, PCRE2 has no JIT)
 *   matched <TAB> messages with an intent
 *   differ <TAB> messages whose intent changed with the machine code */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_rules.h"

int
main(int argc, char **argv)
{
	struct vd_rules *r;
	const char **before, *intent;
	size_t tries = 0;
	int i, matched = 0, differ = 0;

	if (argc < 3 || vd_rules_load(argv[1], &r))
		return 3;
	if (!(before = calloc((size_t)argc, sizeof *before)))
		return 3;
	for (i = 2; i < argc; i++) {
		intent = "";
		vd_rules_match(r, argv[i], &intent);
		before[i] = intent;
		matched += *intent != 0;
		if (i == 2)
			printf("jit-first\t%zu\n", vd_rules_jit_size(r));
		tries++;
	}
	while (vd_rules_jit_size(r) == 0 && tries < 100000) {
		vd_rules_match(r, argv[2], NULL);
		tries++;
	}
	printf("tries\t%zu\n", vd_rules_jit_size(r) ? tries : 0);
	for (i = 2; i < argc; i++) {
		intent = "";
		vd_rules_match(r, argv[i], &intent);
		differ += strcmp(intent, before[i]) != 0;
	}
	printf("matched\t%d\ndiffer\t%d\n", matched, differ);
	free(before);
	vd_rules_free(r);
	return fflush(stdout) ? 1 : 0;
}
