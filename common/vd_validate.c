#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vd_error.h"
#include "vd_export_fmt.h"
#include "vd_validate.h"

#define ERRLEN 256

int
vd_validate_file(FILE *f, const struct vd_export_encoder *format, long long max_report,
    vd_problem_fn *fn, void *arg, struct vd_validation *out)
{
	char *line = NULL, err[ERRLEN];
	size_t cap = 0;
	ssize_t n;

	memset(out, 0, sizeof *out);
	if (format && !format->validate)
		return vd_error(VD_EUSAGE, "only JSON Lines formats can be validated");
	out->format = format;
	while ((n = getline(&line, &cap, f)) >= 0) {
		json_error_t je;
		json_t *o;
		int bad = 0;

		out->lines++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		if (n == 0) {
			snprintf(err, sizeof err, "empty line");
			bad = 1;
		} else if (!(o = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &je))) {
			snprintf(err, sizeof err, "not JSON: %s (column %d)", je.text, je.column);
			bad = 1;
		} else {
			if (!json_is_object(o)) {
				snprintf(err, sizeof err, "not a JSON object");
				bad = 1;
			} else {
				if (!out->format)
					out->format = vd_export_encoder_guess(o);
				bad = out->format->validate(o, err, sizeof err) != 0;
			}
			json_decref(o);
		}
		if (bad && out->errors++ < max_report)
			fn(out->lines, err, arg);
		else if (!bad)
			out->examples++;
	}
	free(line);
	if (ferror(f))
		return vd_error(VD_EREAD, "read error: %s", strerror(errno));
	if (!out->format)
		out->format = vd_export_encoder_guess(NULL);
	if (out->format->min_examples > 1 && out->examples < out->format->min_examples) {
		snprintf(err, sizeof err, "%lld valid examples, OpenAI requires at least %d",
		    out->examples, out->format->min_examples);
		if (out->errors++ < max_report)
			fn(0, err, arg);
	} else if (out->examples == 0) {
		snprintf(err, sizeof err, "no examples");
		if (out->errors++ < max_report)
			fn(0, err, arg);
	}
	return VD_OK;
}
