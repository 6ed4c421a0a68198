/* The one input reader: plain text lines, JSON Lines or CSV with a header,
 * each record a JSON object that carries its first line number and its
 * input text verbatim (for error messages and --rejects files). */
#ifndef VD_INPUT_H
#define VD_INPUT_H

#include <stdio.h>
#include <jansson.h>

#define VD_MAX_LINE (1 << 20)   /* longer input lines are rejected, not read */

enum vd_informat { VD_IN_AUTO, VD_IN_TEXT, VD_IN_JSONL, VD_IN_CSV };

struct vd_record {
	json_t *obj;        /* owned by the reader, valid until the next call */
	long line;          /* the record's first input line, from 1 */
	const char *raw;    /* the record's input, newline included */
	size_t rawlen;
};

struct vd_reader;

/* The number of the last line any reader read (0: none yet), for a signal
 * handler to say where a run stopped. */
extern volatile long vd_input_line;

/* text_fields names what a plain text line holds: the line is split on
 * blanks into them, the last one taking the rest ({"message"} keeps the
 * whole line). Returns NULL only when out of memory. Free with
 * vd_reader_free; the FILE stays the caller's. */
struct vd_reader *vd_reader_new(FILE *in, enum vd_informat fmt,
    const char *const *text_fields);
void vd_reader_free(struct vd_reader *r);

/* Next record: VD_OK, VD_EOF, or VD_EINPUT for a bad record (rec->line and
 * rec->raw set, vd_errmsg says what is wrong; the next call goes on after
 * it), or VD_EREAD for a read error, VD_ENOMEM. */
int vd_reader_next(struct vd_reader *r, struct vd_record *rec);

/* --map old=new[,old=new...]: rename fields of every record read, CSV
 * header columns and JSON keys alike (for every reader of the process).
 * VD_EUSAGE for a malformed spec. */
int vd_input_map(const char *spec);

/* Where readers send warnings (a CSV header with columns not recognised):
 * a message naming the line. */
void vd_input_on_warning(void (*fn)(const char *msg));

/* The header line, as read, of the CSV input being read (NULL when it is
 * not CSV), for a --rejects file: its rows need it first. */
const char *vd_input_csv_header(size_t *len);

/* Parse s (n bytes) as one JSON object into *out, a new reference (also
 * when it is not an object, so the caller decrefs it). VD_EINPUT with the
 * reason a JSON Lines record would be rejected for. */
int vd_json_object(const char *s, size_t n, json_t **out);

/* Would the next call wait for input? True when nothing is buffered and
 * the stream has nothing ready (never for a regular file): a caller that
 * batches records answers those it holds before it waits, so a program
 * holding the binary open as a coprocess gets its reply. */
int vd_reader_idle(struct vd_reader *r);

/* Parse a format name (auto, text, jsonl, csv); -1 when unknown. */
int vd_informat_parse(const char *name);

#endif
