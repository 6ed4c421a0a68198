/* The export formats: one encoder each, in one table. A new format is
 * one entry there (vd_export_fmt.c); -f, the usage and help of
 * vasdom-export, the completions (which ask vasdom-export -h), file
 * names, --validate and the recorded name all come from the table. */
#ifndef VD_EXPORT_FMT_H
#define VD_EXPORT_FMT_H

#include <stdio.h>
#include <jansson.h>

#include "vd_export.h"
#include "vd_export_rows.h"

enum {
	VD_ENC_JSON = 1 << 0,    /* rows' texts come as JSON values */
	VD_ENC_SYSTEM = 1 << 1   /* takes --system */
};

struct vd_export_encoder {
	const char *name;             /* -f name */
	const char *alias;            /* another name -f takes, or NULL */
	const char *ext;              /* of file names: "jsonl", "csv" */
	const char *help;             /* its lines of vasdom-export -h */
	enum vd_export_source rows;   /* which exchanges */
	unsigned flags;               /* VD_ENC_* */
	unsigned fields;              /* VD_ROW_* it reads */
	unsigned meta_fields;         /* VD_ROW_* it reads with o->metadata */
	/* the lines before the first row (a CSV header), or NULL; -1 on a
	 * write error */
	int (*header)(FILE *f, const struct vd_export_opts *o);
	/* one row; -1 on a write error */
	int (*row)(FILE *f, const struct vd_export_row *r, const struct vd_export_opts *o);
	/* --validate: check one line, already a JSON object; -1 with a
	 * message in err (errlen bytes) when it is wrong. NULL: not checkable */
	int (*validate)(json_t *line, char *err, size_t errlen);
	const char *const *keys;      /* an object with one of these looks like it */
	int min_examples;             /* a valid file has at least this many */
};

/* The i-th format from 0, the first the default; NULL past the last. */
const struct vd_export_encoder *vd_export_encoder_at(size_t i);

/* The format named name (or its alias); NULL when unknown. */
const struct vd_export_encoder *vd_export_encoder_find(const char *name);

/* The checkable format a JSON object looks like: the first whose keys it
 * has, else the first checkable one. */
const struct vd_export_encoder *vd_export_encoder_guess(json_t *obj);

/* Is ext (without the dot) the extension of some format? */
int vd_export_ext_known(const char *ext);

#endif
