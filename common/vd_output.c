#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "vd_error.h"
#include "vd_output.h"

struct vd_writer {
	FILE *out;            /* where records go: dest, or hold while holding */
	FILE *dest;           /* the output */
	enum vd_outformat fmt;
	const char *const *columns;
	int header_done;
	long header_end;      /* holding: where the CSV header ends in hold, 0 if not there */
	int flush_each;
	FILE *hold;           /* records held back (vd_writer_hold), in memory */
	char *held;
	size_t heldsize;
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
	w->out = w->dest = out;
	w->fmt = fmt;
	w->columns = columns;
	return w;
}

static int csv_raw;

void
vd_csv_raw(int raw)
{
	csv_raw = raw;
}

/* A writer's held records (vd_writer_hold) stand for its output: their
 * cells are written as for the output, a terminal or not. */
static _Thread_local FILE *held_stream, *held_for;

/* Is f a terminal? Asked once per stream, not once per cell. */
static int
is_tty(FILE *f)
{
	static _Thread_local FILE *last;
	static _Thread_local int tty;

	if (f == held_stream)
		f = held_for;
	if (f != last) {
		last = f;
		tty = isatty(fileno(f));
	}
	return tty;
}

/* Write s with the control characters a terminal would obey (ESC ] ...
 * BEL, ESC [2J) shown as \xHH or \u00HH instead; with all, also the
 * backslash, newline and carriage return, so the text stays one line. */
static int
put_escaped(FILE *f, const char *s, size_t n, int all)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	int bad = 0;

	for (; p < end && !bad; p++) {
		if (all && (*p == '\\' || *p == '\n' || *p == '\r'))
			bad = fputs(*p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : "\\r", f) < 0;
		else if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
			bad = fprintf(f, "\\x%02x", *p) < 0;
		else if (*p == 0xc2 && p + 1 < end && p[1] >= 0x80 && p[1] <= 0x9f) {
			bad = fprintf(f, "\\u00%02x", p[1]) < 0;
			p++;
		} else
			bad = putc(*p, f) == EOF;
	}
	return bad;
}

int
vd_put_terminal_text(FILE *f, const char *s, size_t len)
{
	return put_escaped(f, s, len, 0) ? -1 : 0;
}

int
vd_csv_put_text(FILE *f, int sep, const char *s, size_t len)
{
	char *pre = NULL, *shown = NULL;
	size_t n;
	FILE *m;
	int rc = 0;

	if (sep && putc(sep, f) == EOF)
		return -1;
	if (!s)
		return 0;
	/* a cell a spreadsheet would run as a formula (OWASP: CSV injection) */
	if (!csv_raw && len && *s && strchr("=+-@\t\r", *s)) {
		if (!(pre = malloc(len + 1)))
			return -1;
		pre[0] = '\'';
		memcpy(pre + 1, s, len);
		s = pre;
		len++;
	}
	if (is_tty(f)) {
		if (!(m = open_memstream(&shown, &n)))
			rc = -1;
		else {
			rc = put_escaped(m, s, len, 0);
			rc |= fclose(m) != 0;
			s = shown;
			len = n;
		}
	}
	if (!rc)
		rc = csv_fwrite(f, s, len);
	free(pre);
	free(shown);
	return rc;
}

int
vd_csv_put_plain(FILE *f, int sep, const char *s)
{
	if (sep && putc(sep, f) == EOF)
		return -1;
	return fputs(s, f) < 0 ? -1 : 0;
}

int
vd_csv_put_value(FILE *f, int sep, json_t *v)
{
	char buf[64], *s;
	int rc;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return vd_csv_put_text(f, sep, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return vd_csv_put_plain(f, sep, buf);
	case JSON_REAL:
		snprintf(buf, sizeof buf, "%.6g", json_real_value(v));
		return vd_csv_put_plain(f, sep, buf);
	case JSON_TRUE:
		return vd_csv_put_plain(f, sep, "true");
	case JSON_FALSE:
		return vd_csv_put_plain(f, sep, "false");
	case JSON_NULL:
		return vd_csv_put_text(f, sep, NULL, 0);
	default:
		if (!(s = json_dumps(v, JSON_COMPACT)))
			return -1;
		rc = vd_csv_put_text(f, sep, s, strlen(s));
		free(s);
		return rc;
	}
}

int
vd_csv_put_header(FILE *f, int sep, const char *const *columns)
{
	const char *const *c;

	for (c = columns; *c; c++)
		if (vd_csv_put_plain(f, c == columns ? 0 : sep, *c))
			return -1;
	return putc('\n', f) == EOF ? -1 : 0;
}

static int
put_csv(struct vd_writer *w, json_t *obj)
{
	const char *const *c;
	int bad = 0;

	if (!w->header_done) {
		bad |= vd_csv_put_header(w->out, ',', w->columns);
		w->header_done = 1;
		if (w->out == w->hold)
			w->header_end = ftell(w->hold);
	}
	for (c = w->columns; *c; c++)
		bad |= vd_csv_put_value(w->out, c == w->columns ? 0 : ',',
		    json_object_get(obj, *c)) != 0;
	bad |= putc('\n', w->out) == EOF;
	return bad;
}

static int
put_text(struct vd_writer *w, json_t *obj)
{
	json_t *v = json_object_get(obj, w->columns[0]);
	int bad = 0;

	/* one line per record, whatever the text holds */
	if (json_is_string(v))
		bad = put_escaped(w->out, json_string_value(v), json_string_length(v), 1);
	else if (v && !json_is_null(v))
		bad = json_dumpf(v, w->out, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_REAL_PRECISION(6));
	return bad | (putc('\n', w->out) == EOF);
}

/* One JSON line. Dumped into a buffer first and written at once:
 * json_dumpf writes each key, value and comma with an fwrite of its own,
 * which took more than the dump itself for a reply of vasdom-ask
 * --record. The same bytes either way. */
static int
put_json(FILE *f, json_t *obj)
{
	char buf[4096];
	size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(6);
	size_t n = json_dumpb(obj, buf, sizeof buf - 1, flags);

	if (n == 0 || n >= sizeof buf - 1)
		return json_dumpf(obj, f, flags) || putc('\n', f) == EOF;
	buf[n++] = '\n';
	return fwrite(buf, 1, n, f) != n;
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
		bad = put_json(w->out, obj);
	}
	if (!bad && w->flush_each && w->out == w->dest)
		bad = fflush(w->out) != 0;
	if (bad)
		return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	return VD_OK;
}

int
vd_writer_hold(struct vd_writer *w)
{
	if (!w->hold && !(w->hold = open_memstream(&w->held, &w->heldsize)))
		return vd_error(VD_ENOMEM, "out of memory");
	w->out = held_stream = w->hold;
	held_for = w->dest;
	w->header_end = 0;
	return VD_OK;
}

long
vd_writer_held(const struct vd_writer *w)
{
	return w->out == w->hold ? ftell(w->hold) : 0;
}

int
vd_writer_release(struct vd_writer *w, long n)
{
	int bad;

	if (w->out != w->hold)
		return VD_OK;
	w->out = w->dest;
	/* a CSV header dropped with the records after it comes again
	 * before the next record written */
	if (n < w->header_end)
		w->header_done = 0;
	bad = fflush(w->hold) != 0 ||
	    (n > 0 && fwrite(w->held, 1, (size_t)n, w->dest) != (size_t)n) ||
	    (w->flush_each && fflush(w->dest) != 0) ||
	    fseek(w->hold, 0, SEEK_SET) != 0;
	if (bad)
		return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	return VD_OK;
}

void
vd_writer_unbuffered(struct vd_writer *w)
{
	struct stat st;

	if (w)
		w->flush_each = fstat(fileno(w->dest), &st) != 0 || !S_ISREG(st.st_mode);
}

int
vd_write_json_line(FILE *f, const char *json, size_t len)
{
	if (fwrite(json, 1, len, f) != len || putc('\n', f) == EOF)
		return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	return VD_OK;
}

int
vd_jsonl_put(FILE *f, const char *layout, const struct vd_str *v)
{
	const char *p = layout;
	size_t n;
	int bad = 0;

	/* one writer thread a stream: the unlocked calls save a lock a piece */
	for (;; p += n + 1, v++) {
		n = strcspn(p, "\1\2");
		bad |= fwrite_unlocked(p, 1, n, f) != n;
		if (!p[n])
			break;
		if (v->s)
			bad |= fwrite_unlocked(v->s, 1, v->len, f) != v->len ||
			    (p[n] == '\2' && putc_unlocked(',', f) == EOF);
		else if (p[n] == '\1')
			bad |= fwrite_unlocked("null", 1, 4, f) != 4;
	}
	if (bad || putc_unlocked('\n', f) == EOF)
		return vd_error(VD_EWRITE, "write error: %s", strerror(errno));
	return VD_OK;
}

int
vd_writer_close(struct vd_writer *w)
{
	int bad = 0;

	if (!w)
		return VD_OK;
	bad = fflush(w->dest) != 0 || ferror(w->dest);
	if (w->hold) {
		if (held_stream == w->hold)
			held_stream = NULL;
		fclose(w->hold);
	}
	free(w->held);
	free(w);
	if (bad)
		return vd_error(VD_EWRITE, "write error: %s", errno ? strerror(errno) : "output stream failed");
	return VD_OK;
}
