/* vasdom-stats: learning statistics, health and the periodic evaluation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vd_atomic.h"
#include "vd_chart.h"
#include "vd_date.h"
#include "vd_db.h"
#include "vd_embedder.h"
#include "vd_error.h"
#include "vd_eval.h"
#include "vd_health.h"
#include "vd_prom.h"
#include "vd_review.h"
#include "vd_stats.h"

#define EXIT_RETRAIN 4      /* --evaluate: the model needs retraining */
#define CHART_DAYS 14

static const char usage_line[] =
    "usage: vasdom-stats [-d db] [-f jsonl|csv|prometheus] [--csv-raw] [-o file]\n"
    "                    [--days n] [--by day|week|topic | --chart]\n"
    "       vasdom-stats --evaluate [--days n] [--dry-run] [-d db] [-f jsonl|csv]\n"
    "                    [-o file]\n"
    "       vasdom-stats --health [--probe] [--profile file] [-d db] [-f jsonl|csv]\n"
    "                    [-o file]\n";

static const char about[] =
    "Print the learning statistics as one record: total_interactions, rated,\n"
    "avg_rating (null when none), positive_ratings (rated 4-5), negative_ratings\n"
    "(1-2; 3 is neither), improvement_rate (share of the exchanges of the last\n"
    "24 hours rated 4-5, 0 when none), rating_coverage (rated / total), embedded\n"
    "and embedding_coverage (exchanges with a vector of the current embedding\n"
    "model), embedding_model, last_learning_update (the last rating, vector or\n"
    "model fit), answers_llm, answers_experience, answers_intent, answers_default,\n"
    "answers_record, rating_1..rating_5, model_errors (language model failures),\n"
    "prompt_tokens and completion_tokens (the models' token counts, summed) and\n"
    "tokens_by_model (the same per language model).\n"
    "Ratings are as given: a correction does not change them here.\n";

enum { O_BY = CLI_LONG, O_CHART, O_EVALUATE, O_DRY_RUN, O_HEALTH, O_PROBE, O_PROFILE, O_DAYS };

static const struct cli_opt opts[] = {
	{ O_BY, "by", "day|week|topic",
	    "day or week: one record per day or week with exchanges,\n"
	    "oldest first: period (the day, or the Monday of the week,\n"
	    "UTC) and the counts above but the embedding and 24-hour\n"
	    "figures; topic: one record per intent topic (the rule the\n"
	    "question matches; topic null: none) and per gap cluster of\n"
	    "vasdom-review --gaps (its questions asked at all, answered\n"
	    "well or not): kind (intent or gap), topic (the gap's\n"
	    "question), cluster, total_interactions, rated,\n"
	    "avg_rating, positive_ratings, negative_ratings, handovers\n"
	    "(default or hand-over answers), handover_share" },
	{ O_CHART, "chart", NULL, "Unicode bar charts for a terminal: the ratings 1-5 and the\n"
	    "average rating of each of the last 14 days" },
	{ O_EVALUATE, "evaluate", NULL, "evaluate the model on the exchanges of the last\n"
	    "VASDOM_EVAL_DAYS days (7): with fewer than\n"
	    "VASDOM_EVAL_MIN_RATED rated (100), reason insufficient_data;\n"
	    "else avg_rating, user_satisfaction (positive / rated),\n"
	    "rating_coverage, overall_quality (excellent: avg >= 4.0 and\n"
	    "satisfaction >= 0.7; good: 3.5, 0.6; acceptable: 3.0, 0.5;\n"
	    "poor: avg >= 2.5; else very_poor) and requires_retraining\n"
	    "(avg below VASDOM_RETRAIN_THRESHOLD, 3.5); the record is\n"
	    "stored in model_metrics for the model (VASDOM_LLM_MODEL when\n"
	    "VASDOM_LLM_URL is set, else offline); exit 4 when the model\n"
	    "needs retraining, so cron can run\n"
	    "vasdom-stats --evaluate || vasdom-export ..." },
	{ O_DRY_RUN, "dry-run", NULL, "with --evaluate: store nothing" },
	{ O_HEALTH, "health", NULL, "check the database (there, readable, writable, schema\n"
	    "current; never created or migrated) and the language model\n"
	    "and embedding services (configured): status healthy,\n"
	    "degraded (no language model, a service not answering, an\n"
	    "older schema) or unhealthy (the database cannot be used)" },
	{ O_PROBE, "probe", NULL, "with --health: also GET {base}/models of each service\n"
	    "(Ollama /api/tags for an /api/embed URL), 10 s at most" },
	{ O_PROFILE, "profile", "file", "with --health: the profile to check (VASDOM_PROFILE)" },
	{ O_DAYS, "days", "n", "only the exchanges of the last n days (--chart: the days\n"
	    "shown; --evaluate: the period)" },
	CLI_OPT_DB,
	{ 'f', "format", "format",
	    "output: jsonl (default), csv, or prometheus (the statistics\n"
	    "in the Prometheus text format, metrics vasdom_*, for\n"
	    "node_exporter's textfile collector)" },
	CLI_OPT_CSV_RAW,
	{ 'o', "output", "file",
	    "write to file (atomically, mode 0600; prometheus: as the\n"
	    "umask allows) instead of stdout (-); a device or FIFO is\n"
	    "written directly, the database is refused" },
	CLI_OPT_END
};

static const struct cli_tool tool = {
	usage_line, about, opts,
	"Exit status: 0 success (--health: healthy); 1 --health found the\n"
	"installation degraded, or a write error; 2 usage error; 3 database or\n"
	"configuration error (--health: unhealthy); 4 --evaluate found that the model\n"
	"needs retraining.\n"
};

enum mode { SUMMARY, SERIES, TOPICS, CHART, EVALUATE, HEALTH };

static struct {
	enum mode mode;
	int weekly, dry_run, probe, profile, prometheus, outformat;
	long days;
	const char *output;
} opt = { .outformat = VD_OUT_JSONL };

static void
set_mode(enum mode m, const char *name)
{
	if (opt.mode != SUMMARY && opt.mode != m)
		die(2, "%s: only one of --by, --chart, --evaluate and --health", name);
	opt.mode = m;
}

static int
put_record(FILE *out, const char *const *columns, json_t *rec)
{
	struct vd_writer *w = vd_writer_new(out, opt.outformat, columns);
	int rc;

	if (!w || !rec)
		die(3, "out of memory");
	rc = vd_writer_put(w, rec);
	json_decref(rec);
	if (rc || vd_writer_close(w))
		die(1, "%s", vd_errmsg());
	return 0;
}

/* The name of the current embedding model, by the embedder's own rule. */
static char *
embed_model(const struct vd_config *cfg)
{
	struct vd_embedder *e;
	char *name;

	if (vd_embedder_open(NULL, cfg, NULL, &e))
		die(2, "%s", vd_errmsg());
	if (!(name = strdup(vd_embedder_model(e))))
		die(3, "out of memory");
	vd_embedder_free(e);
	return name;
}

static int
summary(FILE *out, sqlite3 *db, const struct vd_config *cfg)
{
	struct vd_stats s;
	char since[VD_DATE_LEN], *model = embed_model(cfg);
	int status;

	if (vd_stats_collect(db, model, opt.days ? vd_date_days_ago(opt.days, since) : NULL, &s))
		die(3, "%s", vd_errmsg());
	free(model);
	if (opt.prometheus) {
		if (vd_prom_write(out, &s))
			die(1, "%s", vd_errmsg());
		vd_stats_clear(&s);
		return 0;
	}
	status = put_record(out, vd_stats_columns, vd_stats_json(&s));
	vd_stats_clear(&s);
	return status;
}

static int
series_row(const char *period, const struct vd_counts *c, void *arg)
{
	json_t *rec = vd_counts_json(period, c);
	int rc;

	if (!rec)
		return vd_error(VD_ENOMEM, "out of memory");
	rc = vd_writer_put(arg, rec);
	json_decref(rec);
	return rc;
}

static int
series(FILE *out, sqlite3 *db)
{
	struct vd_writer *w = vd_writer_new(out, opt.outformat, vd_series_columns);
	char since[VD_DATE_LEN];
	int rc;

	if (!w)
		die(3, "out of memory");
	rc = vd_stats_series(db, opt.weekly, opt.days ? vd_date_days_ago(opt.days, since) : NULL,
	    series_row, w);
	if (rc)
		cli_fail(rc, "");
	if (vd_writer_close(w))
		die(1, "%s", vd_errmsg());
	return 0;
}

static int
topic_row(json_t *rec, void *arg)
{
	return vd_writer_put(arg, rec);
}

static int
topics(FILE *out, sqlite3 *db, const struct vd_config *cfg)
{
	struct vd_writer *w = vd_writer_new(out, opt.outformat, vd_review_topic_columns);
	struct vd_review_opts o = { .similarity = -1 };
	char since[VD_DATE_LEN];

	if (!w)
		die(3, "out of memory");
	if (opt.days)
		o.since = vd_date_days_ago(opt.days, since);
	if (vd_review_topics(db, cfg, &o, topic_row, w))
		die(ferror(out) ? 1 : 3, "%s", vd_errmsg());
	if (vd_writer_close(w))
		die(1, "%s", vd_errmsg());
	return 0;
}

static int
chart(FILE *out, sqlite3 *db)
{
	struct vd_stats s;
	char since[VD_DATE_LEN];
	int rc;

	if (vd_stats_collect(db, VD_BUILTIN_MODEL, NULL, &s))
		die(3, "%s", vd_errmsg());
	/* from the start of the first day shown */
	vd_date_days_ago((opt.days ? opt.days : CHART_DAYS) - 1, since);
	strcpy(since + 10, "T00:00:00.000Z");
	if (vd_chart_ratings(out, &s.c) || fputc('\n', out) == EOF)
		die(1, "%s", vd_errmsg());
	if ((rc = vd_chart_daily(out, db, since)))
		cli_fail(rc, "");
	vd_stats_clear(&s);
	return 0;
}

static int
evaluate(FILE *out, sqlite3 *db, const struct vd_config *cfg)
{
	struct vd_eval ev;

	if (vd_eval_run(db, cfg, (int)opt.days, &ev) || (!opt.dry_run && vd_eval_record(db, &ev)))
		die(3, "%s", vd_errmsg());
	put_record(out, vd_eval_columns, vd_eval_json(&ev));
	return ev.requires_retraining ? EXIT_RETRAIN : 0;
}

static const char *const health_columns[] = {
	"status", "database", "database_error", "writable", "schema_version",
	"schema_expected", "schema_current", "llm", "llm_model", "llm_error",
	"embedder", "embedding_model", "embedder_error", "profile", "profile_error",
	"probed", "checked_at", NULL
};

static int
health(FILE *out, const struct vd_config *cfg)
{
	enum vd_health_level level;
	char *path = NULL;
	json_t *rec;

	if (!cfg->db_path && !(path = vd_config_default_db()))
		die(3, "%s", vd_errmsg());
	if (vd_health_check(cfg->db_path ? cfg->db_path : path, cfg, opt.probe, &rec, &level))
		die(3, "%s", vd_errmsg());
	free(path);
	put_record(out, health_columns, rec);
	return level == VD_HEALTHY ? 0 : level == VD_DEGRADED ? 1 : 3;
}

int
main(int argc, char **argv)
{
	struct vd_config cfg;
	struct vd_atomic *file = NULL;
	FILE *out = stdout;
	sqlite3 *db = NULL;
	int c, status;

	cli_init("vasdom-stats", argc, argv);
	cli_config(&cfg);
	while ((c = cli_getopt(argc, argv, &tool)) != -1) {
		switch (c) {
		case 'd': cfg.db_path = optarg; break;
		case 'f':
			opt.prometheus = strcmp(optarg, "prometheus") == 0;
			if (!opt.prometheus &&
			    (opt.outformat = vd_outformat_parse(optarg, 0)) < 0)
				die(2, "-f: unknown output format '%s' (jsonl, csv, prometheus)", optarg);
			break;
		case 'o': opt.output = strcmp(optarg, "-") ? optarg : NULL; break;
		case O_BY:
			set_mode(SERIES, "--by");
			if (strcmp(optarg, "topic") == 0)
				opt.mode = TOPICS;
			else if (strcmp(optarg, "day") == 0)
				opt.weekly = 0;
			else if (strcmp(optarg, "week") == 0)
				opt.weekly = 1;
			else
				die(2, "--by: expected day, week or topic, got '%s'", optarg);
			break;
		case O_CHART: set_mode(CHART, "--chart"); break;
		case O_EVALUATE: set_mode(EVALUATE, "--evaluate"); break;
		case O_HEALTH: set_mode(HEALTH, "--health"); break;
		case O_DRY_RUN: opt.dry_run = 1; break;
		case O_PROBE: opt.probe = 1; break;
		case O_PROFILE: cfg.profile_path = optarg; opt.profile = 1; break;
		case O_DAYS: opt.days = cli_int("--days", optarg, 1, 36500); break;
		}
	}
	if (optind < argc)
		cli_help(2, &tool);
	if (opt.prometheus && opt.mode != SUMMARY)
		die(2, "-f prometheus: only for the statistics, not with --by, --chart, --evaluate or --health");
	if (opt.dry_run && opt.mode != EVALUATE)
		die(2, "--dry-run goes with --evaluate");
	if (opt.probe && opt.mode != HEALTH)
		die(2, "--probe goes with --health");
	if (opt.profile && opt.mode != HEALTH)
		die(2, "--profile goes with --health");
	if (opt.days && opt.mode == HEALTH)
		die(2, "--days does not go with --health");
	if (opt.mode != HEALTH)
		db = cli_open_db_existing(&cfg);
	if (opt.output) {
		char *dbpath = NULL;

		if (!db && !cfg.db_path && !(dbpath = vd_config_default_db()))
			die(3, "%s", vd_errmsg());
		/* metrics are for another reader (node_exporter): the umask's mode */
		if (vd_atomic_open(opt.output, db ? vd_db_path(db) :
		    cfg.db_path ? cfg.db_path : dbpath, opt.prometheus ? 0666 : 0600, &file))
			die(2, "-o: %s", vd_errmsg());
		/* dying half way leaves the target as it was, and no temporary */
		atexit(vd_atomic_unlink_all);
		out = vd_atomic_file(file);
		free(dbpath);
	}
	switch (opt.mode) {
	case SERIES: status = series(out, db); break;
	case TOPICS: status = topics(out, db, &cfg); break;
	case CHART: status = chart(out, db); break;
	case EVALUATE: status = evaluate(out, db, &cfg); break;
	case HEALTH: status = health(out, &cfg); break;
	default: status = summary(out, db, &cfg); break;
	}
	vd_db_close(db);
	if (file && vd_atomic_commit(file))
		die(1, "-o: %s", vd_errmsg());
	cli_finish(NULL, status);
}
