#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vd_atomic.h"
#include "vd_error.h"

#define MAX_OPEN 8
#define BUFSIZE (1 << 20)
/* a temporary younger than this may be one just created and not yet
 * locked: never swept */
#define STALE_SECONDS 10

struct vd_atomic {
	char *path, *tmp;   /* tmp NULL: written directly (not a regular file) */
	FILE *f;
	char *buf;
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

/* The folder part of path ("" or ending in '/') and its length. */
static size_t
dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) + 1 : 0;
}

/* Is name (in a folder) a temporary of base: ".BASE.XXXXXX" (then *pid is
 * 0) or "BASE.PID.tmp" (the names of earlier versions)? */
static int
is_tmp_of(const char *name, const char *base, long *pid)
{
	size_t n = strlen(base), i;
	char *end;

	*pid = 0;
	if (name[0] == '.' && strncmp(name + 1, base, n) == 0 && name[n + 1] == '.' &&
	    strlen(name + n + 2) == 6) {
		for (i = n + 2; name[i]; i++)
			if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
			    (name[i] >= '0' && name[i] <= '9')))
				return 0;
		return 1;
	}
	if (strncmp(name, base, n) || name[n] != '.' || name[n + 1] < '1' || name[n + 1] > '9')
		return 0;
	*pid = strtol(name + n + 1, &end, 10);
	return strcmp(end, ".tmp") == 0 && *pid > 0;
}

void
vd_tmp_sweep(const char *path, int old_names)
{
	size_t dl = dir_len(path);
	char dir[PATH_MAX], file[PATH_MAX];
	const char *base = path + dl;
	struct dirent *e;
	DIR *d;
	long pid;

	if (dl >= sizeof dir || !*base)
		return;
	snprintf(dir, sizeof dir, "%.*s", (int)(dl ? dl : 1), dl ? path : ".");
	if (!(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		struct stat sb;
		int fd;

		if (!is_tmp_of(e->d_name, base, &pid) ||
		    snprintf(file, sizeof file, "%.*s%s", (int)dl, path, e->d_name) >= (int)sizeof file)
			continue;
		if (pid && !old_names)
			continue;
		if (pid) {
			if (kill((pid_t)pid, 0) && errno == ESRCH && lstat(file, &sb) == 0 &&
			    S_ISREG(sb.st_mode))
				unlink(file);
			continue;
		}
		if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
			continue;
		/* in use when its writer holds the lock */
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_mtime < time(NULL) - STALE_SECONDS && flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlink(file);
		close(fd);
	}
	closedir(d);
}

int
vd_tmp_create(const char *path, char **name)
{
	size_t dl = dir_len(path);
	sigset_t all, old;
	char *tmp;
	int fd, i, e;

	*name = NULL;
	if (!(tmp = malloc(strlen(path) + 16))) {
		vd_error(VD_ENOMEM, "out of memory");
		return -1;
	}
	/* hidden, next to the target, so rename(2) stays in one file system */
	sprintf(tmp, "%.*s.%s.XXXXXX", (int)dl, path, path + dl);
	vd_tmp_sweep(path, 0);
	/* a signal that comes between creating the file and naming it in
	 * open_tmp would leave it behind: it waits until both are done */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* mkostemp: O_CREAT|O_EXCL, so never through a planted link */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		e = errno;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		free(tmp);
		vd_error(VD_EUSAGE, "%s: cannot create: %s", path, strerror(e));
		return -1;
	}
	for (i = 0; i < MAX_OPEN; i++)
		if (!open_tmp[i]) {
			open_tmp[i] = tmp;
			break;
		}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	flock(fd, LOCK_EX | LOCK_NB);
	*name = tmp;
	return fd;
}

void
vd_tmp_forget(char *name)
{
	int i;

	if (!name)
		return;
	for (i = 0; i < MAX_OPEN; i++)
		if (open_tmp[i] == name)
			open_tmp[i] = NULL;
	free(name);
}

static void
release(struct vd_atomic *a)
{
	vd_tmp_forget(a->tmp);
	free(a->path);
	free(a->buf);
	free(a);
}

/* path as an absolute name whose folder has no links: the folder's real
 * path and the last component as given. NULL when the folder is not there. */
static char *
canonical(const char *path)
{
	size_t dl = dir_len(path);
	char dir[PATH_MAX], *real, *out;

	snprintf(dir, sizeof dir, "%.*s", (int)(dl ? dl : 1), dl ? path : ".");
	if (!(real = realpath(dir, NULL)))
		return NULL;
	if (asprintf(&out, "%s/%s", real, path + dl) < 0)
		out = NULL;
	free(real);
	return out;
}

/* Is path the database db or one of the files SQLite keeps beside it? */
static int
is_database(const char *path, const char *db)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	struct stat t, s;
	char *cp, *cd, name[PATH_MAX];
	int i, same = 0, there = stat(path, &t) == 0;

	if (!db || !*db)
		return 0;
	cp = canonical(path);
	cd = canonical(db);
	for (i = 0; i < 4 && !same; i++) {
		snprintf(name, sizeof name, "%s%s", db, suffix[i]);
		if (there && stat(name, &s) == 0 && s.st_dev == t.st_dev && s.st_ino == t.st_ino)
			same = 1;
		snprintf(name, sizeof name, "%s%s", cd ? cd : "", suffix[i]);
		if (cp && cd && strcmp(cp, name) == 0)
			same = 1;
	}
	free(cp);
	free(cd);
	return same;
}

/* Open a target that is not a regular file (a device, a FIFO): written in
 * place, since replacing it would turn it into a regular file. */
static int
open_direct(struct vd_atomic *a)
{
	int fd = open(a->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return vd_error(VD_EUSAGE, "%s: %s", a->path, strerror(errno));
	if (!(a->f = fdopen(fd, "w"))) {
		close(fd);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	return VD_OK;
}

int
vd_atomic_open(const char *path, const char *db, int mode, struct vd_atomic **out)
{
	struct vd_atomic *a;
	struct stat sb, lsb;
	int fd, rc;

	*out = NULL;
	if (!*path || path[strlen(path) - 1] == '/')
		return vd_error(VD_EUSAGE, "%s: not a file name", path);
	if (is_database(path, db))
		return vd_error(VD_EUSAGE, "%s: is the database; refusing to write over it", path);
	if (!(a = calloc(1, sizeof *a)))
		return vd_error(VD_ENOMEM, "out of memory");
	/* a link to a regular file: the file is replaced, the link stays */
	if (lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode) && stat(path, &sb) == 0 &&
	    S_ISREG(sb.st_mode))
		a->path = realpath(path, NULL);
	else
		a->path = strdup(path);
	if (!a->path || !(a->buf = malloc(BUFSIZE))) {
		release(a);
		return vd_error(VD_ENOMEM, "out of memory");
	}
	/* (a folder fails at the rename) */
	if (stat(a->path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
		if ((rc = open_direct(a))) {
			release(a);
			return rc;
		}
	} else {
		if ((fd = vd_tmp_create(a->path, &a->tmp)) < 0) {
			release(a);
			return VD_EUSAGE;
		}
		if (mode != 0600) {
			mode_t mask = umask(0);

			umask(mask);
			fchmod(fd, (mode_t)mode & ~mask);
		}
		if (!(a->f = fdopen(fd, "w"))) {
			close(fd);
			vd_atomic_abort(a);
			return vd_error(VD_ENOMEM, "out of memory");
		}
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

	bad = fflush(a->f) != 0 || ferror(a->f) || (a->tmp && fsync(fileno(a->f)) != 0);
	e = errno;
	/* renamed before it is closed: the lock marks it in use until then */
	if (!bad && a->tmp) {
		if (rename(a->tmp, a->path)) {
			bad = 1;
			e = errno;
		} else {
			vd_tmp_forget(a->tmp);
			a->tmp = NULL;
		}
	}
	if (fclose(a->f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	a->f = NULL;
	if (!bad) {
		release(a);
		return VD_OK;
	}
	vd_error(VD_EWRITE, "%s: %s", a->path, e ? strerror(e) : "write error");
	if (a->tmp)
		unlink(a->tmp);
	release(a);
	return VD_EWRITE;
}

void
vd_atomic_abort(struct vd_atomic *a)
{
	if (!a)
		return;
	if (a->f)
		fclose(a->f);
	if (a->tmp)
		unlink(a->tmp);
	release(a);
}
