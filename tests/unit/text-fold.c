/* tests/unit/text-fold: vd_text_fold_simple against utf8proc, for every
 * code point below U+0500 and every pair of the ones it folds itself:
 * the same word characters, the same case folding and decomposition
 * (none), and no pair that NFC composes. Prints the number of code
 * points it folds and each disagreement; exits 1 on any. */
#include <stdio.h>

#include <utf8proc.h>

#include "vd_text.h"

int
main(void)
{
	utf8proc_int32_t folded[0x500], out[4];
	int32_t c, f;
	int n = 0, bad = 0, last, i, j, r;

	for (c = 0; c < 0x500; c++) {
		if ((r = vd_text_fold_simple(c, &f)) < 0)
			continue;
		if (r == 0 || !vd_text_word_char(c)) {
			if (r != 0 || vd_text_word_char(c)) {
				printf("U+%04X: word character %d, folded %d\n", c, vd_text_word_char(c), r);
				bad++;
			}
			continue;
		}
		if (utf8proc_decompose_char(c, out, 4, UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE,
		    &last) != 1 || out[0] != f) {
			printf("U+%04X: folded to U+%04X, utf8proc U+%04X\n", c, f, out[0]);
			bad++;
		}
		folded[n++] = f;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			utf8proc_int32_t pair[2] = { folded[i], folded[j] };

			if (utf8proc_normalize_utf32(pair, 2, UTF8PROC_COMPOSE | UTF8PROC_STABLE) != 2 ||
			    pair[0] != folded[i] || pair[1] != folded[j]) {
				printf("U+%04X U+%04X compose\n", folded[i], folded[j]);
				bad++;
			}
		}
	printf("%d\n", n);
	return bad > 0;
}
