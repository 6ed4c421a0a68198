#include <stdarg.h>
#include <stdio.h>

#include "vd_error.h"

/* per thread: the two-thread export fails on either side */
static _Thread_local char last[1024];

int
vd_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof last, fmt, ap);
	va_end(ap);
	return code;
}

const char *
vd_errmsg(void)
{
	return last;
}
