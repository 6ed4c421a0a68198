/* Fine-tuning data from the rated exchanges. The chosen rows stream from
 * one SQLite query (SQLite's json_object() writes each JSON line), so an
 * export of any size runs in constant memory. A correction counts as a
 * rating of 5 with the corrected text as the answer. */
#ifndef VD_EXPORT_H
#define VD_EXPORT_H

#include <stdio.h>
#include <sqlite3.h>

#include "vd_config.h"

enum vd_export_format {
	VD_EXPORT_OPENAI,    /* chat fine-tuning JSONL: messages + metadata */
	VD_EXPORT_CSV,       /* one exchange per row, with a header */
	VD_EXPORT_DPO,       /* OpenAI preference fine-tuning pairs */
	VD_EXPORT_TRL_DPO,   /* TRL DPO: prompt, chosen, rejected */
	VD_EXPORT_TRL_KTO    /* TRL KTO: prompt, completion, label */
};

struct vd_export_opts {
	enum vd_export_format format;
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
};

/* Parse a format name (openai or jsonl, csv, dpo, trl-dpo, trl-kto); -1
 * when unknown. */
int vd_export_format_parse(const char *name);
const char *vd_export_format_name(enum vd_export_format f);

/* The usual file name extension of a format: "jsonl" or "csv". */
const char *vd_export_format_ext(enum vd_export_format f);

/* The bounds of o's window as compared with created_at: no start is "",
 * no end "9999" (after every ISO 8601 time). */
const char *vd_export_since(const struct vd_export_opts *o);
const char *vd_export_until(const struct vd_export_opts *o);

/* Write the selected records, newest first, to train; with a split, each
 * record goes to train or valid by a hash of the seed and its question,
 * so one question never lands on both sides. counts[0] and counts[1] get
 * the numbers written to each. VD_EUSAGE on a write error, VD_EDB on a
 * database error. A large streamed export runs in two threads, each with
 * a connection of its own to db's file, the older half through a
 * temporary file in $TMPDIR (vd_export_par.c); the bytes are the same. */
int vd_export_run(sqlite3 *db, const struct vd_config *cfg,
    const struct vd_export_opts *o, FILE *train, FILE *valid, long long counts[2]);

/* Is question on the training side of a split at share split? */
int vd_export_split_train(const char *question, size_t len, unsigned long long seed,
    double split);

/* Record an export in training_datasets (path NULL for standard output);
 * *id gets the row id. */
int vd_export_record(sqlite3 *db, const char *name, enum vd_export_format f,
    long long count, int min_rating, const char *path, long long *id);

#endif
