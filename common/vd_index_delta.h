/* The change log of the search cache (index_changes, schema 4): shared by
 * the cache file's code (vd_index.c) and the delta read beside it
 * (vd_index_delta.c). Not for the binaries: they call vd_index_load. */
#ifndef VD_INDEX_DELTA_H
#define VD_INDEX_DELTA_H

#include <sqlite3.h>

#include "vd_index.h"

/* The effective rating of exchange x: a correction counts 5. */
#define VD_INDEX_RATING "iif(x.correction IS NOT NULL, 5, coalesce(x.rating, 0))"


/* Read the changes after seq (the mapped file's) into ix->delta and mask
 * their entries in ix->main. 0: done; -1: the file must be built again
 * (too many changes, the log pruned past seq, a database error), and ix
 * is as it was. */
int vd_index_delta_load(struct vd_index *ix, sqlite3 *db, long long seq);

/* Record that ix's cache file is at seq and drop the log rows every
 * model's file still within a delta's reach has read. Best effort: a busy
 * or read-only database only costs a later rebuild, so no error. */
void vd_index_cursor_set(sqlite3 *db, const struct vd_index *ix, long long seq);

#endif
