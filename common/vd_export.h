/* Fine-tuning data from the rated exchanges: rows (vd_export_rows.h)
 * through the encoder of a format (vd_export_fmt.h) to one or two
 * streams. Rows stream from one SQLite query, so an export of any size
 * runs in constant memory. A correction counts as a rating of 5 with the
 * corrected text as the answer. */
#ifndef VD_EXPORT_H
#define VD_EXPORT_H

#include <stdio.h>
#include <sqlite3.h>

#include "vd_config.h"
#include "vd_lineage.h"

struct vd_export_encoder;

struct vd_export_opts {
	const struct vd_export_encoder *format;
	int min_rating;             /* well rated: at or above this */
	const char *since, *until;  /* ISO 8601 UTC, [since, until); NULL: open */
	long long max;              /* at most this many records; 0: all */
	const char *system;         /* a system message first, or NULL */
	int dedup;                  /* one record per question and answer */
	int redact;                 /* mask phones, e-mail, card numbers */
	int metadata;               /* openai: add the metadata object */
	double split;               /* share to train (0 < split < 1), or 0 */
	unsigned long long seed;    /* of the split */
	double pair_similarity;     /* pairs: least score between questions */
	struct vd_lineage *lineage; /* gets the log ids written, or NULL */
};

/* Write the selected records, newest first, to train; with a split, each
 * record goes to train or valid by a hash of the seed and its question,
 * so one question never lands on both sides. counts[0] and counts[1] get
 * the numbers written to each. VD_EWRITE on a write error, VD_EDB on a
 * database error. A large streamed export runs in two threads
 * (vd_export_par.h); the bytes are the same. The pair formats first bring
 * the vectors of rated exchanges up to date: that writes to db. */
int vd_export_run(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_export_opts *o, FILE *train, FILE *valid, long long counts[2]);

/* The error of an export that found nothing, for o's format and period:
 * VD_ENOTFOUND with vd_errmsg set. */
int vd_export_nothing(const struct vd_export_opts *o);

/* Record an export in training_datasets (path NULL for standard output),
 * with the log ids side (0 or 1, the valid file of a split) of lineage
 * gathered when lineage is not NULL, in one transaction; *id gets the row
 * id. */
int vd_export_record(sqlite3 *db, const char *name, const struct vd_export_encoder *f,
    long long count, int min_rating, const char *path, struct vd_lineage *lineage,
    int side, long long *id);

#endif
