/* tests/unit/text-words: print each word of the arguments as the built-in
 * embedder sees it, "folded<TAB>stem" a line, so tests can check the text
 * rules (normalisation, stemming) without going through vectors. */
#include <stdio.h>

#include "vd_text.h"

static void
print_word(const char *stem, size_t stemlen, const char *word, size_t wordlen, void *arg)
{
	(void)arg;
	printf("%.*s\t%.*s\n", (int)wordlen, word, (int)stemlen, stem);
}

int
main(int argc, char **argv)
{
	struct vd_text *t = vd_text_new();
	int i;

	if (!t)
		return 3;
	for (i = 1; i < argc; i++)
		vd_text_words(t, argv[i], print_word, NULL);
	vd_text_free(t);
	return fflush(stdout) ? 1 : 0;
}
