/* Backups of the database while it is in use. */
#ifndef VD_BACKUP_H
#define VD_BACKUP_H

#include <sqlite3.h>
#include <jansson.h>

/* Write a copy of db to path: VACUUM INTO a temporary file beside it
 * (mode 0600), made in one read transaction, so it is the database as
 * one moment's commits left it while writers go on (WAL); the copy holds
 * no free pages, so nothing deleted before survives in it. The copy is
 * checked with PRAGMA integrity_check, synced, and renamed over path.
 * *out gets a record: backup (path), bytes, exchanges, ratings (counted
 * in the copy), schema_version, integrity ("ok"), created_at; the caller
 * decrefs it. VD_EDB when the copy cannot be made or is not sound (then
 * path is left as it was). */
int vd_backup(sqlite3 *db, const char *path, json_t **out);

#endif
