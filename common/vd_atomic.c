#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vd_atomic.h"
#include "vd_error.h"

#define MAX_OPEN 8
#define BUFSIZE (1 << 20)

struct vd_atomic {
	char *path, *tmp;
	FILE *f;
	char *buf;
	int slot;
};

/* The temporary names, for vd_atomic_unlink_all from a signal handler. */
static char *volatile open_tmp[MAX_OPEN];

void
vd_atomic_unlink_all(void)
{
	int i;

	for (i = 0; i < MAX_OPEN; i++)
		if (open_tmp[i])
			unlink(open_tmp[i]);
}

static void
release(struct vd_atomic *a)
{
	if (a->slot >= 0)
		open_tmp[a->slot] = NULL;
	free(a->path);
	free(a->tmp);
	free(a->buf);
	free(a);
}

int
vd_atomic_open(const char *path, struct vd_atomic **out)
{
	struct vd_atomic *a = calloc(1, sizeof *a);
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	int fd, i;

	*out = NULL;
	if (!a)
		return vd_error(VD_ENOMEM, "out of memory");
	a->slot = -1;
	if (!*path || (slash && !slash[1])) {
		free(a);
		return vd_error(VD_EUSAGE, "%s: not a file name", path);
	}
	/* hidden, next to the target, so rename(2) stays in one file system */
	a->path = strdup(path);
	a->tmp = malloc(strlen(path) + 16);
	a->buf = malloc(BUFSIZE);
	if (!a->path || !a->tmp || !a->buf) {
		release(a);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	sprintf(a->tmp, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
	if ((fd = mkstemp(a->tmp)) < 0) {
		int e = errno;

		release(a);
		return vd_error(VD_EUSAGE, "%s: cannot create: %s", path, strerror(e));
	}
	fchmod(fd, 0600);
	for (i = 0; i < MAX_OPEN; i++)
		if (!open_tmp[i]) {
			open_tmp[i] = a->tmp;
			a->slot = i;
			break;
		}
	if (!(a->f = fdopen(fd, "w"))) {
		close(fd);
		vd_atomic_abort(a);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	setvbuf(a->f, a->buf, _IOFBF, BUFSIZE);
	*out = a;
	return VD_OK;
}

FILE *
vd_atomic_file(struct vd_atomic *a)
{
	return a->f;
}

int
vd_atomic_commit(struct vd_atomic *a)
{
	int bad, e;

	bad = fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0;
	e = errno;
	bad |= fclose(a->f) != 0;
	a->f = NULL;
	if (!bad && rename(a->tmp, a->path) == 0) {
		release(a);
		return VD_OK;
	}
	if (!bad)
		e = errno;
	vd_error(VD_EUSAGE, "%s: %s", a->path, e ? strerror(e) : "write error");
	unlink(a->tmp);
	release(a);
	return VD_EUSAGE;
}

void
vd_atomic_abort(struct vd_atomic *a)
{
	if (!a)
		return;
	if (a->f)
		fclose(a->f);
	unlink(a->tmp);
	release(a);
}
