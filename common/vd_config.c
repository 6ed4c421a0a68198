#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vd_config.h"
#include "vd_error.h"
#include "vd_http.h"

int
vd_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return VD_EUSAGE;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return VD_EUSAGE;
	*out = v;
	return VD_OK;
}

int
vd_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return VD_EUSAGE;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return VD_EUSAGE;
	*out = v;
	return VD_OK;
}

/* The first of the named variables that is set and not empty. */
static const char *
env2(const char *name, const char *old)
{
	const char *v = getenv(name);

	if ((!v || !*v) && old)
		v = getenv(old);
	return v && *v ? v : NULL;
}

static int
env_long(const char *name, const char *old, long min, long max, long *out)
{
	const char *v = env2(name, old);

	if (v && vd_parse_int(v, min, max, out))
		return vd_error(VD_EUSAGE, "%s: expected a whole number from %ld to %ld, got '%s'",
		    getenv(name) ? name : old, min, max, v);
	return VD_OK;
}

static int
env_int(const char *name, const char *old, long min, long max, int *out)
{
	long n = *out;
	int rc = env_long(name, old, min, max, &n);

	*out = (int)n;
	return rc;
}

static int
env_double(const char *name, const char *old, double min, double max, double *out)
{
	const char *v = env2(name, old);

	if (!v)
		return VD_OK;
	if (vd_parse_double(v, min, max, out))
		return vd_error(VD_EUSAGE, "%s: expected a number from %g to %g, got '%s'",
		    getenv(name) ? name : old, min, max, v);
	return VD_OK;
}

int
vd_config_redact_store(void)
{
	const char *v = env2("VASDOM_REDACT_STORE", NULL);

	return v && strcmp(v, "1") == 0;
}

int
vd_config_load(struct vd_config *c)
{
	const char *v;
	int rc = 0;

	memset(c, 0, sizeof *c);
	c->min_rating = 4;
	c->retrain_threshold = 3.5;
	c->eval_days = 7;
	c->eval_min_rated = 100;
	c->min_similarity = 0.25;  /* see README: measured on rutube-faq */
	c->min_confidence = 0.5;   /* README: 0.7 of the answers given right on rutube-faq */
	c->llm_model = "gpt-4o-mini";
	c->llm_timeout = 30;
	c->embed_timeout = 30;
	c->busy_timeout_ms = 30000;
	c->export_parallel_min = -1;
	c->index_delta_max = -1;
	c->index_candidates = -1;
	c->tmpdir = getenv("TMPDIR");
	if (!c->tmpdir || !*c->tmpdir)
		c->tmpdir = "/tmp";

	c->db_path = env2("VASDOM_DB", NULL);
	c->rules_path = env2("VASDOM_RULES", NULL);
	c->confidence_model = env2("VASDOM_CONFIDENCE_MODEL", NULL);
	c->profile_path = env2("VASDOM_PROFILE", NULL);
	c->llm_url = env2("VASDOM_LLM_URL", NULL);
	c->llm_key = env2("VASDOM_LLM_KEY", "OPENAI_API_KEY");
	if ((v = env2("VASDOM_LLM_MODEL", NULL)))
		c->llm_model = v;
	c->embed_url = env2("VASDOM_EMBED_URL", NULL);
	c->embed_key = env2("VASDOM_EMBED_KEY", NULL);
	c->embed_model = env2("VASDOM_EMBED_MODEL", NULL);
	c->serve_token = env2("VASDOM_SERVE_TOKEN", NULL);
	if ((v = env2("VASDOM_INSECURE", NULL)))
		c->insecure = strcmp(v, "1") == 0;

	/* a privacy setting mistyped must not quietly store texts unmasked */
	if ((v = env2("VASDOM_REDACT_STORE", NULL)) && strcmp(v, "0") && strcmp(v, "1"))
		rc = vd_error(VD_EUSAGE, "VASDOM_REDACT_STORE: expected 0 or 1, got '%s'", v);
	c->redact_store = vd_config_redact_store();

	/* a URL that cannot work is said at the start, not as a model error on
	 * every question */
	if (c->llm_url && !rc)
		rc = vd_url_check("VASDOM_LLM_URL", c->llm_url);
	if (c->embed_url && !rc)
		rc = vd_url_check("VASDOM_EMBED_URL", c->embed_url);
	rc = rc ? rc : env_int("VASDOM_MIN_RATING", "MIN_RATING_THRESHOLD", 1, 5, &c->min_rating);
	rc = rc ? rc : env_double("VASDOM_RETRAIN_THRESHOLD", "RETRAINING_THRESHOLD", 1, 5, &c->retrain_threshold);
	rc = rc ? rc : env_int("VASDOM_EVAL_DAYS", "EVALUATION_SCHEDULE_DAYS", 1, 3650, &c->eval_days);
	rc = rc ? rc : env_int("VASDOM_EVAL_MIN_RATED", NULL, 1, INT_MAX, &c->eval_min_rated);
	rc = rc ? rc : env_double("VASDOM_MIN_SIMILARITY", NULL, 0, 1, &c->min_similarity);
	rc = rc ? rc : env_double("VASDOM_MIN_CONFIDENCE", NULL, 0, 1, &c->min_confidence);
	rc = rc ? rc : env_double("VASDOM_LLM_TIMEOUT", NULL, 0.001, 3600, &c->llm_timeout);
	rc = rc ? rc : env_double("VASDOM_EMBED_TIMEOUT", NULL, 0.001, 3600, &c->embed_timeout);
	rc = rc ? rc : env_int("VASDOM_EMBED_SEED", NULL, 0, 255, &c->embed_seed);
	rc = rc ? rc : env_int("VASDOM_BUSY_TIMEOUT", NULL, 0, INT_MAX, &c->busy_timeout_ms);
	rc = rc ? rc : env_long("VASDOM_EXPORT_PARALLEL_MIN", NULL, 0, LONG_MAX, &c->export_parallel_min);
	rc = rc ? rc : env_long("VASDOM_INDEX_DELTA_MAX", NULL, 0, LONG_MAX, &c->index_delta_max);
	rc = rc ? rc : env_long("VASDOM_INDEX_CANDIDATES", NULL, 0, 1L << 30, &c->index_candidates);
	rc = rc ? rc : env_int("VASDOM_INDEX_PORTABLE", NULL, 0, 1, &c->index_portable);
	return rc;
}

static int
mkdir_p(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

char *
vd_config_default_db(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char dir[PATH_MAX], *out;

	if (xdg && *xdg == '/')
		snprintf(dir, sizeof dir, "%s/vasdom", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.local/share/vasdom", home);
	else {
		vd_error(VD_EDB, "no database: set VASDOM_DB, XDG_DATA_HOME or HOME");
		return NULL;
	}
	if (mkdir_p(dir)) {
		vd_error(VD_EDB, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (!(out = malloc(strlen(dir) + sizeof "/vasdom.db"))) {
		vd_error(VD_ENOMEM, "out of memory");
		return NULL;
	}
	sprintf(out, "%s/vasdom.db", dir);
	return out;
}
