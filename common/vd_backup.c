#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vd_backup.h"
#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"

/* Check the copy at tmp and describe it into rec. */
static int
check_copy(const char *tmp, json_t *rec)
{
	static const char *const counts[][2] = {
		{ "exchanges", "SELECT count(*) FROM exchanges" },
		{ "ratings", "SELECT count(*) FROM ratings" },
		{ "schema_version", "PRAGMA user_version" },
	};
	sqlite3 *c = NULL;
	sqlite3_stmt *st;
	const char *res;
	long long v;
	size_t i;
	int rc = VD_OK;

	if (sqlite3_open_v2(tmp, &c, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = vd_error(VD_EDB, "backup: %s", c ? sqlite3_errmsg(c) : "cannot open the copy");
		goto out;
	}
	if ((rc = vd_db_prepare(c, "PRAGMA integrity_check", &st)))
		goto out;
	res = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (!res || strcmp(res, "ok"))
		rc = vd_error(VD_EDB, "backup: integrity check of the copy: %s",
		    res ? res : sqlite3_errmsg(c));
	sqlite3_finalize(st);
	if (rc)
		goto out;
	json_object_set_new(rec, "integrity", json_string("ok"));
	for (i = 0; i < sizeof counts / sizeof *counts; i++) {
		if ((rc = vd_db_int(c, counts[i][1], NULL, &v)))
			goto out;
		json_object_set_new(rec, counts[i][0], json_integer(v));
	}
out:
	sqlite3_close(c);
	return rc;
}

static int
sync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
vd_backup(sqlite3 *db, const char *path, json_t **out)
{
	json_t *rec = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	char *tmp, now[32];
	int fd, rc;

	*out = NULL;
	if (!(tmp = malloc(strlen(path) + 32)))
		return vd_error(VD_ENOMEM, "out of memory");
	sprintf(tmp, "%s.%ld.tmp", path, (long)getpid());
	/* VACUUM INTO writes into an empty file that exists: ours, 0600 */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = vd_error(VD_EDB, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	close(fd);
	if (!(rec = json_object())) {
		rc = vd_error(VD_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = vd_db_prepare(db, "VACUUM INTO ?", &st)))
		goto fail;
	sqlite3_bind_text(st, 1, tmp, -1, SQLITE_STATIC);
	if ((rc = vd_db_step_done(db, st)) || (rc = check_copy(tmp, rec)))
		goto fail;
	if (sync_file(tmp) || stat(tmp, &sb) || rename(tmp, path)) {
		rc = vd_error(VD_EDB, "%s: %s", path, strerror(errno));
		goto fail;
	}
	json_object_set_new(rec, "backup", json_string(path));
	json_object_set_new(rec, "bytes", json_integer((json_int_t)sb.st_size));
	json_object_set_new(rec, "created_at", json_string(vd_now_iso(now)));
	free(tmp);
	*out = rec;
	return VD_OK;
fail:
	unlink(tmp);
	free(tmp);
	json_decref(rec);
	return rc;
}
