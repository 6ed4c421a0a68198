/* vasdom-review: where to teach next (gaps, queue, conflicts, replay). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vd_date.h"
#include "vd_db.h"
#include "vd_error.h"
#include "vd_review.h"

static const char usage_line[] =
    "usage: vasdom-review --gaps [--drafts] [--days n] [-n limit] [--similarity s]\n"
    "                     [--rules file] [-d db] [-f jsonl|csv] [--csv-raw]\n"
    "       vasdom-review --queue [--days n] [-n limit] [--similarity s] [-d db]\n"
    "                     [-f jsonl|csv] [--csv-raw]\n"
    "       vasdom-review --conflicts [--days n] [-n limit] [--similarity s] [-d db]\n"
    "                     [-f jsonl|csv] [--csv-raw]\n"
    "       vasdom-review --replay [--summary] [--days n] [--min-confidence c]\n"
    "                     [--rules file] [-d db] [-f jsonl|csv] [--csv-raw]\n";

enum {
	O_GAPS = CLI_LONG, O_DRAFTS, O_QUEUE, O_CONFLICTS, O_REPLAY, O_SUMMARY,
	O_MIN_CONFIDENCE, O_DAYS, O_SIMILARITY, O_RULES
};

static const struct cli_opt opts[] = {
	{ O_GAPS, "gaps", NULL, "questions not answered well (default or hand-over answers,\n"
	    "confidence below VASDOM_MIN_CONFIDENCE, rated 1-2, or\n"
	    "unrated answers to questions farther from the knowledge\n"
	    "than it typically is from itself), in clusters of\n"
	    "questions all alike, largest first, each with a draft\n"
	    "line for vasdom-ask --record" },
	{ O_DRAFTS, "drafts", NULL, "with --gaps: only the draft lines (message, response, rating)" },
	{ O_QUEUE, "queue", NULL, "unrated exchanges ranked by how much a rating would teach\n"
	    "(default -n 50), each with why" },
	{ O_CONFLICTS, "conflicts", NULL, "groups of near-identical questions whose endorsed answers\n"
	    "(rated at or above VASDOM_MIN_RATING, or corrected) differ" },
	{ O_REPLAY, "replay", NULL, "every endorsed exchange answered again offline, itself and\n"
	    "its session left out, under the settings given now: one\n"
	    "line each (log_id, expected, got, right, confidence,\n"
	    "source), then a summary (accuracy, coverage, precision,\n"
	    "answers_changed); nothing is written" },
	{ O_SUMMARY, "summary", NULL, "with --replay: only the summary" },
	{ O_MIN_CONFIDENCE, "min-confidence", "c", "least confidence of an experience answer, 0-1\n"
	    "(VASDOM_MIN_CONFIDENCE, 0.5): --replay answers with it,\n"
	    "--gaps takes a less sure answer for a gap" },
	{ O_DAYS, "days", "n", "only the exchanges of the last n days" },
	{ 'n', NULL, "limit", "print at most limit records" },
	{ O_SIMILARITY, "similarity", "s", "least cosine similarity of alike questions (--gaps: 0.3,\n"
	    "--queue: 0.5, --conflicts: 0.9)" },
	{ O_RULES, "rules", "file", "the intent rules (VASDOM_RULES): --gaps names topics by\n"
	    "them, --replay answers with them" },
	CLI_OPT_DB,
	CLI_OPT_FORMAT,
	CLI_OPT_CSV_RAW,
	CLI_OPT_END
};

static const struct cli_tool tool = {
	usage_line,
	"Show where teaching the assistant would help most.\n",
	opts,
	"Exit status: 0 success; 1 nothing found, or a write error; 2 usage error;\n"
	"3 database or configuration error.\n"
};

static const char *const conflict_columns[] = {
	"group", "size", "answers", "similarity", "log_ids", "exchanges", NULL
};
static const char *const gap_columns[] = {
	"cluster", "size", "log_ids", "first_seen", "last_seen", "questions", "topic",
	"handovers", "low_confidence", "rated_poorly", "corrected", "draft", NULL
};
static const char *const draft_columns[] = { "message", "response", "rating", NULL };
static const char *const replay_columns[] = {
	"log_id", "kind", "message", "expected", "got", "right", "confidence", "source",
	"handover", "changed", "replayed", "accuracy", "coverage", "precision",
	"answers_changed", "min_confidence", "min_similarity", "not_embedded", NULL
};
static const char *const queue_columns[] = {
	"rank", "log_id", "message", "response", "source", "created_at", "confidence",
	"similar_recent", "covered_by", "covered_score", "score", "why", "rating", NULL
};

enum mode { NONE, CONFLICTS, GAPS, QUEUE, REPLAY };

#define QUEUE_LIMIT 50

struct out {
	struct vd_writer *w;
	long n;
	int write_failed;
};

static int
put(json_t *rec, void *arg)
{
	struct out *o = arg;
	json_int_t missing = json_integer_value(json_object_get(rec, "not_embedded"));
	int rc;

	if (missing > 0)
		warning("%lld rated exchanges have no current vector of the model, and were"
		    " found as they were embedded or not at all: run vasdom-embed first",
		    (long long)missing);
	o->n++;
	if ((rc = vd_writer_put(o->w, rec)))
		o->write_failed = 1;
	return rc;
}

static void
set_mode(enum mode *m, enum mode to)
{
	if (*m != NONE && *m != to)
		die(2, "only one of --gaps, --queue, --conflicts and --replay");
	*m = to;
}

int
main(int argc, char **argv)
{
	struct vd_review_opts o = { .similarity = -1 };
	struct vd_config cfg;
	struct out out = { 0 };
	char since[VD_DATE_LEN];
	enum mode mode = NONE;
	int c, rc, outformat = VD_OUT_JSONL;
	sqlite3 *db;

	cli_init("vasdom-review", argc, argv);
	cli_config(&cfg);
	while ((c = cli_getopt(argc, argv, &tool)) != -1) {
		switch (c) {
		case O_CONFLICTS: set_mode(&mode, CONFLICTS); break;
		case O_GAPS: set_mode(&mode, GAPS); break;
		case O_QUEUE: set_mode(&mode, QUEUE); break;
		case O_DRAFTS: o.drafts = 1; break;
		case O_RULES: o.rules_path = optarg; break;
		case O_REPLAY: set_mode(&mode, REPLAY); break;
		case O_SUMMARY: o.summary = 1; break;
		case O_MIN_CONFIDENCE: cfg.min_confidence = cli_double("--min-confidence", optarg, 0, 1); break;
		case O_DAYS: o.since = vd_date_days_ago(cli_int("--days", optarg, 1, 36500), since); break;
		case O_SIMILARITY: o.similarity = cli_double("--similarity", optarg, -1, 1); break;
		case 'n': o.limit = cli_int("-n", optarg, 1, 1000000); break;
		case 'd': cfg.db_path = optarg; break;
		case 'f': outformat = cli_outformat(optarg, 0); break;
		}
	}
	if (optind < argc || mode == NONE)
		cli_help(2, &tool);
	if (o.drafts && mode != GAPS)
		die(2, "--drafts goes with --gaps");
	if (o.rules_path && mode != GAPS && mode != REPLAY)
		die(2, "--rules goes with --gaps or --replay");
	if (o.summary && mode != REPLAY)
		die(2, "--summary goes with --replay");
	if (mode == REPLAY && (o.limit || o.similarity >= 0))
		die(2, "--replay takes neither -n nor --similarity");
	if (mode == QUEUE && !o.limit)
		o.limit = QUEUE_LIMIT;
	db = cli_open_db_existing(&cfg);
	if (!(out.w = vd_writer_new(stdout, outformat, mode == CONFLICTS ? conflict_columns
	    : mode == QUEUE ? queue_columns : mode == REPLAY ? replay_columns
	    : o.drafts ? draft_columns : gap_columns)))
		die(3, "out of memory");
	switch (mode) {
	case GAPS: rc = vd_review_gaps(db, &cfg, &o, put, &out); break;
	case QUEUE: rc = vd_review_queue(db, &cfg, &o, put, &out); break;
	case REPLAY: rc = vd_review_replay(db, &cfg, &o, put, &out); break;
	default: rc = vd_review_conflicts(db, &cfg, &o, put, &out); break;
	}
	/* a write error (full disk, closed pipe) is 1; anything else the
	 * library reports is the database's or the configuration's */
	if (rc)
		die(out.write_failed ? 1 : 3, "%s", vd_errmsg());
	vd_db_close(db);
	cli_finish(out.w, out.n ? 0 : 1);
}
