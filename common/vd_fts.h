/* Full-text search over the exchanges (schema 6): an FTS5 index of the
 * Snowball stems of each question, answer and correction, made by
 * vd_text_words, so that a search for "уборка" finds "уборки" and
 * "уборку" as every other comparison of questions in vasdom does. */
#ifndef VD_FTS_H
#define VD_FTS_H

#include <sqlite3.h>

/* Index the exchanges queued in text_changes (written, changed or
 * migrated since the last call), in batches of one transaction each, so
 * writers are held up for a batch at most. *done gets how many were
 * indexed. VD_EDB on a database error (a read-only file among them). */
int vd_fts_sync(sqlite3 *db, long long *done);

/* The FTS5 query for text: its stems (function words left out, as in the
 * index), each quoted, all required. A malloc'd string the caller frees,
 * or NULL with VD_EUSAGE when text has no word to look for (VD_ENOMEM
 * when out of memory). */
int vd_fts_query(const char *text, char **match);

#endif
