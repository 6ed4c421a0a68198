/* Checks of an exported fine-tuning file before it is uploaded: every line
 * a JSON object of the format's layout, roles in order, no empty content,
 * and (for OpenAI's formats) at least the examples OpenAI requires. */
#ifndef VD_VALIDATE_H
#define VD_VALIDATE_H

#include <stdio.h>

struct vd_export_encoder;

struct vd_validation {
	const struct vd_export_encoder *format;  /* checked against */
	long long lines;       /* lines read */
	long long examples;    /* lines that passed */
	long long errors;      /* lines that did not (and a too-small file) */
};

/* Called for each of the first problems: line from 1, or 0 for the file
 * as a whole; msg is valid during the call. */
typedef void vd_problem_fn(long long line, const char *msg, void *arg);

/* Check the JSON Lines in f against format (one with a validate
 * function, vd_export_fmt.h), or with format NULL against the layout its
 * first object looks like. fn hears of the first max_report problems;
 * all are counted in out. VD_OK once the file is read (look at
 * out->errors), VD_EREAD on a read error, VD_EUSAGE for a format that
 * cannot be checked. */
int vd_validate_file(FILE *f, const struct vd_export_encoder *format, long long max_report,
    vd_problem_fn *fn, void *arg, struct vd_validation *out);

#endif
