/* The one output writer: JSON Lines (default), CSV with a header, or plain
 * text (the first column's value alone, on one line: backslash, newline,
 * carriage return and control characters written as \\, \n, \r, \xHH).
 * Records are JSON objects; CSV and text take the columns named at
 * creation, in that order. */
#ifndef VD_OUTPUT_H
#define VD_OUTPUT_H

#include <stdio.h>
#include <jansson.h>

enum vd_outformat { VD_OUT_JSONL, VD_OUT_CSV, VD_OUT_TEXT };

/* A piece of text that need not end in a NUL; s NULL for none. */
struct vd_str {
	const char *s;
	size_t len;
};

struct vd_writer;

/* columns: NULL-terminated, kept by pointer (use static arrays). Returns
 * NULL when out of memory. */
struct vd_writer *vd_writer_new(FILE *out, enum vd_outformat fmt,
    const char *const *columns);

/* Write one record; obj stays the caller's. VD_EWRITE on a write error. */
int vd_writer_put(struct vd_writer *w, json_t *obj);

/* From now on flush every record as soon as it is written, unless the
 * stream is a regular file: a program holding the binary open (a
 * coprocess, over a pipe or a socket) reads each reply at once, while a
 * bulk run into a file keeps its buffer (flushing each of 10,000 answers
 * to a file cost 8% more CPU: README). */
void vd_writer_unbuffered(struct vd_writer *w);

/* Hold the records written from now on back, in memory, until
 * vd_writer_release writes the first n bytes of them (vd_writer_held's
 * figure after the last to keep) and drops the rest: a batch's replies
 * wait for its commit as bytes, not as the 5,000 objects they were made
 * from (freeing those at once made glibc's malloc_consolidate 5% of
 * vasdom-ask --record's time). VD_ENOMEM; VD_EWRITE. */
int vd_writer_hold(struct vd_writer *w);
long vd_writer_held(const struct vd_writer *w);
int vd_writer_release(struct vd_writer *w, long n);

/* Flush and check the stream (a full disk or a closed pipe is an error),
 * then free the writer. Returns VD_OK or VD_EWRITE with vd_errmsg set. */
int vd_writer_close(struct vd_writer *w);

/* Parse jsonl|csv (and "text" when allow_text); -1 when unknown. */
int vd_outformat_parse(const char *name, int allow_text);

/* Write one line of JSON text that is already well formed (as SQLite's
 * json_object() makes it) and a newline: the fast path for streaming
 * many records. VD_EWRITE on a write error. */
int vd_write_json_line(FILE *f, const char *json, size_t len);

/* Write one JSON line: layout with, in place of each \1, the next of
 * values (null when its s is NULL), and in place of each \2 the next
 * value and a comma, or nothing when its s is NULL (an optional element
 * of an array). The values are JSON texts made by SQLite (json_quote(),
 * json_object()) or numbers and booleans: the fast path of an export,
 * whose layouts stay fixed while values change. VD_EWRITE on a write
 * error. */
int vd_jsonl_put(FILE *f, const char *layout, const struct vd_str *values);

/* The one CSV writer: every CSV cell any tool writes goes through these.
 * sep is written before the cell: ',' (or '\t' for TSV) between cells,
 * 0 for a row's first. */

/* A text cell (s NULL: an empty one), quoted by libcsv. A cell beginning
 * with =, +, -, @, tab or carriage return gets a ' first, so that a
 * spreadsheet shows it rather than run it as a formula (OWASP, CSV
 * injection; unless vd_csv_raw(1)); on a terminal, control characters
 * are shown escaped (\xHH). -1 on a write error. */
int vd_csv_put_text(FILE *f, int sep, const char *s, size_t len);

/* A cell that never needs quoting: a number, true or false, a header's
 * column name. -1 on a write error. */
int vd_csv_put_plain(FILE *f, int sep, const char *s);

/* The cell of a JSON value: strings as text, numbers and booleans plain,
 * null empty, arrays and objects as their compact JSON text. */
int vd_csv_put_value(FILE *f, int sep, json_t *v);

/* A header row of the column names, then the newline. */
int vd_csv_put_header(FILE *f, int sep, const char *const *columns);

/* Text for a person at a terminal: s with the control characters a
 * terminal would obey shown as \xHH or \u00HH; tabs and line breaks
 * kept. -1 on a write error. */
int vd_put_terminal_text(FILE *f, const char *s, size_t len);

/* --csv-raw: write cells as they are, formulas included. */
void vd_csv_raw(int raw);

#endif
