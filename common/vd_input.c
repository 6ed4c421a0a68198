#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "vd_error.h"
#include "vd_input.h"
#include "vd_json1.h"
#include "vd_text.h"

struct vd_reader {
	FILE *in;
	int fmt;
	const char *const *text_fields;
	long lineno;          /* lines read so far */
	char *line;           /* the current physical line */
	size_t linelen, linecap;
	int overlong;         /* the current line passed VD_MAX_LINE */
	char *raw;            /* the current record's lines */
	size_t rawlen, rawcap;
	json_t *obj;
	struct vd_json1 *each;   /* JSONL: the lines' parser, made at the first */
	int each_tried;
	/* CSV state */
	struct csv_parser csv;
	int csv_ready;
	json_t *header;       /* array of names (after --map) */
	char *header_raw;     /* the header line as read, for --rejects files */
	size_t header_rawlen;
	json_t *fields;       /* array of the row being parsed */
	int row_done;
	int pending;          /* a line is read but not yet classified (auto) */
	int skip_quoted;      /* dropping the rest of an over-long quoted CSV record */
	int eof;
};

static const char *const vocabulary[] = {
	"log_id", "session_id", "message", "response", "source", "model_used",
	"response_time", "similar_found", "learning_improved", "rating",
	"feedback_text", "correction", "created_at", "updated_at", "client_id",
	"query", "rank", "score", "text", NULL
};

static json_t *map;                /* --map: old name -> new name */
static void (*warn)(const char *msg);
static const struct vd_reader *header_of; /* whose header vd_input_csv_header gives */

void
vd_input_on_warning(void (*fn)(const char *msg))
{
	warn = fn;
}

int
vd_input_map(const char *spec)
{
	const char *p = spec, *eq, *end;

	if (!map && !(map = json_object()))
		return vd_error(VD_ENOMEM, "out of memory");
	while (*p) {
		end = p + strcspn(p, ",");
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq || eq == p || eq + 1 == end)
			return vd_error(VD_EUSAGE, "expected old=new[,old=new...], got '%s'", spec);
		{
			char *old = strndup(p, (size_t)(eq - p));

			if (!old || json_object_set_new(map, old, json_stringn(eq + 1, (size_t)(end - eq - 1)))) {
				free(old);
				return vd_error(VD_ENOMEM, "out of memory");
			}
			free(old);
		}
		p = *end ? end + 1 : end;
	}
	return VD_OK;
}

/* name as --map renames it */
static const char *
mapped(const char *name)
{
	json_t *to = name && map ? json_object_get(map, name) : NULL;

	return to ? json_string_value(to) : name;
}

static int
known(const char *name)
{
	size_t k;

	for (k = 0; name && vocabulary[k]; k++)
		if (strcmp(name, vocabulary[k]) == 0)
			return 1;
	return 0;
}

/* [A-Za-z_][A-Za-z0-9_]* */
static int
identifier(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	while (*++s)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

const char *
vd_input_csv_header(size_t *len)
{
	if (!header_of || !header_of->header_raw)
		return NULL;
	*len = header_of->header_rawlen;
	return header_of->header_raw;
}

int
vd_informat_parse(const char *name)
{
	static const char *const names[] = { "auto", "text", "jsonl", "csv" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	if (strcmp(name, "json") == 0)
		return VD_IN_JSONL;
	return -1;
}

struct vd_reader *
vd_reader_new(FILE *in, enum vd_informat fmt, const char *const *text_fields)
{
	struct vd_reader *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->in = in;
	r->fmt = fmt;
	r->text_fields = text_fields;
	return r;
}

void
vd_reader_free(struct vd_reader *r)
{
	if (!r)
		return;
	if (r->csv_ready)
		csv_free(&r->csv);
	json_decref(r->obj);
	vd_json1_free(r->each);
	json_decref(r->header);
	json_decref(r->fields);
	if (header_of == r)
		header_of = NULL;
	free(r->header_raw);
	free(r->line);
	free(r->raw);
	free(r);
}

int
vd_reader_idle(struct vd_reader *r)
{
	struct pollfd p = { .fd = fileno(r->in), .events = POLLIN };

	if (r->eof || r->pending)
		return 0;
#ifdef __GLIBC__
	if (r->in->_IO_read_ptr < r->in->_IO_read_end)
		return 0;      /* stdio holds input already read */
#else
	return 1;          /* cannot tell: never keep a reply waiting */
#endif
	return poll(&p, 1, 0) == 0;
}

static int
grow(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	char *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(p = realloc(*buf, n)))
		return -1;
	*buf = p;
	*cap = n;
	return 0;
}

volatile long vd_input_line;

/* Read one physical line (newline kept) into r->line, at most VD_MAX_LINE
 * bytes of it: the rest of an overlong line is read and dropped so memory
 * stays bounded whatever the input. Returns 0, VD_EOF, VD_EREAD or VD_ENOMEM.
 * A piece at a time by fgets (memchr and memcpy over stdio's buffer), not
 * a byte at a time by getc: 4,800 instructions a line of 220 bytes, 4%
 * of vasdom-ask --record. fgets does not say how many bytes it read, and
 * a line may hold NUL bytes (check_line rejects them): the piece is
 * filled with newlines first, so the NUL fgets ends it with is the last
 * one (no byte it reads follows a newline). */
#define PIECE 1024

static int
read_line(struct vd_reader *r)
{
	char drop[PIECE + 1], *p;
	size_t room, got;

	r->linelen = 0;
	r->overlong = 0;
	if (r->eof)
		return VD_EOF;
	for (;;) {
		if ((room = VD_MAX_LINE - r->linelen) > 0) {
			if (room > PIECE)
				room = PIECE;
			if (grow(&r->line, &r->linecap, r->linelen + room + 1))
				return vd_error(VD_ENOMEM, "out of memory");
			p = r->line + r->linelen;
		} else {
			room = PIECE;
			p = drop;
		}
		memset(p, '\n', room + 1);
		if (!fgets(p, (int)room + 1, r->in)) {
			r->eof = 1;
			break;
		}
		got = (size_t)((char *)memrchr(p, '\0', room + 1) - p);
		if (p == drop)
			r->overlong |= got > 0;
		else
			r->linelen += got;
		if (got > 0 && p[got - 1] == '\n')
			break;
	}
	if (ferror(r->in))
		return vd_error(VD_EREAD, "read error: %s", strerror(errno));
	if (r->linelen == 0 && !r->overlong)
		return VD_EOF;
	if (grow(&r->line, &r->linecap, r->linelen + 1))
		return vd_error(VD_ENOMEM, "out of memory");
	r->line[r->linelen] = 0;
	/* a byte-order mark (Excel's "CSV UTF-8") is no part of the first field */
	if (r->lineno == 0 && r->linelen >= 3 && memcmp(r->line, "\xEF\xBB\xBF", 3) == 0) {
		memmove(r->line, r->line + 3, r->linelen - 2);
		r->linelen -= 3;
	}
	vd_input_line = ++r->lineno;
	return VD_OK;
}

static int
raw_add(struct vd_reader *r)
{
	if (grow(&r->raw, &r->rawcap, r->rawlen + r->linelen + 1))
		return vd_error(VD_ENOMEM, "out of memory");
	memcpy(r->raw + r->rawlen, r->line, r->linelen);
	r->rawlen += r->linelen;
	r->raw[r->rawlen] = 0;
	return VD_OK;
}

/* The line without its line ending. */
static size_t
content_len(const char *s, size_t n)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

static int
blank(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	return n == 0;
}

/* NUL bytes, bad UTF-8 and overlong lines are rejected before any parser
 * sees them. */
static int
check_line(struct vd_reader *r)
{
	if (r->overlong)
		return vd_error(VD_EINPUT, "line longer than %d bytes", VD_MAX_LINE);
	if (memchr(r->line, 0, r->linelen))
		return vd_error(VD_EINPUT, "NUL byte in input");
	if (!vd_utf8_valid(r->line, r->linelen))
		return vd_error(VD_EINPUT, "invalid UTF-8");
	return VD_OK;
}

static void
begin_record(struct vd_reader *r, struct vd_record *rec)
{
	json_decref(r->obj);
	r->obj = NULL;
	r->rawlen = 0;
	rec->obj = NULL;
	rec->line = r->lineno + 1;
	rec->raw = "";
	rec->rawlen = 0;
}

static void
finish_record(struct vd_reader *r, struct vd_record *rec)
{
	rec->obj = r->obj;
	rec->raw = r->raw ? r->raw : "";
	rec->rawlen = r->rawlen;
}

static int
text_record(struct vd_reader *r)
{
	const char *const *f = r->text_fields;
	const char *p = r->line, *q, *end = r->line + content_len(r->line, r->linelen);
	size_t i;

	r->obj = json_object();
	for (i = 0; f && f[i]; i++, p = q) {
		if (i > 0)
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
		q = end;
		if (f[i + 1])
			for (q = p; q < end && *q != ' ' && *q != '\t'; q++)
				;
		if (q == p && i > 0)
			break;
		json_object_set_new(r->obj, f[i], json_stringn(p, (size_t)(q - p)));
	}
	return VD_OK;
}

int
vd_json_object(const char *s, size_t n, json_t **out)
{
	json_error_t e;

	if (!(*out = json_loadb(s, n, 0, &e)))
		return vd_error(VD_EINPUT, "broken JSON at column %d: %s", e.column, e.text);
	if (!json_is_object(*out))
		return vd_error(VD_EINPUT, "expected a JSON object");
	return VD_OK;
}

static int
jsonl_record(struct vd_reader *r)
{
	size_t n = content_len(r->line, r->linelen);
	const char *old;
	json_t *v;
	int rc;

	if (!r->each_tried) {
		r->each = vd_json1_new();
		r->each_tried = 1;
	}
	if ((rc = vd_json1_object(r->each, r->line, n, &r->obj)) == 1)
		rc = vd_json_object(r->line, n, &r->obj);
	if (rc)
		return rc;
	json_object_foreach(map, old, v)
		if (json_object_get(r->obj, old)) {
			json_object_set(r->obj, json_string_value(v), json_object_get(r->obj, old));
			json_object_del(r->obj, old);
		}
	return VD_OK;
}

/* libcsv callbacks: collect fields, mark the end of a row. */
static void
csv_field(void *s, size_t len, void *data)
{
	struct vd_reader *r = data;

	json_array_append_new(r->fields, s && len ? json_stringn(s, len) : json_null());
}

static void
csv_row(int c, void *data)
{
	(void)c;
	((struct vd_reader *)data)->row_done = 1;
}

static int
csv_start(struct vd_reader *r)
{
	if (csv_init(&r->csv, CSV_APPEND_NULL) != 0)
		return vd_error(VD_ENOMEM, "out of memory");
	r->csv_ready = 1;
	r->fields = json_array();
	return VD_OK;
}

/* Say once what is wrong with a CSV header: columns not recognised (a
 * warning: unknown fields are ignored), and the column the records need
 * missing (fatal: VD_EREAD, the stream cannot be read as records, rather
 * than the same error on every row).
 * VD_EOF when the header serves: it is not a record. */
static int
check_header(struct vd_reader *r)
{
	const char *need = r->text_fields ? r->text_fields[0] : NULL, *name;
	char *unknown = NULL, *all = NULL;
	size_t i, n = json_array_size(r->header), ul = 0, al = 0;
	FILE *u = open_memstream(&unknown, &ul), *a = open_memstream(&all, &al);
	int have = !need, nu = 0, rc = VD_EOF;

	if (!u || !a) {
		if (u)
			fclose(u);
		if (a)
			fclose(a);
		free(unknown);
		free(all);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		name = json_string_value(json_array_get(r->header, i));
		fprintf(a, "%s%s", i ? ", " : "", name);
		if (need && (strcmp(name, need) == 0 || strcmp(name, "log_id") == 0))
			have = 1;
		if (!known(name))
			fprintf(u, "%s%s", nu++ ? ", " : "", name);
	}
	fclose(u);
	fclose(a);
	if (!have)
		rc = vd_error(VD_EREAD, "line %ld: CSV header has no column %s (its columns: %s);"
		    " rename columns with --map old=new[,old=new...]", r->lineno, need, all);
	else if (nu && warn) {
		char *msg;

		if (asprintf(&msg, "line %ld: CSV header: not recognised, ignored: %s"
		    " (rename columns with --map old=new[,old=new...])", r->lineno, unknown) >= 0) {
			warn(msg);
			free(msg);
		}
	}
	free(unknown);
	free(all);
	return rc;
}

/* Turn the parsed row into a record, the first row being the header. */
static int
csv_take_row(struct vd_reader *r)
{
	size_t i, n = json_array_size(r->fields);
	int rc = VD_OK;

	r->row_done = 0;
	if (!r->header) {
		for (i = 0; i < n; i++)
			if (!json_is_string(json_array_get(r->fields, i)))
				rc = vd_error(VD_EINPUT, "CSV header has an empty column name");
			else
				json_array_set_new(r->fields, i, json_string(mapped(
				    json_string_value(json_array_get(r->fields, i)))));
		r->header = r->fields;
		r->fields = json_array();
		free(r->header_raw);
		if ((r->header_raw = malloc(r->rawlen + 1))) {
			memcpy(r->header_raw, r->raw, r->rawlen);
			r->header_rawlen = r->rawlen;
			header_of = r;
		}
		return rc ? rc : check_header(r);
	}
	if (n != json_array_size(r->header))
		rc = vd_error(VD_EINPUT, "CSV row has %zu fields, the header has %zu",
		    n, json_array_size(r->header));
	else {
		r->obj = json_object();
		for (i = 0; i < n; i++)
			json_object_set(r->obj, json_string_value(json_array_get(r->header, i)),
			    json_array_get(r->fields, i));
	}
	json_array_clear(r->fields);
	return rc;
}

/* Drop the row being parsed and start the parser afresh. */
static void
csv_restart(struct vd_reader *r)
{
	csv_free(&r->csv);
	r->csv_ready = 0;
	json_decref(r->fields);
	r->fields = NULL;
	csv_start(r);
}

/* Is the number of double quotes in s odd? Inside a quoted field it is,
 * with "" escapes counting twice. */
static int
quotes_odd(const char *s, size_t n)
{
	int odd = 0;

	while (n--)
		odd ^= *s++ == '"';
	return odd;
}

static int
csv_next(struct vd_reader *r, struct vd_record *rec)
{
	int rc;

	for (;;) {
		if (!r->pending && (rc = read_line(r)) != VD_OK) {
			if (rc != VD_EOF)
				return rc;
			if (r->rawlen == 0)
				return VD_EOF;
			/* an unterminated last row or an open quote */
			if (csv_fini(&r->csv, csv_field, csv_row, r) != 0)
				rc = vd_error(VD_EINPUT, "CSV quote not closed");
			else if (r->row_done)
				rc = csv_take_row(r);
			else
				rc = vd_error(VD_EINPUT, "CSV record not finished");
			finish_record(r, rec);
			r->rawlen = 0;
			return rc == VD_EOF ? VD_EOF : rc;
		}
		r->pending = 0;
		if (r->skip_quoted) {
			/* the rest of a record rejected as too long: read, not kept,
			 * up to the line that closes its quoted field */
			r->skip_quoted ^= quotes_odd(r->line, r->linelen);
			continue;
		}
		if (r->rawlen == 0)
			rec->line = r->lineno;
		/* a record of many lines (an open quote) is held to the same
		 * limit as one line, so memory stays bounded */
		if (r->rawlen > 0 && r->rawlen + r->linelen > VD_MAX_LINE) {
			r->skip_quoted = quotes_odd(r->raw, r->rawlen) ^ quotes_odd(r->line, r->linelen);
			rc = vd_error(VD_EINPUT, "CSV record longer than %d bytes", VD_MAX_LINE);
			csv_restart(r);
			finish_record(r, rec);
			r->rawlen = 0;
			return rc;
		}
		if ((rc = raw_add(r)))
			return rc;
		if ((rc = check_line(r)) != VD_OK) {
			/* drop the row; restart the parser so the next line is clean */
			csv_restart(r);
			finish_record(r, rec);
			r->rawlen = 0;
			return rc;
		}
		if (csv_parse(&r->csv, r->line, r->linelen, csv_field, csv_row, r) != r->linelen) {
			rc = vd_error(VD_EINPUT, "CSV: %s", csv_strerror(csv_error(&r->csv)));
			finish_record(r, rec);
			r->rawlen = 0;
			return rc;
		}
		if (!r->row_done) {
			if (blank(r->raw, r->rawlen) && json_array_size(r->fields) == 0)
				r->rawlen = 0;
			continue;
		}
		rc = csv_take_row(r);
		finish_record(r, rec);
		r->rawlen = 0;
		if (rc != VD_EOF)
			return rc;
	}
}

/* Auto-detection looks at the first non-blank line: a JSON object, a CSV
 * header made only of known field names, or else plain text. */
static int
detect(struct vd_reader *r)
{
	struct csv_parser p;
	json_t *save;
	size_t i, n;
	int rc, all_known = 1, all_ident = 1;

	do {
		if ((rc = read_line(r)) != VD_OK)
			return rc;
	} while (r->fmt != VD_IN_TEXT && blank(r->line, r->linelen) && !r->eof);
	r->pending = 1;
	if (r->line[strspn(r->line, " \t")] == '{') {
		r->fmt = VD_IN_JSONL;
		return VD_OK;
	}
	r->fmt = VD_IN_TEXT;
	if (!memchr(r->line, ',', r->linelen) && !blank(r->line, r->linelen)) {
		/* a one-column header still counts when it is a field name */
		n = content_len(r->line, r->linelen);
		{
			char *one = strndup(r->line, n);

			if (one && known(mapped(one)))
				r->fmt = VD_IN_CSV;
			free(one);
		}
		return VD_OK;
	}
	if (csv_init(&p, CSV_APPEND_NULL))
		return VD_OK;
	save = r->fields;
	r->fields = json_array();
	csv_parse(&p, r->line, r->linelen, csv_field, csv_row, r);
	csv_fini(&p, csv_field, csv_row, r);
	csv_free(&p);
	r->row_done = 0;
	n = json_array_size(r->fields);
	/* every name known (after --map), or two or more names that are all
	 * identifiers (user_message,ai_response): a header, not a line of
	 * text; check_header then says what is wrong with it */
	for (i = 0; i < n; i++) {
		const char *name = json_string_value(json_array_get(r->fields, i));

		all_known &= known(mapped(name));
		all_ident &= identifier(name);
	}
	json_decref(r->fields);
	r->fields = save;
	if (n > 0 && (all_known || (n > 1 && all_ident)))
		r->fmt = VD_IN_CSV;
	return VD_OK;
}

int
vd_reader_next(struct vd_reader *r, struct vd_record *rec)
{
	int rc;

	begin_record(r, rec);
	if (r->fmt == VD_IN_AUTO && (rc = detect(r)) != VD_OK)
		return rc;
	if (r->fmt == VD_IN_CSV) {
		if (!r->csv_ready && (rc = csv_start(r)))
			return rc;
		return csv_next(r, rec);
	}
	for (;;) {
		if (!r->pending && (rc = read_line(r)) != VD_OK)
			return rc;
		r->pending = 0;
		rec->line = r->lineno;
		if (r->fmt == VD_IN_JSONL && blank(r->line, r->linelen) && !r->overlong)
			continue;
		break;
	}
	r->rawlen = 0;
	if ((rc = raw_add(r)))
		return rc;
	finish_record(r, rec);
	if ((rc = check_line(r)) != VD_OK)
		return rc;
	rc = r->fmt == VD_IN_JSONL ? jsonl_record(r) : text_record(r);
	finish_record(r, rec);
	return rc;
}
