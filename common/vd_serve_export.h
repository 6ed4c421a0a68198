/* GET /api/learning/export: the bytes of vasdom-export, streamed. The
 * export runs in a thread of its own, on a connection of its own, into a
 * pipe the server reads as the client takes them, so an export of any
 * size runs in constant memory. */
#ifndef VD_SERVE_EXPORT_H
#define VD_SERVE_EXPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "vd_serve.h"

/* The query of the request, each NULL when not given. */
struct vd_serve_export_query {
	const char *format, *days, *min_rating, *max;
};

struct vd_serve_stream;

/* Check the query and that there is something to export (on c's
 * connection), then start the export. On success *out is the stream and
 * *type its Content-Type; otherwise r holds the error reply (400 for a
 * bad parameter, 404 when nothing is to export, 503) and *out is NULL. */
void vd_serve_export_start(struct vd_serve_ctx *c, const struct vd_serve_export_query *q,
    struct vd_serve_stream **out, const char **type, struct vd_serve_reply *r);

/* Up to n bytes of the export into buf: how many, 0 at its end, -1 when
 * the export failed (the reply must then be cut short, not completed). */
ssize_t vd_serve_stream_read(struct vd_serve_stream *s, char *buf, size_t n);

/* Stop reading (the export thread sees a closed pipe and ends), wait for
 * the thread and free s. */
void vd_serve_stream_free(struct vd_serve_stream *s);

#endif
