/* Export lineage: the log ids each recorded export wrote (export_lineage,
 * schema 6), so that forgetting an exchange can name the files that hold
 * it. The ids are gathered while the rows are written, from both threads
 * of a parallel export, into a temporary file per side (train, valid), so
 * an export of any size still runs in constant memory; they are stored as
 * blobs of varint deltas, in chunks, a byte or two an id. */
#ifndef VD_LINEAGE_H
#define VD_LINEAGE_H

#include <sqlite3.h>

struct vd_lineage;

/* A new, empty lineage; VD_ENOMEM, or VD_EUSAGE when no temporary file
 * can be made. Free with vd_lineage_free. */
int vd_lineage_new(struct vd_lineage **out);
void vd_lineage_free(struct vd_lineage *l);

/* Note that id was written to side (0: train or the only file, 1:
 * valid); safe from several threads. VD_EUSAGE on a write error. */
int vd_lineage_add(struct vd_lineage *l, int side, long long id);

/* Store the ids of side as the lineage of training_datasets row
 * dataset_id, in the caller's transaction. VD_EDB on a database error. */
int vd_lineage_store(sqlite3 *db, struct vd_lineage *l, int side, long long dataset_id);

/* For each recorded export that wrote any of the n log ids (ascending),
 * call fn with its dataset id and how many of them it wrote. VD_EDB on a
 * database error, VD_ENOMEM; a non-zero return of fn stops and is passed
 * on. */
typedef int vd_lineage_fn(long long dataset_id, long long count, void *arg);
int vd_lineage_find(sqlite3 *db, const long long *ids, size_t n, vd_lineage_fn *fn,
    void *arg);

#endif
