#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_export.h"
#include "vd_export_fmt.h"
#include "vd_export_rows.h"
#include "vd_lineage.h"
#include "vd_serve_export.h"

struct vd_serve_stream {
	pthread_t thread;
	int fd;                        /* the pipe's reading end */
	FILE *out;                     /* its writing end, the thread's */
	const struct vd_config *cfg;
	struct vd_export_opts o;
	char since[VD_DATE_LEN];
	int failed;                    /* the export failed: set before out closes */
	int joined;                    /* the thread is done with */
};

#define FOUND 100   /* a row: there is something to export */

static int
any_row(const struct vd_export_row *r, void *arg)
{
	return FOUND;
}

/* The export, as vasdom-export writes it to standard output, and its
 * record in training_datasets. */
static void *
run(void *arg)
{
	struct vd_serve_stream *s = arg;
	char name[64], stamp[VD_DATE_LEN];
	long long counts[2];
	sqlite3 *db;
	int rc;

	/* the log ids written, as vasdom-export keeps them: vasdom-log
	 * --forget names this export among those that held what it removes */
	if ((rc = vd_lineage_new(&s->o.lineage)) == VD_OK &&
	    (rc = vd_db_open(s->cfg->db_path, s->cfg->busy_timeout_ms, &db)) == VD_OK) {
		rc = vd_export_run(db, s->cfg, &s->o, s->out, NULL, counts);
		if (fflush(s->out) || ferror(s->out))
			rc = VD_EWRITE;
		snprintf(name, sizeof name, "%s-%s", s->o.format->name, vd_now_iso(stamp));
		if (rc == VD_OK)
			rc = vd_export_record(db, name, s->o.format, counts[0], s->o.min_rating,
			    NULL, s->o.lineage, 0, NULL);
		vd_db_close(db);
	}
	vd_lineage_free(s->o.lineage);
	s->o.lineage = NULL;
	s->failed = rc != VD_OK;
	fclose(s->out);
	return NULL;
}

void
vd_serve_export_start(struct vd_serve_ctx *c, const struct vd_serve_export_query *q,
    struct vd_serve_stream **out, const char **type, struct vd_serve_reply *r)
{
	struct vd_serve_stream *s;
	long days = 0, min_rating = c->cfg->min_rating, max = 0;
	int fds[2], rc;
	char msg[160];

	*out = NULL;
	if (!(s = calloc(1, sizeof *s))) {
		vd_serve_error(r, 500, "out of memory");
		return;
	}
	s->cfg = c->cfg;
	s->o.format = vd_export_encoder_at(0);
	if (q->format && !(s->o.format = vd_export_encoder_find(q->format))) {
		snprintf(msg, sizeof msg, "format: unknown format '%.40s'", q->format);
		vd_serve_error(r, 400, msg);
		goto fail;
	}
	if (vd_serve_param_int("days", q->days, 1, 36500, &days, r) ||
	    vd_serve_param_int("min_rating", q->min_rating, 1, 5, &min_rating, r) ||
	    vd_serve_param_int("max", q->max, 1, 1000000000, &max, r))
		goto fail;
	s->o.min_rating = (int)min_rating;
	s->o.max = max;
	s->o.metadata = 1;
	s->o.pair_similarity = 0.5;
	if (days)
		s->o.since = vd_date_days_ago(days, s->since);
	rc = vd_export_rows_each(c->db, c->cfg, &s->o, vd_export_since(&s->o),
	    vd_export_until(&s->o), any_row, NULL);
	if (rc == VD_OK)
		rc = vd_export_nothing(&s->o);
	if (rc != FOUND) {
		vd_serve_error(r, vd_serve_status(rc), vd_errmsg());
		goto fail;
	}
	if (pipe2(fds, O_CLOEXEC)) {
		vd_serve_error(r, 503, strerror(errno));
		goto fail;
	}
	s->fd = fds[0];
	if (!(s->out = fdopen(fds[1], "w"))) {
		close(fds[1]);
		close(fds[0]);
		vd_serve_error(r, 500, "out of memory");
		goto fail;
	}
	if (pthread_create(&s->thread, NULL, run, s)) {
		fclose(s->out);
		close(s->fd);
		vd_serve_error(r, 503, "cannot start the export");
		goto fail;
	}
	*type = strcmp(s->o.format->ext, "csv") == 0 ? "text/csv; charset=utf-8"
	    : strcmp(s->o.format->ext, "jsonl") == 0 ? "application/x-ndjson"
	    : "text/plain; charset=utf-8";
	*out = s;
	return;
fail:
	free(s);
}

ssize_t
vd_serve_stream_read(struct vd_serve_stream *s, char *buf, size_t n)
{
	ssize_t got;

	do
		got = read(s->fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got > 0)
		return got;
	if (got < 0)
		return -1;
	/* the end: the thread has set failed before closing its end */
	pthread_join(s->thread, NULL);
	s->joined = 1;
	return s->failed ? -1 : 0;
}

void
vd_serve_stream_free(struct vd_serve_stream *s)
{
	if (!s)
		return;
	close(s->fd);
	if (!s->joined)
		pthread_join(s->thread, NULL);
	free(s);
}
