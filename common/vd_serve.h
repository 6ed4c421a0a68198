/* The old service's HTTP API as library calls, with no HTTP in them:
 * each endpoint of vasdom-serve makes a status and a body here from the
 * same functions the command-line tools print from, so a body is the
 * line the matching tool prints (a JSON text and a newline). */
#ifndef VD_SERVE_H
#define VD_SERVE_H

#include <stddef.h>
#include <sqlite3.h>

#include "vd_answer.h"
#include "vd_config.h"

#define VD_SERVE_BODY_MAX (64 * 1024)   /* bytes of a request body */

/* What one worker thread answers with: its own connection and asker
 * (SQLite connections are not shared between threads). */
struct vd_serve_ctx {
	sqlite3 *db;
	struct vd_asker *asker;
	const struct vd_config *cfg;   /* db_path set */
	const char *embed_model;       /* the statistics' embedding model */
};

struct vd_serve_reply {
	int status;                    /* HTTP status */
	const char *type;              /* Content-Type */
	char *body;                    /* malloc'd, len bytes */
	size_t len;
};

/* Open a worker's context over cfg->db_path (cfg and embed_model must
 * outlive it). VD_EDB or VD_ENOMEM with vd_errmsg set. */
int vd_serve_ctx_open(const struct vd_config *cfg, const char *rules_path,
    const char *embed_model, struct vd_serve_ctx **out);
void vd_serve_ctx_free(struct vd_serve_ctx *c);

/* The endpoints. Each fills r (r->body the caller frees) and never
 * fails: an error is a reply {"error": "..."} with the tools' text and
 * a status: 400 bad input, 404 unknown log id, 503 database. */
void vd_serve_process(struct vd_serve_ctx *c, const char *body, size_t len,
    struct vd_serve_reply *r);
void vd_serve_feedback(struct vd_serve_ctx *c, const char *body, size_t len,
    struct vd_serve_reply *r);
void vd_serve_stats(struct vd_serve_ctx *c, struct vd_serve_reply *r);
void vd_serve_metrics(struct vd_serve_ctx *c, struct vd_serve_reply *r);
/* GET /api/learning/similar/{log_id}?limit=&min_score=&min_rating=:
 * the hits vasdom-similar prints for the log id, as a JSON array (empty
 * when none); each member NULL when not given. 400 for a log id that is
 * not one or a bad parameter, 404 for an unknown log id or no vectors. */
struct vd_serve_similar_query {
	const char *log_id, *limit, *min_score, *min_rating;
};
void vd_serve_similar(struct vd_serve_ctx *c, const struct vd_serve_similar_query *q,
    struct vd_serve_reply *r);
/* Needs no context: it opens the database itself, as vasdom-stats
 * --health does. 200 unless unhealthy (503). */
void vd_serve_health(const struct vd_config *cfg, struct vd_serve_reply *r);

/* An error reply: {"error": msg} and a newline. */
void vd_serve_error(struct vd_serve_reply *r, int status, const char *msg);
/* A JSON reply of obj (stolen) and a newline, status 200. */
void vd_serve_json(struct vd_serve_reply *r, json_t *obj);

/* A query parameter v (NULL: not given, *out unchanged) from min to
 * max into *out: 0, or -1 with r the 400 reply naming it, in the words
 * of the tools' options ("NAME: expected a whole number from 1 to 5,
 * got 'x'"). */
int vd_serve_param_int(const char *name, const char *v, long min, long max, long *out,
    struct vd_serve_reply *r);
int vd_serve_param_double(const char *name, const char *v, double min, double max,
    double *out, struct vd_serve_reply *r);

/* The HTTP status of a library status code. */
int vd_serve_status(int rc);

#endif
