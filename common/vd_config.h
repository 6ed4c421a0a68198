/* Settings: flags (set by the binary after vd_config_load), then the
 * environment (VASDOM_* and the old service's names), then defaults. */
#ifndef VD_CONFIG_H
#define VD_CONFIG_H

struct vd_profile;

struct vd_config {
	const char *db_path;        /* NULL: default location */
	int min_rating;             /* training threshold, 1..5 */
	double retrain_threshold;   /* avg below this needs retraining */
	int eval_days;
	int eval_min_rated;
	double min_similarity;      /* experience: least score to reuse */
	double min_confidence;      /* experience: least confidence to answer */
	const char *confidence_model;  /* NULL: built in */
	const char *rules_path;     /* NULL: installed or built-in rules */
	const char *profile_path;   /* NULL: installed or built-in profile */
	const struct vd_profile *profile;  /* loaded by the binary that needs it */
	const char *llm_url, *llm_key, *llm_model;
	double llm_timeout;
	const char *embed_url, *embed_key, *embed_model;
	double embed_timeout;
	int embed_seed;             /* built-in embedder's feature hash */
	int busy_timeout_ms;
	const char *serve_token;    /* vasdom-serve's bearer token, or NULL */
	int insecure;               /* VASDOM_INSECURE=1: no TLS checks */
	int redact_store;           /* VASDOM_REDACT_STORE=1: texts stored masked */
	const char *tmpdir;         /* $TMPDIR, else /tmp */
	/* switches for the tests; -1: the built-in rule */
	long export_parallel_min;   /* exchanges from which export uses 2 threads */
	long index_delta_max;       /* changes a stale search cache may take */
	long index_candidates;      /* the 4-bit prefilter's, -1: its default, 0: none */
	int index_portable;         /* 1: the portable dot products, not AVX2 */
};

/* Fill cfg from the environment and defaults. Returns VD_EUSAGE with a
 * message naming the variable when a value is malformed. Strings point into
 * the environment: do not free. */
int vd_config_load(struct vd_config *cfg);

/* VASDOM_REDACT_STORE: 1 when set to 1 (texts stored masked), else 0.
 * For the store, which every connection opens without a vd_config;
 * vd_config_load rejects any value but 0 and 1. */
int vd_config_redact_store(void);

/* Default database path ($XDG_DATA_HOME/vasdom/vasdom.db), its folder
 * created 0700 when missing. Returns a malloc'd string the caller frees,
 * or NULL with vd_errmsg set. */
char *vd_config_default_db(void);

/* Parse helpers used for flags and variables alike; return 0 or VD_EUSAGE. */
int vd_parse_int(const char *s, long min, long max, long *out);
int vd_parse_double(const char *s, double min, double max, double *out);

#endif
