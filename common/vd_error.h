/* Error reporting shared by the library: functions return a status code and
 * leave a one-line description (lowercase, no full stop) for the caller. */
#ifndef VD_ERROR_H
#define VD_ERROR_H

enum vd_status {
	VD_EOF = -1,       /* no more input */
	VD_OK = 0,
	VD_EINPUT = 1,     /* this input record is wrong; others may go on */
	VD_EUSAGE = 2,     /* the call itself is wrong (an option, a file name) */
	VD_EDB = 3,        /* database or configuration error: stop */
	VD_ENOTFOUND = 4,  /* the thing asked for does not exist */
	VD_EREMOTE = 5,    /* a remote service failed (HTTP, timeout, parse) */
	VD_ENOMEM = 6,     /* out of memory */
	VD_EREAD = 7,      /* reading an input stream or file failed */
	VD_EWRITE = 8      /* writing the output failed (full disk, closed pipe) */
};
/* Each status has one exit status in the binaries: cli_exit_status() in
 * cmd/cli.c. */

/* Record the current error text (printf-style); returns code for chaining. */
int vd_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The last error text; valid until the next vd_error call. */
const char *vd_errmsg(void);

#endif
