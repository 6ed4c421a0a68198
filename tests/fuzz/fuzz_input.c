/* libFuzzer target: the one input reader (plain text, JSON Lines, CSV and
 * auto-detection), then the field accessors and the tokenizer every
 * message goes through. The first byte picks the format and the plain
 * text fields; the rest is the input, read through fmemopen as a FILE. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_error.h"
#include "vd_input.h"
#include "vd_record.h"
#include "vd_stopwords.h"
#include "vd_text.h"

static const char *const ask_fields[] = { "message", NULL };
static const char *const rate_fields[] = { "log_id", "rating", "feedback_text", NULL };

static void
count_word(const char *stem, size_t stemlen, const char *word, size_t wordlen, void *arg)
{
	/* touch every byte so the sanitizers see out-of-range strings */
	size_t *sum = arg, i;

	for (i = 0; i < stemlen; i++)
		*sum += (unsigned char)stem[i];
	for (i = 0; i < wordlen; i++)
		*sum += (unsigned char)word[i];
	*sum += (size_t)vd_text_is_stopword(word);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vd_text *text;
	static const char *const fields[] = { "log_id", "rating", "message", "response",
	    "session_id", "client_id", "created_at", NULL };
	struct vd_reader *r;
	struct vd_record rec;
	FILE *f;
	size_t sum = 0, i;
	int rc, records = 0;

	if (size < 1)
		return 0;
	if (!text && !(text = vd_text_new()))
		abort();
	/* fmemopen needs a non-empty buffer; an empty input is one NUL-free byte short */
	if (size == 1)
		return 0;
	if (!(f = fmemopen((void *)(data + 1), size - 1, "r")))
		return 0;
	r = vd_reader_new(f, (enum vd_informat)(data[0] & 3),
	    data[0] & 4 ? rate_fields : ask_fields);
	if (!r)
		abort();
	while ((rc = vd_reader_next(r, &rec)) != VD_EOF && rc != VD_EUSAGE) {
		if (++records > 100000)
			abort();	/* the reader must always make progress */
		if (rec.rawlen != strlen(rec.raw) && !memchr(rec.raw, 0, rec.rawlen))
			abort();
		if (rc != VD_OK)
			continue;
		if (!json_is_object(rec.obj))
			abort();
		for (i = 0; fields[i]; i++) {
			const char *s;
			long long v;
			int present;

			if (vd_rec_str(&rec, fields[i], &s) == VD_OK && s) {
				size_t n = strlen(s);
				const char *t = vd_text_trim(s, &n);

				sum += n + (size_t)vd_utf8_len(t, n);
				if (vd_utf8_valid(t, n))
					vd_text_words(text, t, count_word, &sum);
			}
			if (vd_rec_int(&rec, fields[i], &v, &present) == VD_OK && present)
				sum += (size_t)v;
		}
	}
	vd_reader_free(r);
	fclose(f);
	return sum == 42 ? 0 : 0;
}
