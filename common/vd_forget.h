/* Forgetting exchanges for good (a resident's deletion request, or the
 * retention period): the rows, everything derived from them, and the
 * deleted text itself in the database file and its log. */
#ifndef VD_FORGET_H
#define VD_FORGET_H

#include <sqlite3.h>
#include <jansson.h>

#include "vd_log.h"

/* Delete the exchanges f selects (f->match unused) in one transaction,
 * with their rating history, vectors, vector and search-cache change-log
 * rows and search index entries (the export lineage keeps their bare log
 * ids, which are never reused, so a later forget still names the exports
 * that held them); every search cache file
 * of the database is removed (the next search builds it again), and the
 * search index is merged so no deleted word stays in it. With
 * secure_delete the freed space is overwritten; the write-ahead log is
 * then checkpointed and truncated. *out gets a record: dry_run, exchanges
 * (how many), log_ids, ratings, embeddings, vector_changes, index_changes,
 * search_caches (files removed), exports (the recorded exports that held
 * any of them: dataset_id, name, format, path, created_at, exchanges) and
 * wal_truncated (false when a reader kept the log from being emptied).
 * With dry_run nothing changes. The caller decrefs *out. */
int vd_forget(sqlite3 *db, const struct vd_log_filter *f, int dry_run, json_t **out);

#endif
