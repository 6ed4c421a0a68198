/* Data files an operator may replace (the intent rules, the profile): the
 * file named by a flag or variable, else the installed one, else the
 * caller's built-in copy. */
#ifndef VD_DATAFILE_H
#define VD_DATAFILE_H

#include <stddef.h>

#define VD_DATAFILE_MAX (16u << 20)  /* bytes read at most */

/* Read the file at path whole into *buf, NUL-terminated, *len bytes
 * before the NUL. With path NULL, the installed file called name: beside
 * the running binary's installation (BINDIR/../share/vasdom/NAME), else in
 * the compiled-in DATADIR; when there is none, *buf is NULL and the result
 * VD_OK (the caller uses its built-in copy). *used gets the path read,
 * malloc'd, or NULL. *buf and *used are the caller's to free. Errors name
 * the file: VD_EDB when it cannot be read, VD_EUSAGE when it is larger
 * than VD_DATAFILE_MAX. */
int vd_datafile_read(const char *path, const char *name, char **buf, size_t *len,
    char **used);

/* Parse the file read as above, or with none, builtin under the name
 * builtin_name: parse(text, len, name, out) as the data file's parser. */
int vd_datafile_load(const char *path, const char *name, const char *builtin,
    const char *builtin_name,
    int (*parse)(const char *text, size_t len, const char *name, void *out), void *out);

/* Call line(ctx, s, name, lineno) for each line of text that is neither
 * blank nor a comment (# its first non-blank), s being a NUL-terminated
 * copy without the end of line and trailing blanks (leading blanks kept),
 * until one returns other than VD_OK: its result. A NUL byte is VD_EUSAGE
 * naming name and line. */
int vd_datafile_lines(const char *text, size_t len, const char *name,
    int (*line)(void *ctx, char *s, const char *name, long lineno), void *ctx);

#endif
