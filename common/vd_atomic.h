/* Output files written whole or not at all: the data goes to a temporary
 * file (mode 0600) in the target's folder, renamed over the target only
 * once everything is written and synced. A failed or interrupted run
 * leaves the target as it was. Only a regular file (or a new name) is
 * replaced so: a device, a FIFO or a socket is written directly, and a
 * symbolic link keeps pointing where it did (the file it names is
 * replaced). */
#ifndef VD_ATOMIC_H
#define VD_ATOMIC_H

#include <stdio.h>

struct vd_atomic;

/* Start writing path. *out is finished by vd_atomic_commit or
 * vd_atomic_abort, which both free it. VD_EUSAGE when the temporary file
 * cannot be created (missing folder, no permission), or when path is
 * the database db (or its -wal, -shm or -journal
 * file; db may be NULL). mode is that of a new file (0600 for exports;
 * the umask applies unless mode is 0600). */
int vd_atomic_open(const char *path, const char *db, int mode, struct vd_atomic **out);

/* The stream to write to; owned by a. */
FILE *vd_atomic_file(struct vd_atomic *a);

/* Flush, sync and rename over the target. On failure the temporary file
 * is removed and VD_EWRITE says why. Frees a either way. */
int vd_atomic_commit(struct vd_atomic *a);

/* Remove the temporary file; the target is untouched. Frees a. */
void vd_atomic_abort(struct vd_atomic *a);

/* A temporary file beside path, ".NAME.XXXXXX", created exclusively
 * (never through a link), mode 0600 and locked (flock) while the returned
 * descriptor is open, so that vd_tmp_sweep knows it is in use. Stale
 * temporaries of path (unlocked, older than a few seconds) are removed
 * first. *name (owned by the caller, freed by vd_tmp_forget) is kept for
 * vd_atomic_unlink_all until vd_tmp_forget. -1 (and vd_errmsg) on failure. */
int vd_tmp_create(const char *path, char **name);
void vd_tmp_forget(char *name);

/* Remove the temporaries of path left by killed processes: unlocked
 * ".NAME.XXXXXX" files, and with old_names also "NAME.PID.tmp" of
 * processes that are gone (the search cache's names in earlier versions). */
void vd_tmp_sweep(const char *path, int old_names);

/* Remove every temporary file still open; only unlink(2), so a signal
 * handler may call it. */
void vd_atomic_unlink_all(void);

#endif
