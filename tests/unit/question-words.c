/* tests/unit/question-words: the cosine of the words of every two of the
 * arguments as vasdom-review's gap clusters weigh them
 * (vd_question_words), "i<TAB>j<TAB>cosine" a line, i < j. */
#include <stdio.h>

#include "vd_rank.h"

int
main(int argc, char **argv)
{
	struct vd_ranker *r;
	struct vd_question_words *w;
	size_t n = (size_t)(argc - 1), i, j;

	if (vd_ranker_new(&r))
		return 3;
	if (vd_question_words_new(r, (const char *const *)argv + 1, n, &w)) {
		vd_ranker_free(r);
		return 3;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			printf("%zu\t%zu\t%.3f\n", i, j, vd_question_words_cosine(w, i, j));
	vd_question_words_free(w);
	vd_ranker_free(r);
	return fflush(stdout) ? 1 : 0;
}
