#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd_db.h"
#include "vd_error.h"
#include "vd_exchange.h"
#include "vd_health.h"
#include "vd_input.h"
#include "vd_prom.h"
#include "vd_reply.h"
#include "vd_serve.h"
#include "vd_similar.h"
#include "vd_stats.h"

/* The flags vd_writer_put dumps a JSON line with: the same bytes. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(6))

int
vd_serve_ctx_open(const struct vd_config *cfg, const char *rules_path,
    const char *embed_model, struct vd_serve_ctx **out)
{
	struct vd_serve_ctx *c = calloc(1, sizeof *c);
	int rc;

	*out = NULL;
	if (!c)
		return vd_error(VD_ENOMEM, "out of memory");
	c->cfg = cfg;
	c->embed_model = embed_model;
	if ((rc = vd_db_open(cfg->db_path, cfg->busy_timeout_ms, &c->db)) ||
	    (rc = vd_asker_open(c->db, cfg, rules_path, &c->asker))) {
		vd_serve_ctx_free(c);
		return rc;
	}
	*out = c;
	return VD_OK;
}

void
vd_serve_ctx_free(struct vd_serve_ctx *c)
{
	if (!c)
		return;
	vd_asker_free(c->asker);
	vd_db_close(c->db);
	free(c);
}

/* The 400 of a parameter out of range, in the words of cli_int and
 * cli_double: "NAME: expected RANGE, got 'V'". */
static int
bad_param(struct vd_serve_reply *r, const char *name, const char *range, const char *v)
{
	char msg[200];

	snprintf(msg, sizeof msg, "%s: expected %s, got '%.40s'", name, range, v);
	vd_serve_error(r, 400, msg);
	return -1;
}

int
vd_serve_param_int(const char *name, const char *v, long min, long max, long *out,
    struct vd_serve_reply *r)
{
	char range[96];

	if (!v || vd_parse_int(v, min, max, out) == VD_OK)
		return 0;
	snprintf(range, sizeof range, "a whole number from %ld to %ld", min, max);
	return bad_param(r, name, range, v);
}

int
vd_serve_param_double(const char *name, const char *v, double min, double max,
    double *out, struct vd_serve_reply *r)
{
	char range[96];

	if (!v || vd_parse_double(v, min, max, out) == VD_OK)
		return 0;
	snprintf(range, sizeof range, "a number from %g to %g", min, max);
	return bad_param(r, name, range, v);
}

int
vd_serve_status(int rc)
{
	switch (rc) {
	case VD_OK: return 200;
	case VD_EINPUT: return 400;
	case VD_ENOTFOUND: return 404;
	case VD_EDB: return 503;
	default: return 500;
	}
}

static void
set_body(struct vd_serve_reply *r, int status, char *text)
{
	size_t n;

	r->status = status;
	r->type = "application/json";
	if (!text) {
		/* not even the error fits: an empty 500 rather than half a body */
		r->status = 500;
		r->body = NULL;
		r->len = 0;
		return;
	}
	n = strlen(text);
	r->body = realloc(text, n + 2);
	if (!r->body) {
		free(text);
		r->status = 500;
		r->len = 0;
		return;
	}
	r->body[n] = '\n';
	r->body[n + 1] = 0;
	r->len = n + 1;
}

void
vd_serve_json(struct vd_serve_reply *r, json_t *obj)
{
	set_body(r, 200, obj ? json_dumps(obj, DUMP_FLAGS) : NULL);
	json_decref(obj);
}

void
vd_serve_error(struct vd_serve_reply *r, int status, const char *msg)
{
	json_t *o = json_pack("{s:s}", "error", msg);

	set_body(r, status, o ? json_dumps(o, DUMP_FLAGS) : NULL);
	json_decref(o);
}

/* The body as the record a tool reads from a line of JSON. */
static int
body_record(const char *body, size_t len, struct vd_record *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->raw = body;
	rec->rawlen = len;
	return vd_json_object(body, len, &rec->obj);
}

void
vd_serve_process(struct vd_serve_ctx *c, const char *body, size_t len,
    struct vd_serve_reply *r)
{
	struct vd_record rec;
	json_t *out = NULL;
	char session[33], *msg = NULL;
	int rc;

	vd_session_new(session);
	if ((rc = body_record(body, len, &rec)) == VD_OK &&
	    (rc = vd_reply_message(&rec, &msg)) == VD_OK)
		rc = vd_reply_ask(c->db, c->asker, &rec, session, msg, VD_REPLY_SKIP_EXISTING, &out);
	if (rc == VD_OK)
		vd_serve_json(r, out);
	else
		vd_serve_error(r, vd_serve_status(rc), vd_errmsg());
	free(msg);
	json_decref(rec.obj);
}

void
vd_serve_feedback(struct vd_serve_ctx *c, const char *body, size_t len,
    struct vd_serve_reply *r)
{
	struct vd_record rec;
	json_t *out = NULL;
	int rc;

	if ((rc = body_record(body, len, &rec)) == VD_OK)
		rc = vd_reply_rate(c->db, c->cfg, &rec, 1, &out);
	if (rc == VD_OK)
		vd_serve_json(r, out);
	else
		vd_serve_error(r, vd_serve_status(rc), vd_errmsg());
	json_decref(rec.obj);
}

void
vd_serve_stats(struct vd_serve_ctx *c, struct vd_serve_reply *r)
{
	struct vd_stats s;

	if (vd_stats_collect(c->db, c->embed_model, NULL, &s))
		vd_serve_error(r, 503, vd_errmsg());
	else
		vd_serve_json(r, vd_stats_json(&s));
	vd_stats_clear(&s);
}

void
vd_serve_metrics(struct vd_serve_ctx *c, struct vd_serve_reply *r)
{
	struct vd_stats s;
	FILE *f;
	int bad;

	if (vd_stats_collect(c->db, c->embed_model, NULL, &s)) {
		vd_serve_error(r, 503, vd_errmsg());
		vd_stats_clear(&s);
		return;
	}
	r->body = NULL;
	r->len = 0;
	if (!(f = open_memstream(&r->body, &r->len))) {
		vd_serve_error(r, 500, "out of memory");
		vd_stats_clear(&s);
		return;
	}
	bad = vd_prom_write(f, &s);
	vd_stats_clear(&s);
	if (fclose(f) || bad) {
		free(r->body);
		vd_serve_error(r, 500, "out of memory");
		return;
	}
	r->status = 200;
	r->type = "text/plain; version=0.0.4; charset=utf-8";
}

void
vd_serve_similar(struct vd_serve_ctx *c, const struct vd_serve_similar_query *q,
    struct vd_serve_reply *r)
{
	struct vd_similar_opts o = { .limit = 5, .min_score = -1 };
	const char *id = q->log_id;
	long min_rating = 0;
	json_t *hits;
	char msg[80];
	int rc;

	/* vasdom-similar's test of a log id argument, and its text */
	if (!*id || id[strspn(id, "0123456789")] || strlen(id) > 18) {
		snprintf(msg, sizeof msg, "%.40s: not a log id", id);
		vd_serve_error(r, 400, msg);
		return;
	}
	if (vd_serve_param_int("limit", q->limit, 1, VD_SIMILAR_LIMIT_MAX, &o.limit, r) ||
	    vd_serve_param_double("min_score", q->min_score, -1, 1, &o.min_score, r) ||
	    vd_serve_param_int("min_rating", q->min_rating, 1, 5, &min_rating, r))
		return;
	o.min_rating = (int)min_rating;
	if ((rc = vd_similar_log_id(c->db, c->cfg, &o, atoll(id), &hits)))
		vd_serve_error(r, vd_serve_status(rc), vd_errmsg());
	else
		vd_serve_json(r, hits);
}

void
vd_serve_health(const struct vd_config *cfg, struct vd_serve_reply *r)
{
	enum vd_health_level level;
	json_t *rec;

	if (vd_health_check(cfg->db_path, cfg, 0, &rec, &level)) {
		vd_serve_error(r, 500, vd_errmsg());
		return;
	}
	vd_serve_json(r, rec);
	if (r->status == 200 && level == VD_UNHEALTHY)
		r->status = 503;
}
