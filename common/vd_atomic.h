/* Output files written whole or not at all: the data goes to a temporary
 * file (mode 0600) in the target's folder, renamed over the target only
 * once everything is written and synced. A failed or interrupted run
 * leaves the target as it was. */
#ifndef VD_ATOMIC_H
#define VD_ATOMIC_H

#include <stdio.h>

struct vd_atomic;

/* Start writing path. *out is finished by vd_atomic_commit or
 * vd_atomic_abort, which both free it. VD_EUSAGE when the temporary file
 * cannot be created (missing folder, no permission). */
int vd_atomic_open(const char *path, struct vd_atomic **out);

/* The stream to write to; owned by a. */
FILE *vd_atomic_file(struct vd_atomic *a);

/* Flush, sync and rename over the target. On failure the temporary file
 * is removed and VD_EUSAGE says why. Frees a either way. */
int vd_atomic_commit(struct vd_atomic *a);

/* Remove the temporary file; the target is untouched. Frees a. */
void vd_atomic_abort(struct vd_atomic *a);

/* Remove every temporary file still open; only unlink(2), so a signal
 * handler may call it. */
void vd_atomic_unlink_all(void);

#endif
