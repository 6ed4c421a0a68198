#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "vd_date.h"
#include "vd_db.h"
#include "vd_embedder.h"
#include "vd_error.h"
#include "vd_health.h"
#include "vd_http.h"
#include "vd_profile.h"

#define PROBE_TIMEOUT 10.0      /* seconds, at most, per service */
#define PROBE_MAX_BYTES (1u << 20)

static const char *const level_names[] = { "healthy", "degraded", "unhealthy" };

static void
worse(enum vd_health_level *level, enum vd_health_level l)
{
	if (l > *level)
		*level = l;
}

static int
check_db(const char *path, int busy_ms, json_t *o, enum vd_health_level *level)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	char msg[512] = "";
	int version = -1, writable = 0;

	if (stat(path, &sb) != 0)
		snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
	else if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		snprintf(msg, sizeof msg, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
	else {
		sqlite3_busy_timeout(db, busy_ms);
		if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW)
			snprintf(msg, sizeof msg, "%s: %s", path, sqlite3_errmsg(db));
		else
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	/* writable: the write lock can be taken (nothing is written) */
	if (!*msg && !sqlite3_db_readonly(db, "main") &&
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
		writable = 1;
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	if (!*msg && version > VD_SCHEMA_VERSION)
		snprintf(msg, sizeof msg, "%s: schema version %d is newer than this program's %d",
		    path, version, VD_SCHEMA_VERSION);
	if (*msg || !writable)
		worse(level, VD_UNHEALTHY);
	else if (version != VD_SCHEMA_VERSION)
		worse(level, VD_DEGRADED);   /* the next binary to open it migrates it */
	json_object_set_new(o, "database", json_string(*msg ? "error" : "ok"));
	json_object_set_new(o, "database_error", *msg ? json_string(msg) : json_null());
	json_object_set_new(o, "writable", json_boolean(writable));
	json_object_set_new(o, "schema_version", version >= 0 ? json_integer(version) : json_null());
	json_object_set_new(o, "schema_expected", json_integer(VD_SCHEMA_VERSION));
	json_object_set_new(o, "schema_current", json_boolean(version == VD_SCHEMA_VERSION));
	return VD_OK;
}

/* GET url; "reachable", or "unreachable" with the reason in *err. */
static const char *
probe_url(char *url, const char *key, double timeout, int insecure, json_t **err)
{
	struct vd_http_reply r;
	int rc;

	if (!url) {
		*err = json_string("out of memory");
		return "unreachable";
	}
	rc = vd_http_get(url, key, timeout < PROBE_TIMEOUT ? timeout : PROBE_TIMEOUT,
	    PROBE_MAX_BYTES, insecure, &r);
	vd_http_reply_free(&r);
	free(url);
	if (rc == VD_OK)
		return "reachable";
	*err = json_string(vd_errmsg());
	return "unreachable";
}

/* The profile in use (the file read, or built-in): one that cannot be
 * read or is wrong stops vasdom-ask and vasdom-rate, so unhealthy. */
static void
check_profile(const struct vd_config *cfg, json_t *o, enum vd_health_level *level)
{
	struct vd_profile *p;

	if (vd_profile_load(cfg->profile_path, &p) == VD_OK) {
		json_object_set_new(o, "profile", json_string(p->name));
		json_object_set_new(o, "profile_error", json_null());
		vd_profile_free(p);
		return;
	}
	json_object_set_new(o, "profile", cfg->profile_path ? json_string(cfg->profile_path)
	    : json_null());
	json_object_set_new(o, "profile_error", json_string(vd_errmsg()));
	worse(level, VD_UNHEALTHY);
}

int
vd_health_check(const char *path, const struct vd_config *cfg, int probe,
    json_t **out, enum vd_health_level *level)
{
	json_t *o = json_object(), *err;
	const char *state;
	char now[32];

	*level = VD_HEALTHY;
	if (!(*out = o))
		return vd_error(VD_ENOMEM, "out of memory");
	json_object_set_new(o, "status", json_null());   /* keeps its place first */
	check_db(path, cfg->busy_timeout_ms, o, level);

	err = json_null();
	if (!cfg->llm_url) {
		state = "not_configured";
		worse(level, VD_DEGRADED);
	} else if (probe)
		state = probe_url(vd_url_join(cfg->llm_url, "models"), cfg->llm_key,
		    cfg->llm_timeout, cfg->insecure, &err);
	else
		state = "configured";
	if (strcmp(state, "unreachable") == 0)
		worse(level, VD_DEGRADED);
	json_object_set_new(o, "llm", json_string(state));
	json_object_set_new(o, "llm_model", cfg->llm_url ? json_string(cfg->llm_model) : json_null());
	json_object_set_new(o, "llm_error", err);

	err = json_null();
	if (!cfg->embed_url)
		state = "builtin";
	else if (probe)
		state = probe_url(vd_embedder_probe_url(cfg), cfg->embed_key,
		    cfg->embed_timeout, cfg->insecure, &err);
	else
		state = "configured";
	if (strcmp(state, "unreachable") == 0)
		worse(level, VD_DEGRADED);
	json_object_set_new(o, "embedder", json_string(state));
	{
		struct vd_embedder *e;

		/* the embedder's own rule for the current model's name */
		json_object_set_new(o, "embedding_model",
		    vd_embedder_open(NULL, cfg, NULL, &e) == VD_OK
		    ? json_string(vd_embedder_model(e)) : json_null());
		vd_embedder_free(e);
	}
	json_object_set_new(o, "embedder_error", err);

	check_profile(cfg, o, level);
	json_object_set_new(o, "probed", json_boolean(probe));
	json_object_set_new(o, "checked_at", json_string(vd_now_iso(now)));
	json_object_set_new(o, "status", json_string(level_names[*level]));
	return VD_OK;
}
