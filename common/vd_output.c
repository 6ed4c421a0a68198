#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "vd_error.h"
#include "vd_output.h"

struct vd_writer {
	FILE *out;
	enum vd_outformat fmt;
	const char *const *columns;
	int header_done;
};

int
vd_outformat_parse(const char *name, int allow_text)
{
	if (strcmp(name, "jsonl") == 0 || strcmp(name, "json") == 0)
		return VD_OUT_JSONL;
	if (strcmp(name, "csv") == 0)
		return VD_OUT_CSV;
	if (allow_text && strcmp(name, "text") == 0)
		return VD_OUT_TEXT;
	return -1;
}

struct vd_writer *
vd_writer_new(FILE *out, enum vd_outformat fmt, const char *const *columns)
{
	struct vd_writer *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	w->out = out;
	w->fmt = fmt;
	w->columns = columns;
	return w;
}

int
vd_csv_put_value(FILE *f, json_t *v)
{
	char buf[64], *s;
	int rc;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return csv_fwrite(f, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0;
	case JSON_REAL:
		snprintf(buf, sizeof buf, "%.6g", json_real_value(v));
		return fputs(buf, f) < 0;
	case JSON_TRUE:
		return fputs("true", f) < 0;
	case JSON_FALSE:
		return fputs("false", f) < 0;
	case JSON_NULL:
		return 0;
	default:
		if (!(s = json_dumps(v, JSON_COMPACT)))
			return -1;
		rc = csv_fwrite(f, s, strlen(s));
		free(s);
		return rc;
	}
}

static int
put_csv(struct vd_writer *w, json_t *obj)
{
	const char *const *c;
	int bad = 0;

	if (!w->header_done) {
		for (c = w->columns; *c; c++) {
			if (c != w->columns)
				bad |= putc(',', w->out) == EOF;
			bad |= fputs(*c, w->out) < 0;
		}
		bad |= putc('\n', w->out) == EOF;
		w->header_done = 1;
	}
	for (c = w->columns; *c; c++) {
		if (c != w->columns)
			bad |= putc(',', w->out) == EOF;
		bad |= vd_csv_put_value(w->out, json_object_get(obj, *c)) != 0;
	}
	bad |= putc('\n', w->out) == EOF;
	return bad;
}

static int
put_text(struct vd_writer *w, json_t *obj)
{
	json_t *v = json_object_get(obj, w->columns[0]);
	int bad = 0;

	if (json_is_string(v))
		bad = fwrite(json_string_value(v), 1, json_string_length(v), w->out) !=
		    json_string_length(v);
	else if (v && !json_is_null(v))
		bad = json_dumpf(v, w->out, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_REAL_PRECISION(6));
	return bad | (putc('\n', w->out) == EOF);
}

int
vd_writer_put(struct vd_writer *w, json_t *obj)
{
	int bad;

	switch (w->fmt) {
	case VD_OUT_CSV:
		bad = put_csv(w, obj);
		break;
	case VD_OUT_TEXT:
		bad = put_text(w, obj);
		break;
	default:
		bad = json_dumpf(obj, w->out, JSON_COMPACT | JSON_REAL_PRECISION(6)) ||
		    putc('\n', w->out) == EOF;
	}
	if (bad)
		return vd_error(VD_EUSAGE, "write error: %s", strerror(errno));
	return VD_OK;
}

int
vd_write_json_line(FILE *f, const char *json, size_t len)
{
	if (fwrite(json, 1, len, f) != len || putc('\n', f) == EOF)
		return vd_error(VD_EUSAGE, "write error: %s", strerror(errno));
	return VD_OK;
}

int
vd_writer_close(struct vd_writer *w)
{
	int bad = 0;

	if (!w)
		return VD_OK;
	bad = fflush(w->out) != 0 || ferror(w->out);
	free(w);
	if (bad)
		return vd_error(VD_EUSAGE, "write error: %s", errno ? strerror(errno) : "output stream failed");
	return VD_OK;
}
