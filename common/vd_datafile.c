#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include "vd_datafile.h"
#include "vd_error.h"

#ifndef VD_DATADIR
#define VD_DATADIR "/usr/local/share/vasdom"
#endif

/* The installed file: beside the running binary's installation
 * (BINDIR/../share/vasdom, so an installation moved with DESTDIR or built
 * for another PREFIX still finds its own), else the compiled-in DATADIR. */
static FILE *
open_installed(const char *name, char *path, size_t size)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;
	FILE *f;

	if (n > 0) {
		exe[n] = 0;
		if ((slash = strrchr(exe, '/')))
			*slash = 0;
		snprintf(path, size, "%s/../share/vasdom/%s", exe, name);
		if ((f = fopen(path, "r")))
			return f;
	}
	snprintf(path, size, "%s/%s", VD_DATADIR, name);
	return fopen(path, "r");
}

int
vd_datafile_read(const char *path, const char *name, char **buf, size_t *len,
    char **used)
{
	char installed[4200];
	size_t cap = 0, k;
	FILE *f;
	int rc;

	*buf = NULL;
	*len = 0;
	if (used)
		*used = NULL;
	if (!path) {
		if (!(f = open_installed(name, installed, sizeof installed)))
			return VD_OK;
		path = installed;
	} else if (!(f = fopen(path, "r")))
		return vd_error(VD_EDB, "%s: %s", path, strerror(errno));
	do {
		if (*len + 4096 > cap) {
			char *p;

			cap = cap ? cap * 2 : 8192;
			if (cap > VD_DATAFILE_MAX + 8192 || !(p = realloc(*buf, cap))) {
				free(*buf);
				*buf = NULL;
				fclose(f);
				return vd_error(VD_EUSAGE, "%s: too large", path);
			}
			*buf = p;
		}
		k = fread(*buf + *len, 1, cap - *len - 1, f);
		*len += k;
	} while (k > 0);
	rc = ferror(f) ? vd_error(VD_EDB, "%s: %s", path, strerror(errno)) : VD_OK;
	fclose(f);
	/* the installed file by its plain name, not BINDIR/../share */
	if (rc == VD_OK && used && !(path == installed && (*used = realpath(path, NULL))) &&
	    !(*used = strdup(path)))
		rc = vd_error(VD_ENOMEM, "out of memory");
	if (rc != VD_OK) {
		free(*buf);
		*buf = NULL;
		return rc;
	}
	(*buf)[*len] = 0;
	return VD_OK;
}

int
vd_datafile_load(const char *path, const char *name, const char *builtin,
    const char *builtin_name,
    int (*parse)(const char *text, size_t len, const char *name, void *out), void *out)
{
	char *buf, *used;
	size_t len;
	int rc;

	if ((rc = vd_datafile_read(path, name, &buf, &len, &used)))
		return rc;
	if (!buf)
		return parse(builtin, strlen(builtin), builtin_name, out);
	rc = parse(buf, len, used, out);
	free(buf);
	free(used);
	return rc;
}

int
vd_datafile_lines(const char *text, size_t len, const char *name,
    int (*line)(void *ctx, char *s, const char *name, long lineno), void *ctx)
{
	const char *p = text, *end = text + len, *nl;
	char *s = NULL;
	long lineno = 0;
	int rc = VD_OK;

	while (p < end && rc == VD_OK) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		lineno++;
		if (memchr(p, 0, n)) {
			rc = vd_error(VD_EUSAGE, "%s:%ld: NUL byte", name, lineno);
			break;
		}
		free(s);
		if (!(s = strndup(p, n))) {
			rc = vd_error(VD_ENOMEM, "out of memory");
			break;
		}
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			s[--n] = 0;
		p = nl ? nl + 1 : end;
		if (s[strspn(s, " \t")] != '#' && s[strspn(s, " \t")] != 0)
			rc = line(ctx, s, name, lineno);
	}
	free(s);
	return rc;
}
